"""The provider-neutral LLM layer through both adapters (anthropic, openai), each through
its real SDK over a mocked HTTP transport (no socket): pinned schemas against a blind
stand-in, output modes and their automatic choice, faults, failed-call usage, mixed
panels and resume."""

from __future__ import annotations

import json

import httpx2
import pytest

from committee.engines.llm.fake import FakeLLMServer
from committee.errors import BadInput, EngineFailed
from committee.graph.runner import prepare, resume_run, start_run
from committee.intake.packets import read_packet
from tests.conftest import EXAMPLES
from tests.conftest import run_cli as run
from tests.fakes import with_transport

PANEL = ["research-lead", "safety-lead", "vp-product", "hiring-manager"]
ADAPTERS = ["anthropic", "openai"]
FAST = {"retry-after-ms": "1"}


@pytest.fixture(autouse=True)
def _servers(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-layer-0001")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:11434/v1")  # a local server: no key needed
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def _packet():
    return read_packet(EXAMPLES / "strong-safety-pm.md")


def _run(monkeypatch, store, engine, fake, run_id="r1", **kw):
    with_transport(monkeypatch, engine, fake)
    prep = prepare(_packet(), engine=engine, engine_options={"max_retries": 0, **kw.pop("options", {})}, **kw)
    return start_run(store, prep, run_id=run_id)


# ------------------------------------------------------------------ blind stand-in


@pytest.mark.parametrize("mode", ["native", "tool", "text"])
@pytest.mark.parametrize("engine", ADAPTERS)
def test_blind_schema_valid_replies_complete_review_debrief_and_resume(monkeypatch, store, engine, mode):
    """Any reply that fits the pinned schema is valid by construction: no repair request
    is ever needed, whatever the ids, scores and votes the stand-in draws."""
    fake = FakeLLMServer(blind=True, seed=7)
    fake.on(kind="turn", status=500, times=None)  # the debrief fails: resume must finish it
    with pytest.raises(EngineFailed):
        _run(monkeypatch, store, engine, fake, run_id=f"blind-{engine}-{mode}", options={"output_mode": mode}, rounds=3)
    reviews = fake.count(kind="review", ok=True)
    assert reviews == 4 and not any(s.repair for s in fake.seen)
    fake.rules.clear()
    result = resume_run(store, f"blind-{engine}-{mode}")
    assert fake.count(kind="review") == reviews, "resume repeated a finished review"
    assert len(result.reviews) == 4 and result.debrief
    assert len({tuple(sorted(r.scores)) for r in result.reviews}) == 1
    assert not any(s.repair for s in fake.seen), "a schema-valid reply was sent back for repair"
    assert {s.mode for s in fake.seen} == {mode}
    assert result.usage.dropped_quotes > 0  # random quotes are not in the packet: dropped, counted


@pytest.mark.parametrize("engine", ADAPTERS)
def test_schema_pins_the_scenarios_ids(monkeypatch, store, engine):
    fake = FakeLLMServer()
    _run(monkeypatch, store, engine, fake, rounds=1)
    review = next(s for s in fake.seen if s.kind == "review")
    turn = next(s for s in fake.seen if s.kind == "turn")
    if engine == "anthropic":
        rs, ts = (s.body["output_config"]["format"]["schema"] for s in (review, turn))
    else:
        rs, ts = (s.body["response_format"]["json_schema"]["schema"] for s in (review, turn))
        assert review.body["response_format"]["json_schema"]["strict"] is True
    from committee.catalog import default_catalog

    dims = [d.id for d in default_catalog().scenario("safety-pm").dimensions]
    assert rs["properties"]["scores"]["required"] == dims
    assert ts["properties"]["to"]["anyOf"][0]["enum"] == PANEL
    assert "null" in json.dumps(ts["properties"]["to"]["anyOf"][1])


# ------------------------------------------------------------------ plausible stand-in


@pytest.mark.parametrize("engine", ADAPTERS)
def test_plausible_model_quotes_the_packet_and_changes_a_vote_with_a_reason(monkeypatch, store, engine):
    fake = FakeLLMServer(changes={"vp-product": "no_hire"})
    result = _run(monkeypatch, store, engine, fake)
    assert result.engine.name == engine
    assert all(r.evidence for r in result.reviews)
    moved = [t for t in result.debrief if t.previous_vote and t.vote != t.previous_vote]
    assert [t.speaker for t in moved] == ["vp-product"] and moved[0].reason
    assert result.votes["vp-product"].value == "no_hire"
    assert result.usage.calls == fake.count(ok=True) and result.usage.dropped_quotes == 0


