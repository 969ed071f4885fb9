#!/usr/bin/env python3
"""Makes thick bundle archives for the CLI tests, deterministically.

Usage: mkfixtures.py DIR

Images are built by hand (config, layers of seeded pseudo-random bytes,
manifest) so their digests are the same on every run and golden outputs can
name them.  Three archive styles are made, as DESIGN 3.4 describes them:
  cnab.tgz     bundle.json first, relocation-mapping.json, layout with
               original and relocated ref names (cnab-archive's layout)
  porter.tgz   Porter v1: "./" names, bundle.json last, ref names are the
               relocated references, relocation-mapping.json
  cnabgo.tgz   cnab-go: ref names are the original references, no mapping
plus broken and hostile variants, and bundle files with bad content.
"""
import gzip
import hashlib
import io
import json
import os
import random
import sys
import tarfile

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def compact(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def canonical(obj):
    # enough of RFC 8785 for these ASCII documents with integer numbers
    return json.dumps(obj, separators=(",", ":"), sort_keys=True,
                      ensure_ascii=False).encode()


class Image:
    """One single-platform image: blobs by digest, and its manifest."""

    def __init__(self, seed, docker, nlayers=2, size=3000):
        rnd = random.Random(seed)
        self.blobs = {}
        layers = []
        for _ in range(nlayers):
            data = rnd.randbytes(size)
            self.blobs[sha(data)] = data
            layers.append({"mediaType": DOCKER_LAYER if docker else OCI_LAYER,
                           "digest": sha(data), "size": len(data)})
        config = compact({"architecture": "amd64", "os": "linux",
                          "rootfs": {"type": "layers", "diff_ids": [
                              l["digest"] for l in layers]}})
        self.blobs[sha(config)] = config
        manifest = {"schemaVersion": 2}
        if docker:
            manifest["mediaType"] = DOCKER_MANIFEST
        manifest["config"] = {"mediaType": DOCKER_CONFIG if docker
                              else OCI_CONFIG, "digest": sha(config),
                              "size": len(config)}
        manifest["layers"] = layers
        self.manifest = compact(manifest)
        self.blobs[sha(self.manifest)] = self.manifest
        self.media_type = DOCKER_MANIFEST if docker else OCI_MANIFEST
        self.digest = sha(self.manifest)
        self.size = len(self.manifest)

    def descriptor(self, ref_name=None):
        d = {"mediaType": self.media_type, "digest": self.digest,
             "size": self.size}
        if ref_name:
            d["annotations"] = {"org.opencontainers.image.ref.name": ref_name}
        return d


def repo_of(ref):
    """The repository part of a reference (drops :tag and @digest)."""
    name = ref.split("@")[0]
    slash = name.rfind("/")
    colon = name.rfind(":")
    return name[:colon] if colon > slash else name


def make_bundle(images, fill=True):
    """images: list of (name or None, ref, Image)."""
    b = {"schemaVersion": "v1.2.0", "name": "fixture",
         "version": "1.0.0",
         "description": "A bundle for the CLI tests",
         "invocationImages": [], "images": {},
         "custom": {"com.example.kept": {"unknown": [1, 2.5, "x"]}}}
    for name, ref, img in images:
        o = {"imageType": "oci" if name else "docker", "image": ref}
        if fill:
            o.update(contentDigest=img.digest, size=img.size,
                     mediaType=img.media_type)
        if name:
            o["description"] = "component " + name
            b["images"][name] = o
        else:
            b["invocationImages"].append(o)
    if not b["images"]:
        del b["images"]
    return b


def add(tar, name, data, kind=tarfile.REGTYPE, link=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    info.mtime = 0
    info.linkname = link
    if kind == tarfile.REGTYPE:
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    else:
        tar.addfile(info)


def write_tgz(path, entries, gz=True):
    """entries: list of (name, data) or (name, None, kind, link)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        for e in entries:
            if len(e) == 2:
                add(t, e[0], e[1])
            else:
                add(t, e[0], e[1] or b"", e[2], e[3])
    data = raw.getvalue()
    if gz:
        data = gzip.compress(data, mtime=0)
    with open(path, "wb") as f:
        f.write(data)


def layout_entries(images, names, prefix=""):
    """The layout under artifacts/layout: names maps ref -> list of ref
    names to annotate."""
    index = {"schemaVersion": 2, "manifests": []}
    blobs = {}
    for _, ref, img in images:
        for n in names(ref, img):
            index["manifests"].append(img.descriptor(n))
        blobs.update(img.blobs)
    p = prefix + "artifacts/layout/"
    out = [(p + "oci-layout", compact({"imageLayoutVersion": "1.0.0"})),
           (p + "index.json", compact(index))]
    for d in sorted(blobs):
        out.append((p + "blobs/sha256/" + d[7:], blobs[d]))
    return out


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    inv = Image(1, docker=True)
    web = Image(2, docker=False, nlayers=3)
    db = Image(3, docker=True, nlayers=1)
    images = [(None, "example.com/fixture/installer:1.0.0", inv),
              ("web", "example.com/fixture/web:2.1", web),
              ("db", "docker.io/library/postgres@" + db.digest, db)]
    bundle = make_bundle(images)
    bjson = canonical(bundle)
    pinned = {ref: repo_of(ref) + "@" + img.digest
              for _, ref, img in images}
    relocated = {ref: "registry.example.com/acme/fixture@" + img.digest
                 for _, ref, img in images}

    def P(path, data):
        with open(os.path.join(out, path), "wb") as f:
            f.write(data)

    # bundle files
    P("bundle.json", bjson)
    P("pretty.json", json.dumps(bundle, indent=2).encode() + b"\n")
    P("mapping.json", compact(relocated))

    # cnab-archive style
    def both(ref, img):
        return [ref] + ([pinned[ref]] if pinned[ref] != ref else [])
    cnab = [("bundle.json", bjson),
            ("relocation-mapping.json", canonical(pinned))]
    cnab += layout_entries(images, both)
    write_tgz(os.path.join(out, "cnab.tgz"), cnab)
    write_tgz(os.path.join(out, "cnab.tar"), cnab, gz=False)

    # Porter v1 style: ./ names, relocated ref names, bundle.json last
    porter = [("./", None, tarfile.DIRTYPE, "")]
    porter += [("./" + n, d) for n, d in layout_entries(
        images, lambda ref, img: [relocated[ref]])]
    porter += [("./relocation-mapping.json", compact(relocated)),
               ("./bundle.json", json.dumps(bundle, indent=2).encode())]
    write_tgz(os.path.join(out, "porter.tgz"), porter)

    # cnab-go style: original ref names, bundle without digests, no mapping
    thin = make_bundle(images, fill=False)
    cnabgo = [("bundle.json", compact(thin))]
    cnabgo += layout_entries(images, lambda ref, img: [ref])
    write_tgz(os.path.join(out, "cnabgo.tgz"), cnabgo)

    # a layout that lies about a pinned image: the ref-name annotation
    # says "postgres@<db's digest>", the descriptor is another image's
    # (cnab-go style: the bundle has no contentDigest that would tell)
    evil = Image(4, docker=True, nlayers=1)
    lie = [(ref if img is not db else None, img) for _, ref, img in images]
    lie_index = {"schemaVersion": 2, "manifests": [
        img.descriptor(ref) if ref else evil.descriptor(
            "docker.io/library/postgres@" + db.digest)
        for ref, img in lie]}
    lie_blobs = dict(inv.blobs, **web.blobs, **evil.blobs)
    write_tgz(os.path.join(out, "pin-lie.tgz"), [
        ("bundle.json", compact(thin)),
        ("artifacts/layout/oci-layout",
         compact({"imageLayoutVersion": "1.0.0"})),
        ("artifacts/layout/index.json", compact(lie_index))] +
        [("artifacts/layout/blobs/sha256/" + d[7:], lie_blobs[d])
         for d in sorted(lie_blobs)])

    # damaged archives
    data = open(os.path.join(out, "cnab.tgz"), "rb").read()
    P("truncated.tgz", data[:len(data) // 2])
    write_tgz(os.path.join(out, "no-bundle.tgz"), cnab[1:])
    tampered = []
    for name, d in cnab:
        if name.endswith(web.manifest and json.loads(web.manifest)[
                "layers"][0]["digest"][7:]):
            d = d[:-1] + bytes([d[-1] ^ 1])
        tampered.append((name, d))
    write_tgz(os.path.join(out, "tampered.tgz"), tampered)
    missing = [e for e in cnab if not e[0].endswith(db.digest[7:])]
    write_tgz(os.path.join(out, "missing-image.tgz"), missing)
    layer = json.loads(web.manifest)["layers"][1]["digest"][7:]
    write_tgz(os.path.join(out, "missing-layer.tgz"),
              [e for e in cnab if not e[0].endswith(layer)])
    write_tgz(os.path.join(out, "bad-bundle.tgz"),
              [("bundle.json", b"{\"name\": ")] + cnab[1:])
    write_tgz(os.path.join(out, "bad-blob-name.tgz"),
              cnab + [("artifacts/layout/blobs/sha256/xyz", b"x")])

    # unsafe entries (each after a good bundle.json)
    first = [cnab[0]]
    hostile = {
        "dotdot": [("../evil", b"x")],
        "absolute": [("/etc/evil", b"x")],
        "symlink": [("artifacts", None, tarfile.SYMTYPE, "/etc")],
        "hardlink": [("evil", None, tarfile.LNKTYPE, "bundle.json")],
        "device": [("dev", None, tarfile.CHRTYPE, "")],
        "fifo": [("fifo", None, tarfile.FIFOTYPE, "")],
        "duplicate": [("bundle.json", b"{}")],
    }
    for name, ents in hostile.items():
        write_tgz(os.path.join(out, "unsafe-%s.tgz" % name), first + ents)

    # bundle documents with bad content
    P("malformed.json", b"{\"name\": \"x\",\n \"version\": }\n")
    for field in ("schemaVersion", "name", "version", "invocationImages"):
        b = dict(bundle)
        del b[field]
        P("no-%s.json" % field, compact(b))
    b = json.loads(bjson)
    b["invocationImages"][0]["image"] = "Example.com/UPPER/Case:1"
    P("bad-ref.json", compact(b))
    b["invocationImages"][0]["image"] = "example.com/x:bad tag"
    P("bad-tag.json", compact(b))
    P("malformed.yaml", b"name: x\nversion: [1, 2\ntag: y\n")
    P("no-tag.yaml", b"name: x\nversion: 1.0.0\n")
    P("bad-mapping.json", compact({"a/b:1": "Not A Ref"}))
    # digest pins that cannot hold: an algorithm the reference grammar
    # allows but that is not verified (sha384), and a reference pinned to
    # one digest with a contentDigest of another
    b = json.loads(bjson)
    b["images"]["db"]["image"] = "docker.io/library/postgres@sha384:" + \
        hashlib.sha384(b"db").hexdigest()
    del b["images"]["db"]["contentDigest"]
    P("sha384.json", compact(b))
    b = json.loads(bjson)
    b["images"]["db"]["contentDigest"] = inv.digest
    P("pin-conflict.json", compact(b))


if __name__ == "__main__":
    main()
