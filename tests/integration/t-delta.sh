#!/bin/bash
# Delta archives (issue 17): cnab-archive --base leaves out the layers the
# base holds; cnab-publish-archive of a delta checks, before any write,
# that the destination holds them (in the tag's repository, or mounted
# from --base-tag's), and publishes the very bundle the full archive
# would (the same index digest).
set -eu
. "$(dirname "$0")/lib.sh"
require_tools cnab-archive cnab-inspect cnab-publish-archive
export CNAB_RETRY_BASE_MS=50
A=$CNAB_BIN/cnab-archive
I=$CNAB_BIN/cnab-inspect
P=$CNAB_BIN/cnab-publish-archive

reg_start plain src
S=$(_rv src HOST)
# shellcheck disable=SC2207
OPTS=($(cnab_opts src))
T=$TEST_DIR

step "release 1: 3 images, 12 layers; release 2 changes 2 layers"
$ITEST_PYTHON "$CNAB_TOP/tests/tools/mklayout.py" "$T/l1" 3000000 3 12
$ITEST_PYTHON "$CNAB_TOP/tests/tools/mkrelease.py" "$T/l1" "$T/l2" 2
for v in 1 2; do
	jq -n --arg v "$v" '{schemaVersion: "v1.2.0", name: "app",
		version: ("1.0." + $v),
		invocationImages: [{imageType: "oci", image: "img0:1"}],
		images: {a: {imageType: "oci", image: "img1:1"},
			b: {imageType: "oci", image: "img2:1"}}}' >"$T/b$v.json"
	assert_exit 0 "$A" -q --layout "$T/l$v" -f "$T/b$v.json" "$T/full$v.tgz"
done
assert_exit 0 "$A" --layout "$T/l2" -f "$T/b2.json" --base "$T/full1.tgz" \
	-o json "$T/delta.tgz"
assert_eq "$(jq -c "[.delta.omitted, .objects]" <<<"$OUT")" "[10,8]" \
	"the 10 unchanged layers left out; written: 2 layers, 3 configs, 3 manifests"
BASE=$(tar -xzOf "$T/full1.tgz" bundle.json | sha256_of -)
assert_eq "$(jq -r .delta.base <<<"$OUT")" "$BASE" "the base's bundle digest"
full=$(stat -c %s "$T/full2.tgz")
delta=$(stat -c %s "$T/delta.tgz")
[ $((delta * 100 / full)) -le 20 ] || fail "delta $delta of full $full bytes"
note "full $full bytes, delta $delta bytes"

step "inspect: Delta of, and --verify with and without its base"
assert_exit 0 "$I" -a "$T/delta.tgz"
assert_contains "$OUT" "Delta of: $BASE (10 blobs left out"
assert_exit 0 "$I" --verify -a "$T/delta.tgz"
assert_contains "$ERR" "10 blobs left out"
assert_exit 0 "$I" --verify -a "$T/delta.tgz" --base "$T/full1.tgz"
assert_exit 3 "$I" --verify -a "$T/delta.tgz" --base "$T/full2.tgz"
assert_contains "$ERR" "is not the base of"

step "publish the full release 2 elsewhere: the digest to expect"
assert_exit 0 "$P" "${OPTS[@]}" -a "$T/full2.tgz" --tag "$S/full/app:2" -o json
WANT=$(jq -r .digest <<<"$OUT")

step "a delta onto an empty repository: exit 4 before any write"
reg_mark src
assert_exit 4 "$P" "${OPTS[@]}" -a "$T/delta.tgz" --tag "$S/empty/app:2"
assert_contains "$ERR" "publish its base ($BASE) there first"
assert_match "$ERR" "blob sha256:[0-9a-f]{64} is not in '$S/empty/app'"
assert_eq "$(count_requests src 'POST|PUT|PATCH|DELETE' .)" 0 "writes"
assert_eq "$(count_requests src HEAD '^/v2/empty/app/blobs/')" 10 "a HEAD per blob left out"
assert_not_contains "$(reg_curl src /v2/_catalog)" "empty/app"

assert_exit 4 "$P" "${OPTS[@]}" --dry-run -a "$T/delta.tgz" --tag "$S/empty/app:2"
assert_contains "$ERR" "publish its base ($BASE) there first"
assert_eq "$(count_requests src 'POST|PUT|PATCH|DELETE' .)" 0 "writes (--dry-run)"

step "publish the base, then the delta onto it: the same index digest"
assert_exit 0 "$P" "${OPTS[@]}" -a "$T/full1.tgz" --tag "$S/acme/app:1"
reg_mark src
assert_exit 0 "$P" "${OPTS[@]}" -a "$T/delta.tgz" --tag "$S/acme/app:2" -o json
assert_eq "$(jq -r .digest <<<"$OUT")" "$WANT" "the index digest of a full publish"
assert_eq "$(count_requests src PUT '^/v2/acme/app/blobs/uploads/')" 5 \
	"uploads: the 2 new layers and 3 configs"
assert_exit 0 "$I" --verify "${OPTS[@]}" -r "$S/acme/app:2"

step "--base-tag: the blobs mounted from the base's repository"
reg_mark src
assert_exit 0 "$P" "${OPTS[@]}" --dry-run -a "$T/delta.tgz" --tag "$S/prod/app:2" \
	--base-tag "$S/acme/app:1" -o json
assert_eq "$(jq -c '[.plan.blobs, .plan.upload]' <<<"$OUT")" "[18,8]" \
	"the plan: 8 of 18 objects uploaded (2 layers, 3 configs, 3 manifests), the 10 left out mounted"
assert_eq "$(count_requests src 'POST|PUT|PATCH|DELETE' .)" 0 "writes (--dry-run)"
assert_exit 0 "$P" "${OPTS[@]}" -a "$T/delta.tgz" --tag "$S/prod/app:2" \
	--base-tag "$S/acme/app:1" -o json
assert_eq "$(jq -r .digest <<<"$OUT")" "$WANT" "the index digest of a full publish"
assert_eq "$(count_requests src POST '^/v2/prod/app/blobs/uploads/\?.*mount=.*from=acme' 201)" 10 \
	"a mount per blob left out"
assert_exit 0 "$I" --verify "${OPTS[@]}" -r "$S/prod/app:2"
step "--base-tag holding another bundle: exit 3, no write"
reg_mark src
assert_exit 3 "$P" "${OPTS[@]}" -a "$T/delta.tgz" --tag "$S/other/app:2" \
	--base-tag "$S/full/app:2"
assert_contains "$ERR" "not the base of delta"
assert_eq "$(count_requests src 'POST|PUT|PATCH|DELETE' .)" 0 "writes"
assert_exit 4 "$P" "${OPTS[@]}" -a "$T/delta.tgz" --tag "$S/other/app:2" \
	--base-tag "$S/none/app:1"

step "--base REF: the published base gives the same delta, byte for byte"
assert_exit 0 "$A" "${OPTS[@]}" --layout "$T/l2" -f "$T/b2.json" \
	--base "$S/acme/app:1" "$T/delta-ref.tgz"
cmp "$T/delta.tgz" "$T/delta-ref.tgz" || fail "delta from a reference differs"