def test_openai_requests_go_to_chat_completions_with_one_system_message(monkeypatch, store):
    fake = FakeLLMServer()
    result = _run(monkeypatch, store, "openai", fake, rounds=1)
    body = fake.seen[0].body
    assert fake.seen[0].url.startswith("http://localhost:11434/v1/chat/completions")
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert "max_tokens" in body and "max_completion_tokens" not in body  # what local servers read
    assert fake.seen[0].headers["authorization"] == "Bearer not-needed"
    assert result.persona_engines["safety-lead"].model == "gpt-5.4-mini"


def test_openai_api_without_a_key_is_bad_input(monkeypatch):
    monkeypatch.delenv("OPENAI_BASE_URL")
    with pytest.raises(BadInput, match="OPENAI_API_KEY"):
        prepare(_packet(), engine="openai")


def test_openai_api_uses_max_completion_tokens(monkeypatch, store):
    monkeypatch.delenv("OPENAI_BASE_URL")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-proj-test-layer-0001")
    fake = FakeLLMServer()
    _run(monkeypatch, store, "openai", fake, rounds=1)
    assert "max_completion_tokens" in fake.seen[0].body and fake.seen[0].url.startswith("https://api.openai.com/v1/")
    assert fake.seen[0].headers["authorization"] == "Bearer sk-proj-test-layer-0001"


# ------------------------------------------------------------------ output modes


@pytest.mark.parametrize("engine", ADAPTERS)
def test_auto_mode_moves_on_when_the_server_rejects_a_mode(monkeypatch, store, engine):
    fake = FakeLLMServer(reject_modes={"native", "tool"})
    result = _run(monkeypatch, store, engine, fake)
    modes = [s.mode for s in fake.seen]
    assert modes[0] == "native" and "tool" in modes and modes[-1] == "text"
    assert [s.status for s in fake.seen if s.mode != "text"] == [400] * (len(modes) - modes.count("text"))
    assert modes.count("native") <= 4 and modes.count("tool") <= 4, "a rejected mode is not retried for ever"
    assert len(result.reviews) == 4


@pytest.mark.parametrize("engine", ADAPTERS)
def test_a_set_mode_that_the_server_rejects_is_a_clear_error(monkeypatch, store, engine):
    fake = FakeLLMServer(reject_modes={"native"})
    with pytest.raises(EngineFailed, match="rejected output mode 'native'.*--output-mode"):
        _run(monkeypatch, store, engine, fake, options={"output_mode": "native"})


def test_an_unknown_output_mode_is_bad_input():
    with pytest.raises(BadInput, match="output_mode"):
        prepare(_packet(), engine="anthropic", engine_options={"output_mode": "xml"})


# ------------------------------------------------------------------ faults


@pytest.mark.parametrize("engine", ADAPTERS)
@pytest.mark.parametrize("status", [429, 529])
def test_rate_limit_and_overload_are_retried_by_the_sdk(monkeypatch, store, engine, status):
    fake = FakeLLMServer()
    fake.on(kind="review", persona="safety-lead", status=status, headers=FAST, times=1)
    result = _run(monkeypatch, store, engine, fake, options={"max_retries": 2})
    assert fake.count(kind="review", persona="safety-lead") == 2 and len(result.reviews) == 4


@pytest.mark.parametrize("engine", ADAPTERS)
def test_a_stringified_list_is_decoded(monkeypatch, store, engine):
    from committee.catalog import default_catalog

    fake = FakeLLMServer()
    scenario = default_catalog().scenario("safety-pm")
    quote = next(
        line.strip()
        for line in _packet().text.splitlines()
        if 60 < len(line.strip()) < 250 and not line.startswith(("#", "-"))
    )
    reply = {
        "evidence": json.dumps([{"quote": quote, "signal": scenario.signals[0]}]),
        "scores": json.dumps({d.id: 3 for d in scenario.dimensions}),
        "summary": "s",
        "vote": "hire",
        "confidence": 0.6,
    }
    fake.on(kind="review", persona="safety-lead", text=json.dumps(reply), times=1)
    result = _run(monkeypatch, store, engine, fake, options={"output_mode": "text"}, rounds=1)
    review = next(r for r in result.reviews if r.persona == "safety-lead")
    assert review.evidence and review.evidence[0].quote == quote
    assert not any(s.repair for s in fake.seen)


