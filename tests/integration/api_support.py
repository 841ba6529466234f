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
                self.cache[path] = yaml.safe_load(f)
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

    def __init__(self, name, extra=0, **kw):
        super().__init__(name, **kw)
        insert_process(self.db, echo_description())
        insert_process(self.db, echo_description("echo-async", jco=("async-execute", "dismiss")))
        insert_process(self.db, echo_description("echo-sync", jco=("sync-execute",)))
        for i in range(extra):
            insert_process(self.db, echo_description(f"p{i:03d}", title=f"Process {i}"))
