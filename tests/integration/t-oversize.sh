#!/bin/bash
# A registry that sends more bytes than a blob has (issue 12, item 10).
# The size is checked against the running total as the bytes arrive, so
# the tools stop at the blob's end with exit 3, long before the answer
# would end, and leave no archive.  fault-proxy's "append" action adds
# 1 MiB to a blob GET's body, then holds the answer open for $STALL
# seconds: a tool that checked only each chunk, or only at the end, would
# take those seconds and fail only then.
set -eu
. "$(dirname "$0")/lib.sh"
require_tools cnab-archive cnab-inspect cnab-publish-archive
A=$CNAB_BIN/cnab-archive
I=$CNAB_BIN/cnab-inspect
P=$CNAB_BIN/cnab-publish-archive
STALL=20

reg_start plain src
proxy_start ps src
PS=$(_rv ps HOST)
# shellcheck disable=SC2207
OPTS=($(cnab_opts src ps))
fixture_image src app/web 1 --format oci --layers 2 --size 256K >/dev/null
jq -n --arg h "$PS" '{schemaVersion: "v1.2.0", name: "big", version: "1",
	invocationImages: [{imageType: "oci", image: ($h + "/app/web:1")}]}' \
	>"$TEST_DIR/bundle.json"
assert_exit 0 "$A" "${OPTS[@]}" -f "$TEST_DIR/bundle.json" "$TEST_DIR/clean.tgz"
assert_exit 0 "$P" "${OPTS[@]}" -a "$TEST_DIR/clean.tgz" --tag "$PS/pub/app:1"
# a layer, far larger than a piece of the body (curl's 16 KiB): a check of
# each piece against the size would let every piece pass
LAYER=$(sk_inspect --raw "docker://$(_rv src HOST)/app/web:1" | jq -r '.layers[0].digest')

# oversized OPTIONS CMD...: CMD, with the layer's GET answered with 1 MiB
# too many (OPTIONS: more fields of the rule), exits 3 in under 5 s,
# saying the blob is too long, and the proxy saw the client give up.
oversized() {
	local extra=$1 t0 t1
	shift
	proxy_rules ps "[{\"action\": \"append\", \"path\": \"/blobs/$LAYER\$\",
		\"n\": 1, \"bytes\": 1048576, \"stall\": $STALL $extra}]"
	proxy_mark ps
	t0=$(date +%s.%N)
	assert_exit 3 "$@"
	t1=$(date +%s.%N)
	note "exit 3 after $(echo "$t1 - $t0" | bc) s (the answer ends after $STALL s)"
	[ "$(echo "$t1 - $t0 < 5" | bc)" = 1 ] ||
		fail "the tool read on past the blob's size: $(echo "$t1 - $t0" | bc) s"
	assert_contains "$ERR" "more than the expected"
	assert_eq "$(proxy_requests ps 'select(.action == "append") |
		(.note // "") + " " + (.error // "")' | grep -c 'gave up')" 1 \
		"appended answers the client gave up"
	proxy_rules ps '[]'
}

step "archive from bundle.json: the blob's Content-Length raised"
oversized '' "$A" "${OPTS[@]}" -f "$TEST_DIR/bundle.json" "$TEST_DIR/over.tgz"
[ ! -e "$TEST_DIR/over.tgz" ] || fail "an archive was left"
ls "$TEST_DIR" | grep -q 'over.tgz' && fail "a temporary file was left"

step "archive from a registry: the blob sent chunked"
oversized ', "chunked": true' "$A" "${OPTS[@]}" -r "$PS/pub/app:1" "$TEST_DIR/over-r.tgz"
[ ! -e "$TEST_DIR/over-r.tgz" ] || fail "an archive was left"

step "inspect --verify"
oversized '' "$I" "${OPTS[@]}" --verify -r "$PS/pub/app:1"

echo ok
