# SPDX-License-Identifier: MIT
"""S3 storage of job files (common/s3, common/storage) through
tests/unit/storage_drive: round trips against moto and against s3rver,
which verifies every SigV4 signature and presigned URL, so a request
libcurl signed wrongly fails here."""
import hashlib
import os
import shutil
import subprocess
import unittest
import uuid

import requests

import aws_moto
import harness

DRIVE = os.path.join(harness.BUILD, "tests/unit/storage_drive")
BUCKET = "quern-files"
S3RVER_JS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "s3rver.js")
NODE_MODULES = os.path.join(harness.TOP, "tests/node_modules")


def drive_env(endpoint, key_id, secret, **extra):
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("AWS_") or k.startswith("QUERN_"):
            env.pop(k)
    env.update({"QUERN_CONFIG": "/dev/null", "QUERN_STORAGE_TYPE": "s3",
                "QUERN_STORAGE_S3_BUCKET": BUCKET, "QUERN_STORAGE_S3_ENDPOINT": endpoint,
                "QUERN_AWS_REGION": aws_moto.REGION, "QUERN_AWS_ACCESS_KEY_ID": key_id,
                "QUERN_AWS_SECRET_ACCESS_KEY": secret})
    env.update({k: str(v) for k, v in extra.items()})
    return env


def drive(env, *args):
    return subprocess.run([DRIVE] + list(args), env=env, capture_output=True, timeout=60)


class StorageRoundTrip:
    """Shared cases; subclasses provide self.env(**extra) and self.fetch(url)."""

    def put(self, data, name="result.bin", **extra):
        src = os.path.join(self.dir, name)
        with open(src, "wb") as f:
            f.write(data)
        job = str(uuid.uuid4())
        r = drive(self.env(**extra), "put", job, "output", name, src, "application/octet-stream")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        storage, location = r.stdout.decode().split()
        self.assertEqual(storage, "s3")
        self.assertEqual(location, f"s3://{BUCKET}/quern/{job}/output/{name}")
        return location

    def test_round_trip(self):
        data = os.urandom(300 * 1024) + b"\x00end"
        location = self.put(data)
        r = drive(self.env(), "get", "s3", location)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        head, _, body = r.stdout.partition(b"\n")
        self.assertEqual(head.decode(), f"size {len(data)}")
        self.assertEqual(hashlib.sha256(body).hexdigest(), hashlib.sha256(data).hexdigest())

    def test_empty_file(self):
        location = self.put(b"", name="empty.txt")
        r = drive(self.env(), "get", "s3", location)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertEqual(r.stdout, b"size 0\n")

    def test_presigned_redirect(self):
        data = b"presigned content\n"
        location = self.put(data, name="p.txt")
        r = drive(self.env(QUERN_STORAGE_S3_PRESIGN=120), "get", "s3", location)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        kind, url = r.stdout.decode().strip().split(" ", 1)
        self.assertEqual(kind, "redirect")
        self.assertIn("X-Amz-Signature=", url)
        if self.secret:
            self.assertNotIn(self.secret, url)
        got = requests.get(url, timeout=30)
        self.assertEqual(got.status_code, 200, got.text)
        self.assertEqual(got.content, data)

    def test_missing_object_is_not_found(self):
        r = drive(self.env(), "get", "s3", f"s3://{BUCKET}/quern/none/output/x.bin")
        self.assertEqual(r.returncode, 1)
        self.assertTrue(r.stderr.decode().startswith("error notfound "), r.stderr.decode())


class S3OnMoto(StorageRoundTrip, unittest.TestCase):
    secret = aws_moto.SECRET

    @classmethod
    def setUpClass(cls):
        cls.moto = aws_moto.Moto("s3-moto")
        st, body = cls.moto.call("s3", "PUT", "/" + BUCKET)
        assert st == 200, body
        cls.dir = harness.workdir("s3-moto-files")

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def env(self, **extra):
        return drive_env(self.moto.url, aws_moto.KEY_ID, aws_moto.SECRET, **extra)


