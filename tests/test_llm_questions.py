"""Follow-up questions voiced by the LLM engines (issue 17): the `question` reply kind
through both adapters (anthropic, openai), each through its real SDK over a mocked HTTP
transport (no socket) to the stand-in server: the prompt, the pinned schema, validation
and repair, and whole runs that ask, wait for answers and finish."""

from __future__ import annotations

import json

import pytest

from committee.catalog import default_catalog
from committee.engines.anthropic import AnthropicEngine
from committee.engines.llm.fake import FakeLLMServer
from committee.engines.llm.prompts import packet_markers, question_prompt, quote_markers, review_prompt, said_markers
from committee.engines.llm.schemas import (
    KINDS,
    QUESTION_MAX_CHARS,
    InvalidReply,
    parse_reply,
    question_from,
    reply_schema,
)
from committee.engines.openai import OpenAIEngine
from committee.errors import EngineFailed
from committee.graph.runner import answer_run, prepare, start_run
from committee.intake.integrity.check import find_injections
from committee.intake.packets import read_packet
from committee.models import AwaitingAnswers, Context, Question, RunResult
from tests.conftest import EXAMPLES
from tests.fakes import with_transport

PANEL = ["research-lead", "safety-lead", "vp-product", "hiring-manager"]
ADAPTERS = ["anthropic", "openai"]
ENGINES = {"anthropic": AnthropicEngine, "openai": OpenAIEngine}
MODES = ["native", "tool", "text"]


@pytest.fixture(autouse=True)
def _servers(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-questions-0001")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:11434/v1")  # a local server: no key needed
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def _packet():
    return read_packet(EXAMPLES / "strong-safety-pm.md")


@pytest.fixture
def ctx() -> Context:
    cat = default_catalog()
    packet = _packet()
    scenario = cat.scenario("safety-pm")
    return Context(
        packet=packet,
        scenario=scenario,
        signals={s: cat.signals[s] for s in scenario.signals},
        panel={p: cat.persona(p) for p in PANEL},
        integrity=find_injections(packet),
    )


def _engine(name: str, fake: FakeLLMServer, mode: str = "native"):
    return ENGINES[name](http_client=fake.client(), max_retries=0, output_mode=mode)


def _ask(engine, ctx, pid: str):
    review, _ = engine.review(ctx, ctx.panel[pid])
    return engine.ask(ctx, ctx.panel[pid], review)


def _schema_sent(seen) -> dict:
    body = seen.body
    if seen.mode == "native":
        fmt = body.get("output_config", {}).get("format") or body["response_format"]["json_schema"]
        return fmt["schema"]
    if seen.api == "anthropic":
        return next(t["input_schema"] for t in body["tools"] if t["name"] == body["tool_choice"]["name"])
    name = body["tool_choice"]["function"]["name"]
    return next(t["function"]["parameters"] for t in body["tools"] if t["function"]["name"] == name)


# ------------------------------------------------------------------ one call


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ADAPTERS)
def test_a_persona_asks_in_its_own_words_and_the_reply_becomes_a_question(ctx, name, mode):
    fake = FakeLLMServer(asks={"safety-lead": "unsure-reading"})
    question, usage = _ask(_engine(name, fake, mode), ctx, "safety-lead")
    assert isinstance(question, Question)
    assert question.persona == "safety-lead" and question.kind == "unsure-reading"
    assert question.text.startswith("safety-lead asks:")
    assert question.quote and question.quote in ctx.packet.text  # a verbatim span, kept
    assert question.dimension in {d.id for d in ctx.scenario.dimensions}
    assert usage.calls == 1 and usage.dropped_quotes == 0
    seen = next(s for s in fake.seen if s.kind == "question")
    assert seen.mode == mode and not seen.repair
    if mode == "tool":  # every reply tool declared (a stable, cached tool list), the question's forced
        if name == "anthropic":
            assert [t["name"] for t in seen.body["tools"]] == ["submit_review", "submit_turn", "submit_question"]
            assert seen.body["tool_choice"]["name"] == "submit_question"
        else:
            assert seen.body["tool_choice"]["function"]["name"] == "submit_question"
    if mode != "text":
        schema = _schema_sent(seen)
        assert schema == reply_schema("question", ctx)
        assert schema["properties"]["dimension"]["anyOf"][0]["enum"] == [d.id for d in ctx.scenario.dimensions]
        assert schema["properties"]["case_prompt"]["anyOf"][0]["enum"] == [c.id for c in ctx.scenario.case_prompts]


