#!/usr/bin/env python3
"""Writes the next release of a layout mklayout.py wrote, for delta tests.

Usage: mkrelease.py OLD_DIR NEW_DIR CHANGED

NEW_DIR gets every image of OLD_DIR (same ref names), with CHANGED layers
replaced by new random ones of the same size (the last layer of image 0,
of image 1, ..., round robin); the configs and manifests of the images
that changed are written anew, every other blob is copied (hard-linked
where it can be).
"""
import hashlib
import json
import os
import shutil
import sys


def put(blobs, data):
    d = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, d), "wb") as f:
        f.write(data)
    return "sha256:" + d


def random_blob(blobs, size):
    h = hashlib.sha256()
    tmp = os.path.join(blobs, "tmp")
    with open(tmp, "wb") as f:
        left = size
        while left:
            chunk = os.urandom(min(left, 1 << 22))
            h.update(chunk)
            f.write(chunk)
            left -= len(chunk)
    os.rename(tmp, os.path.join(blobs, h.hexdigest()))
    return "sha256:" + h.hexdigest()


def main():
    old, new, changed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    oblobs = os.path.join(old, "blobs", "sha256")
    blobs = os.path.join(new, "blobs", "sha256")
    os.makedirs(blobs, exist_ok=True)
    for name in os.listdir(oblobs):
        try:
            os.link(os.path.join(oblobs, name), os.path.join(blobs, name))
        except OSError:
            shutil.copyfile(os.path.join(oblobs, name),
                            os.path.join(blobs, name))
    index = json.load(open(os.path.join(old, "index.json")))
    manifests = []
    for desc in index["manifests"]:
        d = desc["digest"].split(":")[1]
        manifests.append(json.load(open(os.path.join(oblobs, d))))
    for k in range(changed):
        m = manifests[k % len(manifests)]
        pos = len(m["layers"]) - 1 - k // len(manifests)
        layer = m["layers"][pos]
        layer["digest"] = random_blob(blobs, layer["size"])
    for desc, m in zip(index["manifests"], manifests):
        config = json.dumps({"architecture": "amd64", "os": "linux",
                             "rootfs": {"type": "layers", "diff_ids": [
                                 l["digest"] for l in m["layers"]]}}).encode()
        m["config"]["digest"] = put(blobs, config)
        m["config"]["size"] = len(config)
        data = json.dumps(m).encode()
        desc["digest"] = put(blobs, data)
        desc["size"] = len(data)
    with open(os.path.join(new, "index.json"), "w") as f:
        json.dump(index, f)
    with open(os.path.join(new, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)


if __name__ == "__main__":
    main()
