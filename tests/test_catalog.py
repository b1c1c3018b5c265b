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


def test_tests_never_read_or_write_the_users_own_folders():
    """conftest.py points config, data and the fit cache at one temporary home per run
    (shared by xdist workers), so a developer's own files cannot change an outcome."""
    import platformdirs

    from committee.db import default_target
    from committee.engines.offline import learned

    home = Path(os.environ["COMMITTEE_TEST_HOME"])
    assert home.is_dir() and home.name.startswith("committee-test-")
    assert Path(platformdirs.user_config_dir("committee")).is_relative_to(home)
    assert Path(default_target()).is_relative_to(home)
    assert learned.cache_dir().is_relative_to(home)
