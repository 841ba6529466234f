# SPDX-License-Identifier: MIT
"""The docker backend against both real engines: podman's compatible service
and dockerd, each started by engines.py from the Debian packages with the
busybox image imported from busybox-static.

Jobs are inserted into quern.jobs the way the API writes them (contracts.md:
definition, request, backend), so these tests need only PostgreSQL, the
engine and quern-runner. Each test asserts the job row, its logs and files,
and that the engine holds no container of the job afterwards. The classes
are skipped, with the reason, only when an engine cannot start.
"""
import json
import os
import subprocess
import time
import unittest

import engines
import harness
from harness import poll

IMAGE = engines.IMAGE


_runner_docker = None


def require_runner_docker():
    """SkipTest unless this build's quern-runner has the docker backend."""
    global _runner_docker
    if _runner_docker is None:
        env = dict(os.environ, QUERN_RUNNER_BACKENDS="docker", QUERN_DATABASE_URL="dbname=none",
                   QUERN_RUNNER_WORK_DIR=harness.OUT)
        env.pop("QUERN_CONFIG", None)
        try:
            r = subprocess.run([harness.RUNNER_BIN, "--check-config"], env=env, timeout=10,
                               capture_output=True, text=True)
            _runner_docker = "" if r.returncode == 0 else (r.stdout + r.stderr).strip()[-300:]
        except (OSError, subprocess.TimeoutExpired) as e:
            _runner_docker = f"quern-runner --check-config did not answer ({e})"
    if _runner_docker:
        raise unittest.SkipTest(f"quern-runner cannot serve docker: {_runner_docker}")


def script(text):
    """A busybox sh command; the inputs JSON (quern's last argument) is $0."""
    return ["sh", "-c", text]


