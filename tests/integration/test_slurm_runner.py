# SPDX-License-Identifier: MIT
"""quern-runner with the Slurm backend end to end: real PostgreSQL, a real
one-node Slurm cluster (slurm.py), jobs inserted in SQL as the API would.
Each case runs over the command-line tools and over slurmrestd (JWT): results
and logs, a failing exit code, the definition's timeout, dismiss of a running
job, and re-attach by backend_job_id after the runner is killed with -9.
Skipped only when Slurm cannot start, with the reason in the summary."""
import json
import os
import unittest

import slurm
from harness import Stack, poll

CLUSTER = None


def setUpModule():
    global CLUSTER
    CLUSTER = slurm.cluster("slurm-runner")


def tearDownModule():
    if CLUSTER is not None:
        CLUSTER.stop()


def insert_slurm_job(db, command, inputs=None, config=None, outputs=None, max_attempts=1):
    d = {"id": "slurm-test", "version": "1.0.0", "host": {"type": "slurm", "partition": "debug"},
         "command": command, "config": config or {}, "inputs": {},
         "outputs": outputs or {"result": {"schema": {"type": "object"}}}}
    request = {"inputs": inputs or {}, "outputs": {}, "response": "document"}
    with db.conn.cursor() as cur:
        cur.execute(
            "INSERT INTO quern.jobs (process_id, process_version, request, definition, backend,"
            " max_attempts) VALUES ('slurm-test', '1.0.0', %s, %s, 'slurm', %s) RETURNING id",
            (json.dumps(request), json.dumps(d), max_attempts))
        return str(cur.fetchone()[0])


def log_lines(db, jid, stream=None):
    rows = db.query("SELECT stream, line FROM quern.job_logs WHERE job_id = %s ORDER BY seq",
                    (jid,))
    return [r["line"] for r in rows if stream is None or r["stream"] == stream]


RESULTS = ('echo \'{"progress": 40, "message": "on a node"}\'; echo to-stderr >&2; '
           'printf "%s" "$1" > "$QUERN_OUTPUT_DIR/result.json"; '
           'echo "{\\"plugin_results\\": {\\"result\\": $1}}"')


