#!/usr/bin/env python3
"""A small HTTP(S) server for tests/node/outbound_http.test.cpp.

Prints the port it listens on (127.0.0.1 and, when available, ::1 is not
used) as the first line of stdout, then serves until killed:
  /echo...         200 JSON {method, path, headers, body}
  /status/NNN      status NNN, text body
  /sleep/MS        sleeps MS ms, then 200 JSON {"max_in_flight": N}
  /big/N           200 with N bytes of 'x'
  /chunked/N       200 with N bytes of 'y', chunked
  /eof             HTTP/1.0-style body delimited by closing the connection
Usage: outbound_http_server.py [--tls CERT KEY]
"""
import json
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
in_flight = 0
max_in_flight = 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, ctype="application/json"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def handle_any(self):
        global in_flight, max_in_flight
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace") if n else ""
        p = self.path
        if p.startswith("/status/"):
            code = int(p.split("/")[2])
            return self.reply(code, "status %d" % code, "text/plain")
        if p.startswith("/sleep/"):
            with lock:
                in_flight += 1
                max_in_flight = max(max_in_flight, in_flight)
            time.sleep(int(p.split("/")[2]) / 1000.0)
            with lock:
                in_flight -= 1
                m = max_in_flight
            return self.reply(200, json.dumps({"max_in_flight": m}))
        if p.startswith("/big/"):
            return self.reply(200, b"x" * int(p.split("/")[2]), "text/plain")
        if p.startswith("/chunked/"):
            n = int(p.split("/")[2])
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            while n > 0:
                k = min(n, 4096)
                self.wfile.write(b"%x\r\n%s\r\n" % (k, b"y" * k))
                n -= k
            self.wfile.write(b"0\r\n\r\n")
            return
        if p == "/eof":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"until the end")
            self.close_connection = True
            return
        hdrs = {k.lower(): v for k, v in self.headers.items()}
        self.reply(200, json.dumps({"method": self.command, "path": p, "headers": hdrs, "body": body}))

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = handle_any


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    if len(sys.argv) >= 4 and sys.argv[1] == "--tls":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[2], sys.argv[3])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
