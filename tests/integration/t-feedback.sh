#!/bin/bash
# Feedback when things go wrong (issue 15): --timeout bounds connecting,
# the TLS handshake and a stalled exchange, with a note per retry on
# stderr (without -v) and a total time bounded by attempts x (timeout +
# backoff).
set -eu
. "$(dirname "$0")/lib.sh"
require_tools cnab-archive cnab-inspect cnab-publish-archive cnab-relocate
A=$CNAB_BIN/cnab-archive
I=$CNAB_BIN/cnab-inspect
P=$CNAB_BIN/cnab-publish-archive
R=$CNAB_BIN/cnab-relocate
export CNAB_RETRY_BASE_MS=100 CNAB_RETRY_ATTEMPTS=3

now() { date +%s.%N; }
# took T0 MIN MAX: the time since T0 is within [MIN, MAX] seconds
took() {
	local t
	t=$(echo "$(now) - $1" | bc)
	echo "$t >= $2 && $t <= $3" | bc | grep -qx 1 ||
		fail "took ${t}s, expected ${2}s to ${3}s"
	note "took ${t}s"
}

silent_start quiet
silent_start tls --tls
Q=$(_rv quiet HOST)
T=$(_rv tls HOST)

step "a server that never answers: --timeout, a note per retry, bounded"
# loopback tries HTTPS first: the client waits in the TLS handshake; three
# attempts of 2 s, backoffs of at most 0.1 + 0.2 s
t0=$(now)
assert_exit 1 "$I" --timeout 2 -r "$Q/app:1"
took "$t0" 6 9
assert_contains "$ERR" "cnab-inspect: retrying $Q (2 of 3): timed out"
assert_contains "$ERR" "cnab-inspect: retrying $Q (3 of 3): timed out"
assert_not_contains "$ERR" "(4 of 3)"
assert_contains "$ERR" "cannot reach registry '$Q': GET /v2/: timed out: no answer within 2 s"
assert_eq "$(grep -c . <<<"$ERR")" 3 "stderr lines"

step "after the handshake: the stall timer stops a silent exchange"
t0=$(now)
assert_exit 1 "$I" --timeout 2 --cert-dir "$(_rv tls CERTDIR)" -r "$T/app:1"
took "$t0" 6 9
assert_contains "$ERR" "retrying $T (3 of 3): timed out"
assert_contains "$ERR" "no answer within 2 s"
[ "$(grep -c handshake "$(_rv tls LOG)")" -ge 3 ] ||
	fail "the TLS server saw no completed handshakes"

step "CNAB_STALL_TIMEOUT is the default; --timeout wins over it"
t0=$(now)
CNAB_STALL_TIMEOUT=1 assert_exit 1 "$I" -r "$Q/app:1"
took "$t0" 3 5.5
assert_contains "$ERR" "no answer within 1 s"
t0=$(now)
CNAB_STALL_TIMEOUT=30 assert_exit 1 "$I" --timeout 1 -r "$Q/app:1"
took "$t0" 3 5.5

step "-q: no retry notes, the error still said"
assert_exit 1 "$I" -q --timeout 1 -r "$Q/app:1"
assert_not_contains "$ERR" "retrying"
assert_contains "$ERR" "timed out"

step "every tool that talks to a registry takes --timeout"
echo '{}' >"$TEST_DIR/empty.json"
CNAB_RETRY_ATTEMPTS=1 assert_exit 1 "$A" --timeout 1 -r "$Q/app:1" "$TEST_DIR/o.tgz"
assert_contains "$ERR" "no answer within 1 s"
[ ! -e "$TEST_DIR/o.tgz" ] || fail "an archive was left behind"
CNAB_RETRY_ATTEMPTS=1 assert_exit 1 "$R" --timeout 1 "$Q/app:1" "$Q/copy:1"
assert_contains "$ERR" "no answer within 1 s"
reg_start plain src
S=$(_rv src HOST)
fixture_image src app/installer v1 --layers 1 --size 4K >/dev/null
jq -n --arg h "$S" '{schemaVersion: "v1.2.0", name: "fb", version: "1.0.0",
	invocationImages: [{imageType: "docker",
		image: ($h + "/app/installer:v1")}]}' >"$TEST_DIR/bundle.json"
assert_exit 0 "$A" --insecure-registry "$S" -f "$TEST_DIR/bundle.json" \
	"$TEST_DIR/b.tgz"
CNAB_RETRY_ATTEMPTS=1 assert_exit 1 "$P" --timeout 1 -a "$TEST_DIR/b.tgz" \
	--tag "$Q/app:1"
assert_contains "$ERR" "no answer within 1 s"
assert_exit 2 "$I" --timeout 0 -r "$Q/app:1"
assert_contains "$ERR" "invalid --timeout '0': use 1 to 3600 seconds"

