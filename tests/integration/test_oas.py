# SPDX-License-Identifier: MIT
"""/api: the served OpenAPI 3.0 document validated by an independent validator
(@seriousme/openapi-schema-validator from tests/package.json, run with node),
with processes whose ids and schemas are odd; the execute request schema of
each process checked against real requests; and the /api HTML page with
Swagger UI (swagger-ui-dist from tests/package.json, served by the test's
lighttpd as ./dev up serves it), without it, and rendered in headless Chromium
(a screenshot goes to the test output; QUERN_UPDATE_SCREENSHOTS=1 also copies it
to doc/screenshots/swagger-ui.png for the README)."""
import html.parser
import json
import os
import shutil
import subprocess
import unittest
import urllib.parse

import jsonschema
import requests

from api_support import ApiStack, echo_description, insert_process
from harness import OUT, TOP, Lighttpd

NODE_MODULES = os.path.join(TOP, "tests", "node_modules")
VALIDATOR = os.path.join(NODE_MODULES, "@seriousme", "openapi-schema-validator", "bin",
                         "validate-api-cli.js")
SWAGGER_DIST = os.path.join(NODE_MODULES, "swagger-ui-dist")
OAS_TYPE = "application/vnd.oai.openapi+json;version=3.0"

# Ids at the edges of what quern.processes admits: ^[A-Za-z0-9._-]{1,128}$
ODD_IDS = ["a.b_c-d", "Z", "9-lives", "x" * 128, "..dots..", "_"]

# A process whose schemas carry what OGC allows but OpenAPI 3.0 does not, and
# JSON Schema spellings a process stored by hand may bring along.
ODD_INPUTS = {
    "img": {"title": "image", "schema": {"type": "string", "contentMediaType": "image/png",
                                         "contentEncoding": "base64"}},
    "maybe": {"schema": {"type": ["string", "null"]}},
    "either": {"schema": {"type": ["string", "integer"]}},
    "fixed": {"schema": {"const": "only"}},
    "positive": {"schema": {"type": "number", "exclusiveMinimum": 0}},
    "anything": {"schema": True},
    "tuple": {"schema": {"type": "array", "items": [{"type": "string"}, {"type": "integer"}]}},
    "refd": {"schema": {"$ref": "https://example.org/schemas/thing.json"}},
    "many": {"schema": {"type": "integer"}, "minOccurs": 0, "maxOccurs": 3},
    "unbounded": {"schema": {"type": "string"}, "minOccurs": 0, "maxOccurs": "unbounded"},
    "noschema": {"title": "no schema at all", "minOccurs": 0},
}

ROUTES = {  # every resource quern-api serves (cgi/http_route.c), with its methods
    "/": ["get"], "/conformance": ["get"], "/api": ["get"], "/processes": ["get", "post"],
    "/processes/{processId}": ["get", "put", "delete"], "/processes/{processId}/package": ["get"],
    "/processes/{processId}/execution": ["post"],
    "/jobs": ["get"], "/jobs/{jobId}": ["get", "delete"], "/jobs/{jobId}/results": ["get"],
    "/jobs/{jobId}/results/{outputId}": ["get"], "/jobs/{jobId}/logs": ["get"],
    "/jobs/{jobId}/metadata": ["get"], "/metrics": ["get"],
}


