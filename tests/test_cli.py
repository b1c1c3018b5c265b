"""The CLI: exit codes, JSON contract, replay, listings (offline engine, temp DB)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import EXAMPLES, ROOT
from tests.conftest import run_cli as run

VOTES = {"strong_hire", "hire", "no_hire", "strong_no_hire"}
PERSONAS = ["research-lead", "safety-lead", "vp-product", "hiring-manager"]


def check_contract(obj: dict) -> None:
    """The `review --json` contract of design.md."""
    for key in (
        "run_id",
        "packet",
        "scenario",
        "engine",
        "protocol",
        "reviews",
        "debrief",
        "votes",
        "decision",
        "usage",
        "timing",
    ):
        assert key in obj, key
    assert set(obj["packet"]) >= {"key", "revision", "sha256"}
    assert set(obj["engine"]) >= {"name", "model"}
    assert [r["persona"] for r in obj["reviews"]] == PERSONAS
    for r in obj["reviews"]:
        assert r["vote"] in VOTES
        assert all(1 <= s <= 4 for s in r["scores"].values())
        for e in r["evidence"]:
            assert set(e) >= {"quote", "signal", "polarity"} and e["polarity"] in ("red", "green")
        assert r["summary"]
    assert obj["debrief"], "the debrief is empty"
    for t in obj["debrief"]:
        assert set(t) >= {"round", "speaker", "move", "to", "text", "evidence", "vote"}
    assert any(t["evidence"] for t in obj["debrief"]), "no turn cites evidence"
    assert set(obj["votes"]) == set(PERSONAS) and set(obj["votes"].values()) <= VOTES
    assert obj["decision"]["outcome"] in ("hire", "no_hire") and obj["decision"]["rule"]
    assert set(obj["usage"]) >= {"calls", "input_tokens", "output_tokens", "cache_read_input_tokens", "cost_usd"}
    assert "wall_s" in obj["timing"]


def test_review_json_contract_and_replay(monkeypatch, capsys, db_path):
    code, out, err = run(
        monkeypatch, capsys, "review", str(EXAMPLES / "strong-safety-pm.md"), "--json", "--db", str(db_path)
    )
    assert code == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == 1
    obj = json.loads(lines[0])
    check_contract(obj)
    text = (EXAMPLES / "strong-safety-pm.md").read_text()
    for r in obj["reviews"]:
        for e in r["evidence"]:
            assert e["quote"] in text
    code, out, err = run(monkeypatch, capsys, "replay", obj["run_id"], "--json", "--db", str(db_path))
    assert code == 0, err
    steps = [json.loads(line) for line in out.strip().splitlines()]
    assert steps[0]["node"] == "input" and steps[-1]["node"] == "write_feedback"
    assert sum(len(s["new_turns"]) for s in steps) == len(obj["debrief"])


def test_several_packets_give_json_lines_and_revisions(monkeypatch, capsys, db_path):
    a, b = EXAMPLES / "weak-growth-pm.md", EXAMPLES / "weak-growth-pm-rev2.md"
    code, out, err = run(
        monkeypatch,
        capsys,
        "review",
        str(a),
        str(b),
        "--json",
        "--db",
        str(db_path),
        "--protocol",
        "round-robin",
        "--rounds",
        "1",
    )
    assert code == 0, err
    objs = [json.loads(line) for line in out.strip().splitlines()]
    assert len(objs) == 2
    assert objs[0]["packet"]["key"] == objs[1]["packet"]["key"]
    assert [o["packet"]["revision"] for o in objs] == [1, 2]
    assert all(o["protocol"] == "round-robin" for o in objs)
    code, out, _ = run(monkeypatch, capsys, "runs", "--json", "--db", str(db_path))
    rows = [json.loads(line) for line in out.strip().splitlines()]
    assert [r["run_id"] for r in rows] == [objs[1]["run_id"], objs[0]["run_id"]]


def test_readable_report(monkeypatch, capsys, db_path):
    code, out, err = run(monkeypatch, capsys, "review", str(EXAMPLES / "weak-growth-pm.md"), "--db", str(db_path))
    assert code == 0, err
    assert "Decision:" in out and "Debrief" in out and "round 1" in out


@pytest.mark.parametrize(
    "args,needle",
    [
        (["review", "no-such-file.md"], "no such file"),
        (["review", "{examples}/strong-safety-pm.md", "--scenario", "astronaut"], "unknown scenario"),
        (
            ["review", "{examples}/strong-safety-pm.md", "--persona", "ghost", "--persona", "safety-lead"],
            "unknown persona",
        ),
        (["review", "{examples}/strong-safety-pm.md", "--engine", "gpt"], "unknown engine"),
        (["review", "{examples}/strong-safety-pm.md", "--protocol", "shouting"], "unknown protocol"),
        (["review", "{examples}/strong-safety-pm.md", "--rounds", "0"], "rounds"),
        (["review", "{empty}"], "empty"),
        (["review", "{badfm}"], "front matter"),
        (["replay", "nope"], "no run"),
        (["resume", "nope"], "no run"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(monkeypatch, capsys, tmp_path, args, needle):
    db = tmp_path / "c.db"
    empty = tmp_path / "empty.md"
    empty.write_text("---\npacket: e\n---\n\n")
    badfm = tmp_path / "badfm.md"
    badfm.write_text("---\npacket: [oops\n---\ntext\n")
    args = [a.format(examples=EXAMPLES, empty=empty, badfm=badfm) for a in args]
    if args[0] != "review":  # read-only commands: an existing database without that run
        from committee.store.runs import Store

        Store(db).close()
    before = db.read_bytes() if db.exists() else None
    code, out, err = run(monkeypatch, capsys, *args, "--db", str(db))
    assert code == 2
    assert needle in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert out == ""
    assert (not db.exists()) if before is None else db.read_bytes() == before


@pytest.mark.parametrize(
    "args",
    [["replay", "abcd"], ["resume", "latest"], ["history", "k"], ["compare", "k"], ["export", "abcd"], ["stats"]],
)
def test_read_only_commands_never_create_a_database(monkeypatch, capsys, tmp_path, args):
    db = tmp_path / "sub" / "none.db"
    code, out, err = run(monkeypatch, capsys, *args, "--db", str(db))
    assert code == 2 and "no database here yet" in err and len(err.strip().splitlines()) == 1
    assert not db.exists() and not db.parent.exists()


def test_markup_in_an_error_message_is_printed_literally(monkeypatch, capsys, tmp_path):
    code, _, err = run(monkeypatch, capsys, "review", str(tmp_path / "[/x].md"), "--db", str(tmp_path / "c.db"))
    assert code == 2 and "[/x].md: no such file" in err


def test_usage_errors_are_one_line(monkeypatch, capsys):
    for args in (["review", "x.md", "--rounds", "abc"], ["bogus"], ["review"]):
        code, out, err = run(monkeypatch, capsys, *args)
        assert code == 2 and len(err.strip().splitlines()) == 1 and err.startswith("error:"), err


def test_console_script_exit_codes():
    """The installed entry point (a real process) maps errors to exit 2 without a traceback."""
    proc = subprocess.run(
        [sys.executable, "-m", "committee", "review", "missing.md"], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 2 and "no such file" in proc.stderr and "Traceback" not in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "committee", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0 and "review" in proc.stdout


def test_personas_and_scenarios_listings(monkeypatch, capsys):
    code, out, _ = run(monkeypatch, capsys, "personas", "--json")
    assert code == 0
    ids = {json.loads(line)["id"] for line in out.strip().splitlines()}
    assert set(PERSONAS) <= ids
    code, out, _ = run(monkeypatch, capsys, "scenarios", "--json")
    ids = {json.loads(line)["id"] for line in out.strip().splitlines()}
    assert {"safety-pm", "api-pm", "enterprise-pm", "consumer-pm", "platform-pm"} <= ids


def test_a_fifth_persona_dropped_in_a_folder_can_sit_on_the_panel(monkeypatch, capsys, tmp_path, db_path):
    import yaml

    from committee.catalog import default_catalog

    data = yaml.safe_load((ROOT / "personas" / "research-lead.yaml").read_text())
    data.update(id="ethicist", name="Dr. Ines Falk", title="Ethics Advisor")
    folder = tmp_path / "personas"
    folder.mkdir()
    (folder / "ethicist.yaml").write_text(yaml.safe_dump(data))
    monkeypatch.setenv("COMMITTEE_PERSONAS", str(folder))
    default_catalog.cache_clear()
    try:
        panel = [*PERSONAS, "ethicist"]
        args = ["review", str(EXAMPLES / "strong-safety-pm.md"), "--json", "--db", str(db_path)]
        for p in panel:
            args += ["--persona", p]
        code, out, err = run(monkeypatch, capsys, *args)
        assert code == 0, err
        obj = json.loads(out)
        assert [r["persona"] for r in obj["reviews"]] == panel and "ethicist" in obj["votes"]
    finally:
        default_catalog.cache_clear()


def test_scenarios_shows_one_scenario_in_full(monkeypatch, capsys):
    code, out, _ = run(monkeypatch, capsys, "scenarios", "safety-pm")
    assert code == 0
    assert "Case prompts" in out and "Incident response for leaked weights" in out and "(must pass)" in out
    code, _, err = run(monkeypatch, capsys, "scenarios", "astronaut")
    assert code == 2 and "unknown scenario" in err


def test_probe_refuses_a_name_that_only_the_front_matter_holds(monkeypatch, capsys, db_path):
    """No engine reads the front matter: swapping a name found only there varies nothing."""
    code, out, err = run(
        monkeypatch, capsys, "probe", str(EXAMPLES / "strong-safety-pm.md"), "--swap", "name", "--db", str(db_path)
    )
    assert code == 2 and "appears only in the front matter" in err and not db_path.exists()


def test_offline_debate_gives_the_real_reason_for_holding(monkeypatch, capsys, db_path):
    code, out, err = run(
        monkeypatch,
        capsys,
        "review",
        str(EXAMPLES / "borderline-api-pm.md"),
        "--json",
        "--db",
        str(db_path),
        "--rounds",
        "3",
    )
    obj = json.loads(out)
    assert not obj["integrity"]
    assert not any("instruct its reviewers" in (t["reason"] or "") + t["text"] for t in obj["debrief"])


def test_a_reader_that_stops_reading_is_not_an_error(db_path):
    """`committee runs | head`: the closed pipe ends the command quietly with exit 0."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "COMMITTEE_DB": str(db_path)}
    subprocess.run(
        [sys.executable, "-m", "committee", "review", str(EXAMPLES / "strong-safety-pm.md")],
        env=env,
        check=True,
        capture_output=True,
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "committee", "replay", "latest"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    proc.stdout.close()  # the reader is gone before the first line is written
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert b"Traceback" not in err and b"Broken pipe" not in err


def test_help_paragraphs_are_not_broken_where_the_docstring_wraps(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = run(monkeypatch, capsys, "export", "--help")
    assert code == 0
    assert "integrity concerns, blind reviews, the debrief transcript and feedback" in out
    code, out, _ = run(monkeypatch, capsys, "resume", "--help")
    assert "Persona calls that had already finished are not repeated. The run keeps its panel" in out


def test_runs_stay_one_line_per_run_at_80_columns(db_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "COMMITTEE_DB": str(db_path), "COLUMNS": "80"}
    subprocess.run(
        [sys.executable, "-m", "committee", "review", str(EXAMPLES / "weak-growth-pm.md")],
        env=env,
        check=True,
        capture_output=True,
    )
    out = subprocess.run(
        [sys.executable, "-m", "committee", "runs"], env=env, check=True, capture_output=True, text=True
    ).stdout
    lines = out.rstrip("\n").splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert any(line.split()[-2:] == ["status", "decision"] for line in lines if line.strip()), "a header was cut"
    rows = [line for line in lines if "dylan-growth-pm" in line]
    assert len(rows) == 1 and "offline" in rows[0] and ("no hire" in rows[0] or " hire" in rows[0])


def test_unknown_packet_for_stats_and_runs_a_bad_limit_and_a_too_short_run_prefix_say_so(monkeypatch, capsys, db_path):
    monkeypatch.setenv("COMMITTEE_DB", str(db_path))
    assert run(monkeypatch, capsys, "review", str(EXAMPLES / "strong-safety-pm.md"), "--json")[0] == 0
    for command in ("stats", "runs"):
        code, _, err = run(monkeypatch, capsys, command, "--packet", "zzz")
        assert code == 2 and "no packet with key 'zzz'" in err and "stored:" in err, command
    code, _, err = run(monkeypatch, capsys, "runs", "--limit", "0")
    assert code == 2 and "--limit must be at least 1" in err
    code, _, err = run(monkeypatch, capsys, "replay", "abc")
    assert code == 2 and "a prefix needs at least 4 characters" in err


@pytest.mark.parametrize("width", [80, 70])
def test_a_long_packet_key_gives_way_in_a_narrow_runs_table(width):
    """A study key (`KEY--stability`) is cut with an ellipsis; the columns a reader scans
    for (when, engine, status, decision) keep their width and no line is wider than the
    terminal."""
    import io

    from rich.console import Console

    from committee.present.terminal.history import render_runs
    from committee.store.runs import RunRow

    row = RunRow(
        run_id="cbe808962672",
        packet_key="marcus-api-pm--stability",
        revision=1,
        scenario="api-pm",
        engine="offline",
        model=None,
        protocol="simultaneous",
        rounds=2,
        panel=[],
        options={},
        status="done",
        outcome="no_hire",
        votes=None,
        error=None,
        created_at=1_800_000_000.0,
        finished_at=1_800_000_001.0,
    )
    buf = io.StringIO()
    render_runs([row], Console(file=buf, width=width, color_system=None))
    lines = buf.getvalue().rstrip("\n").splitlines()
    assert all(len(line) <= width for line in lines)
    assert any(line.split()[-2:] == ["status", "decision"] for line in lines), "the decision header was cut"
    assert any(line.rstrip().endswith("no hire") and "…" in line for line in lines)


def test_help_lists_flags_without_a_bool_type(monkeypatch, capsys):
    """`--help` and other flags take no value: the options panel shows no `<bool>` type
    (typer's rich panel listed one for every flag), while options with a value keep theirs."""
    monkeypatch.setenv("COLUMNS", "120")
    code, out, _ = run(monkeypatch, capsys, "--help")
    assert code == 0
    assert "<bool>" not in out
    assert any(
        line.split("│")[1].split() == ["--help", "Show", "this", "message", "and", "exit."]
        for line in out.splitlines()
        if "--help" in line and "│" in line
    )
    code, out, _ = run(monkeypatch, capsys, "compare", "--help")
    assert code == 0 and "<bool>" not in out
    assert "<str,str>" in out  # --runs takes two values: its type stays
