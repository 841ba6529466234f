# SPDX-License-Identifier: MIT
"""The bad-input suite (every case answered with the right 4xx exception and the
server still answering), database loss (503 fast, reconnect after a killed
connection), and owslib reading the API."""
import json
import os
import socket
import time
import unittest

from api_support import ApiStack, OgcSchemas, OGC_EXC
from harness import VALGRIND_LOGS, Lighttpd, workdir, write_config

GOOD = {"inputs": {"stringInput": "Value1"}}


class BadInputTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = ApiStack("api_bad")
        cls.schemas = OgcSchemas()

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def tearDown(self):
        r = self.s.get("/")  # the server still answers after every case
        self.assertEqual(r.status_code, 200)
        self.assertEqual(self.s.get("/processes/echo").status_code, 200)

    def post_raw(self, data, path="/processes/echo-async/execution", ctype="application/json"):
        return self.s.post(path, data, headers={"Content-Type": ctype})

    def assert_exc(self, r, status):
        self.assertEqual(r.status_code, status, r.text[:300])
        self.assertEqual(r.headers["Content-Type"], "application/json")
        self.schemas.validate("exception", r.json())
        return r.json()

    def test_malformed_json(self):
        for body in (b"{", b"{\"inputs\": }", b"[1,2", b"nul", b"{\"inputs\": {\"a\": 1,}}",
                     b"{\"inputs\": {}} trailing", b"\xef\xbb\xbf{}", b"", b"   "):
            with self.subTest(body=body):
                self.assert_exc(self.post_raw(body), 400)

    def test_not_an_object(self):
        for body in ([], "x", 1, None, {"inputs": []}, {"inputs": "x"}, {"outputs": []}):
            with self.subTest(body=body):
                self.assert_exc(self.post_raw(json.dumps(body)), 400)

    def test_invalid_utf8(self):
        self.assert_exc(self.post_raw(b'{"inputs": {"stringInput": "\xff\xfe"}}'), 400)
        self.assert_exc(self.post_raw(b'{"inputs": {"stringInput": "\xc3"}}'), 400)
        # lighttpd itself rejects a request line with invalid UTF-8 (its own 400 page)
        self.assertIn(self.s.get("/processes/%ff%fe").status_code, (400, 404))

    def test_nul_bytes(self):
        self.assert_exc(self.post_raw(b'{"inputs": {"stringInput": "a\x00b"}}'), 400)
        self.assert_exc(self.post_raw(b'{"inputs": {"stringInput": "a\\u0000b"}}'), 400)
        # an encoded NUL in the URL: lighttpd refuses it before quern sees it; quern's own
        # refusal is covered by check_http (http_pct_decode)
        self.assertEqual(self.s.get("/processes/echo%00").status_code, 400)
        self.assertEqual(self.s.get("/processes?limit=1%00").status_code, 400)

    def test_deep_nesting(self):
        body = '{"inputs": {"complexObjectInput": ' + "[" * 10000 + "]" * 10000 + "}}"
        doc = self.assert_exc(self.post_raw(body), 400)
        self.assertIn("deep", doc["detail"])
        body = '{"inputs": ' + '{"a":' * 10000 + "1" + "}" * 10000 + "}"
        self.assert_exc(self.post_raw(body), 400)

    def test_huge_body(self):
        body = b'{"inputs": {"stringInput": "' + b"x" * (20 * 1024 * 1024) + b'"}}'
        t0 = time.monotonic()
        self.assert_exc(self.post_raw(body), 413)
        self.assertLess(time.monotonic() - t0, 20)

    def test_path_traversal_and_sql_ids(self):
        for pid in ("..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fetc", "echo'--", "echo%27%20OR%201%3D1",
                    "x" * 300, "%2e%2e"):
            with self.subTest(pid=pid):
                r = self.s.get(f"/processes/{pid}")
                self.assertEqual(r.status_code, 404, r.text)
                r = self.s.post(f"/processes/{pid}/execution", GOOD)
                self.assertIn(r.status_code, (404,), r.text)
        for jid in ("1;DROP TABLE quern.jobs", "' OR ''='", "00000000-0000-0000-0000-00000000000g"):
            with self.subTest(jid=jid):
                self.assertEqual(self.s.get(f"/jobs/{jid}").status_code, 404)
                self.assertEqual(self.s.delete(f"/jobs/{jid}").status_code, 404)
        self.assertEqual(self.s.db.value("SELECT count(*) FROM quern.processes"), 3)
        r = self.s.get("/jobs?processID=" + "%27%3B%20DROP%20TABLE%20quern.jobs--")
        self.assert_exc(r, 400)

    def test_unknown_query_params(self):
        jid = self.s.post("/processes/echo-async/execution", GOOD).json()["jobID"]
        for path in ("/processes?x=1", "/processes/echo?x=1", "/jobs?nope=1", "/conformance?limit=3&x=",
                     "/api?x=1", "/processes?f=xml", "/?x=1", f"/jobs/{jid}?x=1", f"/jobs/{jid}/results?x=1",
                     f"/jobs/{jid}/logs?x=1", f"/jobs/{jid}/metadata?x=1"):
            with self.subTest(path=path):
                self.assert_exc(self.s.get(path), 400)

    def test_wrong_method(self):
        import requests
        r = requests.put(self.s.url + "/jobs/x", data="{}", timeout=10)
        self.assert_exc(r, 405)
        r = requests.patch(self.s.url + "/jobs", data="{}", timeout=10)
        self.assert_exc(r, 405)
        r = requests.get(self.s.url + "/processes/echo/execution", timeout=10)
        self.assert_exc(r, 405)
        self.assertEqual(r.headers["Allow"], "POST, OPTIONS")

    def test_many_params_and_long_query(self):
        q = "&".join(f"p{i}=1" for i in range(100))
        self.assert_exc(self.s.get("/processes?" + q), 400)


