#!/bin/bash
# Digest pins against a registry (issue 12, item 2): a reference that
# carries a digest binds what a registry may answer for it.  A pin the
# tools cannot verify (sha384) is refused before any request, even when a
# registry answers it with content of its choosing; a reference and a
# contentDigest that pin different digests are refused before any request.
set -eu
. "$(dirname "$0")/lib.sh"
require_tools cnab-archive
A=$CNAB_BIN/cnab-archive

reg_start plain src
proxy_start ps src
PS=$(_rv ps HOST)
# shellcheck disable=SC2207
OPTS=($(cnab_opts src ps))
fixture_image src app/web 1 --format oci --layers 1 --size 4K >/dev/null
WEB=$FIXTURE_DIGEST
fixture_image src app/other 1 --format oci --layers 1 --size 4K >/dev/null
OTHER=$FIXTURE_DIGEST
reg_curl src -H "Accept: application/vnd.oci.image.manifest.v1+json" \
	/v2/app/web/manifests/1 >"$TEST_DIR/web.manifest"
bundle() { # IMAGE [CONTENT_DIGEST]: a bundle.json naming one image
	jq -n --arg i "$1" --arg c "${2:-}" '{schemaVersion: "v1.2.0",
		name: "pins", version: "1.0.0", invocationImages: [
		{imageType: "oci", image: $i} +
		(if $c == "" then {} else {contentDigest: $c} end)]}'
}

step "a pin that holds: archived"
bundle "$PS/app/web@$WEB" "$WEB" >"$TEST_DIR/ok.json"
assert_exit 0 "$A" "${OPTS[@]}" -f "$TEST_DIR/ok.json" "$TEST_DIR/ok.tgz"

step "sha384: refused before any request, though the registry would answer"
# the proxy answers any manifests/sha384:... with the web image's manifest
# and a Docker-Content-Digest that matches it (before the fix, that was
# verified instead of the pin, and archived: exit 0)
proxy_rules ps "$(jq -n --rawfile body "$TEST_DIR/web.manifest" \
	--arg d "$WEB" '[{"action": "status", "status": 200,
	"method": "GET|HEAD", "path": "/manifests/sha384:", "body": $body,
	"headers": {"Content-Type": "application/vnd.oci.image.manifest.v1+json",
		"Docker-Content-Digest": $d}}]')"
H384=$(printf 'not the web image' | sha384sum | cut -c1-96)
bundle "$PS/app/web@sha384:$H384" >"$TEST_DIR/sha384.json"
proxy_mark ps
assert_exit 2 "$A" "${OPTS[@]}" -f "$TEST_DIR/sha384.json" \
	"$TEST_DIR/sha384.tgz"
assert_contains "$ERR" "digest algorithm 'sha384' is not supported"
assert_eq "$(proxy_count ps '*' '/manifests/')" 0
[ ! -e "$TEST_DIR/sha384.tgz" ] || fail "an archive was written"
proxy_rules ps '[]'

step "a reference pinned to one digest, a contentDigest of another: exit 3"
bundle "$PS/app/web@$WEB" "$OTHER" >"$TEST_DIR/conflict.json"
proxy_mark ps
assert_exit 3 "$A" "${OPTS[@]}" -f "$TEST_DIR/conflict.json" \
	"$TEST_DIR/conflict.tgz"
assert_contains "$ERR" "pinned to $WEB"
assert_contains "$ERR" "contentDigest $OTHER"
assert_eq "$(proxy_count ps '*' '/manifests/')" 0
