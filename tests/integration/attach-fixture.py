#!/usr/bin/env python3
"""Pushes attachment fixtures to a plain-HTTP registry (no auth), for the
attachment tests (issue 16).  Not cosign's crypto (tests/integration/
cosign.py makes real signatures): objects of cosign's and OCI 1.1's shapes.

Usage:
  attach-fixture.py cosign URL REPO SUBJECT KIND [TEXT]
      a cosign-shaped manifest (a simple-signing payload layer, an
      annotation dev.cosignproject.cosign/signature) under the tag
      sha256-<hex>.KIND (KIND sig, att or sbom); prints its digest
  attach-fixture.py referrer URL REPO SUBJECT ARTIFACT_TYPE [TEXT]
      an OCI 1.1 manifest whose subject is SUBJECT, listed (merged) in
      the fallback index at tag sha256-<hex>; prints its digest
  attach-fixture.py list-missing URL REPO SUBJECT
      a referrer of SUBJECT listed in its fallback index, then deleted
      from the registry (which must allow deletes); prints its digest
  attach-fixture.py list-foreign URL REPO SUBJECT OTHER
      a referrer of OTHER (another manifest of REPO) listed in the
      fallback index of SUBJECT, as a hostile registry could; prints its
      digest
SUBJECT is "sha256:<hex>" (its descriptor is read from the registry).
"""
import hashlib
import json
import sys
import urllib.error
import urllib.request

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
ACCEPT = ", ".join([OCI_MANIFEST, OCI_INDEX,
                    "application/vnd.docker.distribution.manifest.v2+json",
                    "application/vnd.docker.distribution.manifest.list.v2+json"])


def req(method, url, data=None, headers=None):
    r = urllib.request.Request(url, data=data, method=method,
                               headers=headers or {})
    return urllib.request.urlopen(r)


def push_blob(base, repo, data):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    try:
        req("HEAD", f"{base}/v2/{repo}/blobs/{d}")
        return d
    except urllib.error.HTTPError as e:
        if e.code != 404:
            raise
    loc = req("POST", f"{base}/v2/{repo}/blobs/uploads/").headers["Location"]
    if loc.startswith("/"):
        loc = base + loc
    sep = "&" if "?" in loc else "?"
    req("PUT", f"{loc}{sep}digest={d}", data,
        {"Content-Type": "application/octet-stream"})
    return d


def push_manifest(base, repo, ref, body, mt):
    req("PUT", f"{base}/v2/{repo}/manifests/{ref}", body, {"Content-Type": mt})
    return "sha256:" + hashlib.sha256(body).hexdigest()


def get_manifest(base, repo, ref):
    try:
        r = req("GET", f"{base}/v2/{repo}/manifests/{ref}",
                headers={"Accept": ACCEPT})
        return r.read(), r.headers.get("Content-Type")
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return None, None
        raise


def subject_desc(base, repo, subject):
    body, mt = get_manifest(base, repo, subject)
    if body is None:
        sys.exit(f"attach-fixture: no manifest {subject} in {repo}")
    return {"mediaType": mt, "digest": subject, "size": len(body)}


def tag_of(subject, suffix=""):
    return subject.replace(":", "-") + suffix


def encode(doc):
    return json.dumps(doc, separators=(",", ":")).encode()


def cosign(base, repo, subject, kind, text):
    payload = encode({"critical": {
        "identity": {"docker-reference": f"{repo}"},
        "image": {"docker-manifest-digest": subject},
        "type": "cosign container image signature"},
        "optional": {"text": text}})
    layer = {"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json",
             "digest": push_blob(base, repo, payload), "size": len(payload),
             "annotations": {"dev.cosignproject.cosign/signature":
                             "MEUCIQ" + hashlib.sha256(payload).hexdigest()}}
    if kind == "att":
        layer["mediaType"] = "application/vnd.dsse.envelope.v1+json"
    if kind == "sbom":
        layer["mediaType"] = "text/spdx+json"
    config = encode({"architecture": "", "os": "", "config": {},
                     "rootfs": {"type": "layers", "diff_ids": [
                         "sha256:" + hashlib.sha256(payload).hexdigest()]}})
    man = encode({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                  "config": {"mediaType":
                             "application/vnd.oci.image.config.v1+json",
                             "digest": push_blob(base, repo, config),
                             "size": len(config)},
                  "layers": [layer]})
    return push_manifest(base, repo, tag_of(subject, "." + kind), man,
                         OCI_MANIFEST)


def add_to_fallback(base, repo, subject, desc):
    tag = tag_of(subject)
    body, _ = get_manifest(base, repo, tag)
    idx = json.loads(body) if body else {
        "schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []}
    idx["manifests"] = [m for m in idx.get("manifests") or []
                        if m["digest"] != desc["digest"]] + [desc]
    push_manifest(base, repo, tag, encode(idx), OCI_INDEX)


def referrer(base, repo, subject, artifact_type, text, listed_under=None):
    empty = b"{}"
    data = encode({"text": text})
    man = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
           "artifactType": artifact_type,
           "config": {"mediaType": "application/vnd.oci.empty.v1+json",
                      "digest": push_blob(base, repo, empty), "size": 2},
           "layers": [{"mediaType": artifact_type,
                       "digest": push_blob(base, repo, data),
                       "size": len(data)}],
           "subject": subject_desc(base, repo, subject),
           "annotations": {"org.opencontainers.image.created":
                           "2026-12-04T00:00:00Z"}}
    body = encode(man)
    d = push_manifest(base, repo, "sha256:" + hashlib.sha256(body).hexdigest(),
                      body, OCI_MANIFEST)
    add_to_fallback(base, repo, listed_under or subject, {
        "mediaType": OCI_MANIFEST, "digest": d, "size": len(body),
        "annotations": man["annotations"], "artifactType": artifact_type})
    return d


def list_missing(base, repo, subject):
    # Distribution refuses an index naming a manifest it lacks: a
    # referrer is listed, then deleted (the registry's storage.delete)
    d = referrer(base, repo, subject, "application/example", "gone")
    req("DELETE", f"{base}/v2/{repo}/manifests/{d}")
    return d


def main():
    cmd, base, repo, subject = sys.argv[1:5]
    rest = sys.argv[5:]
    if cmd == "cosign":
        print(cosign(base, repo, subject, rest[0],
                     rest[1] if len(rest) > 1 else "x"))
    elif cmd == "referrer":
        print(referrer(base, repo, subject, rest[0],
                       rest[1] if len(rest) > 1 else "x"))
    elif cmd == "list-missing":
        print(list_missing(base, repo, subject))
    elif cmd == "list-foreign":
        print(referrer(base, repo, rest[0], "application/example",
                       "foreign", listed_under=subject))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
