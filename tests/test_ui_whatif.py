"""The replay page's "What if…" control with `AppTest` (in process, offline engine,
temp database): a mute fork built from the page is stored, linked to the shown run,
and shown beside it; a fork shown in the replay names its parent."""

from __future__ import annotations

import pytest

from committee.graph.runner import prepare, start_run
from committee.intake.packets import read_packet
from committee.store.runs import Store
from tests.conftest import EXAMPLES, ROOT

APP = str(ROOT / "ui" / "app.py")


@pytest.fixture
def db(db_path, monkeypatch):
    monkeypatch.setenv("COMMITTEE_DB", str(db_path))
    return db_path


def ok(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def test_what_if_builds_a_mute_fork_and_shows_it_beside_the_parent(db):
    from streamlit.testing.v1 import AppTest

    with Store(db) as store:
        parent = start_run(store, prepare(read_packet(EXAMPLES / "borderline-api-pm.md")))
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("app_pages/replay.py").run()
    ok(at)
    assert at.selectbox(key="replay_select").value == parent.run_id
    assert any(e.label == "What if…" for e in at.expander)
    at.selectbox(key="whatif_kind").set_value("mute").run()
    at.selectbox(key="whatif_mute").set_value("safety-lead").run()
    at.button(key="whatif_build").click().run()
    ok(at)
    with Store(db) as store:
        [fork] = store.forks_of(parent.run_id)
        assert fork.changed == {"mute": "safety-lead"} and fork.status == "done"
        assert fork.panel == ["research-lead", "vp-product", "hiring-manager"]
    texts = " ".join(m.value for m in at.markdown)
    assert "What if: Jonas Whitfield muted" in texts and "the decision changed" in texts
    assert "not on the panel" in texts
    decisions = [e.value for e in [*at.success, *at.error] if "Decision:" in e.value]
    assert any("NO HIRE" in d for d in decisions) and any("HIRE" in d and "NO HIRE" not in d for d in decisions)
    # the fork in the replay names its parent and shows both
    at.selectbox(key="replay_select").set_value(fork.run_id).run()
    ok(at)
    assert any("fork of run" in i.value and parent.run_id in i.value for i in at.info)
    assert "What if: Jonas Whitfield muted" in " ".join(m.value for m in at.markdown)


def test_a_bad_what_if_is_an_error_on_the_page_and_stores_nothing(db):
    from streamlit.testing.v1 import AppTest

    with Store(db) as store:
        parent = start_run(store, prepare(read_packet(EXAMPLES / "strong-safety-pm.md"), rounds=2))
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("app_pages/replay.py").run()
    at.selectbox(key="whatif_kind").set_value("rounds").run()
    at.button(key="whatif_build").click().run()  # the round limit it already had
    ok(at)
    assert any("nothing would change" in e.value for e in at.error)
    with Store(db) as store:
        assert store.forks_of(parent.run_id) == [] and len(store.list_runs()) == 1


def test_what_if_builds_a_debate_fork_from_the_step_shown(db):
    """A protocol change asked from the step that closes round 1 keeps round 1 as spoken
    and debates from round 2; a mute asked there says it starts earlier, and why."""
    from streamlit.testing.v1 import AppTest

    from committee.graph.runner import replay_steps

    with Store(db) as store:
        parent = start_run(store, prepare(read_packet(EXAMPLES / "borderline-api-pm.md"), rounds=3))
        steps = replay_steps(store, parent.run_id)
    tally1 = next(i for i, s in enumerate(steps) if s.node == "tally_turns")  # round 1's tally (0-based)
    seal = next(i for i, s in enumerate(steps) if s.node == "seal_votes")
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("app_pages/replay.py").run()
    at.slider(key="replay_step").set_value(tally1 + 1).run()
    ok(at)
    at.selectbox(key="whatif_kind").set_value("mute").run()
    note = " ".join(m.value for m in at.markdown if "This fork starts at" in m.value)
    assert f"step {seal + 1}, sealing the votes" in note and "earlier than the step shown" in note
    assert "whole debrief" in note
    at.selectbox(key="whatif_kind").set_value("protocol").run()
    note = " ".join(m.value for m in at.markdown if "This fork starts at" in m.value)
    assert f"step {tally1 + 1}, the tally of round 1" in note and "round 2 is the first the change shapes" in note
    at.button(key="whatif_build").click().run()
    ok(at)
    with Store(db) as store:
        [fork] = store.forks_of(parent.run_id)
        assert fork.changed == {"protocol": {"before": "simultaneous", "after": "round-robin", "from_round": 1}}
        result = store.get_result(fork.run_id)
        fork_steps = replay_steps(store, fork.run_id)
    assert result.debrief[:4] == parent.debrief[:4]  # round 1 kept as spoken
    assert fork_steps[0].node == "fork" and len(fork_steps[0].new_turns) == 4
    assert "round\\-robin from round 2" in " ".join(m.value for m in at.markdown)  # escaped Markdown