class DockerCase:
    ENGINE = None

    @classmethod
    def setUpClass(cls):
        require_runner_docker()
        cls.eng = engines.get(cls.ENGINE)
        cls.stack = harness.Stack(f"docker_{cls.ENGINE}", api=False, config={
            "runner": {"backends": ["docker", "local"], "kill_grace": 2, "lease": 4},
            "docker": {"socket": cls.eng.socket},
        })
        cls.runner = cls.stack.start_runner()
        cls.jobs = []

    @classmethod
    def tearDownClass(cls):
        cls.stack.stop()

    # --- helpers ----------------------------------------------------------

    def submit(self, command, image=IMAGE, pull="never", inputs=None, config=None,
               outputs=None, backend="docker", max_attempts=1):
        definition = {
            "id": "dock", "version": "1.0.0",
            "host": {"type": backend, "image": image, "pull": pull, "network": "none"}
            if backend == "docker" else {"type": backend},
            "command": command,
            "config": config or {},
            "inputs": {"name": {"schema": {"type": "string"}}},
            "outputs": outputs or {"echo": {"schema": {"type": "object"}},
                                   "report": {"schema": {"type": "string",
                                                         "contentMediaType": "text/plain"}}},
        }
        request = {"inputs": inputs if inputs is not None else {"name": "world"}, "outputs": {},
                   "response": "document"}
        job_id = self.stack.db.value(
            "INSERT INTO quern.jobs (process_id, process_version, request, definition, backend,"
            " max_attempts) VALUES ('dock', '1.0.0', %s, %s, %s, %s) RETURNING id::text",
            (json.dumps(request), json.dumps(definition), backend, max_attempts))
        self.jobs.append(job_id)
        return job_id

    def wait(self, job_id, timeout=60):
        return self.stack.wait_status(job_id, timeout=timeout)

    def logs(self, job_id, stream=None):
        rows = self.stack.db.query(
            "SELECT stream, line FROM quern.job_logs WHERE job_id = %s ORDER BY seq", (job_id,))
        return [r["line"] for r in rows if stream is None or r["stream"] == stream]

    def containers_of(self, job_id):
        return self.eng.containers(label=f"quern.job={job_id}")

    def assert_removed(self, job_id):
        poll(lambda: not self.containers_of(job_id), timeout=20,
             what=f"{self.ENGINE} to hold no container of job {job_id}")

    def running_with_container(self, job_id):
        def ready():
            j = self.stack.job(job_id)
            return j and j["status"] == "running" and j["backend_job_id"] and \
                any("start" == line for line in self.logs(job_id, "stdout")) and j
        return poll(ready, timeout=30, what=f"job {job_id} to run in its container")

    def detail(self, job):
        return (job["exception"] or {}).get("detail", "")

    def assert_image_recorded(self, job, info=None):
        """jobs.backend_info (or metadata's backendInfo) names the image the engine ran."""
        info = info if info is not None else job["backend_info"]
        img = self.eng.image()
        bare = lambda i: i.split(":", 1)[1] if i.startswith("sha256:") else i
        self.assertEqual(info["container"], job["backend_job_id"])
        self.assertEqual(info["image"], IMAGE)
        self.assertEqual(bare(info["imageId"]), bare(img["Id"]), info)
        if img.get("RepoDigests"):
            self.assertEqual(info["imageDigest"], img["RepoDigests"][0], info)
        else:
            self.assertNotIn("imageDigest", info)

    # --- tests -------------------------------------------------------------

    def test_success_with_results_and_files(self):
        j = self.submit(script(
            'echo "{\\"progress\\": 50, \\"message\\": \\"half\\"}"; '
            'echo "hello from $QUERN_JOB_ID" > "$QUERN_OUTPUT_DIR/report.txt"; '
            'echo "cwd=$(pwd) out=$QUERN_OUTPUT_DIR net=$(ls /sys/class/net | tr "\\n" " ")"; '
            'echo "{\\"plugin_results\\": {\\"echo\\": $0}}"'),
            inputs={"name": "world"})
        job = self.wait(j)
        self.assertEqual(job["status"], "successful", job)
        self.assertEqual(job["results"], {"echo": {"name": "world"}})
        self.assertRegex(job["backend_job_id"], r"^[0-9a-f]{64}$")
        out = self.logs(j, "stdout")
        self.assertIn("cwd=/quern/job out=/quern/output net=lo ", out)
        files = self.stack.db.query(
            "SELECT output_id, name, bytes FROM quern.job_files WHERE job_id = %s", (j,))
        self.assertEqual([(f["output_id"], f["name"]) for f in files], [("report", "report.txt")])
        self.assertEqual(files[0]["bytes"], len(f"hello from {j}\n"))
        system = "\n".join(self.logs(j, "system"))
        self.assertIn(f"image {IMAGE} id sha256:", system)
        self.assert_image_recorded(job)
        self.assert_removed(j)

    def test_failure_exit_code_and_stderr(self):
        j = self.submit(script('echo "to stdout"; echo "something broke" >&2; exit 3'))
        job = self.wait(j)
        self.assertEqual(job["status"], "failed")
        self.assertIn("exited with code 3", self.detail(job))
        self.assertIn("something broke", self.detail(job))
        self.assertIn("something broke", self.logs(j, "stderr"))
        self.assertIn("to stdout", self.logs(j, "stdout"))
        self.assert_removed(j)

    def test_memory_limit(self):
        j = self.submit(script('echo start; x=0123456789; while true; do x=$x$x; done'),
                        config={"maxResources": {"memory": 16}})
        job = self.wait(j)
        self.assertEqual(job["status"], "failed")
        self.assertIn("killed by signal 9", self.detail(job))
        self.assertIn("after exceeding its memory limit (memory limit 16 MiB)", self.detail(job))
        self.assertTrue(any("exceeded its memory limit (16 MiB)" in line
                            for line in self.logs(j, "system")), self.logs(j, "system"))
        self.assert_removed(j)

    def test_cpu_time_limit(self):
        # maxResources.cpuTime: the container's CPU time from the engine's stats; at the
        # limit SIGXCPU, then SIGKILL a second later (this loop does not trap SIGXCPU).
        j = self.submit(script('echo start; while true; do :; done'),
                        config={"maxResources": {"cpuTime": 1}, "timeout": 120})
        job = self.wait(j, timeout=90)
        self.assertEqual(job["status"], "failed")
        self.assertIn("CPU time limit 1 s", self.detail(job))
        self.assertRegex(self.detail(job), r"killed by signal (24|9)")
        self.assertNotIn("timed out", self.detail(job))
        self.assertTrue(any("of CPU time, its limit is 1 s" in line
                            for line in self.logs(j, "system")), self.logs(j, "system"))
        self.assert_removed(j)

    def test_cpu_time_within_limit(self):
        # A job that sleeps uses no CPU: it ends normally under a small limit.
        j = self.submit(script('sleep 2; echo "{\\"plugin_results\\": {\\"echo\\": $0}}"'),
                        config={"maxResources": {"cpuTime": 1}})
        job = self.wait(j, timeout=60)
        self.assertEqual(job["status"], "successful", job)
        self.assert_removed(j)

    def test_timeout(self):
        j = self.submit(script('echo start; sleep 60'), config={"timeout": 1})
        t0 = time.monotonic()
        job = self.wait(j)
        self.assertEqual(job["status"], "failed")
        self.assertIn("timed out", self.detail(job))
        self.assertLess(time.monotonic() - t0, 30)
        self.assert_removed(j)

    def test_dismiss_running_container(self):
        # Ignores SIGTERM, so the grace period and SIGKILL are exercised too.
        j = self.submit(script('trap "echo got TERM" TERM; echo start; '
                               'while true; do sleep 0.2; done'))
        job = self.running_with_container(j)
        cid = job["backend_job_id"]
        self.stack.db.value("UPDATE quern.jobs SET dismiss_requested = true WHERE id = %s "
                            "RETURNING id", (j,))
        job = self.wait(j, timeout=30)
        self.assertEqual(job["status"], "dismissed")
        self.assertIn("got TERM", self.logs(j, "stdout"))
        self.assert_removed(j)
        st, _ = self.eng.api("GET", f"/containers/{cid}/json")
        self.assertEqual(st, 404)

    def test_missing_image(self):
        j = self.submit(["true"], image="localhost/no-such-image:1", pull="never")
        job = self.wait(j)
        self.assertEqual(job["status"], "failed")
        self.assertRegex(self.detail(job).lower(), r"no such image.*localhost/no-such-image:1")
        self.assertIn("pull is never", self.detail(job))

    def test_pull_failure_reports_engine_message(self):
        # No registry is reachable: the pull fails, and the engine's reason reaches the job
        # (podman answers 200 and reports the error inside the progress stream).
        j = self.submit(["true"], image="localhost/no-such-image:2", pull="missing")
        job = self.wait(j, timeout=90)
        self.assertEqual(job["status"], "failed")
        self.assertIn("docker pull:", self.detail(job))
        self.assertRegex(self.detail(job), r"refused|connect")

    def test_command_not_found(self):
        j = self.submit(["/no/such/program"])
        job = self.wait(j)
        self.assertEqual(job["status"], "failed")
        self.assertRegex(self.detail(job), r"exited with code (1|127)")
        self.assert_removed(j)

    def test_reattach_after_runner_killed(self):
        # The container waits for a file the test creates once the new runner follows it,
        # so the re-attach meets a running container whatever the machine's speed.
        j = self.submit(script('echo start; n=0; while [ ! -e /quern/job/go ] && [ $n -lt 600 ]; '
                               'do sleep 0.1; n=$((n+1)); done; echo "after $n"; '
                               'echo "{\\"plugin_results\\": {\\"echo\\": $0}}"'),
                        inputs={"name": "again"})
        job = self.running_with_container(j)
        cid = job["backend_job_id"]
        self.runner.kill9()
        type(self).runner = self.stack.start_runner()
        poll(lambda: any(f"re-attached to container {cid[:12]} (running)" in line
                         for line in self.logs(j, "system")),
             timeout=60, what="the new runner to re-attach to the running container")
        self.assertEqual(self.stack.job(j)["status"], "running")
        open(os.path.join(self.stack.jobs_dir, j, "go"), "w").close()
        job = self.wait(j, timeout=60)
        self.assertEqual(job["status"], "successful", job)
        self.assertEqual(job["results"], {"echo": {"name": "again"}})
        self.assertEqual(job["backend_job_id"], cid, "the same container was followed")
        self.assertEqual(job["attempt"], 1, "the job was not started again")
        self.assertTrue(any(line.startswith("after ") for line in self.logs(j, "stdout")))
        self.assertEqual(self.logs(j, "stdout").count("start"), 1,
                         "the output replayed at re-attach is not stored twice")
        self.assert_removed(j)

    def test_sigterm_leaves_container_running(self):
        """A stopping runner (SIGTERM, shutdown handback) leaves the container running
        instead of stopping it and queueing the job again; the next runner follows it."""
        j = self.submit(script('echo start; n=0; while [ ! -e /quern/job/go ] && [ $n -lt 600 ]; '
                               'do sleep 0.1; n=$((n+1)); done; echo "after $n"; '
                               'echo "{\\"plugin_results\\": {\\"echo\\": $0}}"'),
                        inputs={"name": "left"})
        job = self.running_with_container(j)
        cid = job["backend_job_id"]
        self.assertEqual(self.runner.stop(), 0)
        self.assertIn("left running for re-attach", self.runner.log())
        self.assertEqual(self.stack.job(j)["status"], "running")
        self.assertEqual([c["State"] for c in self.containers_of(j)], ["running"])
        type(self).runner = self.stack.start_runner()
        poll(lambda: any(f"re-attached to container {cid[:12]} (running)" in line
                         for line in self.logs(j, "system")),
             timeout=60, what="the new runner to re-attach to the container left running")
        open(os.path.join(self.stack.jobs_dir, j, "go"), "w").close()
        job = self.wait(j, timeout=60)
        self.assertEqual(job["status"], "successful", job)
        self.assertEqual(job["results"], {"echo": {"name": "left"}})
        self.assertEqual(job["backend_job_id"], cid)
        self.assertEqual(job["attempt"], 1, "the job was not started again")
        self.assertEqual(self.logs(j, "stdout").count("start"), 1)
        system = "\n".join(self.logs(j, "system"))
        self.assertIn(f"leaving container {cid[:12]} to run on", system)
        self.assertIn("left running by runner", system)
        self.assert_removed(j)

    def test_reattach_container_gone(self):
        """The runner died and its container was removed meanwhile: the job is queued again
        (attempts remain) and its next attempt runs in a new container and succeeds."""
        j = self.submit(script('echo start; n=0; while [ ! -e /quern/job/go ] && [ $n -lt 600 ]; '
                               'do sleep 0.1; n=$((n+1)); done; '
                               'echo "{\\"plugin_results\\": {\\"echo\\": $0}}"'),
                        inputs={"name": "twice"}, max_attempts=2)
        job = self.running_with_container(j)
        first = job["backend_job_id"]
        self.assertEqual(job["attempt"], 1)
        self.runner.kill9()
        self.eng.remove(first)
        self.assertEqual(self.containers_of(j), [])
        type(self).runner = self.stack.start_runner()

        def second_attempt():
            k = self.stack.job(j)
            return k and k["attempt"] == 2 and k["status"] == "running" and \
                k["backend_job_id"] not in (None, first) and k
        job = poll(second_attempt, timeout=60, what="the job's second attempt in a new container")
        open(os.path.join(self.stack.jobs_dir, j, "go"), "w").close()
        job = self.wait(j, timeout=60)
        self.assertEqual(job["status"], "successful", job)
        self.assertEqual(job["results"], {"echo": {"name": "twice"}})
        self.assertEqual(job["attempt"], 2)
        system = "\n".join(self.logs(j, "system"))
        self.assertIn("container is gone", system)
        self.assertIn("queued again for attempt 2 of 2", system)
        self.assert_image_recorded(job)
        self.assert_removed(j)

    def test_reattach_container_gone_no_attempts_left(self):
        """As above with one attempt: the job fails, saying the container is gone."""
        j = self.submit(script('echo start; sleep 60'))
        job = self.running_with_container(j)
        self.runner.kill9()
        self.eng.remove(job["backend_job_id"])
        type(self).runner = self.stack.start_runner()
        job = self.wait(j, timeout=60)
        self.assertEqual(job["status"], "failed")
        self.assertIn("container is gone", self.detail(job))
        self.assertIn("no attempts are left", self.detail(job))
        self.assertEqual(job["exception"]["type"], "urn:quern:work-lost")

    def test_zz_no_containers_left(self):
        """Runs last in the class: nothing quern created remains on the engine."""
        for j in list(self.jobs):
            poll(lambda j=j: (self.stack.job(j) or {}).get("status") in
                 ("successful", "failed", "dismissed"), timeout=60, what=f"job {j} to end")
        poll(lambda: not self.eng.quern_containers(), timeout=20,
             what=f"{self.ENGINE} to hold no quern containers")


