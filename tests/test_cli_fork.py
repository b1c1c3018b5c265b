"""`committee fork` end to end, in-process through the real entry point, with the
offline engine and a real SQLite file: every change kind, the JSON contract, the mute
sweep, bad input (one line, exit 2, nothing stored), and the parent and the fork side
by side in `replay`, `export`, `compare --runs` and `runs`. One fork with the anthropic
engine against the stand-in server shows that no review request is sent again."""

from __future__ import annotations

import json

import pytest

from committee.engines.llm.fake import FakeLLMServer
from tests.conftest import EXAMPLES
from tests.conftest import run_cli as run
from tests.fakes import with_transport

PANEL = ["research-lead", "safety-lead", "vp-product", "hiring-manager"]
# the offline committee splits on this packet: No Hire, and without the safety lead it hires
BORDERLINE = str(EXAMPLES / "borderline-api-pm.md")
CONTRACT = {
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
}


@pytest.fixture
def parent(monkeypatch, capsys, db_path) -> dict:
    code, out, err = run(monkeypatch, capsys, "review", BORDERLINE, "--json", "--db", str(db_path))
    assert code == 0, err
    obj = json.loads(out)
    assert "parent_run_id" not in obj and "changed" not in obj  # a run that is no fork: the contract as before
    assert obj["decision"]["outcome"] == "no_hire"
    return obj


def _fork(monkeypatch, capsys, db_path, run_id, *args) -> dict:
    code, out, err = run(monkeypatch, capsys, "fork", run_id, *args, "--json", "--db", str(db_path))
    assert code == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == 1  # one compact JSON line
    return json.loads(lines[0])


def _run_ids(monkeypatch, capsys, db_path) -> list[str]:
    code, out, _ = run(monkeypatch, capsys, "runs", "--json", "--db", str(db_path))
    assert code == 0
    return [json.loads(line)["run_id"] for line in out.splitlines()]


def test_mute_json_is_the_contract_plus_parent_and_change(monkeypatch, capsys, db_path, parent):
    obj = _fork(monkeypatch, capsys, db_path, parent["run_id"], "--mute", "safety-lead")
    assert CONTRACT <= set(obj)
    assert obj["run_id"] != parent["run_id"]
    assert obj["parent_run_id"] == parent["run_id"]
    assert obj["changed"] == {"mute": "safety-lead"}
    assert list(obj["votes"]) == ["research-lead", "vp-product", "hiring-manager"]
    assert "safety-lead" not in {r["persona"] for r in obj["reviews"]}
    assert "safety-lead" not in {t["speaker"] for t in obj["debrief"]}
    assert obj["packet"] == parent["packet"]
    kept = {r["persona"]: r for r in parent["reviews"]}
    assert all(r == kept[r["persona"]] for r in obj["reviews"])  # no review ran again
    assert obj["decision"]["outcome"] == "hire"
    rows = {}
    code, out, _ = run(monkeypatch, capsys, "runs", "--json", "--db", str(db_path))
    for line in out.splitlines():
        r = json.loads(line)
        rows[r["run_id"]] = r
    assert rows[obj["run_id"]]["parent_run_id"] == parent["run_id"]  # the user's runs, linked
    assert rows[obj["run_id"]]["changed"] == {"mute": "safety-lead"}
    assert rows[parent["run_id"]]["parent_run_id"] is None


def test_every_other_change_kind(monkeypatch, capsys, db_path, parent):
    pid = parent["run_id"]
    rr = _fork(monkeypatch, capsys, db_path, pid, "--protocol", "round-robin")
    assert rr["protocol"] == "round-robin"
    assert rr["changed"] == {"protocol": {"before": "simultaneous", "after": "round-robin"}}
    assert rr["reviews"] == parent["reviews"]
    three = _fork(monkeypatch, capsys, db_path, pid, "--rounds", "1")
    assert three["changed"] == {"rounds": {"before": 2, "after": 1}}
    # offline turns never read the round limit: round 1 stands as spoken, nothing ran again
    assert three["debrief"] == [t for t in parent["debrief"] if t["round"] == 1]
    code, out, _ = run(monkeypatch, capsys, "replay", three["run_id"], "--json", "--db", str(db_path))
    steps = [json.loads(line) for line in out.splitlines()]
    assert steps[0]["node"] == "fork" and steps[0]["new_turns"] == three["debrief"]
    assert not any(s["new_turns"] or s["new_reviews"] for s in steps[1:])
    order = ["vp-product", "hiring-manager", "research-lead", "safety-lead"]
    moved = _fork(monkeypatch, capsys, db_path, pid, "--order", ",".join(order))
    assert moved["changed"] == {"order": {"before": PANEL, "after": order}}
    assert list(moved["votes"]) == order
    assert [t["speaker"] for t in moved["debrief"] if t["round"] == 1] == order
    weight = _fork(monkeypatch, capsys, db_path, pid, "--persona-weight", "safety-lead:alignment_judgement=0")
    assert weight["changed"]["persona_weight"]["persona"] == "safety-lead"
    assert weight["changed"]["persona_weight"]["after"] == 0
    before = {r["persona"]: r for r in parent["reviews"]}
    after = {r["persona"]: r for r in weight["reviews"]}
    assert all(after[p] == before[p] for p in PANEL if p != "safety-lead")  # only its review ran again
    assert after["safety-lead"] != before["safety-lead"]  # ... with the weight that changed


