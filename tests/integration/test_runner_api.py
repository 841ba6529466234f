# SPDX-License-Identifier: MIT
"""The whole path with no stand-ins: lighttpd + quern-api take the execute
request, quern-runner runs the example process, the API serves status,
results, file outputs and dismissal."""
import time
import unittest

from harness import Stack, poll


class RunnerThroughApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Stack("runner-api")
        cls.r = cls.s.start_runner()

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def status(self, jid):
        r = self.s.get(f"/jobs/{jid}", headers={"Accept": "application/json"})
        self.assertEqual(r.status_code, 200, r.text[:300])
        return r.json()

    def test_async_execute_then_results(self):
        r = self.s.post("/processes/hello-world/execution", {"inputs": {"name": "runner"}},
                        headers={"Prefer": "respond-async", "Accept": "application/json"})
        self.assertEqual(r.status_code, 201, r.text[:300])
        jid = r.json()["jobID"]
        st = poll(lambda: (j := self.status(jid))["status"] in ("successful", "failed") and j,
                  timeout=30, what="the job to end")
        self.assertEqual(st["status"], "successful", st)
        res = self.s.get(f"/jobs/{jid}/results", headers={"Accept": "application/json"})
        self.assertEqual(res.status_code, 200, res.text[:300])
        self.assertIn("runner", res.text)

    def test_sync_execute_waits_for_the_runner(self):
        t0 = time.monotonic()
        r = self.s.post("/processes/hello-world/execution", {"inputs": {"name": "sync"}},
                        headers={"Prefer": "wait=20", "Accept": "application/json"})
        self.assertEqual(r.status_code, 200, r.text[:300])
        self.assertIn("Hello, sync!", r.text)
        self.assertLess(time.monotonic() - t0, 15)

    def test_file_outputs_served(self):
        r = self.s.post("/processes/files/execution", {"inputs": {"lines": 2}},
                        headers={"Prefer": "respond-async", "Accept": "application/json"})
        self.assertEqual(r.status_code, 201, r.text[:300])
        jid = r.json()["jobID"]
        st = poll(lambda: (j := self.status(jid))["status"] in ("successful", "failed") and j,
                  timeout=30, what="the job to end")
        self.assertEqual(st["status"], "successful", st)
        rows = self.s.db.query("SELECT output_id, name FROM quern.job_files WHERE job_id = %s",
                               (jid,))
        self.assertEqual(len(rows), 2, rows)
        out = rows[0]["output_id"]
        f = self.s.get(f"/jobs/{jid}/results/{out}")
        self.assertEqual(f.status_code, 200, f.text[:300])
        self.assertTrue("line 1 of 2" in f.text or "n,square" in f.text, f.text[:200])

    def test_dismiss_running_job_through_the_api(self):
        r = self.s.post("/processes/sleep/execution", {"inputs": {"seconds": 60}},
                        headers={"Prefer": "respond-async", "Accept": "application/json"})
        self.assertEqual(r.status_code, 201, r.text[:300])
        jid = r.json()["jobID"]
        poll(lambda: self.status(jid)["status"] == "running", timeout=20, what="the job to run")
        d = self.s.delete(f"/jobs/{jid}", headers={"Accept": "application/json"})
        self.assertIn(d.status_code, (200, 202), d.text[:300])
        st = poll(lambda: (j := self.status(jid))["status"] == "dismissed" and j, timeout=15,
                  what="the runner to stop the job")
        self.assertEqual(st["status"], "dismissed")


if __name__ == "__main__":
    unittest.main()
