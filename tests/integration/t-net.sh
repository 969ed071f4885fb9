#!/bin/bash
# What a registry, its token realm or its blob store can make the client do
# (issue 12): TLS verification decided for each URL's own host, not for the
# registry handle, the registry's client certificate for the registry
# only; a registry's OCI-Chunk-Min-Length demand within a cap; a
# resumed blob answered from another offset; no query string (a signed
# URL's secret) in -v -v output; relocate's peak memory over TLS with
# token auth (issue 13: one CA store for every connection).
set -eu
. "$(dirname "$0")/lib.sh"
require_tools cnab-archive cnab-inspect cnab-publish-archive cnab-relocate
export CNAB_RETRY_BASE_MS=20
A=$CNAB_BIN/cnab-archive
I=$CNAB_BIN/cnab-inspect
P=$CNAB_BIN/cnab-publish-archive
R=$CNAB_BIN/cnab-relocate

step "--insecure-registry HOST: the token realm on another port is still verified"
reg_start token tok
TOK=$(_rv tok HOST)
fixture_image tok app/t 1 --layers 1 --size 8K >/dev/null
before=$(count_token_requests tok)
users=$(count_token_requests tok 'user=testuser')
# the registry's certificate is not checked (HOST is named insecure), but
# nothing makes the realm's trusted: the token request must fail at TLS,
# before any credential is sent
assert_exit 1 "$I" --insecure-registry "$TOK" --authfile "$(_rv tok AUTHFILE)" \
	-r "$TOK/app/t:1"
assert_contains "$ERR" "cannot get a token for registry '$TOK'"
assert_match "$ERR" "certificate|SSL|TLS"
sleep 0.3
assert_eq "$(count_token_requests tok)" "$before" "token requests answered"
grep -q 'TLS handshake failed' "$(_rv tok ISSUER_LOG)" ||
	fail "the realm saw no refused handshake"
# trusting the realm's CA (--cert-dir) makes it work, the registry itself
# still unverified: the image is read (and found not to be a bundle)
assert_exit 4 "$I" --insecure-registry "$TOK" --cert-dir "$(_rv tok CERTDIR)" \
	--authfile "$(_rv tok AUTHFILE)" -r "$TOK/app/t:1"
assert_contains "$ERR" "is an image, not a CNAB bundle"
[ "$(count_token_requests tok 'user=testuser')" -gt "$users" ] ||
	fail "no token request with credentials"

step "a client certificate of --cert-dir goes to the registry, not to its token realm"
# the registry requires one (clientcas); its issuer asks for one, optionally,
# and logs whether it got one
reg_start token mt --mtls
MT=$(_rv mt HOST)
fixture_image mt app/c 1 --layers 1 --size 8K >/dev/null
MTLOG=$(_rv mt ISSUER_LOG)
from=$(($(wc -l <"$MTLOG") + 1))
# the CA, client.cert and client.key: the run gets past the registry's
# handshake only if the certificate went there
assert_exit 4 "$I" --cert-dir "$(_rv mt CERTDIR)" --authfile "$(_rv mt AUTHFILE)" \
	-r "$MT/app/c:1"
assert_contains "$ERR" "is an image, not a CNAB bundle"
sleep 0.3
lines=$(tail -n "+$from" "$MTLOG" | grep -E '^[^ ]+ (GET|POST) /token') ||
	fail "no token request"
assert_contains "$lines" "user=testuser"
assert_eq "$(grep -vc ' client-cert=none$' <<<"$lines")" 0 \
	"token requests with a client certificate: $lines"
# the issuer does see a certificate when one is sent
curl -sS -o /dev/null --cacert "$(_rv mt CA)" --cert "$(_rv mt CERTDIR)/client.cert" \
	--key "$(_rv mt CERTDIR)/client.key" "$(_rv mt REALM)?service=x" ||
	fail "curl to the issuer failed"
sleep 0.3
assert_match "$(tail -n 1 "$MTLOG")" ' client-cert=/commonName=client_of_mt$'
reg_stop mt

