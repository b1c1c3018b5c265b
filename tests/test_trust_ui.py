"""Smoke tests of the Trust and Calibration pages (streamlit AppTest): they render on an
empty database and on stored studies, and the Trust page's button runs a study."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from committee.intake.packets import read_packet
from committee.store.runs import Store
from committee.trust.calibrate import run_calibration
from committee.trust.common import RunSpec
from committee.trust.probes import run_probe
from committee.trust.stability import run_stability
from tests.conftest import EXAMPLES, ROOT
from tests.test_trust_calibrate import MANIFEST, PACKETS
from tests.test_trust_fakes import PANEL, KeywordEngine, NameBiasedEngine, VaryingEngine, register  # noqa: F401

TRUST = str(ROOT / "ui" / "app_pages" / "5_Trust.py")
CALIBRATION = str(ROOT / "ui" / "app_pages" / "6_Calibration.py")
TIMEOUT = 60


@pytest.fixture
def db(monkeypatch, db_path):
    monkeypatch.setenv("COMMITTEE_DB", str(db_path))
    return db_path


def _filled(db, tmp_path, register):  # noqa: F811
    with Store(db) as store:
        run_stability(
            store,
            read_packet(EXAMPLES / "strong-safety-pm.md"),
            runs=3,
            spec=RunSpec(engine=register(VaryingEngine({p: [0.3, 0.3, 0.2, 0.2] for p in PANEL}))),
            seed=1,
        )
        named = tmp_path / "named.md"  # the name in the text, where a swap can reach the engines
        named.write_text(
            (EXAMPLES / "strong-safety-pm.md").read_text() + "\n## Reference\nNadia Ferrante ran our red team.\n"
        )
        run_probe(
            store,
            read_packet(named),
            ["name", "employer"],
            per_swap=2,
            spec=RunSpec(engine=register(NameBiasedEngine("Emily Walsh"))),
        )
        d = tmp_path / "lab"
        d.mkdir()
        for name, text in PACKETS.items():
            (d / name).write_text(f"---\npacket: ui-{name[0]}\nscenario: safety-pm\n---\n{text}")
        (d / "MANIFEST.yaml").write_text(MANIFEST)
        run_calibration(store, d, spec=RunSpec(engine=register(KeywordEngine())))


@pytest.mark.parametrize("page", [TRUST, CALIBRATION])
def test_pages_render_on_an_empty_database(db, page):
    at = AppTest.from_file(page, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert at.info  # "nothing stored yet" messages


def test_trust_page_shows_stored_studies(db, tmp_path, register):  # noqa: F811
    _filled(db, tmp_path, register)
    at = AppTest.from_file(TRUST, default_timeout=TIMEOUT).run()
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert "Agreement" in labels and "Debate changed the decision" in labels
    assert any("moved something" in e.value for e in at.error)  # the biased engine's probe is flagged
    assert len(at.dataframe) >= 4


def test_calibration_page_shows_stored_calibration(db, tmp_path, register):  # noqa: F811
    _filled(db, tmp_path, register)
    at = AppTest.from_file(CALIBRATION, default_timeout=TIMEOUT).run()
    assert not at.exception
    metric = {m.label: m.value for m in at.metric}
    assert metric["Decisions agree"] == "3/4"
    assert at.dataframe


def test_trust_page_runs_a_stability_study(db, register):  # noqa: F811
    register(VaryingEngine({p: [0, 1, 0, 0] for p in PANEL}))
    at = AppTest.from_file(TRUST, default_timeout=TIMEOUT).run()
    at.selectbox(key="stab_engine").set_value("varying")
    at.number_input(key="stab_runs").set_value(2)
    at.button(key="stab_go").click().run()
    assert not at.exception
    with Store(db) as store:
        studies = store.list_studies("stability")
    assert len(studies) == 1 and len(studies[0]["run_ids"]) == 2
    assert any(m.label == "Agreement" and m.value == "100%" for m in at.metric)


@pytest.mark.parametrize("page", ["app_pages/5_Trust.py", "app_pages/6_Calibration.py"])
def test_pages_run_inside_the_app_navigation(db, tmp_path, register, page):  # noqa: F811
    _filled(db, tmp_path, register)
    at = AppTest.from_file(str(ROOT / "ui" / "app.py"), default_timeout=TIMEOUT).run()
    assert not at.exception
    at.switch_page(page).run()
    assert not at.exception
    assert at.title and at.title[0].value in ("Trust the verdict", "Calibration")