@pytest.mark.parametrize("engine", ADAPTERS)
def test_a_dropped_connection_is_engine_failed_naming_the_persona(monkeypatch, store, engine):
    fake = FakeLLMServer()
    fake.on(kind="review", persona="hiring-manager", error=httpx2.RemoteProtocolError("connection dropped"), times=None)
    with pytest.raises(EngineFailed, match="review by hiring-manager: cannot reach"):
        _run(monkeypatch, store, engine, fake)


@pytest.mark.parametrize("engine", ADAPTERS)
def test_refusal_is_a_one_line_error_naming_the_persona(monkeypatch, store, engine):
    fake = FakeLLMServer()
    fake.on(kind="review", persona="vp-product", stop_reason="refusal", text="no", times=None)
    with pytest.raises(EngineFailed, match="review by vp-product: the model refused") as info:
        _run(monkeypatch, store, engine, fake)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("engine", ADAPTERS)
def test_tokens_of_a_call_that_failed_for_good_are_recorded(monkeypatch, store, engine):
    fake = FakeLLMServer()
    fake.on(kind="review", persona="safety-lead", text="not json at all", times=2)
    with pytest.raises(EngineFailed, match="after one repair request"):
        _run(monkeypatch, store, engine, fake, run_id="spent")
    spent = store.failed_usage("spent")
    assert spent.calls == 2, "both requests (the reply and its repair) were paid for"
    assert spent.failed_calls == 1 and spent.input_tokens > 0, "one engine call failed"
    result = resume_run(store, "spent")
    assert result.usage.failed_calls == 1
    assert result.usage.calls == fake.count(ok=True), "every paid call is in the run's usage"


# ------------------------------------------------------------------ mixed panels


def test_mixed_panel_voices_each_persona_with_its_engine_and_resume_rebuilds_it(monkeypatch, store):
    fake = FakeLLMServer()
    with_transport(monkeypatch, "openai", fake)
    with_transport(monkeypatch, "anthropic", fake)
    prep = prepare(
        _packet(),
        engine="anthropic",
        engine_options={"max_retries": 0, "model": "claude-haiku-5-5"},
        persona_engines=["vp-product=openai", "hiring-manager=offline"],
        persona_models=["vp-product=llama3.1"],
    )
    fake.on(kind="turn", persona="vp-product", status=500, times=None)
    with pytest.raises(EngineFailed):
        start_run(store, prep, run_id="mixed")
    by_api = {(s.api, s.persona, s.body["model"]) for s in fake.seen if s.kind == "review"}
    assert by_api == {
        ("anthropic", "research-lead", "claude-haiku-5-5"),
        ("anthropic", "safety-lead", "claude-haiku-5-5"),
        ("openai", "vp-product", "llama3.1"),
    }
    fake.rules.clear()
    result = resume_run(store, "mixed")
    assert result.engine.name == "mixed"
    assert {p: (e.name, e.model) for p, e in result.persona_engines.items()} == {
        "research-lead": ("anthropic", "claude-haiku-5-5"),
        "safety-lead": ("anthropic", "claude-haiku-5-5"),
        "vp-product": ("openai", "llama3.1"),
        "hiring-manager": ("offline", "rubric-v3"),
    }
    assert fake.count(kind="review") == 3, "resume repeated a review"
    assert {(s.api, s.body["model"]) for s in fake.seen if s.persona == "vp-product"} == {("openai", "llama3.1")}


def test_persona_file_engine_is_used_and_a_flag_overrides_it(monkeypatch, store):
    from committee.catalog import default_catalog

    fake = FakeLLMServer()
    with_transport(monkeypatch, "openai", fake)
    cat = default_catalog()
    lead = cat.persona("safety-lead").model_copy(update={"engine": "openai", "model": "qwen3"})
    monkeypatch.setitem(cat.personas, "safety-lead", lead)
    prep = prepare(_packet(), engine="offline", catalog=cat)
    assert {p.id: (p.engine, p.model) for p in prep.panel}["safety-lead"] == ("openai", "qwen3")
    prep = prepare(_packet(), engine="offline", catalog=cat, persona_engines=["safety-lead=offline"])
    assert {p.id: p.engine for p in prep.panel}["safety-lead"] == "offline" and prep.engine.name == "offline"


