#!/bin/bash
# Attachments travel with the bundle (issue 16): cosign's tag scheme
# (sha256-<hex>.sig/.att/.sbom) and OCI 1.1 referrers through the tag
# schema fallback (sha256-<hex>), nested one level; archive -r, publish to
# a second registry, relocate to a third, byte for byte at each hop;
# --no-attachments; re-publishing sends nothing; a referrers index naming
# a missing manifest. The image and the bundle are signed with cosign.py (a
# real key); each signature is checked with openssl at every hop.
set -eu
. "$(dirname "$0")/lib.sh"
require_tools cnab-archive cnab-inspect cnab-publish-archive cnab-relocate
export CNAB_RETRY_BASE_MS=50
A=$CNAB_BIN/cnab-archive
I=$CNAB_BIN/cnab-inspect
P=$CNAB_BIN/cnab-publish-archive
R=$CNAB_BIN/cnab-relocate
FIX=("$ITEST_PYTHON" "$(dirname "$0")/attach-fixture.py")
COSIGN=("$ITEST_PYTHON" "$(dirname "$0")/cosign.py")
export COSIGN_PASSWORD=itest-password

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

# verify_sig REGNAME REPO SUBJECT: the cosign signature of SUBJECT in
# REPO, checked with openssl against the key, and naming SUBJECT
verify_sig() {
	local man layer
	man=$(reg_curl "$1" -H "Accept: application/vnd.oci.image.manifest.v1+json" \
		"/v2/$2/manifests/${3/:/-}.sig")
	layer=$(jq -r '.layers[0].digest' <<<"$man")
	reg_curl "$1" -o "$TEST_DIR/payload" "/v2/$2/blobs/$layer"
	jq -r '.layers[0].annotations."dev.cosignproject.cosign/signature"' \
		<<<"$man" | base64 -d >"$TEST_DIR/sig.der"
	assert_eq "$(openssl dgst -sha256 -verify "$TEST_DIR/keys/cosign.pub" \
		-signature "$TEST_DIR/sig.der" "$TEST_DIR/payload")" "Verified OK" \
		"openssl on the signature of $3 in $1/$2"
	assert_eq "$(jq -r '.critical.image."docker-manifest-digest"' \
		"$TEST_DIR/payload")" "$3"
}

step "images with attachments in the source registry"
"${COSIGN[@]}" keygen "$TEST_DIR/keys"
fixture_image src app/installer v1 --layers 1 --size 4K >/dev/null
INV=$FIXTURE_DIGEST
fixture_image src app/web 2.0 --format oci --layers 2 --size 8K >/dev/null
WEB=$FIXTURE_DIGEST
# a real cosign signature (ECDSA P-256 over the simple-signing payload)
"${COSIGN[@]}" sign --key "$TEST_DIR/keys/cosign.key" "$S/app/web@$WEB" >/dev/null
WEB_SIG=$(raw_digest "$S/app/web:${WEB/:/-}.sig")
verify_sig src app/web "$WEB"
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

step "past the cap, the rest is left out, with a message"
assert_exit 0 env CNAB_ATTACH_MAX=2 "$A" "${OPTS[@]}" -f "$TEST_DIR/bundle.json" "$TEST_DIR/capped.tgz"
assert_contains "$ERR" "more than 2 attachments: only the first 2 are archived"
assert_contains "$ERR" "archived 2 images and 2 attachments"
assert_eq "$(attachments_of "$TEST_DIR/capped.tgz" | wc -l)" 2

step "--no-attachments leaves them out: the archive of before"
assert_exit 0 "$A" "${OPTS[@]}" --no-attachments -f "$TEST_DIR/bundle.json" "$TEST_DIR/none.tgz"
assert_contains "$ERR" "archived 2 images and 0 attachments"
assert_eq "$(attachments_of "$TEST_DIR/none.tgz")" ""

step "publish: the attachments go along, under their tags and in the fallback index"
assert_exit 0 "$P" "${OPTS[@]}" -a "$TEST_DIR/a.tgz" --tag "$S/acme/app:1.0" -o json
DIGEST=$(jq -r .digest <<<"$OUT")
# archiving what was published gives back the very archive
assert_exit 0 "$A" "${OPTS[@]}" -r "$S/acme/app:1.0" "$TEST_DIR/again.tgz"
assert_exit 0 cmp "$TEST_DIR/a.tgz" "$TEST_DIR/again.tgz"

