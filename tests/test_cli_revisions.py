"""Revisions on the command line: `committee history` and `committee compare`, plus
`committee ui`'s command line, and the comparison logic behind them (offline engine,
temp DB)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from committee.cli import main
from tests.conftest import EXAMPLES
from tests.conftest import run_cli as run

KEY = "dylan-growth-pm"  # examples/weak-growth-pm.md and weak-growth-pm-rev2.md share it
PERSONAS = ["research-lead", "safety-lead", "vp-product", "hiring-manager"]
VOTES = {"strong_hire", "hire", "no_hire", "strong_no_hire"}


@pytest.fixture
def two_revisions(monkeypatch, capsys, db_path):
    for name in ("weak-growth-pm.md", "weak-growth-pm-rev2.md"):
        code, _, err = run(monkeypatch, capsys, "review", str(EXAMPLES / name), "--json", "--db", str(db_path))
        assert code == 0, err
    return db_path


def test_history_lists_revisions_with_votes(monkeypatch, capsys, two_revisions):
    code, out, err = run(monkeypatch, capsys, "history", KEY, "--json", "--db", str(two_revisions))
    assert code == 0, err
    rows = [json.loads(line) for line in out.strip().splitlines()]
    assert [r["revision"] for r in rows] == [1, 2]
    for r in rows:
        assert r["key"] == KEY and r["runs"] == 1 and r["run_id"]
        assert list(r["votes"]) == PERSONAS and set(r["votes"].values()) <= VOTES
        assert r["outcome"] in ("hire", "no_hire")
        assert all(1 <= s <= 4 for s in r["scores"].values())
    assert rows[0]["sha256"] != rows[1]["sha256"]
    code, out, err = run(monkeypatch, capsys, "history", KEY, "--db", str(two_revisions))
    assert code == 0, err
    assert "Revisions of dylan-growth-pm" in out and "Final votes by revision" in out


def test_compare_reports_vote_score_and_signal_changes(monkeypatch, capsys, two_revisions):
    code, out, err = run(monkeypatch, capsys, "compare", KEY, "--json", "--db", str(two_revisions))
    assert code == 0, err
    c = json.loads(out)
    assert (c["before"]["revision"], c["after"]["revision"]) == (1, 2)
    assert [v["persona"] for v in c["votes"]] == PERSONAS
    for v in c["votes"]:
        assert v["before"] in VOTES and v["after"] in VOTES
        points = {"strong_hire": 2, "hire": 1, "no_hire": -1, "strong_no_hire": -2}
        assert v["change"] == points[v["after"]] - points[v["before"]]
        assert v["direction"] in ("up", "down", "same")
    for s in c["scores"]:
        assert s["change"] == pytest.approx(s["after"] - s["before"], abs=0.011)
    # the revision drops the staged rollout of harmful code and the disclaimers, and adds a threat model
    assert "test-irreversible-harm" in c["red_removed"]
    assert "warnings-as-mitigation" in c["red_removed"]
    assert not set(c["red_introduced"]) & set(c["red_removed"])
    assert c["green_added"]
    assert sum(v["change"] for v in c["votes"]) > 0  # the committee moved toward hiring
    assert c["diff"].startswith(f"--- {KEY} revision 1")
    assert "-Launch plan: roll it out gradually" in c["diff"]


def test_compare_text_and_explicit_revisions(monkeypatch, capsys, two_revisions):
    code, out, err = run(monkeypatch, capsys, "compare", KEY, "--from", "2", "--to", "1", "--db", str(two_revisions))
    assert code == 0, err
    assert "revision 2 → 1" in out and "Votes" in out and "Packet diff" in out
    code, out, _ = run(
        monkeypatch, capsys, "compare", KEY, "--from", "-2", "--to", "-1", "--json", "--db", str(two_revisions)
    )
    assert code == 0 and (json.loads(out)["before"]["revision"], json.loads(out)["after"]["revision"]) == (1, 2)


@pytest.mark.parametrize(
    "args, message",
    [
        (["history", "no-such-packet"], "no packet with key"),
        (["compare", "no-such-packet"], "no packet with key 'no-such-packet' (stored: dylan-growth-pm;"),
        (["compare", KEY, "--from", "7"], "no revision 7"),
        (["compare", KEY, "--scenario", "astronaut-pm"], "unknown scenario 'astronaut-pm'"),
        (["history", KEY, "--scenario", "astronaut-pm"], "unknown scenario 'astronaut-pm'"),
    ],
)
def test_bad_keys_and_revisions_exit_2(monkeypatch, capsys, two_revisions, args, message):
    code, out, err = run(monkeypatch, capsys, *args, "--db", str(two_revisions))
    assert code == 2 and message in err and out == ""


def test_compare_needs_two_revisions(monkeypatch, capsys, db_path):
    code, _, err = run(
        monkeypatch, capsys, "review", str(EXAMPLES / "strong-safety-pm.md"), "--json", "--db", str(db_path)
    )
    assert code == 0, err
    code, out, err = run(monkeypatch, capsys, "compare", "nadia-safety-pm", "--db", str(db_path))
    assert code == 2 and "only one revision" in err
    code, out, err = run(monkeypatch, capsys, "history", "nadia-safety-pm", "--json", "--db", str(db_path))
    assert code == 0 and len(out.strip().splitlines()) == 1


def test_revision_without_a_finished_run(db_path):
    """A stored revision whose run never finished shows in history without votes, and
    compare says so instead of inventing changes."""
    from committee.graph.runner import prepare, start_run
    from committee.intake.packets import read_packet
    from committee.present.compare import compare, history
    from committee.store.runs import Store

    with Store(db_path) as store:
        start_run(store, prepare(read_packet(EXAMPLES / "weak-growth-pm.md")))
        store.save_packet(read_packet(EXAMPLES / "weak-growth-pm-rev2.md"))  # stored, never reviewed
        records = history(store, KEY)
        assert [r.run_id is not None for r in records] == [True, False]
        c = compare(store, KEY)
        assert any("no finished run" in n for n in c.notes)
        assert all(v.change is None and v.after is None for v in c.votes)
        assert c.red_removed == c.red_introduced == []


def test_compare_scenario_fallback_is_noted_per_revision(db_path):
    """--scenario picks each revision's run of that scenario; a revision never run with
    it falls back to its latest run, and the note names that revision (before or after)."""
    from committee.graph.runner import prepare, start_run
    from committee.intake.packets import read_packet
    from committee.present.compare import compare
    from committee.store.runs import Store

    rev1, rev2 = read_packet(EXAMPLES / "weak-growth-pm.md"), read_packet(EXAMPLES / "weak-growth-pm-rev2.md")
    with Store(db_path) as store:
        start_run(store, prepare(rev1, scenario="safety-pm"))
        start_run(store, prepare(rev1, scenario="api-pm"))
        start_run(store, prepare(rev2, scenario="safety-pm"))  # revision 2 never ran with api-pm
        c = compare(store, KEY, scenario="api-pm")
        assert (c.before.scenario, c.after.scenario) == ("api-pm", "safety-pm")
        assert c.notes == ["revision 2 was never run with scenario api-pm; using its run with safety-pm"]
        c = compare(store, KEY, scenario="safety-pm")
        assert (c.before.scenario, c.after.scenario, c.notes) == ("safety-pm", "safety-pm", [])
        start_run(store, prepare(rev2, scenario="api-pm"))
        start_run(store, prepare(rev2, scenario="consumer-pm"))  # the latest run is of another scenario
        c = compare(store, KEY, scenario="api-pm")
        assert (c.before.scenario, c.after.scenario, c.notes) == ("api-pm", "api-pm", [])


def test_compare_scenario_neither_revision_ran(db_path):
    from committee.graph.runner import prepare, start_run
    from committee.intake.packets import read_packet
    from committee.present.compare import compare
    from committee.store.runs import Store

    with Store(db_path) as store:
        for name in ("weak-growth-pm.md", "weak-growth-pm-rev2.md"):
            start_run(store, prepare(read_packet(EXAMPLES / name), scenario="safety-pm"))
        c = compare(store, KEY, scenario="api-pm")
        assert c.notes == [
            f"revision {n} was never run with scenario api-pm; using its run with safety-pm" for n in (1, 2)
        ]


def test_word_diff_rebuilds_both_texts():
    from committee.present.compare import word_diff

    a = "## A\nThe north star is DAU.\n\nWe ship fast.\n## B\nSame."
    b = "## A\nThe north star is tasks completed safely.\n\n## B\nSame.\nNew line."
    chunks = word_diff(a, b)
    assert "".join(t for op, t in chunks if op != "added") == a
    assert "".join(t for op, t in chunks if op != "removed") == b
    assert ("removed", "DAU.") in chunks or any(op == "removed" and "DAU" in t for op, t in chunks)


def test_ui_command_line(monkeypatch, db_path):
    """`committee ui` runs Streamlit headless on the port, with the database passed on."""
    from committee import cli

    seen = {}

    class FakePopen:
        returncode = 0

        def __init__(self, cmd, env):
            seen["cmd"], seen["env"] = cmd, env

        def wait(self):
            return 0

        def terminate(self):
            seen["terminated"] = True

    monkeypatch.setattr(subprocess, "Popen", FakePopen)
    monkeypatch.setattr(sys, "argv", ["committee", "ui", "--port", "8765", "--db", str(db_path)])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == 0
    cmd = seen["cmd"]
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4] == str(cli.ui_script())
    assert cmd[4].endswith("ui/app.py")
    for flag, value in (
        ("--server.headless", "true"),
        ("--server.port", "8765"),
        ("--browser.gatherUsageStats", "false"),
    ):
        assert cmd[cmd.index(flag) + 1] == value
    assert seen["env"]["COMMITTEE_DB"] == str(db_path.resolve())


def test_ui_rejects_a_bad_port(monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "ui", "--port", "70000")
    assert code == 2 and "--port" in err


def test_runs_stored_before_persona_engines_are_voiced_by_the_run_engine(db_path):
    """A result stored without `persona_engines` (older runs) still names who voiced each
    persona in history and compare: the run's engine, never '?'."""
    from committee.graph.runner import prepare, start_run
    from committee.intake.packets import read_packet
    from committee.present.compare import _record
    from committee.store.runs import Store

    packet = read_packet(EXAMPLES / "weak-growth-pm.md")
    with Store(db_path) as store:
        result = start_run(store, prepare(packet))
    old = result.model_copy(update={"persona_engines": {}})
    record = _record(packet, [], old)
    assert record.voices == {p: result.engine.label() for p in result.personas}
    assert record.voices == _record(packet, [], result).voices, "an offline run reads the same either way"
