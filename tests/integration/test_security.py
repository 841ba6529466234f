# SPDX-License-Identifier: MIT
"""Security properties that SECURITY.md relies on and no other module proves:
configured secrets never reach a log, a page, an exception, a job row or the
output of quern-admin and quern-runner; input hrefs and subscriber callbacks
never point quern's jobs at loopback, link-local or private addresses unless
an operator allowed those networks; request-derived names never reach the
file system."""
import base64
import os
import subprocess
import unittest

import requests

from harness import ADMIN_BIN, RUNNER_BIN, Lighttpd, Stack, poll, workdir, write_config
from rjobs import insert_job
from test_runner_callbacks import Listener

SECRETS = {
    "db": "Sekr1t-db-7c41",
    "aws": "Sekr1t-aws-9f02",
    "jwt": "Sekr1t-jwt-33aa",
    "plugin": "Sekr1t-plugin-5be8",
    "password": "Sekr1t-pw-0d19",
    "token": "Sekr1t-token-e671",
}


class SecretsTest(unittest.TestCase):
    """One stack configured with a secret in every secret-bearing place, driven through
    successes, failures, bad requests, bad credentials, HTML pages and a database outage;
    then every byte it produced is searched for the secrets."""

    def test_no_secret_in_any_log_page_row_or_output(self):
        s = Stack("security-secrets", api=False, config={
            "aws": {"secret_access_key": SECRETS["aws"], "session_token": SECRETS["aws"] + "x"},
            "slurm": {"jwt_token": SECRETS["jwt"]},
            "auth": {"failure_delay_ms": 0}})
        seen = []  # everything quern said: (where, text)
        try:
            s.cfg["database"]["url"] = s.db.dsn + f" password={SECRETS['db']}"
            write_config(s.config_path, s.cfg)
            s.web = Lighttpd(s.dir, s.config_path)
            s.url = s.web.url
            r = s.start_runner(env={"MY_API_KEY": SECRETS["plugin"]})
            ok = insert_job(s.db, "ok.sh", config={"secrets": ["MY_API_KEY"]})
            bad = insert_job(s.db, "fail.sh", config={"secrets": ["MY_API_KEY"]})
            for jid in (ok, bad):
                s.wait_status(jid)

            def hit(method, path, **kw):
                kw.setdefault("timeout", 30)
                resp = requests.request(method, s.url + path, **kw)
                seen.append((f"{method} {path}", str(resp.headers) + resp.text))
                return resp

            for jid in (ok, bad):
                for sub in ("", "/results", "/logs", "/metadata"):
                    for f in ("", "?f=html"):
                        hit("GET", f"/jobs/{jid}{sub}{f}")
            for path in ("/", "/processes?f=html", "/jobs?f=html", "/api", "/conformance",
                         "/processes/nope", "/jobs/nope?f=html", "/metrics"):
                hit("GET", path)
            hit("POST", "/processes/echo/execution", data="{not json",
                headers={"Content-Type": "application/json"})
            basic = base64.b64encode(f"nobody:{SECRETS['password']}".encode()).decode()
            self.assertEqual(hit("GET", "/jobs", headers={"Authorization": f"Basic {basic}"})
                             .status_code, 401)
            self.assertEqual(hit("GET", "/jobs", headers={
                "Authorization": f"Bearer qrn_{SECRETS['token']}"}).status_code, 401)
            # The same configuration with the database unreachable: 503 pages.
            down = dict(s.cfg, database={"url": f"host={s.dir}/nosocket dbname=x user=quern "
                                                f"password={SECRETS['db']}"})
            down_cfg = write_config(os.path.join(s.dir, "down.yaml"), down)
            d = workdir("security-secrets-down")
            web2 = Lighttpd(d, down_cfg)
            try:
                for path in ("/jobs", "/processes/echo", f"/jobs/{ok}?f=html"):
                    resp = requests.get(web2.url + path, timeout=30)
                    self.assertEqual(resp.status_code, 503)
                    seen.append((f"GET {path} (database down)", str(resp.headers) + resp.text))
            finally:
                web2.stop()
            seen.append(("lighttpd error log (database down)", web2.error_log()))
            for args in (["config"], ["config", "--reference"]):
                out = subprocess.run([ADMIN_BIN, "-c", s.config_path] + args, capture_output=True,
                                     text=True, timeout=60)
                seen.append((f"quern-admin {' '.join(args)}", out.stdout + out.stderr))
            out = subprocess.run([RUNNER_BIN, "--check-config"], env=s.runner_env(),
                                 capture_output=True, text=True, timeout=60)
            seen.append(("quern-runner --check-config", out.stdout + out.stderr))
            self.assertEqual(r.stop(), 0)
            for name in sorted(os.listdir(s.dir)):
                p = os.path.join(s.dir, name)
                if os.path.isfile(p) and not name.endswith(".yaml"):   # the config holds them
                    with open(p, errors="replace") as f:
                        seen.append((name, f.read()))
            for table in ("jobs", "job_logs", "job_files", "runners", "processes"):
                rows = s.db.query(f"SELECT t::text AS row FROM quern.{table} t")
                seen.append((f"quern.{table}", "\n".join(x["row"] for x in rows)))
            self.assertTrue(any("runner" in w for w, _ in seen))
            for where, text in seen:
                for what, secret in SECRETS.items():
                    with self.subTest(where=where, secret=what):
                        self.assertNotIn(secret, text, f"the {what} secret leaked into {where}")
        finally:
            s.stop()


