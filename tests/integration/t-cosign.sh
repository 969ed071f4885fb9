#!/bin/bash
# cosign signatures made by tests/integration/cosign.py (issue 16): a key
# pair in cosign's encrypted format that loads back, signatures and OCI 1.1
# attachments pushed over HTTP and over TLS with basic auth, each signature
# checked independently with openssl.
set -eu
. "$(dirname "$0")/lib.sh"
COSIGN=("$ITEST_PYTHON" "$CNAB_TOP/tests/integration/cosign.py")
export COSIGN_PASSWORD=itest-password

reg_start plain src
reg_start basic sec
S=$(_rv src HOST)
B=$(_rv sec HOST)
SEC=(--ca "$(_rv sec CA)" --user "$REG_USER:$REG_PASS")

step "a cosign key pair that loads back"
K=$TEST_DIR/keys
"${COSIGN[@]}" keygen "$K"
assert_eq "$(head -n 1 "$K/cosign.key")" \
	"-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----"
doc=$(sed '1d;$d' "$K/cosign.key" | base64 -d)
assert_eq "$(jq -c '[.kdf.name, .kdf.params, .cipher.name]' <<<"$doc")" \
	'["scrypt",{"N":65536,"r":8,"p":1},"nacl/secretbox"]'
assert_eq "$(jq -r .kdf.salt <<<"$doc" | base64 -d | wc -c)" 32
assert_eq "$(jq -r .cipher.nonce <<<"$doc" | base64 -d | wc -c)" 24
assert_eq "$(openssl pkey -pubin -in "$K/cosign.pub" -noout -text |
	grep -c 'prime256v1')" 1
assert_eq "$("${COSIGN[@]}" pubkey "$K/cosign.key")" "$(cat "$K/cosign.pub")"
assert_exit 1 env COSIGN_PASSWORD=wrong "${COSIGN[@]}" pubkey "$K/cosign.key"
assert_contains "$ERR" "wrong password"
# a key cosign itself made (its own tests' Ed25519 key, empty password),
# and the unit tests' fixture key, load back to their public keys
T=$CNAB_TOP/testdata/cosign
assert_eq "$(COSIGN_PASSWORD='' "${COSIGN[@]}" pubkey "$T/upstream-ed25519.key")" \
	"$(cat "$T/upstream-ed25519.pub")"
assert_eq "$(COSIGN_PASSWORD=fixture "${COSIGN[@]}" pubkey "$T/cosign.key")" \
	"$(cat "$T/cosign.pub")"

# check_sig PAYLOAD B64SIG: openssl's verdict on the signature
check_sig() {
	base64 -d "$2" >"$2.der"
	openssl dgst -sha256 -verify "$K/cosign.pub" -signature "$2.der" "$1"
}

step "signatures over HTTP and over TLS with basic auth"
d1=$(fixture_image src app/web v1)
d2=$(fixture_image sec app/api v1 --format oci)
for r in "$S/app/web@$d1" "$B/app/api@$d2"; do
	opts=()
	[ "${r%%/*}" = "$B" ] && opts=("${SEC[@]}")
	"${COSIGN[@]}" sign "${opts[@]}" --key "$K/cosign.key" \
		--payload-out "$TEST_DIR/p" --signature-out "$TEST_DIR/s" "$r" \
		>/dev/null
	assert_eq "$(check_sig "$TEST_DIR/p" "$TEST_DIR/s")" "Verified OK"
	assert_eq "$(jq -r '.critical.image."docker-manifest-digest"' \
		"$TEST_DIR/p")" "${r#*@}"
	assert_eq "$(jq -r '.critical.identity."docker-reference"' \
		"$TEST_DIR/p")" "${r%@*}"
done
sig=$(reg_curl sec -H "Accept: application/vnd.oci.image.manifest.v1+json" \
	"/v2/app/api/manifests/${d2/:/-}.sig")
assert_eq "$(jq -c '[.layers[] | .mediaType]' <<<"$sig")" \
	'["application/vnd.dev.cosign.simplesigning.v1+json"]'
layer=$(jq -r '.layers[0].digest' <<<"$sig")
reg_curl sec -o "$TEST_DIR/blob" "/v2/app/api/blobs/$layer"
jq -r '.layers[0].annotations."dev.cosignproject.cosign/signature"' \
	<<<"$sig" >"$TEST_DIR/blob.sig"
assert_eq "$(check_sig "$TEST_DIR/blob" "$TEST_DIR/blob.sig")" "Verified OK"

step "a second signature is appended; a tampered one names another digest"
"${COSIGN[@]}" sign --tamper --key "$K/cosign.key" \
	--payload-out "$TEST_DIR/t" --signature-out "$TEST_DIR/ts" \
	"$S/app/web@$d1" >/dev/null