# checks that repository HOST/REPO holds every attachment, byte for byte
check_hop() {
	local where=$1
	assert_eq "$(raw_digest "$where:${WEB/:/-}.sig")" "$WEB_SIG" "$where: signature"
	assert_eq "$(raw_digest "$where:${WEB/:/-}.att")" "$WEB_ATT" "$where: attestation"
	assert_eq "$(raw_digest "$where:${WEB_ATT/:/-}.sig")" "$ATT_SIG" "$where: the attestation's signature"
	assert_eq "$(raw_digest "$where:${INV/:/-}.sig")" "$INV_SIG" "$where: the installer's signature"
	assert_eq "$(raw_digest "$where@$WEB_SBOM")" "$WEB_SBOM" "$where: the SBOM referrer"
	assert_eq "$(sk_inspect --raw "docker://$where:${WEB/:/-}" |
		jq -r --arg d "$WEB_SBOM" '.manifests[] | select(.digest == $d) | .artifactType')" \
		application/spdx+json "$where: the fallback index lists the SBOM"
}

step "the bundle signed in the source registry; archive -r takes its signature"
"${COSIGN[@]}" sign --key "$TEST_DIR/keys/cosign.key" "$S/acme/app@$DIGEST" >/dev/null
BUNDLE_SIG=$(raw_digest "$S/acme/app:${DIGEST/:/-}.sig")
verify_sig src acme/app "$DIGEST"
assert_exit 0 "$A" "${OPTS[@]}" -r "$S/acme/app:1.0" "$TEST_DIR/b.tgz"
assert_contains "$ERR" "archived 2 images and 6 attachments"
assert_contains "$(attachments_of "$TEST_DIR/b.tgz")" "sig $BUNDLE_SIG $DIGEST ${DIGEST/:/-}.sig"
# the lookups go out --jobs at a time: the same archive with one at a
# time, and the same requests (each lookup once)
reg_mark src
assert_exit 0 "$A" "${OPTS[@]}" -q -j 1 -r "$S/acme/app:1.0" "$TEST_DIR/b1.tgz"
one=$(count_requests src GET '/manifests/sha256-')
cmp "$TEST_DIR/b.tgz" "$TEST_DIR/b1.tgz" || fail "--jobs 1 made another archive"
reg_mark src
assert_exit 0 "$A" "${OPTS[@]}" -q -j 8 -r "$S/acme/app:1.0" "$TEST_DIR/b8.tgz"
cmp "$TEST_DIR/b.tgz" "$TEST_DIR/b8.tgz" || fail "--jobs 8 made another archive"
assert_eq "$(count_requests src GET '/manifests/sha256-')" "$one" "attachment lookups, -j 8 as -j 1"

step "publish to a second registry"
reg_mark mid
assert_exit 0 "$P" "${OPTS[@]}" -a "$TEST_DIR/b.tgz" --tag "$M/air/app:1.0" -o json
assert_eq "$(jq -r .digest <<<"$OUT")" "$DIGEST"
check_hop "$M/air/app"
assert_eq "$(raw_digest "$M/air/app:${DIGEST/:/-}.sig")" "$BUNDLE_SIG" "the bundle's signature beside its tag"
verify_sig mid air/app "$WEB"
verify_sig mid air/app "$DIGEST"
# the bundle tag is written last of all
last=$(reg_requests mid | awk '$1 == "PUT" && $2 ~ /manifests/ { l = $2 } END { print l }')
assert_eq "$last" "/v2/air/app/manifests/1.0"

step "publishing again sends nothing"
reg_mark mid
assert_exit 0 "$P" "${OPTS[@]}" -a "$TEST_DIR/b.tgz" --tag "$M/air/app:1.0"
assert_eq "$(count_requests mid 'PUT|POST|PATCH' '.*')" 0

step "relocate to a third registry"
assert_exit 0 "$R" "${OPTS[@]}" "$M/air/app:1.0" "$D/prod/app"
assert_contains "$OUT" "with digest \"$DIGEST\""
check_hop "$D/prod/app"
assert_eq "$(raw_digest "$D/prod/app:${DIGEST/:/-}.sig")" "$BUNDLE_SIG"
verify_sig dst prod/app "$DIGEST"
verify_sig dst prod/app "$WEB"
# the relocated image is the very one signed
assert_exit 0 "$I" "${OPTS[@]}" -o json -r "$D/prod/app:1.0"
assert_eq "$(jq -r '.images[0].digest' <<<"$OUT")" \
	"$(jq -r '.critical.image."docker-manifest-digest"' "$TEST_DIR/payload")"
