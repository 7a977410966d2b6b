#!/usr/bin/env python3
"""A hostile or broken Bitbucket for t-hostile.sh.

    hostile.py SCENARIO PORTFILE LOGFILE

Listens on 127.0.0.1 and 127.0.0.2 (ports chosen by the system), writes
"PORT OTHERPORT" to PORTFILE once both listen, and logs one line per
request to LOGFILE: "HOST:PORT METHOD PATH auth=yes|no". The scenario says
how it misbehaves:

  userinfo   the repository list names a next page http://127.0.0.1:P@127.0.0.2:Q/...
  octal      the repository list names a next page on http://0127.0.0.1:P/...
  loop       the repository list goes A -> B -> A
  dummy      every page is page 1, the next changes only a dummy parameter
  empty      every page is empty and names a next one
  dotdot     the repository list holds the slug '..'; members answer the account id '..'
  ratelimit  every write answers 429 with Retry-After: 0
  escape     GET /user answers 403 with escape sequences in the message
  dc-stall   Data Center: nextPageStart never moves past the start asked for
  ok         every write succeeds, every list is empty
"""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

SCENARIO, PORTFILE, LOGFILE = sys.argv[1:4]
lock = threading.Lock()
ports = {}
first_list = {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def log(self):
        host, port = self.server.server_address[:2]
        with lock, open(LOGFILE, "a") as f:
            f.write("%s:%d %s %s auth=%s\n" % (host, port, self.command, self.path,
                                               "yes" if self.headers.get("Authorization") else "no"))

    def send(self, status, body, headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def base(self):
        return "http://127.0.0.1:%d" % ports["a"]

    def do_GET(self):
        self.log()
        u = urlsplit(self.path)
        q = parse_qs(u.query)
        p = u.path
        if p == "/2.0/user":
            if SCENARIO == "escape":
                msg = "denied \x1b[31mRED\x1b]0;owned\x07 \x1b[2J\r\nX"
                return self.send(403, {"type": "error", "error": {"message": msg}})
            return self.send(200, {"uuid": "{me}"})
        if p == "/2.0/repositories/acme":
            return self.repo_list(q)
        if p == "/2.0/workspaces/acme/members":
            if SCENARIO == "dotdot":
                return self.send(200, {"values": [{"user": {"email": "x@example.com",
                                                            "account_id": ".."}}]})
            return self.send(200, {"values": []})
        if p == "/rest/api/latest/projects":     # the check before the first row
            return self.send(200, {"start": 0, "isLastPage": True, "values": []})
        if p.startswith("/rest/api/latest/projects/PRJ/repos") and p.endswith("/repos"):
            start = int(q.get("start", ["0"])[0])
            if SCENARIO == "dc-stall":
                # says it starts at 0 whatever was asked, and names 1 next
                return self.send(200, {"start": 0, "limit": 1000, "size": 1, "isLastPage": False,
                                       "nextPageStart": 1, "values": [{"slug": "r%d" % start,
                                                                       "project": {"key": "PRJ"}}]})
            return self.send(200, {"start": 0, "isLastPage": True, "values": []})
        if "/permissions" in p:
            return self.send(200, {"values": [], "isLastPage": True, "start": 0})
        self.send(404, {"type": "error", "error": {"message": "not found: " + p}})

    def repo_list(self, q):
        with lock:
            first = first_list.setdefault("url", self.base() + self.path)
        page = q.get("page", [None])[0]
        here = self.base() + "/2.0/repositories/acme"
        if SCENARIO == "userinfo":
            nxt = "http://127.0.0.1:%d@127.0.0.2:%d/2.0/repositories/acme?page=2" % (ports["a"], ports["b"])
            return self.send(200, {"values": [{"slug": "r1"}], "next": nxt})
        if SCENARIO == "octal":
            nxt = "http://0127.0.0.1:%d/2.0/repositories/acme?page=2" % ports["a"]
            return self.send(200, {"values": [{"slug": "r1"}], "next": nxt})
        if SCENARIO == "loop":
            nxt = first if page == "b" else here + "?page=b"
            return self.send(200, {"values": [{"slug": "r1"}], "next": nxt})
        if SCENARIO == "dummy":
            n = int(q.get("x", ["0"])[0]) + 1
            return self.send(200, {"page": 1, "values": [{"slug": "r1"}],
                                   "next": here + "?page=1&x=%d" % n})
        if SCENARIO == "empty":
            n = int(page or "1") + 1
            return self.send(200, {"values": [], "next": here + "?page=%d" % n})
        if SCENARIO == "dotdot":
            return self.send(200, {"values": [{"slug": ".."}, {"slug": "r1"}]})
        return self.send(200, {"values": [{"slug": "r1"}]})

    def do_PUT(self):
        self.log()
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        if SCENARIO == "ratelimit":
            return self.send(429, b"Rate limit for this resource has been exceeded",
                             [("Retry-After", "0")])
        self.send(200, {"permission": "read"})

    def do_DELETE(self):
        self.log()
        self.send(204, b"")


def main():
    a = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    b = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
    a.daemon_threads = b.daemon_threads = True
    ports["a"], ports["b"] = a.server_address[1], b.server_address[1]
    threading.Thread(target=b.serve_forever, daemon=True).start()
    with open(PORTFILE + ".tmp", "w") as f:
        f.write("%d %d\n" % (ports["a"], ports["b"]))
    import os
    os.rename(PORTFILE + ".tmp", PORTFILE)
    a.serve_forever()


if __name__ == "__main__":
    main()
