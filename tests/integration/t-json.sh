#!/bin/bash
# One image object in every tool's -o json (issue 15): the documented keys
# of cnab-archive, cnab-publish-archive, cnab-relocate and cnab-inspect, and
# each image shown the same by the tool that moved it and by cnab-inspect
# reading the result.
set -eu
. "$(dirname "$0")/lib.sh"
require_tools cnab-archive cnab-inspect cnab-publish-archive cnab-relocate
export CNAB_RETRY_BASE_MS=50
A=$CNAB_BIN/cnab-archive
I=$CNAB_BIN/cnab-inspect
P=$CNAB_BIN/cnab-publish-archive
R=$CNAB_BIN/cnab-relocate

reg_start plain reg
H=$(_rv reg HOST)
# shellcheck disable=SC2207
OPTS=($(cnab_opts reg))

TOP='["name","description","version","invocationImages","images"'
K='"name","imageType","image","originalImage","digest","size","mediaType"'
IMG="[[$K]]"
keys() { # JSON: the top-level keys, then the image objects' keys
	jq -c '[keys_unsorted, ([.invocationImages[], .images[]] |
		map(keys_unsorted) | unique)]' <<<"$1"
}
images() { # JSON: the image objects, without inspect's descriptions
	jq -c '[.invocationImages[], (.images[] | del(.description))]' <<<"$1"
}

step "a bundle of two images, archived from the registry"
fixture_image reg app/installer v1 --layers 1 --size 8K >/dev/null
fixture_image reg app/web 2.0 --format oci --layers 2 --size 16K >/dev/null
jq -n --arg h "$H" '{schemaVersion: "v1.2.0", name: "keys",
	version: "1.0.0", invocationImages: [{imageType: "docker",
		image: ($h + "/app/installer:v1")}],
	images: {web: {imageType: "oci", image: ($h + "/app/web:2.0")}}}' \
	>"$TEST_DIR/bundle.json"
assert_exit 0 "$A" "${OPTS[@]}" -q -o json -f "$TEST_DIR/bundle.json" \
	"$TEST_DIR/a.tgz"
assert_eq "$(keys "$OUT")" "[$TOP,\"archive\",\"objects\",\"bytes\",\"attachments\"],$IMG]" \
	"cnab-archive -o json keys"
ARCHIVED=$(images "$OUT")
assert_exit 0 "$I" -o json -a "$TEST_DIR/a.tgz"
assert_eq "$(images "$OUT")" "$ARCHIVED" "archive's images as inspect -a shows them"

step "published"
assert_exit 0 "$P" "${OPTS[@]}" -q -o json -a "$TEST_DIR/a.tgz" \
	--tag "$H/acme/keys:1.0.0"
assert_eq "$(keys "$OUT")" "[$TOP,\"reference\",\"digest\",\"relocationMapping\"],$IMG]" \
	"cnab-publish-archive -o json keys"
PUBLISHED=$(images "$OUT")
assert_exit 0 "$I" "${OPTS[@]}" -o json -r "$H/acme/keys:1.0.0"
assert_eq "$(images "$OUT")" "$PUBLISHED" "publish's images as inspect -r shows them"

step "relocated"
assert_exit 0 "$R" "${OPTS[@]}" -q -o json "$H/acme/keys:1.0.0" "$H/mirror/keys"
assert_eq "$(keys "$OUT")" "[$TOP,\"reference\",\"digest\",\"relocationMapping\"],$IMG]" \
	"cnab-relocate -o json keys"
RELOCATED=$(images "$OUT")
assert_eq "$(jq -r '[.invocationImages[], .images[]] | map(.image | startswith($ARGS.named.r)) | unique | tostring' --arg r "$H/mirror/keys@sha256:" <<<"$OUT")" \
	"[true]" "each image where relocate put it"
assert_exit 0 "$I" "${OPTS[@]}" -o json -r "$H/mirror/keys:1.0.0"
assert_eq "$(keys "$OUT")" "[$TOP],[[$K],[$K,\"description\"]]]" \
	"cnab-inspect -o json keys (components add their description)"
assert_eq "$(images "$OUT")" "$RELOCATED" "relocate's images as inspect -r shows them"
assert_exit 0 "$R" "${OPTS[@]}" -q --dry-run -o json "$H/acme/keys:1.0.0" "$H/other/keys"
assert_eq "$(jq -c 'keys_unsorted[5:]' <<<"$OUT")" \
	'["reference","digest","relocationMapping","dryRun","plan"]' \
	"relocate --dry-run -o json keys (the plan of the destination)"

step "cnab-archive ... - | cnab-inspect -a - succeeds under pipefail"
# (a 2 MiB layer: far more than a pipe holds once inspect has what it shows)
fixture_image reg app/big 1 --layers 1 --size 2M >/dev/null
jq -n --arg h "$H" '{schemaVersion: "v1.2.0", name: "pipe",
	version: "1.0.0", invocationImages: [{imageType: "docker",
		image: ($h + "/app/big:1")}]}' >"$TEST_DIR/pipe.json"
assert_exit 0 bash -o pipefail -c "$(printf '%q ' "$A" "${OPTS[@]}" -q -f "$TEST_DIR/pipe.json" -) | $(printf '%q ' "$I" -a - -o json)"
assert_eq "$(jq -r .name <<<"$OUT")" pipe
