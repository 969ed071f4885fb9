#!/usr/bin/python3
"""cosign.py: cosign-style keys, signatures and attachments for the tests.

Debian's skopeo is built without sigstore and cosign is not packaged, so
the tests make what cosign would make with this helper (Debian's
python3-cryptography and python3-nacl; run it with $ITEST_PYTHON).

  keygen DIR [--password PW]
      DIR/cosign.key: an "ENCRYPTED SIGSTORE PRIVATE KEY" PEM whose body is
      the JSON of go-securesystemslib's encrypted package (kdf scrypt
      N=65536 r=8 p=1, cipher nacl/secretbox, base64 fields) around the
      PKCS #8 DER of an ECDSA P-256 key; DIR/cosign.pub: its PKIX PEM.
  pubkey KEY [--password PW]
      loads KEY back (decrypts it) and prints its public key as PKIX PEM
      (any key type: cosign's own test keys include Ed25519 ones).
  sign [REG] --key KEY HOST/REPO@sha256:HEX...
      for each image, the simple-signing payload as a layer of the manifest tagged
      sha256-HEX.sig (appended to the layers of one already there, as
      cosign does), the signature in its dev.cosignproject.cosign/signature
      annotation.  --claim DIGEST or --tamper: the payload names another
      digest (signed all the same); --bad-signature: the signature is over
      other bytes.  --payload-out F, --signature-out F: what was pushed
      (for the last image).
  attach-sbom [REG] HOST/REPO@sha256:HEX
  attach-attestation [REG] [--key KEY] HOST/REPO@sha256:HEX
      an OCI 1.1 artifact manifest whose subject is the image (an SPDX
      document; an in-toto statement in a DSSE envelope, signed with KEY
      when given), pushed by digest, and the tag schema fallback: the index
      tagged sha256-HEX, merged with the one there, never dropping an
      entry.  Prints the artifact manifest's digest.  With --cosign-tag,
      cosign's tag scheme instead: the document as a layer (text/spdx+json;
      the DSSE envelope with a predicateType annotation) appended to the
      manifest tagged sha256-HEX.sbom or sha256-HEX.att, whose digest is
      printed.
  fixtures DIR
      the unit tests' inputs (testdata/cosign/, see its README).

REG: --ca FILE (HTTPS with this CA; default plain HTTP), --user USER:PASS
(Basic, or for a Bearer challenge the token issuer's credentials).
The password defaults to $COSIGN_PASSWORD, else empty.
"""

import argparse
import base64
import hashlib
import json
import os
import re
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request

import nacl.exceptions
import nacl.secret
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

PEM_TYPE = "ENCRYPTED SIGSTORE PRIVATE KEY"
PEM_TYPES = (PEM_TYPE, "ENCRYPTED COSIGN PRIVATE KEY")
SCRYPT_N, SCRYPT_R, SCRYPT_P = 65536, 8, 1

SIMPLESIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
SIG_ANNOTATION = "dev.cosignproject.cosign/signature"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"
SPDX = "application/spdx+json"
DSSE = "application/vnd.dsse.envelope.v1+json"
INTOTO = "application/vnd.in-toto+json"
MANIFEST_ACCEPT = ", ".join([
    OCI_MANIFEST, OCI_INDEX,
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json"])


def die(msg):
    sys.stderr.write("cosign.py: %s\n" % msg)
    sys.exit(1)


def b64(data):
    return base64.b64encode(data).decode()


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def password(args):
    if args.password is not None:
        return args.password.encode()
    return os.environ.get("COSIGN_PASSWORD", "").encode()


# ---------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------

def scrypt_key(pw, salt, n, r, p):
    return Scrypt(salt=salt, length=nacl.secret.SecretBox.KEY_SIZE, n=n, r=r,
                  p=p).derive(pw)


def pem_wrap(kind, der):
    text = base64.encodebytes(der).decode().replace("\n", "")
    lines = [text[i:i + 64] for i in range(0, len(text), 64)]
    return "-----BEGIN %s-----\n%s\n-----END %s-----\n" % (
        kind, "\n".join(lines), kind)


def pem_unwrap(text):
    lines = text.strip().splitlines()
    if len(lines) < 2 or not lines[0].startswith("-----BEGIN ") \
            or not lines[-1].startswith("-----END "):
        raise ValueError("not a PEM block")
    kind = lines[0][len("-----BEGIN "):].rstrip("-")
    return kind, base64.b64decode("".join(lines[1:-1]))


def encrypt_private(priv, pw):
    der = priv.private_bytes(serialization.Encoding.DER,
                             serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
    salt = os.urandom(32)
    box = nacl.secret.SecretBox(scrypt_key(pw, salt, SCRYPT_N, SCRYPT_R,
                                           SCRYPT_P))
    nonce = os.urandom(nacl.secret.SecretBox.NONCE_SIZE)
    sealed = box.encrypt(der, nonce).ciphertext
    doc = {
        "kdf": {"name": "scrypt",
                "params": {"N": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P},
                "salt": b64(salt)},
        "cipher": {"name": "nacl/secretbox", "nonce": b64(nonce)},
        "ciphertext": b64(sealed),
    }
    return pem_wrap(PEM_TYPE, json.dumps(doc, separators=(",", ":")).encode())


def decrypt_private(text, pw):
    kind, body = pem_unwrap(text)
    if kind not in PEM_TYPES:
        raise ValueError("PEM type '%s' is not a cosign key" % kind)
    doc = json.loads(body)
    kdf, cipher = doc["kdf"], doc["cipher"]
    if kdf["name"] != "scrypt" or cipher["name"] != "nacl/secretbox":
        raise ValueError("unknown kdf or cipher")
    prm = kdf["params"]
    key = scrypt_key(pw, base64.b64decode(kdf["salt"]), prm["N"], prm["r"],
                     prm["p"])
    try:
        der = nacl.secret.SecretBox(key).decrypt(
            base64.b64decode(doc["ciphertext"]),
            base64.b64decode(cipher["nonce"]))
    except nacl.exceptions.CryptoError:
        raise ValueError("wrong password or damaged key")
    return serialization.load_der_private_key(der, None)


def public_pem(priv):
    return priv.public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_key(path, args, any_type=False):
    with open(path) as f:
        text = f.read()
    try:
        priv = decrypt_private(text, password(args))
    except (ValueError, KeyError) as e:
        die("cannot load key '%s': %s" % (path, e))
    if not any_type and not isinstance(priv, ec.EllipticCurvePrivateKey):
        die("cannot load key '%s': not an ECDSA key" % path)
    return priv


def cmd_keygen(args):
    os.makedirs(args.dir, exist_ok=True)
    priv = ec.generate_private_key(ec.SECP256R1())
    keyfile = os.path.join(args.dir, "cosign.key")
    with open(os.open(keyfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
              "w") as f:
        f.write(encrypt_private(priv, password(args)))
    with open(os.path.join(args.dir, "cosign.pub"), "w") as f:
        f.write(public_pem(priv))


def cmd_pubkey(args):
    sys.stdout.write(public_pem(load_key(args.key, args, any_type=True)))


def sign_bytes(priv, data):
    return priv.sign(data, ec.ECDSA(hashes.SHA256()))


# ---------------------------------------------------------------------------
# Payloads
# ---------------------------------------------------------------------------

def simple_signing(docker_ref, digest):
    """The payload cosign signs, compact as Go's encoding/json writes it."""
    doc = {
        "critical": {
            "identity": {"docker-reference": docker_ref},
            "image": {"docker-manifest-digest": digest},
            "type": "cosign container image signature",
        },
        "optional": None,
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def dsse_pae(ptype, payload):
    t = ptype.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


# ---------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------

class Registry:
    def __init__(self, host, ca, user):
        self.host = host
        self.scheme = "https" if ca else "http"
        self.ctx = ssl.create_default_context(cafile=ca) if ca else None
        self.user = user
        self.token = None

    def _basic(self):
        return "Basic " + b64(self.user.encode())

    def _fetch_token(self, challenge):
        # key="value" pairs; a scope's value holds commas ("pull,push")
        params = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
        query = {"service": params.get("service", "")}
        if "scope" in params:
            query["scope"] = params["scope"]
        url = params["realm"] + "?" + urllib.parse.urlencode(query)
        req = urllib.request.Request(url)
        if self.user:
            req.add_header("Authorization", self._basic())
        with urllib.request.urlopen(req, context=self.ctx, timeout=30) as r:
            doc = json.load(r)
        self.token = doc.get("token") or doc.get("access_token")

    def request(self, method, path, data=None, headers=None, ok=(200,)):
        """(status, headers, body); statuses outside ok (and not 404 for
        GET/HEAD) are fatal."""
        url = path if path.startswith("http") else \
            "%s://%s%s" % (self.scheme, self.host, path)
        for attempt in (1, 2):
            req = urllib.request.Request(url, data=data, method=method)
            for k, v in (headers or {}).items():
                req.add_header(k, v)
            if self.token:
                req.add_header("Authorization", "Bearer " + self.token)
            elif self.user:
                req.add_header("Authorization", self._basic())
            try:
                with urllib.request.urlopen(req, context=self.ctx,
                                            timeout=30) as r:
                    return r.status, r.headers, r.read()
            except urllib.error.HTTPError as e:
                body = e.read()
                chal = e.headers.get("WWW-Authenticate", "")
                if e.code == 401 and attempt == 1 and \
                        chal.startswith("Bearer "):
                    self._fetch_token(chal)
                    continue
                if e.code in ok or (e.code == 404 and method in
                                    ("GET", "HEAD")):
                    return e.code, e.headers, body
                die("%s %s: %d %s" % (method, url, e.code,
                                      body.decode(errors="replace")[:300]))
        die("%s %s: still unauthorized" % (method, url))

    def push_blob(self, repo, data):
        digest = sha256(data)
        st, _, _ = self.request("HEAD", "/v2/%s/blobs/%s" % (repo, digest))
        if st == 200:
            return digest
        st, hdr, _ = self.request("POST", "/v2/%s/blobs/uploads/" % repo,
                                  data=b"", ok=(202,))
        loc = hdr["Location"]
        if loc.startswith("/"):
            loc = "%s://%s%s" % (self.scheme, self.host, loc)
        loc += ("&" if "?" in loc else "?") + "digest=" + digest
        self.request("PUT", loc, data=data, ok=(201,),
                     headers={"Content-Type": "application/octet-stream"})
        return digest

    def get_manifest(self, repo, ref):
        """(bytes, media type) or (None, None) when absent."""
        st, hdr, body = self.request(
            "GET", "/v2/%s/manifests/%s" % (repo, ref),
            headers={"Accept": MANIFEST_ACCEPT})
        if st == 404:
            return None, None
        return body, hdr.get("Content-Type")

    def put_manifest(self, repo, ref, data, media_type):
        self.request("PUT", "/v2/%s/manifests/%s" % (repo, ref), data=data,
                     headers={"Content-Type": media_type}, ok=(201,))
        return sha256(data)


def parse_target(ref):
    name, sep, digest = ref.partition("@")
    host, slash, repo = name.partition("/")
    if not sep or not slash or not digest.startswith("sha256:") \
            or len(digest) != 71:
        die("'%s' is not HOST/REPO@sha256:HEX" % ref)
    return host, repo, digest


def registry_for(args):
    host, repo, digest = parse_target(args.ref)
    return Registry(host, args.ca, args.user), repo, digest


def descriptor(reg, repo, digest):
    """The subject's descriptor, as the registry serves it."""
    body, mt = reg.get_manifest(repo, digest)
    if body is None:
        die("no manifest '%s' in '%s/%s'" % (digest, reg.host, repo))
    if sha256(body) != digest:
        die("the registry served another digest for '%s'" % digest)
    return {"mediaType": mt, "digest": digest, "size": len(body)}


def compact(doc):
    return json.dumps(doc, separators=(",", ":")).encode()


# ---------------------------------------------------------------------------
# sign
# ---------------------------------------------------------------------------

def sig_config(layers):
    return compact({
        "architecture": "", "created": "0001-01-01T00:00:00Z",
        "history": [{"created": "0001-01-01T00:00:00Z"}], "os": "",
        "rootfs": {"type": "layers",
                   "diff_ids": [layer["digest"] for layer in layers]},
        "config": {}})


def append_tagged(reg, repo, tag, layer):
    """The cosign tag scheme: layer appended to the manifest at tag (made
    when absent), its config listing the layers as cosign's does."""
    old, _ = reg.get_manifest(repo, tag)
    layers = json.loads(old)["layers"] if old else []
    if layer not in layers:
        layers.append(layer)
    config = sig_config(layers)
    manifest = {
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "size": len(config),
                   "digest": reg.push_blob(repo, config)},
        "layers": layers,
    }
    return reg.put_manifest(repo, tag, compact(manifest), OCI_MANIFEST)


def cmd_sign(args):
    priv = load_key(args.key, args)
    for ref in args.refs:
        sign_one(args, priv, ref)


def sign_one(args, priv, ref):
    host, repo, digest = parse_target(ref)
    reg = Registry(host, args.ca, args.user)
    claim = digest
    if args.tamper:
        claim = sha256(b"not the image " + digest.encode())
    if args.claim:
        claim = args.claim
    payload = simple_signing("%s/%s" % (reg.host, repo), claim)
    signed = payload + b" " if args.bad_signature else payload
    sig = b64(sign_bytes(priv, signed))
    layer = {"mediaType": SIMPLESIGNING, "size": len(payload),
             "digest": reg.push_blob(repo, payload),
             "annotations": {SIG_ANNOTATION: sig}}
    d = append_tagged(reg, repo, digest.replace(":", "-") + ".sig", layer)
    if args.payload_out:
        with open(args.payload_out, "wb") as f:
            f.write(payload)
    if args.signature_out:
        with open(args.signature_out, "w") as f:
            f.write(sig)
    print(d)


# ---------------------------------------------------------------------------
# attach-sbom, attach-attestation
# ---------------------------------------------------------------------------

def attach(args, artifact_type, layer_type, content, suffix, annotations):
    reg, repo, digest = registry_for(args)
    if args.cosign_tag:
        # cosign attach sbom / cosign attest: tag sha256-HEX.SUFFIX
        layer = {"mediaType": layer_type, "size": len(content),
                 "digest": reg.push_blob(repo, content)}
        if annotations:
            layer["annotations"] = annotations
        print(append_tagged(reg, repo,
                            digest.replace(":", "-") + "." + suffix, layer))
        return
    subject = descriptor(reg, repo, digest)
    empty = b"{}"
    manifest = {
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "artifactType": artifact_type,
        "config": {"mediaType": OCI_EMPTY, "size": len(empty),
                   "digest": reg.push_blob(repo, empty)},
        "layers": [{"mediaType": layer_type, "size": len(content),
                    "digest": reg.push_blob(repo, content)}],
        "subject": subject,
        "annotations": {"org.opencontainers.image.created":
                        "2026-12-04T00:00:00Z"},
    }
    data = compact(manifest)
    d = sha256(data)
    reg.put_manifest(repo, d, data, OCI_MANIFEST)
    # the tag schema fallback (Distribution 2.8 has no referrers API)
    entry = {"mediaType": OCI_MANIFEST, "digest": d, "size": len(data),
             "artifactType": artifact_type,
             "annotations": manifest["annotations"]}
    tag = digest.replace(":", "-")
    old, _ = reg.get_manifest(repo, tag)
    index = json.loads(old) if old else \
        {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []}
    if all(m["digest"] != d for m in index["manifests"]):
        index["manifests"].append(entry)
    reg.put_manifest(repo, tag, compact(index), OCI_INDEX)
    print(d)


def cmd_attach_sbom(args):
    _, _, digest = parse_target(args.ref)
    sbom = {"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0",
            "SPDXID": "SPDXRef-DOCUMENT", "name": args.ref,
            "documentNamespace": "https://example.invalid/spdx/" + digest,
            "creationInfo": {"created": "2026-12-04T00:00:00Z",
                             "creators": ["Tool: cnab-tools-tests"]},
            "packages": [{"SPDXID": "SPDXRef-image", "name": "image",
                          "downloadLocation": "NOASSERTION"}]}
    if args.cosign_tag:
        attach(args, None, "text/spdx+json", compact(sbom), "sbom", None)
    else:
        attach(args, SPDX, SPDX, compact(sbom), None, None)


def cmd_attach_attestation(args):
    host, repo, digest = parse_target(args.ref)
    statement = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "%s/%s" % (host, repo),
                     "digest": {"sha256": digest[len("sha256:"):]}}],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {"buildDefinition": {"buildType": "test"}},
    }
    payload = compact(statement)
    sigs = []
    if args.key:
        priv = load_key(args.key, args)
        sigs.append({"keyid": "",
                     "sig": b64(sign_bytes(priv, dsse_pae(INTOTO, payload)))})
    envelope = {"payloadType": INTOTO, "payload": b64(payload),
                "signatures": sigs}
    attach(args, INTOTO, DSSE, compact(envelope), "att",
           {"predicateType": statement["predicateType"]})


# ---------------------------------------------------------------------------
# fixtures for tests/unit/test-cosign.c
# ---------------------------------------------------------------------------

def cmd_fixtures(args):
    d = args.dir
    os.makedirs(d, exist_ok=True)

    def put(name, data):
        with open(os.path.join(d, name), "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())

    priv = ec.generate_private_key(ec.SECP256R1())
    other = ec.generate_private_key(ec.SECP256R1())
    subject = sha256(b"cnab-tools cosign fixture subject")
    put("subject.txt", subject + "\n")
    put("cosign.key", encrypt_private(priv, b"fixture"))
    put("cosign.pub", public_pem(priv))
    put("other.pub", public_pem(other))
    p384 = ec.generate_private_key(ec.SECP384R1())
    put("p384.pub", public_pem(p384))
    put("rsa.pub", public_pem(rsa.generate_private_key(65537, 2048)))
    pub = public_pem(priv)
    put("truncated.pub", pub[:len(pub) // 2])
    put("garbage.pub", "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n"
        "-----END PUBLIC KEY-----\n")

    payload = simple_signing("registry.example/app", subject)
    put("payload.json", payload)
    put("good.sig", b64(sign_bytes(priv, payload)))
    put("other-key.sig", b64(sign_bytes(other, payload)))
    put("bad.sig", b64(sign_bytes(priv, payload + b" ")))
    put("malformed.sig", "MEUCIQ*not base64*")
    wrong = simple_signing("registry.example/app",
                           sha256(b"another image"))
    put("wrong-digest.json", wrong)
    put("wrong-digest.sig", b64(sign_bytes(priv, wrong)))
    notjson = b"this is not a simple-signing payload"
    put("not-json.json", notjson)
    put("not-json.sig", b64(sign_bytes(priv, notjson)))
    # self-checks: what C must accept is accepted here too
    pk = serialization.load_pem_public_key(pub.encode())
    pk.verify(base64.b64decode(open(os.path.join(d, "good.sig")).read()),
              payload, ec.ECDSA(hashes.SHA256()))
    try:
        pk.verify(base64.b64decode(open(os.path.join(d, "bad.sig")).read()),
                  payload, ec.ECDSA(hashes.SHA256()))
        die("bad.sig verifies")
    except InvalidSignature:
        pass
    back = decrypt_private(open(os.path.join(d, "cosign.key")).read(),
                           b"fixture")
    if public_pem(back) != pub:
        die("cosign.key does not load back")


# ---------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description="cosign-style test helper")
    sub = ap.add_subparsers(dest="cmd", required=True)

    def reg_opts(p):
        p.add_argument("--ca", help="HTTPS with this CA (default HTTP)")
        p.add_argument("--user", help="USER:PASS")
        p.add_argument("ref", help="HOST/REPO@sha256:HEX")

    p = sub.add_parser("keygen")
    p.add_argument("dir")
    p.add_argument("--password")
    p.set_defaults(fn=cmd_keygen)

    p = sub.add_parser("pubkey")
    p.add_argument("key")
    p.add_argument("--password")
    p.set_defaults(fn=cmd_pubkey)

    p = sub.add_parser("sign")
    p.add_argument("--ca", help="HTTPS with this CA (default HTTP)")
    p.add_argument("--user", help="USER:PASS")
    p.add_argument("refs", nargs="+", metavar="ref",
                   help="HOST/REPO@sha256:HEX")
    p.add_argument("--key", required=True)
    p.add_argument("--password")
    p.add_argument("--claim", help="the digest the payload names")
    p.add_argument("--tamper", action="store_true",
                   help="the payload names another digest")
    p.add_argument("--bad-signature", action="store_true")
    p.add_argument("--payload-out")
    p.add_argument("--signature-out")
    p.set_defaults(fn=cmd_sign)

    p = sub.add_parser("attach-sbom")
    reg_opts(p)
    p.add_argument("--cosign-tag", action="store_true")
    p.set_defaults(fn=cmd_attach_sbom)

    p = sub.add_parser("attach-attestation")
    reg_opts(p)
    p.add_argument("--cosign-tag", action="store_true")
    p.add_argument("--key")
    p.add_argument("--password")
    p.set_defaults(fn=cmd_attach_attestation)

    p = sub.add_parser("fixtures")
    p.add_argument("dir")
    p.set_defaults(fn=cmd_fixtures)

    args = ap.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