class TestPodman(DockerCase, unittest.TestCase):
    ENGINE = "podman"


class TestDocker(DockerCase, unittest.TestCase):
    ENGINE = "docker"


class ExampleCase:
    """plugins/docker-echo.yaml, the shipped example, through quern-api and the runner."""
    ENGINE = None

    @classmethod
    def setUpClass(cls):
        require_runner_docker()
        cls.eng = engines.get(cls.ENGINE)
        cls.stack = harness.Stack(f"docker_example_{cls.ENGINE}", config={
            "runner": {"backends": ["docker"]}, "docker": {"socket": cls.eng.socket}})
        cls.runner = cls.stack.start_runner()

    @classmethod
    def tearDownClass(cls):
        cls.stack.stop()

    def test_docker_echo(self):
        r = self.stack.post("/processes/docker-echo/execution",
                            {"inputs": {"text": "hello from a container"}},
                            headers={"Prefer": "respond-async", "Accept": "application/json"})
        self.assertEqual(r.status_code, 201, r.text)
        job_id = r.json()["jobID"]
        job = self.stack.wait_status(job_id, timeout=60)
        self.assertEqual(job["status"], "successful", job)
        r = self.stack.get(f"/jobs/{job_id}/results", headers={"Accept": "application/json"})
        self.assertEqual(r.status_code, 200, r.text)
        self.assertEqual(r.json()["text"], "hello from a container")
        r = self.stack.get(f"/jobs/{job_id}/metadata", headers={"Accept": "application/json"})
        self.assertEqual(r.status_code, 200, r.text)
        meta = r.json()
        self.assertEqual(meta["backendJobID"], job["backend_job_id"])
        self.assertEqual(meta["image"], IMAGE)
        DockerCase.assert_image_recorded(self, job, meta["backendInfo"])
        poll(lambda: not self.eng.containers(label=f"quern.job={job_id}"), timeout=20,
             what="the example's container to be removed")


