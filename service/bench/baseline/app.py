"""The stack the notes service replaces, reduced to the benchmarked endpoint: Flask, psycopg2 with a
connection pool, JSON out, served by gunicorn sync workers (see gunicorn.conf.py).

    DATABASE_URL=postgresql://... /usr/bin/python3 -m gunicorn -c service/bench/baseline/gunicorn.conf.py \
        --chdir service/bench/baseline app:app

Reads the same `notes` table the service's migrations create.
"""

import os
import re
import threading

from flask import Flask, jsonify
from psycopg2.pool import ThreadedConnectionPool

app = Flask(__name__)

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

_pool = None
_pool_lock = threading.Lock()


def pool():
    # Created lazily, so each gunicorn worker (a forked process) opens its own connections.
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                _pool = ThreadedConnectionPool(1, int(os.environ.get("POOL_MAX", "2")), os.environ["DATABASE_URL"])
    return _pool


def problem(status, title, detail):
    response = jsonify({"type": "about:blank", "title": title, "status": status, "detail": detail})
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


@app.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@app.get("/v1/notes/<note_id>")
def get_note(note_id):
    if not UUID.match(note_id):
        return problem(400, "Invalid note id", f"{note_id!r} is not a note id")
    connections = pool()
    conn = connections.getconn()
    try:
        if not conn.autocommit:
            conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(
                "SELECT id, title, body, tags, version, created_at, updated_at FROM notes WHERE id = %s",
                (note_id,),
            )
            row = cur.fetchone()
    finally:
        connections.putconn(conn)
    if row is None:
        return problem(404, "Note not found", f"no note has id {note_id}")
    response = jsonify(
        {
            "id": str(row[0]),
            "title": row[1],
            "body": row[2],
            "tags": row[3],
            "version": row[4],
            "createdAt": row[5].isoformat(),
            "updatedAt": row[6].isoformat(),
        }
    )
    response.headers["ETag"] = f'"{row[4]}"'
    return response
