# SPDX-License-Identifier: MIT
"""The aws-batch backend (runner/be_batch.c) against moto, through
tests/unit/batch_drive: the backend on a real event loop with a stand-in
job sink, no database. Covers submit, logs and plugin_results from
CloudWatch, failure, dismiss (TerminateJob), re-attach after kill -9,
a job Batch does not know, throttling (an injected 429), refused and
missing credentials. Tests whose Batch jobs must really run need a
container engine (tests/integration/engines.py) and skip, saying why,
when none can start."""
import json
import os
import signal
import subprocess
import time
import unittest
import uuid

import aws_moto
import harness
from throttle_stub import ThrottleStub

DRIVE = os.path.join(harness.BUILD, "tests/unit/batch_drive")
QUEUE = "quern-queue"
JOBDEF = "quern-busybox"


def definition(script, **host):
    h = {"type": "aws-batch", "jobQueue": QUEUE, "jobDefinition": JOBDEF}
    h.update(host)
    return {"id": "drive", "host": h, "command": ["sh", "-c", script]}


class Drive:
    """One batch_drive process; its stdout lines are the backend's reports."""

    def __init__(self, endpoint, defn, *extra, key_id=aws_moto.KEY_ID, secret=aws_moto.SECRET):
        self.job_id = str(uuid.uuid4())
        self.out_path = os.path.join(harness.OUT, f"batch_drive-{self.job_id}.out")
        env = dict(os.environ)
        for k in list(env):
            if k.startswith("AWS_") or k.startswith("QUERN_"):
                env.pop(k)
        env.update({"QUERN_CONFIG": "/dev/null", "QUERN_AWS_ENDPOINT": endpoint,
                    "QUERN_AWS_REGION": aws_moto.REGION, "QUERN_AWS_ACCESS_KEY_ID": key_id,
                    "QUERN_AWS_SECRET_ACCESS_KEY": secret, "QUERN_AWS_BATCH_POLL_MS": "200"})
        self.proc = harness.Proc([DRIVE, self.job_id, json.dumps(defn), '{"x": 1}'] + list(extra),
                                 env=env, log=self.out_path)

    def lines(self):
        return self.proc.log().splitlines()

    def backend_id(self, timeout=30):
        def find():
            for line in self.lines():
                if line.startswith("backend_id "):
                    return line.split(" ", 1)[1]
            if not self.proc.alive():
                raise AssertionError("batch_drive ended early:\n" + self.proc.log())
            return None
        return harness.poll(find, timeout=timeout, what="the Batch job id")

    def wait(self, timeout=60):
        harness.poll(lambda: not self.proc.alive(), timeout=timeout, interval=0.05,
                     what="batch_drive to finish")
        rc = self.proc.stop()
        assert rc == 0, f"batch_drive exited {rc} (sanitizer report?):\n" + self.proc.log()[-3000:]
        ends = [l for l in self.lines() if l.startswith(("exited ", "refused ", "init-failed "))]
        assert len(ends) == 1, "expected exactly one end:\n" + self.proc.log()
        return ends[0]

    def out(self):
        return [l[4:] for l in self.lines() if l.startswith("out ")]

    def notes(self):
        return [l[5:] for l in self.lines() if l.startswith("note ")]


class BatchWithoutEngine(unittest.TestCase):
    """What needs no container: unknown ids, throttling, credentials."""

    @classmethod
    def setUpClass(cls):
        cls.moto = aws_moto.Moto("batch-noengine")
        cls.moto.batch_setup(QUEUE, {JOBDEF: "localhost/busybox:latest"})

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def test_unknown_batch_id_fails_clearly(self):
        d = Drive(self.moto.url, definition("true"), "attach", "no-such-batch-job")
        end = d.wait()
        self.assertTrue(end.startswith("exited 0 "), end)
        self.assertIn("AWS Batch does not know job no-such-batch-job", end)

    def test_throttled_describe_is_retried(self):
        stub = ThrottleStub(self.moto.url, match="describejobs", count=3)
        try:
            d = Drive(stub.url, definition("true"), "attach", "unknown-behind-throttle")
            end = d.wait(timeout=60)
        finally:
            stub.stop()
        self.assertEqual(stub.throttled, 3)
        self.assertGreaterEqual(stub.forwarded, 2)
        self.assertIn("does not know job unknown-behind-throttle", end)
        self.assertIn("TooManyRequestsException", d.proc.log())

    def test_missing_credentials_name_the_problem(self):
        d = Drive(self.moto.url, definition("true"), key_id="", secret="")
        end = d.wait()
        self.assertTrue(end.startswith("refused backend AWS credentials missing"), end)
        self.assertIn("access key id", end)

    def test_refused_credentials_fail_without_the_secret(self):
        strict = aws_moto.Moto("batch-auth", auth=True)
        try:
            d = Drive(strict.url, definition("true"), key_id="AKIDUNKNOWN", secret="very-secret-value")
            end = d.wait()
        finally:
            strict.stop()
        self.assertTrue(end.startswith("exited 0 "), end)
        self.assertIn("AWS refused the credentials", end)
        self.assertIn("HTTP 403", end)
        self.assertNotIn("very-secret-value", d.proc.log())

    def test_missing_job_queue_is_refused(self):
        d = Drive(self.moto.url, {"id": "x", "host": {"type": "aws-batch"}, "command": ["true"]})
        end = d.wait()
        self.assertIn("jobQueue and host.jobDefinition are required", end)