reg_start plain src
reg_start plain dst
proxy_start ps src
proxy_start pd dst
PS=$(_rv ps HOST)
PD=$(_rv pd HOST)
# shellcheck disable=SC2207
OPTS=($(cnab_opts src dst ps pd))

step "a blob redirected to an untrusted TLS host from an insecure registry: refused"
# (the token issuer's port serves TLS with a certificate nothing trusts
# here; the registry, plain HTTP, is named insecure)
fixture_image src app/s 1 --layers 1 --size 8K >/dev/null
jq -n --arg h "$PS" '{schemaVersion: "v1.2.0", name: "s", version: "1",
	invocationImages: [{imageType: "docker", image: ($h + "/app/s:1")}]}' \
	>"$TEST_DIR/s.json"
refused=$(grep -c 'TLS handshake failed' "$(_rv tok ISSUER_LOG)" || true)
proxy_rules ps "[{\"action\": \"redirect_blob_get\", \"to\": \"$(_rv tok ISSUER_URL)\"}]"
assert_exit 1 "$A" "${OPTS[@]}" -f "$TEST_DIR/s.json" "$TEST_DIR/s.tgz"
assert_match "$ERR" "certificate|SSL|TLS"
sleep 0.3
[ "$(grep -c 'TLS handshake failed' "$(_rv tok ISSUER_LOG)")" -gt "$refused" ] ||
	fail "the redirect target saw no refused handshake"
assert_eq "$(grep -c ' /v2/' "$(_rv tok ISSUER_LOG)")" 0 "requests the redirect target answered"
proxy_rules ps '[]'
reg_stop tok

step "a resumed blob answered from another offset: exit 3 naming the registry"
fixture_image src app/r 1 --format oci --layers 1 --size 1M >/dev/null
LAYER=$(sk_inspect --raw "docker://$(_rv src HOST)/app/r:1" | jq -r '.layers[0]')
LD=$(jq -r .digest <<<"$LAYER")
LS=$(jq -r .size <<<"$LAYER")
jq -n --arg h "$PS" '{schemaVersion: "v1.2.0", name: "r", version: "1",
	invocationImages: [{imageType: "oci", image: ($h + "/app/r:1")}]}' \
	>"$TEST_DIR/r.json"
# the first GET of the layer is cut 100000 bytes short; the Range request
# that resumes it gets bytes from 1000 earlier
proxy_rules ps "[{\"action\": \"truncate\", \"drop\": 100000, \"n\": 1,
	\"method\": \"GET\", \"path\": \"/blobs/$LD\$\"},
	{\"action\": \"shift_range\", \"by\": 1000, \"method\": \"GET\",
	 \"path\": \"/blobs/$LD\$\"}]"
proxy_mark ps
assert_exit 3 "$A" "${OPTS[@]}" -f "$TEST_DIR/r.json" "$TEST_DIR/r.tgz"
assert_eq "$(proxy_count ps GET "/blobs/$LD\$" 206)" 1 "resumed GETs"
note "$ERR"
assert_contains "$ERR" "registry '$PS'"
assert_contains "$ERR" "from byte $((LS - 100000))"
assert_contains "$ERR" "bytes $((LS - 101000))-$((LS - 1))/$LS"
[ ! -e "$TEST_DIR/r.tgz" ] || fail "an archive was written"
proxy_rules ps '[]'

step "a signed redirect target: its query never in -v -v output"
proxy_rules ps "[{\"action\": \"redirect_blob_get\", \"to\": \"$(_rv src URL)\",
	\"append_query\": \"X-Amz-Credential=AKIA&X-Amz-Signature=s3cret\"}]"
proxy_mark ps
assert_exit 0 "$A" -v -v "${OPTS[@]}" -f "$TEST_DIR/r.json" "$TEST_DIR/r.tgz"
[ "$(proxy_count ps GET '/blobs/sha256' 307)" -gt 0 ] || fail "no blob GET was redirected"
assert_not_contains "$OUT$ERR" "s3cret" "the signature in the output"
assert_not_contains "$OUT$ERR" "AKIA" "the credential in the output"
assert_contains "$ERR" "GET $(_rv src URL)/v2/app/r/blobs/$LD?... -> 200"
proxy_rules ps '[]'

step "OCI-Chunk-Min-Length: honoured up to 32 MiB, above it a monolithic upload or a clear failure (--spool 0: streamed in chunks)"
fixture_image src app/small 1 --format oci --layers 2 --size 64K >/dev/null
fixture_image src app/mid 1 --format oci --layers 1 --size 20M >/dev/null
MID=$(sk_inspect --raw "docker://$(_rv src HOST)/app/mid:1" | jq -r '.layers[0].size')
fixture_image src app/large 1 --format oci --layers 1 --size 40M >/dev/null
LARGE=$(sk_inspect --raw "docker://$(_rv src HOST)/app/large:1" | jq -r '.layers[0].size')
for b in small mid large; do
	jq -n --arg h "$(_rv src HOST)" --arg b "$b" '{schemaVersion: "v1.2.0",
		name: $b, version: "1", invocationImages: [{imageType: "oci",
		image: ($h + "/app/" + $b + ":1")}]}' >"$TEST_DIR/$b.json"
	assert_exit 0 "$A" "${OPTS[@]}" -f "$TEST_DIR/$b.json" "$TEST_DIR/$b.tgz"
