#!/bin/bash
# Real cosign signatures travel with the bundle (issue 16): images and the
# bundle's index signed with cosign.py in a first registry, then archive
# -r, publish to a second registry (TLS + basic auth), relocate to a
# third.  At each hop cnab-inspect --verify --key passes, and openssl
# checks the bundle's signature as the registry serves it, its payload
# naming the digest the index has there; a payload tampered with at the
# last hop is exit 3.
set -eu
. "$(dirname "$0")/lib.sh"
require_tools cnab-archive cnab-inspect cnab-publish-archive cnab-relocate
export CNAB_RETRY_BASE_MS=50
COSIGN=("$ITEST_PYTHON" "$CNAB_TOP/tests/integration/cosign.py")
export COSIGN_PASSWORD=itest-password
A=$CNAB_BIN/cnab-archive
I=$CNAB_BIN/cnab-inspect
P=$CNAB_BIN/cnab-publish-archive
R=$CNAB_BIN/cnab-relocate

reg_start plain src
reg_start basic mid
reg_start plain dst
S=$(_rv src HOST)
M=$(_rv mid HOST)
D=$(_rv dst HOST)
# shellcheck disable=SC2207
OPTS=($(cnab_opts src mid dst))
K=$TEST_DIR/keys
"${COSIGN[@]}" keygen "$K"

# check_hop NAME REPO INDEX_DIGEST IMAGE_DIGEST...: at registry NAME, the
# bundle's signature (the one layer of tag sha256-<hex>.sig beside the
# index) verifies with openssl after base64 -d, its payload names the
# index; each image has a signature whose payload names it
check_hop() {
	local name=$1 repo=$2 idx=$3 d sig layer
	shift 3
	for d in "$idx" "$@"; do
		sig=$(reg_curl "$name" \
			-H "Accept: application/vnd.oci.image.manifest.v1+json" \
			"/v2/$repo/manifests/${d/:/-}.sig")
		layer=$(jq -r '.layers[0].digest' <<<"$sig")
		reg_curl "$name" -o "$TEST_DIR/payload" "/v2/$repo/blobs/$layer"
		jq -r '.layers[0].annotations."dev.cosignproject.cosign/signature"' \
			<<<"$sig" | base64 -d >"$TEST_DIR/sig.der"
		assert_eq "$(openssl dgst -sha256 -verify "$K/cosign.pub" \
			-signature "$TEST_DIR/sig.der" "$TEST_DIR/payload")" \
			"Verified OK" "openssl on the signature of $d in $name"
		assert_eq "$(jq -r '.critical.image."docker-manifest-digest"' \
			"$TEST_DIR/payload")" "$d"
	done
}

step "a bundle published and signed in the first registry"
fixture_image src app/installer v1 >/dev/null
fixture_image src app/web 2.0 --format oci --layers 2 --size 4K >/dev/null
jq -n --arg h "$S" '{schemaVersion: "v1.2.0", name: "trip",
	version: "1.0.0", invocationImages: [{imageType: "docker",
		image: ($h + "/app/installer:v1")}],
	images: {web: {imageType: "oci", image: ($h + "/app/web:2.0")}}}' \
	>"$TEST_DIR/bundle.json"
assert_exit 0 "$A" "${OPTS[@]}" -q -f "$TEST_DIR/bundle.json" "$TEST_DIR/a.tgz"
assert_exit 0 "$P" "${OPTS[@]}" -q -o json -a "$TEST_DIR/a.tgz" \
	--tag "$S/acme/trip:1.0"
IDX=$(jq -r .digest <<<"$OUT")
mapfile -t IMGS < <(jq -r '.invocationImages[], .images[] | .digest' <<<"$OUT")
"${COSIGN[@]}" sign --key "$K/cosign.key" "$S/acme/trip@${IMGS[0]}" \
	"$S/acme/trip@${IMGS[1]}" "$S/acme/trip@$IDX" >/dev/null
