#!/usr/bin/env python3
"""Token issuer for the integration tests (Docker registry token auth).

A small stand-in for Docker Hub's auth.docker.io, for Distribution's
`auth: token` mode.  Python standard library only; tokens are signed with
the `openssl` command line tool.

  GET  /token?service=S&scope=repository:NAME:pull,push[&scope=...]
       [&account=A][&offline_token=true]
       HTTP Basic credentials optional: anonymous requests get a token with
       no access (or pull access with --anonymous-pull).
  POST /token   (OAuth2 form, as Docker Hub does)
       grant_type=password&username=U&password=P&service=S&scope=...
       grant_type=refresh_token&refresh_token=R&service=S&scope=...
       [client_id=...][access_type=offline]

Answers {"token", "access_token", "expires_in", "issued_at"} (plus
"refresh_token" for the password grant and for offline_token=true).  The
JWT is RS256, its header carries x5c = [base64 DER of --cert], the
certificate the registry has as `rootcertbundle`.

Users (--user NAME:PASSWORD[:ACTIONS], repeatable; ACTIONS caps what the
user gets: "pull", "pull,push"; "*" or no ACTIONS field: everything asked
for; an empty ACTIONS ("NAME:PASS:"): a token with no access at all):
  testuser:testpass   everything asked for
  pulluser:pullpass   pull only
--pull-only caps everybody at pull.  --refresh-token TOKEN:USER seeds a
refresh token (usable as a docker config.json "identitytoken").

Every request is logged, one line each, to --log (never a password or a
token):  time method path status user=... grant=... scope=... granted=...

--client-ca FILE (with --tls-cert): the TLS server asks every client for a
certificate, optionally; one presented must be signed by a CA of FILE or
the handshake fails.  Each request's log line then ends with
client-cert=SUBJECT (e.g. "/commonName=client_of_reg", blanks as "_") or
client-cert=none, so a test can tell which requests came with one.
"""