class DatabaseLossTest(unittest.TestCase):
    @unittest.skipIf(VALGRIND_LOGS, "times the answer: meaningless under valgrind")
    def test_dead_database_is_503_fast(self):
        d = workdir("api_deaddb")
        cfg = write_config(os.path.join(d, "quern.yaml"),
                           {"database": {"url": f"host={d}/nosocket dbname=x user=quern"}})
        web = Lighttpd(d, cfg)
        try:
            for path in ("/processes", "/processes/echo", "/jobs", "/api",
                         "/jobs/00000000-0000-0000-0000-000000000000"):
                t0 = time.monotonic()
                r = __import__("requests").get(web.url + path, timeout=10)
                self.assertEqual(r.status_code, 503, r.text)
                self.assertLess(time.monotonic() - t0, 2)
                doc = r.json()
                self.assertEqual(doc["status"], 503)
                self.assertNotIn("nosocket", r.text)  # no connection details leak
            r = __import__("requests").post(web.url + "/processes/echo/execution", json=GOOD, timeout=10)
            self.assertEqual(r.status_code, 503)
            self.assertEqual(__import__("requests").get(web.url + "/", timeout=10).status_code, 200)
        finally:
            web.stop()

    def test_reconnects_after_lost_connection(self):
        s = ApiStack("api_reconnect")
        try:
            self.assertEqual(s.get("/processes/echo").status_code, 200)
            killed = s.db.value("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                "WHERE application_name = 'quern-api' AND datname = current_database()")
            self.assertGreaterEqual(killed, 1)
            for _ in range(4):  # every worker answers on a new connection
                self.assertEqual(s.get("/processes/echo").status_code, 200)
        finally:
            s.stop()


class OwslibTest(unittest.TestCase):
    def test_owslib_reads_the_api(self):
        from owslib.ogcapi.processes import Processes
        s = ApiStack("api_owslib")
        try:
            p = Processes(s.url + "/")
            self.assertIn("links", p.response)
            conf = p.conformance()
            self.assertIn("http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/core", conf["conformsTo"])
            procs = p.processes()
            self.assertEqual({x["id"] for x in procs["processes"]}, {"echo", "echo-async", "echo-sync"})
            desc = p.process("echo")
            self.assertEqual(desc["id"], "echo")
            api = p.api()
            self.assertTrue(api["openapi"].startswith("3.0"))
        finally:
            s.stop()


if __name__ == "__main__":
    unittest.main()
