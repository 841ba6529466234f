# SPDX-License-Identifier: MIT
"""A throttling stub in front of moto_server.

Why it exists: moto never throttles, and real AWS throttles only under a
load a test cannot make, so quern's retry-with-backoff on 429 would go
untested. This stub answers the first N requests whose path or
X-Amz-Target contains a given word with HTTP 429 TooManyRequestsException
(the rest-json shape Batch uses) and forwards everything else to moto
unchanged. It is the only fake peer in the AWS tests.

    stub = ThrottleStub(moto.url, match="describejobs", count=3)
    stub.url        # give this to quern as aws.endpoint
    stub.throttled  # how many 429s it has served
    stub.stop()

With hold="word" it also keeps each request whose path contains the word
waiting (body read, no answer) until release(): an S3 upload that stays in
flight as long as a test needs, which no real peer can be made to do on
demand. stub.held counts the requests it is holding or has held.
"""
import http.server
import json
import threading

import requests

import harness


class ThrottleStub:
    def __init__(self, upstream, match, count, hold=None):
        self.upstream = upstream
        self.hold = hold
        self.held = 0
        self.released = threading.Event()
        self.match = match.lower()
        self.left = count
        self.throttled = 0
        self.forwarded = 0
        self.lock = threading.Lock()
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                stub._handle(self)

            do_GET = do_PUT = do_DELETE = do_HEAD = do_POST

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", harness.free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _handle(self, h):
        n = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(n) if n else b""
        what = (h.path + " " + (h.headers.get("X-Amz-Target") or "")).lower()
        if self.hold and self.hold in h.path:
            with self.lock:
                self.held += 1
            self.released.wait(120)
        with self.lock:
            throttle = self.match in what and self.left > 0
            if throttle:
                self.left -= 1
                self.throttled += 1
            else:
                self.forwarded += 1
        if throttle:
            out = json.dumps({"__type": "TooManyRequestsException", "message": "Too Many Requests"}).encode()
            h.send_response(429)
            h.send_header("Content-Type", "application/json")
            h.send_header("x-amzn-ErrorType", "TooManyRequestsException")
            h.send_header("Content-Length", str(len(out)))
            h.end_headers()
            h.wfile.write(out)
            return
        headers = {k: v for k, v in h.headers.items() if k.lower() not in ("host", "content-length")}
        r = requests.request(h.command, self.upstream + h.path, headers=headers, data=body, timeout=30)
        h.send_response(r.status_code)
        for k, v in r.headers.items():
            if k.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                h.send_header(k, v)
        h.send_header("Content-Length", str(len(r.content)))
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(r.content)

    def release(self):
        self.released.set()

    def stop(self):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()