assert_exit 0 "$I" "${OPTS[@]}" --verify -q -r "$D/prod/app:1.0"

step "the fallback index at the destination is merged with, never dropping an entry"
assert_exit 0 "$R" "${OPTS[@]}" --no-attachments "$M/air/app:1.0" "$D/merge/app:1.0"
OTHER=$("${FIX[@]}" referrer "http://$D" merge/app "$WEB" application/x-other)
assert_exit 0 "$R" "${OPTS[@]}" "$M/air/app:1.0" "$D/merge/app:1.1"
assert_eq "$(sk_inspect --raw "docker://$D/merge/app:${WEB/:/-}" | jq -r '[.manifests[].digest] | join(" ")')" \
	"$OTHER $WEB_SBOM" "the entry that was there first, then ours"
check_hop "$D/merge/app"

step "--dry-run counts the attachments' objects and writes nothing"
assert_exit 0 "$P" "${OPTS[@]}" --dry-run -a "$TEST_DIR/b.tgz" --tag "$D/dry/app:1.0" -o json
assert_eq "$(jq -r .plan.blobs <<<"$OUT")" "$(tar -tzf "$TEST_DIR/b.tgz" | grep -c '^artifacts/layout/blobs/sha256/.')"
assert_exit 0 "$R" "${OPTS[@]}" --dry-run "$M/air/app:1.0" "$D/dry/app:1.0"
# nothing there: the repository does not exist (curl --fail: 22)
assert_exit 22 reg_curl dst --fail -s "/v2/dry/app/tags/list"

step "--no-attachments leaves none at the destination"
assert_exit 0 "$P" "${OPTS[@]}" --no-attachments -a "$TEST_DIR/b.tgz" --tag "$D/bare/app:1.0"
assert_exit 0 "$R" "${OPTS[@]}" --no-attachments "$M/air/app:1.0" "$D/bare2/app"
for repo in bare/app bare2/app; do
	tags=$(reg_curl dst "/v2/$repo/tags/list" | jq -r '.tags[]' | sort | tr '\n' ' ')
	assert_eq "$tags" "1.0 " "$repo holds the bundle's tag alone"
done

step "publishing again without --no-attachments adds them, the tag untouched"
reg_mark dst
assert_exit 0 "$P" "${OPTS[@]}" -a "$TEST_DIR/b.tgz" --tag "$D/bare/app:1.0"
check_hop "$D/bare/app"
assert_eq "$(count_requests dst PUT '/manifests/1.0$')" 0 "the bundle's tag is not written again"

step "relocating again without --no-attachments adds them, the tag untouched"
reg_mark dst
assert_exit 0 "$R" "${OPTS[@]}" -v "$M/air/app:1.0" "$D/bare2/app"
check_hop "$D/bare2/app"
assert_eq "$(count_requests dst PUT '/manifests/1.0$')" 0 "the bundle's tag is not written again"
assert_contains "$ERR" "6 attachments, 6 tags written"
note "$ERR"
# and once they are there, relocating again writes nothing
reg_mark dst
assert_exit 0 "$R" "${OPTS[@]}" "$M/air/app:1.0" "$D/bare2/app"
assert_eq "$(count_requests dst 'PUT|POST|PATCH' '.*')" 0

step "inspect shows what is attached, per image and for the bundle"
assert_exit 0 "$I" "${OPTS[@]}" -r "$D/prod/app:1.0"
note "$OUT"
assert_contains "$OUT" "Attachments:"
assert_match "$OUT" "$D/prod/app@$WEB +sig +$WEB_SIG +application/vnd.oci.image.config.v1\\+json +$WEB"
assert_match "$OUT" "$D/prod/app@$WEB +referrer +$WEB_SBOM +application/spdx\\+json +$WEB"
assert_match "$OUT" "$D/prod/app@$WEB +sig +$ATT_SIG .* $WEB_ATT"
assert_match "$OUT" "\\(bundle\\) +sig +$BUNDLE_SIG .* $DIGEST"
assert_exit 0 "$I" "${OPTS[@]}" -o json -r "$D/prod/app:1.0"
assert_eq "$(jq -r '.images[0].attachments | map(.kind) | join(" ")' <<<"$OUT")" "sig att referrer sig"
assert_eq "$(jq -r '.invocationImages[0].attachments[0].digest' <<<"$OUT")" "$INV_SIG"
assert_eq "$(jq -r '.attachments[0] | [.kind, .digest, .subject, .tag] | join(" ")' <<<"$OUT")" \
	"sig $BUNDLE_SIG $DIGEST ${DIGEST/:/-}.sig"