check_hop src acme/trip "$IDX" "${IMGS[@]}"
assert_exit 0 "$I" "${OPTS[@]}" -q --verify --key "$K/cosign.pub" \
	-r "$S/acme/trip:1.0"

step "archive -r, publish to a second registry"
assert_exit 0 "$A" "${OPTS[@]}" -r "$S/acme/trip:1.0" "$TEST_DIR/b.tgz"
assert_contains "$ERR" "3 attachments"
assert_exit 0 "$P" "${OPTS[@]}" -q -o json -a "$TEST_DIR/b.tgz" \
	--tag "$M/air/trip:1.0"
assert_eq "$(jq -r .digest <<<"$OUT")" "$IDX"
check_hop mid air/trip "$IDX" "${IMGS[@]}"

step "inspect --verify --key -a: the signatures in the archive, offline"
assert_exit 0 "$I" --verify --key "$K/cosign.pub" -a "$TEST_DIR/b.tgz"
assert_contains "$ERR" "verified signature of '$TEST_DIR/b.tgz' (the bundle's index $IDX): 1 signature"
assert_contains "$ERR" "(image 'web'): 1 signature"
assert_contains "$ERR" "verified signatures of '$TEST_DIR/b.tgz': 3 subjects, 3 signatures"
assert_exit 0 sh -c '"$1" -q --verify --key "$2" -a - <"$3"' sh "$I" \
	"$K/cosign.pub" "$TEST_DIR/b.tgz"
assert_eq "$ERR" "" "read from a pipe, quietly"
assert_exit 3 "$I" -q --verify --key "$CNAB_TOP/testdata/cosign/other.pub" \
	-a "$TEST_DIR/b.tgz"
assert_contains "$ERR" "cannot verify signatures of '$TEST_DIR/b.tgz': 3 of 3 not verified"
# a delta leaves out image layers only: its attachments are whole
assert_exit 0 "$A" "${OPTS[@]}" -q --base "$TEST_DIR/b.tgz" \
	-r "$S/acme/trip:1.0" "$TEST_DIR/d.tgz"
assert_exit 0 "$I" --verify --key "$K/cosign.pub" -a "$TEST_DIR/d.tgz"
assert_contains "$ERR" "verified signatures of '$TEST_DIR/d.tgz': 3 subjects, 3 signatures"
# a delta that leaves a signature's payload to its base (as ours never
# do): it cannot be checked here, and says where it can
"$ITEST_PYTHON" - "$TEST_DIR/d.tgz" "$TEST_DIR/d2.tgz" "${IMGS[1]}" <<'PY'
import io, json, sys, tarfile
src, dst, subject = sys.argv[1:]
tin = tarfile.open(src)
names = [m.name for m in tin if m.isfile()]
files = {n: tin.extractfile(n).read() for n in names}
blobs = "artifacts/layout/blobs/sha256/"
index = json.loads(files["artifacts/layout/index.json"])
for e in index["manifests"]:
    a = e.get("annotations", {})
    if a.get("io.cnab-tools.attachment.kind") == "sig" and \
            a.get("io.cnab-tools.attachment.subject") == subject:
        layer = json.loads(files[blobs + e["digest"][7:]])["layers"][0]
delta = json.loads(files["delta.json"])
delta["omitted"] = sorted(delta["omitted"] + [
    {"digest": layer["digest"], "size": layer["size"]}],
    key=lambda o: o["digest"])
files["delta.json"] = json.dumps(delta).encode()
del files[blobs + layer["digest"][7:]]
with tarfile.open(dst, "w:gz") as tout:
    for name in names:
        if name in files:
            info = tarfile.TarInfo(name)
            info.size = len(files[name])
            tout.addfile(info, io.BytesIO(files[name]))
