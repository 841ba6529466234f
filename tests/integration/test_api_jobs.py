# SPDX-License-Identifier: MIT
"""The job resources: list filters and keyset paging, statusInfo, dismiss,
results (+ one output, files), logs and metadata, ownership by REMOTE_USER."""
import json
import time
import unittest

from api_support import ApiStack, FakeRunner, OgcSchemas, OGC_EXC, OGC_REL, links_by_rel, run_job

GOOD = {"stringInput": "Value1"}


class JobsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = ApiStack("api_jobs")
        cls.schemas = OgcSchemas()
        from api_support import echo_description, insert_process
        insert_process(cls.s.db, echo_description("echo-d", jco=("async-execute", "dismiss")))
        cls.ids = []
        for i in range(23):
            pid = "echo-async" if i % 2 else "echo"
            r = cls.s.post(f"/processes/{pid}/execution", {"inputs": GOOD},
                           headers={"Prefer": "respond-async"})
            assert r.status_code == 201, r.text
            cls.ids.append(r.json()["jobID"])
        # a spread of states and durations
        for i, jid in enumerate(cls.ids[:10]):
            run_job(cls.s.db, jid, "successful" if i % 3 else "failed",
                    results={"stringInput": "Value1"} if i % 3 else None,
                    exception=None if i % 3 else {"type": "urn:x", "title": "boom", "status": 502})
            cls.s.db.query("UPDATE quern.jobs SET started = finished - make_interval(secs => %s) WHERE id=%s",
                           (i * 10, jid))

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def get(self, path, status=200, **kw):
        r = self.s.get(path.replace(self.s.url, ""), **kw)
        self.assertEqual(r.status_code, status, r.text)
        return r.json()

    def walk(self, query):
        if "processID" not in query:
            query += "&processID=echo,echo-async"
        seen, url, pages = [], f"/jobs?{query}", 0
        while url:
            doc = self.get(url)
            self.schemas.validate("jobList", doc)
            for j in doc["jobs"]:
                self.schemas.validate("statusInfo", j)
                self.assertNotIn(None, j.values())
            seen += [j["jobID"] for j in doc["jobs"]]
            nxt = links_by_rel(doc).get("next")
            url = nxt[0]["href"] if nxt else None
            pages += 1
            self.assertLess(pages, 50)
        return seen

    def test_paging_walk(self):
        for limit in (1, 4, 10, 23, 1000):
            with self.subTest(limit=limit):
                seen = self.walk(f"limit={limit}")
                self.assertEqual(sorted(seen), sorted(self.ids))
                self.assertEqual(len(seen), len(set(seen)))
                self.assertEqual(seen, list(reversed(self.ids)))  # newest first

    def test_filters(self):
        self.assertEqual(len(self.walk("processID=echo&limit=5")), 12)
        self.assertEqual(len(self.walk("processID=echo,echo-async")), 23)
        self.assertEqual(len(self.walk("processID=echo&processID=echo-async")), 23)
        self.assertEqual(len(self.walk("processID=other")), 0)
        self.assertEqual(len(self.walk("status=failed")), 4)
        self.assertEqual(len(self.walk("status=successful,failed")), 10)
        self.assertEqual(len(self.walk("status=accepted")), 13)
        self.assertEqual(len(self.walk("type=process")), 23)
        self.assertEqual(len(self.walk("type=wps")), 0)
        self.assertEqual(len(self.walk("minDuration=50")), 5)
        self.assertEqual(len(self.walk("maxDuration=30")), 4)
        self.assertEqual(len(self.walk("minDuration=20&maxDuration=40")), 3)
        created = self.s.job(self.ids[5])["created"].isoformat()
        self.assertEqual(len(self.walk(f"datetime={created.replace('+', '%2B')}")), 1)
        self.assertEqual(len(self.walk(f"datetime={created.replace('+', '%2B')}/..")), 18)
        self.assertEqual(len(self.walk(f"datetime=../{created.replace('+', '%2B')}")), 6)
        self.assertEqual(len(self.walk("datetime=2000-01-01T00:00:00Z/2001-01-01T00:00:00Z")), 0)
        for bad in ("status=done", "limit=0", "limit=10001", "minDuration=-1", "maxDuration=x",
                    "datetime=yesterday", "datetime=2020-13-45T00:00:00Z", "processID=a'b", "after=1",
                    "type=zzz", "bogus=1"):
            with self.subTest(query=bad):
                r = self.s.get(f"/jobs?{bad}")
                self.assertEqual(r.status_code, 400, r.text)
                self.schemas.validate("exception", r.json())

    def test_status_info(self):
        doc = self.get(f"/jobs/{self.ids[15]}")
        self.schemas.validate("statusInfo", doc)
        self.assertEqual(doc["status"], "accepted")
        self.assertNotIn("started", doc)
        self.assertNotIn("finished", doc)
        rels = links_by_rel(doc)
        self.assertIn("self", rels)
        self.assertIn("monitor", rels)
        self.assertNotIn(OGC_REL + "results", rels)
        doc = self.get(f"/jobs/{self.ids[1]}")
        self.assertEqual(doc["status"], "successful")
        self.assertTrue(doc["finished"].endswith("Z"))
        self.assertIn(OGC_REL + "results", links_by_rel(doc))
        html = self.s.get(f"/jobs/{self.ids[1]}?f=html").text
        self.assertIn("successful", html)
        self.assertIn(f"/jobs/{self.ids[1]}?f=json", html)
        for bad in ("nope", "00000000-0000-0000-0000-000000000000", "1 OR 1=1", "..%2F..%2Fetc%2Fpasswd"):
            r = self.s.get(f"/jobs/{bad}")
            self.assertEqual(r.status_code, 404, bad)
            self.assertEqual(r.json()["type"], OGC_EXC + "no-such-job")

    def test_results(self):
        r = self.s.get(f"/jobs/{self.ids[1]}/results")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json(), {"stringInput": "Value1"})
        r = self.s.get(f"/jobs/{self.ids[1]}/results/stringInput")
        self.assertEqual(r.text, "Value1")
        self.assertEqual(self.s.get(f"/jobs/{self.ids[1]}/results/nope").status_code, 404)
        r = self.s.get(f"/jobs/{self.ids[0]}/results")
        self.assertEqual(r.status_code, 502)
        self.assertEqual(r.json()["title"], "boom")
        r = self.s.get(f"/jobs/{self.ids[20]}/results")
        self.assertEqual(r.status_code, 404)
        self.assertEqual(r.json()["type"], OGC_EXC + "result-not-ready")
        self.assertEqual(self.s.get("/jobs/00000000-0000-0000-0000-000000000000/results").json()["type"],
                         OGC_EXC + "no-such-job")

    def test_file_output(self):
        jid = self.ids[2]
        payload = bytes(range(256)) * 40
        self.s.db.query("INSERT INTO quern.job_files (job_id, output_id, name, media_type, bytes, sha256, content) "
                        "VALUES (%s, 'imagesInput', 'imagesInput.tif', 'image/tiff', %s, 'x', %s)",
                        (jid, len(payload), payload))
        doc = self.get(f"/jobs/{jid}/results")
        self.assertEqual(doc["imagesInput"]["href"], f"{self.s.url}/jobs/{jid}/results/imagesInput")
        self.assertEqual(doc["imagesInput"]["type"], "image/tiff")
        r = self.s.get(f"/jobs/{jid}/results/imagesInput")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.headers["Content-Type"], "image/tiff")
        self.assertEqual(int(r.headers["Content-Length"]), len(payload))
        self.assertEqual(r.content, payload)

    def test_dismiss(self):
        r = self.s.post("/processes/echo-d/execution", {"inputs": GOOD})
        accepted = r.json()["jobID"]
        r = self.s.delete(f"/jobs/{accepted}")
        self.assertEqual(r.status_code, 200, r.text)
        self.schemas.validate("statusInfo", r.json())
        self.assertEqual(r.json()["status"], "dismissed")
        self.assertEqual(self.s.job(accepted)["status"], "dismissed")
        # running: dismiss requested, the runner's business from here
        running = self.s.post("/processes/echo-d/execution", {"inputs": GOOD}).json()["jobID"]
        self.s.db.query("UPDATE quern.jobs SET status='running', runner='x', started=now(), "
                        "lease_until=now() + interval '1 minute' WHERE id=%s", (running,))
        r = self.s.delete(f"/jobs/{running}")
        self.assertEqual(r.json()["status"], "dismissed")
        row = self.s.job(running)
        self.assertTrue(row["dismiss_requested"])
        self.assertEqual(row["status"], "running")
        # finished: results and files go
        done = self.s.post("/processes/echo-d/execution", {"inputs": GOOD}).json()["jobID"]
        run_job(self.s.db, done, results={"stringInput": "Value1"})
        self.s.db.query("INSERT INTO quern.job_files (job_id, output_id, name, bytes, sha256, content) "
                        "VALUES (%s, 'x', 'x.bin', 1, 'x', '\\x00')", (done,))
        self.assertEqual(self.s.delete(f"/jobs/{done}").json()["status"], "dismissed")
        self.assertIsNone(self.s.job(done)["results"])
        self.assertEqual(self.s.db.value("SELECT count(*) FROM quern.job_files WHERE job_id=%s", (done,)), 0)
        self.assertEqual(self.s.get(f"/jobs/{done}/results").status_code, 404)
        self.assertEqual(self.s.delete("/jobs/00000000-0000-0000-0000-000000000000").status_code, 404)
        self.assertEqual(self.s.delete("/jobs/junk").status_code, 404)

    def test_logs_and_metadata(self):
        jid = self.ids[4]
        for seq in range(1, 6):
            self.s.db.query("INSERT INTO quern.job_logs (job_id, seq, stream, line) VALUES (%s, %s, %s, %s)",
                            (jid, seq, "stdout" if seq % 2 else "stderr", f"line <{seq}>"))
        doc = self.get(f"/jobs/{jid}/logs")
        self.assertEqual(doc["jobID"], jid)
        self.assertEqual([l["seq"] for l in doc["logs"]], [1, 2, 3, 4, 5])
        doc = self.get(f"/jobs/{jid}/logs?since=3")
        self.assertEqual([l["line"] for l in doc["logs"]], ["line <4>", "line <5>"])
        r = self.s.get(f"/jobs/{jid}/logs", headers={"Accept": "text/plain"})
        self.assertTrue(r.headers["Content-Type"].startswith("text/plain"))
        self.assertEqual(len(r.text.splitlines()), 5)
        self.assertIn("line <3>", r.text)
        html = self.s.get(f"/jobs/{jid}/logs?f=html").text
        self.assertIn("line &lt;3&gt;", html)
        self.assertEqual(self.s.get(f"/jobs/{jid}/logs?since=x").status_code, 400)
        meta = self.get(f"/jobs/{jid}/metadata")
        self.assertEqual(meta["processID"], "echo")
        self.assertEqual(meta["backend"], "local")
        self.assertEqual(meta["command"], ["/bin/true"])
        self.assertEqual(len(meta["inputsDigest"]), 64)
        self.assertIn("Metadata", self.s.get(f"/jobs/{jid}/metadata?f=html").text)

    def test_html_for_every_get(self):
        jid = self.ids[1]
        for path in ("/", "/conformance", "/processes", "/processes/echo", "/jobs", f"/jobs/{jid}",
                     f"/jobs/{jid}/results", f"/jobs/{jid}/logs", f"/jobs/{jid}/metadata", "/api"):
            with self.subTest(path=path):
                r = self.s.get(path, headers={"Accept": "text/html"})
                self.assertEqual(r.status_code, 200)
                self.assertTrue(r.headers["Content-Type"].startswith("text/html"))
                self.assertIn('rel="alternate"', r.text)
                j = self.s.get(path, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
                self.assertTrue(j.headers["Content-Type"].startswith("text/html"))
                j = self.s.get(path + ("&" if "?" in path else "?") + "f=json", headers={"Accept": "text/html"})
                self.assertFalse(j.headers["Content-Type"].startswith("text/html"))

    def test_ownership(self):
        # lighttpd passes no REMOTE_USER here; the owner filter is exercised through
        # the Apache auth test (test_api_servers). Jobs of anonymous submitters have
        # no submitter recorded.
        self.assertIsNone(self.s.job(self.ids[0])["submitter"])


if __name__ == "__main__":
    unittest.main()