done
demand() {
	proxy_rules pd "[{\"action\": \"set_header\", \"method\": \"POST\",
		\"path\": \"/blobs/uploads/\$\",
		\"headers\": {\"OCI-Chunk-Min-Length\": \"$1\"}}]"
}
# publish ARCHIVE TAG: under /usr/bin/time, with the options in SPOOL;
# sets RC, ERR, MAXKB
SPOOL=(--spool 0)
publish() {
	RC=0
	/usr/bin/time -f '%M' -o "$TEST_DIR/time" "$P" "${OPTS[@]}" "${SPOOL[@]}" \
		-a "$1" --tag "$2" >"$TEST_DIR/run.out" 2>"$TEST_DIR/run.err" || RC=$?
	ERR=$(cat "$TEST_DIR/run.err")
	MAXKB=$(tail -n 1 "$TEST_DIR/time")
}
# the memory bound (sanitizers' shadow memory makes it moot)
MAXMEM=102400
{ ldd "$P" | grep -q libasan || [ "${ITEST_VALGRIND:-}" = 1 ]; } && MAXMEM=4194304
# a demand within the cap is honoured: 16 MiB chunks
demand 16777216
proxy_mark pd
publish "$TEST_DIR/mid.tgz" "$PD/c16/mid:1"
assert_eq "$RC" 0 "publish with 16 MiB chunks: $ERR"
assert_eq "$(proxy_count pd PATCH /blobs/uploads/ 202)" 2 "PATCHes of a $MID-byte layer"
note "16 MiB chunks: ${MAXKB} KB"
# 64 MiB: small blobs as usual, one that fits in 32 MiB in one PUT
demand 67108864
publish "$TEST_DIR/small.tgz" "$PD/c64/small:1"
assert_eq "$RC" 0 "publish of small blobs with a 64 MiB demand: $ERR"
note "small blobs, 64 MiB demanded: ${MAXKB} KB"
[ "$MAXKB" -lt "$MAXMEM" ] || fail "$MAXKB KB of memory"
proxy_mark pd
publish "$TEST_DIR/mid.tgz" "$PD/c64/mid:1"
assert_eq "$RC" 0 "publish of a $MID-byte layer with a 64 MiB demand: $ERR"
assert_eq "$(proxy_count pd PATCH /blobs/uploads/)" 0 "PATCHes"
assert_eq "$(proxy_requests pd 'select(.method == "PUT" and .req_bytes == '"$MID"') | .path' | wc -l)" 1 \
	"monolithic PUTs of the layer"
