#!/bin/bash
# Registries that answer with relative Locations ("/v2/..."), as many do
# (Distribution with http.relativeurls, and several hosted registries):
# every upload path resolves them against the registry it asked, over
# HTTP and over TLS with token auth (a Location on the same origin keeps
# the token): publish at --jobs 1 and 4, spooled and streamed in chunks,
# an upload resumed after a cut, relocate into and within such a
# registry, a publish again that writes nothing.
set -eu
. "$(dirname "$0")/lib.sh"
require_tools cnab-archive cnab-inspect cnab-publish-archive cnab-relocate
export CNAB_RETRY_BASE_MS=20
A=$CNAB_BIN/cnab-archive
I=$CNAB_BIN/cnab-inspect
P=$CNAB_BIN/cnab-publish-archive
R=$CNAB_BIN/cnab-relocate

reg_start plain src
reg_start plain rel --relative-urls
reg_start token trel --relative-urls
proxy_start pr rel
S=$(_rv src HOST)
L=$(_rv rel HOST)
T=$(_rv trel HOST)
PR=$(_rv pr HOST)
# shellcheck disable=SC2207
OPTS=($(cnab_opts src rel trel pr))

# location NAME: the Location an upload session of NAME is opened with
location() {
	reg_curl "$1" -D - -o /dev/null -X POST /v2/probe/app/blobs/uploads/ |
		tr -d '\r' | sed -n 's/^[Ll]ocation: //p'
}

step "both registries answer with relative Locations"
for r in rel trel; do
	loc=$(location "$r")
	assert_match "$loc" '^/v2/probe/app/blobs/uploads/[^/]+' "the Location of $r"
done
# (a registry without the option: absolute, so the test tells them apart)
assert_match "$(location src)" "^http://$S/v2/probe/app/blobs/uploads/"

step "a bundle: small layers, layers over the 2 MiB held in memory, a 20 MB layer"
fixture_image src app/installer v1 --layers 2 --size 512K >/dev/null
fixture_image src app/web 2.0 --format oci --layers 2 --size 3M >/dev/null
fixture_index src app/multi 1.0 --size 256K >/dev/null
fixture_image src app/big 1 --format oci --layers 1 --size 20M >/dev/null
jq -n --arg h "$S" '{schemaVersion: "v1.2.0", name: "relative",
	version: "1.0.0", invocationImages: [{imageType: "docker",
		image: ($h + "/app/installer:v1")}],
	images: {web: {imageType: "oci", image: ($h + "/app/web:2.0")},
		multi: {imageType: "oci", image: ($h + "/app/multi:1.0")},
		big: {imageType: "oci", image: ($h + "/app/big:1")}}}' \
	>"$TEST_DIR/bundle.json"
assert_exit 0 "$A" "${OPTS[@]}" -f "$TEST_DIR/bundle.json" "$TEST_DIR/a.tgz"
# the digest to expect: the same archive published where Locations are
# absolute
assert_exit 0 "$P" "${OPTS[@]}" -o json -a "$TEST_DIR/a.tgz" --tag "$S/ref/app:1"
DIGEST=$(jq -r .digest <<<"$OUT")

for r in rel trel; do
	H=$(_rv "$r" HOST)
	for j in 1 4; do
		for spool in 256Mi 0; do
			step "publish to $r at --jobs $j, --spool $spool"
			tag=$H/pub$j-${spool,,}/app:1
			assert_exit 0 "$P" "${OPTS[@]}" --jobs "$j" --spool "$spool" \
				-o json -a "$TEST_DIR/a.tgz" --tag "$tag"
			assert_eq "$(jq -r .digest <<<"$OUT")" "$DIGEST" "the index published to $r"
			assert_exit 0 "$I" "${OPTS[@]}" --verify -q -r "$tag"
		done
	done
	step "publish to $r again: nothing written"
	reg_mark "$r"
	assert_exit 0 "$P" "${OPTS[@]}" -a "$TEST_DIR/a.tgz" --tag "$H/pub4-0/app:1"
	assert_eq "$(count_requests "$r" 'POST|PATCH|PUT|DELETE' .)" 0 "writes of a publish again"

	step "relocate into $r from another registry, then within it (mounts)"
	assert_exit 0 "$R" "${OPTS[@]}" -o json "$S/ref/app:1" "$H/moved/app:1"
	assert_eq "$(jq -r .digest <<<"$OUT")" "$DIGEST" "the index relocated to $r"
	reg_mark "$r"
	assert_exit 0 "$R" "${OPTS[@]}" -o json "$H/moved/app:1" "$H/within/app:1"
	assert_eq "$(jq -r .digest <<<"$OUT")" "$DIGEST"
	# every blob mounted from SOURCE, the bundle's config too
	assert_eq "$(count_requests "$r" POST 'mount=.*from=moved%2Fapp' 201)" \
		"$(count_requests "$r" POST '/blobs/uploads/')" "blob POSTs of $r, all mounted"
	assert_eq "$(count_requests "$r" 'HEAD|PATCH|PUT' '/blobs/')" 0 \
		"blob HEADs and uploads within $r"
	assert_exit 0 "$I" "${OPTS[@]}" --verify -q -r "$H/within/app:1"
done

step "an upload cut in the middle of the 20 MB layer resumes at the relative Location"
# --spool 0: the layer goes in 8 MiB chunks; the third is cut after 1 MB
# that never reaches the registry, so the upload's state is asked for
proxy_rules pr '[{"action": "cut_request", "method": "PATCH", "skip": 2,
	"n": 1, "after": 1000000}]'
proxy_mark pr
assert_exit 0 "$P" -v "${OPTS[@]}" --spool 0 -o json -a "$TEST_DIR/a.tgz" \
	--tag "$PR/resume/app:1"
assert_eq "$(jq -r .digest <<<"$OUT")" "$DIGEST"
# resolved against the host the tool asked, the proxy, not the registry
assert_contains "$ERR" "GET http://$PR/v2/resume/app/blobs/uploads/"
assert_eq "$(proxy_count pr GET '/blobs/uploads/' 204)" 1 "upload states asked"
assert_eq "$(proxy_count pr PATCH . null)" 1 "PATCHes cut"
proxy_rules pr '[]'
assert_exit 0 "$I" "${OPTS[@]}" --verify -q -r "$L/resume/app:1"

step "archive -r from both registries with relative Locations, verified"
assert_exit 0 "$A" "${OPTS[@]}" -r "$T/within/app:1" "$TEST_DIR/back-t.tgz"
assert_exit 0 "$A" "${OPTS[@]}" -r "$L/within/app:1" "$TEST_DIR/back-l.tgz"
assert_exit 0 "$I" "${OPTS[@]}" --verify -q -a "$TEST_DIR/back-t.tgz"
assert_exit 0 "$I" "${OPTS[@]}" --verify -q -a "$TEST_DIR/back-l.tgz"
