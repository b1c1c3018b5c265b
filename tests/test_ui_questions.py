"""Follow-up questions in the app (issue 17) with `AppTest` (in process, offline engine,
temp database): the Submit page's checkbox (on by default), the questions with answer
boxes of a run that waits, answering finishes the run, a reload with `?run=` brings the
questions back, and the Replay page labels a waiting run, offers to answer it, and shows
an answered run's questions, answers and votes before and after."""

from __future__ import annotations

import pytest

from committee.graph.runner import answer_run, prepare, start_run
from committee.intake.packets import read_packet
from committee.models import AwaitingAnswers, RunResult
from committee.store.runs import Store
from tests.conftest import EXAMPLES, ROOT

APP = str(ROOT / "ui" / "app.py")
ASKS = "borderline-api-pm.md"  # the offline engine asks about a must-pass dimension it leaves silent
ANSWER = (
    "At my last job I turned down a lucrative deal that would have broken our usage policy, "
    "and we asked for consent before any customer data was used."
)


@pytest.fixture
def db(db_path, monkeypatch):
    monkeypatch.setenv("COMMITTEE_DB", str(db_path))
    return db_path


def app():
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(APP, default_timeout=120)


def ok(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def answer_boxes(at) -> list:
    return [t for t in at.text_area if str(t.key).startswith("answer_")]


def submit_example(at, name: str = ASKS):
    at.selectbox(key="example").set_value(name)
    at.button(key="submit").click().run()
    ok(at)
    return at


def test_the_checkbox_is_on_by_default_and_a_run_that_asks_shows_answer_boxes(db):
    at = app().run()
    ok(at)
    assert at.checkbox(key="ask_questions").value is True
    submit_example(at)
    with Store(db) as store:
        [row] = store.list_runs()
        assert row.status == "awaiting_answers"
    assert at.query_params["run"] == [row.run_id] or at.query_params["run"] == row.run_id
    texts = " ".join(m.value for m in at.markdown)
    assert "Elena Marchetti" in texts and "asks" in texts
    assert "Values" in texts or "values" in texts  # the dimension's title, not its id
    boxes = answer_boxes(at)
    assert boxes and all(b.value in ("", None) for b in boxes)
    assert at.button(key="answer_submit")
    assert not [e for e in at.success if "Decision:" in e.value] and not at.metric  # no result yet


def test_without_the_checkbox_a_run_is_one_shot(db):
    at = app().run()
    at.checkbox(key="ask_questions").uncheck().run()
    submit_example(at)
    with Store(db) as store:
        [row] = store.list_runs()
        assert row.status == "done"
    assert not answer_boxes(at)
    assert len(at.metric) == 4


def test_answering_in_the_boxes_finishes_the_run(db):
    at = submit_example(app().run())
    [box] = answer_boxes(at)[:1]
    box.input(ANSWER)
    at.button(key="answer_submit").click().run()
    ok(at)
    with Store(db) as store:
        row = store.get_run(at.session_state["run_id"])
        assert row.status == "done" and row.revision == 2  # the answers are the packet's next revision
        result = store.get_result(row.run_id)
    assert result.answers and ANSWER in result.answers.values()
    assert len(at.metric) == 4
    assert any("Decision:" in e.value for e in [*at.success, *at.error])
    assert not answer_boxes(at)
    # the answered run shows its questions and answers beside the result
    assert any(ANSWER[:40] in m.value for m in at.markdown)
    # Compare: the answered run is its own revision (answers included), beside the one without them
    at.button(key="to_compare").click().run()
    ok(at)
    assert at.selectbox(key="compare_from").value == 1 and at.selectbox(key="compare_to").value == 2
    assert any("Follow" in m.value and "answers" in m.value for m in at.markdown)


def test_empty_answers_are_allowed(db):
    at = submit_example(app().run())
    at.button(key="answer_submit").click().run()
    ok(at)
    with Store(db) as store:
        result = store.get_result(at.session_state["run_id"])
    assert result is not None and not any(result.answers.values())
    assert any("left empty" in c.value for c in at.caption)


def test_a_reload_of_a_waiting_run_brings_the_questions_back(db):
    with Store(db) as store:
        waiting = start_run(store, prepare(read_packet(EXAMPLES / ASKS), questions=True))
    assert isinstance(waiting, AwaitingAnswers)
    at = app()
    at.query_params["run"] = waiting.run_id
    at.run()
    ok(at)
    assert len(answer_boxes(at)) == len(waiting.questions)
    assert not any("No finished run" in w.value for w in at.warning)


def test_replay_labels_a_waiting_run_and_offers_to_answer_it(db):
    with Store(db) as store:
        waiting = start_run(store, prepare(read_packet(EXAMPLES / ASKS), questions=True))
    at = app().run()
    at.switch_page("app_pages/replay.py").run()
    ok(at)
    picker = at.selectbox(key="replay_select")
    assert picker.value == waiting.run_id
    assert "waiting for your answers" in picker.format_func(waiting.run_id)
    assert any("Not answered yet" in c.value for c in at.caption)
    at.button(key="replay_answer").click().run()
    ok(at)
    assert len(answer_boxes(at)) == len(waiting.questions)  # on the Submit page, ready to answer


def test_replay_of_an_answered_run_shows_questions_answers_and_votes_before_and_after(db):
    with Store(db) as store:
        waiting = start_run(store, prepare(read_packet(EXAMPLES / ASKS), questions=True))
        done = answer_run(store, waiting.run_id, {waiting.questions[0].id: ANSWER})
    assert isinstance(done, RunResult)
    at = app().run()
    at.switch_page("app_pages/replay.py").run()
    at.selectbox(key="replay_select").set_value(done.run_id).run()
    ok(at)
    texts = " ".join(m.value for m in at.markdown)
    assert waiting.questions[0].text[:30] in texts and ANSWER[:40] in texts
    table = next(d.value for d in at.table if "before the answers (blind)" in d.value.columns)
    assert len(table) == 4 and "Elena Marchetti" in set(table["persona"])  # names, not ids
    assert not set(table["persona"]) & set(done.personas)
    moved = table[table["what the answers did"] != "unchanged"]
    assert "Elena Marchetti" in set(moved["persona"])  # her blind vote rose with the answer to her question
    assert set(table["before the answers (blind)"]) <= {"Strong Hire", "Hire", "No Hire", "Strong No Hire"}
    assert set(table["after the answers (blind)"]) <= {"Strong Hire", "Hire", "No Hire", "Strong No Hire"}


def test_follow_up_reads_questions_answers_and_votes_from_the_replay_steps(db):
    """`present.followup.follow_up`: a waiting run has its questions and no answers; an
    empty answer keeps the blind votes (after = before); an answer moves the asker's."""
    from committee.graph.runner import replay_steps
    from committee.present.followup import follow_up

    with Store(db) as store:
        waiting = start_run(store, prepare(read_packet(EXAMPLES / ASKS), questions=True))
        panel = list(store.get_run(waiting.run_id).panel)
        fu = follow_up(replay_steps(store, waiting.run_id), panel)
        assert fu is not None and not fu.answered and [q.id for q in fu.questions] == [q.id for q in waiting.questions]
        assert all(v.before and v.after is None and v.final is None for v in fu.votes)
        empty = answer_run(store, waiting.run_id, {})
        fu = follow_up(replay_steps(store, empty.run_id), panel)
        assert fu.answered and not fu.any_text and all(v.before == v.after for v in fu.votes)
        assert {v.persona: v.final for v in fu.votes} == {p: v.value for p, v in empty.votes.items()}
        asked = start_run(store, prepare(read_packet(EXAMPLES / ASKS), questions=True))
        done = answer_run(store, asked.run_id, {asked.questions[0].id: ANSWER})
        fu = follow_up(replay_steps(store, done.run_id), panel)
        asker = asked.questions[0].persona
        moved = {v.persona for v in fu.votes if v.before != v.after}
        assert fu.any_text and fu.questions[0].answer == ANSWER and asker in moved
        one_shot = start_run(store, prepare(read_packet(EXAMPLES / ASKS)))
        assert follow_up(replay_steps(store, one_shot.run_id), panel) is None


def test_a_refused_answer_is_an_error_and_the_questions_stay(db, monkeypatch):
    """The runner refuses an answer (its own check, behind the box's `max_chars`): the
    page shows why, stores nothing, and the run still waits with its questions shown."""
    import committee.graph.runner as runner
    from committee.errors import BadInput

    def refuse(questions, answers):
        raise BadInput("the answer to q1 is 9,999 characters; keep it under 4,000")

    monkeypatch.setattr(runner, "check_answers", refuse)
    at = submit_example(app().run())
    answer_boxes(at)[0].input(ANSWER)
    at.button(key="answer_submit").click().run()
    ok(at)
    assert any("keep it under 4,000" in e.value for e in at.error)
    with Store(db) as store:
        [row] = store.list_runs()
        assert row.status == "awaiting_answers" and row.revision == 1  # nothing was stored
    assert answer_boxes(at) and at.query_params["run"] in (row.run_id, [row.run_id])


def test_the_app_asks_answers_and_forks_with_the_anthropic_engine(db, monkeypatch):
    """Both parts of the loop in the app with an LLM engine, against the scripted stand-in
    server (the real SDK through a mocked HTTP transport): Submit asks a persona's own
    question and finishes on the answers; Replay's What if builds a fork of that run
    without sending a review request."""
    from committee.engines.llm.fake import FakeLLMServer
    from tests.fakes import with_transport

    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    fake = FakeLLMServer(asks={"safety-lead": "silent-dimension"})
    with_transport(monkeypatch, "anthropic", fake)
    at = app().run()
    at.radio(key="engine").set_value("anthropic").run()
    ok(at)
    submit_example(at, "strong-safety-pm.md")
    with Store(db) as store:
        [row] = store.list_runs()
        assert row.status == "awaiting_answers" and row.engine == "anthropic"
    assert fake.count(kind="question") == 4 and fake.count(kind="turn") == 0
    [box] = answer_boxes(at)
    box.input(ANSWER)
    at.button(key="answer_submit").click().run()
    ok(at)
    with Store(db) as store:
        done = store.get_result(row.run_id)
    assert done.answers == {"q1": ANSWER} and done.decision is not None and fake.count(kind="turn") > 0
    reviews_before = fake.count(kind="review")
    at.switch_page("app_pages/replay.py").run()
    ok(at)
    at.selectbox(key="replay_select").set_value(row.run_id).run()
    at.selectbox(key="whatif_kind").set_value("protocol").run()
    at.button(key="whatif_build").click().run()
    ok(at)
    with Store(db) as store:
        [fork] = store.forks_of(row.run_id)
        assert fork.status == "done" and fork.engine == "anthropic" and "protocol" in fork.changed
    assert fake.count(kind="review") == reviews_before  # the blind reviews are the parent's, not asked again