class HrefGuardTest(unittest.TestCase):
    """Input references: quern never fetches them, but the process it starts might, from
    inside the site's network; the API refuses private targets at submission."""

    @classmethod
    def setUpClass(cls):
        cls.s = Stack("security-href")

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def execute(self, s, href):
        return s.post("/processes/echo/execution", {"inputs": {"text": {"href": href}}},
                      headers={"Prefer": "respond-async"})

    def test_private_hrefs_refused(self):
        before = self.s.db.value("SELECT count(*) FROM quern.jobs")
        for href in ("http://127.0.0.1:5432/", "http://2130706433/", "http://localhost/x",
                     "http://[::1]/", "http://169.254.169.254/latest/meta-data/",
                     "http://10.0.0.7/a.tif", "http://[::ffff:192.168.0.1]/", "file:///etc/passwd"):
            with self.subTest(href=href):
                r = self.execute(self.s, href)
                self.assertEqual(r.status_code, 400, r.text)
                self.assertIn("href", r.json()["detail"])
        r = self.execute(self.s, "http://127.0.0.1/")
        self.assertIn("api.href_allow_networks", r.json()["detail"])
        self.assertEqual(self.s.db.value("SELECT count(*) FROM quern.jobs"), before)

    def test_public_href_accepted(self):
        r = self.execute(self.s, "https://example.com/data.txt")
        self.assertEqual(r.status_code, 201, r.text)

    def test_allowed_network(self):
        s = Stack("security-href-allowed", config={"api": {"href_allow_networks": ["127.0.0.0/8"]}})
        try:
            self.assertEqual(self.execute(s, "http://127.0.0.1:8000/x").status_code, 201)
            self.assertEqual(self.execute(s, "http://10.0.0.7/x").status_code, 400)
        finally:
            s.stop()

    def test_bad_network_in_the_configuration_stops_the_program(self):
        d = workdir("security-href-badcfg")
        for key in ("callbacks", "api"):
            cfg = write_config(os.path.join(d, f"{key}.yaml"), {
                "database": {"url": "host=/nonexistent dbname=x"},
                key: {("allow_networks" if key == "callbacks" else "href_allow_networks"):
                      ["10.0.0.0/8", "intranet"]}})
            for argv in ([RUNNER_BIN, "--check-config"], [ADMIN_BIN, "config"]):
                with self.subTest(key=key, program=argv[0]):
                    out = subprocess.run(argv, env=dict(os.environ, QUERN_CONFIG=cfg),
                                         capture_output=True, text=True, timeout=60)
                    self.assertNotEqual(out.returncode, 0)
                    self.assertIn("allow_networks", out.stderr)
                    self.assertIn("'intranet' is not a network", out.stderr)


class CallbackNetworksTest(unittest.TestCase):
    def test_allowed_network_reaches_a_private_listener(self):
        http = Listener()
        s = Stack("security-callback-networks", api=False,
                  config={"callbacks": {"allow_networks": ["127.0.0.0/8"]}})
        try:
            s.start_runner()
            jid = insert_job(s.db, "ok.sh", subscriber={"successUri": http.url + "/ok"})
            self.assertEqual(s.wait_status(jid)["status"], "successful")
            poll(lambda: http.posts("/ok"), what="the callback inside an allowed network")
        finally:
            s.stop()
            http.close()