def validate_with_node(doc, name):
    """Runs the npm validator on doc; returns (ok, its output)."""
    path = os.path.join(OUT, f"{name}.json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
    r = subprocess.run(["node", VALIDATOR, path], capture_output=True, text=True, timeout=120)
    return r.returncode == 0, r.stdout + r.stderr


class Assets(html.parser.HTMLParser):
    """Collects script sources, style sheets and anchors of a page."""

    def __init__(self):
        super().__init__()
        self.scripts, self.styles, self.anchors, self.ids = [], [], {}, {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"])
        if tag == "link" and a.get("rel") == "stylesheet":
            self.styles.append(a["href"])
        if tag == "a" and a.get("id"):
            self.anchors[a["id"]] = a.get("href")
        if a.get("id"):
            self.ids[a["id"]] = a


def parse_page(text):
    p = Assets()
    p.feed(text)
    return p


def swagger_lighttpd_extra(dist):
    """What ./dev up writes: Swagger UI's files at /swagger-ui/, the rest to quern-api."""
    return f"""
alias.url = ("/swagger-ui/" => "{dist}/")
mimetype.assign = (".js" => "text/javascript", ".css" => "text/css", ".map" => "application/json",
                   ".png" => "image/png", ".html" => "text/html")
$HTTP["url"] =~ "^/swagger-ui/" {{
    fastcgi.server = ()
}}
"""


class OasDocumentTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = ApiStack("oas_doc")
        for pid in ODD_IDS:
            insert_process(cls.s.db, echo_description(pid, title=f"odd {pid}"))
        odd = echo_description("odd-schemas", title="JSON Schema spellings")
        odd["inputs"] = ODD_INPUTS
        odd["outputs"] = {"out": {"schema": {"type": "string", "contentMediaType": "text/plain"}}}
        insert_process(cls.s.db, odd)
        r = cls.s.get("/api")
        assert r.status_code == 200, r.text
        cls.doc = r.json()

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def test_valid_openapi_30(self):
        r = self.s.get("/api?f=json")
        self.assertEqual(r.headers["Content-Type"], OAS_TYPE)
        doc = r.json()
        self.assertEqual(doc["openapi"], "3.0.3")
        ok, out = validate_with_node(doc, "oas_doc")
        self.assertTrue(ok, out[:4000])
        self.assertIn('"valid": true', out)

    def test_validator_rejects_a_broken_document(self):
        """The validator is not a rubber stamp: what oas_schema.c repairs fails it."""
        broken = json.loads(json.dumps(self.doc))
        broken["components"]["schemas"]["bad"] = {"type": "string", "contentMediaType": "x/y"}
        ok, out = validate_with_node(broken, "oas_broken")
        self.assertFalse(ok, out[:2000])

    def test_every_route_is_described(self):
        paths = self.doc["paths"]
        for path, methods in ROUTES.items():
            self.assertIn(path, paths)
            for m in methods:
                self.assertIn(m, paths[path], f"{m} {path}")
        op_ids = [o["operationId"] for item in paths.values() for o in item.values()]
        self.assertEqual(len(op_ids), len(set(op_ids)), "operationIds are unique")
        logs = paths["/jobs/{jobId}/logs"]["get"]["responses"]["200"]["content"]
        self.assertIn("text/plain", logs)
        self.assertIn("application/json", logs)
        self.assertEqual([t["name"] for t in self.doc["tags"]],
                         ["Service", "Processes", "Execute", "Jobs", "Monitoring"])
        self.assertEqual(paths["/processes/echo/execution"]["post"]["tags"], ["Execute"])
        self.assertEqual(paths["/processes/{processId}/execution"]["post"]["tags"], ["Processes"])
        self.assertEqual(paths["/jobs/{jobId}/logs"]["get"]["tags"], ["Jobs"])
        self.assertEqual(paths["/"]["get"]["tags"], ["Service"])
        self.assertEqual(paths["/processes"]["post"]["tags"], ["Processes"])
        metrics = paths["/metrics"]["get"]["responses"]["200"]["content"]
        self.assertEqual(list(metrics), ["text/plain"])

    def test_documented_methods_are_the_served_ones(self):
        """OPTIONS on each documented path (ids filled in) answers the same methods."""
        job = self.s.post("/processes/echo/execution", body={"inputs": {"stringInput": "Value1"}},
                          headers={"Prefer": "respond-async"}).json()["jobID"]
        fill = {"processId": "echo", "jobId": job, "outputId": "stringInput"}
        for path, item in self.doc["paths"].items():
            url = path.format(**fill)
            r = requests.options(self.s.url + url, timeout=30)
            self.assertEqual(r.status_code, 204, url)
            allowed = {m.strip().lower() for m in r.headers["Allow"].split(",")} - {"head", "options"}
            self.assertEqual(allowed, set(item), url)

    def test_path_parameters_are_declared(self):
        comps = self.doc["components"]["parameters"]
        for path, item in self.doc["paths"].items():
            wanted = {seg[1:-1] for seg in path.split("/") if seg.startswith("{")}
            for method, o in item.items():
                declared = set()
                for p in o.get("parameters", []):
                    if "$ref" in p:
                        p = comps[p["$ref"].rsplit("/", 1)[1]]
                    if p["in"] == "path":
                        declared.add(p["name"])
                self.assertEqual(declared, wanted, f"{method} {path}")

    def test_one_execute_schema_per_process(self):
        ids = [r["id"] for r in self.s.db.query("SELECT id FROM quern.processes")]
        self.assertEqual(len(ids), 3 + len(ODD_IDS) + 1)
        schemas = self.doc["components"]["schemas"]
        for pid in ids:
            self.assertIn(f"execute-{pid}", schemas)
            post = self.doc["paths"][f"/processes/{pid}/execution"]["post"]
            body = post["requestBody"]["content"]["application/json"]["schema"]
            self.assertEqual(body, {"$ref": f"#/components/schemas/execute-{pid}"})
            self.assertIn("201", post["responses"])
        exec_paths = [p for p in self.doc["paths"] if p.startswith("/processes/") and p.endswith("/execution")]
        self.assertEqual(len(exec_paths), len(ids) + 1)  # and the templated one

    def validator(self, pid):
        schema = dict(self.doc["components"]["schemas"][f"execute-{pid}"])
        schema["components"] = self.doc["components"]
        return jsonschema.Draft4Validator(schema)

    def test_execute_schema_matches_what_the_server_accepts(self):
        v = self.validator("echo")
        good = [{"inputs": {"stringInput": "Value1"}},
                {"inputs": {"stringInput": {"value": "Value2"}, "doubleInput": 3,
                            "imagesInput": ["aGk=", "aGk="]}, "response": "document"},
                {"inputs": {"stringInput": {"href": "http://example.org/x"}}}]
        bad = [{"inputs": {}}, {"inputs": {"stringInput": "Value3"}},
               {"inputs": {"stringInput": "Value1", "nosuch": 1}},
               {"inputs": {"stringInput": "Value1", "doubleInput": 0}},
               {"inputs": {"stringInput": "Value1"}, "response": "neither"}]
        for body in good:
            self.assertEqual(list(v.iter_errors(body)), [], body)
            r = self.s.post("/processes/echo/execution", body=body, headers={"Prefer": "respond-async"})
            self.assertEqual(r.status_code, 201, (body, r.text))
        for body in bad:
            self.assertTrue(list(v.iter_errors(body)), body)
            r = self.s.post("/processes/echo/execution", body=body, headers={"Prefer": "respond-async"})
            self.assertEqual(r.status_code, 400, (body, r.text))

    def test_odd_schemas_become_openapi_30(self):
        props = self.doc["components"]["schemas"]["execute-odd-schemas"]["properties"]["inputs"]["properties"]
        plain = {k: v["anyOf"][0] for k, v in props.items()}
        self.assertEqual(plain["img"], {"type": "string", "x-contentMediaType": "image/png",
                                        "x-contentEncoding": "base64"})
        self.assertEqual(plain["maybe"], {"type": "string", "nullable": True})
        self.assertEqual(plain["either"], {"anyOf": [{"type": "string"}, {"type": "integer"}]})
        self.assertEqual(plain["fixed"], {"enum": ["only"]})
        self.assertEqual(plain["positive"], {"type": "number", "minimum": 0, "exclusiveMinimum": True})
        self.assertEqual(plain["anything"], {})
        self.assertEqual(plain["tuple"]["items"], {})
        self.assertEqual(plain["tuple"]["x-items"], [{"type": "string"}, {"type": "integer"}])
        self.assertEqual(plain["refd"], {"x-$ref": "https://example.org/schemas/thing.json"})
        self.assertEqual(plain["noschema"], {})
        self.assertEqual(props["many"]["anyOf"][3]["maxItems"], 3)
        self.assertNotIn("maxItems", props["unbounded"]["anyOf"][3])
        self.assertEqual(props["img"]["description"], "image")
        required = self.doc["components"]["schemas"]["execute-odd-schemas"]["properties"]["inputs"]["required"]
        self.assertNotIn("many", required)
        self.assertIn("img", required)
        # The stored description is untouched.
        r = self.s.get("/processes/odd-schemas").json()
        self.assertEqual(r["inputs"]["img"]["schema"]["contentMediaType"], "image/png")

    def test_html_page_without_swagger_ui_files(self):
        """The stack's lighttpd serves no /swagger-ui/: the page still links the document."""
        for kw in ({"params": {"f": "html"}}, {"headers": {"Accept": "text/html"}}):
            r = self.s.get("/api", **kw)
            self.assertEqual(r.status_code, 200)
            self.assertTrue(r.headers["Content-Type"].startswith("text/html"))
            page = parse_page(r.text)
            self.assertEqual(page.scripts, ["/swagger-ui/swagger-ui-bundle.js"])
            self.assertEqual(self.s.get("/swagger-ui/swagger-ui-bundle.js").status_code, 404)
            self.assertIn("Swagger UI did not load", r.text)
            self.assertEqual(page.ids["swagger-ui"]["data-url"], self.s.url + "/api?f=json")
            j = requests.get(page.anchors["openapi-json"], timeout=30)
            self.assertEqual(j.headers["Content-Type"], OAS_TYPE)
            self.assertEqual(set(j.json()["paths"]), set(self.doc["paths"]))
            self.assertIn("<code>GET /jobs/{jobId}/logs</code>", r.text)
            self.assertIn("<code>POST /processes/a.b_c-d/execution</code> odd a.b_c-d", r.text)

    def test_html_page_with_swagger_ui_off(self):
        web = Lighttpd(os.path.join(self.s.dir, "no-ui"), self.s.config_path,
                       env={"QUERN_API_SWAGGER_UI": ""})
        try:
            r = requests.get(web.url + "/api?f=html", timeout=30)
            self.assertEqual(r.status_code, 200)
            page = parse_page(r.text)
            self.assertEqual(page.scripts, [])
            self.assertEqual(page.styles, [])
            self.assertIn("Swagger UI is not configured", r.text)
            self.assertEqual(page.anchors["openapi-json"], web.url + "/api?f=json")
        finally:
            web.stop()


class SwaggerUiTest(unittest.TestCase):
    """lighttpd serves swagger-ui-dist at /swagger-ui/ as ./dev up does."""

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(os.path.join(SWAGGER_DIST, "swagger-ui-bundle.js")):
            raise AssertionError("swagger-ui-dist is missing: ./dev test installs tests/package.json")
        cls.s = ApiStack("oas_ui", api=False)
        insert_process(cls.s.db, echo_description("a.b_c-d"))
        d = os.path.join(cls.s.dir, "ui")
        os.makedirs(d)
        cls.web = Lighttpd(d, cls.s.config_path, modules=("mod_alias",),
                           extra=swagger_lighttpd_extra(SWAGGER_DIST))
        cls.url = cls.web.url

    @classmethod
    def tearDownClass(cls):
        cls.web.stop()
        cls.s.stop()

    def test_page_assets_are_served(self):
        r = requests.get(self.url + "/api?f=html", timeout=30)
        self.assertEqual(r.status_code, 200)
        page = parse_page(r.text)
        self.assertEqual(len(page.scripts), 1)
        self.assertEqual(len(page.styles), 1)
        for src, kind in ((page.scripts[0], "javascript"), (page.styles[0], "css")):
            a = requests.get(urllib.parse.urljoin(r.url, src), timeout=30)
            self.assertEqual(a.status_code, 200, src)
            self.assertIn(kind, a.headers["Content-Type"])
            self.assertGreater(len(a.content), 1000)
        self.assertTrue(page.scripts[0].endswith("swagger-ui-bundle.js"))
        self.assertTrue(page.styles[0].endswith("swagger-ui.css"))
        # quern-api still answers everything else.
        self.assertEqual(requests.get(self.url + "/processes/a.b_c-d", timeout=30).status_code, 200)

    def test_browser_renders_the_operations(self):
        chromium = shutil.which("chromium")
        if chromium is None:
            self.skipTest("chromium is not installed")
        profile = os.path.join(self.s.dir, "chromium-profile")
        r = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                            "--disable-background-networking", f"--user-data-dir={profile}",
                            "--virtual-time-budget=10000", "--dump-dom", self.url + "/api?f=html"],
                           capture_output=True, text=True, timeout=120)
        dom = r.stdout
        self.assertIn("opblock", dom, r.stderr[-2000:])
        for path in ("/jobs/{jobId}/logs", "/metrics", "/processes/a.b_c-d/execution"):
            self.assertIn(f'data-path="{path}"', dom)
        self.assertNotIn("Swagger UI did not load", dom)
        # A picture for people (kept under the test output, not compared).
        shot = os.path.join(self.s.dir, "swagger-ui.png")
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", f"--user-data-dir={profile}",
                        "--virtual-time-budget=10000", "--window-size=1280,1600", f"--screenshot={shot}",
                        self.url + "/api?f=html"], capture_output=True, timeout=120)
        self.assertGreater(os.path.getsize(shot), 10000)
        if os.environ.get("QUERN_UPDATE_SCREENSHOTS"):  # as test_html: the README's pictures
            os.makedirs(os.path.join(TOP, "doc", "screenshots"), exist_ok=True)
            shutil.copy(shot, os.path.join(TOP, "doc", "screenshots", "swagger-ui.png"))