assert_eq "$(jq -r '.images[0].attachments[] | select(.kind == "referrer") | .artifactType' <<<"$OUT")" \
	application/spdx+json
assert_exit 0 "$I" "${OPTS[@]}" -o yaml -r "$D/prod/app:1.0"
assert_contains "$OUT" "attachments:"
# the archive shows the same, and --verify checks each attachment
assert_exit 0 "$I" -o json -a "$TEST_DIR/b.tgz"
assert_eq "$(jq -r '[.images[0].attachments[].digest] | join(" ")' <<<"$OUT")" \
	"$WEB_SIG $WEB_ATT $WEB_SBOM $ATT_SIG"
assert_exit 0 "$I" --verify -a "$TEST_DIR/b.tgz"
assert_contains "$ERR" "2 images, 6 attachments,"
assert_exit 0 "$I" "${OPTS[@]}" --verify -r "$D/prod/app:1.0"
assert_contains "$ERR" "2 images, 6 attachments,"

step "an archive whose attachment lacks its manifest is corrupt"
mkdir -p "$TEST_DIR/x" && tar -xzf "$TEST_DIR/b.tgz" -C "$TEST_DIR/x"
rm "$TEST_DIR/x/artifacts/layout/blobs/sha256/${ATT_SIG#sha256:}"
tar -czf "$TEST_DIR/broken.tgz" -C "$TEST_DIR/x" bundle.json relocation-mapping.json artifacts
assert_exit 3 "$I" --verify -a "$TEST_DIR/broken.tgz"
assert_contains "$ERR" "$ATT_SIG"

step "an archive listing a referrer under another subject than its own is corrupt"
mkdir -p "$TEST_DIR/y" && tar -xzf "$TEST_DIR/b.tgz" -C "$TEST_DIR/y"
jq --arg d "$WEB_SBOM" --arg s "$INV" '.manifests |= map(if .digest == $d
	then .annotations["io.cnab-tools.attachment.subject"] = $s else . end)' \
	"$TEST_DIR/y/artifacts/layout/index.json" >"$TEST_DIR/index.json"
mv "$TEST_DIR/index.json" "$TEST_DIR/y/artifacts/layout/index.json"
tar -czf "$TEST_DIR/foreign.tgz" -C "$TEST_DIR/y" bundle.json relocation-mapping.json artifacts
assert_exit 3 "$I" --verify -a "$TEST_DIR/foreign.tgz"
assert_contains "$ERR" "names another subject: '$WEB', not '$INV'"
assert_exit 3 "$P" "${OPTS[@]}" -a "$TEST_DIR/foreign.tgz" --tag "$D/prod/foreign:1.0"
assert_contains "$ERR" "names another subject: '$WEB', not '$INV'"
assert_exit 4 "$I" "${OPTS[@]}" -r "$D/prod/foreign:1.0"

step "a referrers index naming a manifest the registry lacks: a clear error"
MISSING=$("${FIX[@]}" list-missing "http://$S" app/web "$WEB")
assert_exit 4 "$A" "${OPTS[@]}" -f "$TEST_DIR/bundle.json" "$TEST_DIR/bad.tgz"
assert_contains "$ERR" "referrer $MISSING of '$S/app/web:2.0' (listed by '$S/app/web:${WEB/:/-}') is missing from registry repository '$S/app/web'"
[ ! -e "$TEST_DIR/bad.tgz" ] || fail "a failed run left an archive"

step "a referrer listed for an image but naming another as its subject: exit 3"
fixture_image src app/installer v2 --layers 1 --size 4K >/dev/null
FOREIGN=$("${FIX[@]}" list-foreign "http://$S" app/installer "$INV" "$FIXTURE_DIGEST")
jq '.images = {}' "$TEST_DIR/bundle.json" >"$TEST_DIR/inv.json"
assert_exit 3 "$A" "${OPTS[@]}" -f "$TEST_DIR/inv.json" "$TEST_DIR/bad.tgz"
assert_contains "$ERR" "referrer $FOREIGN of '$S/app/installer:v1' (listed by '$S/app/installer:${INV/:/-}') names another subject: '$FIXTURE_DIGEST', not '$INV'"
[ ! -e "$TEST_DIR/bad.tgz" ] || fail "a failed run left an archive"
assert_exit 0 "$A" "${OPTS[@]}" -q --no-attachments -f "$TEST_DIR/inv.json" "$TEST_DIR/bad.tgz"
