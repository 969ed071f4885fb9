#!/bin/bash
# cnab-relocate within one registry that declines cross-repository mounts
# (issue 12, item 1): the mount POST is answered 202, so every blob is
# copied, read from the same host it is written to, at --jobs 1 and 4, on
# the session that 202 opened (issue 13); or the mount POST is refused
# with an error, and a HEAD asks instead.
# The read and the upload of a layer of 12 MB overlap (they once shared
# one registry handle: a crash); it goes in one PUT, streamed.
set -eu
. "$(dirname "$0")/lib.sh"
require_tools cnab-archive cnab-inspect cnab-publish-archive cnab-relocate
export CNAB_RETRY_BASE_MS=50
A=$CNAB_BIN/cnab-archive
I=$CNAB_BIN/cnab-inspect
P=$CNAB_BIN/cnab-publish-archive
R=$CNAB_BIN/cnab-relocate

reg_start plain src
proxy_start px src
S=$(_rv src HOST)
X=$(_rv px HOST)
# shellcheck disable=SC2207
OPTS=($(cnab_opts src px))

step "a bundle with 12 MB layers, published in the registry"
fixture_image src app/installer v1 --layers 2 --size 12M >/dev/null
INV=$FIXTURE_DIGEST
fixture_image src app/web 2.0 --format oci --layers 1 --size 12M >/dev/null
WEB=$FIXTURE_DIGEST
jq -n --arg h "$S" '{schemaVersion: "v1.2.0", name: "nomount",
	version: "1.0.0", invocationImages: [{imageType: "docker",
		image: ($h + "/app/installer:v1")}],
	images: {web: {imageType: "oci", image: ($h + "/app/web:2.0")}}}' \
	>"$TEST_DIR/bundle.json"
assert_exit 0 "$A" "${OPTS[@]}" -f "$TEST_DIR/bundle.json" "$TEST_DIR/a.tgz"
assert_exit 0 "$P" "${OPTS[@]}" -a "$TEST_DIR/a.tgz" --tag "$S/acme/app:1.0" -o json
DIGEST=$(jq -r .digest <<<"$OUT")
# the blobs of the images, each copied once per run
NBLOBS=$(for d in "$INV" "$WEB"; do
	sk_inspect --raw "docker://$S/acme/app@$d" | jq -r '.config.digest, .layers[].digest'
done | sort -u | wc -l)

proxy_rules px '[{"action": "strip_mount", "query": "mount="}]'
for j in 1 4; do
	step "--jobs $j: the mounts declined, every blob copied within the host"
	proxy_mark px
	assert_exit 0 "$R" -v "${OPTS[@]}" --jobs "$j" -o json \
		"$X/acme/app:1.0" "$X/nomount$j/app:1"
	assert_eq "$(jq -r .digest <<<"$OUT")" "$DIGEST" \
		"the same index as publishing the archive of SOURCE"
	# (and bundle.json's, asked by a mount from SOURCE, as the tag is new)
	assert_eq "$(proxy_count px POST 'mount=' 202)" "$((NBLOBS + 1))" \
		"mount POSTs stripped and answered 202"
	assert_eq "$(proxy_requests px 'select(.action == "strip_mount") | .note' |
		sort -u)" "mount= and from= stripped"
	assert_eq "$(proxy_count px POST 'mount=' 201)" 0 "blobs mounted"
	# (and bundle.json, the bundle's config)
	assert_eq "$(proxy_count px GET "^/v2/acme/app/blobs/" 200)" "$((NBLOBS + 1))" \
		"blobs read from SOURCE"
	# every blob in one PUT, the 12 MB ones too
	assert_eq "$(proxy_count px PATCH "^/v2/nomount$j/app/blobs/uploads/")" 0 \
		"PATCHes"
	assert_eq "$(proxy_count px PUT "^/v2/nomount$j/app/blobs/uploads/" 201)" \
		"$((NBLOBS + 1))" "uploads (and bundle.json)"
	assert_contains "$ERR" "$NBLOBS blobs copied, 0 mounted"
	assert_exit 0 "$I" "${OPTS[@]}" --verify -q -r "$X/nomount$j/app:1"
	sk inspect --tls-verify=false "docker://$X/nomount$j/app@$WEB" >/dev/null ||
		fail "skopeo cannot inspect the relocated image"
	got=$(sk_inspect --raw "docker://$S/nomount$j/app@$INV" | sha256sum | cut -d' ' -f1)
	assert_eq "sha256:$got" "$INV"
	# the 202 opened the upload: no POST of its own, no HEAD (for
	# bundle.json too)
	assert_eq "$(proxy_count px POST "^/v2/nomount$j/app/blobs/uploads/\$")" 0 \
		"upload POSTs without a mount"
	assert_eq "$(proxy_count px HEAD "^/v2/nomount$j/app/blobs/")" 0 "blob HEADs"