class BatchWithEngine(unittest.TestCase):
    """Batch jobs that really run, as containers of a podman or docker engine."""

    @classmethod
    def setUpClass(cls):
        host, why = aws_moto.engine_socket()
        if host is None:
            raise unittest.SkipTest(why)
        cls.moto = aws_moto.Moto("batch-engine", docker_host=host)
        cls.moto.batch_setup(QUEUE, {JOBDEF: "localhost/busybox:latest"})

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def test_success_with_logs_and_results(self):
        script = ('echo hello from batch; echo \'{"progress": 50, "message": "half"}\'; '
                  'echo "$QUERN_JOB_ID"; echo \'{"plugin_results": {"out": "ok"}}\'')
        d = Drive(self.moto.url, definition(script))
        bid = d.backend_id()
        end = d.wait(timeout=90)
        self.assertEqual(end, "exited 1 0 -")
        out = d.out()
        self.assertIn("hello from batch", out)
        self.assertIn(d.job_id, out)
        self.assertEqual(out[-1], '{"plugin_results": {"out": "ok"}}')
        self.assertTrue(any("SUCCEEDED" in n for n in d.notes()), d.notes())
        job = self.moto.describe(bid)
        self.assertEqual(job["jobName"], "quern-" + d.job_id)
        self.assertEqual(job["container"]["command"][-1], '{"x": 1}')

    def test_failure_reports_failed(self):
        d = Drive(self.moto.url, definition("echo about to fail; exit 3"))
        end = d.wait(timeout=90)
        self.assertTrue(end.startswith("exited 0 ") or end.startswith("exited 1 3 "), end)
        self.assertIn("FAILED", end)
        self.assertIn("about to fail", d.out())

    def test_dismiss_terminates_the_batch_job(self):
        d = Drive(self.moto.url, definition("echo started; sleep 60"), "stop-on-id")
        bid = d.backend_id()
        end = d.wait(timeout=90)
        self.assertIn("FAILED", end)
        self.assertIn("after quern asked to terminate it", end)
        self.assertTrue(any("asked AWS Batch to terminate" in n for n in d.notes()), d.notes())
        self.assertEqual(self.moto.describe(bid)["status"], "FAILED")

    def test_reattach_after_kill9_never_submits_twice(self):
        script = 'sleep 3; echo \'{"plugin_results": {"out": "late"}}\''
        first = Drive(self.moto.url, definition(script))
        bid = first.backend_id()
        first.proc.kill9()
        before = len(self.moto.list_jobs(QUEUE, "SUCCEEDED")) + len(self.moto.list_jobs(QUEUE, "RUNNING"))
        second = Drive(self.moto.url, definition(script), "attach", bid)
        end = second.wait(timeout=90)
        self.assertEqual(end, "exited 1 0 -")
        self.assertEqual(second.out()[-1], '{"plugin_results": {"out": "late"}}')
        self.assertFalse(any(l.startswith("backend_id ") for l in second.lines()))
        names = [j for s in ("SUCCEEDED", "RUNNING", "RUNNABLE", "SUBMITTED", "FAILED")
                 for j in self.moto.list_jobs(QUEUE, s) if j["jobName"] == "quern-" + first.job_id]
        self.assertEqual(len(names), 1, names)
        self.assertGreaterEqual(before, 1)