@pytest.mark.parametrize("name", ADAPTERS)
def test_each_kind_of_question_carries_its_own_anchor(ctx, name):
    fake = FakeLLMServer(asks={"research-lead": "silent-dimension", "vp-product": "unanswered-prompt"})
    engine = _engine(name, fake)
    silent, _ = _ask(engine, ctx, "research-lead")
    assert silent.kind == "silent-dimension" and silent.dimension in ctx.scenario.rules.must_pass
    assert silent.quote is None and silent.case_prompt is None
    prompt, _ = _ask(engine, ctx, "vp-product")
    assert prompt.kind == "unanswered-prompt" and prompt.case_prompt == ctx.scenario.case_prompts[0].id


@pytest.mark.parametrize("name", ADAPTERS)
def test_ask_false_is_no_question(ctx, name):
    fake = FakeLLMServer()  # nobody scripted to ask
    question, usage = _ask(_engine(name, fake), ctx, "hiring-manager")
    assert question is None
    assert usage.calls == 1 and fake.count(kind="question") == 1


@pytest.mark.parametrize("name", ADAPTERS)
def test_an_invalid_reply_gets_one_repair_request(ctx, name):
    fake = FakeLLMServer(asks={"safety-lead": "silent-dimension"})
    fake.on(kind="question", text="I would like to ask about their values.")
    question, usage = _ask(_engine(name, fake), ctx, "safety-lead")
    assert question is not None and question.kind == "silent-dimension"
    calls = [s for s in fake.seen if s.kind == "question"]
    assert [s.repair for s in calls] == [False, True]
    assert usage.calls == 2
    repair = calls[1].body["messages"][-1]["content"]
    assert "could not be used" in repair and "`question` schema" in repair


@pytest.mark.parametrize("name", ADAPTERS)
def test_an_overlong_or_empty_question_is_repaired_then_fails(ctx, name):
    fake = FakeLLMServer(asks={"safety-lead": "silent-dimension"})
    long = {"ask": True, "kind": "silent-dimension", "dimension": "values", "case_prompt": None, "quote": None}
    fake.on(kind="question", text=json.dumps({**long, "question": "Why? " * 200}))
    fake.on(kind="question", text=json.dumps({**long, "question": "   "}))
    engine = _engine(name, fake)
    with pytest.raises(EngineFailed, match="question by safety-lead: invalid structured output after one repair"):
        _ask(engine, ctx, "safety-lead")
    assert [s.repair for s in fake.seen if s.kind == "question"] == [False, True]
    assert engine.failed_usage().failed_calls == 1


@pytest.mark.parametrize("name", ADAPTERS)
def test_a_quote_not_in_the_packet_is_dropped_and_the_question_kept(ctx, name):
    fake = FakeLLMServer()
    invented = "I single-handedly stopped every jailbreak ever attempted."
    reply = {
        "ask": True,
        "kind": "unsure-reading",
        "dimension": "alignment_judgement",
        "case_prompt": "weights-leak",  # ignored: only an unanswered-prompt names a case prompt
        "question": "What exactly did you do when the red team found a jailbreak?",
        "quote": invented,
    }
    fake.on(kind="question", text=json.dumps(reply))
    question, usage = _ask(_engine(name, fake), ctx, "safety-lead")
    assert question.quote is None and question.case_prompt is None
    assert question.text == reply["question"]
    assert usage.dropped_quotes == 1 and not any(s.repair for s in fake.seen)