done

step "mounts refused with an error (405): a HEAD asks, then the blob is copied"
proxy_rules px '[{"action": "status", "status": 405, "method": "POST", "query": "mount="}]'
proxy_mark px
assert_exit 0 "$R" -v "${OPTS[@]}" --jobs 4 -o json "$X/acme/app:1.0" "$X/refused/app:1"
assert_eq "$(jq -r .digest <<<"$OUT")" "$DIGEST"
assert_contains "$ERR" "asking with HEAD"
assert_eq "$(proxy_count px POST 'mount=' 405)" "$((NBLOBS + 1))" \
	"mount POSTs refused (and bundle.json's)"
assert_eq "$(proxy_count px HEAD '^/v2/refused/app/blobs/' 404)" "$((NBLOBS + 1))" \
	"blob HEADs (and bundle.json's)"
assert_eq "$(proxy_count px PUT '^/v2/refused/app/blobs/uploads/' 201)" "$((NBLOBS + 1))" \
	"uploads"
assert_exit 0 "$I" "${OPTS[@]}" --verify -q -r "$X/refused/app:1"
# publish's workers ask the same way: a HEAD after the refused mount
proxy_mark px
assert_exit 0 "$P" -v "${OPTS[@]}" -o json -a "$TEST_DIR/a.tgz" --tag "$X/pubrefused/app:1"
assert_eq "$(jq -r .digest <<<"$OUT")" "$DIGEST"
assert_contains "$ERR" "asking with HEAD"
assert_eq "$(proxy_count px POST 'mount=' 405)" "$((NBLOBS + 1))" \
	"publish: mount POSTs refused (and bundle.json's)"
assert_eq "$(proxy_count px HEAD '^/v2/pubrefused/app/blobs/' 404)" "$((NBLOBS + 1))" \
	"publish: blob HEADs (and bundle.json's)"
assert_eq "$(proxy_count px PUT '^/v2/pubrefused/app/blobs/uploads/' 201)" "$((NBLOBS + 1))" \
	"publish: uploads"
assert_exit 0 "$I" "${OPTS[@]}" --verify -q -r "$X/pubrefused/app:1"

step "publish to a registry declining mounts: each blob uploaded on the session its mount POST opened"
proxy_rules px '[{"action": "strip_mount", "query": "mount="}]'
proxy_mark px
assert_exit 0 "$P" "${OPTS[@]}" -o json -a "$TEST_DIR/a.tgz" --tag "$X/pubnomount/app:1"
assert_eq "$(jq -r .digest <<<"$OUT")" "$DIGEST"
assert_eq "$(proxy_count px POST 'mount=' 202)" "$((NBLOBS + 1))" \
	"mount POSTs stripped and answered 202 (and bundle.json's)"
assert_eq "$(proxy_count px PUT '^/v2/pubnomount/app/blobs/uploads/' 201)" "$((NBLOBS + 1))" \
	"uploads (and bundle.json)"
assert_eq "$(proxy_count px POST '^/v2/pubnomount/app/blobs/uploads/$')" 0 \
	"upload POSTs without a mount"
assert_eq "$(proxy_count px HEAD '^/v2/pubnomount/app/blobs/')" 0 "blob HEADs"
assert_exit 0 "$I" "${OPTS[@]}" --verify -q -r "$X/pubnomount/app:1"
proxy_rules px '[]'

echo ok
