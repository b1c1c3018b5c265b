"""A real PostgreSQL server for tests and benches: Debian's `postgresql` package, a
fresh cluster in a temporary folder, listening only on a Unix socket there (no TCP
port, nothing shared with the machine's own server). Started once per test session.

As root, the cluster runs as the `postgres` system user (PostgreSQL refuses to run as
root); otherwise as the current user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path


def _bindir() -> Path | None:
    for pattern in ("/usr/lib/postgresql/*/bin",):
        found = sorted(
            glob.glob(pattern), key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0
        )
        for d in reversed(found):
            if (Path(d) / "initdb").exists():
                return Path(d)
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@dataclass
class PostgresServer:
    """A running cluster: `url(db)` is a libpq URL for database `db` on its socket."""

    base: Path
    bindir: Path
    user: str | None  # the system user it runs as (None: this process's user)

    @property
    def socket_dir(self) -> Path:
        return self.base / "socket"

    def url(self, db: str = "postgres") -> str:
        return f"postgresql://postgres@/{db}?host={self.socket_dir}"

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def _run(self, *cmd: str) -> subprocess.CompletedProcess:
        full = ["runuser", "-u", self.user, "--", *cmd] if self.user else list(cmd)
        return subprocess.run(full, capture_output=True, text=True, timeout=120)

    def start(self) -> None:
        data, log = self.base / "data", self.base / "server.log"
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if self.user:
            pw = pwd.getpwnam(self.user)
            for p in (self.base, self.socket_dir):
                os.chown(p, pw.pw_uid, pw.pw_gid)
        done = self._run(
            str(self.bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"
        )
        if done.returncode:
            raise RuntimeError(f"initdb failed: {done.stderr.strip().splitlines()[-1:]}")
        opts = (
            f"-c listen_addresses='' -k {self.socket_dir} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=200"
        )
        done = self._run(str(self.bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", opts, "-w", "start")
        if done.returncode:
            tail = log.read_text(errors="replace").strip().splitlines()[-1:] if log.exists() else []
            raise RuntimeError(f"pg_ctl start failed: {tail or done.stderr.strip()}")

    def stop(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.base / "data"), "-m", "immediate", "stop")


def start_postgres(base: Path) -> PostgresServer:
    """Start a cluster under `base` (an empty folder). Raises RuntimeError with the
    reason in one line when PostgreSQL is not installed or cannot start."""
    bindir = _bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    user = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise RuntimeError("running as root and there is no `postgres` user to run the server as") from None
        user = "postgres"
    server = PostgresServer(base=base, bindir=bindir, user=user)
    server.start()
    return server
