#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Runs the integration tests (tests/integration/test_*.py) and writes
"passed failed skipped" to --counts for ./dev test. Skipped tests are named
with their reason, so a backend that could not start is visible."""
import argparse
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


class CountingResult(unittest.TextTestResult):
    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.passed = 0
        self.started_at = {}

    def startTest(self, test):
        self.started_at[test.id()] = time.monotonic()
        super().startTest(test)

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--counts", required=True)
    ap.add_argument("patterns", nargs="*", help="only modules matching these (e.g. test_api)")
    args = ap.parse_args()
    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    for name in sorted(os.listdir(HERE)):
        if not (name.startswith("test_") and name.endswith(".py")):
            continue
        mod = name[:-3]
        if args.patterns and not any(p in mod for p in args.patterns):
            continue
        suite.addTests(loader.loadTestsFromName(mod))
    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2, resultclass=CountingResult)
    t0 = time.monotonic()
    result = runner.run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    for test, reason in result.skipped:
        print(f"skipped: {test.id()}: {reason}")
    print(f"integration: {result.passed} passed, {failed} failed, {skipped} skipped "
          f"in {time.monotonic() - t0:.0f} s")
    with open(args.counts, "w") as f:
        f.write(f"{result.passed} {failed} {skipped}\n")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
