# SPDX-License-Identifier: MIT
"""quern-runner's aws-batch backend end to end: jobs in PostgreSQL, a real
runner, and moto_server emulating Batch, CloudWatch Logs and S3, whose Batch
jobs run as containers of a podman or docker engine
(tests/integration/engines.py). Covers success with results and logs,
failure, dismiss, re-attach after kill -9 of the runner, throttling (an
injected 429), refused credentials, the example batch-echo process through
the API, and output files stored in S3 and served back. Classes that need
the engine skip, saying why, when none can start."""
import json
import os
import signal
import unittest

import aws_moto
from harness import Stack, poll
from throttle_stub import ThrottleStub

QUEUE = "quern-default"      # the example plugins/batch-echo.yaml uses these
JOBDEF = "quern-echo"
IMAGE = "localhost/busybox:latest"


def definition(script, timeout=120, outputs=None):
    return {
        "id": "batch-test", "version": "1.0.0",
        "host": {"type": "aws-batch", "jobQueue": QUEUE, "jobDefinition": JOBDEF + ":1"},
        "command": ["sh", "-c", script],
        "config": {"timeout": timeout},
        "inputs": {"text": {"schema": {"type": "string"}}},
        "outputs": outputs or {"text": {"schema": {"type": "string"}}},
    }


def insert_job(db, script, inputs=None, **kw):
    d = definition(script, **kw)
    request = {"inputs": inputs or {"text": "hi"}, "outputs": {}, "response": "document"}
    with db.conn.cursor() as c:
        c.execute("INSERT INTO quern.jobs (process_id, process_version, request, definition, backend)"
                  " VALUES (%s, '1.0.0', %s, %s, 'aws-batch') RETURNING id",
                  (d["id"], json.dumps(request), json.dumps(d)))
        return str(c.fetchone()[0])


def aws_config(endpoint, key_id=aws_moto.KEY_ID, secret=aws_moto.SECRET):
    return {"region": aws_moto.REGION, "endpoint": endpoint, "access_key_id": key_id,
            "secret_access_key": secret, "batch_poll_ms": 200}


def log_lines(s, job_id):
    return [r["line"] for r in s.db.query(
        "SELECT line FROM quern.job_logs WHERE job_id = %s ORDER BY seq", (job_id,))]


class BatchStack(unittest.TestCase):
    """One moto with an engine and one stack whose runner serves aws-batch."""

    @classmethod
    def setUpClass(cls):
        host, why = aws_moto.engine_socket()
        if host is None:
            raise unittest.SkipTest(why)
        cls.moto = aws_moto.Moto("batch-e2e-moto", docker_host=host)
        cls.moto.batch_setup(QUEUE, {JOBDEF: IMAGE})
        cls.s = Stack("batch-e2e", config={
            "runner": {"backends": ["aws-batch"], "lease": 4},
            "aws": aws_config(cls.moto.url)})
        cls.runner = cls.s.start_runner()

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()
        cls.moto.stop()

    def test_success_with_results_and_logs(self):
        jid = insert_job(self.s.db, 'echo "working on $0"; echo \'{"progress": 50, "message": "half"}\'; '
                                    'printf "{\\"plugin_results\\": %s}\\n" "$0"',
                         inputs={"text": "hello batch"})
        job = self.s.wait_status(jid, timeout=90)
        self.assertEqual(job["status"], "successful", job)
        self.assertEqual(job["results"], {"text": "hello batch"})
        self.assertTrue(job["backend_job_id"])
        batch = self.moto.describe(job["backend_job_id"])
        self.assertEqual(batch["jobName"], "quern-" + jid)
        self.assertEqual(batch["status"], "SUCCEEDED")
        lines = log_lines(self.s, jid)
        self.assertTrue(any('working on {"text": "hello batch"}' in l or "working on" in l
                            for l in lines), lines)
        self.assertTrue(any("SUCCEEDED" in l for l in lines), lines)

    def test_failure_fails_the_job(self):
        jid = insert_job(self.s.db, "echo going down >&2; exit 3")
        job = self.s.wait_status(jid, timeout=90)
        self.assertEqual(job["status"], "failed", job)
        self.assertIn("FAILED", json.dumps(job["exception"]))
        self.assertTrue(any("going down" in l for l in log_lines(self.s, jid)))

    def test_example_batch_echo_through_the_api(self):
        """plugins/batch-echo.yaml, executed through quern-api, runs on Batch (moto)."""
        r = self.s.get("/processes/batch-echo")
        if r.status_code == 404:
            self.skipTest("the example batch-echo process is not registered on this branch")
        r = self.s.post("/processes/batch-echo/execution", {"inputs": {"text": "hello from the API"}},
                        headers={"Prefer": "respond-async"})
        self.assertEqual(r.status_code, 201, r.text)
        jid = r.json()["jobID"]
        job = self.s.wait_status(jid, timeout=90)
        self.assertEqual(job["status"], "successful", job)
        self.assertEqual(self.s.get(f"/jobs/{jid}/results").json(), {"text": "hello from the API"})
        self.assertEqual(self.moto.describe(job["backend_job_id"])["jobName"], "quern-" + jid)

    def test_dismiss_terminates(self):
        jid = insert_job(self.s.db, "echo started; sleep 60")
        job = poll(lambda: (j := self.s.job(jid)) and j["backend_job_id"] and j, timeout=60,
                   what="the Batch job id")
        self.s.db.query("UPDATE quern.jobs SET dismiss_requested = true WHERE id = %s RETURNING id", (jid,))
        job = self.s.wait_status(jid, timeout=90)
        self.assertEqual(job["status"], "dismissed", job)
        poll(lambda: self.moto.describe(job["backend_job_id"])["status"] == "FAILED", timeout=60,
             what="Batch to stop the job")


