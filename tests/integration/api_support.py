# SPDX-License-Identifier: MIT
"""Helpers shared by the test_api_* modules: an echo-like process fixture
inserted straight into quern.processes (until the registry lands), jobs
completed in SQL (until the runner lands), and validation of responses
against the official OGC API - Processes 1.0 schemas (YAML files with
relative $refs, resolved here with jsonschema's RefResolver)."""
import json
import os
import urllib.parse

import jsonschema
import yaml

from harness import Stack, TOP

SHARED = os.environ.get("QUERN_OGC_SCHEMAS",
                        os.path.abspath(os.path.join(TOP, "..", "..", "shared", "ogcapi-processes-1.0")))
if not os.path.isdir(SHARED):
    SHARED = "/work/shared/ogcapi-processes-1.0"

OGC_REL = "http://www.opengis.net/def/rel/ogc/1.0/"
OGC_EXC = "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/"
OGC_CONF = "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/"

ECHO_INPUTS = {
    "stringInput": {"title": "A string", "description": "one of two words",
                    "schema": {"type": "string", "enum": ["Value1", "Value2"]},
                    "minOccurs": 1, "maxOccurs": 1},
    "measureInput": {"title": "A measure", "description": "a value with a unit",
                     "schema": {"type": "object", "required": ["measurement", "uom"],
                                "properties": {"measurement": {"type": "number"},
                                               "uom": {"type": "string"},
                                               "reference": {"type": "string", "format": "uri"}}},
                     "minOccurs": 0, "maxOccurs": 1},
    "dateInput": {"title": "A date", "description": "an RFC 3339 date-time",
                  "schema": {"type": "string", "format": "date-time"}, "minOccurs": 0, "maxOccurs": 1},
    "doubleInput": {"title": "A number", "description": "greater than 0, at most 10",
                    "schema": {"type": "number", "minimum": 0, "maximum": 10, "default": 5,
                               "exclusiveMinimum": True},
                    "minOccurs": 0, "maxOccurs": 1},
    "arrayInput": {"title": "An array", "description": "two to ten integers",
                   "schema": {"type": "array", "minItems": 2, "maxItems": 10, "items": {"type": "integer"}},
                   "minOccurs": 0, "maxOccurs": 1},
    "complexObjectInput": {"title": "An object", "description": "a small object",
                           "schema": {"type": "object", "required": ["property1", "property5"],
                                      "properties": {"property1": {"type": "string"},
                                                     "property2": {"type": "string", "pattern": "^\\d{3}-[a-z]+$"},
                                                     "property5": {"type": "boolean"}}},
                           "minOccurs": 0, "maxOccurs": 1},
    "boundingBoxInput": {"title": "A bounding box", "description": "a bbox",
                         "schema": {"type": "object", "required": ["bbox"], "format": "ogc-bbox",
                                    "properties": {"bbox": {"type": "array", "items": {"type": "number"},
                                                            "oneOf": [{"minItems": 4, "maxItems": 4},
                                                                      {"minItems": 6, "maxItems": 6}]},
                                                   "crs": {"type": "string"}}},
                         "minOccurs": 0, "maxOccurs": 1},
    "imagesInput": {"title": "Images", "description": "base64 images",
                    "schema": {"oneOf": [{"type": "string", "format": "byte", "contentMediaType": "image/tiff"},
                                         {"type": "string", "format": "byte", "contentMediaType": "image/jp2"}]},
                    "minOccurs": 0, "maxOccurs": 150},
    "pause": {"title": "Pause", "description": "seconds to sleep",
              "schema": {"type": "integer", "minimum": 0, "maximum": 60}, "minOccurs": 0, "maxOccurs": 1},
}
ECHO_OUTPUTS = {k: {"title": v["title"], "description": v["description"], "schema": v["schema"]}
                for k, v in ECHO_INPUTS.items() if k != "pause"}


def echo_description(pid="echo", jco=("sync-execute", "async-execute", "dismiss"), title="Echo"):
    return {"id": pid, "title": title, "description": "returns its inputs as outputs",
            "version": "1.0.0", "keywords": ["test"], "metadata": [],
            "jobControlOptions": list(jco), "outputTransmission": ["value", "reference"],
            "inputs": ECHO_INPUTS, "outputs": ECHO_OUTPUTS}


def insert_process(db, description, available=True):
    definition = {"id": description["id"], "version": description["version"],
                  "host": {"type": "local"}, "command": ["/bin/true"],
                  "config": {"priority": 3, "maxAttempts": 2},
                  "inputs": description["inputs"], "outputs": description["outputs"]}
    db.query("INSERT INTO quern.processes (id, version, description, definition, available) "
             "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET description = EXCLUDED.description, "
             "definition = EXCLUDED.definition, available = EXCLUDED.available",
             (description["id"], description["version"], json.dumps(description),
              json.dumps(definition), available))


