"""Data files are validated strictly: a typo fails loudly, naming the file and field."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from committee.catalog import load_catalog
from committee.errors import BadInput
from tests.conftest import ROOT


def _drop(tmp_path, monkeypatch, **changes) -> None:
    data = yaml.safe_load((ROOT / "personas" / "research-lead.yaml").read_text())
    data.update(id="typo-persona")
    for k, v in changes.items():
        data[k] = v
    folder = tmp_path / "personas"
    folder.mkdir(exist_ok=True)
    (folder / "typo.yaml").write_text(yaml.safe_dump(data))
    monkeypatch.setenv("COMMITTEE_PERSONAS", str(folder))


def test_builtin_catalog_loads():
    cat = load_catalog()
    assert {"research-lead", "safety-lead", "vp-product", "hiring-manager"} <= set(cat.personas)
    assert len(cat.scenarios) >= 5


def test_misspelt_weight_dimension_is_an_error(tmp_path, monkeypatch):
    weights = {"product_sense": 1, "technical_fluency": 1, "alignment_judgment": 2, "values": 1, "communication": 1}
    _drop(tmp_path, monkeypatch, weights=weights)
    with pytest.raises(BadInput, match="typo.yaml: weights: unknown dimension 'alignment_judgment'"):
        load_catalog()


def test_unknown_key_and_unknown_signal_are_errors(tmp_path, monkeypatch):
    _drop(tmp_path, monkeypatch, hard_lines=["no-such-signal"])
    with pytest.raises(BadInput, match="unknown signal id 'no-such-signal'"):
        load_catalog()
    _drop(tmp_path, monkeypatch, hard_lines=[], favourite_colour="blue")
    with pytest.raises(BadInput, match="favourite_colour"):
        load_catalog()


def test_a_persona_file_naming_an_unknown_engine_names_the_file(tmp_path, monkeypatch):
    _drop(tmp_path, monkeypatch, engine="gemini")
    with pytest.raises(
        BadInput, match="typo.yaml: engine: unknown engine 'gemini' \\(known: offline, anthropic, openai\\)"
    ):
        load_catalog()
    _drop(tmp_path, monkeypatch, engine="openai", model="llama3.1")
    assert load_catalog().personas["typo-persona"].engine == "openai"


def test_a_fifth_persona_file_joins_the_default_panel_at_its_seat(tmp_path, monkeypatch):
    assert load_catalog().default_panel == ["research-lead", "safety-lead", "vp-product", "hiring-manager"]
    _drop(tmp_path, monkeypatch, seat=2)
    assert load_catalog().default_panel == [
        "research-lead",
        "safety-lead",
        "typo-persona",
        "vp-product",
        "hiring-manager",
    ]
    _drop(tmp_path, monkeypatch, seat=None)
    assert load_catalog().default_panel[-1] == "typo-persona", "a persona without a seat sits after the seated ones"


def _drop_scenario(tmp_path, monkeypatch, **changes) -> None:
    data = yaml.safe_load((ROOT / "scenarios" / "safety-pm.yaml").read_text())
    data.update(id="my-pm", **changes)
    folder = tmp_path / "scenarios"
    folder.mkdir(exist_ok=True)
    (folder / "my-pm.yaml").write_text(yaml.safe_dump(data))
    monkeypatch.setenv("COMMITTEE_SCENARIOS", str(folder))


def test_the_default_scenario_is_the_one_marked_default(tmp_path, monkeypatch):
    cat = load_catalog()
    assert cat.default_scenario == "safety-pm" and cat.scenario(None).id == "safety-pm"
    _drop_scenario(tmp_path, monkeypatch, default=False)
    assert load_catalog().default_scenario == "safety-pm"
    _drop_scenario(tmp_path, monkeypatch)  # a copy that keeps `default: true`
    with pytest.raises(BadInput, match="several scenarios are marked default: safety-pm, my-pm"):
        load_catalog()


def test_conduct_must_name_dimensions_of_the_scenario(tmp_path, monkeypatch):
    conduct = {"integrity_dimension": "values", "integrity_penalised": ["communication"], "short_capped": ["tone"]}
    _drop_scenario(tmp_path, monkeypatch, default=False, conduct=conduct)
    with pytest.raises(BadInput, match="my-pm.yaml: .*conduct.short_capped names unknown dimension 'tone'"):
        load_catalog()


def test_engine_signals_are_read_from_the_library():
    from committee.engines.offline.rubric import DETECTORS, rubric_cues

    cat = load_catalog()
    cues = rubric_cues()
    assert cues and all(c.detector in DETECTORS and c.id not in cat.signals for c in cues.values())
    assert "prompt-injection" in cat.engine_signals and "prompt-injection" not in cues
    assert {d for c in cues.values() for n in c.not_read_as for d in [cat.signals[n].polarity]} == {"red"}


def test_tests_never_read_or_write_the_users_own_folders():
    """conftest.py points config, data and the fit cache at one temporary home per run
    (shared by xdist workers), so a developer's own files cannot change an outcome."""
    import platformdirs

    from committee.engines.offline import learned
    from committee.store.db import default_target

    home = Path(os.environ["COMMITTEE_TEST_HOME"])
    assert home.is_dir() and home.name.startswith("committee-test-")
    assert Path(platformdirs.user_config_dir("committee")).is_relative_to(home)
    assert Path(default_target()).is_relative_to(home)
    assert learned.cache_dir().is_relative_to(home)
