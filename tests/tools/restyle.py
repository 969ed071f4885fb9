#!/usr/bin/env python3
"""Rewrites a thick bundle archive, for tests.

Usage: restyle.py IN.tgz OUT.tgz [--style cnab|porter|cnabgo]
                  [--corrupt DIGEST] [--drop DIGEST] [--no-mapping]

  --style porter   as Porter v1 writes archives: "./" names and a "./"
                   entry, bundle.json last, index.json ref names are the
                   relocated references (porter.example.com/acme/bundle@D),
                   with a relocation-mapping.json saying so
  --style cnabgo   as cnab-go writes them: ref names are the original
                   references, no mapping, and bundle.json without the
                   images' size and mediaType
  --corrupt D      flip one byte in the middle of blob D
  --drop D         leave blob D out
"""
import argparse
import gzip
import io
import json
import tarfile


def entries(path):
    with tarfile.open(path, "r:*") as t:
        for m in t.getmembers():
            data = t.extractfile(m).read() if m.isfile() else None
            yield m.name, data


def write(path, items):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data in items:
            info = tarfile.TarInfo(name)
            info.mtime = 0
            if data is None:
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                t.addfile(info)
            else:
                info.mode = 0o644
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
    with open(path, "wb") as f:
        f.write(gzip.compress(raw.getvalue(), mtime=0))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--style", default="cnab")
    ap.add_argument("--corrupt", action="append", default=[])
    ap.add_argument("--drop", action="append", default=[])
    a = ap.parse_args()
    items = []
    for name, data in entries(a.src):
        base = name.rsplit("/", 1)[-1]
        if any(base == d.split(":")[-1] for d in a.drop):
            continue
        if data and any(base == d.split(":")[-1] for d in a.corrupt):
            mid = len(data) // 2
            data = data[:mid] + bytes([data[mid] ^ 0x55]) + data[mid + 1:]
        items.append((name, data))
    files = dict(items)
    if a.style == "porter":
        bundle = json.loads(files["bundle.json"])
        index = json.loads(files["artifacts/layout/index.json"])
        mapping, seen = {}, set()
        imgs = list(bundle["invocationImages"]) + \
            list(bundle.get("images", {}).values())
        manifests = []
        for img in imgs:
            reloc = "porter.example.com/acme/bundle@" + img["contentDigest"]
            mapping[img["image"]] = reloc
            if reloc in seen:
                continue
            seen.add(reloc)
            d = next(m for m in index["manifests"]
                     if m["digest"] == img["contentDigest"])
            d = dict(d, annotations={
                "org.opencontainers.image.ref.name": reloc})
            manifests.append(d)
        index["manifests"] = manifests
        out = [("./", None)]
        for name, data in items:
            if name in ("bundle.json", "relocation-mapping.json"):
                continue
            if name == "artifacts/layout/index.json":
                data = json.dumps(index).encode()
            out.append(("./" + name, data))
        out.append(("./relocation-mapping.json",
                    json.dumps(mapping, indent=2).encode()))
        out.append(("./bundle.json", files["bundle.json"]))
        items = out
    elif a.style == "cnabgo":
        bundle = json.loads(files["bundle.json"])
        for img in list(bundle["invocationImages"]) + \
                list(bundle.get("images", {}).values()):
            img.pop("size", None)
            img.pop("mediaType", None)
        index = json.loads(files["artifacts/layout/index.json"])
        index["manifests"] = [
            m for m in index["manifests"]
            if "@" not in m["annotations"][
                "org.opencontainers.image.ref.name"] or
            m["annotations"]["org.opencontainers.image.ref.name"] in
            [i["image"] for i in bundle["invocationImages"]] +
            [i["image"] for i in bundle.get("images", {}).values()]]
        out = []
        for name, data in items:
            if name == "relocation-mapping.json":
                continue
            if name == "bundle.json":
                data = json.dumps(bundle, sort_keys=True).encode()
            if name == "artifacts/layout/index.json":
                data = json.dumps(index).encode()
            out.append((name, data))
        items = out
    write(a.dst, items)


if __name__ == "__main__":
    main()
