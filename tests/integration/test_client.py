# SPDX-License-Identifier: MIT
"""The quern command-line client, run as a program (harness.CLIENT_BIN).

RealStackClientTest drives the client against the real stack (quern-api
behind lighttpd, a quern-runner, the example plugins) and checks what it
did in PostgreSQL. FakeFaultsTest uses fake_ogc.FakeOGC, the stand-in
server (see its header), only for what the real stack cannot be made to do.
Exit codes and messages are asserted: 0 success, 1 job failed, 2 usage,
3 server/network.
"""
import json
import os
import pty
import select
import shutil
import signal
import socket
import stat
import subprocess
import unittest

from fake_ogc import PNG, FakeOGC
from harness import BUILD, CLIENT_BIN, TOP, VALGRIND_LOGS, Stack, workdir


def quern(*args, url=None, env=None, stderr_tty=False, timeout=60, input=None):
    """Runs the client; returns CompletedProcess with text stdout and stderr."""
    e = {k: v for k, v in os.environ.items() if not k.startswith("QUERN_")}
    if url:
        e["QUERN_URL"] = url
    e.update(env or {})
    if not stderr_tty:
        stdin = {"input": input} if input is not None else {"stdin": subprocess.DEVNULL}
        return subprocess.run([CLIENT_BIN] + list(args), env=e, capture_output=True, text=True,
                              timeout=timeout, **stdin)
    master, slave = pty.openpty()
    e["COLUMNS"] = "72"
    p = subprocess.Popen([CLIENT_BIN] + list(args), env=e, stdout=subprocess.PIPE, stderr=slave,
                         stdin=subprocess.DEVNULL)
    os.close(slave)
    chunks = []
    while True:
        r, _, _ = select.select([master], [], [], timeout)
        if not r:
            p.kill()
            raise AssertionError("client timed out")
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    out = p.stdout.read().decode()
    p.stdout.close()
    p.wait(timeout)
    return subprocess.CompletedProcess(p.args, p.returncode, out, b"".join(chunks).decode())


class RealStackClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = Stack("client-real")
        cls.stack.start_runner()
        cls.url = cls.stack.url
        cls.dir = workdir("client-real-files")

    @classmethod
    def tearDownClass(cls):
        cls.stack.stop()

    def q(self, *args, **kw):
        kw.setdefault("url", self.url)
        return quern(*args, **kw)

    def ok(self, r, code=0):
        self.assertEqual(r.returncode, code, f"stdout:\n{r.stdout}\nstderr:\n{r.stderr}")
        return r

    def last_job(self, process):
        return self.stack.db.query("SELECT * FROM quern.jobs WHERE process_id = %s ORDER BY created DESC LIMIT 1",
                                   (process,))[0]

    def test_session_for_the_readme(self):
        """What a new user types first, asserted step by step, then shown as a terminal
        image (doc/screenshots/cli.png with QUERN_UPDATE_SCREENSHOTS=1)."""
        out = workdir("client-session")
        shown = []

        def step(*args, expect=(), refuse=()):
            r = self.ok(self.q(*args))
            for e in expect:
                self.assertIn(e, r.stdout + r.stderr, args)
            for e in refuse:
                self.assertNotIn(e, r.stdout + r.stderr, args)
            # progress goes to stderr while the job runs, the end to stdout
            shown.append(("$ quern " + " ".join(args), (r.stderr + r.stdout).rstrip("\n")))
            return r.stdout.strip()

        step("processes", expect=("hello-world", "progress"))
        d = step("describe", "progress", expect=("steps", "integer"), refuse=("0.2000000",))
        self.assertRegex(d, r"\ndelay\s+number \[0\.\.60\]\s+optional\s+0\.2\s+Delay\n")
        step("run", "hello-world", "-i", "name=you", expect=("Hello, you!",))
        job = step("run", "progress", "--async", "-i", "steps=4", "-i", "delay=0.3")
        self.assertRegex(job, r"^[0-9a-f-]{36}$")
        step("wait", job, expect=(f"job {job} successful\n",), refuse=("successful: successful",))
        step("results", job, "--output-dir", out, expect=("steps",))
        shown = [(c.replace(out, "out/"), o.replace(out, "out/")) for c, o in shown]
        import browser
        import html
        if not os.access(browser.CHROMIUM, os.X_OK):
            return  # the session itself is asserted above; the image needs Chromium
        page = os.path.join(out, "session.html")
        body = "\n".join(f'<b>{html.escape(c)}</b>\n{html.escape(o)}' for c, o in shown)
        with open(page, "w") as f:
            f.write('<!DOCTYPE html><meta charset="utf-8"><body style="margin:0;background:#1e1e1e">'
                    '<pre style="margin:0;padding:14px;color:#ddd;font:14px/1.35 DejaVu Sans Mono,'
                    f'monospace;white-space:pre-wrap">{body}</pre></body>')
        shots = os.path.join(os.environ.get("QUERN_TEST_OUT", out), "screenshots")
        os.makedirs(shots, exist_ok=True)
        png = os.path.join(shots, "cli.png")
        p = subprocess.Popen([browser.CHROMIUM] + browser.FLAGS + [
            f"--user-data-dir={out}/profile", f"--screenshot={png}", "--window-size=900,760",
            "file://" + page], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        try:
            p.wait(90)
        finally:
            browser._kill_group(p.pid)  # on timeout too, with its renderers
        self.assertTrue(os.path.getsize(png) > 1000, "the terminal image was written")
        if os.environ.get("QUERN_UPDATE_SCREENSHOTS") == "1":
            shutil.copy(png, os.path.join(TOP, "doc", "screenshots", "cli.png"))

    def test_processes_and_describe(self):
        r = self.ok(self.q("processes"))
        ids = [ln.split()[0] for ln in r.stdout.splitlines()[1:]]
        for pid in ("echo", "files", "progress", "sleep"):
            self.assertIn(pid, ids)
        r = self.ok(self.q("describe", "echo"))
        inputs = r.stdout.split("\nINPUT ")[1].split("\n\nOUTPUT ")[0]
        rows = {ln.split()[0]: ln for ln in inputs.splitlines()[1:]}
        self.assertRegex(rows["text"], r'^text\s+string\s+optional\s+""\s+Text$')
        self.assertRegex(rows["pause"], r"^pause\s+number \[0\.\.600\]\s+optional\s+0\s+Pause$")
        self.assertIn("binary string (image/tiff)", rows["image"])
        self.assertIn("number | string", rows["numberOrText"])
        self.assertIn("\n\nOUTPUT  ", r.stdout)
        doc = json.loads(self.ok(self.q("--json", "describe", "echo")).stdout)
        self.assertEqual(doc["id"], "echo")

    def test_run_echo_sync_with_typed_inputs(self):
        img = os.path.join(self.dir, "tiny.tif")
        with open(img, "wb") as f:
            f.write(b"II*\x00" + bytes(range(64)))
        r = self.ok(self.q("run", "echo", "-i", "text=hello", "-i", "labels=a", "-i", "labels=b",
                           "-i", "numberOrText=7", "-i", 'payload={"value": "v"}', "-i", f"image=@{img}",
                           "-i", "pause=0"))
        job = self.last_job("echo")
        self.assertEqual(job["mode"], "sync")
        self.assertEqual(job["status"], "successful")
        import base64
        inputs = job["request"]["inputs"]
        self.assertEqual(inputs["text"], "hello")
        self.assertEqual(inputs["labels"], ["a", "b"])
        self.assertEqual(inputs["numberOrText"], 7)
        self.assertEqual(inputs["payload"], {"value": "v"})
        self.assertEqual(inputs["pause"], 0)
        self.assertEqual(base64.b64decode(inputs["image"]), b"II*\x00" + bytes(range(64)))
        out = dict(ln.split(": ", 1) for ln in r.stdout.splitlines())
        self.assertEqual(out["text"], "hello")
        self.assertEqual(json.loads(out["labels"]), ["a", "b"])
        self.assertEqual(json.loads(out["payload"]), {"value": "v"})
        self.assertEqual(out["numberOrText"], "7")

    def test_run_echo_async_wait(self):
        r = self.ok(self.q("run", "echo", "--wait", "-i", "text=later"))
        self.assertIn("text: later\n", r.stdout)
        lines = r.stderr.splitlines()
        self.assertRegex(lines[-1], r"^job [0-9a-f-]{36} successful$")
        job_id = lines[-1].split()[1]
        self.assertEqual(self.stack.job(job_id)["mode"], "async")
        r = self.ok(self.q("--json", "run", "echo", "--async", "-i", "text=j"))
        info = json.loads(r.stdout)
        self.assertEqual(info["processID"], "echo")
        r = self.ok(self.q("--json", "wait", info["jobID"]))
        self.assertEqual(json.loads(r.stdout)["status"], "successful")

    def test_value_from_standard_input_and_status(self):
        r = self.ok(self.q("--json", "run", "echo", "--async", "-i", "payload=@-", input='{"value": "piped"}'))
        job = json.loads(r.stdout)["jobID"]
        self.assertEqual(self.stack.job(job)["request"]["inputs"]["payload"], {"value": "piped"})
        self.ok(self.q("wait", job))
        r = self.ok(self.q("status", job))
        self.assertIn(f"job       {job}\n", r.stdout)
        self.assertIn("process   echo\n", r.stdout)
        self.assertRegex(r.stdout, r"status    successful( \(100%\))?\n")
        self.assertRegex(r.stdout, r"finished  \d{4}-\d\d-\d\dT")

    def test_logs_follow_json_is_one_entry_per_line(self):
        job = self.ok(self.q("run", "fail", "--async")).stdout.strip()
        r = self.ok(self.q("--json", "logs", job, "--follow"))
        entries = [json.loads(ln) for ln in r.stdout.splitlines()]
        self.assertEqual([e["seq"] for e in entries], list(range(1, len(entries) + 1)))
        self.assertIn({"stream": "stdout", "line": "about to fail"},
                      [{"stream": e["stream"], "line": e["line"]} for e in entries])

    def test_logs_follow_on_the_progress_process(self):
        job = self.ok(self.q("run", "progress", "--async", "-i", "steps=4", "-i", "delay=0.3")).stdout.strip()
        r = self.ok(self.q("logs", job, "--follow"))
        self.assertEqual(self.stack.job(job)["status"], "successful")
        rows = self.stack.db.query("SELECT stream, line FROM quern.job_logs WHERE job_id = %s ORDER BY seq", (job,))
        self.assertGreaterEqual(len(rows), 5)
        self.assertEqual(r.stdout.splitlines(), [x["line"] for x in rows if x["stream"] == "stdout"])
        self.assertIn("step 4 of 4 done", r.stdout)
        # Following a job that has ended prints everything and returns at once.
        self.assertEqual(self.ok(self.q("logs", job, "--follow")).stdout, r.stdout)

    def test_wait_shows_progress(self):
        job = self.ok(self.q("run", "progress", "--async", "-i", "steps=3", "-i", "delay=0.4")).stdout.strip()
        r = self.ok(self.q("wait", job, stderr_tty=True))
        self.assertIn("\r[", r.stderr)
        self.assertIn("100% successful", r.stderr)
        self.assertRegex(r.stdout, f"^job {job} successful(: .*)?\n$")
        job = self.ok(self.q("run", "progress", "--async", "-i", "steps=2", "-i", "delay=0.3")).stdout.strip()
        r = self.ok(self.q("wait", job))
        self.assertIn(f"job {job}: 100% successful", r.stderr)

    def test_results_download_of_the_files_process(self):
        out = os.path.join(self.dir, "run-out")
        r = self.ok(self.q("run", "files", "--wait", "-i", "lines=4", "--output-dir", out))
        self.assertEqual(sorted(os.listdir(out)), ["report.txt", "table.csv"])
        job_id = r.stderr.splitlines()[-1].split()[1]
        files = {x["output_id"]: x for x in self.stack.db.query(
            "SELECT output_id, bytes, sha256 FROM quern.job_files WHERE job_id = %s", (job_id,))}
        import hashlib
        for name, oid in (("report.txt", "report"), ("table.csv", "table")):
            with open(os.path.join(out, name), "rb") as f:
                data = f.read()
            self.assertEqual(len(data), files[oid]["bytes"])
            self.assertEqual(hashlib.sha256(data).hexdigest(), files[oid]["sha256"])
            self.assertIn(f"{oid}: saved {out}/{name} ({len(data)} bytes)", r.stdout)
        again = os.path.join(self.dir, "results-out")
        self.ok(self.q("results", job_id, "--output-dir", again))
        self.assertEqual(sorted(os.listdir(again)), ["report.txt", "table.csv"])

    def test_dismiss_of_sleep(self):
        job = self.ok(self.q("run", "sleep", "--async", "-i", "seconds=60")).stdout.strip()
        self.stack.wait_status(job, "running")
        r = self.ok(self.q("dismiss", job))
        self.assertEqual(r.stdout, f"job {job} dismissed\n")
        r = self.ok(self.q("wait", job), 1)
        self.assertIn(f"job {job} dismissed", r.stdout)
        self.assertEqual(self.stack.wait_status(job)["status"], "dismissed")
        r = self.ok(self.q("jobs", "--process", "sleep", "--status", "dismissed"))
        rows = r.stdout.splitlines()[1:]
        self.assertIn(job, [x.split()[0] for x in rows])
        self.assertTrue(all(x.split()[1:3] == ["sleep", "dismissed"] for x in rows), rows)

    def test_jobs_table_filters(self):
        for _ in range(3):
            self.ok(self.q("run", "echo", "-i", "text=t"))
        r = self.ok(self.q("jobs", "--process", "echo", "--status", "successful", "--limit", "2"))
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["JOB", "PROCESS", "STATUS", "PROGRESS", "CREATED", "MESSAGE"])
        self.assertEqual(len(lines), 3)
        self.assertTrue(all(x.split()[1:3] == ["echo", "successful"] for x in lines[1:]))
        doc = json.loads(self.ok(self.q("--json", "jobs", "--process", "echo,files")).stdout)
        self.assertTrue(all(j["processID"] in ("echo", "files") for j in doc["jobs"]))

    def test_json_on_every_command(self):
        job = self.ok(self.q("run", "progress", "--async", "-i", "steps=1", "-i", "delay=0")).stdout.strip()
        cmds = [["processes"], ["describe", "echo"], ["run", "echo", "-i", "text=m"], ["status", job],
                ["wait", job], ["logs", job], ["results", job], ["jobs", "--limit", "2"], ["dismiss", job]]
        for c in cmds:
            with self.subTest(cmd=c):
                r = self.ok(self.q("--json", *c))
                self.assertIsInstance(json.loads(r.stdout), dict)
        r = self.ok(self.q("--json", "run", "nope"), 3)
        self.assertEqual(json.loads(r.stdout)["status"], 404)

    def test_errors_and_exit_codes(self):
        r = self.ok(self.q("run", "nope"), 3)
        self.assertRegex(r.stderr, r"^quern: error: .*nope.* \(HTTP 404\)\n$")
        r = self.ok(self.q("describe", "nope"), 3)
        self.assertIn("(HTTP 404)", r.stderr)
        # Found by the client from the schema: nothing is submitted.
        before = self.stack.db.value("SELECT count(*) FROM quern.jobs")
        cases = [
            (["pause=-1"], "input 'pause': '-1' is below the minimum of 0"),
            (["pause=700"], "input 'pause': '700' is above the maximum of 600"),
            (["pause=soon"], "input 'pause': 'soon' is not a number"),
            (["payload=[1]"], "input 'payload': '[1]' is not a JSON object"),
            (["text=a", "text=b"], "input 'text' takes at most 1 value"),
            (["colour=red"], "the process has no input 'colour' (its inputs: "),
            (["image=@/nonexistent/x.tif"], "cannot open /nonexistent/x.tif"),
        ]
        for specs, msg in cases:
            with self.subTest(specs=specs):
                argv = [a for spec in specs for a in ("-i", spec)]
                r = self.ok(self.q("run", "echo", *argv), 2)
                self.assertIn(msg, r.stderr)
        r = self.ok(self.q("run", "progress", "-i", "steps=0"), 2)
        self.assertIn("input 'steps': '0' is below the minimum of 1", r.stderr)
        # Found by the server (the bbox needs 4 or 6 numbers): its exception, exit 3.
        r = self.ok(self.q("run", "echo", "-i", 'boundingBox={"bbox": [1, 2, 3, 4, 5]}'), 3)
        self.assertRegex(r.stderr, r"^quern: error: .+ \(HTTP 400\)\n$")
        self.assertEqual(self.stack.db.value("SELECT count(*) FROM quern.jobs"), before)
        r = self.ok(self.q("status", "00000000-0000-0000-0000-000000000000"), 3)
        self.assertIn("(HTTP 404)", r.stderr)

    def test_failed_job_exits_1(self):
        r = self.ok(self.q("run", "fail", "-i", "message=it broke"), 1)
        self.assertRegex(r.stdout, r"^job [0-9a-f-]{36} failed")
        job = self.ok(self.q("run", "fail", "--async")).stdout.strip()
        r = self.ok(self.q("wait", job), 1)
        self.assertTrue(r.stdout.startswith(f"job {job} failed"), r.stdout)
        r = self.ok(self.q("results", job), 1)
        r = self.ok(self.q("logs", job))
        self.assertIn("about to fail", r.stdout)
        self.assertIn("error: this process always fails", r.stderr)


