"""Storage: packets, revisions and runs, plus LangGraph's checkpoints, in one database.

Where: `--db`, else `COMMITTEE_DB`, else `<user data dir>/committee/committee.db`
(platformdirs). A path is an embedded SQLite file (WAL mode, a busy timeout, so several
processes can review at once); a `postgresql://` URL is a PostgreSQL database a team
shares (`committee.db` holds what differs between the two). Every write is a short
transaction. Schema changes are numbered migrations (`MIGRATIONS`), run for both
backends. LangGraph's checkpointer keeps its own tables in the same database; thread
id = run id.

Run ownership: a running run records its owner (`host:pid`) and a lease
(`lease_until`, seconds since the epoch) that the owning process renews every
`LEASE_S / 3` seconds while it works (`Store.heartbeat`). Another process may continue
the run once the owner is gone: on the same host, when that pid is dead; from any host,
when the lease has run out (`owner_alive`).
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from committee.errors import BadInput
from committee.models import Packet, RunResult, Usage
from committee.store.db import Database, display, is_url
from committee.store.db import default_target as default_db_path  # the database when none is given

LEASE_S = 30.0  # a running run's lease; its owner renews it every LEASE_S / 3 seconds

MIGRATIONS: list[str] = [
    # 1: packets, revisions, runs
    """
    CREATE TABLE packets (
        key TEXT PRIMARY KEY,
        candidate TEXT,
        created_at DOUBLE PRECISION NOT NULL
    );
    CREATE TABLE revisions (
        key TEXT NOT NULL REFERENCES packets(key),
        revision INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        text TEXT NOT NULL,
        packet_json TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL,
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
        created_at DOUBLE PRECISION NOT NULL,
        finished_at DOUBLE PRECISION,
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
        created_at DOUBLE PRECISION NOT NULL
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
    # 6: the owner's lease on a running run (seconds since the epoch), renewed by its
    # heartbeat: a run is safe to continue from another machine once the lease is out
    """
    ALTER TABLE runs ADD COLUMN lease_until DOUBLE PRECISION
    """,
    # 7: what-if forks (`committee fork`): a fork is a run of its own, linked to the run
    # it was forked from, with the change it makes as JSON (`{"mute": "safety-lead"}`)
    """
    ALTER TABLE runs ADD COLUMN parent_run_id TEXT;
    ALTER TABLE runs ADD COLUMN changed TEXT;
    CREATE INDEX runs_parent ON runs(parent_run_id)
    """,
    # 8: the unanswered twin of an answered run (`runner._finish_unanswered`): the run
    # the revision without the answers gets, for `compare`; the id of the answered run
    # it stands beside. Never `latest`, left out of `runs` and `stats` like study runs
    """
    ALTER TABLE runs ADD COLUMN twin_of TEXT
    """,
]


# Study variants (stability shuffles, probe swaps) are stored under `KEY--<kind>`
# (`trust.common.derived_key`), never as revisions of the candidate's own packet.
STUDY_KINDS = ("stability", "probe", "calibrate")
STUDY_KEY_SUFFIXES = tuple(f"--{k}" for k in STUDY_KINDS)
# the SQL condition for a run the user started (not an unanswered twin, `RunRow.twin_of`)
_STARTED = "twin_of IS NULL"
# the SQL condition (and its parameters) for a run the user started of their own packet,
# not a study's
_OWN_RUNS = (
    " AND ".join(["packet_key NOT LIKE ?" for _ in STUDY_KEY_SUFFIXES] + [_STARTED]),
    [f"%{sfx}" for sfx in STUDY_KEY_SUFFIXES],
)