step "a tag holding an image is called one, as inspect says"
fixture_image src app/img 1 --layers 1 --size 4K >/dev/null
assert_exit 1 "$P" --insecure-registry "$S" -a "$TEST_DIR/b.tgz" --tag "$S/app/img:1"
assert_contains "$ERR" "tag '$S/app/img:1' holds an image, not a CNAB bundle (sha256:"
assert_contains "$ERR" "use --force to replace it"
assert_exit 4 "$I" --insecure-registry "$S" -r "$S/app/img:1"
assert_contains "$ERR" "is an image, not a CNAB bundle"
assert_exit 0 "$P" --insecure-registry "$S" -a "$TEST_DIR/b.tgz" --tag "$S/app/b:1"
assert_exit 1 "$R" --insecure-registry "$S" "$S/app/b:1" "$S/app/img:1"
assert_contains "$ERR" "tag '$S/app/img:1' holds an image, not a CNAB bundle"
fixture_index src app/multi 1 --size 4K >/dev/null
assert_exit 1 "$R" --insecure-registry "$S" "$S/app/b:1" "$S/app/multi:1"
assert_contains "$ERR" "holds an image index, not a CNAB bundle"
assert_exit 0 "$R" --insecure-registry "$S" --force "$S/app/b:1" "$S/app/img:1"
assert_contains "$ERR" "replacing tag '$S/app/img:1', which held an image, not a CNAB bundle"

step "TLS failures named, with advice that fits"
P2=$TEST_DIR/pki2
_pki_ca "$P2" "another CA"
_pki_leaf "$TEST_DIR/pki" "$TEST_DIR/other-name" other server DNS:other.example
_pki_leaf "$TEST_DIR/pki" "$TEST_DIR/expired" localhost server \
	IP:127.0.0.1,DNS:localhost -1
silent_start badname --tls --cert "$TEST_DIR/other-name"
silent_start expired --tls --cert "$TEST_DIR/expired"
_pki_leaf "$TEST_DIR/pki" "$TEST_DIR/future" localhost server \
	IP:127.0.0.1,DNS:localhost future
silent_start future --tls --cert "$TEST_DIR/future"
silent_start mtls --tls --client-ca "$P2/ca.crt"
CD=$TEST_CERTDIR
# unknown CA, no --cert-dir: give one
H=$(_rv tls HOST)
assert_exit 1 "$I" -r "$H/app:1"
assert_contains "$ERR" "certificate signed by unknown authority for '$H'"
assert_contains "$ERR" "use --cert-dir DIR with its CA, or --insecure-registry $H"
assert_not_contains "$ERR" "retrying"
# unknown CA although --cert-dir was given: say it does not have it
mkdir -p "$TEST_DIR/wrong-cas"
cp "$P2/ca.crt" "$TEST_DIR/wrong-cas/ca.crt"
assert_exit 1 "$I" --cert-dir "$TEST_DIR/wrong-cas" -r "$H/app:1"
assert_contains "$ERR" "no CA of --cert-dir '$TEST_DIR/wrong-cas' or of the system signs it"
# a name mismatch is not an unknown authority
H=$(_rv badname HOST)
assert_exit 1 "$I" --cert-dir "$CD" -r "$H/app:1"
assert_contains "$ERR" "the certificate of registry '$H' is for another host name"
assert_not_contains "$ERR" "unknown authority"
assert_not_contains "$ERR" "--cert-dir"
# expired
H=$(_rv expired HOST)
assert_exit 1 "$I" --cert-dir "$CD" -r "$H/app:1"
assert_contains "$ERR" "the certificate of registry '$H' has expired"
# not valid yet
H=$(_rv future HOST)
assert_exit 1 "$I" --cert-dir "$CD" -r "$H/app:1"
assert_contains "$ERR" "the certificate of registry '$H' is not valid yet"
assert_contains "$ERR" "clock"
# a client certificate demanded, none given; then one it does not trust
H=$(_rv mtls HOST)
assert_exit 1 "$I" --cert-dir "$CD" -r "$H/app:1"
assert_contains "$ERR" "registry '$H' wants a client certificate"
assert_not_contains "$ERR" "retrying"
mkdir -p "$TEST_DIR/client-dir"
cp "$CD/ca.crt" "$TEST_DIR/client-dir/ca.crt"
_pki_leaf "$TEST_DIR/pki" "$TEST_DIR/client-dir/me" me client
mv "$TEST_DIR/client-dir/me.crt" "$TEST_DIR/client-dir/me.cert"
assert_exit 1 "$I" --cert-dir "$TEST_DIR/client-dir" -r "$H/app:1"
assert_contains "$ERR" "registry '$H' refused the client certificate '$TEST_DIR/client-dir/me.cert'"

