"""SQLite storage: packets, revisions and runs, plus LangGraph's checkpoints, in one file.

Path: `--db`, else `COMMITTEE_DB`, else `<user data dir>/committee/committee.db`
(platformdirs). The file is opened in WAL mode with a busy timeout so several
processes can review at once; every write is a short transaction. Schema changes are
numbered migrations tracked in `PRAGMA user_version`. LangGraph's `SqliteSaver` keeps
its own tables (`checkpoints`, `writes`) in the same file; thread id = run id.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import platformdirs
from langgraph.checkpoint.sqlite import SqliteSaver

from committee.errors import BadInput
from committee.models import Packet, RunResult, Usage

BUSY_TIMEOUT_MS = 30_000

MIGRATIONS: list[str] = [
    # 1: packets, revisions, runs
    """
    CREATE TABLE packets (
        key TEXT PRIMARY KEY,
        candidate TEXT,
        created_at REAL NOT NULL
    );
    CREATE TABLE revisions (
        key TEXT NOT NULL REFERENCES packets(key),
        revision INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        text TEXT NOT NULL,
        packet_json TEXT NOT NULL,
        created_at REAL NOT NULL,
        PRIMARY KEY (key, revision),
        UNIQUE (key, sha256)
    );
    CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        packet_key TEXT NOT NULL,
        revision INTEGER NOT NULL,
        scenario TEXT NOT NULL,
        engine TEXT NOT NULL,
        model TEXT,
        protocol TEXT NOT NULL,
        rounds INTEGER NOT NULL,
        panel TEXT NOT NULL,
        options TEXT NOT NULL DEFAULT '{}',
        status TEXT NOT NULL,
        outcome TEXT,
        votes TEXT,
        result TEXT,
        error TEXT,
        created_at REAL NOT NULL,
        finished_at REAL,
        FOREIGN KEY (packet_key, revision) REFERENCES revisions(key, revision)
    );
    CREATE INDEX runs_created ON runs(created_at DESC);
    CREATE INDEX runs_packet ON runs(packet_key, revision);
    """,
    # 2: trust studies (stability, probe, calibration): one JSON row per study; the
    # runs it made are ordinary rows of `runs`
    """
    CREATE TABLE studies (
        study_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        packet_key TEXT,
        engine TEXT NOT NULL,
        params TEXT NOT NULL DEFAULT '{}',
        summary TEXT NOT NULL,
        run_ids TEXT NOT NULL DEFAULT '[]',
        created_at REAL NOT NULL
    );
    CREATE INDEX studies_kind ON studies(kind, created_at DESC);
    """,
    # 3: which process owns a running run (host:pid), so `resume` can refuse to run a
    # run twice at once
    """
    ALTER TABLE runs ADD COLUMN owner TEXT
    """,
    # 4: the run context (packet, scenario, signals, panel) stored once per run; the
    # graph's checkpoints hold only what changes, and `resume` rebuilds the context here
    """
    ALTER TABLE runs ADD COLUMN context TEXT
    """,
    # 5: tokens of calls that failed for good (paid for, carried by no result): a Usage
    # JSON summed over every attempt of the run, added to the finished run's usage
    """
    ALTER TABLE runs ADD COLUMN failed_usage TEXT
    """,
]


# Study variants (stability shuffles, probe swaps) are stored under `KEY--<kind>`
# (`trust.common.derived_key`), never as revisions of the candidate's own packet.
STUDY_KINDS = ("stability", "probe")
STUDY_KEY_SUFFIXES = tuple(f"--{k}" for k in STUDY_KINDS)


def this_process() -> str:
    """`host:pid` of the current process (the owner recorded on a running run)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_alive(owner: str | None) -> bool:
    """True when `owner` (host:pid) is another live process on this host."""
    if not owner or owner == this_process():
        return False
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def default_db_path() -> Path:
    """`COMMITTEE_DB` if set, else the per-user data directory."""
    env = os.environ.get("COMMITTEE_DB")
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir("committee")) / "committee.db"


