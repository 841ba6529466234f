# SPDX-License-Identifier: MIT
"""POST /processes/{id}/execution: every Prefer case against async-only, sync-only
and both-mode processes, raw/document/multipart results, failures, timeouts,
input validation (a 400 naming the input for each kind of wrong value)."""
import json
import time
import unittest

from api_support import ApiStack, FakeRunner, OgcSchemas, OGC_EXC, OGC_REL, links_by_rel

GOOD = {"stringInput": "Value1", "doubleInput": 3.5, "arrayInput": [1, 2, 3],
        "measureInput": {"measurement": 1.5, "uom": "m"},
        "complexObjectInput": {"property1": "a", "property5": True},
        "boundingBoxInput": {"bbox": [1, 2, 3, 4], "crs": "urn:ogc:def:crs:EPSG:6.6:4326"}}


class ExecTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = ApiStack("api_exec", config={"api": {"sync_timeout": 5}})
        cls.schemas = OgcSchemas()

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def setUp(self):
        self.runner = None

    def tearDown(self):
        if self.runner:
            self.runner.stop()

    def run_jobs(self, **kw):
        self.runner = FakeRunner(self.s.db, **kw)

    def execute(self, pid="echo", body=None, prefer=None, **kw):
        headers = {"Content-Type": "application/json"}
        if prefer is not None:
            headers["Prefer"] = prefer
        headers.update(kw.pop("headers", {}))
        return self.s.post(f"/processes/{pid}/execution", body if body is not None else {"inputs": GOOD},
                           headers=headers, **kw)

    def assert_async(self, r, applied, mode="async"):
        self.assertEqual(r.status_code, 201, r.text)
        loc = r.headers["Location"]
        self.assertTrue(loc.startswith(self.s.url + "/jobs/"), loc)
        doc = r.json()
        self.schemas.validate("statusInfo", doc)
        self.assertEqual(doc["status"], "accepted")
        self.assertEqual(loc, self.s.url + "/jobs/" + doc["jobID"])
        self.assertNotIn(None, doc.values())
        if applied:
            self.assertEqual(r.headers.get("Preference-Applied"), "respond-async")
        else:
            self.assertNotIn("Preference-Applied", r.headers)
        job = self.s.job(doc["jobID"])
        self.assertEqual(job["mode"], mode)
        return doc

    def assert_sync(self, r):
        self.assertEqual(r.status_code, 200, r.text)
        self.assertNotIn("Location", r.headers)
        self.assertIn('rel=monitor', r.headers["Link"])
        return r

    # -- the Prefer matrix -------------------------------------------------
    def test_async_only_without_prefer(self):
        self.assert_async(self.execute("echo-async"), applied=False)

    def test_async_only_with_prefer(self):
        self.assert_async(self.execute("echo-async", prefer="respond-async"), applied=True)
        self.assert_async(self.execute("echo-async", prefer="respond-async , wait=10"), applied=True)

    def test_sync_only_without_prefer(self):
        self.run_jobs()
        self.assert_sync(self.execute("echo-sync", body={"inputs": GOOD, "response": "document"}))

    def test_sync_only_with_prefer(self):
        self.run_jobs()
        r = self.assert_sync(self.execute("echo-sync", prefer="respond-async",
                                          body={"inputs": GOOD, "response": "document"}))
        self.assertNotIn("Preference-Applied", r.headers)

    def test_both_without_prefer_is_sync(self):
        self.run_jobs(delay=0.3)
        t0 = time.monotonic()
        r = self.assert_sync(self.execute("echo", body={"inputs": GOOD, "response": "document"}))
        # woken by NOTIFY quern_done, not by the 2 s safety re-read
        done_at = self.runner.finished[r.headers["Link"].split("/jobs/")[1].split(">")[0]]
        self.assertLess(time.monotonic() - done_at, 0.5)
        doc = r.json()
        self.assertEqual(doc["stringInput"], "Value1")
        self.assertEqual(doc["arrayInput"], [1, 2, 3])

    def test_both_with_prefer_is_async(self):
        self.assert_async(self.execute("echo", prefer="respond-async "), applied=True)

    # -- sync result forms -------------------------------------------------
    def test_sync_raw_single_output(self):
        self.run_jobs()
        r = self.assert_sync(self.execute(body={"inputs": GOOD, "outputs": {"stringInput": {}}}))
        self.assertTrue(r.headers["Content-Type"].startswith("text/plain"))
        self.assertEqual(r.text, "Value1")
        r = self.assert_sync(self.execute(body={"inputs": GOOD, "response": "raw",
                                                "outputs": {"arrayInput": {}}}))
        self.assertEqual(r.headers["Content-Type"], "application/json")
        self.assertEqual(r.json(), [1, 2, 3])

    def test_sync_raw_several_outputs_is_multipart(self):
        self.run_jobs()
        r = self.assert_sync(self.execute(body={"inputs": GOOD}))
        ctype = r.headers["Content-Type"]
        self.assertTrue(ctype.startswith("multipart/related; boundary="), ctype)
        boundary = ctype.split("boundary=")[1]
        parts = r.content.split(b"--" + boundary.encode())
        self.assertEqual(parts[-1].strip(), b"--")
        ids = [p.split(b"Content-ID: <")[1].split(b">")[0].decode() for p in parts[1:-1]]
        self.assertIn("stringInput", ids)
        self.assertIn("doubleInput", ids)

    def test_async_results_follow_the_request(self):
        """GET /jobs/{id}/results: raw only when the execute request said "response": "raw"
        (one output: the value; several: multipart); otherwise the results document."""
        self.run_jobs()

        def results(body):
            r = self.execute("echo-async", body=body)
            self.assertEqual(r.status_code, 201, r.text)
            jid = r.json()["jobID"]
            self.s.wait_status(jid)
            return self.s.get(f"/jobs/{jid}/results")

        r = results({"inputs": GOOD, "response": "raw", "outputs": {"stringInput": {}}})
        self.assertEqual(r.status_code, 200, r.text)
        self.assertTrue(r.headers["Content-Type"].startswith("text/plain"), r.headers["Content-Type"])
        self.assertEqual(r.text, "Value1")
        r = results({"inputs": GOOD, "response": "raw"})
        self.assertTrue(r.headers["Content-Type"].startswith("multipart/related"), r.headers["Content-Type"])
        for body in ({"inputs": GOOD}, {"inputs": GOOD, "response": "document"}):
            r = results(dict(body, outputs={"stringInput": {}}))
            self.assertEqual(r.headers["Content-Type"], "application/json")
            self.assertEqual(r.json(), {"stringInput": "Value1"})

    def test_sync_raw_mixed_multipart(self):
        self.run_jobs()
        r = self.assert_sync(self.execute(body={"inputs": GOOD, "response": "raw", "outputs": {
            "stringInput": {"transmissionMode": "value"},
            "arrayInput": {"transmissionMode": "reference"}}}))
        import email
        msg = email.message_from_bytes(b"Content-Type: " + r.headers["Content-Type"].encode() + b"\r\n\r\n" + r.content)
        self.assertTrue(msg.is_multipart())
        parts = {p["Content-ID"]: p for p in msg.get_payload()}
        self.assertEqual(parts["<stringInput>"].get_payload(), "Value1")
        ref = parts["<arrayInput>"]
        self.assertEqual(ref.get_payload().strip(), "")
        self.assertTrue(ref["Content-Location"].endswith("/results/arrayInput"))
        self.assertEqual(self.s.get(ref["Content-Location"].replace(self.s.url, "")).json(), [1, 2, 3])

    def test_sync_raw_single_reference(self):
        self.run_jobs()
        r = self.execute(body={"inputs": GOOD, "outputs": {"arrayInput": {"transmissionMode": "reference"}}})
        self.assertEqual(r.status_code, 204, r.text)
        self.assertIn("/results/arrayInput>", r.headers["Link"])

    def test_unknown_request_member(self):
        r = self.execute("echo", body={"invalid-execute-request": "true)"})
        self.assertEqual(r.status_code, 400)
        self.assertIn("invalid-execute-request", r.json()["detail"])

    def test_sync_document_validates(self):
        self.run_jobs()
        r = self.assert_sync(self.execute(body={"inputs": GOOD, "response": "document"}))
        self.schemas.validate("results", r.json())
        r = self.assert_sync(self.execute(body={"inputs": GOOD, "response": "document",
                                                "outputs": {"stringInput": {"transmissionMode": "reference"}}}))
        link = r.json()["stringInput"]
        self.assertTrue(link["href"].endswith("/results/stringInput"))
        self.assertEqual(self.s.get(link["href"].replace(self.s.url, "")).text, "Value1")

    def test_sync_failure_is_exception(self):
        self.run_jobs(fail=True)
        r = self.execute(body={"inputs": dict(GOOD, stringInput="Value2")})
        self.assertEqual(r.status_code, 500, r.text)
        self.assertEqual(r.json()["title"], "exit status 3")
        self.assertIn('rel=monitor', r.headers["Link"])

    def test_sync_timeout(self):
        t0 = time.monotonic()
        r = self.execute("echo-sync", prefer="wait=1")
        self.assertEqual(r.status_code, 504, r.text)
        self.assertLess(time.monotonic() - t0, 4)
        r = self.execute("echo", prefer="wait=1")
        self.assert_async(r, applied=False, mode="sync")

    def test_default_filled_and_job_row(self):
        r = self.execute("echo-async", body={"inputs": {"stringInput": "Value2"}})
        job = self.s.job(r.json()["jobID"])
        self.assertEqual(job["request"]["inputs"], {"stringInput": "Value2", "doubleInput": 5})
        self.assertNotIn("response", job["request"])  # absent: raw when sync, document at /results
        self.assertEqual(job["priority"], 3)
        self.assertEqual(job["max_attempts"], 2)
        self.assertEqual(job["backend"], "local")
        self.assertEqual(job["definition"]["command"], ["/bin/true"])
        self.assertIsNone(job["submitter"])

    def test_single_value_where_array_expected(self):
        r = self.execute("echo-async", body={"inputs": {"stringInput": "Value1", "arrayInput": 7,
                                                        "imagesInput": "aGVsbG8="}})
        # one integer is not enough for minItems 2
        self.assertEqual(r.status_code, 400, r.text)
        self.assertIn("arrayInput", r.json()["detail"])
        r = self.execute("echo-async", body={"inputs": {"stringInput": "Value1", "imagesInput": "aGVsbG8="}})
        self.assertEqual(r.status_code, 201, r.text)
        r = self.execute("echo-async", body={"inputs": {"stringInput": "Value1",
                                                        "imagesInput": [{"value": "aGVsbG8=", "mediaType": "image/tiff"},
                                                                        {"href": "http://example.com/a.tif"}]}})
        self.assertEqual(r.status_code, 201, r.text)

    # -- bad input ---------------------------------------------------------
    def test_wrong_types_name_the_input(self):
        cases = {
            "stringInput": [5, "Value3", None, [1, 2]],
            "doubleInput": ["x", 0, 11, True],
            "arrayInput": [["a", "b"], [1], list(range(11)), {"a": 1}],
            "measureInput": ["1 m", {"measurement": "x", "uom": "m"}, {"uom": "m"}],
            "complexObjectInput": [{"property1": "a"}, {"property1": "a", "property5": True, "property2": "12-x"}],
            "boundingBoxInput": [{"bbox": [1, 2, 3]}, {"bbox": ["a", 2, 3, 4]}, [1, 2, 3, 4]],
            "imagesInput": ["not base64!", {"href": "file:///etc/passwd"}],
            "pause": [1.5, -1, "5"],
        }
        for name, values in cases.items():
            for v in values:
                with self.subTest(input=name, value=v):
                    inputs = dict(GOOD, **{name: v})
                    r = self.execute("echo-async", body={"inputs": inputs})
                    self.assertEqual(r.status_code, 400, r.text)
                    doc = r.json()
                    self.schemas.validate("exception", doc)
                    self.assertIn(name, doc["detail"])

    def test_unknown_and_missing(self):
        r = self.execute("echo-async", body={"inputs": dict(GOOD, nope=1)})
        self.assertEqual(r.status_code, 400)
        self.assertIn("nope", r.json()["detail"])
        r = self.execute("echo-async", body={"inputs": {}})
        self.assertEqual(r.status_code, 400)
        self.assertIn("stringInput", r.json()["detail"])
        r = self.execute("echo-async", body={"inputs": GOOD, "outputs": {"nope": {}}})
        self.assertEqual(r.status_code, 400)
        self.assertIn("nope", r.json()["detail"])
        r = self.execute("echo-async", body={"inputs": GOOD, "response": "both"})
        self.assertEqual(r.status_code, 400)
        r = self.execute("echo-async", body={"inputs": GOOD, "subscriber": {"successUri": "ftp://x"}})
        self.assertEqual(r.status_code, 400)
        r = self.execute("echo-async", body={"inputs": GOOD, "subscriber": {"successUri": "http://127.0.0.1:9/x",
                                                                          "failedUri": "http://127.0.0.1:9/y"}})
        self.assertEqual(r.status_code, 201, r.text)
        self.assertEqual(self.s.job(r.json()["jobID"])["request"]["subscriber"]["failedUri"], "http://127.0.0.1:9/y")
        self.assertEqual(self.execute("nope").status_code, 404)
        self.assertEqual(self.execute("nope").json()["type"], OGC_EXC + "no-such-process")

    def test_unavailable_process(self):
        from api_support import echo_description, insert_process
        insert_process(self.s.db, echo_description("gone"), available=False)
        self.assertEqual(self.s.get("/processes/gone").status_code, 200)
        r = self.execute("gone")
        self.assertEqual(r.status_code, 404)


if __name__ == "__main__":
    unittest.main()
