#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora into testdata/fuzz/NAME/.

Usage: tests/fuzz/mkseeds.py [DIR]   (DIR: testdata/fuzz; deterministic)

Seeds are small files from testdata/, archives made with
tests/tools/mkfixtures.py (the small ones), smaller archives built here with
its helpers and tests/tools/mkhostile.py's attacks on one, and hand-written
inputs (real WWW-Authenticate headers, auth
files, manifests).  Files named crash-* (kept crash inputs) are left alone;
every other file of a seed directory is replaced.
"""
import gzip
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(TOP, "testdata", "fuzz")
MAX_SEED = 64 << 10

spec = importlib.util.spec_from_file_location(
    "mkfixtures", os.path.join(TOP, "tests", "tools", "mkfixtures.py"))
fx = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fx)

H64 = "f" * 64
REF_NAME = "org.opencontainers.image.ref.name"


def read(*path):
    with open(os.path.join(TOP, *path), "rb") as f:
        return f.read()


class Corpus:
    def __init__(self, name):
        self.dir = os.path.join(OUT, name)
        os.makedirs(self.dir, exist_ok=True)
        for f in os.listdir(self.dir):
            if not f.startswith("crash-"):
                os.unlink(os.path.join(self.dir, f))

    def add(self, name, data):
        if isinstance(data, str):
            data = data.encode()
        assert len(data) <= MAX_SEED, name
        assert re.fullmatch(r"[A-Za-z0-9._-]+", name), name
        with open(os.path.join(self.dir, name), "wb") as f:
            f.write(data)


def expand(field):
    """A table field as tests/unit/test-reference.c reads it."""
    if field == '""':
        return ""

    def rep(m):
        unit, _, times = m.group(1).rpartition("*")
        return unit * int(times)
    return re.sub(r"\{\{(.*?)\}\}", rep, field)


def reference():
    c = Corpus("reference")
    for table in ("normalize", "parse", "canonical"):
        rows = [line.split("\t")[0] for line in
                read("testdata", "reference", table + ".tsv")
                .decode().splitlines()
                if line and not line.startswith("#")]
        # every sixth row (every other of the short canonical table):
        # a few dozen inputs across the sections
        for i, row in enumerate(rows):
            if i % (2 if table == "canonical" else 6) == 0:
                c.add("%s-%03d" % (table, i), expand(row))
    c.add("tag-digest", "localhost:5000/a/b:v1.2@sha256:" + H64)
    c.add("sha512", "r.example/x@sha512:" + "a" * 128)
    c.add("loopback", "127.0.0.1:5000/app:1")
    c.add("ipv6", "[::1]:5000/app:1")
    c.add("bare-digest", "sha256:" + H64)


def bundles(tmp):
    c = Corpus("bundle")
    for f in ("101.01-bundle.json", "101.02-bundle.json",
              "101.03-bundle.json"):
        c.add("spec-" + f, read("testdata", "vectors", "cnab-spec", f))
    c.add("helloworld.canonical.json",
          read("testdata", "vectors", "cnab-to-oci",
               "helloworld.canonical.json"))
    for f in sorted(os.listdir(tmp)):
        if f.endswith(".json") and f != "mapping.json" and \
                f != "bad-mapping.json":
            c.add("fixture-" + f, read(tmp, f))
    b = json.loads(read(tmp, "bundle.json"))
    b["invocationImages"][0]["size"] = 1e300
    b["custom"] = {"n": [1e-7, 123456789012345678901234567890, -0.0,
                         "\u2028\ud83d\ude00<&>"]}
    c.add("numbers.json", json.dumps(b))
    b = json.loads(read(tmp, "bundle.json"))
    b["images"] = {"z": {"image": "x", "imageType": "file"},
                   "\u00e9": {"image": "a/b:1"}}
    c.add("image-types.json", json.dumps(b, ensure_ascii=False))
    return c


def porter():
    c = Corpus("porter")
    c.add("kube-example.porter.yaml",
          read("testdata", "kube-example.porter.yaml"))
    c.add("spring-music.porter.yaml",
          read("testdata", "spring-music.porter.yaml"))
    # Porter v1: its test bundles mybuns and myenv, the create template
    v1 = ("testdata", "porter-v1", "manifests")
    c.add("v1-mybuns.yaml", read(*v1, "tests/testdata/mybuns/porter.yaml"))
    c.add("v1-myenv.yaml", read(*v1, "tests/testdata/myenv/porter.yaml"))
    c.add("v1-create.yaml",
          read(*v1, "pkg/templates/templates/create/porter.yaml"))
    c.add("v1-wordpressv2.yaml",
          read(*v1, "build/testdata/bundles/wordpressv2-interface/"
               "porter.yaml"))
    c.add("images.yaml", """\
