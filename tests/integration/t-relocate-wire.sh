#!/bin/bash
# cnab-relocate on the wire (issue 13): the requests each blob costs,
# counted in the registries' access logs.  Per blob, one mount POST to
# DEST (from DEST's own repository when SOURCE is another registry: 201
# means the blob is there); a 202 opens the session the upload then uses;
# the blob goes up in one PUT with its body, streamed from SOURCE (no
# PATCH, whatever its size); no HEAD once a mount answered.
set -eu
. "$(dirname "$0")/lib.sh"
require_tools cnab-inspect cnab-relocate
export CNAB_RETRY_BASE_MS=50
I=$CNAB_BIN/cnab-inspect
R=$CNAB_BIN/cnab-relocate

reg_start plain src
reg_start token dst
S=$(_rv src HOST)
D=$(_rv dst HOST)
# shellcheck disable=SC2207
OPTS=($(cnab_opts src dst))

# the blobs of images (config and layers), each once
blobs_of() {
	local d
	for d in "$@"; do
		sk_inspect --raw "docker://$S/$d" | jq -r '.config.digest, .layers[].digest'
	done | sort -u
}

step "a thin bundle: small layers, and one of 12 MB"
fixture_image src app/small v1 --format oci --layers 6 --size 64K >/dev/null
fixture_image src app/big v1 --format oci --layers 1 --size 12M >/dev/null
NBLOBS=$(blobs_of app/small:v1 app/big:v1 | wc -l)
jq -n --arg h "$S" '{schemaVersion: "v1.2.0", name: "wire", version: "1.0.0",
	invocationImages: [{imageType: "oci", image: ($h + "/app/small:v1")}],
	images: {big: {imageType: "oci", image: ($h + "/app/big:v1")}}}' \
	>"$TEST_DIR/bundle.json"

step "to another registry: a mount POST per blob, then its upload on that session"
reg_mark src
reg_mark dst
assert_exit 0 "$R" "${OPTS[@]}" --jobs 4 -f "$TEST_DIR/bundle.json" "$D/mirror/app:1"
# (and the bundle's config, bundle.json, asked the same way, as the tag
# is new)
assert_eq "$(count_requests dst POST 'mount=.*from=mirror%2Fapp' 202)" "$((NBLOBS + 1))" \
	"mount POSTs from DEST's own repository, answered 202"
assert_eq "$(count_requests dst POST '/blobs/uploads/')" "$((NBLOBS + 1))" \
	"upload sessions opened (the mounts' own)"
assert_eq "$(count_requests dst HEAD '/blobs/')" 0 "blob HEADs"
assert_eq "$(count_requests dst PUT '/blobs/uploads/.*digest=' 201)" "$((NBLOBS + 1))" \
	"uploads finished"
assert_eq "$(count_requests dst PATCH '/blobs/uploads/')" 0 \
	"PATCHes (the 12 MB layer too goes in one PUT)"
assert_eq "$(count_requests src GET '/blobs/' 200)" "$NBLOBS" "blobs read from SOURCE"
n=$(($(count_requests dst '*' '/blobs/') + $(count_requests src '*' '/blobs/') - 2))
note "requests for the blobs: $n for $NBLOBS blobs"
assert_eq "$n" "$((3 * NBLOBS))" "requests for the blobs (mount POST, GET, PUT each)"
assert_exit 0 "$I" "${OPTS[@]}" --verify -q -r "$D/mirror/app:1"

step "blobs DEST has: the mount from its own repository says so (201), no HEAD"
fixture_image src app/other v1 --format oci --layers 2 --size 64K >/dev/null
OLD=$(blobs_of app/small:v1 | wc -l)
NEW=$(blobs_of app/other:v1 | wc -l)
jq --arg h "$S" '.images.other = {imageType: "oci", image: ($h + "/app/other:v1")} |
	del(.images.big) | .version = "2.0.0"' "$TEST_DIR/bundle.json" >"$TEST_DIR/two.json"
reg_mark src
reg_mark dst
assert_exit 0 "$R" -v "${OPTS[@]}" --jobs 4 -f "$TEST_DIR/two.json" "$D/mirror/app:2"
assert_contains "$ERR" "$NEW blobs copied, 0 mounted, $OLD already there"
assert_eq "$(count_requests dst POST 'mount=' 201)" "$OLD" "mounts answered 201"
assert_eq "$(count_requests dst POST 'mount=' 202)" "$((NEW + 1))" \
	"mounts answered 202 (and bundle.json's, a new one)"
assert_eq "$(count_requests dst HEAD '/blobs/')" 0 "blob HEADs"
assert_eq "$(count_requests dst PUT '/blobs/uploads/')" "$((NEW + 1))" "uploads"
assert_eq "$(count_requests dst PATCH '.')" 0 "PATCHes"
# the read of a small blob starts with its mount POST: one DEST has may
# have been read for nothing, never more than once
n=$(count_requests src GET '/blobs/')
[ "$n" -ge "$NEW" ] && [ "$n" -le $((NEW + OLD)) ] ||
	fail "$n blob GETs from SOURCE, expected $NEW to $((NEW + OLD))"
assert_exit 0 "$I" "${OPTS[@]}" --verify -q -r "$D/mirror/app:2"

step "--jobs 1: the same requests, one at a time"
reg_mark dst
assert_exit 0 "$R" "${OPTS[@]}" --jobs 1 -f "$TEST_DIR/bundle.json" "$D/one/app:1"
assert_eq "$(count_requests dst POST 'mount=' 202)" "$((NBLOBS + 1))" \
	"mount POSTs (and bundle.json's)"
assert_eq "$(count_requests dst HEAD '/blobs/')" 0 "blob HEADs"
assert_eq "$(count_requests dst PATCH '.')" 0 "PATCHes"
assert_exit 0 "$I" "${OPTS[@]}" --verify -q -r "$D/one/app:1"

step "onto a tag that holds another bundle (--force): bundle.json asked with a HEAD, which writes nothing"
reg_mark dst
assert_exit 0 "$R" "${OPTS[@]}" --force -f "$TEST_DIR/two.json" "$D/one/app:1"
assert_eq "$(count_requests dst HEAD '/blobs/')" 1 "blob HEADs (bundle.json's)"
assert_eq "$(count_requests dst POST 'mount=')" "$((OLD + NEW))" \
	"mount POSTs (the images' blobs only)"
assert_exit 0 "$I" "${OPTS[@]}" --verify -q -r "$D/one/app:1"

echo ok