class S3OnS3rver(StorageRoundTrip, unittest.TestCase):
    """s3rver checks signatures: a wrongly signed request is refused (403)."""
    secret = None  # s3rver's fixed secret equals its key id, which URLs carry

    @classmethod
    def setUpClass(cls):
        if not os.path.isdir(os.path.join(NODE_MODULES, "@20minutes/s3rver")) or not shutil.which("node"):
            raise unittest.SkipTest("s3rver is not installed (./dev test installs tests/package.json)")
        cls.dir = harness.workdir("s3rver")
        cls.port = harness.free_port()
        env = dict(os.environ, NODE_PATH=NODE_MODULES)
        cls.proc = harness.Proc(["node", "--openssl-legacy-provider", S3RVER_JS, str(cls.port),
                                 os.path.join(cls.dir, "data"), BUCKET],
                                env=env, log=os.path.join(cls.dir, "s3rver.log"))
        harness.poll(lambda: "ready" in cls.proc.log() or (not cls.proc.alive() and
                     (_ for _ in ()).throw(AssertionError("s3rver exited:\n" + cls.proc.log()))),
                     timeout=30, what="s3rver to listen")

    @classmethod
    def tearDownClass(cls):
        cls.proc.stop()

    def env(self, **extra):
        return drive_env(f"http://127.0.0.1:{self.port}", "S3RVER", "S3RVER", **extra)

    def test_wrong_secret_is_refused_without_leaking_it(self):
        src = os.path.join(self.dir, "x.txt")
        with open(src, "wb") as f:
            f.write(b"x")
        env = drive_env(f"http://127.0.0.1:{self.port}", "S3RVER", "wrong-secret-value")
        r = drive(env, "put", str(uuid.uuid4()), "output", "x.txt", src, "text/plain")
        self.assertEqual(r.returncode, 1)
        err = r.stderr.decode()
        self.assertIn("credentials refused", err)
        self.assertNotIn("wrong-secret-value", err)


class S3JobFiles(unittest.TestCase):
    """A real runner stores a job's output files in S3 (moto); quern-api serves them back."""

    def test_runner_stores_output_files_in_s3(self):
        import json
        from harness import Stack
        moto = aws_moto.Moto("s3-jobfiles-moto")
        s = None
        try:
            st, body = moto.call("s3", "PUT", "/" + BUCKET)
            self.assertEqual(st, 200, body)
            s = Stack("s3-jobfiles", config={
                "storage": {"type": "s3", "s3_bucket": BUCKET, "s3_prefix": "jobs/"},
                "aws": {"region": aws_moto.REGION, "endpoint": moto.url,
                        "access_key_id": aws_moto.KEY_ID, "secret_access_key": aws_moto.SECRET}})
            data = os.urandom(70000)
            src = os.path.join(s.dir, "payload.bin")
            with open(src, "wb") as f:
                f.write(data)
            os.chmod(src, 0o644)
            d = {"id": "files", "version": "1.0.0", "host": {"type": "local"},
                 "command": ["/bin/sh", "-c", f'cp {src} "$QUERN_OUTPUT_DIR/result.bin"; '
                                              'echo \'{"plugin_results": {}}\''],
                 "config": {}, "inputs": {},
                 "outputs": {"result": {"schema": {"type": "string", "format": "binary"}}}}
            req = {"inputs": {}, "outputs": {}, "response": "document"}
            with s.db.conn.cursor() as c:
                c.execute("INSERT INTO quern.jobs (process_id, process_version, request, definition,"
                          " backend) VALUES ('files', '1.0.0', %s, %s, 'local') RETURNING id",
                          (json.dumps(req), json.dumps(d)))
                jid = str(c.fetchone()[0])
            s.start_runner()
            job = s.wait_status(jid, timeout=60)
            self.assertEqual(job["status"], "successful", job)
            rows = s.db.query("SELECT output_id, name, storage, location, bytes, sha256, content"
                              " FROM quern.job_files WHERE job_id = %s", (jid,))
            self.assertEqual(len(rows), 1, rows)
            row = rows[0]
            self.assertEqual((row["output_id"], row["storage"]), ("result", "s3"))
            self.assertEqual(row["location"], f"s3://{BUCKET}/jobs/{jid}/result/result.bin")
            self.assertIsNone(row["content"])
            self.assertEqual(row["sha256"], hashlib.sha256(data).hexdigest())
            r = drive(drive_env(moto.url, aws_moto.KEY_ID, aws_moto.SECRET), "get", "s3", row["location"])
            self.assertEqual(r.returncode, 0, r.stderr.decode())
            self.assertEqual(r.stdout, f"size {len(data)}\n".encode() + data)
            got = s.get(f"/jobs/{jid}/results/result")
            self.assertEqual(got.status_code, 200, got.text[:500])
            self.assertEqual(hashlib.sha256(got.content).hexdigest(), row["sha256"])
        finally:
            if s:
                s.stop()
            moto.stop()


