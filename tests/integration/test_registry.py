# SPDX-License-Identifier: MIT
"""The process registry: quern-admin check and sync against the real
database, the example plugin files, and the example programs run the way
the runner runs them (argv + inputs JSON, a clean environment)."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import ADMIN_BIN, BUILD, PLUGINS, TOP, Database, workdir

PROBLEM = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<msg>.+)$")


def plugin(pid, version="1.0.0", title="T", command="[/bin/true]", extra=""):
    return f"""info:
  id: {pid}
  title: {title}
  version: {version}
host:
  type: local
command: {command}
inputs:
  x:
    schema: {{type: string}}
outputs:
  y:
    schema: {{type: string}}
{extra}"""


def check(*files, env=None):
    return subprocess.run([ADMIN_BIN, "check"] + list(files), capture_output=True, text=True,
                          timeout=60, env=env)


class CheckTest(unittest.TestCase):
    def setUp(self):
        self.dir = workdir("registry_check")

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_examples_are_clean(self):
        files = sorted(os.path.join(PLUGINS, f) for f in os.listdir(PLUGINS) if f.endswith(".yaml"))
        self.assertGreaterEqual(len(files), 10)
        r = check(*files)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertIn(f"{len(files)} processes ok", r.stderr)

    def test_broken_file_lists_every_problem(self):
        path = self.write("broken.yaml", """info:
  id: broken
  title: Broken
  version: 1
  jobControlOption: [sync-execute]
host:
  type: local
command: [bin/missing-program]
inputs:
  a:
    schema:
      type: integer
      exclusiveMinimum: 0
outputs: {}
""")
        r = check(path)
        self.assertEqual(r.returncode, 1)
        lines = r.stdout.splitlines()
        self.assertTrue(all(PROBLEM.match(l) for l in lines), lines)
        self.assertEqual(lines, [
            f"{path}:5:3: unknown key 'jobControlOption' in info (did you mean 'jobControlOptions'?)",
            f"{path}:8:11: command[0]: program 'bin/missing-program' not found (looked for {self.dir}/bin/missing-program)",
            f"{path}:13:25: inputs.a.schema.exclusiveMinimum: must be a boolean in OpenAPI 3.0 (write minimum: 0 with exclusiveMinimum: true)",
            f"{path}:14:10: outputs: a process needs at least one output",
        ])

    def test_duplicate_ids_across_files(self):
        a = self.write("a.yaml", plugin("same"))
        b = self.write("b.yaml", plugin("same"))
        r = check(a, b)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout.strip(),
                         f"{b}:2:7: info.id: process 'same' is already defined in {a}:2:7")

    def test_missing_file(self):
        r = check(os.path.join(self.dir, "nope.yaml"))
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stdout, r"nope\.yaml:1:1: cannot open: No such file")

    def test_sepex_file_loads(self):
        os.makedirs(os.path.join(self.dir, "tools"), exist_ok=True)
        script = self.write("tools/run.sh", "#!/bin/sh\necho '{\"plugin_results\": {}}'\n")
        os.chmod(script, 0o755)
        path = self.write("sepex.yml", """info:
  version: '0.0.1'
  id: createRasTerrain
  title: Create a RAS terrain file
  description: Create a RAS terrain file
  jobControlOptions:
    - async-execute
  outputTransmission:
    - reference
host:
  type: "subprocess"
command:
  - tools/run.sh
config:
  maxResources:
    cpus: 0.1
    memory: 1024
  envVars:
    - CREATERASTERRAIN_TOKEN
inputs:
  - id: submodelDirectory
    title: Submodel directory
    input:
      literalDataDomain:
        dataType: string
        valueDefinition:
          anyValue: true
    minOccurs: 1
    maxOccurs: 1
  - id: mode
    title: Mode
    input:
      literalDataDomain:
        dataType: string
        valueDefinition:
          possibleValues: [fast, exact]
    minOccurs: 0
outputs:
  - id: terrainFile
    title: Terrain file path
    inputId: submodelDirectory
    output:
      transmissionMode:
      - reference
""")
        r = subprocess.run([ADMIN_BIN, "check", "-p", path], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        doc = json.loads(r.stdout)
        desc, defn = doc["description"], doc["definition"]
        self.assertEqual(desc["inputs"]["submodelDirectory"]["schema"], {"type": "string"})
        self.assertEqual(desc["inputs"]["mode"]["schema"], {"type": "string", "enum": ["fast", "exact"]})
        self.assertEqual(desc["inputs"]["mode"]["minOccurs"], 0)
        self.assertEqual(desc["outputs"]["terrainFile"], {"title": "Terrain file path", "description": "", "schema": {}})
        self.assertEqual(desc["jobControlOptions"], ["async-execute"])
        self.assertEqual(defn["host"], {"type": "local"})
        self.assertEqual(defn["command"], [os.path.realpath(script)])
        self.assertEqual(defn["config"]["secrets"], ["CREATERASTERRAIN_TOKEN"])
        self.assertEqual(defn["config"]["maxResources"], {"cpus": 0.1, "memory": 1024})

    def test_sepex_docker_and_batch_templates_load(self):
        common = """info:
  version: '0.0.1'
  id: {id}
  title: AEP Grid
  jobControlOptions:
    - async-execute
  outputTransmission:
    - reference
{host}
command:
  - python
  - aep_blocks.py
