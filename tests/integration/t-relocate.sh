#!/bin/bash
# cnab-relocate (issue 5): between two registries in different modes, within
# one registry with cross-repository mounts, thin bundles, second runs,
# missing images.
set -eu
. "$(dirname "$0")/lib.sh"
require_tools cnab-archive cnab-inspect cnab-publish-archive cnab-relocate
export CNAB_RETRY_BASE_MS=50
A=$CNAB_BIN/cnab-archive
I=$CNAB_BIN/cnab-inspect
P=$CNAB_BIN/cnab-publish-archive
R=$CNAB_BIN/cnab-relocate

reg_start token src
reg_start plain dst
S=$(_rv src HOST)
D=$(_rv dst HOST)
# shellcheck disable=SC2207
OPTS=($(cnab_opts src dst))

step "a bundle published in the token registry"
fixture_image src app/installer v1 --layers 2 --size 64K >/dev/null
INV=$FIXTURE_DIGEST
fixture_image src app/web 2.0 --format oci --layers 3 --size 1M >/dev/null
WEB=$FIXTURE_DIGEST
fixture_index src app/multi 1.0 --size 8K >/dev/null
MULTI=$FIXTURE_DIGEST
jq -n --arg h "$S" '{schemaVersion: "v1.2.0", name: "reloc",
	version: "2.3.4", invocationImages: [{imageType: "docker",
		image: ($h + "/app/installer:v1")}],
	images: {web: {imageType: "oci", image: ($h + "/app/web:2.0")},
		multi: {imageType: "oci", image: ($h + "/app/multi:1.0")}}}' \
	>"$TEST_DIR/bundle.json"
assert_exit 0 "$A" "${OPTS[@]}" -f "$TEST_DIR/bundle.json" "$TEST_DIR/a.tgz"
assert_exit 0 "$P" "${OPTS[@]}" -a "$TEST_DIR/a.tgz" --tag "$S/acme/app:1.0" -o json
DIGEST=$(jq -r .digest <<<"$OUT")

step "relocate to another registry (token -> plain)"
assert_exit 0 "$R" "${OPTS[@]}" --relocation-mapping "$TEST_DIR/map.json" \
	"$S/acme/app:1.0" "$D/mirror/app"
assert_eq "$OUT" "Bundle tag $D/mirror/app:1.0 pushed successfully, with digest \"$DIGEST\"" \
	"the same index as publishing the archive there (default tag: the source's)"
assert_eq "$(jq -r --arg k "$S/app/web:2.0" '.[$k]' "$TEST_DIR/map.json")" "$D/mirror/app@$WEB"
assert_exit 0 "$I" "${OPTS[@]}" -r "$D/mirror/app:1.0"
assert_contains "$OUT" "$D/mirror/app@$WEB"
assert_contains "$OUT" "$D/mirror/app@$MULTI"
for d in "$INV" "$WEB" "$MULTI"; do
	got=$(sk_inspect --raw "docker://$D/mirror/app@$d" | sha256sum | cut -d' ' -f1)
	assert_eq "sha256:$got" "$d"
done
sk inspect --tls-verify=false "docker://$D/mirror/app@$WEB" >/dev/null
assert_exit 0 "$I" "${OPTS[@]}" --verify -q -r "$D/mirror/app:1.0"

step "the same as publishing an archive of SOURCE to DEST"
assert_exit 0 "$A" "${OPTS[@]}" -r "$S/acme/app:1.0" "$TEST_DIR/b.tgz"
assert_exit 0 "$P" "${OPTS[@]}" -a "$TEST_DIR/b.tgz" --tag "$D/viaarchive/app:1.0" -o json
assert_eq "$(jq -r .digest <<<"$OUT")" "$DIGEST"

step "a second run copies nothing"
reg_mark dst
reg_mark src
assert_exit 0 "$R" "${OPTS[@]}" --no-attachments "$S/acme/app:1.0" "$D/mirror/app"
assert_eq "$(count_requests dst 'POST|PATCH|PUT' '.')" 0 "writes to DEST"
# the one blob read is the bundle config: bundle.json itself, and no
# image manifest is read once the tag is known to hold the bundle
assert_eq "$(count_requests src GET '/blobs/')" 1 "blobs read from SOURCE"
# (the bundle's index, by tag, and its config manifest)
assert_eq "$(count_requests src GET '/manifests/')" 2 "manifests read from SOURCE"
# with attachments (the default), they are looked for in SOURCE and, none
# being there, nothing more is read or written
reg_mark dst
reg_mark src
assert_exit 0 "$R" "${OPTS[@]}" "$S/acme/app:1.0" "$D/mirror/app"
assert_eq "$(count_requests dst 'POST|PATCH|PUT' '.')" 0 "writes to DEST"
assert_eq "$(count_requests src GET '/blobs/')" 1 "blobs read from SOURCE"
assert_eq "$(count_requests src GET '/manifests/([^s]|sha256:)')" 2 "bundle manifests read from SOURCE"

