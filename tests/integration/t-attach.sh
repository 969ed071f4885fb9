#!/bin/bash
# Attachments travel with the bundle (issue 16): cosign's tag scheme
# (sha256-<hex>.sig/.att/.sbom) and OCI 1.1 referrers through the tag
# schema fallback (sha256-<hex>), nested one level; archive -r, publish to
# a second registry, relocate to a third, byte for byte at each hop;
# --no-attachments; re-publishing sends nothing; a referrers index naming
# a missing manifest.
set -eu
. "$(dirname "$0")/lib.sh"
require_tools cnab-archive cnab-inspect cnab-publish-archive cnab-relocate
export CNAB_RETRY_BASE_MS=50
A=$CNAB_BIN/cnab-archive
I=$CNAB_BIN/cnab-inspect
P=$CNAB_BIN/cnab-publish-archive
R=$CNAB_BIN/cnab-relocate
FIX=("$ITEST_PYTHON" "$(dirname "$0")/attach-fixture.py")

reg_start plain src
reg_start plain mid
reg_start plain dst
S=$(_rv src HOST)
M=$(_rv mid HOST)
D=$(_rv dst HOST)
# shellcheck disable=SC2207
OPTS=($(cnab_opts src mid dst))

# the index.json entries of an archive that are attachments, as
# "KIND DIGEST SUBJECT TAG" lines, sorted
attachments_of() {
	tar -xzOf "$1" artifacts/layout/index.json | jq -r '.manifests[] |
		select(.annotations["io.cnab-tools.attachment.kind"]) |
		[.annotations["io.cnab-tools.attachment.kind"], .digest,
		 .annotations["io.cnab-tools.attachment.subject"],
		 (.annotations["io.cnab-tools.attachment.tag"] // "-")] |
		join(" ")' | sort
}

# the raw bytes' digest of a manifest by tag or digest
raw_digest() {
	echo "sha256:$(sk_inspect --raw "docker://$1" | sha256sum | cut -d' ' -f1)"
}

step "images with attachments in the source registry"
fixture_image src app/installer v1 --layers 1 --size 4K >/dev/null
INV=$FIXTURE_DIGEST
fixture_image src app/web 2.0 --format oci --layers 2 --size 8K >/dev/null
WEB=$FIXTURE_DIGEST
WEB_SIG=$("${FIX[@]}" cosign "http://$S" app/web "$WEB" sig)
WEB_ATT=$("${FIX[@]}" cosign "http://$S" app/web "$WEB" att)
# the attestation is signed too (one level of nesting)
ATT_SIG=$("${FIX[@]}" cosign "http://$S" app/web "$WEB_ATT" sig)
WEB_SBOM=$("${FIX[@]}" referrer "http://$S" app/web "$WEB" application/spdx+json)
INV_SIG=$("${FIX[@]}" cosign "http://$S" app/installer "$INV" sig)
jq -n --arg h "$S" '{schemaVersion: "v1.2.0", name: "signed",
	version: "1.0.0", invocationImages: [{imageType: "docker",
		image: ($h + "/app/installer:v1")}],
	images: {web: {imageType: "oci", image: ($h + "/app/web:2.0")}}}' \
	>"$TEST_DIR/bundle.json"

step "archive -f takes every attachment, annotated"
assert_exit 0 "$A" "${OPTS[@]}" -f "$TEST_DIR/bundle.json" "$TEST_DIR/a.tgz"
assert_contains "$ERR" "archived 2 images and 5 attachments"
got=$(attachments_of "$TEST_DIR/a.tgz")
want=$(printf '%s\n' "sig $WEB_SIG $WEB ${WEB/:/-}.sig" \
	"att $WEB_ATT $WEB ${WEB/:/-}.att" \
	"sig $ATT_SIG $WEB_ATT ${WEB_ATT/:/-}.sig" \
	"referrer $WEB_SBOM $WEB -" \
	"sig $INV_SIG $INV ${INV/:/-}.sig" | sort)
assert_eq "$got" "$want"
# every attachment's objects are in the layout, byte for byte
for d in "$WEB_SIG" "$WEB_ATT" "$ATT_SIG" "$WEB_SBOM" "$INV_SIG"; do
	assert_eq "sha256:$(tar -xzOf "$TEST_DIR/a.tgz" "artifacts/layout/blobs/sha256/${d#sha256:}" | sha256sum | cut -d' ' -f1)" "$d"
done
assert_exit 0 "$I" --verify -q -a "$TEST_DIR/a.tgz"

step "--no-attachments leaves them out: the archive of before"
assert_exit 0 "$A" "${OPTS[@]}" --no-attachments -f "$TEST_DIR/bundle.json" "$TEST_DIR/none.tgz"
assert_contains "$ERR" "archived 2 images and 0 attachments"
assert_eq "$(attachments_of "$TEST_DIR/none.tgz")" ""