def this_process() -> str:
    """`host:pid` of the current process (the owner recorded on a running run)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_alive(owner: str | None, lease_until: float | None = None) -> bool:
    """True when `owner` (host:pid) is another process that still holds the run: on
    this host, a live pid; on another host, a lease that has not run out."""
    if not owner or owner == this_process():
        return False
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname():
        return lease_until is not None and lease_until > time.time()
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def db_exists(target: str | Path | None) -> bool:
    """Whether there is a database at `target` (default: `default_db_path()`) to read:
    a SQLite file that exists, or any PostgreSQL URL (the server is asked on open)."""
    target = str(target or default_db_path())
    return is_url(target) or Path(target).expanduser().exists()


@dataclass(frozen=True)
class RunRow:
    """A row of `runs` (JSON columns decoded). `status` is running | done | failed |
    awaiting_answers (paused for follow-up answers: `committee answer`)."""

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
    lease_until: float | None = None
    parent_run_id: str | None = None  # a what-if fork: the run it was forked from
    changed: dict[str, Any] | None = None  # ... and the change it makes (`graph.fork`)
    twin_of: str | None = None  # an unanswered twin: the answered run it stands beside

    @property
    def shown_status(self) -> str:
        """`status` as a person should read it: a `running` run whose process is gone
        (killed, or its lease run out) is `stopped`, which `committee resume` continues."""
        if self.status == "running" and self.owner and self.owner != this_process():
            if not owner_alive(self.owner, self.lease_until):
                return "stopped"
        return self.status

    @property
    def finish_command(self) -> str:
        """The command that finishes this unfinished run, as users are told it: `committee
        answer RUN_ID` for a run waiting for answers, else `committee resume RUN_ID`."""
        verb = "answer" if self.status == "awaiting_answers" else "resume"
        return f"committee {verb} {self.run_id}"

    @classmethod
    def from_row(cls, row) -> RunRow:
        d = dict(row)
        d.pop("result", None)
        d.pop("context", None)
        d.pop("failed_usage", None)
        d["panel"] = json.loads(d["panel"])
        d["options"] = json.loads(d["options"] or "{}")
        d["votes"] = json.loads(d["votes"]) if d["votes"] else None
        d["changed"] = json.loads(d["changed"]) if d.get("changed") else None
        return cls(**d)


class Store:
    """The project database. Use as a context manager or call `close()`. `path` is a
    SQLite file path or a postgresql:// URL (default `default_db_path()`).

    Raises BadInput when it cannot be opened as a database (a directory, a non-SQLite
    file, a missing parent folder that cannot be created, an unreachable server), or,
    with `create=False` (read-only commands), when no SQLite file exists there yet.
    """

    def __init__(self, path: str | Path | None = None, *, create: bool = True):
        target = str(path) if path else default_db_path()
        self.label = display(target)
        if is_url(target):
            self.path = target
            self.db = Database(target)
        else:
            self.path = Path(target).expanduser()
            if self.path.is_dir():
                raise BadInput(f"{self.path}: is a directory, not a database file")
            if not create and not self.path.exists():
                raise BadInput(
                    f"{self.path}: no database here yet (nothing has been reviewed with it; see `committee review --help`)"
                )
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.db = Database(self.path)
            except sqlite3.DatabaseError as exc:
                raise BadInput(f"{self.path}: not a committee database ({exc})") from exc
            except OSError as exc:
                raise BadInput(f"{self.path}: cannot open database ({exc.strerror})") from exc
        try:
            self.db.migrate(MIGRATIONS)
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise BadInput(f"{self.label}: not a committee database ({exc})") from exc
        except Exception as exc:  # a PostgreSQL role that may not create the tables, a server gone
            self.db.close()
            if self.db.kind != "postgres":
                raise
            raise BadInput(
                f"{self.label}: cannot set up the committee tables ({' '.join(str(exc).split())}); the "
                "role must own the database or may CREATE in its schema public"
            ) from None
        self.conn = self.db  # `execute` with ? placeholders on either backend

    # ------------------------------------------------------------------ plumbing
    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def tx(self) -> Iterator[Database]:
        """A short write transaction, serialised against every other writer."""
        with self.db.tx() as c:
            yield c

    def checkpointer(self):
        """LangGraph's checkpointer on this database (its own connection)."""
        return self.db.checkpointer()

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
            c.execute(
                "INSERT INTO packets(key, candidate, created_at) VALUES (?,?,?) ON CONFLICT DO NOTHING",
                (packet.key, packet.candidate, now),
            )
            rev = c.execute(
                "SELECT COALESCE(MAX(revision), 0) + 1 FROM revisions WHERE key=?", (packet.key,)
            ).fetchone()[0]
            stored = packet.model_copy(update={"revision": rev})
            c.execute(
                "INSERT INTO revisions(key, revision, sha256, text, packet_json, created_at) VALUES (?,?,?,?,?,?)",
                (packet.key, rev, sha, packet.text, stored.model_dump_json(), now),
            )
            return stored

    def get_revision(self, key: str, revision: int) -> Packet:
        row = self.conn.execute(
            "SELECT packet_json FROM revisions WHERE key=? AND revision=?", (key, revision)
        ).fetchone()
        if not row:
            raise BadInput(f"no revision {revision} of packet {key!r}")
        return Packet.model_validate_json(row[0])

    def revisions(self, key: str) -> list[Packet]:
        """All revisions of `key`, oldest first. Raises BadInput for an unknown key."""
        rows = self.conn.execute("SELECT packet_json FROM revisions WHERE key=? ORDER BY revision", (key,)).fetchall()
        if not rows:
            own = [k for k in self.packet_keys() if not k.endswith(STUDY_KEY_SUFFIXES)]
            known = f"stored: {', '.join(own[:8])}{', ...' if len(own) > 8 else ''}" if own else "nothing is stored yet"
            raise BadInput(
                f"no packet with key {key!r} ({known}; the key is the front matter's `packet:`, "
                "else the file name; see `committee runs`)"
            )
        return [Packet.model_validate_json(r[0]) for r in rows]

    def packet_keys(self, *, latest_first: bool = False) -> list[str]:
        """Stored packet keys, by key; with `latest_first`, the packet most recently
        revised or run first (what a user worked on last)."""
        if latest_first:
            return [
                r[0]
                for r in self.conn.execute(
                    "SELECT p.key FROM packets p ORDER BY COALESCE((SELECT MAX(created_at) FROM runs r"
                    " WHERE r.packet_key = p.key), (SELECT MAX(created_at) FROM revisions v WHERE v.key = p.key),"
                    " p.created_at) DESC, p.key"
                )
            ]
        return [r[0] for r in self.conn.execute("SELECT key FROM packets ORDER BY key")]

    # ---------------------------------------------------------------------- runs
    def create_run(
        self,
        run_id: str,
        packet: Packet,
        *,
        scenario: str,
        engine: str,
        model: str | None,
        protocol: str,
        rounds: int,
        panel: list[str],
        options: dict[str, Any] | None = None,
        context: str | None = None,
        parent_run_id: str | None = None,
        changed: dict[str, Any] | None = None,
        twin_of: str | None = None,
    ) -> None:
        """Insert a run as `running`, owned by this process. `context` is the run
        context JSON (`runner.context_json`) that `resume` needs; a what-if fork gives
        the run it was forked from (`parent_run_id`) and the change it makes; an
        unanswered twin the answered run it stands beside (`twin_of`)."""
        with self.tx() as c:
            c.execute(
                "INSERT INTO runs(run_id, packet_key, revision, scenario, engine, model, protocol, rounds, panel,"
                " options, status, created_at, owner, context, lease_until, parent_run_id, changed, twin_of)"
                " VALUES (?,?,?,?,?,?,?,?,?,?, 'running', ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    packet.key,
                    packet.revision,
                    scenario,
                    engine,
                    model,
                    protocol,
                    rounds,
                    json.dumps(panel),
                    json.dumps(options or {}),
                    time.time(),
                    this_process(),
                    context,
                    time.time() + LEASE_S,
                    parent_run_id,
                    json.dumps(changed) if changed is not None else None,
                    twin_of,
                ),
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
            # only a run still running: a run already stored as done is never marked failed
            c.execute(
                "UPDATE runs SET status='failed', error=?, finished_at=? WHERE run_id=? AND status='running'",
                (error[:2000], time.time(), run_id),
            )

    def await_answers(self, run_id: str) -> None:
        """A running run paused for the candidate's answers: `awaiting_answers`, owned by
        no process (any process may answer it; `committee answer`)."""
        with self.tx() as c:
            c.execute(
                "UPDATE runs SET status='awaiting_answers', owner=NULL, lease_until=NULL WHERE run_id=? AND status='running'",
                (run_id,),
            )

    def answer_with(self, run_id: str, packet: Packet, context: str) -> None:
        """Point an answered run at the packet revision that carries the answers, with the
        run context it continues with (the answered run is that revision's run)."""
        with self.tx() as c:
            c.execute(
                "UPDATE runs SET revision=?, context=? WHERE run_id=? AND status='awaiting_answers'",
                (packet.revision, context, run_id),
            )

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
        """Take the run over: `running`, owned by this process, with a fresh lease."""
        with self.tx() as c:
            c.execute(
                "UPDATE runs SET status='running', error=NULL, owner=?, lease_until=? WHERE run_id=?",
                (this_process(), time.time() + LEASE_S, run_id),
            )

    def heartbeat(self, run_id: str) -> None:
        """Renew this process's lease on a running run (`LEASE_S` from now)."""
        with self.tx() as c:
            c.execute(
                "UPDATE runs SET lease_until=? WHERE run_id=? AND owner=? AND status='running'",
                (time.time() + LEASE_S, run_id, this_process()),
            )

    def resolve_run_id(self, ref: str) -> str:
        """A full run id from `ref`: an exact id, `latest` (the newest run of a packet
        you submitted; the variants `stability` and `probe` store, keyed `KEY--stability`
        and `KEY--probe`, count only when nothing else is stored; an unanswered twin,
        never), or a unique
        prefix of at least 4 characters. Raises BadInput when none or several match."""
        ref = ref.strip()
        if ref == "latest":  # the newest run of a user's own packet, not a study's variant
            own, params = _OWN_RUNS
            row = (
                self.conn.execute(
                    f"SELECT run_id FROM runs WHERE {own} ORDER BY created_at DESC LIMIT 1", params
                ).fetchone()
                or self.conn.execute(
                    f"SELECT run_id FROM runs WHERE {_STARTED} ORDER BY created_at DESC LIMIT 1"
                ).fetchone()
            )
            if not row:
                raise BadInput("no runs stored yet (see `committee review --help`)")
            return row[0]
        if self.conn.execute("SELECT 1 FROM runs WHERE run_id=?", (ref,)).fetchone():
            return ref
        if len(ref) >= 4:
            like = ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            rows = [
                r[0]
                for r in self.conn.execute("SELECT run_id FROM runs WHERE run_id LIKE ? ESCAPE '\\' LIMIT 5", (like,))
            ]
            if len(rows) == 1:
                return rows[0]
            if rows:
                raise BadInput(f"run id prefix {ref!r} is ambiguous ({', '.join(rows)}...): give more characters")
        short = " (a prefix needs at least 4 characters)" if len(ref) < 4 else ""
        raise BadInput(f"no run with id {ref!r}{short} (see `committee runs`)")

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

    def forks_of(self, run_id: str) -> list[RunRow]:
        """The what-if forks made of run `run_id`, newest first (none for an unknown id)."""
        rows = self.conn.execute("SELECT * FROM runs WHERE parent_run_id=? ORDER BY created_at DESC", (run_id,))
        return [RunRow.from_row(r) for r in rows]

    def get_result(self, run_id: str) -> RunResult | None:
        """The stored contract object of a finished run, or None if it did not finish."""
        row = self.conn.execute("SELECT result FROM runs WHERE run_id=?", (run_id,)).fetchone()
        if not row:
            raise BadInput(f"no run with id {run_id!r} (see `committee runs`)")
        return RunResult.model_validate_json(row[0]) if row[0] else None

    def list_runs(self, limit: int = 50, packet_key: str | None = None, studies: bool = True) -> list[RunRow]:
        """Newest first; one indexed query, no checkpoint is loaded. Without `studies`,
        the runs a study stored under its own keys (`KEY--stability`, ...) are left out
        (a `packet_key` given is always listed), and so are the unanswered twins
        (`RunRow.twin_of`): runs the user never started."""
        if packet_key:
            started = "" if studies else f" AND {_STARTED}"
            rows = self.conn.execute(
                f"SELECT * FROM runs WHERE packet_key=?{started} ORDER BY created_at DESC LIMIT ?", (packet_key, limit)
            )
        elif not studies:
            own, params = _OWN_RUNS
            rows = self.conn.execute(
                f"SELECT * FROM runs WHERE {own} ORDER BY created_at DESC LIMIT ?", [*params, limit]
            )
        else:
            rows = self.conn.execute("SELECT * FROM runs ORDER BY created_at DESC LIMIT ?", (limit,))
        return [RunRow.from_row(r) for r in rows]

    # ------------------------------------------------------------------- studies
    def save_study(
        self,
        study_id: str,
        kind: str,
        *,
        engine: str,
        summary: dict[str, Any],
        packet_key: str | None = None,
        params: dict[str, Any] | None = None,
        run_ids: list[str] | None = None,
    ) -> None:
        """Store a trust study (`kind`: stability | probe | calibration) as one JSON row;
        the runs it made are ordinary runs, listed in `run_ids`."""
        with self.tx() as c:
            c.execute(
                "INSERT INTO studies(study_id, kind, packet_key, engine, params, summary, run_ids, created_at)"
                " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(study_id) DO UPDATE SET kind=excluded.kind,"
                " packet_key=excluded.packet_key, engine=excluded.engine, params=excluded.params,"
                " summary=excluded.summary, run_ids=excluded.run_ids, created_at=excluded.created_at",
                (
                    study_id,
                    kind,
                    packet_key,
                    engine,
                    json.dumps(params or {}),
                    json.dumps(summary, default=str),
                    json.dumps(run_ids or []),
                    time.time(),
                ),
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
            rows = self.conn.execute(
                "SELECT * FROM studies WHERE kind=? ORDER BY created_at DESC LIMIT ?", (kind, limit)
            )
        else:
            rows = self.conn.execute("SELECT * FROM studies ORDER BY created_at DESC LIMIT ?", (limit,))
        return [_study(r) for r in rows]


def _study(row) -> dict[str, Any]:
    d = dict(row)
    for k in ("params", "summary", "run_ids"):
        d[k] = json.loads(d[k])
    return d
