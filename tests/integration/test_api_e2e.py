# SPDX-License-Identifier: MIT
"""quern-api with the real registry and the real quern-runner: the example
plugins executed through HTTP end to end (sync, async, multipart, failure,
file outputs, logs, metadata, dismiss of a running job, subscriber callbacks)."""
import email
import http.server
import json
import threading
import time
import unittest

from api_support import OGC_REL, OgcSchemas, links_by_rel
from harness import Stack, poll

TS = "teststring"


class Callbacks(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        Callbacks.received.append((self.path, self.rfile.read(n)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *a):
        pass


class EndToEndTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Stack("api_e2e", config={"callbacks": {"allow_private": True},
                                         "api": {"sync_timeout": 60}})
        cls.schemas = OgcSchemas()
        cls.runner = cls.s.start_runner()
        poll(lambda: cls.s.db.value("SELECT count(*) FROM quern.runners") == 1, timeout=30,
             what="the runner to register")
        cls.hooks = http.server.HTTPServer(("127.0.0.1", 0), Callbacks)
        threading.Thread(target=cls.hooks.serve_forever, daemon=True).start()

    @classmethod
    def tearDownClass(cls):
        cls.hooks.shutdown()
        cls.s.stop()

    def execute(self, pid, body, prefer=None):
        headers = {"Prefer": prefer} if prefer else {}
        return self.s.post(f"/processes/{pid}/execution", body, headers=headers)

    def follow(self, r, timeout=60):
        self.assertEqual(r.status_code, 201, r.text)
        loc = r.headers["Location"].replace(self.s.url, "")
        return poll(lambda: (d := self.s.get(loc).json())["status"] in ("successful", "failed", "dismissed") and d,
                    timeout=timeout, what="the job to end")

    def test_echo_sync_document(self):
        r = self.execute("echo", {"inputs": {"text": TS, "labels": "one"}, "response": "document"})
        self.assertEqual(r.status_code, 200, r.text)
        doc = r.json()
        self.schemas.validate("results", doc)
        self.assertEqual(doc["text"], TS)
        self.assertEqual(doc["labels"], ["one"])
        self.assertIn("rel=monitor", r.headers["Link"])

    def test_echo_sync_multipart(self):
        r = self.execute("echo", {"inputs": {"text": TS},
                                  "outputs": {"text": {"transmissionMode": "value"},
                                              "labels": {"transmissionMode": "value"}}})
        self.assertEqual(r.status_code, 200, r.text)
        self.assertTrue(r.headers["Content-Type"].startswith("multipart/related"))
        msg = email.message_from_bytes(b"Content-Type: " + r.headers["Content-Type"].encode() + b"\r\n\r\n"
                                       + r.content)
        parts = {p["Content-ID"].strip("<>"): p.get_payload() for p in msg.get_payload()}
        self.assertEqual(parts["text"], TS)

    def test_echo_async_results_logs_metadata(self):
        r = self.execute("echo", {"inputs": {"text": TS}}, prefer="respond-async")
        st = self.follow(r)
        self.assertEqual(st["status"], "successful", st)
        self.schemas.validate("statusInfo", st)
        href = links_by_rel(st)[OGC_REL + "results"][0]["href"]
        self.assertEqual(self.s.get(href.replace(self.s.url, "")).json()["text"], TS)
        jid = st["jobID"]
        meta = self.s.get(f"/jobs/{jid}/metadata").json()
        self.assertEqual(meta["backend"], "local")
        self.assertIn("runner", meta)
        self.assertTrue(meta["backendJobID"])
        logs = self.s.get(f"/jobs/{jid}/logs").json()
        self.assertEqual(logs["status"], "successful")

    def test_fail_sync_and_results(self):
        r = self.execute("fail", {"inputs": {"message": "boom"}})
        self.assertGreaterEqual(r.status_code, 400, r.text)
        self.schemas.validate("exception", r.json())
        jid = r.headers["Link"].split("/jobs/")[1].split(">")[0]
        rr = self.s.get(f"/jobs/{jid}/results")
        self.assertEqual(rr.status_code, r.status_code)
        text = self.s.get(f"/jobs/{jid}/logs", headers={"Accept": "text/plain"}).text
        self.assertIn("error: boom", text)

    def test_file_outputs(self):
        st = self.follow(self.execute("files", {"inputs": {"lines": 4}}, prefer="respond-async"))
        self.assertEqual(st["status"], "successful", st)
        doc = self.s.get(f"/jobs/{st['jobID']}/results").json()
        self.assertEqual(doc["report"]["type"], "text/plain")
        r = self.s.get(doc["report"]["href"].replace(self.s.url, ""))
        self.assertEqual(r.status_code, 200)
        self.assertTrue(r.headers["Content-Type"].startswith("text/plain"))
        self.assertEqual(int(r.headers["Content-Length"]), len(r.content))
        self.assertEqual(len(r.text.splitlines()), 4)

    def test_dismiss_running_job(self):
        r = self.execute("echo", {"inputs": {"text": TS, "pause": 60}}, prefer="respond-async")
        jid = r.json()["jobID"]
        self.s.wait_status(jid, "running", timeout=30)
        d = self.s.delete(f"/jobs/{jid}")
        self.assertEqual(d.status_code, 200)
        self.assertEqual(d.json()["status"], "dismissed")
        job = self.s.wait_status(jid, timeout=30)
        self.assertEqual(job["status"], "dismissed")

    def test_subscriber_callback(self):
        port = self.hooks.server_address[1]
        Callbacks.received.clear()
        r = self.execute("echo", {"inputs": {"text": TS},
                                  "subscriber": {"successUri": f"http://127.0.0.1:{port}/ok",
                                                 "failedUri": f"http://127.0.0.1:{port}/failed"}},
                         prefer="respond-async")
        self.assertEqual(r.status_code, 201, r.text)
        poll(lambda: any(p == "/ok" for p, _ in Callbacks.received), timeout=30, what="the success callback")


if __name__ == "__main__":
    unittest.main()
