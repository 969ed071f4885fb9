#!/usr/bin/env python3
"""Makes hostile thick bundle archives, for tests.

Usage: mkhostile.py GOOD.tgz DIR

From a good archive (cnab-archive's), writes to DIR one archive per attack,
each a good archive's entries with the attack added or swapped in:
dotdot, absolute, symlink, symlink-out, hardlink, hardlink-out, device,
fifo, duplicate, mismatch, missing-blob, bomb, huge-header, many-entries,
big-bundle, deep-json, bad-utf8.
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile
import zlib


def members(path):
    out = []
    with tarfile.open(path, "r:*") as t:
        for m in t.getmembers():
            out.append((m.name, t.extractfile(m).read() if m.isfile() else None))
    return out


def info(name, kind=tarfile.REGTYPE, size=0, link=""):
    i = tarfile.TarInfo(name)
    i.type = kind
    i.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    i.mtime = 0
    i.size = size
    i.linkname = link
    return i


class Zeros(io.RawIOBase):
    """size zero bytes, without holding them."""

    def __init__(self, size):
        self.left = size

    def readable(self):
        return True

    def readinto(self, b):
        n = min(len(b), self.left)
        b[:n] = bytes(n)
        self.left -= n
        return n


def write(path, entries, gz=True):
    """entries: (name, data) or (TarInfo, fileobj or None)."""
    raw = open(path + ".tar", "wb")
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as t:
        for a, b in entries:
            if isinstance(a, tarfile.TarInfo):
                t.addfile(a, b)
            elif b is None:
                t.addfile(info(a, tarfile.DIRTYPE))
            else:
                t.addfile(info(a, size=len(b)), io.BytesIO(b))
    raw.close()
    if gz:
        with open(path + ".tar", "rb") as f, open(path, "wb") as out:
            z = zlib.compressobj(9, zlib.DEFLATED, 31)
            while True:
                chunk = f.read(1 << 20)
                if not chunk:
                    break
                out.write(z.compress(chunk))
            out.write(z.flush())
        os.unlink(path + ".tar")
    else:
        os.rename(path + ".tar", path)


def main():
    good, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    ents = members(good)
    first = ents[0]  # bundle.json
    rest = ents[1:]
    blobs = [e for e in ents if "/blobs/sha256/" in e[0] and e[1]]
    big = max(blobs, key=lambda e: len(e[1]))

    def P(name, entries, gz=True):
        write(os.path.join(out, name + ".tgz"), entries, gz)

    P("dotdot", ents + [("../../evil", b"x")])
    P("absolute", ents + [("/tmp/evil", b"x")])
    P("symlink", [first, (info("artifacts", tarfile.SYMTYPE,
                                link="/etc"), None)] + rest)
    P("symlink-out", ents + [(info("artifacts/layout/blobs/sha256/x",
                                   tarfile.SYMTYPE, link="../../../../etc/passwd"),
                              None)])
    P("hardlink", ents + [(info("evil", tarfile.LNKTYPE, link="bundle.json"),
                           None)])
    P("hardlink-out", ents + [(info("evil", tarfile.LNKTYPE,
                                    link="../../etc/passwd"), None)])
    dev = info("artifacts/dev", tarfile.CHRTYPE)
    dev.devmajor, dev.devminor = 1, 3
    P("device", ents + [(dev, None)])
    P("fifo", ents + [(info("artifacts/fifo", tarfile.FIFOTYPE), None)])
    P("duplicate", ents + [("bundle.json", first[1].replace(b'"1"', b'"2"'))])
    P("mismatch", [(n, d[:-1] + bytes([d[-1] ^ 1]) if (n, d) == big else d)
                   for n, d in ents])
    P("missing-blob", [e for e in ents if e != big])
    # a gzip bomb: 300 MB of zeros named by their digest
    h = hashlib.sha256()
    left = 300 << 20
    while left:
        n = min(left, 1 << 20)
        h.update(bytes(n))
        left -= n
    name = "artifacts/layout/blobs/sha256/" + h.hexdigest()
    P("bomb", ents + [(info(name, size=300 << 20), Zeros(300 << 20))])
    # a header claiming a terabyte, then the end of the stream
    hdr = info("artifacts/layout/blobs/sha256/" + "a" * 64,
               size=1 << 40).tobuf(tarfile.GNU_FORMAT)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as t:
        for n, d in ents:
            if d is None:
                t.addfile(info(n, tarfile.DIRTYPE))
            else:
                t.addfile(info(n, size=len(d)), io.BytesIO(d))
    data = raw.getvalue().rstrip(b"\0")
    data += b"\0" * (-len(data) % 512) + hdr + b"x" * 4096
    with open(os.path.join(out, "huge-header.tgz"), "wb") as f:
        f.write(gzip.compress(data, mtime=0))
    # 100,000 tiny entries
    P("many-entries", ents + [("artifacts/junk/%06d" % i, b"")
                              for i in range(100000)])
    # a bundle.json of 100 MB
    huge = b'{"name":"x","pad":"' + b"a" * (100 << 20) + b'"}'
    P("big-bundle", [("bundle.json", huge)] + rest)
    # deeply nested JSON
    deep = b'{"schemaVersion":"v1","name":"x","version":"1","x":' + \
        b"[" * 100000 + b"]" * 100000 + b"}"
    P("deep-json", [("bundle.json", deep)] + rest)
    # malformed UTF-8 in a name
    bad = info("artifacts/\udcff\udcfebad")
    P("bad-utf8", ents + [(bad, io.BytesIO(b""))])


if __name__ == "__main__":
    main()
