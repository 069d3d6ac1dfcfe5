"""Sessions in SQLite (stdlib): every turn committed in its own transaction, versions of the model.

The user's message is written *before* it is processed, so a crash while extracting or drafting
never loses an answer; the interview state and the reply follow in a second transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    state_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    role TEXT NOT NULL,
    text TEXT NOT NULL,
    meta_json TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    PRIMARY KEY (session_id, idx)
);
CREATE TABLE IF NOT EXISTS versions (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    cause TEXT NOT NULL,
    model_json TEXT NOT NULL,
    PRIMARY KEY (session_id, version)
);
"""


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


class StoreError(RuntimeError):
    """A session or version does not exist, or the database cannot be used."""


@dataclass
class SessionInfo:
    id: str
    name: str
    created_at: str
    updated_at: str
    turns: int
    versions: int


@dataclass
class TurnRecord:
    idx: int
    role: str
    text: str
    meta: dict[str, Any]
    created_at: str


@dataclass
class VersionRecord:
    session_id: str
    version: int
    created_at: str
    cause: str
    model_json: str


class SessionStore:
    """One SQLite file in the workspace; safe to share between threads of one process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._conn.executescript(SCHEMA)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- sessions --------------------------------------------------------------------------------
    def create(self, name: str, state: dict[str, Any]) -> str:
        session_id = uuid.uuid4().hex[:12]
        now = _now()
        with self._tx() as conn:
            conn.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?)",
                         (session_id, name[:200] or "Untitled", now, now, json.dumps(state)))
        return session_id

    def exists(self, session_id: str) -> bool:
        with self._lock:
            row = self._conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone()
        return row is not None

    def load_state(self, session_id: str) -> dict[str, Any]:
        with self._lock:
            row = self._conn.execute("SELECT state_json FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise StoreError(f"no session {session_id!r}")
        return dict(json.loads(row[0]))

    def rename(self, session_id: str, name: str) -> None:
        with self._tx() as conn:
            cur = conn.execute("UPDATE sessions SET name = ?, updated_at = ? WHERE id = ?",
                               (name[:200] or "Untitled", _now(), session_id))
            if cur.rowcount == 0:
                raise StoreError(f"no session {session_id!r}")

    def delete(self, session_id: str) -> None:
        with self._tx() as conn:
            cur = conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
            if cur.rowcount == 0:
                raise StoreError(f"no session {session_id!r}")

    def all(self) -> list[SessionInfo]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT s.id, s.name, s.created_at, s.updated_at,"
                " (SELECT COUNT(*) FROM turns t WHERE t.session_id = s.id),"
                " (SELECT COUNT(*) FROM versions v WHERE v.session_id = s.id)"
                " FROM sessions s ORDER BY s.updated_at DESC, s.id"
            ).fetchall()
        return [SessionInfo(*row) for row in rows]

    # -- turns -----------------------------------------------------------------------------------
    def add_turn(self, session_id: str, role: str, text: str, meta: dict[str, Any] | None = None,
                 state: dict[str, Any] | None = None) -> int:
        """Append a turn (and optionally the new state) in one transaction; returns its index."""
        with self._tx() as conn:
            row = conn.execute("SELECT COALESCE(MAX(idx), -1) + 1 FROM turns WHERE session_id = ?",
                               (session_id,)).fetchone()
            if not conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone():
                raise StoreError(f"no session {session_id!r}")
            idx = int(row[0])
            now = _now()
            conn.execute("INSERT INTO turns VALUES (?, ?, ?, ?, ?, ?)",
                         (session_id, idx, role, text, json.dumps(meta or {}), now))
            if state is not None:
                conn.execute("UPDATE sessions SET state_json = ?, updated_at = ? WHERE id = ?",
                             (json.dumps(state), now, session_id))
            else:
                conn.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (now, session_id))
        return idx

    def save_state(self, session_id: str, state: dict[str, Any]) -> None:
        with self._tx() as conn:
            conn.execute("UPDATE sessions SET state_json = ?, updated_at = ? WHERE id = ?",
                         (json.dumps(state), _now(), session_id))

    def turns(self, session_id: str) -> list[TurnRecord]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT idx, role, text, meta_json, created_at FROM turns WHERE session_id = ? ORDER BY idx",
                (session_id,),
            ).fetchall()
        return [TurnRecord(r[0], r[1], r[2], json.loads(r[3]), r[4]) for r in rows]

    # -- versions --------------------------------------------------------------------------------
    def add_version(self, session_id: str, model_json: str, cause: str) -> int:
        with self._tx() as conn:
            row = conn.execute("SELECT COALESCE(MAX(version), 0) + 1 FROM versions WHERE session_id = ?",
                               (session_id,)).fetchone()
            version = int(row[0])
            conn.execute("INSERT INTO versions VALUES (?, ?, ?, ?, ?)",
                         (session_id, version, _now(), cause[:200], model_json))
            conn.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (_now(), session_id))
        return version

    def versions(self, session_id: str) -> list[VersionRecord]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT session_id, version, created_at, cause, model_json FROM versions"
                " WHERE session_id = ? ORDER BY version", (session_id,)
            ).fetchall()
        return [VersionRecord(*row) for row in rows]

    def version(self, session_id: str, version: int) -> VersionRecord:
        with self._lock:
            row = self._conn.execute(
                "SELECT session_id, version, created_at, cause, model_json FROM versions"
                " WHERE session_id = ? AND version = ?", (session_id, version)
            ).fetchone()
        if row is None:
            raise StoreError(f"no version {version} in session {session_id!r}")
        return VersionRecord(*row)
