# SPDX-License-Identifier: MIT
"""The benchmark scripts stay runnable: a syntax check and the usage text, never a
benchmark (bench/run measures; tests don't time anything)."""
import os
import subprocess
import unittest

from harness import TOP


class BenchScriptsTest(unittest.TestCase):
    def test_scripts_parse(self):
        for script in ("bench/run", "bench/jobs.sh", "dev"):
            r = subprocess.run(["bash", "-n", os.path.join(TOP, script)], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, f"{script}: {r.stderr}")

    def test_run_usage_and_sourcing_dev(self):
        r = subprocess.run([os.path.join(TOP, "bench/run"), "--nonsense"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--quick", r.stdout)
        # bench/run sources ./dev for its helpers: sourcing must define them and run nothing
        r = subprocess.run(["bash", "-c", f"source {TOP}/dev && type pg_start build >/dev/null && echo sourced"],
                           capture_output=True, text=True)
        self.assertEqual(r.stdout.strip(), "sourced", r.stderr)


if __name__ == "__main__":
    unittest.main()
