#!/usr/bin/env python3
"""Fault-injecting reverse proxy for the integration tests.

Sits between our tools (plain HTTP, --insecure-registry 127.0.0.1:PORT) and a
real registry (HTTP or HTTPS) on 127.0.0.1, forwards every request, and
injects the faults a JSON control file asks for.  Python standard library
only.

  fault-proxy.py --upstream URL [--ca FILE] --port-file FILE --log FILE
                 --control-file FILE [--seed N]
  fault-proxy.py --record --upstream URL [--ca FILE] --port-file FILE
                 --log FILE [--upstream-user USER:PASS]

Forwarding: bodies stream both ways (Content-Length, chunked or
close-delimited; 64 KiB at a time, never buffered whole), HTTP/1.1
keep-alive on both sides (one upstream connection per client connection),
one thread per client connection.  Host is set to the upstream's; hop-by-hop
headers and Expect are dropped (the proxy answers "100 Continue" itself,
when it first reads the body); Authorization and WWW-Authenticate pass
untouched (a token realm on the issuer's own port stays reachable).
Location headers pointing at the upstream (127.0.0.1, localhost or the
--upstream host, same port) are rewritten to http://127.0.0.1:PROXYPORT.

Control file: a JSON list of rules (or {"rules": [...]}), re-read whenever
it changes (checked on every request and every 0.1 s; write it atomically,
e.g. to a temporary file and mv).  The result of each load is written to
CONTROL.loaded: {"ino": N, "size": N, "ok": true, "rules": N} or
{"ok": false, "error": "..."} (a bad file keeps the previous rules).  Counts
("n", "skip") start afresh with each load.

Rule selection: the first rule that matches wins; a rule matches when
  "method"  regex matched whole against the method ("GET", "GET|HEAD";
            absent or "*": any),
  "path"    regex searched in the path without its query string,
  "query"   regex searched in the query string (optional),
  and "n" (the rule applies to the first N matching requests only, then it
  is spent), "skip" (let the first K matching requests pass), "prob"
  (probability, from the --seed'ed RNG; when the draw misses, the later
  rules are tried) all allow it.  "name": a label copied to the log.
Actions:
  {"action": "count"}                        forward (the log names the rule)
  {"action": "status", "status": 503}        answer instead of forwarding;
      "retry_after": "1" | HTTP-date | "+N" (an HTTP-date N s from now),
      "body": text (default a Distribution error), "headers": {...},
      "drain": false (answer without reading the request body, then close)
  {"action": "cut_request", "after": BYTES, "forward_part": bool}
      read BYTES of the request body then close with no answer; with
      forward_part the request and those bytes went upstream first.  When
      the whole body was forwarded (after >= its length) the proxy waits
      for the upstream's answer and drops it: a lost response.
  {"action": "cut_response", "after": BYTES} forward; send the headers and
      BYTES of the response body, then close
  {"action": "stall", "seconds": S}          say nothing for S seconds (or
      until the client goes away), then forward ("then": "close": close
      instead); with "after": BYTES the stall comes after the headers and
      BYTES of the response body
  {"action": "truncate"}                     forward, but drop the last
      byte(s) of the body ("drop": N, default 1; or "keep": N bytes) and
      close: the Content-Length stays the original
  {"action": "alter", "offset": N}           forward with the byte at
      offset N (negative: from the end) XOR "xor" (default 1)
  {"action": "reject_manifest", "when": KIND or [KIND...]}
      PUT /v2/.../manifests/... (small bodies are read whole): answer 400
      MANIFEST_INVALID when the manifest is of KIND: cnab_config (config
      mediaType application/vnd.cnab.config.v1+json), oci_index,
      oci_manifest, docker_manifest, docker_list (Content-Type or the
      body's mediaType), any; otherwise the later rules are tried.
      "status", "code", "message", "detail" override the answer.
  {"action": "redirect_blob_get", "to": "http://127.0.0.1:PORT"}
      GET /v2/.../blobs/sha256:...: forwarded; when the upstream answers
      2xx, the client gets "307 Location: TO/<same path>?signed=x" instead
      ("status": 302.., "append_query": "signed=x"); any other answer
      (401, 404) is passed on.
  {"action": "set_header", "headers": {"OCI-Chunk-Min-Length": "67108864"}}
      forward; when the upstream's status matches "if_status" (default
      "2.."), the answer's headers named in "headers" are replaced by (or
      added with) those values, e.g. on POST /v2/.../blobs/uploads/.
  {"action": "shift_range", "by": N}
      a request with "Range: bytes=A-" goes upstream as "bytes=(A-N)-"
      (not below 0): the registry's 206 then starts N bytes before what was
      asked for (a resumed blob GET answered from the wrong offset); a
      request without such a Range is forwarded untouched (not counted).
  {"action": "strip_mount"}
      POST /v2/.../blobs/uploads/ (by default): forwarded without its
      "mount" and "from" query parameters, so the registry answers 202 and
      opens an upload session, as one that declines cross-repository mounts
      does; the log keeps the query as the client sent it, with a note.
Response faults (cut_response, truncate, alter, stall with "after") and
redirect_blob_get apply only when the upstream's status matches "if_status"
(regex, default "2.."), and response faults only to an answer with a body
(not HEAD, 204, 304), so an auth challenge or a HEAD does not spend them.
  {"action": "append", "bytes": N, "stall": S}
      GET /v2/.../blobs/sha256:... (by default): forwarded, then N bytes
      (default 1 MiB) more than the blob follow its body, in the same
      answer: its Content-Length raised by N ("chunked": true: sent chunked
      instead); then S seconds of silence (default 0, or until the client
      goes away: the log says when), and the answer ends.  A client that
      checks sizes gives up at the blob's end, long before the stall ends.

Log (--log): one JSON line per request, written before the last byte of
the answer goes out: {"event": "request", "time", "conn", "seq", "method",
"path", "query", "rule" (index or null), "action", "status" (sent, null if
none), "upstream_status", "req_bytes" (request body bytes forwarded
upstream), "req_read" (read from the client), "resp_bytes" (response body
bytes sent), "ms", ["authorization": "<redacted>"], ["req_type"] (the
request's Content-Type), ["req_chunked": true], ["location"] (as sent),
["rule_name"], ["error"], ["note"]}.  Control-file loads are logged as {"event": "rules"}.
Recorder mode (--record) adds "headers" ([[name, value], ...]; the values of
Authorization, Proxy-Authorization and Cookie are "<redacted>"),
"header_names" (lower case) and "authorization_present"; with
--upstream-user it answers the upstream's 401 to a body-less request that
came without credentials itself (Basic, or a Bearer token fetched from the
challenge's realm), so a redirected blob GET of a registry with auth works.
"""

