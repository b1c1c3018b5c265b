"""Database backends under `Store`: an embedded SQLite file (the default) or a
PostgreSQL server shared by a team. One SQL dialect is written against both (`?`
placeholders, `ON CONFLICT` upserts, `DOUBLE PRECISION` times); this module holds what
differs: connecting, write transactions, the schema version, LangGraph's checkpointer.

- **SQLite**: a file path. WAL mode, a busy timeout, `BEGIN IMMEDIATE` write
  transactions (writers queue instead of failing mid-way), schema version in `PRAGMA
  user_version`, LangGraph's `SqliteSaver` on its own connection to the same file.
- **PostgreSQL**: a `postgresql://` (or `postgres://`) URL. One psycopg connection in
  autocommit mode; a write transaction takes a transaction-scoped advisory lock
  (`LOCK_KEY`), so writes from every process serialise the way SQLite's do and a
  revision number is never handed out twice. Schema version in `committee_schema`;
  LangGraph's `PostgresSaver` (`langgraph-checkpoint-postgres`) keeps its tables in the
  same database. The optional extra: `pip install 'committee[postgres]'`.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import platformdirs

from committee.errors import BadInput

BUSY_TIMEOUT_MS = 30_000
LOCK_KEY = 0x636F6D6D  # "comm": the advisory lock every PostgreSQL write transaction takes
URL_RE = re.compile(r"^postgres(?:ql)?://", re.IGNORECASE)


def is_url(target: str | Path | None) -> bool:
    """Whether `target` names a PostgreSQL server rather than a SQLite file."""
    return target is not None and bool(URL_RE.match(str(target)))


def default_target() -> str:
    """`COMMITTEE_DB` if set (a path or a postgresql:// URL), else the per-user data
    directory's `committee.db`."""
    env = os.environ.get("COMMITTEE_DB", "").strip()
    return env or str(Path(platformdirs.user_data_dir("committee")) / "committee.db")


def display(target: str) -> str:
    """`target` fit to print: a URL with its password replaced by `***`."""
    return re.sub(r"(://[^:/@]+:)[^/?#]*@", r"\1***@", target) if is_url(target) else target


class Row(tuple):
    """A result row readable by position and by column name (like `sqlite3.Row`), so
    `dict(row)` gives the columns."""

    _names: tuple[str, ...]

    def __new__(cls, names: tuple[str, ...], values: Sequence[Any]):
        row = super().__new__(cls, values)
        row._names = names
        return row

    def keys(self) -> tuple[str, ...]:
        return self._names

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names.index(key))
        return tuple.__getitem__(self, key)


def _pg_rows(cursor):
    names = tuple(c.name for c in cursor.description or ())
    return lambda values: Row(names, values)


