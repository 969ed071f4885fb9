#!/usr/bin/env python3
"""A throttling TCP proxy for the integration tests (stdlib only).

Listens on 127.0.0.1 (a free port unless --port), forwards every
connection to --backend HOST:PORT byte for byte (TLS passes through
untouched), and limits the bandwidth of each direction, so that a test can
kill or pause the registry behind it in the middle of a transfer; or
delays each direction, so that a loopback registry looks like one across a
WAN (the benchmark).

  slowproxy.py --backend 127.0.0.1:5000 --rate-down 1000000 \
      --port-file F --log L
  slowproxy.py --backend 127.0.0.1:5000 --delay-ms 25 [--connect-rtt] \
      --port-file F

--rate-down: bytes/s from the backend to the client (downloads), per
connection; --rate-up: client to backend (uploads); 0 = unlimited.
Each connection is logged (open, bytes each way, close).

--delay-ms N: every byte, either way, is forwarded N ms after it arrived,
and so is the end of the stream: a request and its answer cost 2 N ms.
The delay is pipelined (each direction is a queue of timestamped chunks,
read on while earlier ones wait), so it costs no bandwidth, as on a real
link.  Each direction holds at most QUEUE_MAX bytes in flight (then it
stops reading, and TCP pushes back).  Connecting costs nothing more,
unless --connect-rtt: then a new connection costs one more round trip
(2 N ms), as a TCP handshake across the link does: what the client sends
first is held until then.

SIGUSR1 resets every open connection at once (RST to the client, data
in flight dropped): what a registry crash does to a transfer, even when
the kernel had already buffered the rest of the response.
"""

import argparse
import asyncio
import collections
import os
import signal
import socket
import struct
import sys
import time

CHUNK = 16 * 1024
QUEUE_MAX = 64 * 1024 * 1024  # bytes in flight per direction (--delay-ms)
BIG_CHUNK = 1024 * 1024  # reads and stream buffers (--delay-ms)


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


async def pump_delayed(reader, writer, delay, rate, counter, not_before=0.0):
    """Copy reader to writer, each chunk (and the end) written `delay`
    seconds after it was read, and not before `not_before` + `delay`;
    reading goes on while chunks wait.  Returns as pump() does."""
    queue = collections.deque()  # (due, bytes); b"" = end, None = error
    arrived = asyncio.Event()
    room = asyncio.Event()
    room.set()
    held = [0]

    async def read_side():
        try:
            while True:
                await room.wait()
                data = await reader.read(BIG_CHUNK)
                queue.append((max(time.monotonic(), not_before) + delay, data))
                arrived.set()
                if not data:
                    return
                held[0] += len(data)
                if held[0] >= QUEUE_MAX:
                    room.clear()
        except (ConnectionError, OSError):
            queue.append((time.monotonic() + delay, None))
            arrived.set()

    feeder = asyncio.ensure_future(read_side())
    start = time.monotonic()
    sent = 0
    how = None
    try:
        while how is None:
            while not queue:
                arrived.clear()
                await arrived.wait()
            wait = queue[0][0] - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            # everything due by now, up to the end; one drain
            parts = []
            now = time.monotonic()
            while queue and queue[0][0] <= now:
                data = queue.popleft()[1]
                if not data:
                    how = "eof" if data == b"" else "error"
                    break
                parts.append(data)
            if not parts:
                continue
            n = 0
            for data in parts:
                writer.write(data)
                n += len(data)
            await writer.drain()
            sent += n
            counter[0] += n
            held[0] -= n
            if held[0] < QUEUE_MAX:
                room.set()
            if rate:
                ahead = sent / rate - (time.monotonic() - start)
                if ahead > 0:
                    await asyncio.sleep(ahead)
    except (ConnectionError, OSError):
        how = "error"
    finally:
        feeder.cancel()
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
    accepted = time.monotonic()
    ids[0] += 1
    cid = ids[0]
    host, port = args.backend.rsplit(":", 1)
    try:
        back_r, back_w = await asyncio.open_connection(
            host, int(port), limit=BIG_CHUNK if args.delay_ms else 2 ** 16)
    except OSError as e:
        log("conn %d: backend %s: %s" % (cid, args.backend, e))
        client_w.close()
        return
    log("conn %d: open" % cid)
    pair = (client_w, back_w)
    OPEN.add(pair)
    up, down = [0], [0]
    if args.delay_ms:
        d = args.delay_ms / 1000
        t1 = asyncio.ensure_future(pump_delayed(
            client_r, back_w, d, args.rate_up, up,
            accepted + 2 * d if args.connect_rtt else 0.0))
        t2 = asyncio.ensure_future(pump_delayed(
            back_r, client_w, d, args.rate_down, down))
    else:
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
        lambda r, w: handle(r, w, args, log, ids), args.addr, args.port,
        limit=BIG_CHUNK if args.delay_ms else 2 ** 16)
    port = server.sockets[0].getsockname()[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w", encoding="ascii") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    log("listening on %s:%d -> %s, down %d B/s, up %d B/s, delay %d ms%s (pid %d)" % (
        args.addr, port, args.backend, args.rate_down, args.rate_up, args.delay_ms,
        ", connect 1 round trip" if args.connect_rtt else "", os.getpid()))
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
    p.add_argument("--delay-ms", type=int, default=0)
    p.add_argument("--connect-rtt", action="store_true")
    args = p.parse_args()
    try:
        asyncio.run(main_async(args, Log(args.log)))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
