# SPDX-License-Identifier: MIT
"""The README stays true: its configuration reference is the one the code prints."""
import os
import subprocess
import unittest

from harness import ADMIN_BIN, TOP


class DocsTest(unittest.TestCase):
    def test_config_reference_in_readme_matches_code(self):
        ref = subprocess.run([ADMIN_BIN, "config", "--reference"], capture_output=True, text=True,
                             check=True).stdout
        readme = open(os.path.join(TOP, "README.md")).read()
        self.assertIn(ref.strip(), readme, "README.md is stale: run ./dev docs")

    def test_readme_starts_with_the_two_commands(self):
        readme = open(os.path.join(TOP, "README.md")).read()
        first_block = readme.split("```")[1]
        self.assertIn("./dev up", first_block)
        self.assertIn("./dev test", first_block)

    def test_admin_help_lists_every_command_and_exit_codes(self):
        r = subprocess.run([ADMIN_BIN, "--help"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0)
        for cmd in ("init", "migrate", "config"):
            self.assertIn(f"  {cmd}", r.stdout)
        self.assertIn("Exit status", r.stdout)
        r = subprocess.run([ADMIN_BIN, "frobnicate"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown command 'frobnicate'", r.stderr)

    def test_admin_reports_bad_config_with_file_and_line(self):
        path = os.path.join(os.environ.get("QUERN_TEST_OUT", "/tmp"), "bad-config.yaml")
        with open(path, "w") as f:
            f.write("runner:\n  slots: lots\n")
        r = subprocess.run([ADMIN_BIN, "-c", path, "migrate"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"{path}:2: key 'runner.slots': expected an integer", r.stderr)

    def test_database_password_never_printed(self):
        env = dict(os.environ, QUERN_DATABASE_URL="postgresql://quern:Sup3rS3cret@127.0.0.1:1/nodb",
                   QUERN_DATABASE_CONNECT_TIMEOUT="1")
        env.pop("QUERN_CONFIG", None)
        r = subprocess.run([ADMIN_BIN, "migrate"], capture_output=True, text=True, env=env, timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot connect to PostgreSQL", r.stderr)
        self.assertNotIn("Sup3rS3cret", r.stderr + r.stdout)
        r = subprocess.run([ADMIN_BIN, "config"], capture_output=True, text=True, env=env)
        self.assertNotIn("Sup3rS3cret", r.stdout)
        self.assertIn("database.url: '*****'", r.stdout)


if __name__ == "__main__":
    unittest.main()