@dataclass(frozen=True)
class RunRow:
    """A row of `runs` (JSON columns decoded). `status` is running | done | failed."""

    run_id: str
    packet_key: str
    revision: int
    scenario: str
    engine: str
    model: str | None
    protocol: str
    rounds: int
    panel: list[str]
    options: dict[str, Any]
    status: str
    outcome: str | None
    votes: dict[str, str] | None
    error: str | None
    created_at: float
    finished_at: float | None
    owner: str | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "RunRow":
        d = dict(row)
        d.pop("result", None)
        d.pop("context", None)
        d.pop("failed_usage", None)
        d["panel"] = json.loads(d["panel"])
        d["options"] = json.loads(d["options"] or "{}")
        d["votes"] = json.loads(d["votes"]) if d["votes"] else None
        return cls(**d)


def connect(path: Path, autocommit: bool = True) -> sqlite3.Connection:
    """A connection usable from LangGraph's worker threads (check_same_thread=False),
    in WAL mode with a busy timeout. `autocommit=False` leaves transactions to the
    caller's commit() (what LangGraph's saver expects)."""
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False,
                           isolation_level=None if autocommit else "")
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


class Store:
    """The project database. Use as a context manager or call `close()`.

    Raises BadInput when the path cannot be opened as a database (a directory, a
    non-SQLite file, a missing parent folder that cannot be created), or, with
    `create=False` (read-only commands), when no file exists there yet.
    """

    def __init__(self, path: str | Path | None = None, *, create: bool = True):
        self.path = Path(path) if path else default_db_path()
        self._lock = threading.Lock()
        self._saver: SqliteSaver | None = None
        if self.path.is_dir():
            raise BadInput(f"{self.path}: is a directory, not a database file")
        if not create and not self.path.exists():
            raise BadInput(f"{self.path}: no database here yet (nothing has been reviewed with it; see `committee review --help`)")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = connect(self.path)
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise BadInput(f"{self.path}: not a committee database ({exc})") from exc
        except OSError as exc:
            raise BadInput(f"{self.path}: cannot open database ({exc.strerror})") from exc

    # ------------------------------------------------------------------ plumbing
    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._saver is not None:
            self._saver.conn.close()
        self.conn.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A short write transaction (BEGIN IMMEDIATE: takes the write lock up front so
        concurrent writers queue on the busy timeout instead of failing mid-way)."""
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        for i, sql in enumerate(MIGRATIONS[version:], start=version + 1):
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                if self.conn.execute("PRAGMA user_version").fetchone()[0] < i:  # another process may have won
                    for stmt in filter(str.strip, sql.split(";")):
                        self.conn.execute(stmt)
                    self.conn.execute(f"PRAGMA user_version={i}")
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise

    def checkpointer(self) -> SqliteSaver:
        """LangGraph's SQLite checkpointer on this file (its own connection)."""
        if self._saver is None:
            self._saver = SqliteSaver(connect(self.path, autocommit=False))
        return self._saver

    # ---------------------------------------------------------- packets/revisions
    def save_packet(self, packet: Packet) -> Packet:
        """Store a revision and return the packet with `revision` set: the same key and
        content as a stored revision reuse it; new content becomes max + 1."""
        sha = packet.sha256
        now = time.time()
        with self.tx() as c:
            row = c.execute("SELECT revision FROM revisions WHERE key=? AND sha256=?", (packet.key, sha)).fetchone()
            if row:
                return packet.model_copy(update={"revision": row[0]})
            c.execute("INSERT OR IGNORE INTO packets(key, candidate, created_at) VALUES (?,?,?)", (packet.key, packet.candidate, now))
            rev = c.execute("SELECT COALESCE(MAX(revision), 0) + 1 FROM revisions WHERE key=?", (packet.key,)).fetchone()[0]
            stored = packet.model_copy(update={"revision": rev})
            c.execute(
                "INSERT INTO revisions(key, revision, sha256, text, packet_json, created_at) VALUES (?,?,?,?,?,?)",
                (packet.key, rev, sha, packet.text, stored.model_dump_json(), now),
            )
            return stored

    def get_revision(self, key: str, revision: int) -> Packet:
        row = self.conn.execute("SELECT packet_json FROM revisions WHERE key=? AND revision=?", (key, revision)).fetchone()
        if not row:
            raise BadInput(f"no revision {revision} of packet {key!r}")
        return Packet.model_validate_json(row[0])

    def revisions(self, key: str) -> list[Packet]:
        """All revisions of `key`, oldest first. Raises BadInput for an unknown key."""
        rows = self.conn.execute("SELECT packet_json FROM revisions WHERE key=? ORDER BY revision", (key,)).fetchall()
        if not rows:
            raise BadInput(f"no packet with key {key!r}")
        return [Packet.model_validate_json(r[0]) for r in rows]

    def packet_keys(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT key FROM packets ORDER BY key")]

    # ---------------------------------------------------------------------- runs
    def create_run(self, run_id: str, packet: Packet, *, scenario: str, engine: str, model: str | None,
                   protocol: str, rounds: int, panel: list[str], options: dict[str, Any] | None = None,
                   context: str | None = None) -> None:
        """Insert a run as `running`, owned by this process. `context` is the run
        context JSON (`runner.context_json`) that `resume` needs."""
        with self.tx() as c:
            c.execute(
                "INSERT INTO runs(run_id, packet_key, revision, scenario, engine, model, protocol, rounds, panel,"
                " options, status, created_at, owner, context) VALUES (?,?,?,?,?,?,?,?,?,?, 'running', ?, ?, ?)",
                (run_id, packet.key, packet.revision, scenario, engine, model, protocol, rounds,
                 json.dumps(panel), json.dumps(options or {}), time.time(), this_process(), context),
            )

    def finish_run(self, result: RunResult) -> None:
        votes = {p: v.value for p, v in result.votes.items()}
        with self.tx() as c:
            c.execute(
                "UPDATE runs SET status='done', outcome=?, votes=?, result=?, error=NULL, finished_at=? WHERE run_id=?",
                (result.decision.outcome, json.dumps(votes), result.model_dump_json(), time.time(), result.run_id),
            )

    def fail_run(self, run_id: str, error: str) -> None:
        with self.tx() as c:
            c.execute("UPDATE runs SET status='failed', error=?, finished_at=? WHERE run_id=?", (error[:2000], time.time(), run_id))

    def add_failed_usage(self, run_id: str, usage: Usage) -> None:
        """Add the usage of calls that failed for good to the run's tally."""
        with self.tx() as c:
            row = c.execute("SELECT failed_usage FROM runs WHERE run_id=?", (run_id,)).fetchone()
            before = Usage.model_validate_json(row[0]) if row and row[0] else Usage()
            c.execute("UPDATE runs SET failed_usage=? WHERE run_id=?", ((before + usage).model_dump_json(), run_id))

    def failed_usage(self, run_id: str) -> Usage:
        """The run's tally of failed calls' usage (zero when none failed)."""
        row = self.conn.execute("SELECT failed_usage FROM runs WHERE run_id=?", (run_id,)).fetchone()
        return Usage.model_validate_json(row[0]) if row and row[0] else Usage()

    def mark_running(self, run_id: str) -> None:
        with self.tx() as c:
            c.execute("UPDATE runs SET status='running', error=NULL, owner=? WHERE run_id=?", (this_process(), run_id))

    def resolve_run_id(self, ref: str) -> str:
        """A full run id from `ref`: an exact id, `latest` (the newest run of a packet
        you submitted; the variants `stability` and `probe` store, keyed `KEY--stability`
        and `KEY--probe`, count only when nothing else is stored), or a unique
        prefix of at least 4 characters. Raises BadInput when none or several match."""
        ref = ref.strip()
        if ref == "latest":  # the newest run of a user's own packet, not a study's variant
            own = " AND ".join("packet_key NOT LIKE ?" for _ in STUDY_KEY_SUFFIXES)
            row = self.conn.execute(f"SELECT run_id FROM runs WHERE {own} ORDER BY created_at DESC LIMIT 1",
                                    [f"%{sfx}" for sfx in STUDY_KEY_SUFFIXES]).fetchone() \
                or self.conn.execute("SELECT run_id FROM runs ORDER BY created_at DESC LIMIT 1").fetchone()
            if not row:
                raise BadInput("no runs stored yet (see `committee review --help`)")
            return row[0]
        if self.conn.execute("SELECT 1 FROM runs WHERE run_id=?", (ref,)).fetchone():
            return ref
        if len(ref) >= 4:
            like = ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            rows = [r[0] for r in self.conn.execute("SELECT run_id FROM runs WHERE run_id LIKE ? ESCAPE '\\' LIMIT 5", (like,))]
            if len(rows) == 1:
                return rows[0]
            if rows:
                raise BadInput(f"run id prefix {ref!r} is ambiguous ({', '.join(rows)}...): give more characters")
        raise BadInput(f"no run with id {ref!r} (see `committee runs`)")

    def get_context(self, run_id: str) -> str:
        """The stored run context JSON. Raises BadInput for a run stored without one."""
        row = self.conn.execute("SELECT context FROM runs WHERE run_id=?", (run_id,)).fetchone()
        if not row or not row[0]:
            raise BadInput(f"run {run_id} has no stored context to resume from")
        return row[0]

    def get_run(self, run_id: str) -> RunRow:
        """Raises BadInput for an unknown run id."""
        row = self.conn.execute("SELECT * FROM runs WHERE run_id=?", (run_id,)).fetchone()
        if not row:
            raise BadInput(f"no run with id {run_id!r} (see `committee runs`)")
        return RunRow.from_row(row)

    def get_result(self, run_id: str) -> RunResult | None:
        """The stored contract object of a finished run, or None if it did not finish."""
        row = self.conn.execute("SELECT result FROM runs WHERE run_id=?", (run_id,)).fetchone()
        if not row:
            raise BadInput(f"no run with id {run_id!r} (see `committee runs`)")
        return RunResult.model_validate_json(row[0]) if row[0] else None

    def list_runs(self, limit: int = 50, packet_key: str | None = None) -> list[RunRow]:
        """Newest first; one indexed query, no checkpoint is loaded."""
        if packet_key:
            rows = self.conn.execute("SELECT * FROM runs WHERE packet_key=? ORDER BY created_at DESC LIMIT ?", (packet_key, limit))
        else:
            rows = self.conn.execute("SELECT * FROM runs ORDER BY created_at DESC LIMIT ?", (limit,))
        return [RunRow.from_row(r) for r in rows]

    # ------------------------------------------------------------------- studies
    def save_study(self, study_id: str, kind: str, *, engine: str, summary: dict[str, Any],
                   packet_key: str | None = None, params: dict[str, Any] | None = None,
                   run_ids: list[str] | None = None) -> None:
        """Store a trust study (`kind`: stability | probe | calibration) as one JSON row;
        the runs it made are ordinary runs, listed in `run_ids`."""
        with self.tx() as c:
            c.execute(
                "INSERT OR REPLACE INTO studies(study_id, kind, packet_key, engine, params, summary, run_ids, created_at)"
                " VALUES (?,?,?,?,?,?,?,?)",
                (study_id, kind, packet_key, engine, json.dumps(params or {}), json.dumps(summary, default=str),
                 json.dumps(run_ids or []), time.time()),
            )

    def get_study(self, study_id: str) -> dict[str, Any]:
        """A stored study with its JSON columns decoded. Raises BadInput for an unknown id."""
        row = self.conn.execute("SELECT * FROM studies WHERE study_id=?", (study_id,)).fetchone()
        if not row:
            raise BadInput(f"no study with id {study_id!r}")
        return _study(row)

    def list_studies(self, kind: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """Stored studies, newest first, optionally of one `kind`."""
        if kind:
            rows = self.conn.execute("SELECT * FROM studies WHERE kind=? ORDER BY created_at DESC LIMIT ?", (kind, limit))
        else:
            rows = self.conn.execute("SELECT * FROM studies ORDER BY created_at DESC LIMIT ?", (limit,))
        return [_study(r) for r in rows]


def _study(row: sqlite3.Row) -> dict[str, Any]:
    d = dict(row)
    for k in ("params", "summary", "run_ids"):
        d[k] = json.loads(d[k])
    return d
