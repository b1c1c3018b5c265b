"""The trust commands through the CLI: one JSON object with --json (per run or variant:
the four votes and the decision), exit code 2 and nothing written on bad input."""

from __future__ import annotations

import json

import pytest

from tests.conftest import EXAMPLES
from tests.conftest import run_cli as run
from tests.test_trust_calibrate import MANIFEST, PACKETS
from tests.test_trust_fakes import PANEL, KeywordEngine, NameBiasedEngine, VaryingEngine, register  # noqa: F401


def one_json(out: str) -> dict:
    lines = [ln for ln in out.splitlines() if ln.strip()]
    assert len(lines) == 1, out[:500]
    return json.loads(lines[0])


def _four(obj: dict) -> None:
    assert set(obj["votes"]) == set(PANEL) and obj["decision"]["outcome"] in ("hire", "no_hire")


PROBE_PACKET = """---
packet: cli-probe
candidate: Nadia Ferrante
---
## Resume
Nadia Ferrante spent five years at Google. She holds an MBA from Wharton.
"""


def test_stability_json_and_table(monkeypatch, capsys, db_path, register):  # noqa: F811
    register(VaryingEngine({p: [0.2, 0.3, 0.3, 0.2] for p in PANEL}, seed=2))
    code, out, err = run(
        monkeypatch,
        capsys,
        "stability",
        str(EXAMPLES / "strong-safety-pm.md"),
        "--runs",
        "4",
        "--engine",
        "varying",
        "--seed",
        "3",
        "--json",
        "--db",
        str(db_path),
    )
    assert code == 0, err
    obj = one_json(out)
    assert obj["kind"] == "stability" and obj["seed"] == 3 and len(obj["runs"]) == 4
    for r in obj["runs"]:
        _four(r)
    assert sum(obj["summary"]["decisions"].values()) == 4
    assert "4/4" in err  # progress on stderr
    code, out, err = run(
        monkeypatch,
        capsys,
        "stability",
        str(EXAMPLES / "strong-safety-pm.md"),
        "--runs",
        "2",
        "--engine",
        "varying",
        "--db",
        str(db_path),
    )
    assert code == 0 and "agreement" in out and "modal decision" in out


def test_probe_json(monkeypatch, capsys, db_path, tmp_path, register):  # noqa: F811
    register(NameBiasedEngine("Jamal Robinson"))
    f = tmp_path / "p.md"
    f.write_text(PROBE_PACKET)
    code, out, err = run(
        monkeypatch,
        capsys,
        "probe",
        str(f),
        "--swap",
        "name,school,employer,pronouns",
        "--per-swap",
        "2",
        "--engine",
        "name-biased",
        "--json",
        "--db",
        str(db_path),
    )
    assert code == 0, err
    obj = one_json(out)
    _four(obj["original"])
    assert {v["attribute"] for v in obj["variants"]} == {"name", "school", "employer", "pronouns"}
    for v in obj["variants"]:
        _four(v)
    assert [v["to"] for v in obj["variants"] if v["moved"]] == ["Jamal Robinson"]
    code, out, _ = run(
        monkeypatch,
        capsys,
        "probe",
        str(f),
        "--swap",
        "name",
        "--per-swap",
        "2",
        "--engine",
        "name-biased",
        "--db",
        str(db_path),
    )
    assert code == 0 and "Everything that moved" in out and "final_vote" in out


def test_stats_and_export(monkeypatch, capsys, db_path, register):  # noqa: F811
    register(VaryingEngine({p: [0, 1, 0, 0] for p in PANEL}))
    code, out, _ = run(
        monkeypatch,
        capsys,
        "stability",
        str(EXAMPLES / "strong-safety-pm.md"),
        "--runs",
        "2",
        "--engine",
        "varying",
        "--json",
        "--db",
        str(db_path),
    )
    rid = one_json(out)["runs"][0]["run_id"]
    code, out, err = run(monkeypatch, capsys, "stats", "--studies", "--json", "--db", str(db_path))
    assert code == 0, err
    st = one_json(out)
    assert st["runs"] == 2 and st["personas"]["vp-product"]["flip_rate"] == 0.0
    code, out, _ = run(monkeypatch, capsys, "stats", "--studies", "--db", str(db_path))
    assert code == 0 and "flip rate" in out
    code, out, _ = run(monkeypatch, capsys, "export", rid, "--format", "md", "--db", str(db_path))
    assert code == 0 and out.startswith("# Debrief report")
    target = db_path.parent / "r.html"
    code, out, err = run(
        monkeypatch, capsys, "export", rid, "--format", "html", "--out", str(target), "--db", str(db_path)
    )
    assert code == 0 and target.read_text().startswith("<!DOCTYPE html>") and "wrote" in err
    code, out, _ = run(monkeypatch, capsys, "export", rid, "--json", "--db", str(db_path))
    assert one_json(out)["run"]["run_id"] == rid