@pytest.mark.parametrize(
    "items, flag, words",
    [
        (["vp-product"], "persona_engines", "PERSONA=VALUE"),
        (["nobody=openai"], "persona_engines", "not on the panel"),
        (["vp-product=gemini"], "persona_engines", "unknown engine"),
    ],
)
def test_bad_persona_assignments_are_bad_input(items, flag, words):
    with pytest.raises(BadInput, match=words):
        prepare(_packet(), **{flag: items})


def test_an_option_no_engine_on_the_panel_takes_is_bad_input():
    with pytest.raises(BadInput, match="--timeout"):
        prepare(_packet(), engine="offline", engine_options={"timeout": 5})


def test_cli_mixed_panel_json_reports_each_personas_engine_and_model(monkeypatch, capsys, db_path):
    fake = FakeLLMServer()
    with_transport(monkeypatch, "openai", fake)
    code, out, err = run(
        monkeypatch,
        capsys,
        "review",
        str(EXAMPLES / "strong-safety-pm.md"),
        "--json",
        "--db",
        str(db_path),
        "--persona-engine",
        "safety-lead=openai",
        "--persona-model",
        "safety-lead=llama3.1",
        "--max-retries",
        "0",
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["persona_engines"]["safety-lead"] == {"name": "openai", "model": "llama3.1"}
    assert data["persona_engines"]["vp-product"]["name"] == "offline"
    assert data["engine"]["name"] == "mixed"


def test_cli_resume_takes_engine_options(monkeypatch, capsys, db_path):
    fake = FakeLLMServer()
    with_transport(monkeypatch, "openai", fake)
    fake.on(kind="turn", status=500, times=None)
    code, _, err = run(
        monkeypatch,
        capsys,
        "review",
        str(EXAMPLES / "strong-safety-pm.md"),
        "--engine",
        "openai",
        "--db",
        str(db_path),
        "--max-retries",
        "0",
    )
    assert code == 3, err
    fake.rules.clear()
    code, out, err = run(
        monkeypatch,
        capsys,
        "resume",
        "latest",
        "--db",
        str(db_path),
        "--timeout",
        "30",
        "--max-retries",
        "1",
        "--concurrency",
        "2",
        "--output-mode",
        "tool",
        "--json",
    )
    assert code == 0, err
    assert {s.mode for s in fake.seen if s.kind == "turn" and s.status == 200} == {"tool"}


def test_replay_export_and_compare_show_which_model_voiced_whom(monkeypatch, capsys, db_path, tmp_path):
    fake = FakeLLMServer()
    with_transport(monkeypatch, "openai", fake)
    packet = tmp_path / "p.md"
    packet.write_text((EXAMPLES / "strong-safety-pm.md").read_text(encoding="utf-8"), encoding="utf-8")
    code, _, err = run(
        monkeypatch,
        capsys,
        "review",
        str(packet),
        "--db",
        str(db_path),
        "--persona-engine",
        "safety-lead=openai",
        "--persona-model",
        "safety-lead=qwen3",
    )
    assert code == 0, err
    code, out, err = run(monkeypatch, capsys, "replay", "latest", "--db", str(db_path))
    assert code == 0, err
    assert "openai / qwen3" in " ".join(out.split())
    code, out, err = run(monkeypatch, capsys, "export", "latest", "--format", "md", "--db", str(db_path))
    assert code == 0, err
    assert "`openai / qwen3`" in out and "`offline / rubric-v3`" in out
    packet.write_text(packet.read_text(encoding="utf-8") + "\nOne more line for a new revision.\n", encoding="utf-8")
    code, _, err = run(
        monkeypatch,
        capsys,
        "review",
        str(packet),
        "--db",
        str(db_path),
        "--persona-engine",
        "safety-lead=openai",
        "--persona-model",
        "safety-lead=llama3.1",
    )
    assert code == 0, err
    key = json.loads(run(monkeypatch, capsys, "runs", "--json", "--db", str(db_path))[1].splitlines()[0])["packet_key"]
    code, out, err = run(monkeypatch, capsys, "compare", key, "--db", str(db_path))
    assert code == 0, err
    flat = " ".join(out.split())
    assert "voiced by" in flat and "qwen3" in flat and "llama3.1" in flat
    packet.write_text(packet.read_text(encoding="utf-8") + "\nAnd another.\n", encoding="utf-8")
    code, _, err = run(
        monkeypatch,
        capsys,
        "review",
        str(packet),
        "--db",
        str(db_path),
        "--persona-engine",
        "safety-lead=openai",
        "--persona-model",
        "safety-lead=llama3.1",
    )
    assert code == 0, err
    code, out, err = run(monkeypatch, capsys, "compare", key, "--db", str(db_path))
    flat = " ".join(out.split())
    assert "voiced by" in flat and flat.count("llama3.1") >= 2, "a mixed panel is shown even when unchanged"


def test_openai_reply_cut_off_at_length_gets_one_repair(monkeypatch, store):
    fake = FakeLLMServer()
    fake.on(kind="review", persona="safety-lead", stop_reason="max_tokens", text='{"vo', times=1)
    result = _run(monkeypatch, store, "openai", fake, rounds=1)
    repair = [s for s in fake.seen if s.repair]
    assert len(repair) == 1 and "cut off by max_tokens" in repair[0].body["messages"][-1]["content"]
    assert len(result.reviews) == 4


@pytest.mark.parametrize("engine, durability", [("anthropic", "sync"), ("offline", "async")])
def test_paid_engines_checkpoint_with_sync_durability(monkeypatch, store, engine, durability):
    from langgraph.pregel import Pregel

    seen = []
    real = Pregel.stream

    def spy(self, *args, **kwargs):
        seen.append(kwargs.get("durability"))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Pregel, "stream", spy)
    if engine == "offline":
        start_run(store, prepare(_packet(), rounds=1))
    else:
        _run(monkeypatch, store, engine, FakeLLMServer(), rounds=1)
    assert seen and set(seen) == {durability}