class Database:
    """One connection to the project database, whichever backend. `execute` takes SQL
    with `?` placeholders and returns a cursor (`fetchone`, `fetchall`, iteration) of
    rows readable by index and name. Raises BadInput when the database cannot be opened
    (not a database file, an unreachable server, the PostgreSQL extra missing)."""

    def __init__(self, target: str | Path):
        self.target = str(target)
        self.kind = "postgres" if is_url(target) else "sqlite"
        self.label = display(self.target)
        self._lock = threading.RLock()
        self._saver = None
        if self.kind == "postgres":
            psycopg = _psycopg()
            try:
                self.conn = psycopg.connect(self.target, autocommit=True, row_factory=_pg_rows, connect_timeout=10)
            except psycopg.Error as exc:
                raise BadInput(f"{self.label}: cannot connect to PostgreSQL ({' '.join(str(exc).split())})") from None
        else:
            self.conn = connect_sqlite(Path(self.target))

    # ------------------------------------------------------------------ SQL
    def execute(self, sql: str, params: Sequence[Any] = ()):
        if self.kind == "postgres":
            return self.conn.execute(sql.replace("%", "%%").replace("?", "%s"), tuple(params))
        return self.conn.execute(sql, tuple(params))

    @contextmanager
    def tx(self) -> Iterator[Database]:
        """A short write transaction, serialised against every other writer (SQLite:
        BEGIN IMMEDIATE; PostgreSQL: the `LOCK_KEY` advisory lock)."""
        with self._lock:
            if self.kind == "postgres":
                with self.conn.transaction():
                    self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
                    yield self
                return
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")

    def migrate(self, migrations: list[str]) -> None:
        """Apply the numbered `migrations` this database lacks (statements separated by
        `;`), each in one write transaction, safe when several processes start at once."""
        if self.kind == "postgres" and self.execute("SELECT to_regclass('committee_schema')").fetchone()[0] is None:
            with self.tx():
                self.execute("CREATE TABLE IF NOT EXISTS committee_schema (version INTEGER NOT NULL)")
                if self.execute("SELECT version FROM committee_schema").fetchone() is None:
                    self.execute("INSERT INTO committee_schema(version) VALUES (0)")
        for i, sql in enumerate(migrations, start=1):
            if self._version() >= i:
                continue
            with self.tx():
                if self._version() < i:  # another process may have won
                    for stmt in filter(str.strip, sql.split(";")):
                        self.execute(stmt)
                    if self.kind == "postgres":
                        self.execute("UPDATE committee_schema SET version=?", (i,))
                    else:
                        self.conn.execute(f"PRAGMA user_version={i}")

    def _version(self) -> int:
        if self.kind == "postgres":
            return self.execute("SELECT version FROM committee_schema").fetchone()[0]
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    # ------------------------------------------------------------ checkpoints
    def checkpointer(self):
        """LangGraph's checkpointer on this database, on a connection of its own
        (created once; its tables are set up on first use)."""
        if self._saver is not None:
            return self._saver
        if self.kind == "postgres":
            from langgraph.checkpoint.postgres import PostgresSaver
            from psycopg.rows import dict_row

            conn = _psycopg().connect(self.target, autocommit=True, prepare_threshold=0, row_factory=dict_row)
            saver = PostgresSaver(conn)
            self._setup_checkpoints(saver)
            self._saver = saver
        else:
            from langgraph.checkpoint.sqlite import SqliteSaver

            self._saver = SqliteSaver(connect_sqlite(Path(self.target), autocommit=False))
        return self._saver

    def _setup_checkpoints(self, saver) -> None:
        """Create or migrate the checkpointer's tables once per database. One process at
        a time does it, under a session advisory lock taken by polling
        (`pg_try_advisory_lock`): its migrations build indexes CONCURRENTLY, which wait
        for every open transaction, so no process may sit in a blocking lock wait then."""
        import time

        latest = len(saver.MIGRATIONS) - 1
        while not self._checkpoints_at(latest):
            if self.execute("SELECT pg_try_advisory_lock(?)", (LOCK_KEY + 1,)).fetchone()[0]:
                try:
                    if not self._checkpoints_at(latest):
                        saver.setup()
                finally:
                    self.execute("SELECT pg_advisory_unlock(?)", (LOCK_KEY + 1,))
                return
            time.sleep(0.1)

    def _checkpoints_at(self, version: int) -> bool:
        row = self.execute("SELECT to_regclass('checkpoint_migrations')").fetchone()
        if row[0] is None:
            return False
        latest = self.execute("SELECT max(v) FROM checkpoint_migrations").fetchone()[0]
        return latest is not None and latest >= version

    def close(self) -> None:
        if self._saver is not None:
            self._saver.conn.close()
        self.conn.close()


def connect_sqlite(path: Path, autocommit: bool = True) -> sqlite3.Connection:
    """A SQLite connection usable from LangGraph's worker threads
    (check_same_thread=False), in WAL mode with a busy timeout. `autocommit=False`
    leaves transactions to the caller's commit() (what LangGraph's saver expects)."""
    conn = sqlite3.connect(
        str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False, isolation_level=None if autocommit else ""
    )
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def _psycopg():
    try:
        import psycopg
    except ImportError:
        raise BadInput(
            "a postgresql:// database needs the PostgreSQL extra: pip install 'committee[postgres]'"
        ) from None
    try:
        import langgraph.checkpoint.postgres  # noqa: F401
    except ImportError:
        raise BadInput(
            "a postgresql:// database needs langgraph-checkpoint-postgres: pip install 'committee[postgres]'"
        ) from None
    return psycopg
