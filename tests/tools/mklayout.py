#!/usr/bin/env python3
"""Writes an OCI image layout of big random images, for the benchmark.

Usage: mklayout.py DIR TOTAL_BYTES [IMAGES] [LAYERS]

IMAGES images (default 3) with LAYERS layers in all (default 40), layer
sizes varied, TOTAL_BYTES of incompressible layer data in all.  Each image
is named img0..imgN-1 (ref-name annotation "imgN:1").  Layers are random
bytes under the gzip layer media type: nobody unpacks them.
"""
import hashlib
import json
import os
import random
import sys


def put(blobs, data):
    d = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, d), "wb") as f:
        f.write(data)
    return "sha256:" + d


def main():
    out, total = sys.argv[1], int(sys.argv[2])
    nimg = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    nlayers = int(sys.argv[4]) if len(sys.argv) > 4 else 40
    blobs = os.path.join(out, "blobs", "sha256")
    os.makedirs(blobs, exist_ok=True)
    rnd = random.Random(7)
    weights = [rnd.uniform(0.2, 1.8) for _ in range(nlayers)]
    sizes = [int(total * w / sum(weights)) for w in weights]
    index = {"schemaVersion": 2, "manifests": []}
    per = [nlayers // nimg + (1 if i < nlayers % nimg else 0)
           for i in range(nimg)]
    k = 0
    for i in range(nimg):
        layers = []
        for _ in range(per[i]):
            size = sizes[k]
            k += 1
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
            layers.append({
                "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                "digest": "sha256:" + h.hexdigest(), "size": size})
        config = json.dumps({"architecture": "amd64", "os": "linux",
                             "rootfs": {"type": "layers", "diff_ids": [
                                 l["digest"] for l in layers]}}).encode()
        manifest = json.dumps({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": put(blobs, config), "size": len(config)},
            "layers": layers}).encode()
        index["manifests"].append({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": put(blobs, manifest), "size": len(manifest),
            "annotations": {"org.opencontainers.image.ref.name":
                            "img%d:1" % i}})
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump(index, f)
    with open(os.path.join(out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)


if __name__ == "__main__":
    main()