note "a $MID-byte layer, 64 MiB demanded: ${MAXKB} KB"
[ "$MAXKB" -lt "$MAXMEM" ] || fail "$MAXKB KB of memory"
# a blob over 32 MiB: exit 1, the demand named, nothing tagged
proxy_mark pd
publish "$TEST_DIR/large.tgz" "$PD/c64/large:1"
assert_eq "$RC" 1 "publish of a $LARGE-byte layer with a 64 MiB demand: $ERR"
assert_contains "$ERR" "registry '$PD'"
assert_contains "$ERR" "67108864"
assert_eq "$(proxy_count pd PATCH /blobs/uploads/)" 0 "PATCHes"
note "a $LARGE-byte layer, 64 MiB demanded: ${MAXKB} KB: $ERR"
[ "$MAXKB" -lt "$MAXMEM" ] || fail "$MAXKB KB of memory"
assert_exit 4 "$I" "${OPTS[@]}" -r "$PD/c64/large:1"
# spooled (the default --spool), a blob goes in one PUT from its file,
# whatever its size: the demand does not matter, nor memory
SPOOL=()
proxy_mark pd
publish "$TEST_DIR/large.tgz" "$PD/c64s/large:1"
assert_eq "$RC" 0 "publish of a spooled $LARGE-byte layer with a 64 MiB demand: $ERR"
assert_eq "$(proxy_count pd PATCH /blobs/uploads/)" 0 "PATCHes"
assert_eq "$(proxy_requests pd 'select(.method == "PUT" and .req_bytes == '"$LARGE"') | .path' | wc -l)" 1 \
	"PUTs of the spooled layer"
note "a spooled $LARGE-byte layer, 64 MiB demanded: ${MAXKB} KB"
[ "$MAXKB" -lt "$MAXMEM" ] || fail "$MAXKB KB of memory"
proxy_rules pd '[]'
assert_exit 0 "$I" "${OPTS[@]}" --verify -q -r "$PD/c64/mid:1"
assert_exit 0 "$I" "${OPTS[@]}" --verify -q -r "$PD/c64s/large:1"

step "relocate between two TLS registries with token auth, default --jobs: peak RSS under 32 MiB"
# every worker has two handles, and each connection once parsed the CAs
# (the system's and the test's) for itself: 94 MB at 8 jobs
reg_start token rs
reg_start token rt
RS=$(_rv rs HOST)
RT=$(_rv rt HOST)
# shellcheck disable=SC2207
TOPTS=($(cnab_opts rs rt))
for i in 1 2 3; do
	fixture_image rs app/m$i v1 --format oci --layers 8 --size 300K >/dev/null
done
fixture_image rs app/mbig v1 --format oci --layers 3 --size 12M >/dev/null
jq -n --arg h "$RS" '{schemaVersion: "v1.2.0", name: "rss", version: "1.0.0",
	invocationImages: [{imageType: "oci", image: ($h + "/app/m1:v1")}],
	images: {m2: {imageType: "oci", image: ($h + "/app/m2:v1")},
		m3: {imageType: "oci", image: ($h + "/app/m3:v1")},
		big: {imageType: "oci", image: ($h + "/app/mbig:v1")}}}' >"$TEST_DIR/rss.json"
/usr/bin/time -f '%M' -o "$TEST_DIR/time" "$R" "${TOPTS[@]}" -q -f "$TEST_DIR/rss.json" \
	"$RT/rss/app:1" >"$TEST_DIR/run.out" 2>"$TEST_DIR/run.err" ||
	fail "relocate failed: $(cat "$TEST_DIR/run.err")"
MAXKB=$(tail -n 1 "$TEST_DIR/time")
note "relocate over TLS and tokens at the default --jobs: ${MAXKB} KB"
{ ldd "$R" | grep -q libasan || [ "${ITEST_VALGRIND:-}" = 1 ]; } ||
	[ "$MAXKB" -le 32768 ] || fail "relocate took $MAXKB KB"
assert_exit 0 "$I" "${TOPTS[@]}" --verify -q -r "$RT/rss/app:1"

echo ok
