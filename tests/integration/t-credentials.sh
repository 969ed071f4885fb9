#!/bin/bash
# Credentials where Podman and skopeo keep them (issue 18): after `skopeo
# login` (which writes $XDG_RUNTIME_DIR/containers/auth.json), archive,
# publish, relocate and inspect work with no --authfile; auths keys scoped
# to a namespace are used for it and for nothing else; a 401 says whether
# there were no credentials or whether they were refused (issue 15).
set -eu
. "$(dirname "$0")/lib.sh"
require_tools cnab-archive cnab-inspect cnab-publish-archive cnab-relocate
export CNAB_RETRY_BASE_MS=50
A=$CNAB_BIN/cnab-archive
I=$CNAB_BIN/cnab-inspect
P=$CNAB_BIN/cnab-publish-archive
R=$CNAB_BIN/cnab-relocate

reg_start token reg
H=$(_rv reg HOST)
CD=$(_rv reg CERTDIR)
RUNTIME_AUTH=$XDG_RUNTIME_DIR/containers/auth.json
# no --authfile: the tools look in the default places
OPTS=(--cert-dir "$CD")

fixture_image reg app/installer v1 --layers 2 --size 64K >/dev/null
INV=$FIXTURE_DIGEST
fixture_image reg app/web 2.0 --format oci --layers 2 --size 256K >/dev/null
WEB=$FIXTURE_DIGEST
jq -n --arg h "$H" '{schemaVersion: "v1.2.0", name: "creds", version: "1.0.0",
	invocationImages: [{imageType: "docker", image: ($h + "/app/installer:v1")}],
	images: {web: {imageType: "oci", image: ($h + "/app/web:2.0")}}}' \
	>"$TEST_DIR/bundle.json"

step "anonymous: a 401 says no credentials were found, and where we looked"
[ ! -e "$RUNTIME_AUTH" ] || fail "the test's runtime dir already has an auth file"
assert_exit 1 "$A" "${OPTS[@]}" -f "$TEST_DIR/bundle.json" "$TEST_DIR/anon.tgz"
assert_contains "$ERR" "authentication failed for registry '$H'"
assert_contains "$ERR" "no credentials for '$H/app/"
assert_contains "$ERR" "(looked in: $RUNTIME_AUTH, $XDG_CONFIG_HOME/containers/auth.json, $DOCKER_CONFIG/config.json, $HOME/.docker/config.json); use --authfile or log in"
[ ! -e "$TEST_DIR/anon.tgz" ] || fail "a failed run left an archive"

step "skopeo login, then archive, publish, relocate and inspect without --authfile"
# (with DOCKER_CONFIG set, skopeo would log in to $DOCKER_CONFIG/config.json)
(
	unset DOCKER_CONFIG
	printf '%s\n' "$REG_PASS" | sk login --cert-dir "$CD" -u "$REG_USER" \
		--password-stdin "$H" >/dev/null
)
assert_file "$RUNTIME_AUTH"
assert_eq "$(jq -r --arg h "$H" '.auths | has($h)' "$RUNTIME_AUTH")" true \
	"skopeo wrote its entry where containers-auth.json(5) says"
assert_exit 0 "$A" "${OPTS[@]}" -f "$TEST_DIR/bundle.json" "$TEST_DIR/a.tgz"
assert_exit 0 "$P" "${OPTS[@]}" -a "$TEST_DIR/a.tgz" --tag "$H/acme/app:1.0" -o json
DIGEST=$(jq -r .digest <<<"$OUT")
assert_exit 0 "$R" "${OPTS[@]}" "$H/acme/app:1.0" "$H/mirror/app"
assert_contains "$OUT" "Bundle tag $H/mirror/app:1.0 pushed successfully, with digest \"$DIGEST\""
assert_exit 0 "$I" "${OPTS[@]}" --verify -q -r "$H/mirror/app:1.0"
got=$(sk_inspect --raw "docker://$H/mirror/app@$WEB" | sha256_of -)
assert_eq "$got" "$WEB" "the image was relocated"
assert_exit 0 "$I" "${OPTS[@]}" -o json -r "$H/mirror/app:1.0"
assert_contains "$OUT" "$H/mirror/app@$INV"

step "the runtime file comes before Docker's"
jq -n --arg h "$H" '{auths: {($h): {auth: ("testuser:wrong" | @base64)}}}' \
	>"$DOCKER_CONFIG/config.json"
assert_exit 0 "$I" "${OPTS[@]}" -q -r "$H/acme/app:1.0"

step "skopeo logout: back to anonymous"
(
	unset DOCKER_CONFIG
	sk logout "$H" >/dev/null
)
assert_eq "$(jq -r --arg h "$H" '.auths | has($h)' "$RUNTIME_AUTH")" false
step "wrong credentials: a 401 says they were refused, and from which file"
assert_exit 1 "$I" "${OPTS[@]}" -r "$H/acme/app:1.0"
assert_contains "$ERR" "the credentials for '$H' from '$DOCKER_CONFIG/config.json' were refused"
assert_not_contains "$ERR" "wrong"
assert_not_contains "$ERR" "no credentials"
printf '{"auths":{}}\n' >"$DOCKER_CONFIG/config.json"

step "entries scoped to a namespace (HOST/app, HOST/acme) are used for it"
jq -n --arg h "$H" --arg u "$REG_USER" --arg p "$REG_PASS" \
	'{auths: {($h + "/app"): {auth: ($u + ":" + $p | @base64)},
		($h + "/acme"): {auth: ($u + ":" + $p | @base64)},
		($h + "/acme/locked"): {auth: ("testuser:wrong" | @base64)}}}' \
	>"$RUNTIME_AUTH"
assert_exit 0 "$A" "${OPTS[@]}" -f "$TEST_DIR/bundle.json" "$TEST_DIR/ns.tgz"
assert_exit 0 "$P" "${OPTS[@]}" -a "$TEST_DIR/ns.tgz" --tag "$H/acme/ns:1.0" -o json
assert_eq "$(jq -r .digest <<<"$OUT")" "$DIGEST"
assert_exit 0 "$I" "${OPTS[@]}" -q -r "$H/acme/ns:1.0"

step "the longest namespace wins: HOST/acme/locked holds wrong credentials"
assert_exit 1 "$P" "${OPTS[@]}" -a "$TEST_DIR/ns.tgz" --tag "$H/acme/locked:1.0"
assert_contains "$ERR" "the credentials for '$H' from '$RUNTIME_AUTH' were refused"

step "an entry for another namespace is not used"
assert_exit 1 "$I" "${OPTS[@]}" -r "$H/mirror/app:1.0"
assert_contains "$ERR" "no credentials for '$H/mirror/app'"
assert_exit 1 "$P" "${OPTS[@]}" -a "$TEST_DIR/ns.tgz" --tag "$H/acmecorp/app:1.0"
assert_contains "$ERR" "no credentials for '$H/acmecorp/app'"

step "REGISTRY_AUTH_FILE is read alone"
jq -n --arg h "$H" --arg u "$REG_USER" --arg p "$REG_PASS" \
	'{auths: {($h): {auth: ($u + ":" + $p | @base64)}}}' >"$TEST_DIR/reg-auth.json"
assert_exit 0 env REGISTRY_AUTH_FILE="$TEST_DIR/reg-auth.json" "$I" "${OPTS[@]}" \
	-q -r "$H/mirror/app:1.0"
assert_exit 1 env REGISTRY_AUTH_FILE="$TEST_DIR/absent.json" "$I" "${OPTS[@]}" \
	-r "$H/acme/app:1.0"
assert_contains "$ERR" "(looked in: $TEST_DIR/absent.json)"