class SlurmRunnerCases:
    name = None
    # slurmrestd's DELETE sometimes leaves FAILED rather than CANCELLED (see test_slurm.py)
    stopped_states = ("CANCELLED",)

    @classmethod
    def setUpClass(cls):
        cls.s = None
        if CLUSTER is None or CLUSTER.skip_reason:
            return
        work = os.path.join(CLUSTER.shared_dir, f"runner-{cls.name}")
        os.makedirs(work, exist_ok=True)
        cfg = {"runner": {"backends": ["local", "slurm"], "lease": 4, "slots": 24},
               "slurm": dict(work_dir=work, poll_interval=300, **cls.transport())}
        cls.s = Stack(f"slurm-runner-{cls.name}", api=False, config=cfg)
        cls.r = cls.s.start_runner(env={"SLURM_CONF": CLUSTER.conf})

    @classmethod
    def tearDownClass(cls):
        if cls.s is not None:
            cls.s.stop()

    def setUp(self):
        if self.s is None:
            self.skipTest(CLUSTER.skip_reason if CLUSTER else "no cluster")

    def test_success_results_logs_and_files(self):
        jid = insert_slurm_job(self.s.db, ["/bin/sh", "-c", RESULTS, "sh"], inputs={"n": 7})
        job = self.s.wait_status(jid, timeout=60)
        self.assertEqual(job["status"], "successful", job)
        self.assertEqual(job["results"], {"result": {"n": 7}})
        self.assertTrue(job["backend_job_id"].isdigit())
        self.assertEqual(CLUSTER.job_state(job["backend_job_id"]), "COMPLETED")
        self.assertIn("to-stderr", log_lines(self.s.db, jid, "stderr"))
        self.assertTrue(any("Slurm job" in l for l in log_lines(self.s.db, jid, "system")))
        files = self.s.db.query("SELECT name FROM quern.job_files WHERE job_id = %s", (jid,))
        self.assertEqual([f["name"] for f in files], ["result.json"])
        work = self.s.cfg["slurm"]["work_dir"]
        poll(lambda: not os.path.exists(os.path.join(work, jid)), timeout=10,
             what="the job's directory on the shared path to be removed")

    def test_failure_exit_code(self):
        jid = insert_slurm_job(self.s.db, ["/bin/sh", "-c", "echo cannot go on >&2; exit 3"])
        job = self.s.wait_status(jid, timeout=60)
        self.assertEqual(job["status"], "failed")
        self.assertIn("exited with code 3", job["exception"]["detail"])
        self.assertIn("cannot go on", job["exception"]["detail"])

    def test_timeout(self):
        jid = insert_slurm_job(self.s.db, ["/bin/sh", "-c", "sleep 120"], config={"timeout": 2})
        job = self.s.wait_status(jid, timeout=60)
        self.assertEqual(job["status"], "failed")
        self.assertIn("timed out", job["exception"]["detail"])
        self.assertIn(CLUSTER.job_state(job["backend_job_id"]), self.stopped_states)

    def test_dismiss_running_job(self):
        jid = insert_slurm_job(self.s.db, ["/bin/sh", "-c", "echo started; exec sleep 120"])
        poll(lambda: "started" in log_lines(self.s.db, jid, "stdout"), timeout=30,
             what="the Slurm job to start")
        bid = self.s.job(jid)["backend_job_id"]
        self.assertEqual(CLUSTER.job_state(bid), "RUNNING")
        job = poll(lambda: (j := self.s.job(jid)) and "RUNNING" in (j["message"] or "") and j,
                   timeout=10, what="the Slurm state in jobs.message")
        self.assertEqual(job["message"], f"Slurm job {bid}: RUNNING")
        with self.s.db.connect() as c, c.cursor() as cur:
            cur.execute("UPDATE quern.jobs SET dismiss_requested = true WHERE id = %s", (jid,))
        job = self.s.wait_status(jid, timeout=30)
        self.assertEqual(job["status"], "dismissed")
        poll(lambda: CLUSTER.job_state(bid) in self.stopped_states, timeout=10,
             what="Slurm to end the job")

    def test_many_jobs_followed_at_once(self):
        # more jobs than slurmrestd is asked about one by one: one batched query per poll
        jids = [insert_slurm_job(self.s.db, ["/bin/sh", "-c", f'echo "{{\\"plugin_results\\": '
                                             f'{{\\"result\\": {i}}}}}"'])
                for i in range(20)]
        for i, jid in enumerate(jids):
            job = self.s.wait_status(jid, timeout=120)
            self.assertEqual((job["status"], job["results"]), ("successful", {"result": i}), job)
        if self.name == "rest":
            self.assertIn("one GET jobs for", type(self).r.log())

    def reattach_case(self, stop):
        """A job that printed a line is left by its runner (stop), which then starts again:
        the same Slurm job is followed to its end, and the line is stored once."""
        jid = insert_slurm_job(self.s.db, ["/bin/sh", "-c", 'echo before; sleep 5; echo after; '
                                           'echo "{\\"plugin_results\\": {\\"result\\": 1}}"'])
        poll(lambda: "before" in log_lines(self.s.db, jid, "stdout"), timeout=60,
             what="the first line stored")
        bid = self.s.job(jid)["backend_job_id"]
        stop(type(self).r)
        self.assertEqual(self.s.job(jid)["status"], "running")
        self.assertIn(CLUSTER.job_state(bid), ("PENDING", "RUNNING"))
        type(self).r = self.s.start_runner(env={"SLURM_CONF": CLUSTER.conf})
        job = self.s.wait_status(jid, timeout=60)
        self.assertEqual(job["status"], "successful", job)
        self.assertEqual(job["backend_job_id"], bid, "followed the same Slurm job")
        self.assertEqual(job["attempt"], 1, "re-attached, not run again")
        self.assertEqual(job["results"], {"result": 1})
        self.assertEqual(log_lines(self.s.db, jid, "stdout").count("before"), 1,
                         "the output replayed at re-attach is not stored twice")
        self.assertIn("after", log_lines(self.s.db, jid, "stdout"))
        return jid

    def test_reattach_after_kill9(self):
        self.reattach_case(lambda r: r.kill9())  # the runner dies, the Slurm job does not

    def test_sigterm_leaves_the_job_running(self):
        def sigterm(r):
            r.stop()  # SIGTERM: a Slurm job is left running, not cancelled and run again
            self.assertIn("left running for re-attach", r.log())
        jid = self.reattach_case(sigterm)
        self.assertTrue(any("left running by runner" in line for line in log_lines(self.s.db, jid, "system")))


class TestSlurmRunnerCli(SlurmRunnerCases, unittest.TestCase):
    name = "cli"

    @staticmethod
    def transport():
        return {"transport": "cli"}


class TestSlurmRunnerRest(SlurmRunnerCases, unittest.TestCase):
    name = "rest"
    stopped_states = ("CANCELLED", "FAILED")

    @staticmethod
    def transport():
        url = CLUSTER.start_rest_jwt()
        return {"transport": "rest", "rest_url": url, "jwt_user": "root",
                "jwt_token": CLUSTER.token("root")}


if __name__ == "__main__":
    unittest.main()
