# SPDX-License-Identifier: MIT
"""OGC API - Processes Part 2 with the real stack: deploy (POST /processes),
replace (PUT), undeploy (DELETE) and GET /processes/{id}/package, as an
admin with a token, through lighttpd, with the example plugins synced so
file-based processes exist too.

Every status code of cgi/http_deploy.c: 201 (Location, summary with
mutable), 204, 400 naming the field (the plugin loader's problems, with
line and column), 401/403 for non-admins, 403 immutable-process, 404,
409 duplicated-process (also under concurrent deploys of one id: exactly
one wins), 413 and 415 (CWL named). With the real quern-runner: a deployed
local process runs; a replace while a job runs leaves that job on the old
version; undeploy keeps the job history readable and the id deployable
again; deployed processes survive `quern-admin sync` and a restart of the
API and the runner. With a real container engine: an application package
with a docker image runs end to end (skipped, with the reason, only when
no engine starts).
"""
import json
import os
import subprocess
import threading
import unittest

import requests

import engines
import harness
from api_support import OGC_EXC, OgcSchemas
from harness import ADMIN_BIN, Lighttpd, Stack, poll, workdir

EXC2 = "http://www.opengis.net/def/exceptions/ogcapi-processes-2/1.0/"
CONF2 = "http://www.opengis.net/spec/ogcapi-processes-2/1.0/conf/"