class BatchReattach(unittest.TestCase):
    def test_kill9_runner_then_reattach_without_resubmitting(self):
        self.reattach_case(lambda runner: runner.kill9())

    def test_sigterm_leaves_the_batch_job_running(self):
        def sigterm(runner):
            runner.stop()  # not terminated and submitted again: left for the next runner
            self.assertIn("left running for re-attach", runner.log())
        self.reattach_case(sigterm)

    def reattach_case(self, stop):
        host, why = aws_moto.engine_socket()
        if host is None:
            self.skipTest(why)
        moto = aws_moto.Moto("batch-reattach-moto", docker_host=host)
        s = None
        try:
            moto.batch_setup(QUEUE, {JOBDEF: IMAGE})
            s = Stack("batch-reattach", api=False, config={
                "runner": {"backends": ["aws-batch"], "lease": 3}, "aws": aws_config(moto.url)})
            first = s.start_runner()
            jid = insert_job(s.db, 'sleep 4; printf "{\\"plugin_results\\": %s}\\n" "$0"')
            job = poll(lambda: (j := s.job(jid)) and j["backend_job_id"] and j, timeout=60,
                       what="the Batch job id")
            stop(first)
            self.assertEqual(s.job(jid)["status"], "running")
            s.start_runner()
            done = s.wait_status(jid, timeout=120)
            self.assertEqual(done["status"], "successful", done)
            self.assertEqual(done["backend_job_id"], job["backend_job_id"])
            named = [j for st in ("SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING",
                                  "SUCCEEDED", "FAILED")
                     for j in moto.list_jobs(QUEUE, st) if j["jobName"] == "quern-" + jid]
            self.assertEqual(len(named), 1, f"submitted once: {named}")
        finally:
            if s:
                s.stop()
            moto.stop()


class BatchFaults(unittest.TestCase):
    """Throttling and credentials: no container needs to run."""

    def test_throttled_calls_are_retried(self):
        moto = aws_moto.Moto("batch-throttle-moto")
        stub = ThrottleStub(moto.url, match="submitjob", count=2)
        s = None
        try:
            moto.batch_setup(QUEUE, {JOBDEF: IMAGE})
            s = Stack("batch-throttle", api=False, config={
                "runner": {"backends": ["aws-batch"]}, "aws": aws_config(stub.url)})
            s.start_runner()
            jid = insert_job(s.db, "true")
            job = poll(lambda: (j := s.job(jid)) and j["backend_job_id"] and j, timeout=60,
                       what="the job to be submitted despite throttling")
            self.assertEqual(stub.throttled, 2)
            self.assertTrue(moto.describe(job["backend_job_id"]))
        finally:
            if s:
                s.stop()
            stub.stop()
            moto.stop()

    def test_refused_credentials_fail_the_job_without_the_secret(self):
        moto = aws_moto.Moto("batch-auth-moto", auth=True)
        s = None
        try:
            secret = "secret-that-must-not-leak"
            s = Stack("batch-auth", api=False, config={
                "runner": {"backends": ["aws-batch"]},
                "aws": aws_config(moto.url, key_id="AKIDNOTKNOWN", secret=secret)})
            r = s.start_runner()
            jid = insert_job(s.db, "true")
            job = s.wait_status(jid, timeout=60)
            self.assertEqual(job["status"], "failed")
            detail = json.dumps(job["exception"])
            self.assertIn("AWS refused the credentials", detail)
            everything = detail + json.dumps(log_lines(s, jid)) + r.log()
            self.assertNotIn(secret, everything)
        finally:
            if s:
                s.stop()
            moto.stop()