import argparse
import base64
import email.utils
import json
import os
import random
import re
import select
import socket
import ssl
import sys
import threading
import time
import traceback
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BUF = 64 * 1024
SMALL_BODY_CAP = 8 * 1024 * 1024

CNAB_CONFIG = "application/vnd.cnab.config.v1+json"
MT = {
    "oci_index": "application/vnd.oci.image.index.v1+json",
    "oci_manifest": "application/vnd.oci.image.manifest.v1+json",
    "docker_manifest": "application/vnd.docker.distribution.manifest.v2+json",
    "docker_list": "application/vnd.docker.distribution.manifest.list.v2+json",
}
KINDS = ("cnab_config", "any") + tuple(MT)

HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-connection", "proxy-authenticate",
    "proxy-authorization", "te", "trailer", "trailers", "transfer-encoding",
    "upgrade", "expect",
}
SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie"}

ERROR_CODES = {
    400: ("BAD_REQUEST", "bad request"),
    401: ("UNAUTHORIZED", "authentication required"),
    403: ("DENIED", "requested access to the resource is denied"),
    404: ("NOT_FOUND", "not found"),
    429: ("TOOMANYREQUESTS", "too many requests"),
    500: ("UNKNOWN", "unknown error"),
    502: ("UNAVAILABLE", "bad gateway"),
    503: ("UNAVAILABLE", "service unavailable"),
    504: ("UNAVAILABLE", "gateway timeout"),
}

COMMON_KEYS = {"action", "method", "path", "query", "n", "skip", "prob",
               "name", "comment"}
ACTION_KEYS = {
    "count": set(),
    "forward": set(),
    "status": {"status", "retry_after", "body", "headers", "drain"},
    "cut_request": {"after", "forward_part"},
    "cut_response": {"after", "if_status"},
    "stall": {"seconds", "after", "then", "if_status"},
    "truncate": {"drop", "keep", "if_status"},
    "alter": {"offset", "xor", "if_status"},
    "reject_manifest": {"when", "status", "code", "message", "detail"},
    "redirect_blob_get": {"to", "status", "append_query", "if_status"},
}
DEFAULT_FILTERS = {
    "reject_manifest": ("PUT", r"^/v2/.+/manifests/[^/]+$"),
    "redirect_blob_get": ("GET", r"^/v2/.+/blobs/sha256:[0-9a-f]{64}$"),
}


class ClientGone(Exception):
    """The client went away (or sent garbage): close its connection."""


class UpstreamError(Exception):
    """The upstream failed (connect, send, premature end of a response)."""


def now_iso():
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + (
        ".%03dZ" % int((t % 1) * 1000))


def status_reason(code):
    from http import HTTPStatus
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Status"


def error_body(code, message, detail=None):
    err = {"code": code, "message": message}
    if detail is not None:
        err["detail"] = detail
    return json.dumps({"errors": [err]}, separators=(",", ":")).encode() + b"\n"


# ---------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------

class Rule:
    def __init__(self, index, spec):
        if not isinstance(spec, dict):
            raise ValueError("rule %d is not an object" % index)
        self.index = index
        self.spec = spec
        action = spec.get("action")
        if action not in ACTION_KEYS:
            raise ValueError("rule %d: unknown action %r" % (index, action))
        self.action = action
        unknown = set(spec) - COMMON_KEYS - ACTION_KEYS[action]
        if unknown:
            raise ValueError("rule %d (%s): unknown field(s) %s"
                             % (index, action, ", ".join(sorted(unknown))))
        dmethod, dpath = DEFAULT_FILTERS.get(action, (None, None))
        method = spec.get("method", dmethod)
        self.method_re = None
        if method not in (None, "*", ""):
            self.method_re = re.compile(method, re.I)
        path = spec.get("path", dpath)
        self.path_re = re.compile(path) if path else None
        query = spec.get("query")
        self.query_re = re.compile(query) if query else None
        self.n = self._int("n", None)
        self.skip = self._int("skip", 0)
        self.prob = spec.get("prob")
        if self.prob is not None:
            self.prob = float(self.prob)
            if not 0 <= self.prob <= 1:
                raise ValueError("rule %d: prob must be in [0, 1]" % index)
        self.name = spec.get("name")
        self.seen = 0
        self.applied = 0
        self.if_status = re.compile(spec.get("if_status", "2..") or ".*")
        if action == "status":
            self.status = self._int("status", 503)
            if not 100 <= self.status <= 599:
                raise ValueError("rule %d: bad status" % index)
            ra = spec.get("retry_after")
            if ra is not None and not isinstance(ra, (str, int)):
                raise ValueError("rule %d: retry_after must be a string" % index)
            hdrs = spec.get("headers", {})
            if not isinstance(hdrs, dict):
                raise ValueError("rule %d: headers must be an object" % index)
        elif action in ("cut_request", "cut_response"):
            self._int("after", 0)
        elif action == "stall":
            float(spec.get("seconds", 30))
            self._int("after", 0)
            if spec.get("then", "forward") not in ("forward", "close"):
                raise ValueError("rule %d: then must be forward or close" % index)
        elif action == "truncate":
            self._int("drop", 1)
            self._int("keep", 0)
        elif action == "alter":
            int(spec.get("offset", 0))
            x = int(spec.get("xor", 1))
            if not 1 <= x <= 255:
                raise ValueError("rule %d: xor must be 1..255" % index)
        elif action == "reject_manifest":
            when = spec.get("when", "any")
            self.when = [when] if isinstance(when, str) else list(when)
            for w in self.when:
                if w not in KINDS:
                    raise ValueError("rule %d: when %r not one of %s"
                                     % (index, w, ", ".join(KINDS)))
        elif action == "redirect_blob_get":
            to = spec.get("to")
            if not isinstance(to, str) or not re.match(r"^https?://", to):
                raise ValueError("rule %d: redirect_blob_get needs \"to\": URL"
                                 % index)
            self._int("status", 307)
        elif action == "set_header":
            hdrs = spec.get("headers")
            if not isinstance(hdrs, dict) or not hdrs:
                raise ValueError("rule %d: set_header needs \"headers\": "
                                 "{NAME: VALUE}" % index)
        elif action == "shift_range":
            self._int("by", 1)

    def _int(self, key, default):
        v = self.spec.get(key, default)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise ValueError("rule %d: %s must be a non-negative integer"
                             % (self.index, key))
        return v

    def get(self, key, default=None):
        return self.spec.get(key, default)

    def label(self):
        return self.index

    def matches(self, method, path, query):
        if self.method_re and not self.method_re.fullmatch(method):
            return False
        if self.path_re and not self.path_re.search(path):
            return False
        if self.query_re and not self.query_re.search(query):
            return False
        return True

    def manifest_kind_matches(self, headers, body):
        ct = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        doc = None
        try:
            doc = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            pass
        if not isinstance(doc, dict):
            doc = {}
        mt = doc.get("mediaType")
        for w in self.when:
            if w == "any":
                return True
            if w == "cnab_config":
                cfg = doc.get("config")
                if isinstance(cfg, dict) and cfg.get("mediaType") == CNAB_CONFIG:
                    return True
            elif ct == MT[w] or mt == MT[w]:
                return True
        return False


