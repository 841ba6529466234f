# SPDX-License-Identifier: MIT
"""quern-runner under stress and failure: competing runners, kill -9, SIGTERM
with both shutdown policies, --once, and PostgreSQL restarted under it
(in a private cluster, so the shared one is never disturbed)."""
import os
import signal
import subprocess
import time
import unittest

from harness import RUNNER_BIN, Cluster, Stack, poll, write_config
from rjobs import insert_job, logs, pid_alive


def group_members(pgid):
    """Pids of the live processes whose process group is pgid."""
    found = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z" and int(fields[2]) == pgid:
                found.append(int(d))
    return found


def count(db, sql, params=()):
    return db.value(sql, params)


class CompetingRunnersTest(unittest.TestCase):
    def test_two_runners_run_500_jobs_exactly_once(self):
        s = Stack("runner-compete", api=False, config={"runner": {"slots": 4}})
        try:
            side = os.path.join(s.dir, "executions.txt")
            open(side, "w").close()
            os.chmod(side, 0o666)
            ids = [insert_job(s.db, "count.sh", inputs={"file": side}) for _ in range(500)]
            a = s.start_runner()
            b = s.start_runner()
            poll(lambda: count(s.db, "SELECT count(*) FROM quern.jobs WHERE status = 'successful'")
                 == 500, timeout=240, interval=0.2, what="500 jobs to succeed")
            with open(side) as f:
                runs = f.read().split()
            self.assertEqual(len(runs), 500, "each job ran exactly once")
            self.assertEqual(sorted(runs), sorted(ids))
            per_runner = {row["runner"]: row["n"] for row in s.db.query(
                "SELECT runner, count(*) AS n FROM quern.jobs GROUP BY runner")}
            self.assertEqual(len(per_runner), 2, f"both runners took jobs: {per_runner}")
            self.assertEqual(count(s.db, "SELECT max(attempt) FROM quern.jobs"), 1)
            for r in (a, b):
                self.assertEqual(r.stop(), 0, r.log()[-2000:])
            self.assertEqual(count(s.db, "SELECT count(*) FROM quern.runners"), 0)
        finally:
            s.stop()


class LostRunnerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Stack("runner-lost", api=False,
                      config={"runner": {"lease": 3, "retry_backoff": 1, "slots": 2}})

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def kill_mid_job(self, max_attempts):
        pidfile = os.path.join(self.s.dir, f"lost{max_attempts}.pid")
        a = self.s.start_runner()
        jid = insert_job(self.s.db, "sleep.sh", inputs={"seconds": 4, "pidfile": pidfile},
                         max_attempts=max_attempts)
        poll(lambda: os.path.exists(pidfile) and os.path.getsize(pidfile) > 0, timeout=15,
             what="the job to start")
        pid = int(open(pidfile).read())
        os.unlink(pidfile)
        a.kill9()
        poll(lambda: not pid_alive(pid), timeout=5, what="the job's process to die with its runner")
        self.assertEqual(self.s.job(jid)["status"], "running")
        b = self.s.start_runner()
        job = self.s.wait_status(jid, timeout=40)
        b.stop()
        return jid, job

    def test_kill9_job_is_retried(self):
        jid, job = self.kill_mid_job(max_attempts=2)
        self.assertEqual(job["status"], "successful", job)
        self.assertEqual(job["attempt"], 2)
        self.assertTrue(any("was lost" in l["line"] for l in logs(self.s.db, jid)))

    def test_kill9_kills_what_the_job_forked(self):
        """The job's main process dies with its runner (PDEATHSIG); what it forked (here
        the sleep(1) under sleep.sh) must die too, or a retry elsewhere runs alongside it.
        Failed before the runner had its process guard."""
        pidfile = os.path.join(self.s.dir, "forked.pid")
        a = self.s.start_runner()
        insert_job(self.s.db, "sleep.sh", inputs={"seconds": 60, "pidfile": pidfile})
        poll(lambda: os.path.exists(pidfile) and os.path.getsize(pidfile) > 0, timeout=15,
             what="the job to start")
        pid = int(open(pidfile).read())
        group = poll(lambda: [p for p in group_members(pid) if p != pid], timeout=10,
                     what="the job's sleep(1) to start")
        a.kill9()
        poll(lambda: not any(pid_alive(p) for p in group + [pid]), timeout=5,
             what=f"the job's process group {pid} to die with its runner")

    def test_dismissed_while_its_runner_was_dead_is_not_run_again(self):
        """A dismiss that reaches a running job whose runner is gone is done by the reaper:
        dismissed, never queued again. Failed before: the reaper retried the job, another
        runner started it again, and only then stopped it."""
        pidfile = os.path.join(self.s.dir, "dismissed.pid")
        a = self.s.start_runner()
        jid = insert_job(self.s.db, "sleep.sh", inputs={"seconds": 60, "pidfile": pidfile},
                         max_attempts=3)
        poll(lambda: os.path.exists(pidfile) and os.path.getsize(pidfile) > 0, timeout=15,
             what="the job to start")
        pid = int(open(pidfile).read())
        os.unlink(pidfile)
        a.kill9()
        poll(lambda: not pid_alive(pid), timeout=5, what="the job's process to die with its runner")
        # What DELETE /jobs/{id} does to a running job (api_job_dismiss).
        self.s.db.query("UPDATE quern.jobs SET dismiss_requested = true, message = 'dismiss requested'"
                        " WHERE id = %s", (jid,))
        b = self.s.start_runner()
        job = self.s.wait_status(jid, timeout=40)
        b.stop()
        self.assertEqual((job["status"], job["attempt"]), ("dismissed", 1), job)
        self.assertFalse(os.path.exists(pidfile), "the dismissed job was started again")
        self.assertIn("was lost", job["message"])

    def test_kill9_job_fails_without_attempts_left(self):
        jid, job = self.kill_mid_job(max_attempts=1)
        self.assertEqual(job["status"], "failed")
        self.assertIn("was lost", job["exception"]["detail"])
        self.assertEqual(job["attempt"], 1)