def test_the_prompt_shares_the_reviews_cached_prefix_and_keeps_the_packet_as_data(ctx):
    fake = FakeLLMServer(asks={"safety-lead": "unsure-reading"})
    engine = _engine("anthropic", fake, "tool")  # the tool list is the same for every kind (native: per schema)
    review, _ = engine.review(ctx, ctx.panel["safety-lead"])
    _, usage = engine.ask(ctx, ctx.panel["safety-lead"], review)
    first, asked = fake.seen
    assert asked.body["system"] == first.body["system"]  # shared + persona: the review's prefix
    assert asked.body["tools"] == first.body["tools"]
    assert usage.cache_read_input_tokens > 0 and usage.cache_creation_input_tokens == 0
    begin, end = packet_markers(ctx)
    shared = asked.body["system"][0]["text"]
    assert shared.index(begin) < shared.index(end) and shared.rstrip().endswith(end)
    assert "- `question`: " in shared  # its schema in the shared brief, like the others
    task = asked.body["messages"][0]["content"]
    assert task.startswith("[task: question]")
    assert begin not in task and ctx.packet.text[:200] not in task  # the packet only in the shared brief
    assert "at most one question" in task and '"ask": false' in task
    assert "Must-pass dimensions: `product_sense`, `alignment_judgement`, `values`" in task
    assert all(f"`{c.id}`" in task for c in ctx.scenario.case_prompts)
    assert review.vote.value in task and all(e.quote in task for e in review.evidence)
    (q_begin, q_end), (s_begin, s_end) = quote_markers(ctx), said_markers(ctx)
    quoted = [ln for ln in task.splitlines() if ln.startswith("  - [")]
    assert quoted and all(q_begin in ln and ln.rstrip().endswith(q_end) for ln in quoted)  # packet text: fenced
    (summary,) = [ln for ln in task.splitlines() if ln.startswith("Summary:")]
    assert summary == f"Summary: {s_begin}{review.summary}{s_end}"
    p = question_prompt(ctx, ctx.panel["safety-lead"], review)
    assert p.kind == "question" and set(p.schemas) == set(KINDS) == {"review", "turn", "question"}
    r = review_prompt(ctx, ctx.panel["safety-lead"])
    assert (p.shared, p.persona, p.schemas) == (r.shared, r.persona, r.schemas)


def test_text_mode_checks_what_no_schema_constrains(ctx):
    base = {"ask": True, "kind": "silent-dimension", "question": "What would you do?"}
    with pytest.raises(InvalidReply, match="unknown dimension 'vibes'"):
        question_from(parse_reply(json.dumps({**base, "dimension": "vibes"}), "question"), ctx, "safety-lead")
    with pytest.raises(InvalidReply, match="`kind` is required"):
        question_from(parse_reply(json.dumps({"ask": True, "question": "Why?"}), "question"), ctx, "safety-lead")
    with pytest.raises(InvalidReply, match="unknown case prompt"):
        reply = {**base, "kind": "unanswered-prompt", "case_prompt": "no-such-prompt"}
        question_from(parse_reply(json.dumps(reply), "question"), ctx, "safety-lead")
    with pytest.raises(InvalidReply):  # `ask` is required
        parse_reply(json.dumps({"question": "Why?"}), "question")
    assert question_from(parse_reply('{"ask": false, "question": "ignored"}', "question"), ctx, "x") == (None, 0)
    long = {**base, "question": "x" * (QUESTION_MAX_CHARS + 1)}
    with pytest.raises(InvalidReply, match="keep it under 300"):
        question_from(parse_reply(json.dumps(long), "question"), ctx, "safety-lead")


# ------------------------------------------------------------------ whole runs


def _start(monkeypatch, store, engine, fake, run_id, **kw):
    with_transport(monkeypatch, engine, fake)
    opts = {"max_retries": 0, **kw.pop("options", {})}
    prep = prepare(_packet(), engine=engine, engine_options=opts, questions=True, rounds=1, **kw)
    return start_run(store, prep, run_id=run_id)


@pytest.mark.parametrize("name", ADAPTERS)
def test_a_run_that_asks_waits_for_answers_and_answer_run_finishes_it(monkeypatch, store, name):
    fake = FakeLLMServer(asks={"safety-lead": "silent-dimension", "vp-product": "unsure-reading"})
    waiting = _start(monkeypatch, store, name, fake, f"ask-{name}")
    assert isinstance(waiting, AwaitingAnswers) and waiting.run_id == f"ask-{name}"
    assert [(q.id, q.persona, q.kind) for q in waiting.questions] == [
        ("q1", "safety-lead", "silent-dimension"),
        ("q2", "vp-product", "unsure-reading"),
    ]
    assert waiting.questions[1].quote in _packet().text
    assert fake.count(kind="review") == 4 and fake.count(kind="question") == 4 and fake.count(kind="turn") == 0
    assert store.get_run(waiting.run_id).status == "awaiting_answers"
    answer = "I would hold the launch until the red team signs off, and I would say so to the customer."
    result = answer_run(store, waiting.run_id, {"q1": answer})
    assert isinstance(result, RunResult)
    assert [q.id for q in result.questions] == ["q1", "q2"] and result.answers == {"q1": answer, "q2": ""}
    assert fake.count(kind="question") == 4, "the committee asked again after the answers"
    assert fake.count(kind="review") == 8  # the answered packet is read again, blind
    assert fake.count(kind="turn") > 0 and result.decision is not None
    reread = [s for s in fake.seen if s.kind == "review"][-1]
    system = json.dumps(reread.body.get("system") or reread.body["messages"][0])
    assert "Follow-up answers" in system and "hold the launch until the red team signs off" in system
    assert result.usage.calls == fake.count(ok=True)