PY
assert_exit 0 "$I" -q --verify -a "$TEST_DIR/d2.tgz"
assert_exit 2 "$I" -q --verify --key "$K/cosign.pub" -a "$TEST_DIR/d2.tgz"
assert_match "$ERR" "^cnab-inspect: cannot check signature payload sha256:[0-9a-f]{64}: it is left out of delta '$TEST_DIR/d2.tgz' \\(check the base, or the published bundle with -r\\)$"
# a payload that is no simple-signing document, its .sig manifest and
# index.json rewritten to match: the archive is whole, the signature bad
"$ITEST_PYTHON" - "$TEST_DIR/b.tgz" "$TEST_DIR/bad.tgz" "${IMGS[1]}" <<'PY'
import hashlib, io, json, sys, tarfile
src, dst, subject = sys.argv[1:]
tin = tarfile.open(src)
files = {m.name: tin.extractfile(m).read() for m in tin if m.isfile()}
blobs = "artifacts/layout/blobs/sha256/"
index = json.loads(files["artifacts/layout/index.json"])
def put(data):
    hexd = hashlib.sha256(data).hexdigest()
    files[blobs + hexd] = data
    return "sha256:" + hexd
for e in index["manifests"]:
    a = e.get("annotations", {})
    if a.get("io.cnab-tools.attachment.kind") == "sig" and \
            a.get("io.cnab-tools.attachment.subject") == subject:
        m = json.loads(files[blobs + e["digest"][7:]])
        payload = b"not a payload\n"
        m["layers"][0]["digest"] = put(payload)
        m["layers"][0]["size"] = len(payload)
        raw = json.dumps(m).encode()
        e["digest"], e["size"] = put(raw), len(raw)
files["artifacts/layout/index.json"] = json.dumps(index).encode()
with tarfile.open(dst, "w:gz") as tout:
    for name, data in files.items():
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tout.addfile(info, io.BytesIO(data))
PY
assert_exit 0 "$I" -q --verify -a "$TEST_DIR/bad.tgz"
assert_exit 3 "$I" -q --verify --key "$K/cosign.pub" -a "$TEST_DIR/bad.tgz"
assert_match "$ERR" "^cnab-inspect: invalid signature payload sha256:[0-9a-f]{64} in archive '$TEST_DIR/bad.tgz': not a cosign simple-signing payload$"
assert_exit 0 "$I" "${OPTS[@]}" --verify --key "$K/cosign.pub" \
	-r "$M/air/trip:1.0"
assert_contains "$ERR" "verified signatures of '$M/air/trip:1.0': 3 subjects, 3 signatures"

step "relocate to a third registry"
assert_exit 0 "$R" "${OPTS[@]}" -q -o json "$M/air/trip:1.0" "$D/prod/trip"
assert_eq "$(jq -c '[.invocationImages[], .images[] | .digest]' <<<"$OUT")" \
	"$(jq -cn '$ARGS.positional' --args "${IMGS[@]}")" \
	"the relocated images' digests are the signed ones"
check_hop dst prod/trip "$IDX" "${IMGS[@]}"
assert_exit 0 "$I" "${OPTS[@]}" --verify --key "$K/cosign.pub" \
	-r "$D/prod/trip:1.0"
assert_contains "$ERR" "verified signatures of '$D/prod/trip:1.0': 3 subjects, 3 signatures"

step "a tampered signature at the destination: exit 3"
"${COSIGN[@]}" sign --tamper --key "$K/cosign.key" \
	"$D/prod/trip@${IMGS[1]}" >/dev/null
assert_exit 3 "$I" "${OPTS[@]}" -q --verify --key "$K/cosign.pub" \
	-r "$D/prod/trip:1.0"
assert_contains "$ERR" "(image 'web'): signature 2 of '$D/prod/trip:${IMGS[1]/:/-}.sig' names another image"
assert_exit 0 "$A" "${OPTS[@]}" -q -r "$D/prod/trip:1.0" "$TEST_DIR/c.tgz"
assert_exit 3 "$I" -q --verify --key "$K/cosign.pub" -a "$TEST_DIR/c.tgz"
assert_contains "$ERR" "(image 'web'): signature 2 of '${IMGS[1]/:/-}.sig' in archive '$TEST_DIR/c.tgz' names another image"
assert_contains "$ERR" "cannot verify signatures of '$TEST_DIR/c.tgz': 1 of 3 not verified"
