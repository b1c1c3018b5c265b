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


def _interrupted_study_script():
    """A page with one study button whose first attempt is stopped by a rerun after two
    runs (Streamlit's StopException, what a rerun raises in the running script)."""
    import sys
    from pathlib import Path

    import streamlit as st

    sys.path.insert(0, str(Path.cwd() / "ui"))
    import studykit
    import uikit

    from committee.intake.packets import read_packet
    from committee.trust.common import RunSpec
    from committee.trust.stability import run_stability

    def flaky(store, **kw):
        if st.session_state.get("_attempts", 0) == 0:
            st.session_state["_attempts"] = 1
            progress = kw.pop("progress")

            def stop_after_two(done, total, label):
                progress(done, total, label)
                if done == 2:
                    from streamlit.runtime.scriptrunner_utils.exceptions import StopException

                    raise StopException()

            return run_stability(store, progress=stop_after_two, **kw)
        return run_stability(store, **kw)

    with uikit.open_store() as store:
        if studykit.study_button("Run stability study", kind="stability", page="trust", key="stab_go"):
            studykit.run_study(
                "stability",
                flaky,
                store,
                engine="offline",
                packet_key="nadia-safety-pm",
                picker="stability_study",
                packet=read_packet(Path("examples/strong-safety-pm.md")),
                runs=3,
                spec=RunSpec(),
            )
        else:
            studykit.show_outcome("stability")


def test_a_study_button_is_disabled_while_it_runs_and_a_stopped_attempt_leaves_no_orphan_run(db, monkeypatch):
    """Submit's mechanism on the study buttons: the click marks the study pending, the
    button is disabled until it ends, a rerun that stops it carries it on, and the runs of
    the stopped attempt are stored as an unfinished study (no study run belongs to no
    study), which the page says once; the finished study is the one selected."""
    from committee.trust.common import unfinished_kind

    monkeypatch.chdir(ROOT)
    at = AppTest.from_function(_interrupted_study_script, default_timeout=TIMEOUT).run()
    assert not at.button(key="stab_go").disabled
    at.button(key="stab_go").click().run()  # the first attempt: stopped after two runs
    assert not at.exception
    assert at.button(key="stab_go").disabled, "the button is clickable while the study is pending"
    assert at.session_state["pending_study"] == {"kind": "stability", "page": "trust"}
    with Store(db) as store:
        assert not store.list_studies("stability")
        (cut,) = store.list_studies(unfinished_kind("stability"))
        assert len(cut["run_ids"]) == 2
    at.run()  # the next rerun carries the study on
    assert not at.exception
    assert not at.button(key="stab_go").disabled
    assert any("unfinished study" in c.value for c in at.caption)
    with Store(db) as store:
        (study,) = store.list_studies("stability")
        listed = {r for s in store.list_studies() for r in s["run_ids"]}
        runs = {r.run_id for r in store.list_runs(limit=100, studies=True)}
    assert len(study["run_ids"]) == 3
    assert runs == listed, f"runs of no study: {runs - listed}"
    assert at.session_state["stability_study"] == study["study_id"]


def test_stability_chart_ticks_whole_runs_and_the_runs_table_reads_in_words(db, register):  # noqa: F811
    import json

    with Store(db) as store:
        run_stability(store, read_packet(EXAMPLES / "weak-growth-pm.md"), runs=3, spec=RunSpec())
    at = AppTest.from_file(TRUST, default_timeout=TIMEOUT).run()
    assert not at.exception
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    bars = next(s for s in specs if "Vote distribution" in json.dumps(s.get("title", "")))
    axis = bars["encoding"]["x"]["axis"]
    assert axis.get("tickMinStep") == 1 and axis.get("format") == "d", axis  # 0 1 2 3, not 0.0 0.2 ...
    table = at.dataframe[0].value
    assert "rule" in table.columns and "speaking order" not in table.columns  # the order has its own table
    assert set(table["rule"]) == {"must-pass dimension failed: Alignment judgement"}


def test_conformity_leaves_out_study_runs_of_no_stored_study(db):
    """Runs a study made before a rerun cut it short (an older version stored no study
    for them) are not counted on the Conformity tab, which says how many it left out."""
    from committee.graph.runner import prepare, start_run
    from committee.trust.common import derived_key

    packet = read_packet(EXAMPLES / "strong-safety-pm.md")
    with Store(db) as store:
        run_stability(store, packet, runs=2, spec=RunSpec())
        orphan = packet.model_copy(update={"key": derived_key(packet.key, "stability")})
        start_run(store, prepare(orphan))  # a study run no study lists
    at = AppTest.from_file(TRUST, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Finished runs"] == "2"
    assert any("1 study run belonging to no stored study" in c.value for c in at.caption)