def test_swap_persona_takes_a_catalog_persona_into_the_seat(monkeypatch, capsys, db_path):
    code, out, err = run(
        monkeypatch,
        capsys,
        "review",
        BORDERLINE,
        "--persona",
        "research-lead",
        "--persona",
        "safety-lead",
        "--persona",
        "vp-product",
        "--json",
        "--db",
        str(db_path),
    )
    assert code == 0, err
    three = json.loads(out)
    obj = _fork(monkeypatch, capsys, db_path, three["run_id"], "--swap-persona", "safety-lead=hiring-manager")
    assert obj["changed"] == {"swap_persona": {"before": "safety-lead", "after": "hiring-manager"}}
    assert list(obj["votes"]) == ["research-lead", "hiring-manager", "vp-product"]
    before = {r["persona"]: r for r in three["reviews"]}
    assert [r for r in obj["reviews"] if r["persona"] != "hiring-manager"] == [
        before["research-lead"],
        before["vp-product"],
    ]


def test_the_sweep_says_the_decision_turns_on_the_safety_lead(monkeypatch, capsys, db_path, parent):
    code, out, err = run(monkeypatch, capsys, "fork", parent["run_id"], "--sweep", "mute", "--db", str(db_path))
    assert code == 0, err
    assert "turns on Jonas Whitfield" in " ".join(out.split())
    code, out, err = run(
        monkeypatch, capsys, "fork", parent["run_id"], "--sweep", "mute", "--json", "--db", str(db_path)
    )
    assert code == 0, err
    obj = json.loads(out)
    assert obj["parent_run_id"] == parent["run_id"] and obj["sweep"] == "mute"
    assert obj["decision"]["outcome"] == "no_hire"
    assert obj["holds"] is False and obj["turns_on"] == ["safety-lead"]
    assert [f["muted"] for f in obj["forks"]] == PANEL
    assert "turns on Jonas Whitfield" in obj["summary"]
    ids = set(_run_ids(monkeypatch, capsys, db_path))
    assert {f["run_id"] for f in obj["forks"]} <= ids  # every fork is a stored run


def test_a_robust_decision_holds_without_any_one_member(monkeypatch, capsys, db_path):
    code, out, err = run(
        monkeypatch, capsys, "review", str(EXAMPLES / "strong-safety-pm.md"), "--json", "--db", str(db_path)
    )
    assert code == 0, err
    run_id = json.loads(out)["run_id"]
    code, out, err = run(monkeypatch, capsys, "fork", run_id, "--sweep", "mute", "--db", str(db_path))
    assert code == 0, err
    assert "holds without any one member" in " ".join(out.split())