def test_packet_quotes_stay_fenced_as_data_in_debrief_prompts(monkeypatch, store):
    fake = FakeLLMServer(changes={"vp-product": "no_hire"})
    _run(monkeypatch, store, "anthropic", fake, rounds=2, protocol="round-robin")
    turn = [s for s in fake.seen if s.kind == "turn"][-1]
    reviews_block = turn.body["system"][2]["text"]
    task = turn.body["messages"][0]["content"]
    tag = reviews_block.split("<q:", 1)[1].split(">", 1)[0]
    for text in (reviews_block, task):
        for line in text.splitlines():
            if line.lstrip().startswith("- [") and "(no evidence cited)" not in line:
                assert f"<q:{tag}>" in line and line.rstrip().endswith(f"</q:{tag}>"), line
    assert "untrusted data" in turn.body["system"][0]["text"] and f"<q:{tag}>" in turn.body["system"][0]["text"]
    # what colleagues wrote may repeat packet text: fenced too, never bare
    said = reviews_block.split("Summary: <said:", 1)[1].split(">", 1)[0]
    assert f"<said:{said}>" in turn.body["system"][0]["text"]
    lines = [ln for text in (reviews_block, task) for ln in text.splitlines()]
    fenced = [ln for ln in lines if ln.startswith(("Summary:", "- round "))]
    assert fenced and all(f"<said:{said}>" in ln and ln.rstrip().endswith(f"</said:{said}>") for ln in fenced), fenced


def test_a_persona_model_for_an_engine_that_takes_none_is_bad_input():
    with pytest.raises(BadInput, match="--persona-model: vp-product .*takes no model"):
        prepare(_packet(), persona_models=["vp-product=llama3.1"])


@pytest.mark.parametrize("options", [{"timeout": float("inf")}, {"timeout": 1e20}])
def test_a_timeout_beyond_an_hour_is_bad_input(options):
    with pytest.raises(BadInput, match="timeout"):
        prepare(_packet(), engine="anthropic", engine_options=options)


def test_a_reply_the_engine_cannot_read_is_engine_failed_naming_the_persona_with_its_tokens(monkeypatch, store):
    def broken(*_a, **_k):
        raise TypeError("a bug in reading the reply")

    monkeypatch.setattr("committee.engines.llm.engine.parse_reply", broken)
    fake = FakeLLMServer()
    with pytest.raises(EngineFailed, match="review by .*TypeError: a bug in reading the reply"):
        _run(monkeypatch, store, "anthropic", fake, run_id="bug")
    assert store.failed_usage("bug").calls >= 1


def test_anthropic_reply_without_usage_counts_zero_tokens(monkeypatch, store):
    import httpx2

    fake = FakeLLMServer()
    real = fake.handler

    def no_usage(request):
        response = real(request)
        body = json.loads(response.content)
        body.pop("usage", None)
        return httpx2.Response(response.status_code, headers={"content-type": "application/json"}, json=body)

    monkeypatch.setattr(fake, "handler", no_usage)
    result = _run(monkeypatch, store, "anthropic", fake, rounds=1)
    assert len(result.reviews) == 4 and result.usage.input_tokens == 0


