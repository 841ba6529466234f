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