def run_job(db, job_id, status="successful", results=None, exception=None):
    """Plays the runner: claims the job, then ends it (fires quern_done)."""
    db.query("UPDATE quern.jobs SET status='running', runner='test', started=now(), "
             "lease_until=now() + interval '1 minute' WHERE id=%s AND status='accepted'", (job_id,))
    db.query("UPDATE quern.jobs SET status=%s, finished=now(), progress=100, results=%s, exception=%s "
             "WHERE id=%s", (status, json.dumps(results) if results is not None else None,
                             json.dumps(exception) if exception is not None else None, job_id))


class OgcSchemas:
    """Validates documents against the official YAML schemas (schemas/NAME.yaml)."""

    def __init__(self):
        self.base = os.path.join(SHARED, "schemas")
        self.cache = {}

    def _load(self, uri):
        path = urllib.parse.urlparse(uri).path
        if path not in self.cache:
            with open(path) as f:
                doc = yaml.safe_load(f)
            # The official inputValueNoObject lists "type: string" next to the binary
            # string and "number" next to "integer" under oneOf, so no string or integer
            # can ever match exactly one branch; it is meant as anyOf.
            if os.path.basename(path) == "inputValueNoObject.yaml":
                doc = {"anyOf": doc["oneOf"]}
            self.cache[path] = doc
        return self.cache[path]

    def validate(self, name, instance):
        uri = "file://" + os.path.join(self.base, name + ".yaml")
        schema = self._load(uri)
        resolver = jsonschema.RefResolver(uri, schema, handlers={"file": self._load})
        jsonschema.Draft4Validator(schema, resolver=resolver).validate(instance)


def links_by_rel(doc):
    out = {}
    for link in doc.get("links", []):
        out.setdefault(link["rel"], []).append(link)
    return out


class ApiStack(Stack):
    """A Stack with the echo fixture and a handful of extra processes."""

    def __init__(self, name, extra=0, real_plugins=False, **kw):
        if not real_plugins:
            # Only the fixtures below: counts and pages stay exact.
            empty = os.path.join(os.environ.get("QUERN_TEST_OUT", "/tmp"), "no-plugins")
            os.makedirs(empty, exist_ok=True)
            kw.setdefault("plugins", empty)
        super().__init__(name, **kw)
        if real_plugins:
            return
        insert_process(self.db, echo_description())
        insert_process(self.db, echo_description("echo-async", jco=("async-execute", "dismiss")))
        insert_process(self.db, echo_description("echo-sync", jco=("sync-execute",)))
        for i in range(extra):
            insert_process(self.db, echo_description(f"p{i:03d}", title=f"Process {i}"))


class FakeRunner:
    """Plays the runner in a thread until stopped: every accepted job of the given
    processes ends successful with its inputs as results (an echo), or failed when
    the inputs hold stringInput == "Value2" and fail=True. A job whose pause input is 5 or
    more stays running (an echo still sleeping)."""

    def __init__(self, db, processes=("echo", "echo-sync", "echo-async"), fail=False, delay=0.0):
        import threading
        self.db_conn = db.connect()
        self.processes = list(processes)
        self.fail = fail
        self.delay = delay
        self.stop_ev = threading.Event()
        self.finished = {}  # job id -> time.monotonic() when it was ended
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        import time
        cur = self.db_conn.cursor()
        while not self.stop_ev.is_set():
            cur.execute("SELECT id::text, request FROM quern.jobs WHERE status='accepted' "
                        "AND process_id = ANY(%s)", (self.processes,))
            for jid, req in cur.fetchall():
                if self.delay:
                    time.sleep(self.delay)
                inputs = req.get("inputs", {})
                cur.execute("UPDATE quern.jobs SET status='running', runner='fake', started=now(), "
                            "lease_until=now() + interval '1 minute' WHERE id=%s AND status='accepted'",
                            (jid,))
                if isinstance(inputs.get("pause"), (int, float)) and inputs["pause"] >= 5:
                    continue  # a long pause: the job stays running
                if self.fail and inputs.get("stringInput") == "Value2":
                    cur.execute("UPDATE quern.jobs SET status='failed', finished=now(), exception=%s "
                                "WHERE id=%s AND status='running'",
                                (json.dumps({"type": "urn:quern:exit", "title": "exit status 3",
                                             "status": 500, "detail": "the process failed"}), jid))
                else:
                    cur.execute("UPDATE quern.jobs SET status='successful', finished=now(), progress=100, "
                                "results=%s WHERE id=%s AND status='running'", (json.dumps(inputs), jid))
                self.finished[jid] = time.monotonic()
            self.stop_ev.wait(0.02)

    def stop(self):
        self.stop_ev.set()
        self.thread.join(5)
        self.db_conn.close()