@pytest.mark.parametrize("name", ADAPTERS)
def test_a_run_where_nobody_asks_goes_straight_to_the_debrief(monkeypatch, store, name):
    fake = FakeLLMServer()
    result = _start(monkeypatch, store, name, fake, f"noask-{name}")
    assert isinstance(result, RunResult) and result.decision is not None
    assert fake.count(kind="question") == 4 and fake.count(kind="review") == 4
    assert result.questions == []


@pytest.mark.parametrize("mode", MODES)
def test_blind_schema_valid_questions_need_no_repair(monkeypatch, store, mode):
    """Any `question` reply that fits the pinned schema is valid by construction."""
    fake = FakeLLMServer(blind=True, seed=3)
    out = _start(monkeypatch, store, "anthropic", fake, f"blind-ask-{mode}", options={"output_mode": mode})
    assert fake.count(kind="question") == 4
    assert not any(s.repair for s in fake.seen), "a schema-valid reply was sent back for repair"
    if isinstance(out, AwaitingAnswers):
        assert out.questions and all(q.text for q in out.questions)
        out = answer_run(store, out.run_id, {})
    assert isinstance(out, RunResult) and out.decision is not None


def test_review_questions_and_answer_through_the_cli(monkeypatch, capsys, db_path, tmp_path):
    from tests.conftest import run_cli as run

    fake = FakeLLMServer(asks={"hiring-manager": "unanswered-prompt"})
    with_transport(monkeypatch, "anthropic", fake)
    packet = str(EXAMPLES / "strong-safety-pm.md")
    args = ("--engine", "anthropic", "--rounds", "1", "--max-retries", "0", "--db", str(db_path))
    code, out, err = run(monkeypatch, capsys, "review", packet, "--questions", "--json", *args)
    assert code == 0, err
    waiting = json.loads(out.strip())
    assert waiting["status"] == "awaiting_answers"
    (q,) = waiting["questions"]
    assert (q["id"], q["persona"], q["kind"]) == ("q1", "hiring-manager", "unanswered-prompt")
    answers = tmp_path / "answers.yaml"
    answers.write_text("q1: I would ship the revenue feature only behind the jailbreak detector's old threshold.\n")
    code, out, err = run(
        monkeypatch, capsys, "answer", waiting["run_id"], "--answers", str(answers), "--json", *args[-2:]
    )
    assert code == 0, err
    done = json.loads(out.strip())
    assert done["questions"][0]["case_prompt"] == q["case_prompt"] and done["answers"]["q1"].startswith("I would ship")
    assert done["decision"] and fake.count(kind="review") == 8


def test_a_mixed_panel_routes_each_question_to_the_personas_own_engine(monkeypatch, store):
    fake = FakeLLMServer(asks={"safety-lead": "unsure-reading", "vp-product": "silent-dimension"})
    with_transport(monkeypatch, "anthropic", fake)
    waiting = _start(monkeypatch, store, "openai", fake, "ask-mixed", persona_engines=["safety-lead=anthropic"])
    assert isinstance(waiting, AwaitingAnswers)
    assert {q.persona for q in waiting.questions} == {"safety-lead", "vp-product"}
    asked = {s.persona: s.api for s in fake.seen if s.kind == "question"}
    assert asked == {
        "research-lead": "openai",
        "safety-lead": "anthropic",
        "vp-product": "openai",
        "hiring-manager": "openai",
    }


def test_a_failed_question_call_stops_the_run_and_resume_asks_without_reviewing_again(monkeypatch, store):
    from committee.graph.runner import resume_run

    fake = FakeLLMServer(asks={"vp-product": "unanswered-prompt"})
    fake.on(kind="question", persona="vp-product", status=500, times=None)
    with pytest.raises(EngineFailed, match="vp-product"):
        _start(monkeypatch, store, "anthropic", fake, "ask-fail")
    assert fake.count(kind="review") == 4 and fake.count(kind="turn") == 0
    assert store.get_run("ask-fail").status == "failed"
    fake.rules.clear()
    waiting = resume_run(store, "ask-fail")
    assert isinstance(waiting, AwaitingAnswers) and [q.persona for q in waiting.questions] == ["vp-product"]
    assert fake.count(kind="review") == 4, "resume repeated a finished review"
    result = answer_run(store, "ask-fail", {"q1": ""})  # no answer: the blind reviews stand
    assert result.decision is not None and fake.count(kind="review") == 4 and result.answers == {"q1": ""}
