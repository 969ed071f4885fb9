#!/usr/bin/env python3
"""A server that accepts connections and never answers (stdlib only), for
the timeout tests.

  silent-server.py --port-file F [--tls CERT KEY [--client-ca CA]] [--log L]

Listens on 127.0.0.1 (a free port, written to --port-file once listening),
accepts every connection and holds it open, reading and discarding what
the client sends, without ever writing a byte.  With --tls it completes
the TLS handshake first (so the client waits in the exchange, not in the
handshake); with --client-ca it demands a client certificate CA signs.
Each connection is logged ("accept", "handshake").  Runs
until SIGTERM.
"""
import argparse
import os
import signal
import socket
import ssl
import sys
import threading
import time


def hold(conn, ctx, log):
    try:
        if ctx is not None:
            try:
                conn = ctx.wrap_socket(conn, server_side=True,
                                       do_handshake_on_connect=False)
                conn.do_handshake()
            except (OSError, ssl.SSLError) as e:
                # the alert is sent: hold the socket a while, so that
                # the client reads it rather than a reset
                log("handshake failed: %s" % e)
                time.sleep(2)
                return
            log("handshake")
        while conn.recv(65536):
            pass
    except (OSError, ssl.SSLError):
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--client-ca")
    ap.add_argument("--log")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    lock = threading.Lock()

    def log(what):
        if args.log:
            with lock, open(args.log, "a") as f:
                f.write(what + "\n")

    ctx = None
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        if args.client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(args.client_ca)
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.rename(args.port_file + ".tmp", args.port_file)
    while True:
        conn, _ = srv.accept()
        log("accept")
        threading.Thread(target=hold, args=(conn, ctx, log),
                         daemon=True).start()


if __name__ == "__main__":
    main()