class FakeBase(unittest.TestCase):
    """Starts one stand-in server for the class."""

    @classmethod
    def setUpClass(cls):
        cls.fake = FakeOGC()
        cls.url = cls.fake.url
        cls.dir = workdir("client-fake")

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()

    def q(self, *args, **kw):
        kw.setdefault("url", self.url)
        return quern(*args, **kw)

    def requests_for(self, method, path_prefix):
        return [r for r in self.fake.requests if r["method"] == method and r["path"].startswith(path_prefix)]

    def ok(self, r, code=0):
        self.assertEqual(r.returncode, code, f"stdout:\n{r.stdout}\nstderr:\n{r.stderr}")
        return r


class FakeFaultsTest(FakeBase):
    """What the real stack cannot be made to do: hostile or broken answers, no server at all,
    more than one page of processes, credentials checked by a stand-in, a job that never ends."""

    def test_processes_table_follows_next_links(self):
        before = len(self.requests_for("GET", "/processes"))
        r = self.ok(self.q("processes"))
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["ID", "VERSION", "TITLE"])
        self.assertEqual([ln.split()[0] for ln in lines[1:]], ["echo", "files", "progress"])
        self.assertEqual(len(self.requests_for("GET", "/processes")) - before, 2)  # two pages

    def test_results_download_reference_outputs(self):
        job = self.ok(self.q("run", "files", "--async")).stdout.strip()
        r = self.ok(self.q("results", job), 3)  # not ready yet
        self.assertIn("Results not ready: job is accepted (HTTP 404)", r.stderr)
        self.ok(self.q("wait", job))
        d = workdir("client-fake-results")
        out = os.path.join(d, "new")
        with open(os.path.join(d, "plain"), "w") as f:
            f.write("x")
        r = self.ok(self.q("results", job, "--output-dir", os.path.join(d, "plain")), 2)
        self.assertIn(f"quern: error: {d}/plain is not a directory", r.stderr)
        r = self.ok(self.q("results", job, "--output-dir", out))
        # The server's file name is kept but reduced to a plain name in the directory.
        self.assertEqual(sorted(os.listdir(out)), ["plot.png", "report.txt"])
        self.assertIn(f"image: saved {out}/plot.png (264 bytes)", r.stdout)
        self.assertIn(f"report: saved {out}/report.txt (9 bytes)", r.stdout)
        with open(os.path.join(out, "plot.png"), "rb") as f:
            self.assertEqual(f.read(), PNG)
        mode = stat.S_IMODE(os.stat(os.path.join(out, "plot.png")).st_mode)
        self.assertEqual(mode & 0o044, 0o044, oct(mode))  # not mkstemp's 0600
        self.assertFalse(os.path.exists(os.path.join(d, "evil")))
        # Into the current directory by default.
        cwd = os.path.join(d, "cwd")
        os.makedirs(cwd)
        e = {k: v for k, v in os.environ.items() if not k.startswith("QUERN_")}
        e["QUERN_URL"] = self.url
        p = subprocess.run([CLIENT_BIN, "results", job], cwd=cwd, env=e, capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(sorted(os.listdir(cwd)), ["plot.png", "report.txt"])

    def test_token_is_sent_and_never_printed(self):
        fake = FakeOGC(token="s3cret-token")
        try:
            r = quern("--token", "wrong-token", "processes", url=fake.url)
            self.ok(r, 3)
            self.assertIn("Unauthorized: a valid token is needed (HTTP 401)", r.stderr)
            self.assertNotIn("wrong-token", r.stdout + r.stderr)
            r = self.ok(quern("--verbose", "processes", url=fake.url, env={"QUERN_TOKEN": "s3cret-token"}))
            self.assertIn("echo", r.stdout)
            self.assertRegex(r.stderr, r"quern\[\d+\]: debug: GET " + fake.url +
                             r"/processes\?limit=1000 status=200 bytes=\d+ ms=\d+\n")
            self.assertNotIn("s3cret", r.stderr)
            self.assertEqual(fake.requests[-1]["headers"]["Authorization"], "Bearer s3cret-token")
            r = self.ok(quern("--json", "--token", "s3cret-token", "run", "nope", url=fake.url), 3)
            self.assertNotIn("s3cret", r.stdout + r.stderr)
            r = self.ok(quern("--user", "ann:pw", "processes", url=self.url))
            import base64
            self.assertEqual(self.fake.requests[-1]["headers"]["Authorization"],
                             "Basic " + base64.b64encode(b"ann:pw").decode())
        finally:
            fake.stop()

    def test_credentials_stay_on_the_servers_origin(self):
        other = FakeOGC()
        fake = FakeOGC(token="tok-123", file_base=other.url)
        try:
            job = self.ok(quern("--token", "tok-123", "run", "files", "--async", url=fake.url)).stdout.strip()
            self.ok(quern("--token", "tok-123", "wait", job, url=fake.url))
            out = os.path.join(workdir("client-fake-origin"), "o")
            self.ok(quern("--token", "tok-123", "results", job, "--output-dir", out, url=fake.url))
            self.assertEqual(sorted(os.listdir(out)), ["plot.png", "report.txt"])
            self.assertEqual([r["path"] for r in other.requests], ["/files/image", "/files/report"])
            self.assertTrue(all("Authorization" not in r["headers"] for r in other.requests))
            self.assertTrue(all(r["headers"].get("Authorization") == "Bearer tok-123" for r in fake.requests))
        finally:
            fake.stop()
            other.stop()

    def test_usage_errors_exit_2(self):
        cases = [([], "no command given"), (["frob"], "unknown command 'frob'"),
                 (["status"], "'status' needs a JOB"), (["--nope", "jobs"], "unknown option '--nope'"),
                 (["status", "j", "--follow"], "--follow does not apply to 'status'"),
                 (["--url", "http://a:b@h/", "jobs"], "not in the URL")]
        for argv, msg in cases:
            with self.subTest(argv=argv):
                r = self.ok(quern(*argv), 2)
                self.assertIn(msg, r.stderr)
                self.assertIn("Try 'quern --help'.", r.stderr)
        r = self.ok(quern("--help"))
        self.assertIn("usage: quern", r.stdout)
        self.assertIn("Exit status: 0 success, 1 job failed, 2 usage, 3 server or network error.", r.stdout)
        self.assertRegex(self.ok(quern("--version")).stdout, r"^quern \d+\.\d+")

    def test_network_error_exits_3(self):
        with socket.socket() as s:  # a port nothing listens on
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        r = self.ok(quern("jobs", url=f"http://127.0.0.1:{port}"), 3)
        self.assertEqual(r.stderr.strip(),
                         f"quern: error: cannot reach http://127.0.0.1:{port}: Couldn't connect to server")

    def test_500_with_a_non_json_body(self):
        fake = FakeOGC(fault="text500")
        try:
            for argv in (["processes"], ["status", "x"], ["run", "echo", "-i", "message=x"]):
                with self.subTest(argv=argv):
                    r = self.ok(quern(*argv, url=fake.url), 3)
                    self.assertEqual(r.stderr.strip(),
                                     "quern: error: the server answered HTTP 500: Internal Server Error")
        finally:
            fake.stop()

    @unittest.skipIf(VALGRIND_LOGS, "reads the argv valgrind replaces: meaningless under valgrind")
    def test_interrupt_ends_the_progress_line_and_argv_hides_the_token(self):
        job = self.ok(self.q("run", "progress", "--async")).stdout.strip()
        self.fake.jobs[job].advance()
        self.fake.jobs[job].progress = -100000  # never reaches 100 %
        master, slave = pty.openpty()
        e = {k: v for k, v in os.environ.items() if not k.startswith("QUERN_")}
        e["QUERN_URL"] = self.url
        p = subprocess.Popen([CLIENT_BIN, "--token", "hidden-tok", "wait", job], env=e,
                             stdout=subprocess.DEVNULL, stderr=slave, stdin=subprocess.DEVNULL)
        os.close(slave)
        seen = b""
        try:
            while b"\r[" not in seen:
                r, _, _ = select.select([master], [], [], 20)
                self.assertTrue(r, "no progress line drawn")
                seen += os.read(master, 4096)
            with open(f"/proc/{p.pid}/cmdline", "rb") as f:  # the token is blanked once copied
                self.assertEqual(f.read().split(b"\0")[:3], [CLIENT_BIN.encode(), b"--token", b"**********"])
            p.send_signal(signal.SIGINT)
            self.assertEqual(p.wait(20), -signal.SIGINT)
            while True:
                r, _, _ = select.select([master], [], [], 5)
                try:
                    data = os.read(master, 4096) if r else b""
                except OSError:
                    data = b""
                if not data:
                    break
                seen += data
        finally:
            os.close(master)
            if p.poll() is None:
                p.kill()
        self.assertTrue(seen.endswith(b"\x1b[K\r\n") or seen.endswith(b"\x1b[K\n"), seen[-40:])

    def test_redirect_is_reported_not_followed(self):
        fake = FakeOGC(fault="redirect")
        try:
            r = self.ok(quern("run", "echo", "-i", "message=x", url=fake.url), 3)
            self.assertEqual(r.stderr.strip(), "quern: error: the server answered HTTP 301, redirecting to "
                             "https://elsewhere.example/quern/processes/echo: use that as --url")
            self.assertEqual(len(fake.requests), 1)
        finally:
            fake.stop()

    def test_escape_sequences_from_the_server_are_not_printed_to_a_terminal(self):
        job = self.ok(self.q("run", "progress", "--async")).stdout.strip()
        self.fake.jobs[job].status = "successful"  # polls no longer change it
        self.fake.jobs[job].message = "evil \x1b]0;pwned\x07 title"
        r = self.ok(self.q("status", job, stderr_tty=True))
        self.assertNotIn("\x1b", r.stdout)
        self.assertIn("message   evil  ]0;pwned  title", r.stdout)


class ManPageTest(unittest.TestCase):
    def test_man_page_installed(self):
        dest = workdir("client-man")
        r = subprocess.run(["make", "-C", BUILD, "-s", "install-man", f"DESTDIR={dest}", "prefix=/usr"],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        page = os.path.join(dest, "usr/share/man/man1/quern.1")
        with open(page) as f:
            text = f.read()
        for section in (".SH SYNOPSIS", ".SH COMMANDS", ".SH EXIT STATUS", ".SH ENVIRONMENT", "QUERN_URL"):
            self.assertIn(section, text)
        if shutil.which("man"):
            r = subprocess.run(["man", "-l", "--warnings", page], capture_output=True, text=True,
                               env=dict(os.environ, MANWIDTH="80", MANPAGER="cat", PAGER="cat"))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stderr.strip(), "")


if __name__ == "__main__":
    unittest.main()
