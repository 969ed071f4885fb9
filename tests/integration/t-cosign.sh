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

step "an SBOM and an attestation as OCI 1.1 referrers, tag schema fallback"
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
