"""Concurrent use of one database file by several `committee` processes, and a process
killed in the middle of a run (SQLite WAL, busy timeout, short transactions, LangGraph
checkpoints)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT

SLOW_CLI = Path(__file__).parent / "data" / "intake" / "slow_cli.py"
CLI = [sys.executable, "-c", "from committee.cli import main; main()"]
PANEL = ["research-lead", "safety-lead", "vp-product", "hiring-manager"]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ANTHROPIC_API_KEY", "COMMITTEE_DB")}
    env.update(extra)
    return env


def _integrity_ok(db: Path) -> None:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


def _rows(db: Path, sql: str, *args) -> list[tuple]:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def test_six_concurrent_reviews_on_one_database_are_all_stored(tmp_path):
    db = tmp_path / "shared.db"  # does not exist yet: the processes also race to create and migrate it
    packets = [
        EXAMPLES / "strong-safety-pm.md",
        EXAMPLES / "strong-safety-pm.md",
        EXAMPLES / "weak-growth-pm.md",
        EXAMPLES / "weak-growth-pm-rev2.md",
        EXAMPLES / "borderline-api-pm.md",
        EXAMPLES / "borderline-api-pm.md",
    ]
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    env = _env(
        COMMITTEE_TEST_DELAY="0.05",
        COMMITTEE_TEST_CALL_LOG=str(tmp_path / "calls.log"),
        COMMITTEE_TEST_BARRIER=f"{barrier}:{len(packets)}",
    )  # all six are mid-run at the same moment
    procs = [
        subprocess.Popen(
            [sys.executable, str(SLOW_CLI), "review", str(p), "--json", "--db", str(db)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for p in packets
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    # they really ran at the same time: all six met at the barrier, then wrote side by side
    assert len(list(barrier.iterdir())) == 6
    pids = [line.split()[0] for line in (tmp_path / "calls.log").read_text().splitlines()]
    assert len(set(pids)) == 6 and len(pids) >= 6 * 8
    runs = _rows(db, "SELECT run_id, status, packet_key, revision FROM runs")
    assert len(runs) == 6 and {r[1] for r in runs} == {"done"}
    assert {r[0] for r in runs} == {r["run_id"] for r in results}
    # the same packet reviewed twice at once is one revision, not two
    assert sorted(set((r[2], r[3]) for r in runs)) == [
        ("dylan-growth-pm", 1),
        ("dylan-growth-pm", 2),
        ("marcus-api-pm", 1),
        ("nadia-safety-pm", 1),
    ]
    for r in runs:
        assert _rows(db, "SELECT COUNT(*) FROM checkpoints WHERE thread_id=?", r[0])[0][0] > 5
    _integrity_ok(db)
    listed = subprocess.run(
        [*CLI, "runs", "--json", "--db", str(db)], cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=120
    )
    assert listed.returncode == 0 and len(listed.stdout.strip().splitlines()) == 6


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except sqlite3.OperationalError:  # the table may not exist yet
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_killed_process_leaves_a_consistent_database_and_a_resumable_run(tmp_path):
    db = tmp_path / "c.db"
    log = tmp_path / "calls.log"
    # two reviews finish at once, two hang: the process is killed while they hang
    env = _env(
        COMMITTEE_TEST_DELAYS=json.dumps({"vp-product": 120, "hiring-manager": 120}), COMMITTEE_TEST_CALL_LOG=str(log)
    )
    proc = subprocess.Popen(
        [sys.executable, str(SLOW_CLI), "review", str(EXAMPLES / "borderline-api-pm.md"), "--json", "--db", str(db)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(lambda: db.exists() and _rows(db, "SELECT run_id FROM runs"), 120, "the run row")
        run_id = _rows(db, "SELECT run_id FROM runs")[0][0]
        _wait_for(
            lambda: (
                _rows(db, "SELECT COUNT(DISTINCT task_id) FROM writes WHERE thread_id=? AND channel='reviews'", run_id)[
                    0
                ][0]
                >= 2
            ),
            120,
            "two finished reviews",
        )
        time.sleep(0.3)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL

    _integrity_ok(db)
    assert _rows(db, "SELECT status FROM runs WHERE run_id=?", run_id) == [
        ("running",)
    ]  # it never got to say otherwise
    before = [line.split()[1:] for line in log.read_text().splitlines()]
    assert sorted(p for kind, p in before if kind == "review") == ["research-lead", "safety-lead"]

    # `committee resume` continues the run; the two finished reviews are not repeated
    resumed = subprocess.run(
        [sys.executable, str(SLOW_CLI), "resume", run_id, "--json", "--db", str(db)],
        cwd=ROOT,
        env=_env(COMMITTEE_TEST_CALL_LOG=str(log)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    result = json.loads(resumed.stdout.strip().splitlines()[-1])
    assert result["run_id"] == run_id and [r["persona"] for r in result["reviews"]] == PANEL
    after = [line.split()[1:] for line in log.read_text().splitlines()][len(before) :]
    assert sorted(p for kind, p in after if kind == "review") == ["hiring-manager", "vp-product"]
    assert _rows(db, "SELECT status FROM runs WHERE run_id=?", run_id) == [("done",)]
    _integrity_ok(db)

    # and it replays like any other run
    replay = subprocess.run(
        [*CLI, "replay", run_id, "--json", "--db", str(db)],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert replay.returncode == 0 and replay.stdout.strip()


def test_plain_committee_resume_accepts_a_run_left_running(tmp_path):
    """A run row left `running` by a dead process is resumed by the real CLI as is."""
    db = tmp_path / "c.db"
    proc = subprocess.Popen(
        [sys.executable, str(SLOW_CLI), "review", str(EXAMPLES / "strong-safety-pm.md"), "--db", str(db)],
        cwd=ROOT,
        env=_env(COMMITTEE_TEST_DELAYS=json.dumps({"safety-lead": 120})),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(
            lambda: db.exists() and _rows(db, "SELECT COUNT(*) FROM writes WHERE channel='reviews'")[0][0] >= 3,
            120,
            "three finished reviews",
        )
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    run_id = _rows(db, "SELECT run_id FROM runs")[0][0]
    out = subprocess.run(
        [*CLI, "resume", run_id, "--json", "--db", str(db)],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout)["decision"]["outcome"] in ("hire", "no_hire")
    assert _rows(db, "SELECT status FROM runs") == [("done",)]
    _integrity_ok(db)