import argparse
import base64
import json
import os
import secrets
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 64 * 1024


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class Issuer:
    def __init__(self, args):
        self.args = args
        self.users = {
            "testuser": ("testpass", None),
            "pulluser": ("pullpass", {"pull"}),
        }
        for spec in args.user or []:
            parts = spec.split(":")
            if len(parts) < 2:
                raise SystemExit("token-issuer: bad --user %r" % spec)
            cap = None  # no third field, or "*": everything asked for
            if len(parts) > 2 and parts[2] != "*":
                cap = set(a for a in parts[2].split(",") if a)  # "": nothing
            self.users[parts[0]] = (parts[1], cap)
        self.refresh = {}  # refresh token -> user name
        for spec in args.refresh_token or []:
            tok, _, user = spec.rpartition(":")
            if not tok or user not in self.users:
                raise SystemExit("token-issuer: bad --refresh-token")
            self.refresh[tok] = user
        self.lock = threading.Lock()
        with open(args.cert, "r", encoding="ascii") as f:
            der = ssl.PEM_cert_to_DER_cert(f.read())
        self.x5c = base64.b64encode(der).decode("ascii")
        self.log_file = open(args.log, "a", encoding="utf-8") if args.log else None

    def log(self, line):
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        text = "%s %s\n" % (stamp, line)
        with self.lock:
            if self.log_file:
                self.log_file.write(text)
                self.log_file.flush()
            else:
                sys.stderr.write(text)

    def check_password(self, user, password):
        entry = self.users.get(user)
        return entry is not None and secrets.compare_digest(
            entry[0].encode(), password.encode())

    def new_refresh_token(self, user):
        tok = secrets.token_hex(16)
        with self.lock:
            self.refresh[tok] = user
        return tok

    def refresh_user(self, tok):
        with self.lock:
            return self.refresh.get(tok)

    def allowed(self, user):
        """The set of actions the user may get, None meaning any."""
        if user is None:
            cap = {"pull"} if self.args.anonymous_pull else set()
        else:
            cap = self.users[user][1]
        if self.args.pull_only:
            cap = {"pull"} if cap is None else cap & {"pull"}
        return cap

    def grant(self, user, scopes):
        cap = self.allowed(user)
        access = []
        for scope in scopes:
            # type:name:actions, the name may itself hold colons
            typ, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            if not typ or not name:
                continue
            want = [a for a in actions.split(",") if a]
            if cap is None:
                got = want
            else:
                got = [a for a in want if a in cap or "*" in cap]
            merged = False
            for entry in access:
                if entry["type"] == typ and entry["name"] == name:
                    entry["actions"] += [a for a in got
                                         if a not in entry["actions"]]
                    merged = True
            if not merged:
                access.append({"type": typ, "name": name, "actions": got})
        return access

    def sign(self, user, service, access):
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [self.x5c]}
        claims = {
            "iss": self.args.issuer,
            "sub": user or "",
            "aud": service,
            "exp": now + self.args.expires_in,
            "nbf": now - 10,
            "iat": now,
            "jti": secrets.token_hex(16),
            "access": access,
        }
        signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode())
                         + "." +
                         b64url(json.dumps(claims, separators=(",", ":")).encode()))
        proc = subprocess.run(
            ["openssl", "dgst", "-sha256", "-sign", self.args.key],
            input=signing_input.encode("ascii"), capture_output=True,
            check=False, timeout=60)
        if proc.returncode != 0 or not proc.stdout:
            raise RuntimeError("openssl dgst failed: %s"
                               % proc.stderr.decode(errors="replace"))
        return signing_input + "." + b64url(proc.stdout), now


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cnab-test-token-issuer/1.0"
    issuer = None  # set in main

    def log_message(self, fmt, *args):  # silence the default stderr log
        pass

    def log_request_line(self, line):
        """Logs a request's line, with its client certificate if asked."""
        if self.issuer.args.client_ca:
            cert = None
            if isinstance(self.connection, ssl.SSLSocket):
                cert = self.connection.getpeercert()
            subject = "none"
            if cert:
                subject = "".join("/%s=%s" % (k, v)
                                  for rdn in cert.get("subject", ())
                                  for k, v in rdn)
                subject = "_".join(subject.split()) or "/"
            line += " client-cert=%s" % subject
        self.issuer.log(line)

    def reply(self, status, obj, extra_headers=()):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for k, v in extra_headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def basic_credentials(self):
        """(user, password) from the Authorization header, or None."""
        hdr = self.headers.get("Authorization", "")
        if not hdr.lower().startswith("basic "):
            return None
        try:
            raw = base64.b64decode(hdr[6:].strip(), validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            return ("", "")
        user, _, password = raw.partition(":")
        return (user, password)

    @staticmethod
    def split_scopes(values):
        scopes = []
        for v in values:
            scopes += [s for s in v.split(" ") if s]
        return scopes

    def finish_token(self, logbase, user, service, scopes, refresh=None):
        iss = self.issuer
        if not service:
            service = iss.args.service
        access = iss.grant(user, scopes)
        token, now = iss.sign(user, service, access)
        body = {
            "expires_in": iss.args.expires_in,
            "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        }
        if iss.args.token_field in ("both", "token"):
            body["token"] = token
        if iss.args.token_field in ("both", "access_token"):
            body["access_token"] = token
        if refresh:
            body["refresh_token"] = refresh
        if scopes:
            body["scope"] = " ".join(scopes)
        granted = ";".join("%s:%s:%s" % (a["type"], a["name"], ",".join(a["actions"]))
                           for a in access)
        self.reply(200, body)
        self.log_request_line("%s 200 user=%s service=%s scope=%s granted=%s refresh=%s" % (
            logbase, user or "-", service, ",".join(scopes) or "-",
            granted or "-", "yes" if refresh else "no"))

    def deny(self, logbase, status, code, detail, user="-"):
        self.reply(status, {"errors": [{"code": code, "message": detail}],
                            "details": detail},
                   [("WWW-Authenticate", 'Basic realm="token-issuer"')]
                   if status == 401 else [])
        self.log_request_line("%s %d user=%s error=%s"
                              % (logbase, status, user, code))

    def path_ok(self, parsed):
        return parsed.path.rstrip("/") == "/token"

    def do_GET(self):
        parsed = urllib.parse.urlsplit(self.path)
        logbase = "GET %s" % parsed.path
        if not self.path_ok(parsed):
            self.deny(logbase, 404, "NOT_FOUND", "no such endpoint")
            return
        q = urllib.parse.parse_qs(parsed.query)
        service = q.get("service", [""])[0]
        scopes = self.split_scopes(q.get("scope", []))
        creds = self.basic_credentials()
        user = None
        if creds is not None:
            if not self.issuer.check_password(*creds):
                self.deny(logbase, 401, "UNAUTHORIZED",
                          "incorrect username or password", creds[0] or "-")
                return
            user = creds[0]
        account = q.get("account", [""])[0]
        if account:
            logbase += " account=%s" % account
        refresh = None
        if user and q.get("offline_token", [""])[0] == "true":
            refresh = self.issuer.new_refresh_token(user)
        self.finish_token(logbase + " grant=basic" if user else
                          logbase + " grant=anonymous", user, service,
                          scopes, refresh)

    def read_body(self):
        """The request body (Content-Length or chunked), None if bad."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            data = b""
            while True:
                line = self.rfile.readline(1024)
                try:
                    n = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    return None
                if n == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                if len(data) + n > MAX_BODY:
                    return None
                data += self.rfile.read(n)
                self.rfile.readline(1024)
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            return None
        if length < 0 or length > MAX_BODY:
            return None
        return self.rfile.read(length)

    def do_POST(self):
        parsed = urllib.parse.urlsplit(self.path)
        logbase = "POST %s" % parsed.path
        raw = self.read_body()
        if raw is None:
            self.close_connection = True
            self.deny(logbase, 400, "BAD_REQUEST", "bad or too long body")
            return
        body = raw.decode("utf-8", errors="replace")
        if not self.path_ok(parsed):
            self.deny(logbase, 404, "NOT_FOUND", "no such endpoint")
            return
        f = urllib.parse.parse_qs(body)
        grant = f.get("grant_type", [""])[0]
        service = f.get("service", [""])[0]
        scopes = self.split_scopes(f.get("scope", []))
        logbase += " grant=%s" % (grant or "-")
        if grant == "password":
            user = f.get("username", [""])[0]
            if not self.issuer.check_password(user, f.get("password", [""])[0]):
                self.deny(logbase, 401, "UNAUTHORIZED",
                          "incorrect username or password", user or "-")
                return
            refresh = self.issuer.new_refresh_token(user)
        elif grant == "refresh_token":
            refresh = f.get("refresh_token", [""])[0]
            user = self.issuer.refresh_user(refresh)
            if user is None:
                self.deny(logbase, 401, "UNAUTHORIZED", "invalid refresh token")
                return
        else:
            self.deny(logbase + " content-type=%s fields=%s" % (
                self.headers.get("Content-Type", "-"), ",".join(sorted(f)) or "-"),
                400, "UNSUPPORTED_GRANT_TYPE", "unsupported grant_type")
            return
        self.finish_token(logbase, user, service, scopes, refresh)

    def do_HEAD(self):
        self.deny("HEAD %s" % self.path.split("?")[0], 405, "METHOD", "use GET")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    tls_context = None

    def finish_request(self, request, client_address):
        # The TLS handshake runs in the request's thread, not in accept().
        request.settimeout(60)
        if self.tls_context is not None:
            try:
                request = self.tls_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as e:
                Handler.issuer.log("TLS handshake failed from %s: %s"
                                   % (client_address[0], e))
                return
        super().finish_request(request, client_address)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--key", required=True, help="RSA signing key (PEM)")
    p.add_argument("--cert", required=True,
                   help="signing certificate (PEM), sent as x5c")
    p.add_argument("--tls-cert", help="serve HTTPS with this certificate")
    p.add_argument("--tls-key", help="... and this key")
    p.add_argument("--client-ca",
                   help="ask for a client certificate signed by a CA of "
                   "this file (optional), log each request's")
    p.add_argument("--issuer", default="cnab-test-issuer")
    p.add_argument("--service", default="cnab-test-registry",
                   help="aud when the request names no service")
    p.add_argument("--addr", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0: pick a free one")
    p.add_argument("--port-file", help="write the port here once listening")
    p.add_argument("--log", help="request log file (default stderr)")
    p.add_argument("--expires-in", type=int, default=300)
    p.add_argument("--pull-only", action="store_true",
                   help="grant at most pull, to everybody")
    p.add_argument("--anonymous-pull", action="store_true",
                   help="anonymous requests get pull access")
    p.add_argument("--token-field", choices=("both", "token", "access_token"),
                   default="both", help="which field(s) carry the token")
    p.add_argument("--user", action="append",
                   help="NAME:PASSWORD[:ACTIONS] (repeatable)")
    p.add_argument("--refresh-token", action="append",
                   help="TOKEN:USER, a refresh token known from the start")
    args = p.parse_args()
    if args.client_ca and not args.tls_cert:
        p.error("--client-ca needs --tls-cert")

    Handler.issuer = Issuer(args)
    httpd = Server((args.addr, args.port), Handler)
    scheme = "http"
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        if args.client_ca:
            ctx.verify_mode = ssl.CERT_OPTIONAL
            ctx.load_verify_locations(cafile=args.client_ca)
        httpd.tls_context = ctx
        scheme = "https"
    port = httpd.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w", encoding="ascii") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    Handler.issuer.log("listening on %s://%s:%d (pid %d)"
                       % (scheme, args.addr, port, os.getpid()))
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    # SIGTERM ends serve_forever through the default handler (exit 143).
    socket.setdefaulttimeout(None)
    sys.exit(main())
