#!/bin/bash
# cnab-archive against real registries in the three modes (issue 3):
# byte-exact layouts that skopeo reads, deterministic archives, and the
# failures: wrong password, missing token scope, missing image, a registry
# that dies mid-pull.
set -eu
. "$(dirname "$0")/lib.sh"
require_tools cnab-archive cnab-inspect
export CNAB_RETRY_BASE_MS=50
A=$CNAB_BIN/cnab-archive
I=$CNAB_BIN/cnab-inspect

reg_start plain p
reg_start basic b
reg_start token t --user noscope:nopass:

# bundle.json naming an invocation image (Docker types, 2 layers), a
# component (OCI, 3 layers) and a two-platform index, all in registry $1
make_bundle() { # NAME OUT
	local r=$1 out=$2 host inv web multi
	host=$(_rv "$r" HOST)
	fixture_image "$r" app/installer v1 --layers 2 --size 64K >/dev/null
	inv=$FIXTURE_DIGEST
	fixture_image "$r" app/web 2.0 --format oci --layers 3 --size 32K >/dev/null
	web=$FIXTURE_DIGEST
	fixture_index "$r" app/multi 1.0 --size 8K >/dev/null
	multi=$FIXTURE_DIGEST
	jq -n --arg h "$host" --arg web "$web" '{
		schemaVersion: "v1.2.0", name: "itest", version: "1.0.0",
		description: "integration bundle",
		invocationImages: [{imageType: "docker",
			image: ($h + "/app/installer:v1")}],
		images: {
			web: {imageType: "oci", image: ($h + "/app/web:2.0"),
				contentDigest: $web},
			multi: {imageType: "oci", image: ($h + "/app/multi:1.0")}
		}}' >"$out"
	printf '%s %s %s\n' "$inv" "$web" "$multi" >"$out.digests"
}

for r in p b t; do
	step "archive from the $r registry"
	make_bundle "$r" "$TEST_DIR/$r.json"
	read -r inv web multi <"$TEST_DIR/$r.json.digests"
	# shellcheck disable=SC2046
	assert_exit 0 "$A" $(cnab_opts "$r") -f "$TEST_DIR/$r.json" \
		"$TEST_DIR/$r.tgz"
	out=$("$I" --verify -o json -a "$TEST_DIR/$r.tgz" 2>&1)
	assert_contains "$out" "verified"
	# every digest is the registry's
	assert_eq "$("$I" -o json -a "$TEST_DIR/$r.tgz" |
		jq -r '.invocationImages[0].digest')" "$inv"
	assert_eq "$("$I" -o json -a "$TEST_DIR/$r.tgz" |
		jq -r '.images[] | select(.name=="web") | .digest')" "$web"
	assert_eq "$("$I" -o json -a "$TEST_DIR/$r.tgz" |
		jq -r '.images[] | select(.name=="multi") | .digest')" "$multi"
done