@pytest.mark.parametrize(
    "args, message",
    [
        (["--mute", "nobody"], "not on the run's panel"),
        (["--persona-weight", "safety-lead:values=500"], "out of range"),
        (["--persona-weight", "safety-lead:values=lots"], "not a number"),
        (["--swap-persona", "safety-lead=ghost"], "ghost"),
        (["--order", "safety-lead,vp-product"], "every member"),
        (["--rounds", "11"], "between 1 and 10"),
        (["--protocol", "simultaneous"], "nothing would change"),
        ([], "exactly one change"),
        (["--mute", "safety-lead", "--rounds", "3"], "exactly one change"),
        (["--mute", "safety-lead", "--mute", "vp-product"], "given: --mute, --mute"),
        (["--persona-weight", "vp-product:values=3", "--persona-weight", "vp-product:values=5"], "exactly one change"),
        (["--rounds", "3", "--rounds", "4"], "given: --rounds, --rounds"),
        (["--sweep", "mute", "--mute", "safety-lead"], "without --mute"),
        (["--sweep", "everything"], "unknown --sweep"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_stored(monkeypatch, capsys, db_path, parent, args, message):
    before = _run_ids(monkeypatch, capsys, db_path)
    code, out, err = run(monkeypatch, capsys, "fork", parent["run_id"], *args, "--json", "--db", str(db_path))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err, err
    assert _run_ids(monkeypatch, capsys, db_path) == before


def test_unknown_or_unfinished_runs_and_too_small_a_panel(monkeypatch, capsys, db_path, parent):
    code, _, err = run(monkeypatch, capsys, "fork", "nosuchrun", "--mute", "safety-lead", "--db", str(db_path))
    assert code == 2 and "no run with id" in err and len(err.strip().splitlines()) == 1
    code, out, err = run(
        monkeypatch,
        capsys,
        "review",
        BORDERLINE,
        "--persona",
        "research-lead",
        "--persona",
        "vp-product",
        "--json",
        "--db",
        str(db_path),
    )
    two = json.loads(out)["run_id"]
    before = _run_ids(monkeypatch, capsys, db_path)
    code, _, err = run(monkeypatch, capsys, "fork", two, "--mute", "vp-product", "--db", str(db_path))
    assert code == 2 and "at least two members" in err
    code, _, err = run(monkeypatch, capsys, "fork", two, "--sweep", "mute", "--db", str(db_path))
    assert code == 2 and "must leave at least two" in err
    from committee.store.runs import Store

    with Store(db_path) as store, store.tx() as c:  # as a run that failed halfway is stored
        c.execute("UPDATE runs SET status='failed', result=NULL WHERE run_id=?", (two,))
    code, _, err = run(monkeypatch, capsys, "fork", two, "--rounds", "3", "--db", str(db_path))
    assert code == 2 and "has not finished" in err and len(err.strip().splitlines()) == 1
    assert _run_ids(monkeypatch, capsys, db_path) == before


def test_replay_export_and_compare_show_parent_and_fork_side_by_side(monkeypatch, capsys, db_path, parent):
    fork = _fork(monkeypatch, capsys, db_path, parent["run_id"], "--mute", "safety-lead")
    code, out, err = run(
        monkeypatch, capsys, "compare", "--runs", fork["run_id"], parent["run_id"], "--json", "--db", str(db_path)
    )
    assert code == 0, err
    c = json.loads(out)
    assert (
        c["relation"] == "fork" and c["before"]["run_id"] == parent["run_id"] and c["after"]["run_id"] == fork["run_id"]
    )
    assert c["changed"] == {"mute": "safety-lead"} and c["decision_changed"] is True
    assert {v["persona"]: v["after"] for v in c["votes"]}["safety-lead"] is None
    assert any(t["speaker"] == "safety-lead" and t["status"] == "only_before" for t in c["turns"])
    code, out, err = run(
        monkeypatch, capsys, "compare", "--runs", parent["run_id"], fork["run_id"], "--db", str(db_path)
    )
    assert code == 0, err
    text = " ".join(out.split())
    assert "what if: Jonas Whitfield muted" in text and "Turns that differ" in text
    assert "the decision changed" in text and "not on the panel" in text
    code, out, err = run(monkeypatch, capsys, "replay", fork["run_id"], "--db", str(db_path))
    assert code == 0, err
    text = " ".join(out.split())
    assert "Forked from the parent run: what it kept" in text
    assert "Side by side" in text and f"parent {parent['run_id']}" in text
    code, out, err = run(monkeypatch, capsys, "replay", fork["run_id"], "--json", "--db", str(db_path))
    steps = [json.loads(line) for line in out.splitlines()]
    assert steps[0]["node"] == "fork" and len(steps[0]["new_reviews"]) == 3
    assert not any(s["new_reviews"] for s in steps[1:])  # no review ran in the fork
    code, out, err = run(monkeypatch, capsys, "export", fork["run_id"], "--format", "md", "--db", str(db_path))
    assert code == 0, err
    assert "## What if: Jonas Whitfield muted" in out and parent["run_id"] in out
    code, out, err = run(monkeypatch, capsys, "export", fork["run_id"], "--format", "html", "--db", str(db_path))
    assert code == 0 and "What if: Jonas Whitfield muted" in out
    code, out, err = run(monkeypatch, capsys, "export", fork["run_id"], "--json", "--db", str(db_path))
    assert json.loads(out)["fork"]["before"]["run_id"] == parent["run_id"]
    code, out, err = run(monkeypatch, capsys, "export", parent["run_id"], "--json", "--db", str(db_path))
    assert "fork" not in json.loads(out)
    code, out, err = run(monkeypatch, capsys, "runs", "--db", str(db_path))
    assert f"fork {fork['run_id']} of run {parent['run_id']}" in " ".join(err.split())


def test_compare_runs_errors(monkeypatch, capsys, db_path, parent):
    code, _, err = run(
        monkeypatch, capsys, "compare", "--runs", parent["run_id"], parent["run_id"], "--db", str(db_path)
    )
    assert code == 2 and "two different runs" in err
    code, _, err = run(monkeypatch, capsys, "compare", "somekey", "--runs", parent["run_id"], "x", "--db", str(db_path))
    assert code == 2 and "without a packet key" in err
    code, _, err = run(monkeypatch, capsys, "compare", "--db", str(db_path))
    assert code == 2 and "--runs" in err


def test_a_fork_with_the_anthropic_engine_sends_no_review_request(monkeypatch, capsys, db_path):
    api = FakeLLMServer()  # 2-2: the debrief runs both rounds
    with_transport(monkeypatch, "anthropic", api)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-fork-0001")
    code, out, err = run(
        monkeypatch,
        capsys,
        "review",
        str(EXAMPLES / "strong-safety-pm.md"),
        "--engine",
        "anthropic",
        "--json",
        "--db",
        str(db_path),
    )
    assert code == 0, err
    parent = json.loads(out)
    assert api.count(kind="review") == 4
    obj = _fork(monkeypatch, capsys, db_path, parent["run_id"], "--mute", "research-lead")
    assert api.count(kind="review") == 4  # no review request was sent again
    assert obj["engine"]["name"] == "anthropic" and obj["parent_run_id"] == parent["run_id"]
    assert list(obj["votes"]) == ["safety-lead", "vp-product", "hiring-manager"]
    assert obj["usage"]["calls"] == len(obj["debrief"]) > 0  # the fork paid for its turns only
    turns = [s for s in api.seen if s.kind == "turn"][-len(obj["debrief"]) :]
    assert {s.persona for s in turns} == {"safety-lead", "vp-product", "hiring-manager"}
    # the fork's turns are told the fork's panel: the muted member is not in it
    assert all("`research-lead`" not in json.dumps(s.body.get("system")) for s in turns)
    weight = _fork(monkeypatch, capsys, db_path, parent["run_id"], "--persona-weight", "vp-product:values=4")
    assert api.count(kind="review") == 5 and api.count(kind="review", persona="vp-product") == 2
    assert weight["changed"]["persona_weight"]["after"] == 4
    # an LLM turn is told the round limit ("round 1 of at most 1 ... the last round"):
    # a round-limit fork debates again from round 1, and sends no review request
    turns_before = api.count(kind="turn")
    one = _fork(monkeypatch, capsys, db_path, parent["run_id"], "--rounds", "1")
    assert api.count(kind="review") == 5 and api.count(kind="turn") - turns_before == 4 == len(one["debrief"])
    assert all("last round" in json.dumps(s.body["messages"]) for s in api.seen[-4:])


@pytest.mark.parametrize("change", [["--mute", "safety-lead"], ["--rounds", "1"]])
def test_a_fork_of_an_answered_run_carries_its_questions_and_answers(monkeypatch, capsys, db_path, tmp_path, change):
    code, out, err = run(monkeypatch, capsys, "review", BORDERLINE, "--questions", "--json", "--db", str(db_path))
    run_id = json.loads(out)["run_id"]
    answers = tmp_path / "a.yaml"
    answers.write_text("q1: I turned down a deal that needed our abuse filters off, and would again.\n")
    code, out, err = run(
        monkeypatch, capsys, "answer", run_id, "--answers", str(answers), "--json", "--db", str(db_path)
    )
    assert code == 0, err
    answered = json.loads(out)
    fork = _fork(monkeypatch, capsys, db_path, run_id, *change)
    assert fork["questions"] == answered["questions"] and fork["answers"] == answered["answers"]
    assert set(fork) >= CONTRACT and fork["parent_run_id"] == run_id
