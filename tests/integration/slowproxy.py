#!/usr/bin/env python3
"""A throttling TCP proxy for the integration tests (stdlib only).

Listens on 127.0.0.1 (a free port unless --port), forwards every
connection to --backend HOST:PORT byte for byte (TLS passes through
untouched), and limits the bandwidth of each direction, so that a test can
kill or pause the registry behind it in the middle of a transfer.

  slowproxy.py --backend 127.0.0.1:5000 --rate-down 1000000 \
      --port-file F --log L

--rate-down: bytes/s from the backend to the client (downloads), per
connection; --rate-up: client to backend (uploads); 0 = unlimited.
Each connection is logged (open, bytes each way, close).

SIGUSR1 resets every open connection at once (RST to the client, data
in flight dropped): what a registry crash does to a transfer, even when
the kernel had already buffered the rest of the response.
"""

import argparse
import asyncio
import os
import signal
import socket
import struct
import sys
import time

CHUNK = 16 * 1024


class Log:
    def __init__(self, path):
        self.f = open(path, "a", encoding="utf-8") if path else sys.stderr

    def __call__(self, msg):
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.f.write("%s %s\n" % (stamp, msg))
        self.f.flush()


async def pump(reader, writer, rate, counter):
    """Copy reader to writer at most `rate` bytes/s (0: as fast as possible).
    Returns "eof" when the reader ended cleanly, "error" otherwise."""
    start = time.monotonic()
    sent = 0
    how = "eof"
    try:
        while True:
            data = await reader.read(CHUNK if rate == 0 else min(CHUNK, max(1, rate // 10)))
            if not data:
                break
            writer.write(data)
            await writer.drain()
            sent += len(data)
            counter[0] += len(data)
            if rate:
                ahead = sent / rate - (time.monotonic() - start)
                if ahead > 0:
                    await asyncio.sleep(ahead)
    except (ConnectionError, OSError):
        how = "error"
    finally:
        try:
            if writer.can_write_eof():
                writer.write_eof()
        except (OSError, RuntimeError):
            pass
    return how


OPEN = set()  # (client writer, backend writer) of the open connections


def cut_all(log):
    n = 0
    for pair in list(OPEN):
        for w in pair:
            sock = w.get_extra_info("socket")
            try:
                if sock is not None:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                    struct.pack("ii", 1, 0))
            except OSError:
                pass
            w.transport.abort()
        n += 1
    OPEN.clear()
    log("SIGUSR1: cut %d connection(s)" % n)


async def handle(client_r, client_w, args, log, ids):
    ids[0] += 1
    cid = ids[0]
    host, port = args.backend.rsplit(":", 1)
    try:
        back_r, back_w = await asyncio.open_connection(host, int(port))
    except OSError as e:
        log("conn %d: backend %s: %s" % (cid, args.backend, e))
        client_w.close()
        return
    log("conn %d: open" % cid)
    pair = (client_w, back_w)
    OPEN.add(pair)
    up, down = [0], [0]
    t1 = asyncio.ensure_future(pump(client_r, back_w, args.rate_up, up))
    t2 = asyncio.ensure_future(pump(back_r, client_w, args.rate_down, down))
    # The backend's side ending (it closed, died, or the client went away
    # while we wrote to it) ends the connection; the client half-closing
    # its side lets the backend's answer finish.
    await asyncio.wait({t1, t2}, return_when=asyncio.FIRST_COMPLETED)
    if not t2.done() and t1.result() == "eof":
        await asyncio.wait({t2})
    for t in (t1, t2):
        t.cancel()
    OPEN.discard(pair)
    for w in (back_w, client_w):
        try:
            w.close()
        except OSError:
            pass
    log("conn %d: closed, up %d bytes, down %d bytes" % (cid, up[0], down[0]))


async def main_async(args, log):
    ids = [0]
    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, cut_all, log)
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, args, log, ids), args.addr, args.port)
    port = server.sockets[0].getsockname()[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w", encoding="ascii") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    log("listening on %s:%d -> %s, down %d B/s, up %d B/s (pid %d)" % (
        args.addr, port, args.backend, args.rate_down, args.rate_up, os.getpid()))
    async with server:
        await server.serve_forever()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--backend", required=True, help="HOST:PORT")
    p.add_argument("--addr", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--log")
    p.add_argument("--rate-down", type=int, default=0)
    p.add_argument("--rate-up", type=int, default=0)
    args = p.parse_args()
    try:
        asyncio.run(main_async(args, Log(args.log)))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
