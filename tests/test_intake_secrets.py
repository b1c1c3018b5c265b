"""Data safety: the API key never reaches the database, logs, JSON output, `runs --json`
or exports (checked with a marker key, byte for byte)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest

from committee.cli import main
from tests.conftest import EXAMPLES, ROOT
from tests.fakes import with_transport

MARKER = "sk-ant-api03-MARKER-7f3c9e1d-never-store-me"
CLI = [sys.executable, "-c", "from committee.cli import main; main()"]


def _db_bytes(db) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(db.parent.glob(db.name + "*")))


def _inprocess(monkeypatch, capsys, db):
    def cli(*args: str) -> str:
        monkeypatch.setattr(sys, "argv", ["committee", *args, "--db", str(db)])
        try:
            main()
        except SystemExit as exc:
            assert not exc.code, capsys.readouterr().err
        captured = capsys.readouterr()
        assert MARKER not in captured.err
        return captured.out

    return cli


def test_key_in_the_environment_is_never_written_by_the_cli(monkeypatch, capsys, tmp_path, caplog):
    monkeypatch.setenv("ANTHROPIC_API_KEY", MARKER)
    caplog.set_level(logging.DEBUG)
    db = tmp_path / "c.db"
    cli = _inprocess(monkeypatch, capsys, db)
    out = cli("review", str(EXAMPLES / "borderline-api-pm.md"), "--json")
    run_id = out.split('"run_id":"')[1].split('"')[0]
    texts = [
        out,
        cli("review", str(EXAMPLES / "weak-growth-pm.md")),
        cli("runs", "--json"),
        cli("runs"),
        cli("replay", run_id, "--json"),
        cli("resume", run_id, "--json"),
        cli("history", "marcus-api-pm"),
    ]
    texts += [cli("export", run_id, "--format", fmt) for fmt in ("json", "md", "html")]
    assert all(MARKER not in t for t in texts)
    assert MARKER.encode() not in _db_bytes(db) and b"MARKER" not in _db_bytes(db)
    assert all(MARKER not in r.getMessage() for r in caplog.records)


@pytest.mark.slow  # CLI processes
def test_key_is_never_written_by_a_real_process(tmp_path):
    db = tmp_path / "c.db"
    env = {
        **{k: v for k, v in os.environ.items() if k != "COMMITTEE_DB"},
        "ANTHROPIC_API_KEY": MARKER,
        "ANTHROPIC_BASE_URL": "http://127.0.0.1:9",
    }
    for args in (["review", str(EXAMPLES / "strong-safety-pm.md"), "--json"], ["runs", "--json"]):
        proc = subprocess.run(
            [*CLI, *args, "--db", str(db)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert proc.stdout.strip() and MARKER not in proc.stdout and MARKER not in proc.stderr
    assert MARKER.encode() not in _db_bytes(db)


def test_anthropic_engine_run_keeps_the_key_out_of_db_logs_and_json(monkeypatch, capsys, tmp_path, caplog):
    pytest.importorskip("httpx2")
    from committee.engines.llm.fake import FakeLLMServer

    api = FakeLLMServer()
    with_transport(monkeypatch, "anthropic", api)
    monkeypatch.setenv("ANTHROPIC_API_KEY", MARKER)
    db = tmp_path / "c.db"
    caplog.set_level(logging.DEBUG)  # every logger, at every level
    cli = _inprocess(monkeypatch, capsys, db)

    out = cli("review", str(EXAMPLES / "strong-safety-pm.md"), "--engine", "anthropic", "--json")
    run_id = out.split('"run_id":"')[1].split('"')[0]
    texts = [
        out,
        cli("runs", "--json"),
        cli("replay", run_id, "--json"),
        cli("export", run_id, "--format", "json"),
        cli("export", run_id, "--format", "html"),
    ]
    assert api.count() > 0  # the key did go where it belongs: the request to the API
    for text in texts:
        assert MARKER not in text
    assert MARKER.encode() not in _db_bytes(db)
    assert all(MARKER not in r.getMessage() and MARKER not in str(r.args) for r in caplog.records)
