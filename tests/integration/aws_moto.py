# SPDX-License-Identifier: MIT
"""moto_server for the AWS tests: Batch, CloudWatch Logs, S3 and IAM in one
process on a free loopback port, started here and stopped by PID.

    m = aws_moto.Moto("name", docker_host="unix://.../podman.sock")
    m.url                         # endpoint for aws.endpoint
    m.batch_setup("quern-q", {"quern-def": "localhost/busybox:latest"})
    m.call("batch", "POST", "/v1/describejobs", {"jobs": [...]})

moto routes each request on the credential scope of its Authorization
header and does not check signatures (unless auth=True, which makes it
refuse unknown keys), so the set-up calls here send a well-formed but
unsigned header. With docker_host set, Batch jobs really run as
containers (MOTO_DOCKER_NETWORK_MODE=none, or network="host" for
containers that must reach moto's S3) and their output lands in the log
group /aws/batch/job. aws_cli_image() adds an image whose `aws s3 cp` is a
stand-in for the AWS CLI (aws-cli-stand-in.sh), for processes that upload
their output files the way a real image would. moto_server is the one on PATH (pyenv's python,
not Debian's); see the notes on the test environment.
"""
import json
import os
import shutil
import socket
import time
import unittest
import urllib.parse

import requests

import harness

REGION = "us-east-1"
KEY_ID = "AKIDQUERNTEST"
SECRET = "quern-test-secret-never-logged"


def moto_bin():
    return shutil.which("moto_server")


class Moto:
    def __init__(self, name, docker_host=None, auth=False, network="none"):
        exe = moto_bin()
        if exe is None:
            raise unittest.SkipTest("moto_server is not on PATH")
        self.dir = harness.workdir(name)
        self.port = harness.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        for k in list(env):
            if k.startswith("AWS_") or k.startswith("DOCKER_"):
                env.pop(k)
        if docker_host:
            env["DOCKER_HOST"] = docker_host
            env["MOTO_DOCKER_NETWORK_MODE"] = network
        env["MOTO_PORT"] = str(self.port)  # what moto tells its containers
        if auth:
            env["INITIAL_NO_AUTH_ACTION_COUNT"] = "0"
        self.proc = harness.Proc([exe, "-H", "127.0.0.1", "-p", str(self.port)], env=env,
                                 log=os.path.join(self.dir, "moto.log"))
        harness.poll(self._up, timeout=30, interval=0.1, what="moto_server to listen")

    def _up(self):
        if not self.proc.alive():
            raise AssertionError("moto_server exited:\n" + self.proc.log())
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def stop(self):
        self.proc.stop()

    def call(self, service, method, path, body=None, target=None, form=None, key_id=KEY_ID):
        """One request with an unsigned SigV4-shaped Authorization; returns (status, json or text)."""
        date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        headers = {
            "Authorization": f"AWS4-HMAC-SHA256 Credential={key_id}/{date[:8]}/{REGION}/{service}/aws4_request, "
                             "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64,
            "X-Amz-Date": date,
        }
        data = None
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            data = urllib.parse.urlencode(form)
        elif body is not None:
            headers["Content-Type"] = "application/x-amz-json-1.1" if target else "application/json"
            data = json.dumps(body)
        if target:
            headers["X-Amz-Target"] = target
        r = requests.request(method, self.url + path, headers=headers, data=data, timeout=30)
        try:
            return r.status_code, r.json()
        except ValueError:
            return r.status_code, r.text

    def bucket(self, name):
        st, body = self.call("s3", "PUT", "/" + name)
        assert st == 200, f"CreateBucket: {st} {body}"

    def batch_setup(self, queue, definitions):
        """A role, an UNMANAGED compute environment, queue, and one job definition per name: image."""
        st, _ = self.call("iam", "POST", "/", form={
            "Action": "CreateRole", "Version": "2010-05-08", "RoleName": "quern-batch-role",
            "AssumeRolePolicyDocument": json.dumps({"Version": "2012-10-17", "Statement": []})})
        assert st == 200, f"CreateRole: {st}"
        role = "arn:aws:iam::123456789012:role/quern-batch-role"
        st, ce = self.call("batch", "POST", "/v1/createcomputeenvironment", {
            "computeEnvironmentName": "quern-ce", "type": "UNMANAGED", "state": "ENABLED",
            "serviceRole": role})
        assert st == 200, f"CreateComputeEnvironment: {st} {ce}"
        st, q = self.call("batch", "POST", "/v1/createjobqueue", {
            "jobQueueName": queue, "state": "ENABLED", "priority": 1,
            "computeEnvironmentOrder": [{"order": 1, "computeEnvironment": ce["computeEnvironmentArn"]}]})
        assert st == 200, f"CreateJobQueue: {st} {q}"
        for name, image in definitions.items():
            st, d = self.call("batch", "POST", "/v1/registerjobdefinition", {
                "jobDefinitionName": name, "type": "container",
                "containerProperties": {"image": image, "vcpus": 1, "memory": 128,
                                        "command": ["true"]}})
            assert st == 200, f"RegisterJobDefinition: {st} {d}"

    def describe(self, batch_id):
        st, body = self.call("batch", "POST", "/v1/describejobs", {"jobs": [batch_id]})
        assert st == 200, body
        return body["jobs"][0] if body["jobs"] else None

    def list_jobs(self, queue, status):
        st, body = self.call("batch", "POST", "/v1/listjobs", {"jobQueue": queue, "jobStatus": status})
        assert st == 200, body
        return body.get("jobSummaryList", [])