config:
{config}
inputs:
  - id: tile
    title: tile
    input:
      literalDataDomain:
        dataType: string
        valueDefinition:
          anyValue: true
    minOccurs: 1
    maxOccurs: 1
outputs:
  - id: aepGrid
    title: aepGrid
    inputId: aepGridDestination
    output:
      transmissionMode:
      - reference
"""
        docker = self.write("docker.yaml", common.format(
            id="aepGrid", host='host:\n  type: "docker"\n  image: "alpine:3.18"',
            config="  maxResources:\n    cpus: 0.1\n    memory: 1024\n    gpus: 0\n"
                   "  envVars:\n    - variable1\n  volumes:\n    - ./data/aepGrid:/data"))
        batch = self.write("batch.yaml", common.format(
            id="aepGridBatch", host='host:\n  type: "aws-batch"\n  jobDefinition: process-sandbox:2\n'
                                    '  jobQueue: micro-test',
            config="  envVars:"))
        r = subprocess.run([ADMIN_BIN, "check", "-p", docker, batch], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        d, b = [json.loads(l)["definition"] for l in r.stdout.splitlines()]
        self.assertEqual(d["host"], {"type": "docker", "image": "alpine:3.18", "pull": "missing",
                                     "network": "none"})
        self.assertEqual(d["command"], ["python", "aep_blocks.py"])
        self.assertEqual(d["config"]["volumes"], [os.path.realpath(self.dir) + "/data/aepGrid:/data"])
        self.assertEqual(b["host"], {"type": "aws-batch", "jobDefinition": "process-sandbox:2",
                                     "jobQueue": "micro-test"})


class SyncTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = Database("registry_sync")

    @classmethod
    def tearDownClass(cls):
        cls.db.close()

    def setUp(self):
        self.db.query("DELETE FROM quern.jobs")
        self.db.query("DELETE FROM quern.processes")
        self.dir = workdir("registry_sync")

    def write(self, name, text):
        with open(os.path.join(self.dir, name), "w") as f:
            f.write(text)

    def sync(self, *dirs, check=True):
        return self.db.admin("sync", *(dirs or (self.dir,)), check=check)

    def rows(self):
        return {r["id"]: r for r in self.db.query(
            "SELECT id, version, source, available, path, created, updated, description, definition "
            "FROM quern.processes")}

    def test_insert_update_remove(self):
        self.write("a.yaml", plugin("a"))
        self.write("b.yml", plugin("b"))
        r = self.sync()
        self.assertIn(f"added a 1.0.0 ({self.dir}/a.yaml)", r.stdout)
        self.assertIn(f"added b 1.0.0 ({self.dir}/b.yml)", r.stdout)
        self.assertIn("sync: 2 added, 0 updated, 0 removed, 0 unavailable, 0 unchanged", r.stdout)
        before = self.rows()
        self.assertEqual(set(before), {"a", "b"})
        self.assertEqual(before["a"]["source"], "file")
        self.assertEqual(before["a"]["path"], f"{self.dir}/a.yaml")
        self.assertEqual(before["a"]["definition"]["command"], ["/bin/true"])

        r = self.sync()
        self.assertIn("sync: 0 added, 0 updated, 0 removed, 0 unavailable, 2 unchanged", r.stdout)
        self.assertEqual(self.rows()["a"]["updated"], before["a"]["updated"])

        self.write("a.yaml", plugin("a", version="1.1.0", title="Changed"))
        r = self.sync()
        self.assertIn("updated a 1.1.0", r.stdout)
        after = self.rows()
        self.assertEqual(after["a"]["version"], "1.1.0")
        self.assertEqual(after["a"]["description"]["title"], "Changed")
        self.assertGreater(after["a"]["updated"], before["a"]["updated"])
        self.assertEqual(after["a"]["created"], before["a"]["created"])
        self.assertEqual(after["b"]["updated"], before["b"]["updated"])

        os.unlink(os.path.join(self.dir, "b.yml"))
        r = self.sync()
        self.assertIn("removed b (its file is gone)", r.stdout)
        self.assertEqual(set(self.rows()), {"a"})

    def test_removed_file_with_jobs_is_kept_unavailable(self):
        self.write("a.yaml", plugin("a"))
        self.sync()
        self.db.query("INSERT INTO quern.jobs (process_id, process_version, request, definition, backend) "
                      "VALUES ('a', '1.0.0', '{}', '{}', 'local')")
        os.unlink(os.path.join(self.dir, "a.yaml"))
        r = self.sync()
        self.assertIn("marked a unavailable (its file is gone; 1 job keep it for history)", r.stdout)
        row = self.rows()["a"]
        self.assertFalse(row["available"])
        r = self.sync()
        self.assertIn("0 unavailable, 1 unchanged", r.stdout)
        self.write("a.yaml", plugin("a"))
        r = self.sync()
        self.assertIn("updated a 1.0.0", r.stdout)
        self.assertTrue(self.rows()["a"]["available"])

    def test_invalid_file_changes_nothing(self):
        self.write("a.yaml", plugin("a"))
        self.write("b.yaml", plugin("b"))
        self.sync()
        before = self.rows()
        self.write("a.yaml", plugin("a", version="2.0.0"))
        os.unlink(os.path.join(self.dir, "b.yaml"))
        self.write("c.yaml", plugin("c", extra="config:\n  timeout: soon\n"))
        r = self.sync(check=False)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout.strip(),
                         f"{self.dir}/c.yaml:15:12: config.timeout must be an integer from 0 to 2592000")
        self.assertIn("1 problem in plugin files; nothing changed", r.stderr)
        self.assertEqual(self.rows(), before)

    def test_missing_directory_changes_nothing(self):
        self.write("a.yaml", plugin("a"))
        self.sync()
        before = self.rows()
        r = self.sync(os.path.join(self.dir, "gone"), check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("gone: cannot read plugin directory", r.stdout)
        self.assertEqual(self.rows(), before)

    def test_deployed_process_is_not_replaced(self):
        self.db.query("INSERT INTO quern.processes (id, description, definition, source, mutable) "
                      "VALUES ('a', '{\"id\": \"a\"}', '{}', 'api', true)")
        self.write("a.yaml", plugin("a"))
        r = self.sync(check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("process 'a' was deployed through the API", r.stderr)
        self.assertEqual(self.rows()["a"]["source"], "api")
        os.unlink(os.path.join(self.dir, "a.yaml"))
        r = self.sync()
        self.assertIn("0 removed", r.stdout)
        self.assertIn("a", self.rows())

    def test_subdirectories_and_default_dirs(self):
        os.makedirs(os.path.join(self.dir, "sub"))
        self.write("sub/s.yaml", plugin("s"))
        self.write("notes.txt", "not a plugin")
        cfg = os.path.join(self.dir, "..", "registry_sync.yaml")
        with open(cfg, "w") as f:
            f.write(f"plugins:\n  dirs: [{self.dir}]\n")
        r = self.db.admin("sync", config=cfg)
        self.assertIn("added s 1.0.0", r.stdout)

    def test_examples_round_trip(self):
        r = self.sync(PLUGINS)
        files = sorted(os.path.join(PLUGINS, f) for f in os.listdir(PLUGINS) if f.endswith(".yaml"))
        self.assertIn(f"{len(files)} added", r.stdout)
        rows = self.rows()
        out = subprocess.run([ADMIN_BIN, "check", "-p"] + files, capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        for line in out.stdout.splitlines():
            doc = json.loads(line)
            self.assertEqual(rows[doc["id"]]["description"], doc["description"], doc["id"])
            self.assertEqual(rows[doc["id"]]["definition"], doc["definition"], doc["id"])
        echo = rows["echo"]["description"]
        self.assertEqual(set(echo["inputs"]), {"text", "image", "pause", "labels", "payload",
                                               "boundingBox", "numberOrText"})
        self.assertEqual(echo["jobControlOptions"], ["sync-execute", "async-execute", "dismiss"])
        self.assertEqual(rows["progress"]["description"]["inputs"]["delay"]["schema"]["default"], 0.2)
        # Served order: the OGC suite uses the first input (and the output of the same id),
        # and the first object input before the bounding box.
        served = json.loads(self.db.value("SELECT description::text FROM quern.processes WHERE id = 'echo'"))
        order = list(served["inputs"])
        self.assertEqual(order[0], "text")
        self.assertIn("text", served["outputs"])
        self.assertLess(order.index("payload"), order.index("boundingBox"))
        for i in served["inputs"].values():
            self.assertEqual(i["minOccurs"], 0)


def ogc_schemas():
    """The official OGC API - Processes 1.0 schemas (../shared), or None."""
    for d in (os.path.join(TOP, "..", "shared"), os.path.join(TOP, "..", "..", "shared"), "/work/shared"):
        p = os.path.join(d, "ogcapi-processes-1.0", "schemas")
        if os.path.exists(os.path.join(p, "process.yaml")):
            return os.path.abspath(p) + "/"
    return None


class OgcSchemaTest(unittest.TestCase):
    """Every example's description is valid for OGC's process.yaml (what the conformance suite checks)."""

    def test_examples_validate_against_process_yaml(self):
        import jsonschema
        import yaml
        base = ogc_schemas()
        if base is None:
            self.skipTest("the OGC schemas (../shared/ogcapi-processes-1.0) are not here")

        def load(uri):
            with open(uri[len("file://"):]) as f:
                return yaml.safe_load(f)

        schema = load("file://" + base + "process.yaml")
        resolver = jsonschema.RefResolver(base_uri="file://" + base + "process.yaml", referrer=schema,
                                          handlers={"file": load})
        validator = jsonschema.Draft4Validator(schema, resolver=resolver)
        files = sorted(os.path.join(PLUGINS, f) for f in os.listdir(PLUGINS) if f.endswith(".yaml"))
        out = subprocess.run([ADMIN_BIN, "check", "-p"] + files, capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        docs = [json.loads(l) for l in out.stdout.splitlines()]
        self.assertEqual(len(docs), len(files))
        for doc in docs:
            errors = [e.message for e in validator.iter_errors(doc["description"])]
            self.assertEqual(errors, [], doc["id"])
        # The validator does catch what quern's checker rejects.
        bad = docs[0]["description"]
        bad["inputs"]["x"] = {"schema": {"type": "string", "const": 1}}
        self.assertTrue(list(validator.iter_errors(bad)))


def run_example(pid, inputs, outdir):
    """Runs an example process as the runner does: argv + inputs JSON, clean environment."""
    r = subprocess.run([ADMIN_BIN, "check", "-p", os.path.join(PLUGINS, pid + ".yaml")],
                       capture_output=True, text=True, timeout=60)
    argv = json.loads(r.stdout)["definition"]["command"] + [json.dumps(inputs)]
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "QUERN_JOB_ID": "00000000-0000-0000-0000-000000000000",
           "QUERN_OUTPUT_DIR": outdir, "QUERN_JOB_DIR": os.path.dirname(outdir)}
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env)


def results(proc):
    return json.loads(proc.stdout.splitlines()[-1])["plugin_results"]


class ExampleProgramsTest(unittest.TestCase):
    def setUp(self):
        self.dir = workdir("registry_examples")
        self.out = os.path.join(self.dir, "out")
        os.makedirs(self.out)

    def test_echo_returns_every_input(self):
        inputs = {"text": "quote \" backslash \\ newline \n tab \t ü", "pause": 0, "labels": ["a", "b"],
                  "payload": {"value": "x", "n": [1, 2.5]}, "numberOrText": 7,
                  "boundingBox": {"bbox": [1, 2, 3, 4], "crs": "urn:ogc:def:crs:EPSG:6.6:4326"},
                  "image": "SUkqAA=="}
        p = run_example("echo", inputs, self.out)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(p.stdout.splitlines()), 1)
        self.assertEqual(results(p), inputs)

    def test_echo_pause_accepts_integers_and_decimals(self):
        import time
        for pause in (1, 0.5):
            t0 = time.monotonic()
            p = run_example("echo", {"text": "x", "pause": pause}, self.out)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertGreaterEqual(time.monotonic() - t0, pause)
            self.assertEqual(results(p)["pause"], pause)

    def test_hello_world(self):
        p = run_example("hello-world", {"name": "Zoë"}, self.out)
        self.assertEqual(results(p), {"message": "Hello, Zoë!"})

    def test_fail(self):
        p = run_example("fail", {"message": "boom"}, self.out)
        self.assertEqual(p.returncode, 3)
        self.assertIn("error: boom", p.stderr)

    def test_files(self):
        p = run_example("files", {"lines": 4}, self.out)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(sorted(os.listdir(self.out)), ["report.txt", "table.csv"])
        with open(os.path.join(self.out, "table.csv")) as f:
            self.assertEqual(f.read().splitlines()[-1], "4,16")
        self.assertEqual(results(p), {})

    def test_progress(self):
        p = run_example("progress", {"steps": 4, "delay": 0}, self.out)
        lines = [json.loads(l) for l in p.stdout.splitlines()]
        self.assertEqual([l["progress"] for l in lines[:-1]], [0, 25, 50, 75, 100])
        self.assertEqual(lines[-1], {"plugin_results": {"steps": 4}})

    def test_wordcount(self):
        p = run_example("wordcount", {"text": "héllo wörld\nsecond line\n"}, self.out)
        self.assertEqual(results(p), {"counts": {"lines": 2, "words": 4, "characters": 24}})
        p = run_example("wordcount", {}, self.out)
        self.assertNotEqual(p.returncode, 0)

    def test_sleep(self):
        p = run_example("sleep", {"seconds": 0.2}, self.out)
        self.assertEqual(results(p), {"slept": 0.2})


if __name__ == "__main__":
    unittest.main()
