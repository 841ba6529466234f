# SPDX-License-Identifier: MIT
"""Helpers of the runner tests: jobs inserted straight into quern.jobs (no API
needed), with definitions pointing at the small programs in progs/."""
import json
import os

PROGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "progs")


def definition(prog, config=None, outputs=None, command=None):
    return {
        "id": prog.split(".")[0],
        "version": "1.0.0",
        "host": {"type": "local"},
        "command": command or [os.path.join(PROGS, prog)],
        "config": config or {},
        "inputs": {},
        "outputs": outputs if outputs is not None else {"result": {"schema": {"type": "object"}}},
    }


def insert_job(db, prog, inputs=None, config=None, outputs=None, subscriber=None, max_attempts=1,
               priority=0, command=None, conn=None, backend="local", delay_s=0):
    """Inserts an accepted job as the API would; returns its id."""
    request = {"inputs": inputs or {}, "outputs": {}, "response": "document"}
    if subscriber:
        request["subscriber"] = subscriber
    d = definition(prog, config, outputs, command)
    c = conn or db.conn
    with c.cursor() as cur:
        cur.execute(
            "INSERT INTO quern.jobs (process_id, process_version, request, definition, backend,"
            " max_attempts, priority, not_before) VALUES (%s, '1.0.0', %s, %s, %s, %s, %s,"
            " now() + make_interval(secs => %s)) RETURNING id",
            (d["id"], json.dumps(request), json.dumps(d), backend, max_attempts, priority, delay_s))
        return str(cur.fetchone()[0])


def logs(db, job_id):
    return db.query("SELECT seq, stream, line FROM quern.job_logs WHERE job_id = %s ORDER BY seq",
                    (job_id,))


def pid_alive(pid):
    """True when pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