def user(stack, *args, stdin=""):
    r = subprocess.run([ADMIN_BIN, "-c", stack.config_path, "user"] + list(args), input=stdin,
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError(f"quern-admin user {args}: {r.stderr}")
    return r.stdout.strip()


def yaml_definition(pid, script, version="1.0.0", title="Deployed", extra=""):
    """quern's own definition of a local process running `sh -c script`."""
    return f"""\
info:
  id: {pid}
  title: {title}
  version: {version}
  description: Deployed through the API by test_deploy.
  jobControlOptions: [async-execute, sync-execute, dismiss]
host:
  type: local
command: [/bin/sh, -c, {json.dumps(script)}]
{extra}inputs:
  text:
    title: Text
    schema: {{type: string, maxLength: 100}}
    minOccurs: 0
outputs:
  v:
    title: Value
    schema: {{type: string}}
"""


def printing(value):
    """A script whose results are {"v": value}."""
    return f'printf \'{{"plugin_results": {{"v": "{value}"}}}}\\n\''


class DeployTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Stack("deploy_api", config={"api": {"max_body": 32768},
                                            "auth": {"failure_delay_ms": 0}})
        s = cls.s
        user(s, "add", "root", "--role", "admin", "--no-password")
        user(s, "add", "bob", "--no-password")
        cls.admin = {"Authorization": "Bearer " + user(s, "token", "root")}
        cls.bob = {"Authorization": "Bearer " + user(s, "token", "bob")}
        cls.gates = workdir("deploy_gates")
        cls.schemas = OgcSchemas()
        s.start_runner()
        poll(lambda: s.db.value("SELECT count(*) FROM quern.runners") == 1, timeout=30,
             what="the runner to register")

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    # --- helpers -----------------------------------------------------------

    def send(self, method, path, body=None, ctype="application/yaml", headers=None):
        h = dict(self.admin if headers is None else headers)
        if ctype is not None:
            h["Content-Type"] = ctype
        data = body.encode() if isinstance(body, str) else body
        return requests.request(method, self.s.url + path, data=data, headers=h, timeout=60)

    def deploy(self, text, ctype="application/yaml", status=201):
        r = self.send("POST", "/processes", text, ctype)
        self.assertEqual(r.status_code, status, r.text)
        return r

    def exc(self, r, status, type_):
        self.assertEqual(r.status_code, status, r.text)
        self.assertTrue(r.headers["Content-Type"].startswith("application/json"))
        doc = r.json()
        self.schemas.validate("exception", doc)
        self.assertEqual(doc["type"], type_, doc)
        self.assertEqual(doc["status"], status)
        return doc

    def run_job(self, pid, timeout=60):
        r = self.s.post(f"/processes/{pid}/execution", {"inputs": {}},
                        headers={"Prefer": "respond-async"})
        self.assertEqual(r.status_code, 201, r.text)
        return r.json()["jobID"]

    # --- deploy ------------------------------------------------------------

    def test_deploy_yaml_201_location_summary_package(self):
        text = yaml_definition("dep-yaml", printing("y"))
        r = self.deploy(text)
        self.assertEqual(r.headers["Location"], f"{self.s.url}/processes/dep-yaml")
        doc = r.json()
        self.assertEqual(doc["id"], "dep-yaml")
        self.assertEqual(doc["version"], "1.0.0")
        self.assertIs(doc["mutable"], True)
        self.assertNotIn("inputs", doc)
        self.assertTrue(any(link["rel"] == "self" for link in doc["links"]))
        self.schemas.validate("processSummary", doc)
        d = self.s.get("/processes/dep-yaml")
        self.assertEqual(d.status_code, 200, d.text)
        self.schemas.validate("process", d.json())
        self.assertIs(d.json()["mutable"], True)
        self.assertIn("text", d.json()["inputs"])
        self.assertIs(self.s.get("/processes/echo").json()["mutable"], False)
        p = self.send("GET", "/processes/dep-yaml/package", ctype=None)
        self.assertEqual(p.status_code, 200, p.text)
        self.assertEqual(p.headers["Content-Type"], "application/yaml")
        self.assertEqual(p.text, text)
        row = self.s.db.query("SELECT source, mutable, available FROM quern.processes"
                              " WHERE id = 'dep-yaml'")[0]
        self.assertEqual((row["source"], row["mutable"], row["available"]), ("api", True, True))

    def test_deploy_json_same_content(self):
        import yaml
        doc = yaml.safe_load(yaml_definition("dep-json", printing("j")))
        text = json.dumps(doc, indent="\t")  # tabs are JSON whitespace, not YAML's
        self.deploy(text, "application/json; charset=utf-8")
        p = self.send("GET", "/processes/dep-json/package", ctype=None)
        self.assertEqual(p.headers["Content-Type"], "application/json")
        self.assertEqual(p.text, text)
        self.assertEqual(self.s.get("/processes/dep-json").json()["title"], "Deployed")
        # JSON that libyaml does not read as YAML (a surrogate pair escape) still deploys.
        doc["info"]["id"], doc["info"]["title"] = "dep-json-emoji", "Smile \U0001F600"
        r = self.deploy(json.dumps(doc), "application/json")  # ensure_ascii: \ud83d\ude00
        self.assertIn("\\ud83d\\ude00", r.request.body.decode())
        self.assertEqual(self.s.get("/processes/dep-json-emoji").json()["title"], "Smile \U0001F600")
        # ... and its problems are still reported, without positions.
        doc["info"]["id"], doc["info"]["titel"] = "dep-json-bad", doc["info"].pop("title")
        r = self.send("POST", "/processes", json.dumps(doc), "application/json")
        bad = self.exc(r, 400, OGC_EXC + "invalid-parameter-value")
        self.assertIn("titel", bad["detail"])
        self.assertNotIn("line", bad["problems"][0])

    def test_summaries_carry_mutable(self):
        self.deploy(yaml_definition("dep-list", printing("l")))
        def listed():
            items = {p["id"]: p for p in self.s.get("/processes?limit=1000").json()["processes"]}
            return "dep-list" in items and items
        items = poll(listed, timeout=10, what="the deployed process in the list")
        self.assertIs(items["dep-list"]["mutable"], True)
        self.assertIs(items["echo"]["mutable"], False)
        html = self.s.get("/processes?f=html&limit=1000")
        self.assertEqual(html.status_code, 200)
        self.assertIn("text/html", html.headers["Content-Type"])
        self.assertIn("dep-list", html.text)

    def test_duplicate_409(self):
        self.deploy(yaml_definition("dep-dup", printing("1")))
        r = self.send("POST", "/processes", yaml_definition("dep-dup", printing("2")))
        doc = self.exc(r, 409, EXC2 + "duplicated-process")
        self.assertIn("dep-dup", doc["detail"])
        # A plugin file's id is taken too.
        r = self.send("POST", "/processes", yaml_definition("echo", printing("2")))
        self.exc(r, 409, EXC2 + "duplicated-process")

    def test_concurrent_deploys_one_wins(self):
        text = yaml_definition("dep-race", printing("r"))
        results = []
        barrier = threading.Barrier(8)

        def one():
            barrier.wait()
            results.append(self.send("POST", "/processes", text).status_code)
        threads = [threading.Thread(target=one) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(sorted(results), [201] + [409] * 7, results)
        self.assertEqual(self.s.db.value("SELECT count(*) FROM quern.processes WHERE id = 'dep-race'"), 1)

    # --- errors ------------------------------------------------------------

    def test_415_media_types(self):
        text = yaml_definition("dep-415", printing("x"))
        for ctype in ("text/plain", "application/xml", None):
            r = self.send("POST", "/processes", text, ctype)
            doc = self.exc(r, 415, EXC2 + "unsupported-media-type")
            self.assertIn("application/ogcapppkg+json", doc["detail"])
        for ctype in ("application/cwl+yaml", "application/cwl", "application/cwl+json"):
            r = self.send("POST", "/processes", "cwlVersion: v1.2\nclass: CommandLineTool\n", ctype)
            doc = self.exc(r, 415, EXC2 + "unsupported-media-type")
            self.assertIn("CWL is not executed", doc["detail"])
        r = self.send("PUT", "/processes/dep-415", "class: Workflow\n", "application/cwl+yaml")
        self.exc(r, 415, EXC2 + "unsupported-media-type")
        self.assertEqual(self.s.get("/processes/dep-415").status_code, 404)

    def test_400_names_the_field(self):
        bad = yaml_definition("dep-bad", printing("x")).replace("  title: Deployed", "  titel: Deployed")
        bad = bad.replace("schema: {type: string}", "schema: {type: string, minimum: nope}")
        r = self.send("POST", "/processes", bad)
        doc = self.exc(r, 400, OGC_EXC + "invalid-parameter-value")
        self.assertIn("titel", doc["detail"])
        self.assertIn("outputs.v.schema.minimum", doc["detail"])
        self.assertIn("3:3:", doc["detail"])  # line:column of the unknown key
        lines = {p["line"] for p in doc["problems"]}
        self.assertIn(3, lines)
        # JSON bodies: positions are the body's own.
        r = self.send("POST", "/processes", '{"info": {"id": "x", "title": "t", "version": "1"},\n'
                      ' "host": {"type": "local"}, "command": ["/no/such/prog"],\n "outputs": {}}',
                      "application/json")
        doc = self.exc(r, 400, OGC_EXC + "invalid-parameter-value")
        self.assertIn("/no/such/prog", doc["detail"])
        self.assertTrue(any(p.get("line") == 3 for p in doc["problems"]), doc)
        # Malformed JSON, an empty body, a bad package.
        for body, ctype, needle in (
                ('{"info": ', "application/json", "malformed JSON"),
                ("", "application/yaml", "empty"),
                ('{"executionUnit": {"href": "https://x/a.cwl", "type": "application/cwl"}}',
                 "application/ogcapppkg+json", "CWL is not executed"),
                ('{"executionUnit": {"type": "docker"}, "processDescription": {"id": "a"}}',
                 "application/ogcapppkg+json", "executionUnit.image"),
                ('{"executionUnit": {"image": "i"}, "processDescription": {"id": "dep-pk",'
                 ' "version": "1", "outputs": {"o": {"schema": {"type": "strin"}}}}}',
                 "application/ogcapppkg+json", "outputs.o.schema.type")):
            r = self.send("POST", "/processes", body, ctype)
            doc = self.exc(r, 400, OGC_EXC + "invalid-parameter-value")
            self.assertIn(needle, doc["detail"])
        # PUT whose body names another id.
        self.deploy(yaml_definition("dep-put-id", printing("x")))
        r = self.send("PUT", "/processes/dep-put-id", yaml_definition("other", printing("x")))
        doc = self.exc(r, 400, OGC_EXC + "invalid-parameter-value")
        self.assertIn("differs", doc["detail"])

    def test_413_over_max_body(self):
        text = yaml_definition("dep-big", printing("x")) + "# " + "x" * 40000 + "\n"
        r = self.send("POST", "/processes", text)
        self.exc(r, 413, OGC_EXC + "payload-too-large")

    def test_404_and_403_immutable(self):
        for method in ("PUT", "DELETE"):
            r = self.send(method, "/processes/no-such", yaml_definition("no-such", printing("x")))
            self.exc(r, 404, OGC_EXC + "no-such-process")
            r = self.send(method, "/processes/echo", yaml_definition("echo", printing("x")))
            doc = self.exc(r, 403, EXC2 + "immutable-process")
            self.assertIn("plugin file", doc["detail"])
        r = self.send("GET", "/processes/no-such/package", ctype=None)
        self.exc(r, 404, OGC_EXC + "no-such-process")
        r = self.send("GET", "/processes/echo/package", ctype=None)
        self.assertEqual(r.status_code, 404)
        self.assertEqual(self.s.get("/processes/echo").status_code, 200)

    def test_non_admin_refused(self):
        self.deploy(yaml_definition("dep-auth", printing("x")))
        text = yaml_definition("dep-auth2", printing("x"))
        for method, path in (("POST", "/processes"), ("PUT", "/processes/dep-auth"),
                             ("DELETE", "/processes/dep-auth"), ("GET", "/processes/dep-auth/package")):
            body, ctype = (None, None) if method == "GET" else (text, "application/yaml")
            r = self.send(method, path, body, ctype, headers=self.bob)
            self.exc(r, 403, OGC_EXC + "forbidden")
            r = self.send(method, path, body, ctype, headers={})
            self.exc(r, 401, OGC_EXC + "unauthorized")
            self.assertIn("WWW-Authenticate", r.headers)
        self.assertEqual(self.s.get("/processes/dep-auth2").status_code, 404)
        self.assertEqual(self.s.get("/processes/dep-auth").status_code, 200)

    def test_conformance_and_allow(self):
        conf = self.s.get("/conformance").json()["conformsTo"]
        for c in ("deploy-replace-undeploy", "ogcapppkg", "docker"):
            self.assertIn(CONF2 + c, conf)
        r = requests.options(self.s.url + "/processes/echo", timeout=30)
        self.assertEqual(r.headers["Allow"], "GET, HEAD, PUT, DELETE, OPTIONS")
        r = requests.options(self.s.url + "/processes", timeout=30)
        self.assertEqual(r.headers["Allow"], "GET, HEAD, POST, OPTIONS")

    # --- with the runner ---------------------------------------------------

    def test_replace_while_a_job_runs(self):
        gate = os.path.join(self.gates, "replace-gate")
        v1 = ('while [ ! -e ' + gate + ' ]; do sleep 0.05; done; ' + printing("one"))
        self.deploy(yaml_definition("dep-rep", v1, version="1.0.0"))
        job = self.run_job("dep-rep")
        self.s.wait_status(job, "running", timeout=60)
        r = self.send("PUT", "/processes/dep-rep", yaml_definition("dep-rep", printing("two"),
                                                                   version="2.0.0", title="Two"))
        self.assertEqual(r.status_code, 204, r.text)
        self.assertEqual(r.content, b"")
        poll(lambda: self.s.get("/processes/dep-rep").json()["version"] == "2.0.0", timeout=10,
             what="the new version to be served")
        self.assertEqual(self.s.get("/processes/dep-rep").json()["title"], "Two")
        # The running job holds its own copy of version 1 (jobs.definition).
        self.assertIn(gate, self.s.db.value(
            "SELECT definition #>> '{command,2}' FROM quern.jobs WHERE id = %s", (job,)))
        open(gate, "w").close()
        done = self.s.wait_status(job, timeout=60)
        self.assertEqual(done["status"], "successful", done)
        self.assertEqual(done["results"], {"v": "one"})
        self.assertEqual(done["process_version"], "1.0.0")
        job2 = self.run_job("dep-rep")
        done2 = self.s.wait_status(job2, timeout=60)
        self.assertEqual((done2["results"], done2["process_version"]), ({"v": "two"}, "2.0.0"))
        p = self.send("GET", "/processes/dep-rep/package", ctype=None)
        self.assertIn("version: 2.0.0", p.text)

    def test_undeploy_keeps_history_and_redeploys(self):
        self.deploy(yaml_definition("dep-gone", printing("old")))
        job = self.run_job("dep-gone")
        self.assertEqual(self.s.wait_status(job, timeout=60)["status"], "successful")
        r = self.send("DELETE", "/processes/dep-gone", ctype=None)
        self.assertEqual(r.status_code, 204, r.text)
        poll(lambda: self.s.get("/processes/dep-gone").status_code == 404, timeout=10,
             what="the undeployed process to be gone")
        self.exc(self.s.get("/processes/dep-gone"), 404, OGC_EXC + "no-such-process")
        r = self.s.post("/processes/dep-gone/execution", {"inputs": {}})
        self.assertEqual(r.status_code, 404, r.text)
        self.exc(self.send("DELETE", "/processes/dep-gone", ctype=None), 404,
                 OGC_EXC + "no-such-process")
        # The job's history stays readable.
        st = self.s.get(f"/jobs/{job}")
        self.assertEqual(st.status_code, 200, st.text)
        self.assertEqual(st.json()["status"], "successful")
        res = self.s.get(f"/jobs/{job}/results")
        self.assertEqual(res.status_code, 200, res.text)
        self.assertIn("old", res.text)
        self.assertEqual(self.s.get(f"/jobs?processID=dep-gone").json()["jobs"][0]["jobID"], job)
        # The id can be deployed again, and runs the new definition.
        self.deploy(yaml_definition("dep-gone", printing("new"), version="3.0.0"))
        job2 = self.run_job("dep-gone")
        self.assertEqual(self.s.wait_status(job2, timeout=60)["results"], {"v": "new"})

    def test_survives_sync_and_restart(self):
        self.deploy(yaml_definition("dep-keep", printing("k")))
        out = self.s.admin("sync").stdout
        self.assertNotIn("dep-keep", out)
        self.assertEqual(self.s.get("/processes/dep-keep").status_code, 200)
        # A restarted runner syncs the plugin directories as it starts; a new API.
        old = self.s.runners.pop()
        old.stop()
        r2 = self.s.start_runner()
        poll(lambda: self.s.db.value("SELECT count(*) FROM quern.runners WHERE pid = %s",
                                     (r2.pid,)) == 1, timeout=30, what="the new runner to register")
        self.s.web.stop()
        self.s.web = Lighttpd(self.s.dir, self.s.config_path)
        self.s.url = self.s.web.url
        d = self.s.get("/processes/dep-keep")
        self.assertEqual(d.status_code, 200, d.text)
        self.assertIs(d.json()["mutable"], True)
        job = self.run_job("dep-keep")
        self.assertEqual(self.s.wait_status(job, timeout=60)["results"], {"v": "k"})


class DeployDockerTest(unittest.TestCase):
    """An OGC application package with a docker image, executed on podman."""

    @classmethod
    def setUpClass(cls):
        from test_docker import require_runner_docker
        require_runner_docker()
        cls.eng = engines.get("podman")
        cls.s = Stack("deploy_docker", plugins=workdir("deploy_no_plugins"), config={
            "runner": {"backends": ["docker", "local"]},
            "docker": {"socket": cls.eng.socket},
            "auth": {"anonymous_roles": ["admin"]},
        })
        cls.s.start_runner()

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def test_ogcapppkg_docker_end_to_end(self):
        pkg = {
            "processDescription": {
                "id": "pkg-echo", "version": "1.0.0", "title": "Echo in busybox",
                "jobControlOptions": ["async-execute", "sync-execute"],
                "inputs": {"text": {"title": "Text", "schema": {"type": "string"}}},
                "outputs": {"text": {"title": "Text", "schema": {"type": "string"}}},
                "links": [{"href": "https://example.org/ignored", "rel": "about"}],
            },
            "executionUnit": {
                "type": "docker",
                "image": engines.IMAGE,
                "pull": "never",
                "command": ["sh", "-c", 'printf "{\\"plugin_results\\": %s}\\n" "$0"'],
                "config": {"cpuMax": 0.5, "memoryMax": 0.0625, "jobTimeout": 120},
            },
        }
        text = json.dumps(pkg)
        r = requests.post(self.s.url + "/processes", data=text, timeout=60,
                          headers={"Content-Type": "application/ogcapppkg+json"})
        self.assertEqual(r.status_code, 201, r.text)
        self.assertEqual(r.headers["Location"], f"{self.s.url}/processes/pkg-echo")
        definition = self.s.db.value("SELECT definition FROM quern.processes WHERE id = 'pkg-echo'")
        self.assertEqual(definition["host"]["type"], "docker")
        self.assertEqual(definition["config"]["maxResources"], {"cpus": 0.5, "memory": 64})
        p = requests.get(self.s.url + "/processes/pkg-echo/package", timeout=30)
        self.assertEqual(p.headers["Content-Type"], "application/ogcapppkg+json")
        self.assertEqual(p.json(), pkg)
        r = self.s.post("/processes/pkg-echo/execution", {"inputs": {"text": "from a package"}},
                        headers={"Prefer": "respond-async"})
        self.assertEqual(r.status_code, 201, r.text)
        job = r.json()["jobID"]
        done = self.s.wait_status(job, timeout=120)
        self.assertEqual(done["status"], "successful", done)
        self.assertEqual(done["results"], {"text": "from a package"})
        self.assertEqual(done["backend"], "docker")
        # Replace with a package that leaves the id to the URL.
        del pkg["processDescription"]["id"]
        pkg["processDescription"]["version"] = "2.0.0"
        r = requests.put(self.s.url + "/processes/pkg-echo", data=json.dumps(pkg), timeout=60,
                         headers={"Content-Type": "application/ogcapppkg+json"})
        self.assertEqual(r.status_code, 204, r.text)
        self.assertEqual(self.s.db.value("SELECT version FROM quern.processes"
                                         " WHERE id = 'pkg-echo'"), "2.0.0")
        r = requests.delete(self.s.url + "/processes/pkg-echo", timeout=30)
        self.assertEqual(r.status_code, 204, r.text)
        self.assertEqual(self.s.get(f"/jobs/{job}").json()["status"], "successful")


if __name__ == "__main__":
    unittest.main()