class Control:
    """The control file, its rules and their counts."""

    def __init__(self, path, seed, log):
        self.path = path
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.rules = []
        self.key = None
        self.log = log

    def maybe_reload(self):
        if not self.path:
            return
        try:
            st = os.stat(self.path)
            key = (st.st_ino, st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            key = ("missing",)
            st = None
        with self.lock:
            if key == self.key:
                return
            self.key = key
            ack = {"ino": st.st_ino if st else None,
                   "size": st.st_size if st else None}
            try:
                if st is None:
                    specs = []
                else:
                    with open(self.path, "rb") as f:
                        data = f.read()
                    specs = json.loads(data) if data.strip() else []
                if isinstance(specs, dict):
                    specs = specs.get("rules", [])
                if not isinstance(specs, list):
                    raise ValueError("the control file must hold a list of rules")
                rules = [Rule(i, s) for i, s in enumerate(specs)]
            except (OSError, ValueError, re.error, TypeError) as e:
                ack.update(ok=False, error=str(e))
                self.log.write({"event": "rules", "ok": False, "error": str(e)})
                print("fault-proxy: control file %s: %s" % (self.path, e),
                      file=sys.stderr, flush=True)
            else:
                self.rules = rules
                ack.update(ok=True, rules=len(rules))
                self.log.write({"event": "rules", "ok": True,
                                "rules": [r.spec for r in rules]})
            tmp = self.path + ".loaded.tmp"
            try:
                with open(tmp, "w") as f:
                    json.dump(ack, f)
                    f.write("\n")
                os.replace(tmp, self.path + ".loaded")
            except OSError:
                pass

    def watch(self):
        while True:
            time.sleep(0.1)
            try:
                self.maybe_reload()
            except Exception:  # never let the watcher die
                traceback.print_exc()

    def select(self, method, path, query, manifest_probe):
        """The rule to apply (or None). manifest_probe(rule) -> bool."""
        self.maybe_reload()
        with self.lock:
            rules = list(self.rules)
        for rule in rules:
            if not rule.matches(method, path, query):
                continue
            if rule.action == "reject_manifest" and not manifest_probe(rule):
                continue
            with self.lock:
                if rule.n is not None and rule.applied >= rule.n:
                    continue
                rule.seen += 1
                if rule.seen <= rule.skip:
                    continue
                if rule.prob is not None and self.rng.random() >= rule.prob:
                    continue
                rule.applied += 1
            return rule
        return None

    def refund(self, rule):
        with self.lock:
            rule.applied -= 1


class Log:
    def __init__(self, path):
        self.lock = threading.Lock()
        if path in (None, "-"):
            self.f = sys.stderr
        else:
            self.f = open(path, "a", encoding="utf-8")

    def write(self, obj):
        obj.setdefault("time", now_iso())
        line = json.dumps(obj, separators=(",", ":"), default=str) + "\n"
        with self.lock:
            self.f.write(line)
            self.f.flush()


# ---------------------------------------------------------------------------
# Upstream connection (a small HTTP/1.1 client over a socket)
# ---------------------------------------------------------------------------

class UpstreamResponse:
    def __init__(self, conn, method):
        self.conn = conn
        rf = conn.rf
        while True:
            line = rf.readline(65537)
            if not line:
                raise UpstreamError("upstream closed the connection before answering")
            parts = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
            if len(parts) < 2 or not parts[0].startswith("HTTP/"):
                raise UpstreamError("bad status line from upstream: %r" % line[:100])
            self.version = parts[0]
            try:
                self.status = int(parts[1])
            except ValueError:
                raise UpstreamError("bad status line from upstream: %r" % line[:100])
            self.reason = parts[2] if len(parts) > 2 else ""
            self.headers = self._read_headers(rf)
            if not 100 <= self.status < 200 or self.status == 101:
                break
        self.done = False
        self.chunk_left = 0
        conn_tokens = ",".join(v for k, v in self.headers
                               if k.lower() == "connection").lower()
        self.will_close = ("close" in conn_tokens or
                           (self.version == "HTTP/1.0" and "keep-alive" not in conn_tokens))
        te = self.header("Transfer-Encoding") or ""
        cl = self.header("Content-Length")
        self.length = None
        if method == "HEAD" or self.status in (204, 304) or self.status < 200:
            self.framing = "none"
        elif "chunked" in te.lower():
            self.framing = "chunked"
        elif cl is not None:
            try:
                self.length = int(cl.split(",")[0].strip())
            except ValueError:
                raise UpstreamError("bad Content-Length from upstream: %r" % cl)
            self.framing = "length"
        else:
            self.framing = "close"
            self.will_close = True
        self.remaining = self.length
        if self.framing == "none" or self.length == 0:
            self._finish()

    @staticmethod
    def _read_headers(rf):
        headers = []
        for _ in range(500):
            line = rf.readline(65537)
            if not line:
                raise UpstreamError("upstream closed the connection in the headers")
            if line in (b"\r\n", b"\n"):
                return headers
            s = line.decode("latin-1").rstrip("\r\n")
            if s[:1] in (" ", "\t") and headers:
                k, v = headers[-1]
                headers[-1] = (k, v + " " + s.strip())
                continue
            k, _, v = s.partition(":")
            headers.append((k.strip(), v.strip()))
        raise UpstreamError("too many headers from upstream")

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def _finish(self):
        self.done = True
        if self.will_close:
            self.conn.close()

    def read(self, n=BUF):
        """The next piece of the body; b"" at its end."""
        if self.done:
            return b""
        rf = self.conn.rf
        try:
            if self.framing == "length":
                d = rf.read1(min(n, self.remaining))
                if not d:
                    raise UpstreamError("upstream body ended %d bytes short"
                                        % self.remaining)
                self.remaining -= len(d)
                if self.remaining == 0:
                    self._finish()
                return d
            if self.framing == "close":
                d = rf.read1(n)
                if not d:
                    self._finish()
                return d
            # chunked
            if self.chunk_left == 0:
                line = rf.readline(65537)
                if not line:
                    raise UpstreamError("upstream chunked body cut short")
                try:
                    size = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    raise UpstreamError("bad chunk size from upstream: %r" % line[:40])
                if size == 0:
                    while True:  # trailers
                        t = rf.readline(65537)
                        if t in (b"\r\n", b"\n", b""):
                            break
                    self._finish()
                    return b""
                self.chunk_left = size
            d = rf.read1(min(n, self.chunk_left))
            if not d:
                raise UpstreamError("upstream chunked body cut short")
            self.chunk_left -= len(d)
            if self.chunk_left == 0:
                rf.readline(3)
            return d
        except (OSError, ValueError) as e:
            raise UpstreamError("reading the upstream body: %s" % e)

    def drain(self):
        while self.read():
            pass


class Upstream:
    """One keep-alive connection to the upstream (per client connection)."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.sock = None
        self.rf = None

    def ensure(self):
        if self.sock is not None:
            try:
                r, _, _ = select.select([self.sock], [], [], 0)
            except (OSError, ValueError):
                r = [True]
            if r:  # an idle connection with something to read: closed
                self.close()
        if self.sock is None:
            self.open()

    def open(self):
        cfg = self.cfg
        try:
            s = socket.create_connection((cfg.up_host, cfg.up_port),
                                         timeout=cfg.upstream_timeout)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if cfg.up_scheme == "https":
                s = cfg.ssl_context.wrap_socket(s, server_hostname=cfg.up_host)
        except (OSError, ssl.SSLError) as e:
            raise UpstreamError("connecting to %s: %s" % (cfg.upstream, e))
        self.sock = s
        self.rf = s.makefile("rb", buffering=BUF)

    def send(self, data):
        try:
            self.sock.sendall(data)
        except (OSError, AttributeError) as e:
            raise UpstreamError("sending to upstream: %s" % e)

    def close(self):
        if self.sock is not None:
            try:
                self.rf.close()
            except OSError:
                pass
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None
        self.rf = None


# ---------------------------------------------------------------------------
# The client's request body
# ---------------------------------------------------------------------------

class RequestBody:
    def __init__(self, handler):
        self.h = handler
        te = (handler.headers.get("Transfer-Encoding") or "").lower()
        self.chunked = "chunked" in te
        self.length = None
        if not self.chunked:
            cl = handler.headers.get("Content-Length")
            try:
                self.length = int(cl) if cl else 0
            except ValueError:
                raise ClientGone("bad Content-Length %r" % cl)
            if self.length < 0:
                raise ClientGone("bad Content-Length %r" % cl)
        self.remaining = self.length
        self.done = not self.chunked and self.length == 0
        self.pushback = b""
        self.chunk_left = 0
        self.read_bytes = 0
        self.whole = None  # the body, when read whole (small manifests)

    @property
    def empty(self):
        return not self.chunked and self.length == 0

    def read(self, n=BUF):
        if self.pushback:
            d, self.pushback = self.pushback[:n], self.pushback[n:]
            return d
        if self.done:
            return b""
        self.h.send_continue()
        rf = self.h.rfile
        try:
            if not self.chunked:
                d = rf.read1(min(n, self.remaining))
                if not d:
                    raise ClientGone("client closed the connection %d bytes "
                                     "short of its request body" % self.remaining)
                self.remaining -= len(d)
                if self.remaining == 0:
                    self.done = True
            else:
                if self.chunk_left == 0:
                    line = rf.readline(65537)
                    if not line:
                        raise ClientGone("client closed the connection in a chunked body")
                    try:
                        size = int(line.split(b";")[0].strip(), 16)
                    except ValueError:
                        raise ClientGone("bad chunk size %r" % line[:40])
                    if size == 0:
                        while True:
                            t = rf.readline(65537)
                            if t in (b"\r\n", b"\n", b""):
                                break
                        self.done = True
                        return b""
                    self.chunk_left = size
                d = rf.read1(min(n, self.chunk_left))
                if not d:
                    raise ClientGone("client closed the connection in a chunked body")
                self.chunk_left -= len(d)
                if self.chunk_left == 0:
                    rf.readline(3)
        except (socket.timeout, OSError) as e:
            raise ClientGone("reading the request body: %s" % e)
        self.read_bytes += len(d)
        return d

    def unread(self, data):
        self.pushback = data + self.pushback

    def read_whole(self, cap):
        """The whole body if at most cap bytes (kept for forwarding), else None."""
        if self.whole is not None:
            return self.whole
        if self.length is not None and self.length > cap:
            return None
        parts = []
        total = 0
        while True:
            d = self.read()
            if not d:
                break
            parts.append(d)
            total += len(d)
            if total > cap:
                self.unread(b"".join(parts))
                return None
        self.whole = b"".join(parts)
        self.unread(self.whole)
        return self.whole

    def drain(self):
        while self.read():
            pass


# ---------------------------------------------------------------------------
# The proxy
# ---------------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fault-proxy"
    cfg = None  # set in main()

    def log_message(self, fmt, *args):
        pass

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.connection.settimeout(self.cfg.client_timeout)
        self.upstream = Upstream(self.cfg)
        with self.cfg.lock:
            self.cfg.conn_seq += 1
            self.conn_id = self.cfg.conn_seq
        self.req_seq = 0
        self._expect_pending = False

    def finish(self):
        self.upstream.close()
        try:
            super().finish()
        except OSError:
            pass

    def handle_expect_100(self):
        # "100 Continue" goes out when the body is first read (send_continue),
        # so a stall says nothing at all and a status fault may come first.
        self._expect_pending = True
        return True

    def send_continue(self):
        if self._expect_pending:
            self._expect_pending = False
            self.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def __getattr__(self, name):
        if name.startswith("do_"):
            return self.proxy_request
        raise AttributeError(name)

    # -- output ------------------------------------------------------------

    def write(self, data):
        try:
            self.wfile.write(data)
        except (OSError, ValueError) as e:
            raise ClientGone("writing to the client: %s" % e)

    def head_bytes(self, status, headers, reason=None):
        lines = ["HTTP/1.1 %d %s" % (status, reason or status_reason(status))]
        lines += ["%s: %s" % (k, v) for k, v in headers]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def log_entry(self, **kw):
        if self.logged:
            return
        self.logged = True
        e = self.entry
        e.update(kw)
        e["req_read"] = self.body.read_bytes if self.body else 0
        e["ms"] = int((time.monotonic() - self.t0) * 1000)
        self.cfg.log.write(e)

    def close_client(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def answer(self, status, body=b"", headers=(), close=False,
               content_type="application/json; charset=utf-8"):
        """A complete answer made by the proxy itself."""
        hdrs = [("Date", email.utils.formatdate(usegmt=True)),
                ("Docker-Distribution-Api-Version", "registry/2.0")]
        if body or content_type:
            hdrs.append(("Content-Type", content_type))
        hdrs.append(("Content-Length", str(len(body))))
        hdrs += list(headers)
        if close or self.close_connection:
            hdrs.append(("Connection", "close"))
            self.close_connection = True
        payload = b"" if self.command == "HEAD" else body
        self.entry["status"] = status
        self.entry["resp_bytes"] = len(payload)
        self.log_entry()
        self.write(self.head_bytes(status, hdrs) + payload)
        self.headers_sent = True

    # -- the request -------------------------------------------------------

    def proxy_request(self):
        cfg = self.cfg
        self.t0 = time.monotonic()
        self.req_seq += 1
        self.logged = False
        self.headers_sent = False
        self.body = None
        method = self.command
        target = self.path
        m = re.match(r"^https?://[^/]+(/.*)?$", target)
        if m:
            target = m.group(1) or "/"
        self.target = target
        path, _, query = target.partition("?")
        if not (self.request_version != "HTTP/1.0" and
                (self.headers.get("Expect") or "").lower() == "100-continue"):
            self._expect_pending = False
        e = self.entry = {"event": "request", "conn": self.conn_id,
                          "seq": self.req_seq, "method": method, "path": path}
        if query:
            e["query"] = query
        e.update(rule=None, action="forward", status=None, upstream_status=None,
                 req_bytes=0, resp_bytes=0)
        if self.headers.get("Authorization") is not None:
            e["authorization"] = "<redacted>"
        if self.headers.get("Content-Type"):
            e["req_type"] = self.headers.get("Content-Type")
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            e["req_chunked"] = True
        if cfg.record:
            hs = []
            for k, v in self.headers.items():
                hs.append([k, "<redacted>" if k.lower() in SECRET_HEADERS else v])
            e["headers"] = hs
            e["header_names"] = [k.lower() for k, _ in self.headers.items()]
            e["authorization_present"] = self.headers.get("Authorization") is not None
        rule = None
        try:
            self.body = RequestBody(self)

            def probe(r):
                body = self.body.read_whole(SMALL_BODY_CAP)
                return body is not None and r.manifest_kind_matches(self.headers, body)

            rule = cfg.control.select(method, path, query, probe)
            if rule is not None:
                e["rule"] = rule.index
                e["action"] = rule.action
                if rule.name:
                    e["rule_name"] = rule.name
            self.dispatch(rule)
        except ClientGone as x:
            e.setdefault("error", "client: %s" % x)
            self.upstream.close()
            self.close_connection = True
        except UpstreamError as x:
            e.setdefault("error", "upstream: %s" % x)
            self.upstream.close()
            if not self.headers_sent and not self.logged:
                try:
                    if self.body is not None and not self.body.done:
                        self.close_connection = True
                    self.answer(502, error_body("UNAVAILABLE", "bad gateway",
                                                str(x)), close=self.close_connection)
                except ClientGone:
                    pass
            else:
                self.close_client()
        except Exception as x:  # a bug: report it, close
            traceback.print_exc()
            e.setdefault("error", "proxy: %r" % x)
            self.upstream.close()
            self.close_connection = True
        finally:
            if not self.logged:
                self.log_entry()

    def dispatch(self, rule):
        a = rule.action if rule else "forward"
        if a in ("forward", "count"):
            self.relay(self.forward(), None)
        elif a == "status":
            self.fault_status(rule)
        elif a == "cut_request":
            self.fault_cut_request(rule)
        elif a == "stall" and rule.get("after") is None:
            if not self.stall(float(rule.get("seconds", 30))):
                return
            if rule.get("then", "forward") == "close":
                self.entry["note"] = "stalled, then closed"
                self.log_entry()
                self.close_client()
                return
            self.relay(self.forward(), None)
        elif a == "reject_manifest":
            self.body.drain()
            status = rule.get("status", 400)
            detail = rule.get("detail", "rejected by fault-proxy (when: %s)"
                              % ",".join(rule.when))
            self.answer(status, error_body(rule.get("code", "MANIFEST_INVALID"),
                                           rule.get("message", "manifest invalid"),
                                           detail))
        elif a == "redirect_blob_get":
            self.fault_redirect(rule)
        elif callable(getattr(self, "fault_" + a, None)):
            # actions defined in their own blocks below
            getattr(self, "fault_" + a)(rule)
        else:  # response faults
            self.relay(self.forward(), rule)

    # -- forwarding ----------------------------------------------------------

    def upstream_headers(self, extra_auth=None):
        drop = set(HOP_BY_HOP) | {"host", "content-length"}
        conn = self.headers.get("Connection") or ""
        drop |= {t.strip().lower() for t in conn.split(",") if t.strip()}
        hdrs = [("Host", self.cfg.up_netloc)]
        for k, v in self.headers.items():
            if k.lower() in drop:
                continue
            if extra_auth is not None and k.lower() == "authorization":
                continue
            hdrs.append((k, v))
        if extra_auth is not None:
            hdrs.append(("Authorization", extra_auth))
        if self.body.chunked and self.body.whole is None:
            hdrs.append(("Transfer-Encoding", "chunked"))
        elif self.body.whole is not None:
            hdrs.append(("Content-Length", str(len(self.body.whole))))
        elif self.body.length or self.headers.get("Content-Length") is not None:
            hdrs.append(("Content-Length", str(self.body.length)))
        return hdrs

    def send_head_upstream(self, extra_auth=None):
        hdrs = self.upstream_headers(extra_auth)
        lines = ["%s %s HTTP/1.1" % (self.command, self.target)]
        lines += ["%s: %s" % (k, v) for k, v in hdrs]
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        chunked = any(k == "Transfer-Encoding" for k, _ in hdrs)
        # a stale keep-alive connection: retry once (nothing of the body
        # has been read yet)
        for attempt in (0, 1):
            self.upstream.ensure()
            try:
                self.upstream.send(data)
                return chunked
            except UpstreamError:
                self.upstream.close()
                if attempt:
                    raise
        return chunked

    def send_body_upstream(self, chunked, limit=None):
        """Stream the request body upstream (at most limit bytes).
        Returns the bytes sent; on an upstream send error the rest of the
        body is read and dropped, and the error is remembered."""
        sent = 0
        self.send_error_up = None
        while True:
            n = BUF if limit is None else min(BUF, limit - sent)
            if n <= 0:
                break
            d = self.body.read(n)
            if not d:
                if chunked:
                    try:
                        self.upstream.send(b"0\r\n\r\n")
                    except UpstreamError as x:
                        self.send_error_up = x
                break
            if self.send_error_up is not None:
                continue
            try:
                if chunked:
                    self.upstream.send(b"%x\r\n" % len(d) + d + b"\r\n")
                else:
                    self.upstream.send(d)
                sent += len(d)
            except UpstreamError as x:
                self.send_error_up = x
        self.entry["req_bytes"] = sent
        return sent

    def forward(self, extra_auth=None):
        """Send the request upstream; the response (headers read)."""
        chunked = self.send_head_upstream(extra_auth)
        bodyless = self.body.empty
        self.send_body_upstream(chunked)
        try:
            resp = UpstreamResponse(self.upstream, self.command)
        except UpstreamError:
            if self.send_error_up is not None:
                raise UpstreamError("upstream stopped reading the request body: %s"
                                    % self.send_error_up)
            if not bodyless:
                raise
            # a keep-alive connection that died under us: once more
            self.upstream.close()
            self.send_head_upstream(extra_auth)
            resp = UpstreamResponse(self.upstream, self.command)
        except OSError as x:
            raise UpstreamError(str(x))
        self.entry["upstream_status"] = resp.status
        if (self.cfg.record and self.cfg.upstream_user and resp.status == 401
                and bodyless and extra_auth is None
                and self.headers.get("Authorization") is None):
            auth = self.recorder_auth(resp)
            if auth:
                resp.drain()
                self.entry["note"] = "recorder authenticated upstream itself"
                return self.forward(auth)
        return resp

    def recorder_auth(self, resp):
        ch = resp.header("WWW-Authenticate") or ""
        user, _, pw = self.cfg.upstream_user.partition(":")
        basic = "Basic " + base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()
        scheme, _, params = ch.partition(" ")
        if scheme.lower() == "basic":
            return basic
        if scheme.lower() != "bearer":
            return None
        p = dict(re.findall(r'(\w+)="([^"]*)"', params))
        if "realm" not in p:
            return None
        q = {k: p[k] for k in ("service", "scope") if k in p}
        url = p["realm"] + ("&" if "?" in p["realm"] else "?") + urllib.parse.urlencode(q)
        req = urllib.request.Request(url, headers={"Authorization": basic})
        try:
            with urllib.request.urlopen(req, timeout=30,
                                        context=self.cfg.ssl_context) as r:
                doc = json.loads(r.read(1 << 20))
        except (OSError, ValueError) as x:
            self.entry["note"] = "recorder token request failed: %s" % x
            return None
        tok = doc.get("token") or doc.get("access_token")
        return "Bearer " + tok if tok else None

    def rewrite_location(self, v):
        try:
            u = urllib.parse.urlsplit(v)
        except ValueError:
            return v
        if u.scheme.lower() not in ("http", "https") or not u.netloc:
            return v
        try:
            port = u.port or (443 if u.scheme.lower() == "https" else 80)
        except ValueError:
            return v
        host = (u.hostname or "").lower()
        if port == self.cfg.up_port and host in self.cfg.up_names:
            return urllib.parse.urlunsplit(
                ("http", "127.0.0.1:%d" % self.cfg.port, u.path, u.query, u.fragment))
        return v

    def relay(self, resp, rule):
        """Pass the upstream's response on, applying a response fault."""
        e = self.entry
        if rule is not None:
            why = None
            if not rule.if_status.fullmatch(str(resp.status)):
                why = "upstream status %d" % resp.status
            elif resp.framing == "none":
                why = "no body (%s %d)" % (self.command, resp.status)
            if why:
                self.cfg.control.refund(rule)
                e["note"] = "rule %d not applied: %s" % (rule.index, why)
                e["rule"] = None
                e["action"] = "forward"
                rule = None
        action = rule.action if rule else None
        hdrs = []
        for k, v in resp.headers:
            lk = k.lower()
            if lk in HOP_BY_HOP:
                continue
            if lk == "content-length" and resp.framing not in ("length", "none"):
                continue
            if lk == "location":
                v2 = self.rewrite_location(v)
                e["location"] = v2
                v = v2
            hdrs.append((k, v))
        framing = resp.framing
        if framing == "chunked" and self.request_version == "HTTP/1.0":
            framing = "close"
        if framing == "chunked":
            hdrs.append(("Transfer-Encoding", "chunked"))
        # a fault that closes the connection does so without announcing it
        closing = action in ("cut_response", "truncate") or (
            action == "stall" and rule.get("then", "forward") == "close")
        if framing == "close":
            self.close_connection = True
        if self.close_connection:
            hdrs.append(("Connection", "close"))
        head = self.head_bytes(resp.status, hdrs, resp.reason)
        e["status"] = resp.status

        def frame(d):
            if framing == "chunked" and d:
                return b"%x\r\n" % len(d) + d + b"\r\n"
            return d

        tail = b"0\r\n\r\n" if framing == "chunked" else b""

        # where the body stops (cut, truncate) or pauses (stall)
        limit = None
        drop_last = 0
        if action == "cut_response":
            limit = rule.get("after", 0)
        elif action == "stall":
            limit = rule.get("after", 0)
        elif action == "truncate":
            if rule.get("keep") is not None:
                limit = rule.get("keep")
            elif resp.framing == "length":
                limit = max(0, resp.length - rule.get("drop", 1))
            else:
                drop_last = rule.get("drop", 1)
        alter_at = None
        if action == "alter":
            alter_at = int(rule.get("offset", 0))
            if alter_at < 0:
                if resp.framing == "length":
                    alter_at += resp.length
                else:
                    e["note"] = "negative offset needs a Content-Length: not altered"
                    alter_at = None
            if alter_at is not None and resp.framing == "length" and alter_at >= resp.length:
                e["note"] = "offset beyond the body: not altered"

        sent = 0
        cur = resp.read()
        if resp.framing == "none" or (not cur and resp.done):
            if action is not None and resp.framing != "none":
                e["note"] = e.get("note", "empty body: nothing to cut")
            e["resp_bytes"] = 0
            self.log_entry()
            self.write(head + tail)
            self.headers_sent = True
            if closing:
                self.upstream.close()
            if closing or framing == "close":
                self.close_client()
            return
        self.write(head)
        self.headers_sent = True
        stalled = False
        while cur:
            nxt = resp.read()
            last = not nxt
            piece = cur
            if alter_at is not None and sent <= alter_at < sent + len(piece):
                b = bytearray(piece)
                b[alter_at - sent] ^= int(rule.get("xor", 1))
                piece = bytes(b)
                e["note"] = "byte %d altered" % alter_at
            if last and drop_last:
                piece = piece[:max(0, len(piece) - drop_last)]
            if limit is not None and not stalled and sent + len(piece) >= limit:
                before, after = piece[:limit - sent], piece[limit - sent:]
                if before:
                    self.write(frame(before))
                    sent += len(before)
                if action in ("cut_response", "truncate"):
                    e["resp_bytes"] = sent
                    e["note"] = "body cut after %d bytes" % sent
                    self.log_entry()
                    self.upstream.close()
                    self.close_client()
                    return
                # stall after LIMIT bytes
                stalled = True
                if not self.stall(float(rule.get("seconds", 30)), sent):
                    self.upstream.close()
                    return
                if rule.get("then", "forward") == "close":
                    e["resp_bytes"] = sent
                    e["note"] = "stalled after %d bytes, then closed" % sent
                    self.log_entry()
                    self.upstream.close()
                    self.close_client()
                    return
                piece = after
            if last:
                e["resp_bytes"] = sent + len(piece)
                if drop_last:
                    e["note"] = "body cut after %d bytes" % (sent + len(piece))
                    self.log_entry()
                    self.write(frame(piece))
                    self.upstream.close()
                    self.close_client()
                    return
                self.log_entry()
                self.write(frame(piece) + tail)
            elif piece:
                self.write(frame(piece))
            sent += len(piece)
            cur = nxt
        if framing == "close":
            self.close_client()

    # -- faults --------------------------------------------------------------

    def stall(self, seconds, sent=None):
        """Say nothing for `seconds`; False when the client went away."""
        e = self.entry
        end = time.monotonic() + seconds
        p = select.poll()
        flags = select.POLLIN | select.POLLHUP | select.POLLERR
        flags |= getattr(select, "POLLRDHUP", 0)
        p.register(self.connection.fileno(), flags)
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return True
            ev = p.poll(min(left, 0.1) * 1000)
            if not ev:
                continue
            mask = ev[0][1]
            if mask & (select.POLLHUP | select.POLLERR | getattr(select, "POLLRDHUP", 0)):
                gone = True
            else:
                try:
                    gone = self.connection.recv(1, socket.MSG_PEEK) == b""
                except OSError:
                    gone = True
            if gone:
                e["error"] = "client gave up after %.1fs of stall" % (
                    seconds - max(0.0, end - time.monotonic()))
                if sent is not None:
                    e["resp_bytes"] = sent
                self.log_entry()
                self.close_connection = True
                return False
            time.sleep(0.05)  # data pending (a request body): keep waiting

    def fault_status(self, rule):
        status = rule.status
        drain = rule.get("drain", True)
        if drain:
            self.body.drain()
        code, msg = ERROR_CODES.get(status, ("UNKNOWN", status_reason(status).lower()))
        body = rule.get("body")
        body = body.encode() if body is not None else error_body(code, msg)
        hdrs = []
        ra = rule.get("retry_after")
        if ra is not None:
            ra = str(ra)
            if ra.startswith("+"):
                ra = email.utils.formatdate(time.time() + float(ra[1:]), usegmt=True)
            hdrs.append(("Retry-After", ra))
        for k, v in rule.get("headers", {}).items():
            hdrs.append((k, str(v)))
        close = not drain and not self.body.done
        self.answer(status, body, hdrs, close=close)
        if close:
            # the client may still be sending: don't reset the connection
            # before it has read the answer
            self.close_client()
            self.connection.settimeout(2)
            try:
                while self.connection.recv(BUF):
                    pass
            except OSError:
                pass

    def fault_cut_request(self, rule):
        after = rule.get("after", 0)
        e = self.entry
        if rule.get("forward_part", False):
            chunked = self.send_head_upstream()
            sent = self.send_body_upstream(chunked, limit=after)
            if self.body.done and not self.body.pushback and self.send_error_up is None:
                # the whole request went upstream: wait for its answer and
                # drop it (a lost response)
                try:
                    resp = UpstreamResponse(self.upstream, self.command)
                    e["upstream_status"] = resp.status
                    resp.drain()
                    e["note"] = "whole request forwarded, response dropped"
                except UpstreamError as x:
                    e["note"] = "whole request forwarded; upstream: %s" % x
            else:
                e["note"] = "request cut after %d body bytes, forwarded" % sent
            self.upstream.close()
        else:
            got = 0
            while got < after:
                d = self.body.read(min(BUF, after - got))
                if not d:
                    break
                got += len(d)
            e["note"] = "request cut after %d body bytes" % got
        self.log_entry()
        self.close_connection = True
        try:
            # a reset (unread data) or a plain close: no answer either way
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def fault_redirect(self, rule):
        resp = self.forward()
        if not rule.if_status.fullmatch(str(resp.status)):
            self.cfg.control.refund(rule)
            self.entry["rule"] = None
            self.entry["action"] = "forward"
            self.entry["note"] = "redirect not applied: upstream status %d" % resp.status
            self.relay(resp, None)
            return
        self.upstream.close()  # the body is not wanted
        path, _, query = self.target.partition("?")
        q = rule.get("append_query", "signed=x")
        if q:
            query = query + "&" + q if query else q
        loc = rule.get("to").rstrip("/") + path + ("?" + query if query else "")
        self.entry["location"] = loc
        self.answer(rule.get("status", 307), b"", [("Location", loc)],
                    content_type=None)


# ---------------------------------------------------------------------------
# Actions set_header and shift_range (issue 12: a registry's chunk demand, a
# 206 from the wrong offset)
# ---------------------------------------------------------------------------

ACTION_KEYS["set_header"] = {"headers", "if_status"}
ACTION_KEYS["shift_range"] = {"by"}


def _fault_set_header(self, rule):
    hdrs = rule.get("headers")
    resp = self.forward()
    if rule.if_status.fullmatch(str(resp.status)):
        names = {k.lower() for k in hdrs}
        resp.headers = [(k, v) for k, v in resp.headers
                        if k.lower() not in names]
        resp.headers += [(k, str(v)) for k, v in hdrs.items()]
        self.entry["note"] = "headers set: %s" % ", ".join(sorted(hdrs))
    else:
        self.cfg.control.refund(rule)
        self.entry["rule"] = None
        self.entry["action"] = "forward"
        self.entry["note"] = "set_header not applied: upstream status %d" % resp.status
    self.relay(resp, None)


def _fault_shift_range(self, rule):
    m = re.fullmatch(r"\s*bytes=(\d+)-\s*", self.headers.get("Range") or "")
    if m is None:
        self.cfg.control.refund(rule)
        self.entry["rule"] = None
        self.entry["action"] = "forward"
        self.entry["note"] = "shift_range not applied: no Range bytes=A-"
    else:
        start = max(0, int(m.group(1)) - rule._int("by", 1))
        del self.headers["Range"]
        self.headers["Range"] = "bytes=%d-" % start
        self.entry["note"] = "Range bytes=%s- sent as bytes=%d-" % (
            m.group(1), start)
    self.relay(self.forward(), None)


Handler.fault_set_header = _fault_set_header
Handler.fault_shift_range = _fault_shift_range
# -- strip_mount: a registry that declines cross-repository mounts ----------

ACTION_KEYS["strip_mount"] = set()
DEFAULT_FILTERS["strip_mount"] = ("POST", r"^/v2/.+/blobs/uploads/?$")


def _fault_strip_mount(self, rule):
    path, _, query = self.target.partition("?")
    kept = [p for p in query.split("&") if p and
            p.split("=", 1)[0] not in ("mount", "from")]
    if len(kept) != len([p for p in query.split("&") if p]):
        self.entry["note"] = "mount= and from= stripped"
    self.target = path + ("?" + "&".join(kept) if kept else "")
    self.relay(self.forward(), None)


Handler.fault_strip_mount = _fault_strip_mount


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True


class Config:
    pass


# -- append: a blob answered with more bytes than it has ---------------------

ACTION_KEYS["append"] = {"bytes", "stall", "chunked", "if_status"}
DEFAULT_FILTERS["append"] = ("GET", r"^/v2/.+/blobs/sha256:[0-9a-f]{64}$")


def _fault_append(self, rule):
    e = self.entry
    extra = rule.get("bytes", 1 << 20)
    stall = float(rule.get("stall", 0))
    resp = self.forward()
    if not rule.if_status.fullmatch(str(resp.status)) or resp.framing == "none":
        self.cfg.control.refund(rule)
        e.update(rule=None, action="forward",
                 note="append not applied: upstream status %d" % resp.status)
        self.relay(resp, None)
        return
    chunked = bool(rule.get("chunked")) or resp.framing != "length"
    hdrs = [(k, v) for k, v in resp.headers
            if k.lower() not in HOP_BY_HOP and k.lower() != "content-length"]
    if chunked:
        hdrs.append(("Transfer-Encoding", "chunked"))
    else:
        hdrs.append(("Content-Length", str(resp.length + extra)))
    hdrs.append(("Connection", "close"))
    self.close_connection = True
    e["status"] = resp.status

    def send(d):
        self.write(b"%x\r\n" % len(d) + d + b"\r\n" if chunked else d)

    self.write(self.head_bytes(resp.status, hdrs, resp.reason))
    self.headers_sent = True
    sent = 0
    while True:
        d = resp.read()
        if not d:
            break
        send(d)
        sent += len(d)
    left = extra
    try:
        while left:
            n = min(BUF, left)
            send(b"x" * n)
            left -= n
    except ClientGone:
        e.update(resp_bytes=sent + extra - left,
                 note="client gave up %d bytes into the %d appended"
                 % (extra - left, extra))
        self.log_entry()
        return
    e["resp_bytes"] = sent + extra
    e["note"] = "%d bytes appended to %d" % (extra, sent)
    if stall and not self.stall(stall, sent + extra):
        return  # the client went away: logged by stall()
    self.log_entry()
    if chunked:
        self.write(b"0\r\n\r\n")
    self.close_client()


Handler.fault_append = _fault_append


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--upstream", required=True, help="http(s)://127.0.0.1:PORT")
    p.add_argument("--ca", help="CA certificate(s) for an HTTPS upstream")
    p.add_argument("--port-file", help="write the port here once listening")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--log", help="JSON lines log (default stderr)")
    p.add_argument("--control-file", help="JSON rules, re-read when changed")
    p.add_argument("--seed", type=int, default=1, help="RNG seed for prob (1)")
    p.add_argument("--record", action="store_true",
                   help="recorder: log every request's headers too")
    p.add_argument("--upstream-user", help="USER:PASS (recorder mode)")
    p.add_argument("--client-timeout", type=float, default=300)
    p.add_argument("--upstream-timeout", type=float, default=300)
    args = p.parse_args()

    u = urllib.parse.urlsplit(args.upstream)
    if u.scheme not in ("http", "https") or not u.hostname:
        p.error("--upstream must be http(s)://HOST[:PORT]")
    cfg = Config()
    cfg.upstream = args.upstream
    cfg.up_scheme = u.scheme
    cfg.up_host = u.hostname
    cfg.up_port = u.port or (443 if u.scheme == "https" else 80)
    cfg.up_netloc = u.netloc
    cfg.up_names = {u.hostname.lower()}
    if u.hostname in ("127.0.0.1", "localhost", "::1"):
        cfg.up_names |= {"127.0.0.1", "localhost", "::1"}
    cfg.ssl_context = ssl.create_default_context(cafile=args.ca)
    cfg.client_timeout = args.client_timeout
    cfg.upstream_timeout = args.upstream_timeout
    cfg.record = args.record
    cfg.upstream_user = args.upstream_user
    cfg.lock = threading.Lock()
    cfg.conn_seq = 0
    cfg.log = Log(args.log)
    cfg.control = Control(args.control_file, args.seed, cfg.log)
    cfg.control.maybe_reload()
    Handler.cfg = cfg

    httpd = Server(("127.0.0.1", args.port), Handler)
    cfg.port = httpd.server_address[1]
    if args.control_file:
        threading.Thread(target=cfg.control.watch, daemon=True).start()
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w", encoding="ascii") as f:
            f.write("%d\n" % cfg.port)
        os.replace(tmp, args.port_file)
    print("fault-proxy: %s on http://127.0.0.1:%d -> %s (pid %d)"
          % ("recorder" if args.record else "proxy", cfg.port, args.upstream,
             os.getpid()), file=sys.stderr, flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    # SIGTERM ends the process through the default handler.
    sys.exit(main())