class ShippedConfigsTest(unittest.TestCase):
    """apache/*.conf and apache/lighttpd-swagger-ui.conf serve Swagger UI's files next to quern."""

    @classmethod
    def setUpClass(cls):
        cls.s = ApiStack("oas_servers", api=False)

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def check(self, base, prefix):
        r = requests.get(base + prefix + "/api?f=html", timeout=30)
        self.assertEqual(r.status_code, 200, r.text[:300])
        page = parse_page(r.text)
        self.assertEqual(page.ids["swagger-ui"]["data-url"], base + prefix + "/api?f=json")
        for src in page.scripts + page.styles:
            a = requests.get(urllib.parse.urljoin(r.url, src), timeout=30)
            self.assertEqual(a.status_code, 200, src)
            with open(os.path.join(SWAGGER_DIST, os.path.basename(src)), "rb") as f:
                self.assertEqual(a.content, f.read())
        self.assertEqual(requests.get(base + prefix + "/api", timeout=30).headers["Content-Type"], OAS_TYPE)

    def test_apache_proxy_fcgi(self):
        from harness import API_BIN, Proc, free_port, workdir
        from test_api_servers import Apache, wait_port
        d = workdir("oas_apache")
        fport = free_port()
        api = Proc([API_BIN, "-c", self.s.config_path, "--listen", f"127.0.0.1:{fport}"],
                   log=os.path.join(d, "api.log"))
        try:
            wait_port(fport, api)
            web = Apache(d, "quern-proxy-fcgi.conf",
                         {"QUERN_PREFIX": "/ogc", "QUERN_FCGI_ADDR": f"127.0.0.1:{fport}",
                          "QUERN_SWAGGER_UI_DIR": SWAGGER_DIST},
                         modules=["proxy", "proxy_fcgi"])
            try:
                self.check(web.url, "/ogc")
            finally:
                web.stop()
        finally:
            api.stop()

    def test_lighttpd_snippets(self):
        from harness import API_BIN, Proc, free_port, poll, workdir
        d = workdir("oas_lighttpd")
        port = free_port()
        conf = os.path.join(d, "lighttpd.conf")
        with open(conf, "w") as f:
            f.write(f"""
server.bind = "127.0.0.1"
server.port = {port}
server.document-root = "{d}"
server.pid-file = "{d}/lighttpd.pid"
server.errorlog = "{d}/error.log"
mimetype.assign = (".js" => "text/javascript", ".css" => "text/css")
var.quern_api_bin = "{API_BIN}"
var.quern_config = "{self.s.config_path}"
var.quern_socket = "{d}/api.sock"
var.quern_swagger_ui = "{SWAGGER_DIST}"
include "{os.path.join(TOP, 'apache', 'lighttpd-quern.conf')}"
include "{os.path.join(TOP, 'apache', 'lighttpd-swagger-ui.conf')}"
""")
        web = Proc(["lighttpd", "-D", "-f", conf], log=os.path.join(d, "lighttpd.out"))
        url = f"http://127.0.0.1:{port}"

        def up():
            try:
                return requests.get(url + "/", timeout=0.5).status_code == 200
            except requests.RequestException:
                return False
        try:
            poll(up, timeout=15, what="lighttpd")
            self.check(url, "")
        finally:
            web.stop()


if __name__ == "__main__":
    unittest.main()
