# SPDX-License-Identifier: MIT
"""Subscriber callbacks sent by quern-runner, received by a real HTTP listener
on 127.0.0.1 (allowed with callbacks.allow_private) and refused when private
addresses are not allowed."""
import json
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness import Stack, poll
from rjobs import insert_job


class Listener:
    """Records every POST; answers 500 to the first `fail_first` requests of a path."""

    def __init__(self, fail_first=None):
        self.got = []
        self.fail_first = dict(fail_first or {})
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                listener.got.append((self.path, self.headers.get("Content-Type"), json.loads(body)))
                left = listener.fail_first.get(self.path, 0)
                if left > 0:
                    listener.fail_first[self.path] = left - 1
                    self.send_response(500)
                else:
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *a):
                pass

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.srv.server_address[1]}"
        self.t = threading.Thread(target=self.srv.serve_forever, daemon=True)
        self.t.start()

    def posts(self, path):
        return [g for g in self.got if g[0] == path]

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


class CallbacksAllowedTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.http = Listener(fail_first={"/retry": 1})
        cls.s = Stack("runner-callbacks", api=False, config={"callbacks": {"allow_private": True}})
        cls.r = cls.s.start_runner()

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()
        cls.http.close()

    def test_success_and_progress(self):
        sub = {"successUri": self.http.url + "/ok", "inProgressUri": self.http.url + "/progress",
               "failedUri": self.http.url + "/failed"}
        jid = insert_job(self.s.db, "progress.sh", inputs={"seconds": 1}, subscriber=sub)
        self.assertEqual(self.s.wait_status(jid)["status"], "successful")
        path, ctype, body = poll(lambda: self.http.posts("/ok"), what="the success callback")[0]
        self.assertEqual(ctype, "application/json")
        self.assertEqual(body, {"result": {"done": True}})
        progress = poll(lambda: self.http.posts("/progress"), what="a progress callback")
        self.assertEqual(progress[0][2]["jobID"], jid)
        self.assertEqual(progress[0][2]["progress"], 30)
        self.assertEqual([b for _, _, b in self.http.posts("/failed") if b["jobID"] == jid], [])

    def test_failure(self):
        jid = insert_job(self.s.db, "fail.sh", subscriber={"failedUri": self.http.url + "/failed",
                                                           "successUri": self.http.url + "/nope"})
        self.assertEqual(self.s.wait_status(jid)["status"], "failed")
        body = poll(lambda: [b for p, _, b in self.http.posts("/failed") if b["jobID"] == jid],
                    what="the failure callback")[0]
        self.assertEqual(body["status"], "failed")
        self.assertIn("exited with code 3", body["exception"]["detail"])

    def test_retried_after_an_error(self):
        jid = insert_job(self.s.db, "ok.sh", subscriber={"successUri": self.http.url + "/retry"})
        self.assertEqual(self.s.wait_status(jid)["status"], "successful")
        poll(lambda: len(self.http.posts("/retry")) == 2, timeout=10,
             what="the callback to be retried once")


class CallbacksRefusedTest(unittest.TestCase):
    def test_private_address_refused(self):
        http = Listener()
        s = Stack("runner-callbacks-refused", api=False)
        try:
            r = s.start_runner()
            jid = insert_job(s.db, "ok.sh", subscriber={"successUri": http.url + "/ok"})
            self.assertEqual(s.wait_status(jid)["status"], "successful")
            poll(lambda: "refused" in r.log(), what="the refusal to be logged")
            self.assertIn("callback to 127.0.0.1 refused", r.log())
            self.assertEqual(http.got, [])
        finally:
            s.stop()
            http.close()


if __name__ == "__main__":
    unittest.main()
