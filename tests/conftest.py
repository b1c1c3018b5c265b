"""Shared fixtures. No test may reach the network: sockets to anything but loopback
raise at once (an accidental real API request fails loudly instead of hanging)."""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

# Hermetic: a developer's own personas, scenarios and corpus (~/.config/committee),
# runs (~/.local/share/committee), fitted models (~/.cache/committee) and COMMITTEE_*
# settings never reach a test, nor the CLI subprocesses the tests start (they inherit
# the environment). One temporary home per run: pytest-xdist workers inherit the
# controller's (it is set before they start), so they share one fit cache.
_OWN_HOME = "COMMITTEE_TEST_HOME" not in os.environ  # this process made it (and removes it)
if _OWN_HOME:
    for _name in [n for n in os.environ if n.startswith("COMMITTEE_")]:
        del os.environ[_name]
    _home = Path(tempfile.mkdtemp(prefix="committee-test-"))
    os.environ["COMMITTEE_TEST_HOME"] = str(_home)
    os.environ["XDG_CONFIG_HOME"] = str(_home / "config")
    os.environ["XDG_DATA_HOME"] = str(_home / "data")
    os.environ["COMMITTEE_CACHE_DIR"] = str(_home / "cache" / "learned")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
# the examples plus a copy of the shared dev packets (tests/data/shared-eval), the same
# set on every clone
PACKETS = sorted(EXAMPLES.glob("*.md")) + sorted((ROOT / "tests" / "data" / "shared-eval" / "packets").glob("*.md"))

_real_connect = socket.socket.connect

# Files whose tests start real services or processes (Chromium, PostgreSQL, `langgraph
# dev`, CLI subprocesses with signals) or run the whole engine over packet sets: marked
# `slow`, left out of `make test-fast` (`-m "not slow"`), always in `make test`.
SLOW_FILES = {
    "test_browser.py",
    "test_browser_submit.py",
    "test_browser_debrief.py",
    "test_browser_fork.py",
    "test_browser_questions.py",
    "test_browser_walk.py",
    "test_browser_replay.py",
    "test_server.py",
    "test_postgres.py",
    "test_interrupt.py",
    "test_concurrency.py",
    "test_store.py",
    "test_ui_apptest.py",
    "test_trust_ui.py",
    "test_lint.py",
    "test_trust_calibrate.py",
    "test_trust_stability.py",
    "test_anthropic_cli.py",
    "test_cli.py",
}


def pytest_unconfigure(config):
    if _OWN_HOME:
        shutil.rmtree(os.environ["COMMITTEE_TEST_HOME"], ignore_errors=True)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.name in SLOW_FILES:
            item.add_marker(pytest.mark.slow)
    # the slow tests first (a stable sort: each file keeps its order): pytest-xdist hands
    # out tests in this order, so the long ones start early and the short ones fill the
    # workers at the end instead of one worker finishing a browser test alone
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def _guarded_connect(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if (
        isinstance(host, str)
        and (host.startswith("127.") or host in ("localhost", "::1"))
        or self.family == socket.AF_UNIX
    ):
        return _real_connect(self, address)
    raise RuntimeError(f"test tried to reach the network: {address!r}")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("COMMITTEE_DB", raising=False)


@pytest.fixture(scope="session", autouse=True)
def _learned_model_on_disk():
    """Fit the offline engine's learned layer once, before any test, so the CLI
    subprocesses the tests start load it from the disk cache instead of each fitting
    it (and racing) on a clean machine. Normally the shipped fit (no work); when its key
    is stale, one fit per run: the xdist workers share the cache folder and take turns
    (a file lock), so the second loads what the first saved."""
    from committee.engines.offline import learned

    cache = learned.cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / "fit.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        learned.get_model([])


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "committee.db"


@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL for the session (`tests/pg_service.py`); skipped, with the
    reason in one line, only where the server cannot start."""
    from tests.pg_service import start_postgres

    base = Path(tempfile.mkdtemp(prefix="committee-pg-"))
    try:
        server = start_postgres(base)
    except RuntimeError as exc:
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"PostgreSQL cannot start here: {exc}")
    yield server
    server.stop()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server) -> str:
    """The URL of a fresh, empty database on the session's PostgreSQL."""
    return pg_server.new_database()


@pytest.fixture
def store(db_path):
    from committee.store.runs import Store

    with Store(db_path) as s:
        yield s


def run_cli(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """Run `committee ARGS` in-process through the real entry point (`main`, with its
    exit-code mapping); returns (exit code, stdout, stderr)."""
    import sys

    from committee.cli import main

    monkeypatch.setattr(sys, "argv", ["committee", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out = capsys.readouterr()
    return code, out.out, out.err


# the browser modules' shared Chromium (one per module), visible to every test file that
# imports `page` or `mobile_page` from tests/browser_kit.py; last, since browser_kit
# imports ROOT from here
from tests.browser_kit import chromium  # noqa: E402, F401