name: app
version: 0.1.0
description: "An app"
tag: localhost:5000/acme/app:v0.1.0
images:
  web:
    repository: nginx
    tag: "1.25"
    description: front
  db:
    repository: docker.io/library/postgres
    digest: sha256:%s
    imageType: docker
""" % H64)
    c.add("invocation.yaml", """\
name: app
version: 1.0.0
tag: ghcr.io/acme/app
invocationImage: ghcr.io/acme/app-installer:1.0.0
""")
    c.add("flow.yaml", "{name: a, version: '1', tag: a/b:1, "
          "images: {x: {repository: r, tag: t}}}\n")
    c.add("anchors.yaml", """\
name: &n app
version: *n
tag: acme/app:1
images:
  a: &img {repository: acme/a, tag: "1"}
  b: *img
""")
    c.add("malformed.yaml", "name: x\nversion: [1, 2\ntag: y\n")
    c.add("no-tag.yaml", "name: x\nversion: 1.0.0\n")
    c.add("digest-tag.yaml", "name: x\nversion: 1\ntag: a/b@sha256:%s\n"
          % H64)
    c.add("documents.yaml", "---\nname: x\nversion: 1\ntag: a:1\n...\n"
          "---\nname: y\n")
    # the caps on nesting (64 levels: at and past it, flow and block
    # styles), anchors and aliases (1024: past it), aliases that would
    # expand to 9^40 nodes, and 64 KiB of "["
    head = "name: x\nversion: 1\ntag: a/b:1\n"
    for n, what in ((63, "deep"), (64, "too-deep")):
        c.add(what + "-flow.yaml", head + "x: " + "[" * n + "]" * n + "\n")
        c.add(what + "-map.yaml", head + "x: " + "{a: " * n + "b" +
              "}" * n + "\n")
        c.add(what + "-block.yaml", head + "x:\n" + "".join(
            " " * i + ("a: b" if i == n else "a:") + "\n"
            for i in range(1, n + 1)))
        c.add(what + "-seq.yaml", head + "x:\n" + "- " * n + "b\n")
    c.add("brackets.yaml", "[" * MAX_SEED)
    c.add("laughs.yaml", head + "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" +
          "".join("a%d: &a%d [%s]\n" % (i, i, ", ".join(["*a%d" % (i - 1)]
                                                        * 9))
                  for i in range(1, 40)))
    c.add("many-anchors.yaml", head + "".join("k%d: &a%d v\nl%d: *a%d\n"
                                         % (i, i, i, i) for i in range(513)))


def manifests(fixtures):
    c = Corpus("manifest")
    for f in ("helloworld.config-manifest.json", "helloworld.index.json",
              "fallback-config-manifest.json"):
        c.add(f, read("testdata", "vectors", "cnab-to-oci", f))
    inv, web = fixtures
    c.add("docker-manifest.json", inv.manifest)
    c.add("oci-manifest.json", web.manifest)
    c.add("docker-list.json", fx.compact({
        "schemaVersion": 2, "mediaType": fx.DOCKER_MANIFEST.replace(
            "manifest.v2", "manifest.list.v2"),
        "manifests": [dict(inv.descriptor(), platform={
            "architecture": "amd64", "os": "linux"})]}))
    c.add("oci-index.json", fx.compact({
        "schemaVersion": 2, "mediaType": fx.OCI_INDEX,
        "manifests": [inv.descriptor("a/b:1"), web.descriptor()],
        "annotations": {"io.cnab.runtime_version": "v1.2.0"}}))
    c.add("no-media-type.json", fx.compact({
        "schemaVersion": 2, "manifests": [web.descriptor()]}))
    c.add("bad-digest.json", fx.compact({
        "schemaVersion": 2, "config": {"mediaType": fx.OCI_CONFIG,
                                       "digest": "sha256:XYZ", "size": -1},
        "layers": []}))


def challenge():
    c = Corpus("challenge")
    headers = [
        # Docker Hub, GHCR, Harbor, GCR, Quay, ECR, ACR, distribution
        'Bearer realm="https://auth.docker.io/token",'
        'service="registry.docker.io",scope="repository:library/ubuntu:pull"',
        'Bearer realm="https://auth.docker.io/token",'
        'service="registry.docker.io",'
        'scope="repository:samalba/my-app:pull,push",'
        'error="insufficient_scope"',
        'Bearer realm="https://ghcr.io/token",service="ghcr.io",'
        'scope="repository:user/image:pull"',
        'Bearer realm="https://demo.goharbor.io/service/token",'
        'service="harbor-registry"',
        'Bearer realm="https://gcr.io/v2/token",service="gcr.io"',
        'Bearer realm="https://quay.io/v2/auth",service="quay.io"',
        'Basic realm="https://123456789012.dkr.ecr.us-east-1.amazonaws.com/",'
        'service="ecr.amazonaws.com"',
        'Bearer realm="https://myregistry.azurecr.io/oauth2/token",'
        'service="myregistry.azurecr.io"',
        'Basic realm="Registry Realm"',
        'Basic realm="Azure Container Registry"',
        # the syntax's corners
        '  basic\trealm=x  ',
        'Basic realm="a \\"quoted\\" \\\\ name"',
        'Basic realm="r", Bearer realm="https://a.example/t",scope="a b"',
        'Newauth realm="apps", type=1, title="Login to \\"apps\\"", '
        'Basic realm="simple"',
        'Negotiate, Basic realm="b"',
        'Negotiate YWJjZGVm==, Bearer realm="https://a.example/t"',
        'Digest realm="r", nonce="n", qop="auth"',
        'Bearer realm="ftp://a.example/t", Basic realm="b"',
        'Bearer realm="https://a.example/t",realm="https://b.example/"',
        'Basic realm="unterminated',
    ]
    for i, h in enumerate(headers):
        c.add("header-%02d" % i, h)
    tokens = [
        '{"token":"abc.def.ghi","access_token":"abc.def.ghi",'
        '"expires_in":300,"issued_at":"2023-06-01T12:00:00Z"}',
        '{"access_token":"x","expires_in":30,"refresh_token":"r"}',
        '{"token":"","access_token":"y","expires_in":1e20}',
        '{"token":null,"expires_in":-5}',
        '{"token":"has space"}',
        '["token"]',
    ]
    for i, t in enumerate(tokens):
        c.add("token-%02d.json" % i, t)


def authfile():
    c = Corpus("authfile")
    host = "registry.example.com:5000"
    files = {
        "docker": {"auths": {
            host: {"auth": "dXNlcjpwYXNzd29yZA=="},
            "https://index.docker.io/v1/": {
                "auth": "aHViOmh1YnB3", "email": "a@example.com"}}},
        "userpass": {"auths": {host: {"username": "u",
                                       "password": "p"}}},
        "identitytoken": {"auths": {"https://" + host: {
            "auth": "", "identitytoken": "id-token"}}},
        "keys": {"auths": {"http://" + host + "/v1/": {"username": "a"},
                           "index.docker.io": {"username": "b"},
                           "registry-1.docker.io": {}}},
        "podman": {"auths": {"registry.example.com:5000/ns": {
            "auth": "dTpw"}, "docker.io/library": {"auth": "dTpw"}}},
        "credsstore": {"credsStore": "desktop", "auths": {host: {}}},
        "credhelpers": {"credHelpers": {host: "ecr-login",
                                        "docker.io": "pass"},
                        "auths": {host: {"auth": "dTpw"}}},
        "nulls": {"auths": None, "credHelpers": None, "credsStore": ""},
        "other": {"psFormat": "table", "HttpHeaders": {"a": "b"},
                  "auths": {"other.example": 5}},
    }
    for name, obj in files.items():
        c.add(name + ".json", json.dumps(obj, indent="\t"))
    c.add("empty", "")
    c.add("bad-base64.json", '{"auths":{"%s":{"auth":"!!!="}}}' % host)
    c.add("no-colon.json", '{"auths":{"%s":{"auth":"dXNlcg=="}}}' % host)
    c.add("malformed.json", '{"auths":{"%s":{"auth":"dTpw"' % host)
    c.add("array.json", '["x"]')


def jsons(tmp):
    c = Corpus("json")
    d = os.path.join("testdata", "json", "rfc8785", "input")
    for f in sorted(os.listdir(os.path.join(TOP, d))):
        c.add("rfc8785-" + f, read(d, f))
    for f in ("101.01-bundle.json", "103.01-relocation-mapping.json",
              "definitions.schema.json"):
        c.add("spec-" + f, read("testdata", "vectors", "cnab-spec", f))
    c.add("mapping.json", read(tmp, "mapping.json"))
    nums = [line.split(",")[1] for line in
            read("testdata", "json", "numbers.txt").decode().splitlines()
            if "," in line][:40]
    c.add("numbers.json", "[" + ",".join(nums) + "]")
    c.add("integers.json", "[0,-0,9007199254740993,-9223372036854775808,"
          "9223372036854775807,18446744073709551616,1E400,5e-324]")
    c.add("strings.json", json.dumps(["\u0001\u001f\"\\/\u007f",
                                      "\u2028\u2029<>&", "\U0001f600",
                                      "\ue000", "\u00e9"]))
    c.add("deep.json", "[" * 64 + "]" * 64)
    c.add("too-deep.json", "[" * 65 + "]" * 65)
    c.add("keys.json", '{"\\ud83d\\ude00":1,"\\ue000":2,"a":3,"":4,'
          '"\\u0080":{"b":[],"a":{}}}')
    c.add("scalar.json", '"just a string"')
    c.add("nul.json", '["a\\u0000b"]')


def mini_archives(c):
    """Small archives with tiny layers, so mutations reach the layout."""
    inv = fx.Image(11, docker=True, nlayers=1, size=16)
    web = fx.Image(12, docker=False, nlayers=2, size=16)
    images = [(None, "example.com/fixture/installer:1.0.0", inv),
              ("web", "example.com/fixture/web:2.1", web)]
    bundle = fx.canonical(fx.make_bundle(images))
    ents = [("bundle.json", bundle)] + fx.layout_entries(
        images, lambda ref, img: [ref])
    tmp = tempfile.mkdtemp()
    fx.write_tgz(os.path.join(tmp, "a"), ents, gz=False)
    c.add("mini.tar", read(tmp, "a"))
    fx.write_tgz(os.path.join(tmp, "a"), ents)
    c.add("mini.tgz", read(tmp, "a"))
    # tests/tools/mkhostile.py's attacks on it, the small ones
    hostile = os.path.join(tmp, "hostile")
    subprocess.run([sys.executable, os.path.join(
        TOP, "tests", "tools", "mkhostile.py"), os.path.join(tmp, "a"),
        hostile], check=True)
    for f in sorted(os.listdir(hostile)):
        if os.path.getsize(os.path.join(hostile, f)) < MAX_SEED:
            c.add("hostile-" + f, read(hostile, f))
    shutil.rmtree(hostile)
    thin = fx.compact(fx.make_bundle(images, fill=False))
    fx.write_tgz(os.path.join(tmp, "a"), fx.layout_entries(
        images, lambda ref, img: [ref]) + [("bundle.json", thin)], gz=False)
    c.add("mini-bundle-last.tar", read(tmp, "a"))
    # an index of an index of ... deeper than the walk follows
    blobs = dict(inv.blobs)
    top = inv.descriptor()
    for _ in range(6):
        idx = fx.compact({"schemaVersion": 2, "mediaType": fx.OCI_INDEX,
                          "manifests": [top]})
        blobs[fx.sha(idx)] = idx
        top = {"mediaType": fx.OCI_INDEX, "digest": fx.sha(idx),
               "size": len(idx)}
    b = fx.make_bundle([(None, "example.com/deep:1", inv)])
    b["invocationImages"][0].update(contentDigest=top["digest"],
                                    size=top["size"],
                                    mediaType=fx.OCI_INDEX)
    index = {"schemaVersion": 2, "manifests": [
        dict(top, annotations={REF_NAME: "example.com/deep:1"})]}
    ents = [("bundle.json", fx.canonical(b)),
            ("artifacts/layout/oci-layout",
             fx.compact({"imageLayoutVersion": "1.0.0"})),
            ("artifacts/layout/index.json", fx.compact(index))]
    ents += [("artifacts/layout/blobs/sha256/" + d[7:], blobs[d])
             for d in sorted(blobs)]
    fx.write_tgz(os.path.join(tmp, "a"), ents, gz=False)
    c.add("deep-index.tar", read(tmp, "a"))
    # cut in the middle of the blobs
    c.add("short-blob.tar", read(tmp, "a")[:4096])
    gz = gzip.compress(b"\0" * (1 << 20), mtime=0)
    c.add("zeros.tgz", gz)
    shutil.rmtree(tmp)
    return inv, web


def archives(tmp):
    c = Corpus("archive")
    for f in sorted(os.listdir(tmp)):
        if (f.endswith(".tgz") or f.endswith(".tar")) and \
                os.path.getsize(os.path.join(tmp, f)) < MAX_SEED:
            c.add("fixture-" + f, read(tmp, f))
    return mini_archives(c)


def main():
    global OUT
    if len(sys.argv) > 1:
        OUT = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, os.path.join(
            TOP, "tests", "tools", "mkfixtures.py"), tmp], check=True)
        reference()
        bundles(tmp)
        porter()
        challenge()
        authfile()
        jsons(tmp)
        manifests(archives(tmp))


if __name__ == "__main__":
    main()
