# SPDX-License-Identifier: MIT
"""quern-admin user against the real database: users, passwords, roles,
tokens; secrets read from stdin, printed once, stored only hashed."""
import hashlib
import json
import re
import subprocess
import unittest
import warnings

from harness import ADMIN_BIN, Database

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt  # Debian 12's Python 3.11 still has it; it wraps the same libcrypt

TOKEN_RE = re.compile(r"^qrn_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


class AuthAdminTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = Database("auth_admin_test")

    @classmethod
    def tearDownClass(cls):
        cls.db.close()

    def user(self, *args, stdin="", check=None):
        r = subprocess.run([ADMIN_BIN, "user"] + list(args), input=stdin, env=self.db.env(),
                           capture_output=True, text=True, timeout=60)
        if check is not None:
            self.assertEqual(r.returncode, check, f"user {args}: {r.stdout}\n{r.stderr}")
        return r

    def row(self, name):
        rows = self.db.query("SELECT * FROM quern.users WHERE name = %s", (name,))
        return rows[0] if rows else None

    def test_add_reads_the_password_from_stdin_and_stores_a_yescrypt_hash(self):
        r = self.user("add", "alice", "--role", "ops", "--role", "ops", "--role", "analysts",
                      stdin="alice-secret-1\n", check=0)
        self.assertNotIn("alice-secret-1", r.stdout + r.stderr)
        row = self.row("alice")
        self.assertTrue(row["password_hash"].startswith("$y$"))
        self.assertEqual(crypt.crypt("alice-secret-1", row["password_hash"]), row["password_hash"])
        self.assertNotEqual(crypt.crypt("alice-secret-2", row["password_hash"]), row["password_hash"])
        self.assertEqual(sorted(row["roles"]), ["analysts", "ops"])
        self.assertFalse(row["disabled"])
        # Same name again: refused, the first row intact.
        r = self.user("add", "alice", stdin="another-password\n", check=1)
        self.assertIn("already exists", r.stderr)
        self.assertEqual(self.row("alice")["password_hash"], row["password_hash"])

    def test_add_refuses_bad_input(self):
        self.assertIn("at least 8", self.user("add", "shorty", stdin="short\n", check=1).stderr)
        self.assertIn("no password", self.user("add", "empty", stdin="", check=1).stderr)
        self.assertIn("longer than", self.user("add", "long", stdin="x" * 600 + "\n", check=1).stderr)
        self.user("add", "bad name", stdin="password-123\n", check=2)
        self.user("add", "x" * 129, stdin="password-123\n", check=2)
        self.user("add", "ok", "--role", "a b", stdin="password-123\n", check=2)
        self.user("add", "ok", "--password", "password-123", check=2)  # never from argv
        self.user("frobnicate", check=2)
        self.user(check=2)
        for name in ("shorty", "empty", "long", "ok"):
            self.assertIsNone(self.row(name))

    def test_passwd_changes_or_removes_the_password(self):
        self.user("add", "carol", stdin="carol-password\n", check=0)
        old = self.row("carol")["password_hash"]
        self.user("passwd", "carol", "--password-stdin", stdin="carol-new-password\n", check=0)
        new = self.row("carol")["password_hash"]
        self.assertNotEqual(old, new)
        self.assertEqual(crypt.crypt("carol-new-password", new), new)
        self.user("passwd", "carol", "--no-password", check=0)
        self.assertIsNone(self.row("carol")["password_hash"])
        self.assertIn("no user 'nobody'", self.user("passwd", "nobody", stdin="password-123\n",
                                                     check=1).stderr)

    def test_roles_add_and_remove(self):
        self.user("add", "dave", "--no-password", check=0)
        self.user("role", "dave", "add", "admin", check=0)
        self.user("role", "dave", "add", "team/a", check=0)
        self.user("role", "dave", "add", "admin", check=0)  # twice: once
        self.assertEqual(self.row("dave")["roles"], ["admin", "team/a"])
        self.user("role", "dave", "remove", "admin", check=0)
        self.assertEqual(self.row("dave")["roles"], ["team/a"])
        self.user("role", "dave", "frob", "admin", check=2)
        self.user("role", "dave", "add", "bad role", check=2)
        self.user("role", "nobody", "add", "x", check=1)

    def test_token_printed_once_stored_hashed_then_revoked(self):
        self.user("add", "erin", "--no-password", check=0)
        r = self.user("token", "erin", "--expires", "7", "--label", "nightly sync", check=0)
        token = r.stdout.strip()
        m = TOKEN_RE.match(token)
        self.assertIsNotNone(m, r.stdout)
        self.assertEqual(r.stdout, token + "\n", "stdout holds the token alone")
        self.assertNotIn(token, r.stderr)
        tid = m.group(1)
        self.assertIn(tid, r.stderr)
        row = self.db.query("SELECT *, expires - created AS life FROM quern.api_tokens WHERE id = %s",
                            (tid,))[0]
        self.assertEqual(row["user_name"], "erin")
        self.assertEqual(row["hash"], hashlib.sha256(token.encode()).hexdigest())
        self.assertEqual(row["life"].days, 7)
        self.assertEqual(row["label"], "nightly sync")
        self.assertIsNone(row["revoked"])
        # The secret is nowhere in the database.
        dump = json.dumps(self.db.query("SELECT * FROM quern.api_tokens"), default=str)
        self.assertNotIn(m.group(2), dump)  # the whole secret: it may itself contain '_'

        # Two tokens never collide; one without expiry.
        t2 = self.user("token", "erin", check=0).stdout.strip()
        self.assertNotEqual(t2, token)
        self.assertIsNone(self.db.value("SELECT expires FROM quern.api_tokens WHERE id = %s",
                                        (TOKEN_RE.match(t2).group(1),)))
        listing = self.user("tokens", "erin", check=0).stdout
        self.assertIn(tid, listing)
        self.assertIn("nightly sync", listing)
        # Revoke by id, then (idempotently) by the whole token; the time is kept.
        self.user("revoke", tid, check=0)
        first = self.db.value("SELECT revoked FROM quern.api_tokens WHERE id = %s", (tid,))
        self.assertIsNotNone(first)
        self.user("revoke", token, check=0)
        self.assertEqual(self.db.value("SELECT revoked FROM quern.api_tokens WHERE id = %s", (tid,)),
                         first)
        self.assertRegex(self.user("tokens", "erin", check=0).stdout, tid + r"\s+revoked")
        self.assertIn("no token", self.user("revoke", "0123456789ab", check=1).stderr)
        self.user("token", "nobody", check=1)
        self.user("token", "erin", "--expires", "0", check=2)
        self.user("token", "erin", "--expires", "soon", check=2)

    def test_list_disable_enable_delete(self):
        self.user("add", "frank", "--role", "ops", stdin="frank-password\n", check=0)
        self.user("token", "frank", check=0)
        out = self.user("list", check=0).stdout
        line = next(l for l in out.splitlines() if l.startswith("frank "))
        self.assertIn("active", line)
        self.assertIn('["ops"]', line)
        self.user("disable", "frank", check=0)
        users = {u["name"]: u for u in json.loads(self.user("list", "--json", check=0).stdout)}
        self.assertTrue(users["frank"]["disabled"])
        self.assertTrue(users["frank"]["password"])
        self.assertEqual(users["frank"]["tokens"], 1)
        self.user("enable", "frank", check=0)
        self.assertFalse(self.row("frank")["disabled"])
        self.user("delete", "frank", check=0)
        self.assertIsNone(self.row("frank"))
        self.assertEqual(self.db.value("SELECT count(*) FROM quern.api_tokens WHERE user_name = 'frank'"), 0)
        self.user("delete", "frank", check=1)


if __name__ == "__main__":
    unittest.main()
