# SPDX-License-Identifier: MIT
"""The chaos load test (tests/chaos/chaos.py) at a size that fits ./dev test:
QUERN_CHAOS_JOBS jobs (default 4000; bench/run chaos runs the full 10,000)
through three runners killed with SIGKILL every few seconds and one
PostgreSQL restart. Asserts every check of the driver: terminal jobs, no
execution without a claim or a due retry, no orphaned work, no running job
without a live lease, 503 while PostgreSQL was down."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "chaos"))

import chaos  # noqa: E402

JOBS = int(os.environ.get("QUERN_CHAOS_JOBS", "4000"))


class ChaosTest(unittest.TestCase):
    def test_chaos_load(self):
        counts, violations = chaos.run(jobs=JOBS)
        self.assertEqual(violations, [], "\n".join(violations))
        self.assertGreaterEqual(counts["jobs"], JOBS)   # a POST retried after a reset may add one
        self.assertEqual(counts["accepted"] + counts["running"], 0)
        self.assertGreater(counts["runner_kills"], 0)
        self.assertGreater(counts["jobs_retried"], 0, "some lost jobs were retried")
        self.assertGreater(counts["dismissed"], 0)
        self.assertGreater(counts["failed"], 0)


if __name__ == "__main__":
    unittest.main()
