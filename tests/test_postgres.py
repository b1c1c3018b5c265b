"""The committee on a real PostgreSQL (`tests/pg_service.py`): the CLI end to end with
`--db postgresql://...`, several processes writing at once, and a run killed with
SIGKILL mid-debrief that another process resumes without repeating a finished call."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from committee.engines.llm.fake import FakeLLMServer, serve
from tests.conftest import EXAMPLES, ROOT
from tests.conftest import run_cli as run

PACKET = str(EXAMPLES / "strong-safety-pm.md")


def _cli(*args: str, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "committee", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        **kw,
    )


def test_a_postgresql_url_is_a_database_not_a_file(monkeypatch, capsys, tmp_path, pg_url):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(monkeypatch, capsys, "review", PACKET, "--json", "--db", pg_url)
    assert code == 0, err
    run_id = json.loads(out)["run_id"]
    assert not any(tmp_path.iterdir()), "no SQLite file may appear for a URL"
    for args, shows in (
        (["runs", "--json"], run_id),
        (["history", "nadia-safety-pm", "--json"], run_id),
        (["replay", run_id, "--json"], '"node":"write_feedback"'),
        (["export", run_id, "--format", "json"], run_id),
    ):
        code, out, err = run(monkeypatch, capsys, *args, "--db", pg_url)
        assert code == 0 and shows in out, (args, err)
    monkeypatch.setenv("COMMITTEE_DB", pg_url)  # the same through the environment
    code, out, _ = run(monkeypatch, capsys, "runs", "--json")
    assert [json.loads(line)["run_id"] for line in out.splitlines()] == [run_id]


def test_an_unreachable_server_is_one_line_of_bad_input(monkeypatch, capsys, tmp_path):
    url = f"postgresql://nobody:secret-pw@/nodb?host={tmp_path}"
    code, out, err = run(monkeypatch, capsys, "runs", "--db", url)
    assert code == 2 and out == ""
    assert "cannot connect to PostgreSQL" in err and len(err.strip().splitlines()) == 1
    assert "secret-pw" not in err, "the password is never printed"


def test_four_processes_reviewing_at_once_lose_nothing(pg_url):
    env = {"COMMITTEE_DB": pg_url}
    packets = [EXAMPLES / "strong-safety-pm.md", EXAMPLES / "weak-growth-pm.md", EXAMPLES / "weak-growth-pm-rev2.md"]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "committee", "review", *map(str, packets), "--json"],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [e for _, e in outs]
    run_ids = {json.loads(line)["run_id"] for out, _ in outs for line in out.splitlines()}
    assert len(run_ids) == 12
    done = _cli("runs", "--json", "--limit", "100", env=env)
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert {r["run_id"] for r in rows} == run_ids and {r["status"] for r in rows} == {"done"}
    hist = _cli("history", "dylan-growth-pm", "--json", env=env)
    assert [json.loads(line)["revision"] for line in hist.stdout.splitlines()] == [1, 2], "one revision per content"


def test_a_run_killed_mid_debrief_is_resumed_by_another_process_without_repeats(pg_url):
    api = FakeLLMServer(latency=0.3)
    server = serve(api)
    env = {
        "COMMITTEE_DB": pg_url,
        "ANTHROPIC_API_KEY": "sk-test",
        "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{server.server_address[1]}",
    }
    try:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "committee",
                "review",
                PACKET,
                "--engine",
                "anthropic",
                "--max-retries",
                "0",
                "--json",
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.time() + 120
        while api.count(kind="turn") < 2 and time.time() < deadline:  # the reviews are done, turns in flight
            time.sleep(0.02)
        time.sleep(0.4)  # let the first round's turns finish and reach the checkpoint
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
        assert api.count(kind="review") == 4
        reviews_before = api.count(kind="review")
        ok_before = api.count(ok=True)
        rows = [json.loads(line) for line in _cli("runs", "--json", env=env).stdout.splitlines()]
        assert rows[0]["status"] == "running", "a killed process leaves its run marked running"
        resumed = _cli("resume", rows[0]["run_id"], "--json", env=env)
        assert resumed.returncode == 0, resumed.stderr
        result = json.loads(resumed.stdout)
        assert api.count(kind="review") == reviews_before, "a finished review was repeated"
        assert result["usage"]["calls"] <= api.count(ok=True) and len(result["reviews"]) == 4
        turns_after = api.count(ok=True) - ok_before
        assert turns_after < 8, "resume repeated debrief turns that had finished before the kill"
        assert _cli("runs", "--json", env=env).stdout.count('"status":"done"') == 1
    finally:
        server.shutdown()


@pytest.mark.parametrize("who", ["another host, lease running", "another host, lease out"])
def test_resume_from_another_machine_follows_the_lease(pg_url, who):
    from committee.errors import BadInput
    from committee.graph.runner import prepare, resume_run
    from committee.intake.packets import read_packet
    from committee.store.runs import Store

    with Store(pg_url) as store:
        prep = prepare(read_packet(PACKET))
        packet = store.save_packet(prep.packet)
        store.create_run(
            "far1",
            packet,
            scenario=prep.scenario.id,
            engine="offline",
            model=None,
            protocol=prep.protocol,
            rounds=prep.rounds,
            panel=[p.id for p in prep.panel],
            context=_context(prep, packet),
        )
        lease = time.time() + 60 if "running" in who else time.time() - 1
        with store.tx() as c:
            c.execute("UPDATE runs SET owner=?, lease_until=? WHERE run_id=?", ("other-host:4242", lease, "far1"))
        if "running" in who:
            with pytest.raises(BadInput, match="still running in process other-host:4242"):
                resume_run(store, "far1")
        else:
            result = resume_run(store, "far1")
            assert result.run_id == "far1" and store.get_run("far1").status == "done"


def _context(prep, packet) -> str:
    from committee.graph.runner import context_json, run_context

    return context_json(run_context(prep, packet))


def test_first_use_by_many_connections_at_once_sets_the_database_up_without_deadlock(pg_url):
    """The checkpointer's migrations build indexes CONCURRENTLY, which wait for every open
    transaction: connections arriving together must not wait inside one meanwhile."""
    import threading

    from committee.store.runs import Store

    done, errors = [], []

    def first_use() -> None:
        try:
            with Store(pg_url) as store:
                store.checkpointer()
                done.append(1)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=first_use, daemon=True) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=90)
    assert not errors and len(done) == 8, f"{len(done)} of 8 finished; errors: {errors}"


def test_a_role_that_may_not_create_the_tables_is_one_line_of_bad_input(pg_server, monkeypatch, capsys):
    """PostgreSQL 15 grants no CREATE on schema public to other roles: a team user on a
    database the admin owns gets one line saying what the role needs, not a traceback."""
    import psycopg

    url = pg_server.new_database()
    db = url.split("?")[0].rsplit("/", 1)[1]
    with psycopg.connect(pg_server.url(), autocommit=True) as conn:
        conn.execute("DO $$ BEGIN CREATE ROLE team LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
        conn.execute(f'GRANT ALL ON DATABASE "{db}" TO team')
    team_url = url.replace("postgresql://postgres@", "postgresql://team:pw-never-shown@")
    code, out, err = run(monkeypatch, capsys, "runs", "--db", team_url)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "cannot set up the committee tables" in err and "schema public" in err
    assert "pw-never-shown" not in err


def test_a_what_if_fork_on_postgresql(monkeypatch, capsys, pg_url):
    """Migration 7 on PostgreSQL: a fork is stored linked to its parent, its thread is
    seeded in the Postgres checkpointer, and it replays and compares beside the parent."""
    code, out, err = run(
        monkeypatch, capsys, "review", str(EXAMPLES / "borderline-api-pm.md"), "--json", "--db", pg_url
    )
    assert code == 0, err
    parent = json.loads(out)
    code, out, err = run(
        monkeypatch, capsys, "fork", parent["run_id"], "--mute", "safety-lead", "--json", "--db", pg_url
    )
    assert code == 0, err
    fork = json.loads(out)
    assert fork["parent_run_id"] == parent["run_id"] and "safety-lead" not in fork["votes"]
    code, out, _ = run(monkeypatch, capsys, "runs", "--json", "--db", pg_url)
    rows = {r["run_id"]: r for r in map(json.loads, out.splitlines())}
    assert rows[fork["run_id"]]["changed"] == {"mute": "safety-lead"}
    code, out, _ = run(monkeypatch, capsys, "replay", fork["run_id"], "--json", "--db", pg_url)
    assert json.loads(out.splitlines()[0])["node"] == "fork"
    code, out, _ = run(
        monkeypatch, capsys, "compare", "--runs", parent["run_id"], fork["run_id"], "--json", "--db", pg_url
    )
    assert code == 0 and json.loads(out)["relation"] == "fork"