sig=$(reg_curl src -H "Accept: application/vnd.oci.image.manifest.v1+json" \
	"/v2/app/web/manifests/${d1/:/-}.sig")
assert_eq "$(jq '.layers | length' <<<"$sig")" 2
assert_ne "$(jq -r '.critical.image."docker-manifest-digest"' "$TEST_DIR/t")" \
	"$d1"
# signed all the same: only the digest check can catch it
assert_eq "$(check_sig "$TEST_DIR/t" "$TEST_DIR/ts")" "Verified OK"
"${COSIGN[@]}" sign --bad-signature --key "$K/cosign.key" \
	--payload-out "$TEST_DIR/b" --signature-out "$TEST_DIR/bs" \
	"$S/app/web@$d1" >/dev/null
assert_exit 1 check_sig "$TEST_DIR/b" "$TEST_DIR/bs"

step "an SBOM and an attestation: OCI 1.1 referrers (tag schema fallback), cosign tags"
a1=$("${COSIGN[@]}" attach-sbom "${SEC[@]}" "$B/app/api@$d2")
a2=$("${COSIGN[@]}" attach-attestation "${SEC[@]}" --key "$K/cosign.key" \
	"$B/app/api@$d2")
a1b=$("${COSIGN[@]}" attach-sbom "${SEC[@]}" "$B/app/api@$d2")
assert_eq "$a1b" "$a1"
idx=$(reg_curl sec -H "Accept: application/vnd.oci.image.index.v1+json" \
	"/v2/app/api/manifests/${d2/:/-}")
assert_eq "$(jq -c '[.manifests[] | [.digest, .artifactType]]' <<<"$idx")" \
	"[[\"$a1\",\"application/spdx+json\"],[\"$a2\",\"application/vnd.in-toto+json\"]]"
m=$(reg_curl sec -H "Accept: application/vnd.oci.image.manifest.v1+json" \
	"/v2/app/api/manifests/$a2")
assert_eq "$(jq -r .subject.digest <<<"$m")" "$d2"
assert_eq "$(printf %s "$m" | sha256sum | cut -d' ' -f1)" "${a2#sha256:}"
# cosign's own tag scheme: sha256-HEX.sbom and .att, layers appended
"${COSIGN[@]}" attach-sbom --cosign-tag "$S/app/web@$d1" >/dev/null
"${COSIGN[@]}" attach-attestation --cosign-tag "$S/app/web@$d1" >/dev/null
att=$("${COSIGN[@]}" attach-attestation --cosign-tag --key "$K/cosign.key" \
	"$S/app/web@$d1")
ma=$(reg_curl src -H "Accept: application/vnd.oci.image.manifest.v1+json" \
	"/v2/app/web/manifests/${d1/:/-}.att")
assert_eq "$(printf %s "$ma" | sha256sum | cut -d' ' -f1)" "${att#sha256:}"
assert_eq "$(jq -c '[.layers[] | [.mediaType, .annotations.predicateType]]' <<<"$ma")" \
	'[["application/vnd.dsse.envelope.v1+json","https://slsa.dev/provenance/v1"],["application/vnd.dsse.envelope.v1+json","https://slsa.dev/provenance/v1"]]'
assert_eq "$(reg_curl src -H "Accept: application/vnd.oci.image.manifest.v1+json" \
	"/v2/app/web/manifests/${d1/:/-}.sbom" | jq -r '.layers[0].mediaType')" \
	text/spdx+json

step "cnab-inspect --verify --key: a published bundle and its images"
I=$CNAB_BIN/cnab-inspect
# shellcheck disable=SC2207
OPTS=($(cnab_opts src sec))
jq -n --arg s "$S" --arg b "$B" '{schemaVersion: "v1.2.0", name: "signed",
	version: "1.0.0", invocationImages: [{imageType: "docker",
		image: ($s + "/app/web:v1")}],
	images: {api: {imageType: "oci", image: ($b + "/app/api:v1")}}}' \
	>"$TEST_DIR/bundle.json"
# without the signatures made above (t-cosign-trip.sh has them travel):
# the published bundle starts unsigned
assert_exit 0 "$CNAB_BIN/cnab-archive" "${OPTS[@]}" -q --no-attachments \
	-f "$TEST_DIR/bundle.json" "$TEST_DIR/a.tgz"
assert_exit 0 "$CNAB_BIN/cnab-publish-archive" "${OPTS[@]}" -q -o json \
	-a "$TEST_DIR/a.tgz" --tag "$B/acme/signed:1.0.0"