class TestExamplePodman(ExampleCase, unittest.TestCase):
    ENGINE = "podman"


class TestExampleDocker(ExampleCase, unittest.TestCase):
    ENGINE = "docker"


class TestEngineDown(unittest.TestCase):
    """No engine on the socket: docker jobs fail with a clear message, the runner lives on
    and keeps running local jobs."""

    @classmethod
    def setUpClass(cls):
        require_runner_docker()
        cls.stack = harness.Stack("docker_down", api=False, config={
            "runner": {"backends": ["docker", "local"]},
            "docker": {"socket": os.path.join(harness.OUT, "docker_down", "no-engine.sock")},
        })
        cls.runner = cls.stack.start_runner()

    @classmethod
    def tearDownClass(cls):
        cls.stack.stop()

    def test_engine_down(self):
        case = DockerCase()
        case.stack, case.jobs = self.stack, []
        j = DockerCase.submit(case, ["true"])
        job = self.stack.wait_status(j, timeout=30)
        self.assertEqual(job["status"], "failed")
        self.assertIn("cannot reach the engine", job["exception"]["detail"])
        self.assertIn("no-engine.sock", job["exception"]["detail"])
        self.assertTrue(self.runner.alive(), "the runner survived")
        local = DockerCase.submit(case, ["/bin/sh", "-c",
                                         'echo "{\\"plugin_results\\": {\\"echo\\": $0}}"'],
                                  backend="local")
        job = self.stack.wait_status(local, timeout=30)
        self.assertEqual(job["status"], "successful", job)
        self.assertTrue(self.runner.alive())


if __name__ == "__main__":
    unittest.main()