step "--relocation-mapping is opened before the first registry write"
reg_mark src
assert_exit 1 "$P" --insecure-registry "$S" -a "$TEST_DIR/b.tgz" --tag "$S/app/m:1" \
	--relocation-mapping "$TEST_DIR/no/such/dir/m.json"
assert_contains "$ERR" "'$TEST_DIR/no/such/dir/m.json'"
assert_eq "$(reg_requests src | grep -c .)" 0 "requests to the registry"
assert_exit 4 "$I" --insecure-registry "$S" -r "$S/app/m:1"
assert_exit 1 "$R" --insecure-registry "$S" "$S/app/b:1" "$S/app/m2:1" \
	--relocation-mapping "$TEST_DIR/no/such/dir/m.json"
assert_contains "$ERR" "'$TEST_DIR/no/such/dir/m.json'"
assert_exit 4 "$I" --insecure-registry "$S" -r "$S/app/m2:1"
# a good path: written, and no temporary file left
assert_exit 0 "$R" --insecure-registry "$S" "$S/app/b:1" "$S/app/m2:1" \
	--relocation-mapping "$TEST_DIR/m2.json"
jq -e 'length == 1' "$TEST_DIR/m2.json" >/dev/null || fail "bad mapping: $(cat "$TEST_DIR/m2.json")"
ls "$TEST_DIR" | grep -q 'm2.json.' && fail "a temporary mapping file was left"

step "--dry-run looks at the destination, read-only, and exits as the real run would"
fixture_image src app/img2 1 --layers 1 --size 4K >/dev/null
reg_mark src
assert_exit 0 "$P" --insecure-registry "$S" --dry-run -a "$TEST_DIR/b.tgz" --tag "$S/new/b:1"
assert_contains "$OUT" "Tag $S/new/b:1: absent"
assert_match "$OUT" "Would upload ([0-9]+) of \\1 blobs"
assert_exit 0 "$P" --insecure-registry "$S" --dry-run -o json -a "$TEST_DIR/b.tgz" --tag "$S/new/b:1"
jq -e '.dryRun and .plan.tag == "absent" and .plan.upload == .plan.blobs and .plan.uploadBytes == .plan.bytes and .plan.blobs > 0' \
	<<<"$OUT" >/dev/null || fail "bad plan: $OUT"
# the same bundle: nothing to send
assert_exit 0 "$P" --insecure-registry "$S" --dry-run -o json -a "$TEST_DIR/b.tgz" --tag "$S/app/b:1"
jq -e '.plan.tag == "same" and .plan.upload == 0' <<<"$OUT" >/dev/null || fail "bad plan: $OUT"
assert_exit 0 "$P" --insecure-registry "$S" --dry-run -a "$TEST_DIR/b.tgz" --tag "$S/app/b:1"
assert_contains "$OUT" "holds this bundle already"
assert_match "$OUT" "Would upload 0 of [0-9]+ blobs"
# blobs there already in another tag of the repository: only the rest
assert_exit 0 "$P" --insecure-registry "$S" --dry-run -o json -a "$TEST_DIR/b.tgz" --tag "$S/app/b:2"
jq -e '.plan.tag == "absent" and .plan.upload < .plan.blobs' <<<"$OUT" >/dev/null ||
	fail "bad plan: $OUT"
# an image at the tag: refused as the real run refuses it, --force plans it
assert_exit 1 "$P" --insecure-registry "$S" --dry-run -a "$TEST_DIR/b.tgz" --tag "$S/app/img2:1"
assert_contains "$ERR" "holds an image, not a CNAB bundle"
assert_exit 0 "$P" --insecure-registry "$S" --dry-run --force -o json -a "$TEST_DIR/b.tgz" \
	--tag "$S/app/img2:1"
jq -e '.plan.tag == "image"' <<<"$OUT" >/dev/null || fail "bad plan: $OUT"
assert_exit 1 "$R" --insecure-registry "$S" --dry-run "$S/app/b:1" "$S/app/img2:1"
assert_contains "$ERR" "holds an image, not a CNAB bundle"
assert_exit 0 "$R" --insecure-registry "$S" --dry-run "$S/app/b:1" "$S/other/b:1"
assert_contains "$OUT" "Tag $S/other/b:1: absent"
# nothing written by any of them
assert_eq "$(reg_requests src | grep -cE '^(PUT|POST|PATCH|DELETE) ')" 0 "writes"
[ "$(reg_requests src | grep -cE '^HEAD ')" -gt 0 ] || fail "the destination was not looked at"
# --offline: not a single request
reg_mark src
assert_exit 0 "$P" --insecure-registry "$S" --dry-run --offline -a "$TEST_DIR/b.tgz" \
	--tag "$S/app/img2:1"
assert_not_contains "$OUT" "Would upload"
assert_eq "$(reg_requests src | grep -c .)" 0 "requests with --offline"