idx=$(jq -r .digest <<<"$OUT")
REF=$B/acme/signed:1.0.0
assert_exit 0 "$I" "${OPTS[@]}" -o json -r "$REF"
mapfile -t imgs < <(jq -r '.invocationImages[], .images[] | .digest' <<<"$OUT")
assert_eq "${imgs[*]}" "$d1 $d2" "the images keep their digests"

assert_exit 3 "$I" "${OPTS[@]}" --verify --key "$K/cosign.pub" -r "$REF"
assert_contains "$ERR" "cnab-inspect: cannot verify signature of '$B/acme/signed@$idx' (the bundle): no signature (no '$B/acme/signed:${idx/:/-}.sig')"
assert_contains "$ERR" "cnab-inspect: cannot verify signatures of '$REF': 3 of 3 not verified"
assert_eq "$OUT" "" "nothing shown when a signature fails"

"${COSIGN[@]}" sign "${SEC[@]}" --key "$K/cosign.key" \
	--payload-out "$TEST_DIR/p" --signature-out "$TEST_DIR/s" \
	"$B/acme/signed@${imgs[0]}" "$B/acme/signed@${imgs[1]}" \
	"$B/acme/signed@$idx" >/dev/null
# the bundle's signature (the last one made) checked independently,
# against the digest of the index as the registry serves it
assert_eq "$(check_sig "$TEST_DIR/p" "$TEST_DIR/s")" "Verified OK"
served=$(reg_curl sec -H "Accept: application/vnd.oci.image.index.v1+json" \
	"/v2/acme/signed/manifests/1.0.0" | sha256sum | cut -d' ' -f1)
assert_eq "sha256:$served" "$idx"
assert_exit 0 "$I" "${OPTS[@]}" --verify --key "$K/cosign.pub" -r "$REF"
assert_contains "$ERR" "cnab-inspect: verified signature of '$B/acme/signed@$idx' (the bundle): 1 signature"
assert_contains "$ERR" "cnab-inspect: verified signature of '$B/acme/signed@$d2' (image 'api'): 1 signature"
assert_contains "$ERR" "cnab-inspect: verified signatures of '$REF': 3 subjects, 3 signatures"
assert_contains "$OUT" "Name: signed"
assert_exit 0 "$I" "${OPTS[@]}" -q --verify --key "$K/cosign.pub" -r "$REF"
assert_eq "$ERR" ""

step "another key, a tampered payload"
assert_exit 3 "$I" "${OPTS[@]}" --verify \
	--key "$T/other.pub" -r "$REF"
assert_contains "$ERR" "cnab-inspect: cannot verify signature of '$B/acme/signed@$d1' (invocation image 0): signature 1 of '$B/acme/signed:${d1/:/-}.sig' does not verify with the key"
"${COSIGN[@]}" sign "${SEC[@]}" --tamper --key "$K/cosign.key" \
	"$B/acme/signed@$d2" >/dev/null
assert_exit 3 "$I" "${OPTS[@]}" -q --verify --key "$K/cosign.pub" -r "$REF"
assert_match "$ERR" "^cnab-inspect: cannot verify signature of '$B/acme/signed@$d2' \(image 'api'\): signature 2 of '$B/acme/signed:${d2/:/-}\.sig' names another image: 'sha256:[0-9a-f]{64}', not '$d2'
cnab-inspect: cannot verify signatures of '$REF': 1 of 3 not verified$"

step "bad keys and options"
assert_exit 2 "$I" "${OPTS[@]}" --verify --key "$K/cosign.key" -r "$REF"
assert_eq "$ERR" "cnab-inspect: cannot use key '$K/cosign.key': a private key, not the public key"
assert_exit 2 "$I" "${OPTS[@]}" --verify --key "$T/rsa.pub" -r "$REF"
assert_eq "$ERR" "cnab-inspect: cannot use key '$T/rsa.pub': an RSA key, not ECDSA P-256"
assert_exit 2 "$I" "${OPTS[@]}" --verify --key "$TEST_DIR/none.pub" -r "$REF"
assert_contains "$ERR" "$TEST_DIR/none.pub"
assert_exit 2 "$I" "${OPTS[@]}" --key "$K/cosign.pub" -r "$REF"
assert_contains "$ERR" "--key goes with --verify"
# archived without attachments: nothing is signed in it
assert_exit 3 "$I" --verify --key "$K/cosign.pub" -a "$TEST_DIR/a.tgz"
assert_contains "$ERR" "(image 'api'): no signature (no '${d2/:/-}.sig' in archive '$TEST_DIR/a.tgz')"
assert_contains "$ERR" "the bundle's own signature is not checked"