def test_openai_tool_arguments_as_an_object_and_content_as_parts_are_read():
    from types import SimpleNamespace as NS

    from committee.engines.openai.engine import _sent

    call = NS(function=NS(arguments={"move": "hold"}))
    completion = NS(
        usage=None, choices=[NS(message=NS(content=None, tool_calls=[call], refusal=None), finish_reason="tool_calls")]
    )
    assert json.loads(_sent(completion, "tool").text) == {"move": "hold"}
    parts = NS(
        usage=None,
        choices=[
            NS(
                message=NS(content=[{"type": "text", "text": '{"a": 1}'}], tool_calls=None, refusal=None),
                finish_reason="stop",
            )
        ],
    )
    assert _sent(parts, "text").text == '{"a": 1}'


def test_openai_reply_with_no_choices_is_repaired_once_then_names_the_reason(monkeypatch, store):
    import httpx2

    fake = FakeLLMServer()
    real = fake.handler
    emptied = []

    def no_choices(request):
        response = real(request)
        body = json.loads(response.content)
        if "[persona: safety-lead]" in json.loads(request.content)["messages"][0]["content"]:
            body["choices"] = []
            emptied.append(1)
        return httpx2.Response(response.status_code, headers={"content-type": "application/json"}, json=body)

    monkeypatch.setattr(fake, "handler", no_choices)
    with pytest.raises(EngineFailed, match="review by safety-lead: .*empty reply \\(no choices\\)") as info:
        _run(monkeypatch, store, "openai", fake, run_id="empty")
    assert len(emptied) == 2, "one repair request, then a clear error"
    assert "no JSON object" not in str(info.value)
    assert store.failed_usage("empty").failed_calls == 1


def test_openai_ready_agrees_with_what_building_the_engine_says(monkeypatch):
    from committee.engines import ENGINES, make_engine

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", "https://api.openai.com/v1/")
    assert ENGINES["openai"].ready() is not None
    with pytest.raises(BadInput, match="OPENAI_API_KEY"):
        make_engine("openai")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:11434/v1")
    assert ENGINES["openai"].ready() is None


@pytest.mark.parametrize("engine,api", [("openai", "Chat Completions"), ("anthropic", "Messages API")])
def test_a_200_that_is_not_an_api_reply_names_the_likely_cause(monkeypatch, store, engine, api):
    import httpx2

    fake = FakeLLMServer()
    monkeypatch.setattr(
        fake,
        "handler",
        lambda request: httpx2.Response(
            200, headers={"content-type": "text/html"}, content=b"<html>a login page</html>"
        ),
    )
    with pytest.raises(EngineFailed, match=f"not a {api} reply .is {engine.upper()}_BASE_URL right") as info:
        _run(monkeypatch, store, engine, fake)
    assert "AttributeError" not in str(info.value) and "\n" not in str(info.value)


def test_an_interrupted_call_is_not_counted_as_failed(monkeypatch):
    import threading

    from committee.errors import Interrupted
    from committee.graph.runner import run_context

    fake = FakeLLMServer(latency=0.5)
    with_transport(monkeypatch, "openai", fake)
    prep = prepare(_packet(), engine="openai", engine_options={"max_retries": 0})
    ctx = run_context(prep, prep.packet)
    engine = prep.engine
    threading.Timer(0.1, engine.cancel).start()
    with pytest.raises(Interrupted):
        engine.review(ctx, prep.panel[0])
    spent = engine.failed_usage()
    assert spent.failed_calls == 0, "resume makes the call again: it did not fail for good"


def test_late_executor_callbacks_after_a_failure_stay_off_stderr():
    import logging

    from committee.cli import _QuietAfterFailure

    def record(exc):
        return logging.LogRecord(
            "concurrent.futures",
            logging.ERROR,
            __file__,
            1,
            "exception calling callback for %r",
            ("<Future>",),
            (type(exc), exc, None),
        )

    quiet = _QuietAfterFailure()
    assert not quiet.filter(record(RuntimeError("cannot schedule new futures after shutdown")))
    assert not quiet.filter(record(EngineFailed("review by x: HTTP 500")))
    assert quiet.filter(record(ValueError("a real bug in a callback"))), "other errors still show"