step "the archive's layout is read by skopeo and umoci"
x=$TEST_DIR/x
mkdir -p "$x"
tar -xzf "$TEST_DIR/p.tgz" -C "$x"
host=$(_rv p HOST)
layout=$x/artifacts/layout
# skopeo finds OCI-typed images by their ref-name annotation
d=$(sk inspect --raw "oci:$layout:$host/app/web:2.0" | sha256sum | cut -d' ' -f1)
read -r inv web multi <"$TEST_DIR/p.json.digests"
assert_eq "sha256:$d" "$web" "skopeo reads the component image"
d=$(sk inspect --raw "oci:$layout:$host/app/multi:1.0" | sha256sum | cut -d' ' -f1)
assert_eq "sha256:$d" "$multi" "skopeo reads the index, whole"
sk inspect "oci:$layout:$host/app/web@$web" >/dev/null
# and copies them to a registry with the same digests
sk_copy --all "oci:$layout:$host/app/multi:1.0" "docker://$host/copied/multi:1"
assert_eq "$(sk_inspect --raw "docker://$host/copied/multi:1" |
	sha256sum | cut -d' ' -f1)" "${multi#sha256:}"
sk_copy "oci:$layout:$host/app/web:2.0" "docker://$host/copied/web:1"
assert_eq "$(sk_inspect --raw "docker://$host/copied/web:1" |
	sha256sum | cut -d' ' -f1)" "${web#sha256:}"
umoci stat --image "$layout:$host/app/web:2.0" >/dev/null
# every blob in the layout matches its name
for f in "$layout"/blobs/sha256/*; do
	assert_eq "$(sha256sum <"$f" | cut -d' ' -f1)" "$(basename "$f")"
done

step "archiving twice gives the same bytes (other umask and TZ)"
# shellcheck disable=SC2046
(umask 077 && TZ=Asia/Tokyo "$A" -q $(cnab_opts t) -f "$TEST_DIR/t.json" \
	"$TEST_DIR/t2.tgz")
cmp "$TEST_DIR/t.tgz" "$TEST_DIR/t2.tgz" ||
	fail "two archives of one bundle differ"
# shellcheck disable=SC2046
"$A" -q $(cnab_opts t) -f "$TEST_DIR/t.json" - >"$TEST_DIR/t3.tgz"
cmp "$TEST_DIR/t.tgz" "$TEST_DIR/t3.tgz" || fail "stdout archive differs"
# and the archive is about the size of tar czf of its content
mkdir -p "$TEST_DIR/tz" && tar -xzf "$TEST_DIR/t.tgz" -C "$TEST_DIR/tz"
(cd "$TEST_DIR/tz" && tar -czf "$TEST_DIR/tz.tgz" .)
ours=$(stat -c %s "$TEST_DIR/t.tgz")
theirs=$(stat -c %s "$TEST_DIR/tz.tgz")
note "archive $ours bytes, tar czf $theirs bytes"
[ "$ours" -le $((theirs + theirs / 100 + 512)) ] ||
	fail "archive is more than 1% larger than tar czf's"

step "--layout: images from an OCI layout, no registry needed"
fixture_image - off/line 1 --format oci --layers 2 --size 16K \
	--layout "$TEST_DIR/lay" --ref-name registry.invalid/off/line:1 >/dev/null
OFF=$FIXTURE_DIGEST
jq -n '{schemaVersion: "v1.2.0", name: "offline", version: "1",
	invocationImages: [{imageType: "oci",
	image: "registry.invalid/off/line:1"}]}' >"$TEST_DIR/off.json"
assert_exit 0 "$A" --layout "$TEST_DIR/lay" -f "$TEST_DIR/off.json" \
	"$TEST_DIR/off.tgz"
assert_exit 0 "$I" --verify -o json -a "$TEST_DIR/off.tgz"
assert_eq "$(jq -r '.invocationImages[0].digest' <<<"$OUT")" "$OFF"

step "--layout: an image only in a registry is exit 4 unless --fallback-registry"
PH=$(_rv p HOST)
read -r _ pweb _ <"$TEST_DIR/p.json.digests"
jq --arg h "$PH" '.images = {web: {imageType: "oci",
	image: ($h + "/app/web:2.0")}}' "$TEST_DIR/off.json" >"$TEST_DIR/mixed.json"
reg_mark p
# shellcheck disable=SC2046
assert_exit 4 "$A" $(cnab_opts p) --layout "$TEST_DIR/lay" \
	-f "$TEST_DIR/mixed.json" "$TEST_DIR/mixed.tgz"
assert_contains "$ERR" "image '$PH/app/web:2.0' is not in layout '$TEST_DIR/lay', which holds 'registry.invalid/off/line:1'"
assert_contains "$ERR" "(--fallback-registry: look in registries too)"
assert_eq "$(count_requests p '*' '^/v2/')" 0
[ ! -e "$TEST_DIR/mixed.tgz" ] || fail "a failed run left an archive"
# shellcheck disable=SC2046
assert_exit 0 "$A" $(cnab_opts p) --fallback-registry --layout "$TEST_DIR/lay" \
	-f "$TEST_DIR/mixed.json" "$TEST_DIR/mixed.tgz"
assert_exit 0 "$I" --verify -o json -a "$TEST_DIR/mixed.tgz"
assert_eq "$(jq -r '.invocationImages[0].digest' <<<"$OUT")" "$OFF"
assert_eq "$(jq -r '.images[0].digest' <<<"$OUT")" "$pweb"
# a blob of the layout that does not match its name is refused
victim=$(ls "$TEST_DIR"/lay/blobs/sha256/* | while read -r f; do
	[ "$(stat -c %s "$f")" -gt 10000 ] && echo "$f" && break; done)
# (byte 100 flipped, never overwritten: a random byte may already be 'X')
"$ITEST_PYTHON" -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(100); b = f.read(1); f.seek(100); f.write(bytes([b[0] ^ 1]))' "$victim"
[ "$(sha256_of "$victim")" != "sha256:$(basename "$victim")" ] || fail "the blob was not changed"
assert_exit 3 "$A" --layout "$TEST_DIR/lay" -f "$TEST_DIR/off.json" \
	"$TEST_DIR/off2.tgz"
assert_contains "$ERR" "digest mismatch"
[ ! -e "$TEST_DIR/off2.tgz" ] || fail "a failed run left an archive"

step "wrong password: exit 1, naming the registry"
bad=$TEST_DIR/bad-auth.json
jq -n --arg h "$(_rv b HOST)" \
	'{auths: {($h): {auth: ("testuser:wrong" | @base64)}}}' >"$bad"
assert_exit 1 "$A" --cert-dir "$(_rv b CERTDIR)" --authfile "$bad" \
	-f "$TEST_DIR/b.json" "$TEST_DIR/bad.tgz"
out=$ERR
assert_contains "$out" "$(_rv b HOST)"
assert_contains "$out" "authentication failed"
assert_not_contains "$out" "wrong"
[ ! -e "$TEST_DIR/bad.tgz" ] || fail "a failed run left an archive"
ls "$TEST_DIR" | grep -q 'bad.tgz.tmp' && fail "a failed run left a temporary file"

step "token without the pull scope: exit 1, naming the registry"
jq -n --arg h "$(_rv t HOST)" \
	'{auths: {($h): {auth: ("noscope:nopass" | @base64)}}}' >"$bad"
assert_exit 1 "$A" --cert-dir "$(_rv t CERTDIR)" --authfile "$bad" \
	-f "$TEST_DIR/t.json" "$TEST_DIR/bad.tgz"
out=$ERR
assert_contains "$out" "authentication failed for registry '$(_rv t HOST)'"
assert_contains "$out" "401 unauthorized"
[ ! -e "$TEST_DIR/bad.tgz" ] || fail "a failed run left an archive"

step "TLS without the CA: a clear error with the fix"
assert_exit 1 "$A" --authfile "$(_rv b AUTHFILE)" \
	-f "$TEST_DIR/b.json" "$TEST_DIR/bad.tgz"
out=$ERR
assert_contains "$out" "--cert-dir"

step "an image that does not exist: exit 4, no file"
jq '.images.web.image |= sub("app/web:2.0"; "app/nothing:1")' \
	"$TEST_DIR/p.json" >"$TEST_DIR/missing.json"
# shellcheck disable=SC2046
assert_exit 4 "$A" $(cnab_opts p) -f "$TEST_DIR/missing.json" \
	"$TEST_DIR/missing.tgz"
out=$ERR
assert_contains "$out" "app/nothing:1"
[ ! -e "$TEST_DIR/missing.tgz" ] || fail "a failed run left an archive"

step "a contentDigest the registry contradicts: exit 3"
jq --arg d "$inv" '.images.web.contentDigest = $d' "$TEST_DIR/p.json" \
	>"$TEST_DIR/wrong.json"
# shellcheck disable=SC2046
assert_exit 3 "$A" $(cnab_opts p) -f "$TEST_DIR/wrong.json" \
	"$TEST_DIR/wrong.tgz"
[ ! -e "$TEST_DIR/wrong.tgz" ] || fail "a failed run left an archive"

step "a registry that dies mid-pull: retried, then exit 1 and no file"
# through a throttling proxy, so that the kill lands mid-transfer
reg_proxy p --rate-down 8000000
PH=$(_rv p PROXY_HOST)
fixture_image p big/layer 1 --layers 1 --size 32M >/dev/null
jq -n --arg h "$PH" '{schemaVersion: "v1.2.0", name: "big",
	version: "1", invocationImages: [{imageType: "docker",
	image: ($h + "/big/layer:1")}]}' >"$TEST_DIR/big.json"
# shellcheck disable=SC2046
CNAB_RETRY_ATTEMPTS=3 "$A" -v $(cnab_opts p) -f "$TEST_DIR/big.json" \
	"$TEST_DIR/big.tgz" 2>"$TEST_DIR/big.err" &
pid=$!
# kill the registry once the layer is on its way into the archive: the
# archive being written is found among the tool's descriptors (pid), as an
# unnamed file ("DIR/#INODE (deleted)", O_TMPFILE) or under a temporary
# name where the file system has no O_TMPFILE
mid_download() {
	local i f
	for i in $(seq 400); do
		for f in /proc/"$pid"/fd/*; do
			case $(readlink "$f" 2>/dev/null) in
			"$TEST_DIR/#"* | "$TEST_DIR"/big.tgz.tmp-*)
				[ "$(stat -L -c %s "$f" 2>/dev/null || echo 0)" -gt 2000000 ] &&
					return ;;
			esac
		done
		sleep 0.05
	done
	fail "the download did not start"
}
mid_download
reg_down p --kill
rc=0
wait "$pid" || rc=$?
assert_eq "$rc" 1 "exit code after the registry died"
assert_contains "$(cat "$TEST_DIR/big.err")" "$PH"
[ ! -e "$TEST_DIR/big.tgz" ] || fail "a failed run left an archive"
ls "$TEST_DIR" | grep -q 'big.tgz.tmp' && fail "a failed run left a temporary file"
reg_up p

step "a registry restarted mid-pull: the download resumes"
# (retries spread over some 7 s: a registry restarting on a busy machine
# took longer than 50 ms steps wait, and the run failed)
# shellcheck disable=SC2046
CNAB_RETRY_BASE_MS=500 "$A" -v $(cnab_opts p) -f "$TEST_DIR/big.json" "$TEST_DIR/big.tgz" \
	2>"$TEST_DIR/big2.err" &
pid=$!
mid_download
reg_restart p --kill
wait "$pid" || fail "archive did not survive a registry restart: $(tail -3 "$TEST_DIR/big2.err")"
"$I" --verify -q -a "$TEST_DIR/big.tgz" >/dev/null
# the blob being read when the registry went away is asked for again
# from where it stopped: a range, answered 206
grep -Eq 'GET .*/blobs/sha256:[0-9a-f]{64} -> 206 ' "$TEST_DIR/big2.err" ||
	fail "no download was resumed: $(grep 'blobs/sha256' "$TEST_DIR/big2.err" | tail -3)"

step "ended by a signal mid-download: no temporary file is left"
# (SIGINT is ignored by a background job of a script, and stays so; the
# signal is set to its default action for the tool, whatever this script
# inherited: under nohup, SIGHUP comes in ignored)
for sig in TERM HUP; do
	rm -f "$TEST_DIR/big.tgz"
	# shellcheck disable=SC2046
	env --default-signal="$sig" "$A" $(cnab_opts p) -f "$TEST_DIR/big.json" \
		"$TEST_DIR/big.tgz" 2>"$TEST_DIR/sig.err" &
	pid=$!
	mid_download
	kill -"$sig" "$pid"
	rc=0
	wait "$pid" || rc=$?
	assert_eq "$rc" "$((128 + $(kill -l "$sig")))" "exit status after SIG$sig"
	ls "$TEST_DIR" | grep -q 'big.tgz.tmp' && fail "SIG$sig left a temporary file"
	[ ! -e "$TEST_DIR/big.tgz" ] || fail "SIG$sig left an archive"
done

step "SIGHUP ignored on entry (nohup) stays ignored: the archive is finished"
rm -f "$TEST_DIR/big.tgz"
# shellcheck disable=SC2046
env --ignore-signal=HUP "$A" $(cnab_opts p) -f "$TEST_DIR/big.json" \
	"$TEST_DIR/big.tgz" 2>"$TEST_DIR/sig.err" &
pid=$!
mid_download
kill -HUP "$pid"
rc=0
wait "$pid" || rc=$?
assert_eq "$rc" 0 "exit status after an ignored SIGHUP: $(tail -1 "$TEST_DIR/sig.err")"
assert_exit 0 "$I" --verify -q -a "$TEST_DIR/big.tgz"

step "killed (SIGKILL) mid-download: the unfinished archive never had a name"
# (O_TMPFILE: the kernel frees it; this machine's file system has it)
rm -f "$TEST_DIR/big.tgz"
# shellcheck disable=SC2046
"$A" $(cnab_opts p) -f "$TEST_DIR/big.json" "$TEST_DIR/big.tgz" \
	2>"$TEST_DIR/kill.err" &
pid=$!
mid_download
assert_eq "$(ls -A "$TEST_DIR" | grep -c '^big\.tgz' || true)" 0 \
	"names of the archive while it is written"
kill -KILL "$pid"
rc=0
wait "$pid" || rc=$?
assert_eq "$rc" 137 "exit status after SIGKILL"
assert_eq "$(ls -A "$TEST_DIR" | grep -c '^big\.tgz' || true)" 0 \
	"names of the archive after SIGKILL"

echo "ok"