step "within one registry: blobs are mounted, not copied"
reg_mark src
assert_exit 0 "$R" -v "${OPTS[@]}" "$S/acme/app:1.0" "$S/other/app:7"
assert_contains "$ERR" " mounted"
MOUNTS=$(count_requests src POST 'mount=' 201)
GETS=$(count_requests src GET '/v2/acme/app/blobs/')
PATCHES=$(count_requests src PATCH '.')
TOTAL=$(count_requests src '*' '.')
note "mount case: $MOUNTS mounts (201), $GETS blob GETs, $PATCHES PATCHes, $TOTAL requests"
[ "$MOUNTS" -gt 0 ] || fail "no blob was mounted"
assert_eq "$GETS" 1 "blobs read within one registry (just bundle.json)"
assert_exit 0 "$I" "${OPTS[@]}" --verify -q -r "$S/other/app:7"

step "a thin bundle: images from where bundle.json names them"
assert_exit 0 "$R" "${OPTS[@]}" -f "$TEST_DIR/bundle.json" "$D/thin/app" -o json
assert_eq "$(jq -r .reference <<<"$OUT")" "$D/thin/app:2.3.4" "default tag: the version"
assert_eq "$(jq -r .digest <<<"$OUT")" "$DIGEST" "the same bundle once its images are resolved"

step "a version that is not a tag: '+' becomes '_', as in Porter"
jq '.version = "2.3.4+build.5"' "$TEST_DIR/bundle.json" >"$TEST_DIR/plus.json"
assert_exit 0 "$R" "${OPTS[@]}" -f "$TEST_DIR/plus.json" "$D/plus/app" -o json
assert_eq "$(jq -r .reference <<<"$OUT")" "$D/plus/app:2.3.4_build.5"
jq '.version = "2.3.4/x"' "$TEST_DIR/bundle.json" >"$TEST_DIR/slash.json"
assert_exit 2 "$R" "${OPTS[@]}" -f "$TEST_DIR/slash.json" "$D/slash/app"
assert_contains "$ERR" "the bundle's version '2.3.4/x' is not a valid tag: give DEST as REGISTRY/REPO:TAG"

step "--jobs 1 and --jobs 8 give the same result"
for j in 1 8; do
	assert_exit 0 "$R" "${OPTS[@]}" --jobs "$j" -o json "$S/acme/app:1.0" "$D/jobs$j/app:1"
	assert_eq "$(jq -r .digest <<<"$OUT")" "$DIGEST"
done

step "--dry-run writes nothing"
reg_mark dst
assert_exit 0 "$R" "${OPTS[@]}" --dry-run "$S/acme/app:1.0" "$D/dry/app:1"
assert_contains "$OUT" "Dry run"
assert_eq "$(count_requests dst 'POST|PATCH|PUT' '.')" 0 "writes of a dry run"

step "an existing tag holding another bundle: refused without --force"
jq '.version = "9"' "$TEST_DIR/bundle.json" >"$TEST_DIR/other.json"
assert_exit 0 "$R" "${OPTS[@]}" -f "$TEST_DIR/other.json" "$D/taken/app:1"
assert_exit 1 "$R" "${OPTS[@]}" "$S/acme/app:1.0" "$D/taken/app:1"
assert_contains "$ERR" "use --force to replace it"
assert_exit 0 "$R" "${OPTS[@]}" --force "$S/acme/app:1.0" "$D/taken/app:1"

step "a source image missing: exit 4, DEST tag untouched"
jq --arg h "$S" '.images.web.image = ($h + "/app/gone:1")' "$TEST_DIR/bundle.json" \
	>"$TEST_DIR/gone.json"
assert_exit 4 "$R" "${OPTS[@]}" -f "$TEST_DIR/gone.json" "$D/gone/app:1"
assert_contains "$ERR" "app/gone:1"
assert_exit 4 "$I" "${OPTS[@]}" -r "$D/gone/app:1"
# every missing image said at once, as cnab-archive does
jq --arg h "$S" '.images.web.image = ($h + "/app/gone:1") |
	.invocationImages[0].image = ($h + "/app/lost:2")' "$TEST_DIR/bundle.json" \
	>"$TEST_DIR/gone2.json"
assert_exit 4 "$R" "${OPTS[@]}" -f "$TEST_DIR/gone2.json" "$D/gone/app:1"
assert_contains "$ERR" "images not found: "
assert_contains "$ERR" "app/gone:1"
assert_contains "$ERR" "app/lost:2"
assert_exit 4 "$I" "${OPTS[@]}" -r "$D/gone/app:1"
assert_exit 4 "$R" "${OPTS[@]}" "$S/acme/nothing:1" "$D/gone/app:1"

step "usage errors"
assert_exit 2 "$R" "$S/acme/app:1.0"
assert_exit 2 "$R" "$S/acme/app:1.0" "$D/x/y@$DIGEST"
assert_exit 2 "$R" --jobs 0 "$S/acme/app:1.0" "$D/x/y:1"

echo ok