class ShutdownTest(unittest.TestCase):
    def test_sigterm_handback(self):
        s = Stack("runner-handback", api=False, config={"runner": {"shutdown": "handback"}})
        try:
            pidfile = os.path.join(s.dir, "hb.pid")
            r = s.start_runner()
            jid = insert_job(s.db, "sleep.sh", inputs={"seconds": 60, "pidfile": pidfile})
            poll(lambda: os.path.exists(pidfile) and os.path.getsize(pidfile) > 0, timeout=15,
                 what="the job to start")
            pid = int(open(pidfile).read())
            t0 = time.monotonic()
            self.assertEqual(r.stop(), 0, r.log()[-2000:])
            self.assertLess(time.monotonic() - t0, 10)
            job = s.job(jid)
            self.assertEqual(job["status"], "accepted")
            self.assertEqual(job["attempt"], 0, "hand back leaves the attempt count unchanged")
            self.assertIsNone(job["runner"])
            self.assertIsNone(job["lease_until"])
            self.assertFalse(pid_alive(pid))
            self.assertEqual(count(s.db, "SELECT count(*) FROM quern.runners"), 0)
            self.assertTrue(any("handed back" in l["line"] for l in logs(s.db, jid)))
        finally:
            s.stop()

    def test_sigterm_wait(self):
        s = Stack("runner-wait", api=False,
                  config={"runner": {"shutdown": "wait", "shutdown_grace": 30}})
        try:
            pidfile = os.path.join(s.dir, "w.pid")
            r = s.start_runner()
            jid = insert_job(s.db, "sleep.sh", inputs={"seconds": 3, "pidfile": pidfile})
            poll(lambda: os.path.exists(pidfile) and os.path.getsize(pidfile) > 0, timeout=15,
                 what="the job to start")
            r.send(signal.SIGTERM)
            poll(lambda: "stopping" in r.log(), what="the runner to take the signal")
            later = insert_job(s.db, "ok.sh")
            self.assertEqual(r.p.wait(30), 0, r.log()[-2000:])
            self.assertEqual(s.job(jid)["status"], "successful")
            self.assertEqual(s.job(later)["status"], "accepted", "no claims after SIGTERM")
        finally:
            s.stop()

    def test_sigterm_wait_then_hand_back_after_the_grace(self):
        s = Stack("runner-wait-grace", api=False,
                  config={"runner": {"shutdown": "wait", "shutdown_grace": 1}})
        try:
            pidfile = os.path.join(s.dir, "g.pid")
            r = s.start_runner()
            jid = insert_job(s.db, "sleep.sh", inputs={"seconds": 60, "pidfile": pidfile})
            poll(lambda: os.path.exists(pidfile) and os.path.getsize(pidfile) > 0, timeout=15,
                 what="the job to start")
            pid = int(open(pidfile).read())
            self.assertEqual(r.stop(), 0, r.log()[-2000:])
            job = s.job(jid)
            self.assertEqual((job["status"], job["attempt"], job["lease_until"]),
                             ("accepted", 0, None))
            self.assertFalse(pid_alive(pid))
            self.assertIn("shutdown grace of 1 s over", r.log())
        finally:
            s.stop()

    def test_once_runs_the_queue_and_exits(self):
        s = Stack("runner-once", api=False)
        try:
            ids = [insert_job(s.db, "ok.sh", inputs={"n": i}) for i in range(6)]
            r = subprocess.run([RUNNER_BIN, "--once"], env=s.runner_env(), capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr[-2000:])
            self.assertEqual([s.job(j)["status"] for j in ids], ["successful"] * 6)
        finally:
            s.stop()

    def test_check_config_and_help(self):
        s = Stack("runner-cfg", api=False)
        try:
            r = subprocess.run([RUNNER_BIN, "--check-config"], env=s.runner_env(),
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("configuration OK", r.stdout)
            self.assertNotIn("dbname=", r.stdout, "the database URL is masked")
            r = subprocess.run([RUNNER_BIN, "--check-config"],
                               env=s.runner_env(QUERN_RUNNER_BACKENDS="local,teleport"),
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 1)
            self.assertIn("teleport", r.stderr)
            r = subprocess.run([RUNNER_BIN, "--help"], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0)
            for word in ("--foreground", "--once", "--check-config", "SIGHUP", "SIGTERM"):
                self.assertIn(word, r.stdout)
            r = subprocess.run([RUNNER_BIN, "--bogus"], capture_output=True, text=True)
            self.assertEqual(r.returncode, 2)
        finally:
            s.stop()


class ReloadTest(unittest.TestCase):
    def test_sighup_reloads_and_survives_a_broken_file(self):
        s = Stack("runner-hup", api=False, config={"runner": {"slots": 3}})
        try:
            r = s.start_runner()
            poll(lambda: "3 slot(s)" in r.log(), what="the runner to start")
            cfg = dict(s.cfg)
            cfg["runner"] = dict(cfg["runner"], slots=2)
            write_config(s.config_path, cfg)
            r.send(signal.SIGHUP)
            poll(lambda: "configuration reloaded (slots 2)" in r.log(), what="the reload")
            with open(s.config_path, "a") as f:
                f.write("runner:\n  no_such_key: 1\n")
            r.send(signal.SIGHUP)
            poll(lambda: "configuration not reloaded" in r.log(), what="the refusal")
            self.assertTrue(r.alive())
            jid = insert_job(s.db, "ok.sh")
            self.assertEqual(s.wait_status(jid)["status"], "successful")
            self.assertEqual(r.stop(), 0)
        finally:
            s.stop()


class PostgresRestartTest(unittest.TestCase):
    def test_no_reaping_before_every_runner_could_renew(self):
        """PostgreSQL was down longer than a lease, so every lease has expired when it comes
        back; a runner that reconnects first must not take the jobs of one that is slower
        to reconnect (here: stopped until 1.5 s after the restart) but alive. Failed before
        the reaper waited one lease after the server started: the job ran twice."""
        pg = Cluster("runner-pgreap-cluster")
        s = Stack("runner-pgreap", api=False, pghost=pg.host,
                  config={"runner": {"lease": 4, "retry_backoff": 1}})
        try:
            pidfile = os.path.join(s.dir, "reap.pid")
            a = s.start_runner()
            jid = insert_job(s.db, "sleep.sh", inputs={"seconds": 15, "pidfile": pidfile},
                             max_attempts=3)
            poll(lambda: os.path.exists(pidfile) and os.path.getsize(pidfile) > 0, timeout=15,
                 what="the job to start")
            os.unlink(pidfile)
            b = s.start_runner()
            poll(lambda: s.db.value("SELECT count(*) FROM quern.runners") == 2, timeout=15,
                 what="the second runner to register")
            s.db.close()
            pg.down()
            a.send(signal.SIGSTOP)
            time.sleep(5)  # deliberately longer than the lease
            pg.start()
            time.sleep(1.5)  # b reconnects; a does not yet
            a.send(signal.SIGCONT)
            job = s.wait_status(jid, timeout=40)
            self.assertEqual((job["status"], job["attempt"]), ("successful", 1), job)
            self.assertFalse(os.path.exists(pidfile), "the job was started a second time")
            self.assertTrue(a.alive() and b.alive())
        finally:
            s.stop()
            pg.stop()

    def test_restart_under_the_runner(self):
        pg = Cluster("runner-pgrestart-cluster")
        s = Stack("runner-pgrestart", api=False, pghost=pg.host)
        try:
            r = s.start_runner()
            jid = insert_job(s.db, "progress.sh", inputs={"seconds": 4})
            poll(lambda: (j := s.job(jid)) and j["progress"] == 30, timeout=15,
                 what="the job to run")
            s.db.close()
            pg.restart()
            job = s.wait_status(jid, timeout=30)
            self.assertEqual(job["status"], "successful", job)
            lines = [l["line"] for l in logs(s.db, jid)]
            self.assertIn('{"plugin_results": {"result": {"done": true}}}', lines)
            self.assertEqual(len(lines), len(set(l["seq"] for l in logs(s.db, jid))))
            # The runner listens again: a new job starts at once.
            later = insert_job(s.db, "ok.sh")
            self.assertEqual(s.wait_status(later, timeout=15)["status"], "successful")
            self.assertTrue(r.alive())
            self.assertIn("reconnect", r.log().lower())

            # A job that ends while PostgreSQL is down is recorded once it is back.
            pidfile = os.path.join(s.dir, "down.pid")
            jid = insert_job(s.db, "sleep.sh", inputs={"seconds": 2, "pidfile": pidfile})
            poll(lambda: os.path.exists(pidfile) and os.path.getsize(pidfile) > 0, timeout=15,
                 what="the job to start")
            pid = int(open(pidfile).read())
            s.db.close()
            pg.down()
            poll(lambda: not pid_alive(pid), timeout=15, what="the job to end while the database is down")
            time.sleep(1)  # deliberately keep the database away a little longer
            pg.start()
            job = s.wait_status(jid, timeout=30)
            self.assertEqual(job["status"], "successful", job)
            self.assertEqual(job["results"], {"slept": True})
            self.assertTrue(r.alive())
        finally:
            s.stop()
            pg.stop()


if __name__ == "__main__":
    unittest.main()
