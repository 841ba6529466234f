# SPDX-License-Identifier: MIT
"""Every example process of plugins/ that runs on the local backend, end to end
through quern-runner: the definitions as the registry synced them, jobs
inserted as the API would."""
import json
import unittest

from harness import Stack


INPUTS = {
    "echo": {"text": "hi there"},
    "hello-world": {"name": "quern"},
    "wordcount": {"text": "one two two"},
    "files": {"lines": 2},
    "progress": {"steps": 2, "delay": 0.1},
    "sleep": {"seconds": 0.2},
    "fail": {"message": "as designed"},
}


class ExamplesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Stack("runner-examples", api=False)
        cls.r = cls.s.start_runner()

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def run_example(self, pid):
        row = self.s.db.query("SELECT version, definition FROM quern.processes WHERE id = %s",
                              (pid,))
        if not row:
            self.skipTest(f"{pid} is not in the registry")
        d = row[0]["definition"]
        request = {"inputs": INPUTS[pid], "outputs": {}, "response": "document"}
        jid = self.s.db.value(
            "INSERT INTO quern.jobs (process_id, process_version, request, definition, backend)"
            " VALUES (%s, %s, %s, %s, %s) RETURNING id",
            (pid, row[0]["version"], json.dumps(request), json.dumps(d), d["host"]["type"]))
        return self.s.wait_status(str(jid), timeout=60)

    def test_local_examples(self):
        local = [r["id"] for r in self.s.db.query(
            "SELECT id FROM quern.processes WHERE definition->'host'->>'type' = 'local' ORDER BY id")]
        self.assertTrue(set(INPUTS) <= set(local), f"examples missing: {set(INPUTS) - set(local)}")
        for pid in sorted(INPUTS):
            with self.subTest(process=pid):
                job = self.run_example(pid)
                if pid == "fail":
                    self.assertEqual(job["status"], "failed")
                    self.assertIn("as designed", json.dumps(job["exception"]))
                    continue
                self.assertEqual(job["status"], "successful", job["exception"])
                files = self.s.db.value("SELECT count(*) FROM quern.job_files WHERE job_id = %s",
                                        (job["id"],))
                self.assertTrue(job["results"] or files, f"{pid}: neither results nor files")
        echo = self.run_example("echo")
        self.assertEqual(echo["results"].get("text"), "hi there")


if __name__ == "__main__":
    unittest.main()
