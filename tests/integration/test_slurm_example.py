# SPDX-License-Identifier: MIT
"""The example Slurm process (plugins/slurm-hello.yaml) end to end: quern-api
behind lighttpd, quern-admin sync, quern-runner with the Slurm backend and a
real one-node Slurm cluster (slurm.py). A client executes the process over
HTTP and reads its results; the job ran as a Slurm batch job."""
import os
import unittest

import slurm
from harness import Stack, poll

CLUSTER = None


def setUpModule():
    global CLUSTER
    if Stack.has_sync():  # else the class skips without starting Slurm
        CLUSTER = slurm.cluster("slurm-example-cluster")


def tearDownModule():
    if CLUSTER is not None:
        CLUSTER.stop()


class SlurmExampleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = None
        if not Stack.has_sync():
            cls.reason = "the process registry (quern-admin sync) is not built in"
        else:
            cls.reason = CLUSTER.skip_reason
        if cls.reason:
            return
        work = os.path.join(CLUSTER.shared_dir, "example")
        os.makedirs(work, exist_ok=True)
        cls.s = Stack("slurm-example", config={
            "runner": {"backends": ["local", "slurm"]},
            "slurm": {"transport": "cli", "work_dir": work, "poll_interval": 300}})
        if "conformsTo" not in cls.s.get("/conformance").text:
            cls.reason = "the HTTP API is not built in (quern-api is the placeholder)"
            cls.s.stop()
            cls.s = None
            return
        cls.r = cls.s.start_runner(env={"SLURM_CONF": CLUSTER.conf})

    @classmethod
    def tearDownClass(cls):
        if cls.s is not None:
            cls.s.stop()

    def setUp(self):
        if self.s is None:
            self.skipTest(self.reason)

    def test_slurm_hello_runs_on_slurm(self):
        r = self.s.get("/processes/slurm-hello")
        self.assertEqual(r.status_code, 200, r.text)
        r = self.s.post("/processes/slurm-hello/execution", {"inputs": {"name": "HPC"}},
                        headers={"Prefer": "respond-async"})
        self.assertEqual(r.status_code, 201, r.text)
        job_id = r.json()["jobID"]
        job = self.s.wait_status(job_id, timeout=60)
        self.assertEqual(job["status"], "successful", job)
        self.assertEqual(job["backend"], "slurm")
        self.assertTrue(job["backend_job_id"].isdigit())
        self.assertEqual(CLUSTER.job_state(job["backend_job_id"]), "COMPLETED")
        status = self.s.get(f"/jobs/{job_id}").json()
        self.assertEqual(status["status"], "successful")
        results = self.s.get(f"/jobs/{job_id}/results").json()
        self.assertEqual(results["message"], "Hello, HPC!")
        logs = poll(lambda: self.s.db.query(
            "SELECT stream, line FROM quern.job_logs WHERE job_id = %s", (job_id,)),
            what="the job's log")
        self.assertIn(("stdout", "greeting HPC"), [(l["stream"], l["line"]) for l in logs])


if __name__ == "__main__":
    unittest.main()
