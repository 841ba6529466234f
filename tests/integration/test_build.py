# SPDX-License-Identifier: MIT
"""The build as an installer sees it: make install puts every part in place, make distcheck passes."""
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import BUILD, OUT, TOP


class BuildTest(unittest.TestCase):
    def test_install_puts_everything_in_place(self):
        dest = os.path.join(OUT, "destdir")
        shutil.rmtree(dest, ignore_errors=True)
        r = subprocess.run(["make", "-C", BUILD, "-s", "install", f"DESTDIR={dest}", "prefix=/usr/local"],
                           capture_output=True, text=True, timeout=600)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        for path in ("usr/local/bin/quern-api", "usr/local/bin/quern", "usr/local/sbin/quern-runner",
                     "usr/local/sbin/quern-admin", "usr/local/share/quern/sql/schema/0001_init.sql",
                     "usr/local/etc/quern/quern.yaml"):
            self.assertTrue(os.path.exists(os.path.join(dest, path)), f"{path} not installed")
        # An existing configuration is kept on reinstall.
        conf = os.path.join(dest, "usr/local/etc/quern/quern.yaml")
        with open(conf, "a") as f:
            f.write("# local edit\n")
        subprocess.run(["make", "-C", BUILD, "-s", "install", f"DESTDIR={dest}", "prefix=/usr/local"],
                       capture_output=True, check=True, timeout=600)
        self.assertIn("# local edit", open(conf).read())

    @unittest.skipIf(os.environ.get("QUERN_SKIP_DISTCHECK"), "QUERN_SKIP_DISTCHECK set")
    def test_distcheck(self):
        d = tempfile.mkdtemp(prefix="distcheck.", dir=OUT)
        r = subprocess.run(f"'{TOP}/configure' -q && make -s -j2 distcheck", shell=True, cwd=d,
                           capture_output=True, text=True, timeout=1200)
        self.assertEqual(r.returncode, 0, (r.stdout + r.stderr)[-3000:])
        self.assertIn("archives ready for distribution", r.stdout)


if __name__ == "__main__":
    unittest.main()
