# SPDX-License-Identifier: MIT
"""quern-runner end to end with the local backend: real PostgreSQL, real
child processes. Jobs are inserted in SQL as the API would (rjobs.py)."""
import hashlib
import json
import os
import unittest

from harness import Stack, poll
from rjobs import PROGS, insert_job, logs, pid_alive


class RunnerJobsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Stack("runner-jobs", api=False,
                      config={"runner": {"log_max_lines": 1000, "slots": 8}})
        cls.r = cls.s.start_runner(env={"TEST_SECRET": "s3cret", "HOME": "/root"})
        poll(lambda: cls.s.db.value("SELECT count(*) FROM quern.runners") == 1, timeout=20,
             what="the runner to register")

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def run_job(self, prog, timeout=30, **kw):
        jid = insert_job(self.s.db, prog, **kw)
        return jid, self.s.wait_status(jid, timeout=timeout)

    def detail(self, job):
        return (job["exception"] or {}).get("detail", "")

    def test_success_results_env_logs(self):
        jid, job = self.run_job("ok.sh", inputs={"x": 1, "s": "a b"},
                                config={"env": {"GREETING": "hi"}, "secrets": ["TEST_SECRET"]})
        self.assertEqual(job["status"], "successful", job)
        res = job["results"]
        self.assertEqual(res["echo"], {"x": 1, "s": "a b"})
        self.assertEqual(res["job"], jid)
        self.assertEqual(res["secret"], "s3cret")
        self.assertEqual(res["greeting"], "hi")
        self.assertEqual(res["home"], "", "only granted variables reach the process")
        self.assertTrue(res["outdir"].endswith(f"/{jid}/output"))
        self.assertEqual(job["progress"], 100)
        self.assertEqual(job["attempt"], 1)
        self.assertIsNotNone(job["started"])
        self.assertIsNone(job["lease_until"])
        lines = logs(self.s.db, jid)
        self.assertEqual([l["seq"] for l in lines], list(range(1, len(lines) + 1)))
        self.assertIn(("stdout", f"starting in {self.s.jobs_dir}/{jid}"),
                      [(l["stream"], l["line"]) for l in lines])
        self.assertIn(("stderr", "to stderr"), [(l["stream"], l["line"]) for l in lines])
        self.assertNotIn("s3cret", self.r.log(), "secrets never reach the runner's log")
        poll(lambda: not os.path.exists(os.path.join(self.s.jobs_dir, jid)),
             what="the job directory to be removed")

    def test_progress_while_running(self):
        jid = insert_job(self.s.db, "progress.sh", inputs={"seconds": 3})
        job = poll(lambda: (j := self.s.job(jid)) and j["progress"] == 30 and j, timeout=10,
                   what="progress 30")
        self.assertEqual(job["status"], "running")
        self.assertEqual(job["message"], "working")
        self.assertIsNotNone(job["backend_job_id"])
        job = self.s.wait_status(jid)
        self.assertEqual(job["status"], "successful")
        self.assertEqual(job["results"], {"result": {"done": True}})

    def test_failure_exit_code_and_stderr(self):
        jid, job = self.run_job("fail.sh")
        self.assertEqual(job["status"], "failed")
        self.assertIn("exited with code 3", self.detail(job))
        self.assertIn("bad input: cannot continue", self.detail(job))
        self.assertEqual(job["exception"]["status"], 500)
        self.assertIsNone(job["results"])

    def test_exit_zero_without_results_fails(self):
        jid, job = self.run_job("noresults.sh")
        self.assertEqual(job["status"], "failed")
        self.assertIn("plugin_results", self.detail(job))

    def test_output_files(self):
        outputs = {
            "table": {"schema": {"type": "string", "contentMediaType": "text/csv"}},
            "image": {"schema": {"type": "string", "contentEncoding": "binary"}},
            "count": {"schema": {"type": "integer"}},
        }
        jid, job = self.run_job("files.sh", outputs=outputs)
        self.assertEqual(job["status"], "successful", job)
        self.assertEqual(job["results"], {"count": 2})
        rows = {r["name"]: r for r in self.s.db.query(
            "SELECT * FROM quern.job_files WHERE job_id = %s", (jid,))}
        self.assertEqual(set(rows), {"table.csv", "image.png"})
        t = rows["table.csv"]
        self.assertEqual((t["output_id"], t["media_type"], t["bytes"], t["storage"]),
                         ("table", "text/csv", 8, "postgres"))
        self.assertEqual(bytes(t["content"]), b"a,b\n1,2\n")
        self.assertEqual(t["sha256"], hashlib.sha256(b"a,b\n1,2\n").hexdigest())
        i = rows["image.png"]
        self.assertEqual((i["output_id"], i["media_type"]), ("image", "image/png"))
        self.assertTrue(any("subdir" in l["line"] and l["stream"] == "system"
                            for l in logs(self.s.db, jid)))

    def test_timeout(self):
        jid, job = self.run_job("sleep.sh", inputs={"seconds": 30}, config={"timeout": 1},
                                timeout=15)
        self.assertEqual(job["status"], "failed")
        self.assertIn("timed out after 1 s", self.detail(job))

    def test_timeout_of_a_process_ignoring_sigterm(self):
        jid, job = self.run_job("term.sh", config={"timeout": 1}, timeout=15)
        self.assertEqual(job["status"], "failed")
        self.assertIn("timed out after 1 s", self.detail(job))
        self.assertTrue(any("SIGKILL" in l["line"] for l in logs(self.s.db, jid)))

    def test_memory_limit(self):
        jid, job = self.run_job("mem.py", inputs={"mib": 1024},
                                config={"maxResources": {"memory": 200}})
        self.assertEqual(job["status"], "failed")
        self.assertIn("MemoryError", self.detail(job))
        self.assertIn("memory limit 200 MiB", self.detail(job))
        jid, job = self.run_job("mem.py", inputs={"mib": 16},
                                config={"maxResources": {"memory": 200}})
        self.assertEqual(job["status"], "successful", self.detail(job))

    def test_cpu_time_limit(self):
        jid, job = self.run_job("spin.sh", config={"maxResources": {"cpuTime": 1}, "timeout": 60})
        self.assertEqual(job["status"], "failed")
        self.assertIn("killed by signal", self.detail(job))
        self.assertIn("CPU time limit 1 s", self.detail(job))

    def test_grandchild_leaves_no_orphan(self):
        pidfile = os.path.join(self.s.dir, "grandchild.pid")
        jid, job = self.run_job("fork.sh", inputs={"pidfile": pidfile})
        self.assertEqual(job["status"], "successful", job)
        pid = int(open(pidfile).read())
        poll(lambda: not pid_alive(pid), timeout=10, what=f"grandchild {pid} to be gone")

    def test_huge_output_is_capped(self):
        jid, job = self.run_job("spam.sh", inputs={"lines": 50000}, timeout=60)
        self.assertEqual(job["status"], "successful", job)
        self.assertEqual(job["results"], {"printed": True})
        n = self.s.db.value("SELECT count(*) FROM quern.job_logs WHERE job_id = %s"
                            " AND stream = 'stdout'", (jid,))
        self.assertEqual(n, 1000)
        marker = self.s.db.value("SELECT line FROM quern.job_logs WHERE job_id = %s"
                                 " AND stream = 'system' AND line LIKE 'log truncated%%'", (jid,))
        self.assertIn("1000 lines", marker)

    def test_dismiss_running_job_from_another_connection(self):
        pidfile = os.path.join(self.s.dir, "dismiss.pid")
        jid = insert_job(self.s.db, "sleep.sh", inputs={"seconds": 60, "pidfile": pidfile})
        poll(lambda: os.path.exists(pidfile) and os.path.getsize(pidfile) > 0, timeout=10,
             what="the job to start")
        pid = int(open(pidfile).read())
        other = self.s.db.connect()
        try:
            with other.cursor() as c:
                c.execute("UPDATE quern.jobs SET dismiss_requested = true WHERE id = %s", (jid,))
        finally:
            other.close()
        job = self.s.wait_status(jid, timeout=10)
        self.assertEqual(job["status"], "dismissed")
        self.assertIsNotNone(job["finished"])
        poll(lambda: not pid_alive(pid), timeout=5, what="the dismissed process to be gone")

    def test_bad_commands_fail_clearly(self):
        jid, job = self.run_job("x", command=["relative/prog"])
        self.assertEqual(job["status"], "failed")
        self.assertIn("absolute", self.detail(job))
        jid, job = self.run_job("x", command=["/nonexistent/prog"])
        self.assertEqual(job["status"], "failed")
        self.assertIn("exited with code 127", self.detail(job))
        self.assertIn("cannot execute /nonexistent/prog", self.detail(job))

    def test_only_served_backends_and_not_before(self):
        other = insert_job(self.s.db, "ok.sh", backend="docker")
        later = insert_job(self.s.db, "ok.sh", delay_s=3)
        now = insert_job(self.s.db, "ok.sh")
        self.assertEqual(self.s.wait_status(now)["status"], "successful")
        self.assertEqual(self.s.job(later)["status"], "accepted", "not before its not_before")
        job = self.s.wait_status(later, timeout=15)
        self.assertEqual(job["status"], "successful")
        self.assertGreaterEqual(job["started"], job["not_before"])
        self.assertEqual(self.s.job(other)["status"], "accepted", "docker is not served here")
        self.s.db.query("DELETE FROM quern.jobs WHERE id = %s", (other,))


class FilesystemStoreTest(unittest.TestCase):
    def test_files_in_the_filesystem_store(self):
        s = Stack("runner-fsstore", api=False, config={"storage": {"type": "filesystem"}})
        try:
            s.start_runner()
            outputs = {"table": {"schema": {"type": "string", "contentMediaType": "text/csv"}},
                       "image": {"schema": {"type": "string", "contentEncoding": "binary"}},
                       "count": {"schema": {"type": "integer"}}}
            jid = insert_job(s.db, "files.sh", outputs=outputs)
            self.assertEqual(s.wait_status(jid)["status"], "successful")
            row = s.db.query("SELECT * FROM quern.job_files WHERE job_id = %s AND name = 'table.csv'",
                             (jid,))[0]
            self.assertEqual(row["storage"], "filesystem")
            self.assertIsNone(row["content"])
            self.assertEqual(row["location"], os.path.join(s.dir, "files", jid, "table", "table.csv"))
            self.assertEqual(open(row["location"], "rb").read(), b"a,b\n1,2\n")
        finally:
            s.stop()


if __name__ == "__main__":
    unittest.main()