def test_calibrate_json(monkeypatch, capsys, db_path, tmp_path, register):  # noqa: F811
    register(KeywordEngine())
    d = tmp_path / "lab"
    d.mkdir()
    for name, text in PACKETS.items():
        (d / name).write_text(f"---\npacket: cli-{name[0]}\nscenario: safety-pm\n---\n{text}")
    (d / "MANIFEST.yaml").write_text(MANIFEST)
    code, out, err = run(
        monkeypatch, capsys, "calibrate", str(d), "--engine", "keyword", "--json", "--db", str(db_path)
    )
    assert code == 0, err
    obj = one_json(out)
    assert obj["summary"]["decision"]["agreement"] == 0.75
    for r in obj["packets"]:
        _four(r)
    code, out, _ = run(monkeypatch, capsys, "calibrate", str(d), "--engine", "keyword", "--db", str(db_path))
    assert code == 0 and "Confusion matrix" in out and "against must_flag" in out


def test_calibrate_runs_on_the_bundled_examples(monkeypatch, capsys, db_path):
    """examples/ ships a MANIFEST.yaml, so `committee calibrate examples` works out of the box."""
    assert (EXAMPLES / "MANIFEST.yaml").is_file()
    code, out, err = run(monkeypatch, capsys, "calibrate", str(EXAMPLES), "--json", "--db", str(db_path))
    assert code == 0, err
    obj = one_json(out)
    assert sorted(r["file"] for r in obj["packets"]) == sorted(p.name for p in EXAMPLES.glob("*.md"))
    for r in obj["packets"]:
        _four(r)
    assert obj["summary"]["decision"]["labelled"] == 3  # borderline-api-pm is labelled a split, no decision
    assert db_path.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["stability", "EX", "--runs", "0"],
        ["stability", "missing.md", "--runs", "2"],
        ["stability", "EX", "--engine", "nope"],
        ["probe", "EX", "--swap", "race"],
        ["probe", "EX", "--swap", "school"],  # no school in the packet: nothing to probe
        ["calibrate", "NOLABELS"],  # a folder of packets without a MANIFEST.yaml
        ["calibrate", "EX"],  # a file, not a folder
        ["export", "no-such-run"],
        ["export", "no-such-run", "--format", "pdf"],
        ["stats", "--limit", "0"],
    ],
)
def test_bad_input_exits_2_and_writes_nothing(monkeypatch, capsys, db_path, args):
    nolabels = db_path.parent / "nolabels"
    nolabels.mkdir(exist_ok=True)
    (nolabels / "strong-safety-pm.md").write_text((EXAMPLES / "strong-safety-pm.md").read_text())
    args = [
        str(EXAMPLES / "strong-safety-pm.md") if a == "EX" else str(nolabels) if a == "NOLABELS" else a for a in args
    ]
    code, out, err = run(monkeypatch, capsys, *args, "--db", str(db_path))
    assert code == 2, (out, err)
    assert "error" in err.lower() or "usage" in err.lower()
    if args[0] != "export":  # export only reads
        assert not db_path.exists()


@pytest.mark.slow  # a CLI process that runs the engine over every example
def test_calibrate_at_80_columns_breaks_no_word(tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import EXAMPLES

    env = {**os.environ, "COMMITTEE_DB": str(tmp_path / "c.db"), "COLUMNS": "80"}
    out = subprocess.run(
        [sys.executable, "-m", "committee", "calibrate", str(EXAMPLES)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    table = out.split("Packets", 1)[1].split("Confusion", 1)[0]
    assert all(len(line) <= 80 for line in table.splitlines())
    for word in ("expected", "predicted", "no hire", "strong-safety-pm.md"):
        assert word in table, word


def test_study_runs_stay_out_of_runs_and_stats_unless_asked_for(monkeypatch, capsys, db_path, register):  # noqa: F811
    register(VaryingEngine({p: [0.2, 0.3, 0.3, 0.2] for p in PANEL}, seed=2))
    db = ["--db", str(db_path)]
    assert run(monkeypatch, capsys, "review", str(EXAMPLES / "strong-safety-pm.md"), "--json", *db)[0] == 0
    study = ["stability", str(EXAMPLES / "strong-safety-pm.md"), "--runs", "3", "--engine", "varying", "--json"]
    assert run(monkeypatch, capsys, *study, *db)[0] == 0
    keys = lambda out: [json.loads(ln)["packet_key"] for ln in out.splitlines() if ln.strip()]  # noqa: E731
    own = keys(run(monkeypatch, capsys, "runs", "--json", *db)[1])
    every = keys(run(monkeypatch, capsys, "runs", "--studies", "--json", *db)[1])
    assert own == ["nadia-safety-pm"] and sorted(every) == ["nadia-safety-pm"] + ["nadia-safety-pm--stability"] * 3
    assert one_json(run(monkeypatch, capsys, "stats", "--json", *db)[1])["runs"] == 1
    assert one_json(run(monkeypatch, capsys, "stats", "--studies", "--json", *db)[1])["runs"] == 4