class RequestDataTest(unittest.TestCase):
    """Names taken from a request (process ids, job ids, output ids) never become paths;
    request data shown in HTML pages is escaped."""

    def test_html_pages_escape_what_a_client_sent(self):
        s = Stack("security-html")
        try:
            s.start_runner()
            evil = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
            r = s.post("/processes/echo/execution", {"inputs": {"text": evil}},
                       headers={"Prefer": "respond-async"})
            jid = r.json()["jobID"]
            self.assertEqual(s.wait_status(jid)["status"], "successful")
            for path in (f"/jobs/{jid}", f"/jobs/{jid}/results", f"/jobs/{jid}/logs",
                         f"/jobs/{jid}/metadata", "/jobs", "/processes/echo"):
                with self.subTest(path=path):
                    r = s.get(path + "?f=html")
                    self.assertEqual(r.status_code, 200)
                    self.assertNotIn("<script>alert", r.text)
                    self.assertNotIn("<img src=x", r.text)
            self.assertIn("&lt;script&gt;", s.get(f"/jobs/{jid}/results?f=html").text)
            # Errors are JSON whatever was asked: a reflected path is data, never markup.
            r = s.get("/processes/%3Cscript%3E?f=html")
            self.assertEqual(r.status_code, 404)
            self.assertEqual(r.headers["Content-Type"], "application/json")
        finally:
            s.stop()

    def test_output_ids_and_job_ids_with_path_syntax(self):
        s = Stack("security-names", config={"storage": {"type": "filesystem"}})
        try:
            s.start_runner()
            r = s.post("/processes/files/execution", {"inputs": {"lines": 2}},
                       headers={"Prefer": "respond-async"})
            self.assertEqual(r.status_code, 201, r.text)
            jid = r.json()["jobID"]
            self.assertEqual(s.wait_status(jid)["status"], "successful")
            self.assertEqual(s.get(f"/jobs/{jid}/results/report").status_code, 200)
            # (a bare ".." segment is resolved by the client before it is sent)
            for out in ("..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e", "report%00", "report%2F..",
                        "..%2Freport"):
                with self.subTest(output=out):
                    r = s.get(f"/jobs/{jid}/results/{out}")
                    self.assertIn(r.status_code, (400, 404), r.text[:200])
                    self.assertNotIn("root:", r.text)
            for j in (f"..%2F{jid}", f"{jid}%2F..", "%2e%2e%2f%2e%2e%2fetc%2fpasswd"):
                with self.subTest(job=j):
                    self.assertIn(s.get(f"/jobs/{j}/results").status_code, (400, 404))
        finally:
            s.stop()


if __name__ == "__main__":
    unittest.main()


class SecurityDocTest(unittest.TestCase):
    """SECURITY.md names only tests that exist."""

    def test_every_test_named_in_security_md_exists(self):
        import ast
        import re
        from harness import TOP
        text = open(os.path.join(TOP, "SECURITY.md")).read()
        here = os.path.join(TOP, "tests", "integration")
        defined = {}
        for name in os.listdir(here):
            if name.startswith("test_") and name.endswith(".py"):
                tree = ast.parse(open(os.path.join(here, name)).read())
                defined[name[:-3]] = {c.name: {f.name for f in c.body if isinstance(f, ast.FunctionDef)}
                                      for c in tree.body if isinstance(c, ast.ClassDef)}
        refs = re.findall(r"\b(test_\w+)(?:\.(\w+))?(?:\.(test_\w+))?", text)
        checked = 0
        for mod, cls, fn in refs:
            if mod not in defined:
                continue   # a method name alone, checked with its module
            with self.subTest(ref=".".join(x for x in (mod, cls, fn) if x)):
                if cls:
                    self.assertIn(cls, defined[mod])
                    if fn:
                        self.assertIn(fn, defined[mod][cls])
                checked += 1
        for unit, names in re.findall(r"\b(check_\w+\.c): ((?:\w+(?:, )?)+)", text):
            src = open(os.path.join(TOP, "tests", "unit", unit)).read()
            for n in names.split(", "):
                with self.subTest(ref=f"{unit}: {n}"):
                    self.assertRegex(src, rf"START_TEST\({n}\)")
                    checked += 1
        for fz in set(re.findall(r"\bfuzz_\w+", text)):
            with self.subTest(ref=fz):
                self.assertTrue(os.path.exists(os.path.join(TOP, "tests", "fuzz", fz + ".c")))
        self.assertGreater(checked, 50)