def insert_local_job(s, script, outputs):
    import json
    d = {"id": "files", "version": "1.0.0", "host": {"type": "local"},
         "command": ["/bin/sh", "-c", script], "config": {}, "inputs": {}, "outputs": outputs}
    req = {"inputs": {}, "outputs": {}, "response": "document"}
    with s.db.conn.cursor() as c:
        c.execute("INSERT INTO quern.jobs (process_id, process_version, request, definition,"
                  " backend) VALUES ('files', '1.0.0', %s, %s, 'local') RETURNING id",
                  (json.dumps(req), json.dumps(d)))
        return str(c.fetchone()[0])


class S3OnTheLoop(unittest.TestCase):
    """The runner uploads output files on its loop: while one job's upload is
    held in flight (throttle_stub's hold), another job runs and ends; large
    results go to S3 as files; finished jobs' logs are archived to S3. The
    API here has storage.s3_presign set, so file outputs in S3 are answered
    with a 303 to a presigned URL."""

    @classmethod
    def setUpClass(cls):
        from throttle_stub import ThrottleStub
        cls.moto = aws_moto.Moto("s3-loop-moto")
        st, body = cls.moto.call("s3", "PUT", "/" + BUCKET)
        assert st == 200, body
        cls.stub = ThrottleStub(cls.moto.url, match="no-such-call", count=0, hold="held.bin")
        cls.s = harness.Stack("s3-loop", config={
            "runner": {"slots": 4},
            "storage": {"type": "s3", "s3_bucket": BUCKET, "s3_prefix": "loop/", "inline_max": 4096,
                        "log_archive": True},
            "aws": {"region": aws_moto.REGION, "endpoint": cls.stub.url,
                    "access_key_id": aws_moto.KEY_ID, "secret_access_key": aws_moto.SECRET}},
            api_env={"QUERN_STORAGE_S3_PRESIGN": "300"})
        cls.s.start_runner()

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()
        cls.stub.stop()
        cls.moto.stop()

    def test_held_upload_does_not_stop_other_jobs(self):
        big = os.path.join(self.s.dir, "held-src.bin")
        data = os.urandom(3 * 1024 * 1024)
        with open(big, "wb") as f:
            f.write(data)
        os.chmod(big, 0o644)
        a = insert_local_job(self.s, f'cp {big} "$QUERN_OUTPUT_DIR/held.bin"; '
                                     'echo \'{"plugin_results": {}}\'',
                             {"held": {"schema": {"type": "string", "format": "binary"}}})
        harness.poll(lambda: self.stub.held >= 1, timeout=60, what="the upload to reach S3")
        b = insert_local_job(self.s, 'echo \'{"plugin_results": {"x": "quick"}}\'',
                             {"x": {"schema": {"type": "string"}}})
        job_b = self.s.wait_status(b, timeout=30)
        self.assertEqual(job_b["status"], "successful", job_b)
        self.assertEqual(self.s.job(a)["status"], "running", "A ended although its upload is held")
        self.assertEqual(self.s.get(f"/jobs/{b}").json()["status"], "successful")
        self.stub.release()
        job_a = self.s.wait_status(a, timeout=60)
        self.assertEqual(job_a["status"], "successful", job_a)
        row = self.s.db.query("SELECT storage, location, bytes, sha256 FROM quern.job_files"
                              " WHERE job_id = %s", (a,))[0]
        self.assertEqual(row["storage"], "s3")
        self.assertEqual(row["location"], f"s3://{BUCKET}/loop/{a}/held/held.bin")
        self.assertEqual((row["bytes"], row["sha256"]), (len(data), hashlib.sha256(data).hexdigest()))
        got = self.s.get(f"/jobs/{a}/results/held", allow_redirects=False)
        self.assertEqual(got.status_code, 303, got.text[:300])
        url = got.headers["Location"]
        self.assertTrue(url.startswith(f"{self.stub.url}/{BUCKET}/loop/{a}/held/held.bin?"), url)
        self.assertIn("X-Amz-Signature=", url)
        self.assertNotIn(aws_moto.SECRET, url)
        fetched = requests.get(url, timeout=60)
        self.assertEqual(fetched.status_code, 200, fetched.text[:300])
        self.assertEqual(fetched.content, data)

    def test_large_result_goes_to_s3(self):
        text = "x" * 10000
        jid = insert_local_job(self.s, f'printf \'{{"plugin_results": {{"big": "{text}", "small": 1}}}}\\n\'',
                               {"big": {"schema": {"type": "string"}},
                                "small": {"schema": {"type": "integer"}}})
        job = self.s.wait_status(jid, timeout=30)
        self.assertEqual(job["status"], "successful", job)
        self.assertEqual(job["results"], {"small": 1})
        row = self.s.db.query("SELECT output_id, name, storage, media_type FROM quern.job_files"
                              " WHERE job_id = %s", (jid,))
        self.assertEqual([(r["output_id"], r["name"], r["storage"], r["media_type"]) for r in row],
                         [("big", "big.txt", "s3", "text/plain")])
        doc = self.s.get(f"/jobs/{jid}/results").json()
        self.assertEqual(doc["small"], 1)
        self.assertTrue(doc["big"]["href"].endswith(f"/jobs/{jid}/results/big"), doc)
        got = self.s.get(f"/jobs/{jid}/results/big")  # follows the redirect
        self.assertEqual((got.status_code, got.text), (200, text))
        self.assertEqual(got.history[0].status_code, 303)

    def test_finished_log_is_archived_and_still_served(self):
        import json
        jid = insert_local_job(self.s, 'for i in 1 2 3 4 5; do echo "line $i"; done; echo oops >&2; '
                                       'echo \'{"plugin_results": {"x": 1}}\'',
                               {"x": {"schema": {"type": "integer"}}})
        self.assertEqual(self.s.wait_status(jid, timeout=30)["status"], "successful")
        loc = harness.poll(lambda: self.s.db.value("SELECT log_location FROM quern.jobs WHERE id = %s",
                                                   (jid,)), timeout=30, what="the log archive")
        self.assertEqual(loc, f"s3://{BUCKET}/loop/{jid}/log.jsonl")
        self.assertEqual(self.s.db.value("SELECT count(*) FROM quern.job_logs WHERE job_id = %s", (jid,)), 0)
        st, body = self.moto.call("s3", "GET", f"/{BUCKET}/loop/{jid}/log.jsonl")
        self.assertEqual(st, 200)
        stored = [json.loads(l) for l in body.splitlines()]
        self.assertIn("line 3", [e["line"] for e in stored])
        doc = self.s.get(f"/jobs/{jid}/logs").json()
        lines = [(e["stream"], e["line"]) for e in doc["logs"]]
        self.assertEqual([l for s_, l in lines if s_ == "stdout"][:5], [f"line {i}" for i in range(1, 6)])
        self.assertIn(("stderr", "oops"), lines)
        self.assertEqual(doc["logs"], [{k: e[k] for k in ("seq", "at", "stream", "line")} for e in stored])
        third = doc["logs"][2]["seq"]
        page = self.s.get(f"/jobs/{jid}/logs?since={third}&limit=2").json()["logs"]
        self.assertEqual(page, doc["logs"][3:5])
        text = self.s.get(f"/jobs/{jid}/logs", headers={"Accept": "text/plain"}).text
        self.assertIn(" stdout line 5\n", text)