AWS_CLI_IMAGE = "localhost/quern-awscli:latest"


def aws_cli_image(eng):
    """Builds AWS_CLI_IMAGE (busybox plus /bin/aws, the stand-in) on engine eng, once."""
    if eng.has_image(AWS_CLI_IMAGE):
        return AWS_CLI_IMAGE
    import io
    import tarfile
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "aws-cli-stand-in.sh")
    with open(src, "rb") as f:
        data = f.read()
    tar = io.BytesIO()
    with tarfile.open(fileobj=tar, mode="w") as t:
        ti = tarfile.TarInfo("aws")
        ti.size = len(data)
        ti.mode = 0o755
        t.addfile(ti, io.BytesIO(data))
    st, body = eng.api("POST", "/containers/create", {"Image": "localhost/busybox:latest",
                                                       "Cmd": ["true"]})
    assert st == 201, f"create: {st} {body[:200]!r}"
    cid = json.loads(body)["Id"]
    try:
        st, body = eng.api("PUT", f"/containers/{cid}/archive?path=/bin", tar.getvalue(),
                           headers={"Content-Type": "application/x-tar"})
        assert st == 200, f"archive: {st} {body[:200]!r}"
        repo, tag = AWS_CLI_IMAGE.rsplit(":", 1)
        st, body = eng.api("POST", f"/commit?container={cid}&repo={repo}&tag={tag}", {})
        assert st == 201, f"commit: {st} {body[:200]!r}"
    finally:
        eng.remove(cid)
    return AWS_CLI_IMAGE


def engine():
    """(engine, None) from tests/integration/engines.py, or (None, reason)."""
    try:
        import engines
    except ImportError:
        return None, "tests/integration/engines.py (container engines) is not on this branch yet"
    last = None
    for name in ("podman", "docker"):
        try:
            return engines.get(name), None
        except unittest.SkipTest as e:
            last = str(e)
    return None, f"no container engine could start for moto's Batch jobs: {last}"


def engine_socket():
    """(DOCKER_HOST value, None) from tests/integration/engines.py, or (None, reason)."""
    try:
        import engines
    except ImportError:
        return None, "tests/integration/engines.py (container engines) is not on this branch yet"
    last = None
    for name in ("podman", "docker"):
        try:
            return "unix://" + engines.get(name).socket, None
        except unittest.SkipTest as e:
            last = str(e)
    return None, f"no container engine could start for moto's Batch jobs: {last}"
