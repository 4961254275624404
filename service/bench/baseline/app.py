"""The stack the notes service replaces, reduced to the benchmarked endpoints (read one note, create one): Flask, psycopg2 with a
connection pool, JSON out, served by gunicorn sync workers (see gunicorn.conf.py).

    DATABASE_URL=postgresql://... /usr/bin/python3 -m gunicorn -c service/bench/baseline/gunicorn.conf.py \
        --chdir service/bench/baseline app:app

Reads the same `notes` table the service's migrations create.
"""

import os
import re
import threading

from flask import Flask, jsonify, request
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


def row_json(row):
    return {
        "id": str(row[0]),
        "title": row[1],
        "body": row[2],
        "tags": row[3],
        "version": row[4],
        "createdAt": row[5].isoformat(),
        "updatedAt": row[6].isoformat(),
    }


def query_one(sql, params):
    connections = pool()
    conn = connections.getconn()
    try:
        if not conn.autocommit:
            conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchone()
    finally:
        connections.putconn(conn)


COLUMNS = "id, title, body, tags, version, created_at, updated_at"


@app.post("/v1/notes")
def create_note():
    # The old stack's validation: a JSON object with a 1-200 character title, optional body and tags.
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("title"), str) or not 1 <= len(data["title"]) <= 200:
        return problem(400, "Request validation failed", "title must be 1 to 200 characters")
    body = data.get("body", "")
    tags = data.get("tags", [])
    if not isinstance(body, str) or not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        return problem(400, "Request validation failed", "body must be a string and tags a list of strings")
    row = query_one(
        f"INSERT INTO notes (title, body, tags) VALUES (%s, %s, %s) RETURNING {COLUMNS}",
        (data["title"], body, tags),
    )
    response = jsonify(row_json(row))
    response.status_code = 201
    response.headers["Location"] = f"/v1/notes/{row[0]}"
    response.headers["ETag"] = f'"{row[4]}"'
    return response


@app.get("/v1/notes/<note_id>")
def get_note(note_id):
    if not UUID.match(note_id):
        return problem(400, "Invalid note id", f"{note_id!r} is not a note id")
    row = query_one(f"SELECT {COLUMNS} FROM notes WHERE id = %s", (note_id,))
    if row is None:
        return problem(404, "Note not found", f"no note has id {note_id}")
    response = jsonify(row_json(row))
    response.headers["ETag"] = f'"{row[4]}"'
    return response