class BatchOutputFiles(unittest.TestCase):
    """The example batch-files: the container uploads report.json to the S3
    prefix quern gives it (the image's `aws` is a stand-in for the AWS CLI,
    and the container shares the host's network to reach moto); quern lists
    the prefix at SUCCEEDED and serves the file. With storage.s3_presign the
    API redirects to a presigned URL instead."""

    @classmethod
    def setUpClass(cls):
        eng, why = aws_moto.engine()
        if eng is None:
            raise unittest.SkipTest(why)
        image = aws_moto.aws_cli_image(eng)
        cls.moto = aws_moto.Moto("batch-files-moto", docker_host="unix://" + eng.socket,
                                 network="host")
        cls.moto.bucket("quern-files")
        cls.moto.batch_setup(QUEUE, {"quern-files": image})
        cls.s = Stack("batch-files", config={
            "runner": {"backends": ["aws-batch"]}, "aws": aws_config(cls.moto.url),
            "storage": {"type": "s3", "s3_bucket": "quern-files", "s3_prefix": "jobs/"}})
        cls.s.start_runner()

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()
        cls.moto.stop()

    def run_example(self, text):
        r = self.s.post("/processes/batch-files/execution", {"inputs": {"text": text}},
                        headers={"Prefer": "respond-async"})
        self.assertEqual(r.status_code, 201, r.text)
        jid = r.json()["jobID"]
        job = self.s.wait_status(jid, timeout=120)
        self.assertEqual(job["status"], "successful", (job, log_lines(self.s, jid)))
        return jid

    def test_file_written_in_the_container_is_served(self):
        jid = self.run_example("a file from Batch")
        rows = self.s.db.query("SELECT output_id, name, storage, location, bytes, sha256"
                               " FROM quern.job_files WHERE job_id = %s", (jid,))
        self.assertEqual(len(rows), 1, rows)
        row = rows[0]
        self.assertEqual((row["output_id"], row["name"], row["storage"]), ("report", "report.json", "s3"))
        self.assertEqual(row["location"], f"s3://quern-files/jobs/{jid}/out/report.json")
        got = self.s.get(f"/jobs/{jid}/results/report")
        self.assertEqual(got.status_code, 200, got.text[:300])
        self.assertEqual(json.loads(got.content), {"text": "a file from Batch"})
        self.assertEqual(row["bytes"], len(got.content))
        import hashlib
        self.assertEqual(row["sha256"], hashlib.sha256(got.content).hexdigest())
        self.assertTrue(any("output file(s) found in S3" in l for l in log_lines(self.s, jid)))
        doc = self.s.get(f"/jobs/{jid}/results").json()
        self.assertTrue(doc["report"]["href"].endswith(f"/jobs/{jid}/results/report"), doc)

    def test_only_plain_names_under_the_prefix_become_outputs(self):
        script = ('printf abc > /tmp/d; aws s3 cp /tmp/d "${QUERN_OUTPUT_URL}data.bin" && '
                  'aws s3 cp /tmp/d "${QUERN_OUTPUT_URL}nested/x.bin" && '
                  'echo \'{"plugin_results": {}}\'')
        d = definition(script, outputs={"data": {"schema": {"type": "string", "format": "binary"}}})
        d["host"]["jobDefinition"] = "quern-files:1"
        request = {"inputs": {"text": "x"}, "outputs": {}, "response": "document"}
        with self.s.db.conn.cursor() as c:
            c.execute("INSERT INTO quern.jobs (process_id, process_version, request, definition, backend)"
                      " VALUES (%s, '1.0.0', %s, %s, 'aws-batch') RETURNING id",
                      (d["id"], json.dumps(request), json.dumps(d)))
            jid = str(c.fetchone()[0])
        job = self.s.wait_status(jid, timeout=120)
        self.assertEqual(job["status"], "successful", (job, log_lines(self.s, jid)))
        rows = self.s.db.query("SELECT output_id, name, bytes FROM quern.job_files WHERE job_id = %s", (jid,))
        self.assertEqual([(r["output_id"], r["name"], r["bytes"]) for r in rows], [("data", "data.bin", 3)])
        self.assertTrue(any("nested/x.bin' skipped" in l for l in log_lines(self.s, jid)),
                        log_lines(self.s, jid))
        self.assertEqual(self.s.get(f"/jobs/{jid}/results/data").content, b"abc")
