# SPDX-License-Identifier: MIT
"""Authentication, authorisation and isolation with the real stack: quern's
own Basic and tokens behind lighttpd (anonymous off), expired and revoked
tokens, role-restricted processes, two users never seeing each other's jobs
through any endpoint, the front server's REMOTE_USER (lighttpd mod_auth and
Apache `Require valid-user`), a forged roles header ignored unless trusted,
and repeated failures slowed."""
import json
import os
import re
import subprocess
import time
import unittest

import requests

from api_support import ApiStack, OGC_EXC, echo_description, insert_process, links_by_rel, run_job
from harness import (ADMIN_BIN, API_BIN, CLIENT_BIN, VALGRIND_LOGS, Lighttpd, Proc, free_port,
                     workdir, write_config)

GOOD = {"stringInput": "Value1"}
TOKEN_RE = re.compile(r"^qrn_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$")


def no_plugins():
    """An empty plugins directory: the stacks hold only the processes the tests insert."""
    return workdir("auth_no_plugins")


def admin_user(stack, *args, stdin=""):
    r = subprocess.run([ADMIN_BIN, "-c", stack.config_path, "user"] + list(args), input=stdin,
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError(f"quern-admin user {args}: {r.stderr}")
    return r.stdout.strip()


def restrict(db, pid, roles):
    """Adds access.roles to a process definition, as a plugin file's access: would."""
    insert_process(db, echo_description(pid))
    db.query("UPDATE quern.processes SET definition = definition || %s::jsonb WHERE id = %s",
             (json.dumps({"access": {"roles": roles}}), pid))


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


class OwnLoginsTest(unittest.TestCase):
    """lighttpd passes Authorization through; quern checks passwords and tokens."""

    @classmethod
    def setUpClass(cls):
        cls.s = ApiStack("auth_own", plugins=no_plugins(), config={"auth": {"anonymous": False, "failure_delay_ms": 0}})
        s = cls.s
        restrict(s.db, "secret", ["analysts"])
        restrict(s.db, "nobodys", [])
        admin_user(s, "add", "alice", "--role", "analysts", stdin="alice-password\n")
        admin_user(s, "add", "bob", stdin="bob-password\n")
        admin_user(s, "add", "root", "--role", "admin", "--no-password")
        cls.root_token = admin_user(s, "token", "root")
        cls.bob_token = admin_user(s, "token", "bob", "--expires", "1")
        cls.expired = admin_user(s, "token", "bob")
        s.db.query("UPDATE quern.api_tokens SET expires = now() - interval '1 second' WHERE id = %s",
                   (TOKEN_RE.match(cls.expired).group(1),))
        cls.revoked = admin_user(s, "token", "bob")
        admin_user(s, "revoke", TOKEN_RE.match(cls.revoked).group(1))
        cls.alice = ("alice", "alice-password")
        cls.bob = ("bob", "bob-password")
        # Jobs of both users in several states, with results, a file and logs.
        cls.jobs = {"alice": [], "bob": []}
        for who, auth, n in (("alice", cls.alice, 4), ("bob", cls.bob, 3)):
            for i in range(n):
                pid = "secret" if who == "alice" and i == 3 else "echo-async"
                r = s.post(f"/processes/{pid}/execution", {"inputs": GOOD}, auth=auth,
                           headers={"Prefer": "respond-async"})
                assert r.status_code == 201, r.text
                cls.jobs[who].append(r.json()["jobID"])
        for who in ("alice", "bob"):
            for jid in cls.jobs[who][:2]:
                run_job(s.db, jid, results={"stringInput": "Value1"})
                s.db.query("UPDATE quern.jobs SET started = finished - interval '5 s' WHERE id = %s", (jid,))
                s.db.query("INSERT INTO quern.job_logs (job_id, seq, stream, line) VALUES (%s, 1, 'stdout', %s)",
                           (jid, f"log line of {who}"))
                s.db.query("INSERT INTO quern.job_files (job_id, output_id, name, media_type, bytes, sha256, content) "
                           "VALUES (%s, 'imagesInput', 'img.tif', 'image/tiff', 3, 'x', 'abc')", (jid,))

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def assert_401(self, r):
        self.assertEqual(r.status_code, 401, r.text)
        challenge = r.headers.get("WWW-Authenticate", "")
        self.assertIn('Basic realm="quern"', challenge)
        self.assertIn("Bearer", challenge)
        doc = r.json()
        self.assertEqual(doc["status"], 401)
        self.assertTrue(doc["type"].startswith(OGC_EXC))
        self.assertEqual(r.headers["Content-Type"], "application/json")

    def test_01_no_credentials_answer_401_everywhere(self):
        jid = self.jobs["alice"][0]
        for path in ("/", "/conformance", "/api", "/processes", "/processes/echo", "/jobs",
                     f"/jobs/{jid}", f"/jobs/{jid}/results", f"/jobs/{jid}/logs", "/jobs?f=html"):
            self.assert_401(self.s.get(path))
        self.assert_401(self.s.post("/processes/echo/execution", {"inputs": GOOD}))
        self.assert_401(self.s.delete(f"/jobs/{jid}"))
        self.assertEqual(self.s.job(jid)["status"], "successful")

    def test_02_passwords(self):
        self.assertEqual(self.s.get("/processes", auth=self.alice).status_code, 200)
        for auth in (("alice", "bob-password"), ("alice", ""), ("nobody", "alice-password"),
                     ("root", "anything")):
            self.assert_401(self.s.get("/processes", auth=auth))
        for hdr in ("Basic !!!", "Basic " + "YWxpY2U=", "Digest username=alice", "Basic"):
            self.assert_401(self.s.get("/processes", headers={"Authorization": hdr}))

    def test_03_tokens(self):
        self.assertEqual(self.s.get("/jobs", headers=bearer(self.bob_token)).status_code, 200)
        for t in (self.expired, self.revoked, self.bob_token[:-1] + ("A" if self.bob_token[-1] != "A" else "B"),
                  "qrn_000000000000_" + "A" * 43, "not-a-token"):
            self.assert_401(self.s.get("/jobs", headers=bearer(t)))
        row = self.s.db.query("SELECT last_used FROM quern.api_tokens WHERE id = %s",
                              (TOKEN_RE.match(self.bob_token).group(1),))[0]
        self.assertIsNotNone(row["last_used"])
        # Revoked while in use: the next request is refused.
        t = admin_user(self.s, "token", "bob")
        self.assertEqual(self.s.get("/", headers=bearer(t)).status_code, 200)
        admin_user(self.s, "revoke", t)
        self.assert_401(self.s.get("/", headers=bearer(t)))

    def test_04_failed_logins_logged_without_the_secret(self):
        self.s.get("/", auth=("alice", "Wr0ng-Pa55word"))
        self.s.get("/", headers=bearer(self.revoked))
        log = self.s.web.proc.log() + self.s.web.error_log()  # quern-api's stderr and lighttpd's
        self.assertIn("login failed method=basic user=alice", log)
        self.assertIn("reason=token revoked", log)
        self.assertNotIn("Wr0ng-Pa55word", log)
        self.assertNotIn(self.revoked[len("qrn_") + 13:], log)  # the whole secret (it may hold '_')
        self.assertNotIn("alice-password", log)

    def ids(self, doc):
        return [p["id"] for p in doc["processes"]]

    def test_05_role_restricted_processes(self):
        self.assertIn("secret", self.ids(self.s.get("/processes?limit=100", auth=self.alice).json()))
        self.assertNotIn("secret", self.ids(self.s.get("/processes?limit=100", auth=self.bob).json()))
        self.assertNotIn("nobodys", self.ids(self.s.get("/processes?limit=100", auth=self.alice).json()))
        # Each worker caches whole list pages: a page cached for alice must never reach bob,
        # whichever worker answers (several rounds so every worker serves both).
        for _ in range(6):
            self.assertIn("secret", self.ids(self.s.get("/processes?limit=100", auth=self.alice).json()))
            self.assertNotIn("secret", self.ids(self.s.get("/processes?limit=100", auth=self.bob).json()))
        root_ids = self.ids(self.s.get("/processes?limit=100", headers=bearer(self.root_token)).json())
        self.assertIn("secret", root_ids)
        self.assertIn("nobodys", root_ids)
        # Paging links stay consistent with the filter: bob never pages onto secret.
        seen, url = [], "/processes?limit=1"
        while url:
            doc = self.s.get(url.replace(self.s.url, ""), auth=self.bob).json()
            seen += self.ids(doc)
            nxt = links_by_rel(doc).get("next")
            url = nxt[0]["href"] if nxt else None
        self.assertEqual(seen, ["echo", "echo-async", "echo-sync"])
        r = self.s.get("/processes/secret", auth=self.bob)
        self.assertEqual(r.status_code, 403, r.text)
        self.assertEqual(r.json()["status"], 403)
        r = self.s.post("/processes/secret/execution", {"inputs": GOOD}, auth=self.bob)
        self.assertEqual(r.status_code, 403, r.text)
        self.assertEqual(self.s.get("/processes/secret", auth=self.alice).status_code, 200)
        r = self.s.post("/processes/nobodys/execution", {"inputs": GOOD}, auth=self.alice,
                        headers={"Prefer": "respond-async"})
        self.assertEqual(r.status_code, 403)
        r = self.s.post("/processes/nobodys/execution", {"inputs": GOOD},
                        headers={"Prefer": "respond-async", **bearer(self.root_token)})
        self.assertEqual(r.status_code, 201, r.text)
        self.assertEqual(self.s.job(r.json()["jobID"])["submitter"], "root")
        oas = self.s.get("/api", auth=self.bob).json()
        self.assertFalse([p for p in oas["paths"] if "secret" in p])
        self.assertTrue([p for p in self.s.get("/api", auth=self.alice).json()["paths"] if "secret" in p])

    def job_ids(self, query, auth):
        """Every job id the list shows to auth, following next links."""
        seen, url, pages = [], f"/jobs?{query}", 0
        while url:
            r = self.s.get(url.replace(self.s.url, ""), auth=auth) if isinstance(auth, tuple) \
                else self.s.get(url.replace(self.s.url, ""), headers=auth)
            self.assertEqual(r.status_code, 200, r.text)
            doc = r.json()
            seen += [j["jobID"] for j in doc["jobs"]]
            nxt = links_by_rel(doc).get("next")
            url = nxt[0]["href"] if nxt else None
            pages += 1
            self.assertLess(pages, 100)
        return seen

    def test_06_users_never_see_each_others_jobs(self):
        alice, bob = set(self.jobs["alice"]), set(self.jobs["bob"])
        for jid in alice:
            self.assertEqual(self.s.job(jid)["submitter"], "alice")
        queries = ["", "limit=1", "processID=echo-async", "processID=secret", "status=successful",
                   "status=accepted", "status=successful,accepted,running,failed,dismissed",
                   "datetime=2000-01-01T00:00:00Z/..", "datetime=../2100-01-01T00:00:00Z",
                   "minDuration=1", "maxDuration=100", "type=process", "limit=2&status=successful"]
        for q in queries:
            as_bob = set(self.job_ids(q, self.bob))
            as_alice = set(self.job_ids(q, self.alice))
            self.assertFalse(as_bob & alice, f"bob sees alice's jobs with ?{q}")
            self.assertFalse(as_alice & bob, f"alice sees bob's jobs with ?{q}")
        self.assertEqual(set(self.job_ids("", self.alice)), alice)
        self.assertEqual(set(self.job_ids("", self.bob)), bob)
        self.assertTrue(alice | bob <= set(self.job_ids("", bearer(self.root_token))))
        html = self.s.get("/jobs?f=html", auth=self.bob).text
        for jid in alice:
            self.assertNotIn(jid, html)

    def test_07_others_jobs_answer_404_on_every_endpoint(self):
        for owner, other in (("alice", self.bob), ("bob", self.alice)):
            done, queued = self.jobs[owner][0], self.jobs[owner][2]
            for path in (f"/jobs/{done}", f"/jobs/{done}?f=html", f"/jobs/{done}/results",
                         f"/jobs/{done}/results/stringInput", f"/jobs/{done}/results/imagesInput",
                         f"/jobs/{done}/logs", f"/jobs/{done}/metadata", f"/jobs/{queued}",
                         f"/jobs/{queued}/results"):
                r = self.s.get(path, auth=other)
                self.assertEqual(r.status_code, 404, f"{path} as {other[0]}: {r.text}")
                self.assertNotIn(f"log line of {owner}", r.text)
            r = self.s.delete(f"/jobs/{queued}", auth=other)
            self.assertEqual(r.status_code, 404)
            self.assertEqual(self.s.job(queued)["status"], "accepted")
            self.assertFalse(self.s.job(queued)["dismiss_requested"])
            # The owner and the admin reach all of them.
            owner_auth = self.alice if owner == "alice" else self.bob
            for path in (f"/jobs/{done}", f"/jobs/{done}/results", f"/jobs/{done}/results/imagesInput",
                         f"/jobs/{done}/logs", f"/jobs/{done}/metadata"):
                self.assertEqual(self.s.get(path, auth=owner_auth).status_code, 200, path)
                self.assertEqual(self.s.get(path, headers=bearer(self.root_token)).status_code, 200, path)
            self.assertIn(f"log line of {owner}", self.s.get(f"/jobs/{done}/logs", auth=owner_auth).text)

    def test_08_dismiss_own_job_and_admin_dismisses_any(self):
        r = self.s.post("/processes/echo-async/execution", {"inputs": GOOD}, auth=self.bob,
                        headers={"Prefer": "respond-async"})
        mine = r.json()["jobID"]
        r = self.s.post("/processes/echo-async/execution", {"inputs": GOOD}, auth=self.alice,
                        headers={"Prefer": "respond-async"})
        hers = r.json()["jobID"]
        self.assertEqual(self.s.delete(f"/jobs/{mine}", auth=self.bob).status_code, 200)
        self.assertEqual(self.s.job(mine)["status"], "dismissed")
        self.assertEqual(self.s.delete(f"/jobs/{hers}", headers=bearer(self.root_token)).status_code, 200)
        self.assertEqual(self.s.job(hers)["status"], "dismissed")

    def test_09_disabled_user_refused(self):
        admin_user(self.s, "add", "dave", stdin="dave-password\n")
        t = admin_user(self.s, "token", "dave")
        self.assertEqual(self.s.get("/", auth=("dave", "dave-password")).status_code, 200)
        admin_user(self.s, "disable", "dave")
        self.assert_401(self.s.get("/", auth=("dave", "dave-password")))
        self.assert_401(self.s.get("/", headers=bearer(t)))
        admin_user(self.s, "enable", "dave")
        self.assertEqual(self.s.get("/", headers=bearer(t)).status_code, 200)

    def quern(self, *args, env=None):
        e = {k: v for k, v in os.environ.items() if not k.startswith("QUERN_")}
        e.update(env or {})
        return subprocess.run([CLIENT_BIN, "--url", self.s.url, *args], capture_output=True,
                              text=True, timeout=60, env=e)

    def test_10_cli_with_credentials(self):
        # No credentials: the server's 401 is a server error for the CLI (exit 3).
        r = self.quern("jobs")
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        # A token (option or environment) and a password each show only the owner's jobs.
        for args, env in ((["--token", self.bob_token], None), ([], {"QUERN_TOKEN": self.bob_token}),
                          (["--user", "bob:bob-password"], None)):
            r = self.quern(*args, "--json", "jobs", "--limit", "100", env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
            shown = {j["jobID"] for j in json.loads(r.stdout)["jobs"]}
            self.assertTrue(set(self.jobs["bob"]) <= shown, r.stdout)
            self.assertFalse(set(self.jobs["alice"]) & shown, "bob's CLI shows alice's jobs")
            self.assertNotIn(self.bob_token, r.stdout + r.stderr)
            self.assertNotIn("bob-password", r.stdout + r.stderr)
        # Another user's job is not found, as through the API.
        r = self.quern("--token", self.bob_token, "status", self.jobs["alice"][0])
        self.assertEqual(r.returncode, 3)
        r = self.quern("--token", self.revoked, "jobs")
        self.assertEqual(r.returncode, 3)


class SlowingTest(unittest.TestCase):
    """Repeated failures from one client wait before their credentials are checked."""

    @classmethod
    def setUpClass(cls):
        cls.s = ApiStack("auth_slow", plugins=no_plugins(), config={"auth": {"anonymous": False, "failure_delay_ms": 1000,
                                                         "failure_delay_max_ms": 2000}})
        admin_user(cls.s, "add", "erin", stdin="erin-password\n")

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def timed(self, auth):
        t0 = time.monotonic()
        r = self.s.get("/", auth=auth)
        return r.status_code, time.monotonic() - t0

    @unittest.skipIf(VALGRIND_LOGS, "times the answers: meaningless under valgrind")
    def test_failures_slow_the_client_then_success_clears(self):
        # Delays of 1 s and 2 s: far above what a request costs even on a loaded machine.
        status, first = self.timed(("erin", "wrong-1"))
        self.assertEqual(status, 401)
        self.assertLess(first, 1.0, "the first failure is not delayed")
        status, second = self.timed(("erin", "wrong-2"))
        self.assertEqual(status, 401)
        self.assertGreaterEqual(second, 1.0)
        status, third = self.timed(("erin", "wrong-3"))
        self.assertGreaterEqual(third, 2.0)
        self.assertEqual(self.s.db.value("SELECT failures FROM quern.auth_failures WHERE client = '127.0.0.1'"), 3)
        # Right credentials still pass (no lockout), after the same wait, and clear the count.
        status, ok = self.timed(("erin", "erin-password"))
        self.assertEqual(status, 200)
        self.assertGreaterEqual(ok, 2.0)
        self.assertEqual(self.s.db.value("SELECT count(*) FROM quern.auth_failures"), 0)
        status, fast = self.timed(("erin", "erin-password"))
        self.assertEqual(status, 200)
        self.assertLess(fast, 1.0)


class FrontServerTest(unittest.TestCase):
    """lighttpd authenticates (mod_auth, htpasswd) and sets REMOTE_USER; roles from
    a header count only when quern is told the front server sets it."""

    @classmethod
    def setUpClass(cls):
        cls.s = ApiStack("auth_front", plugins=no_plugins(), api=False)
        restrict(cls.s.db, "secret", ["analysts"])
        cls.htpasswd = os.path.join(cls.s.dir, "htpasswd")
        subprocess.run(["htpasswd", "-cbB", cls.htpasswd, "carol", "carol-pw"], check=True, capture_output=True)
        subprocess.run(["htpasswd", "-bB", cls.htpasswd, "dan", "dan-pw"], check=True, capture_output=True)
        os.chmod(cls.htpasswd, 0o644)
        # dan has a quern.users row for roles only; carol exists only in the front server.
        admin_user(cls.s, "add", "dan", "--role", "analysts", "--no-password")
        cls.webs = []

    @classmethod
    def tearDownClass(cls):
        for w in cls.webs:
            w.stop()
        cls.s.stop()

    def web(self, name, auth_cfg, set_header=None):
        d = workdir(f"auth_front_{name}")
        cfg = dict(self.s.cfg)
        cfg["auth"] = dict(auth_cfg, anonymous=False)
        config = write_config(os.path.join(d, "quern.yaml"), cfg)
        extra = f"""
auth.backend = "htpasswd"
auth.backend.htpasswd.userfile = "{self.htpasswd}"
auth.require = ("/" => ("method" => "basic", "realm" => "front", "require" => "valid-user"))
"""
        if set_header:
            extra += f'setenv.set-request-header = ("X-Quern-Roles" => "{set_header}")\n'
        # mod_auth must come before mod_fastcgi to run first.
        w = Lighttpd(d, config, extra=extra, modules=("mod_auth", "mod_authn_file", "mod_setenv"))
        self.webs.append(w)
        return w

    def test_front_user_and_forged_roles_header(self):
        w = self.web("untrusted", {"roles_variable": "HTTP_X_QUERN_ROLES"})
        self.assertEqual(requests.get(w.url + "/jobs", timeout=10).status_code, 401)  # lighttpd's own
        carol = ("carol", "carol-pw")
        r = requests.post(w.url + "/processes/echo-async/execution", json={"inputs": GOOD},
                          headers={"Prefer": "respond-async"}, auth=carol, timeout=10)
        self.assertEqual(r.status_code, 201, r.text)
        cjob = r.json()["jobID"]
        self.assertEqual(self.s.job(cjob)["submitter"], "carol")
        r = requests.post(w.url + "/processes/echo-async/execution", json={"inputs": GOOD},
                          headers={"Prefer": "respond-async"}, auth=("dan", "dan-pw"), timeout=10)
        djob = r.json()["jobID"]
        forged = {"X-Quern-Roles": "admin, analysts"}
        # The forged header changes nothing: no admin view, no restricted process.
        lst = requests.get(w.url + "/jobs", auth=carol, headers=forged, timeout=10).json()
        self.assertEqual([j["jobID"] for j in lst["jobs"]], [cjob])
        self.assertEqual(requests.get(w.url + f"/jobs/{djob}", auth=carol, headers=forged, timeout=10).status_code, 404)
        self.assertEqual(requests.post(w.url + "/processes/secret/execution", json={"inputs": GOOD},
                                       auth=carol, headers=forged, timeout=10).status_code, 403)
        # dan's roles come from his quern.users row.
        self.assertEqual(requests.get(w.url + "/processes/secret", auth=("dan", "dan-pw"), timeout=10).status_code, 200)
        # Disabling dan in quern refuses him even though the front server let him in.
        admin_user(self.s, "disable", "dan")
        r = requests.get(w.url + "/processes", auth=("dan", "dan-pw"), timeout=10)
        self.assertEqual(r.status_code, 403, r.text)
        admin_user(self.s, "enable", "dan")

    def test_trusted_roles_header_set_by_the_front_server(self):
        w = self.web("trusted", {"roles_variable": "HTTP_X_QUERN_ROLES", "trust_front_roles": True},
                     set_header="analysts")
        carol = ("carol", "carol-pw")
        # lighttpd overwrites whatever the client sent: carol is an analyst, never admin.
        r = requests.get(w.url + "/processes/secret", auth=carol, headers={"X-Quern-Roles": "admin"}, timeout=10)
        self.assertEqual(r.status_code, 200, r.text)
        other = self.s.db.value("INSERT INTO quern.jobs (process_id, process_version, request, definition, backend, submitter) "
                                "VALUES ('echo', '1.0.0', '{}', '{}', 'local', 'someone') RETURNING id")
        r = requests.get(w.url + f"/jobs/{other}", auth=carol, headers={"X-Quern-Roles": "admin"}, timeout=10)
        self.assertEqual(r.status_code, 404)


class AnonymousTest(unittest.TestCase):
    """auth.anonymous on (the default): anonymous requests share the anonymous jobs and
    see no user's; users see none of the anonymous ones; restricted processes ask to log in."""

    @classmethod
    def setUpClass(cls):
        plugins = workdir("auth_anon_plugins")
        with open(os.path.join(plugins, "guarded.yaml"), "w") as f:
            f.write("info: {id: guarded, title: Guarded, version: 1.0.0}\n"
                    "host: {type: local}\ncommand: [/bin/echo]\n"
                    "access:\n  roles: [analysts]\n"
                    "outputs:\n  r: {schema: {type: string}}\n")
        cls.s = ApiStack("auth_anon", plugins=plugins)
        restrict(cls.s.db, "secret", ["analysts"])
        admin_user(cls.s, "add", "alice", "--role", "analysts", stdin="alice-password\n")

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def test_anonymous_and_users_apart(self):
        alice = ("alice", "alice-password")
        r = self.s.post("/processes/echo-async/execution", {"inputs": GOOD}, headers={"Prefer": "respond-async"})
        self.assertEqual(r.status_code, 201, r.text)
        anon_job = r.json()["jobID"]
        self.assertIsNone(self.s.job(anon_job)["submitter"])
        r = self.s.post("/processes/echo-async/execution", {"inputs": GOOD}, auth=alice,
                        headers={"Prefer": "respond-async"})
        alice_job = r.json()["jobID"]
        self.assertEqual([j["jobID"] for j in self.s.get("/jobs").json()["jobs"]], [anon_job])
        self.assertEqual([j["jobID"] for j in self.s.get("/jobs", auth=alice).json()["jobs"]], [alice_job])
        self.assertEqual(self.s.get(f"/jobs/{alice_job}").status_code, 404)
        self.assertEqual(self.s.get(f"/jobs/{anon_job}", auth=alice).status_code, 404)
        # Wrong credentials are refused, not served as anonymous.
        self.assertEqual(self.s.get("/jobs", auth=("alice", "nope-nope")).status_code, 401)
        # A restricted process: log in (401 with a challenge), then it is there.
        self.assertNotIn("secret", [p["id"] for p in self.s.get("/processes").json()["processes"]])
        r = self.s.get("/processes/secret")
        self.assertEqual(r.status_code, 401)
        self.assertIn("Basic", r.headers["WWW-Authenticate"])
        self.assertEqual(self.s.post("/processes/secret/execution", {"inputs": GOOD}).status_code, 401)
        self.assertEqual(self.s.get("/processes/secret", auth=alice).status_code, 200)
        # The same from a plugin file's access: through quern-admin sync.
        self.assertEqual(self.s.get("/processes/guarded").status_code, 401)
        self.assertEqual(self.s.get("/processes/guarded", auth=alice).status_code, 200)
        self.assertIn("guarded", [p["id"] for p in self.s.get("/processes", auth=alice).json()["processes"]])


class ApacheTest(unittest.TestCase):
    """Apache 2.4 + mod_proxy_fcgi (apache/quern-proxy-fcgi.conf): `Require valid-user`
    with Basic passes REMOTE_USER; with CGIPassAuth On and no Require, quern checks
    its own passwords and tokens."""

    @classmethod
    def setUpClass(cls):
        from test_api_servers import Apache, wait_port
        cls.s = ApiStack("auth_apache", plugins=no_plugins(), api=False, config={"auth": {"anonymous": False}})
        restrict(cls.s.db, "secret", ["analysts"])
        os.chmod(cls.s.config_path, 0o644)
        d = cls.s.dir
        cls.htpasswd = os.path.join(d, "htpasswd")
        subprocess.run(["htpasswd", "-cbB", cls.htpasswd, "alice", "a-secret"], check=True, capture_output=True)
        subprocess.run(["htpasswd", "-bB", cls.htpasswd, "bob", "b-secret"], check=True, capture_output=True)
        os.chmod(cls.htpasswd, 0o644)
        admin_user(cls.s, "add", "alice", "--role", "analysts", "--no-password")
        admin_user(cls.s, "add", "quinn", stdin="quinn-password\n")
        cls.token = admin_user(cls.s, "token", "quinn")
        fport = free_port()
        cls.api = Proc([API_BIN, "-c", cls.s.config_path, "--listen", f"127.0.0.1:{fport}"],
                       log=os.path.join(d, "api.log"))
        wait_port(fport, cls.api)
        defines = {"QUERN_PREFIX": "/ogc", "QUERN_FCGI_ADDR": f"127.0.0.1:{fport}"}
        front = f"""
<Location "/ogc">
    AuthType Basic
    AuthName quern
    AuthUserFile "{cls.htpasswd}"
    Require valid-user
</Location>"""
        cls.front = Apache(workdir("auth_apache_front"), "quern-proxy-fcgi.conf", defines,
                           modules=["proxy", "proxy_fcgi"], extra=front)
        own = """
<Location "/ogc">
    CGIPassAuth On
</Location>"""
        cls.own = Apache(workdir("auth_apache_own"), "quern-proxy-fcgi.conf", defines,
                         modules=["proxy", "proxy_fcgi"], extra=own)

    @classmethod
    def tearDownClass(cls):
        cls.front.stop()
        cls.own.stop()
        cls.api.stop()
        cls.s.stop()

    def submit(self, base, **kw):
        r = requests.post(base + "/ogc/processes/echo-async/execution", json={"inputs": GOOD},
                          headers={"Prefer": "respond-async", **kw.pop("headers", {})}, timeout=10, **kw)
        self.assertEqual(r.status_code, 201, r.text)
        return r.json()["jobID"]

    def test_require_valid_user_passes_remote_user(self):
        base = self.front.url
        self.assertEqual(requests.get(base + "/ogc/", timeout=10).status_code, 401)
        alice, bob = ("alice", "a-secret"), ("bob", "b-secret")
        aj = self.submit(base, auth=alice)
        bj = self.submit(base, auth=bob, headers={"X-Quern-Roles": "admin"})
        self.assertEqual(self.s.job(aj)["submitter"], "alice")
        self.assertEqual(self.s.job(bj)["submitter"], "bob")
        for path in (f"/ogc/jobs/{aj}", f"/ogc/jobs/{aj}/results", f"/ogc/jobs/{aj}/logs",
                     f"/ogc/jobs/{aj}/metadata"):
            r = requests.get(base + path, auth=bob, headers={"X-Quern-Roles": "admin"}, timeout=10)
            self.assertEqual(r.status_code, 404, path)
        lst = requests.get(base + "/ogc/jobs", auth=bob, timeout=10).json()
        self.assertEqual([j["jobID"] for j in lst["jobs"]], [bj])
        # alice's roles come from her quern.users row; bob has none.
        self.assertEqual(requests.get(base + "/ogc/processes/secret", auth=alice, timeout=10).status_code, 200)
        self.assertEqual(requests.get(base + "/ogc/processes/secret", auth=bob, timeout=10).status_code, 403)

    def test_cgipassauth_lets_quern_check_its_own_credentials(self):
        base = self.own.url
        r = requests.get(base + "/ogc/jobs", timeout=10)
        self.assertEqual(r.status_code, 401)
        self.assertIn("Bearer", r.headers.get("WWW-Authenticate", ""))
        self.assertEqual(requests.get(base + "/ogc/jobs", auth=("quinn", "wrong-password"),
                                      timeout=10).status_code, 401)
        qj = self.submit(base, auth=("quinn", "quinn-password"))
        self.assertEqual(self.s.job(qj)["submitter"], "quinn")
        r = requests.get(base + f"/ogc/jobs/{qj}", headers=bearer(self.token), timeout=10)
        self.assertEqual(r.status_code, 200, r.text)
        admin_user(self.s, "revoke", self.token)
        self.assertEqual(requests.get(base + f"/ogc/jobs/{qj}", headers=bearer(self.token),
                                      timeout=10).status_code, 401)


if __name__ == "__main__":
    unittest.main()
