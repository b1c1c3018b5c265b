"""Faults and bad input that used to give a wrong answer or lose work (issue: nothing
lost, nothing hidden). Each fix has a test that fails without it; a few tests beside
them pin what must not change (a whole Windows-1252 file, URLs without secrets)."""

from __future__ import annotations

import json

import httpx2
import pytest
import yaml

from committee.catalog import default_catalog
from committee.engines.llm.fake import FakeLLMServer
from committee.errors import BadInput, EngineFailed, redact
from committee.graph.runner import prepare, resume_run, start_run, store_new_run
from committee.intake.packets import MAX_SECTIONS, parse_packet, read_packet
from committee.intake.readers.encoding import decode_text
from committee.models import Persona, Scenario
from tests.conftest import EXAMPLES
from tests.fakes import with_transport

# ------------------------------------------------------------------ a run killed before its first checkpoint


def _stored_unstarted(store, run_id: str, edit=None) -> None:
    """What start_run stores before the graph's first step (the process then dies);
    `edit` may change the stored run context (a dict) first."""
    store_new_run(store, prepare(read_packet(EXAMPLES / "strong-safety-pm.md")), run_id)
    if edit:
        with store.tx() as c:
            (context,) = c.execute("SELECT context FROM runs WHERE run_id=?", (run_id,)).fetchone()
            c.execute("UPDATE runs SET context=? WHERE run_id=?", (json.dumps(edit(json.loads(context))), run_id))


@pytest.mark.parametrize("left", ["failed", "running with a dead owner"])
def test_a_run_killed_before_its_first_checkpoint_is_restarted_by_resume(store, left):
    _stored_unstarted(store, "dead-early")
    if left == "failed":
        store.fail_run("dead-early", "killed")
    else:  # as `kill -9` leaves it: still `running`, its lease run out on another host
        with store.tx() as c:
            c.execute("UPDATE runs SET owner='gone-host:1', lease_until=0 WHERE run_id='dead-early'")
        row = store.get_run("dead-early")
        assert row.status == "running" and row.shown_status == "stopped"  # `runs` says it can be resumed
    result = resume_run(store, "dead-early")
    assert result.run_id == "dead-early" and len(result.reviews) == 4 and result.decision.outcome
    assert store.get_run("dead-early").status == "done"


# ------------------------------------------------------------------ mixed encodings


def test_one_stray_cp1252_byte_in_utf8_text_is_read_as_such_with_a_warning(caplog):
    data = "Société Générale".encode() + b"\x92s plan was to ship slowly."
    text, enc = decode_text(data, "p.md")
    assert text == "Société Générale’s plan was to ship slowly." and enc == "utf-8"
    assert "not UTF-8" in caplog.text and "Ã" not in text


def test_a_whole_cp1252_file_is_still_read_as_cp1252():
    text, enc = decode_text("Caf\u00e9 na\u00efve r\u00e9sum\u00e9 \u2019quoted\u2019".encode("cp1252"), "p.md")
    assert enc == "cp1252" and text == "Café naïve résumé ’quoted’"


# ------------------------------------------------------------------ numbers in data files


def _persona(**changes) -> dict:
    data = default_catalog().persona("safety-lead").model_dump(mode="json")
    data.update(changes)
    return data


@pytest.mark.parametrize(
    "weights", [{"values": float("inf")}, {"values": float("nan")}, {"values": 1e308}, {"values": -1.0}]
)
def test_persona_weights_must_be_finite_and_in_range(weights):
    with pytest.raises(ValueError, match="weights|finite"):
        Persona.model_validate(_persona(weights=weights))


@pytest.mark.parametrize("value", [float("nan"), -0.5, 1e9])
def test_signal_weights_must_be_finite_and_in_range(value):
    with pytest.raises(ValueError, match="signal_weights|finite"):
        Persona.model_validate(_persona(signal_weights={"threat-model-first": value}))


def test_a_yaml_inf_weight_in_a_persona_file_is_bad_input(tmp_path, monkeypatch):
    from committee.catalog import load_catalog

    data = _persona(id="reckless", weights={"values": ".inf"})
    text = yaml.safe_dump(data).replace("'.inf'", ".inf")
    (tmp_path / "reckless.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("COMMITTEE_PERSONAS", str(tmp_path))
    with pytest.raises(BadInput, match="reckless"):
        load_catalog()


@pytest.mark.parametrize("field", ["dimensions", "signals"])
def test_a_scenario_needs_a_dimension_and_a_signal(field):
    data = default_catalog().scenario("safety-pm").model_dump(mode="json")
    data[field] = []
    data["rules"]["must_pass"] = [] if field == "dimensions" else data["rules"]["must_pass"]
    with pytest.raises(ValueError, match=field):
        Scenario.model_validate(data)


@pytest.mark.parametrize(
    "rules, words",
    [
        ({"fail_quorum": 10**9}, "fail_quorum"),
        ({"hire_threshold": -(10**12)}, "hire_threshold"),
        ({"hire_threshold": float("inf")}, "hire_threshold"),
        ({"must_pass": ["no-such-dimension"]}, "no-such-dimension"),
    ],
)
def test_decision_rules_are_in_range_and_name_real_dimensions(rules, words):
    data = default_catalog().scenario("safety-pm").model_dump(mode="json")
    data["rules"].update(rules)
    with pytest.raises(ValueError, match=words):
        Scenario.model_validate(data)


@pytest.mark.parametrize("value", [float("inf"), float("nan"), -1.0])
def test_price_table_rates_are_finite_and_not_negative(value):
    from committee.engines.llm.pricing import ModelPrice

    with pytest.raises(ValueError):
        ModelPrice.model_validate({"input": value, "output": 1, "cache_write": 1, "cache_read": 0.1})


# ------------------------------------------------------------------ many sections


def test_too_many_sections_is_a_clear_error_not_a_minute_of_work():
    text = "".join(f"## Section {i}\nA line of text number {i}.\n" for i in range(MAX_SECTIONS + 1))
    with pytest.raises(BadInput, match=f"{MAX_SECTIONS + 1} sections"):
        parse_packet(text, name="many")
    assert len(parse_packet(text.split(f"## Section {MAX_SECTIONS}\n")[0], name="ok").sections) == MAX_SECTIONS


# ------------------------------------------------------------------ credentials in a base URL


@pytest.mark.parametrize(
    "header",
    [
        "Cookie: sid=s3ss10n-value",
        "X-Custom-Token: tok-s3cr3t-9",
        "set-cookie=s3ss10n-value",
        "{'x-goog-api-key': 'AIza-s3cr3t'}",
    ],
)
def test_any_secret_looking_header_value_is_redacted(header):
    out = redact(f"request failed; headers {header}")
    assert "[redacted]" in out and not any(s in out for s in ("s3ss10n", "s3cr3t"))


def test_ordinary_words_before_a_colon_are_not_taken_for_headers():
    text = "output tokens: 500; max_tokens: 16000; the key: a stance; monkey: banana"
    assert redact(text) == text


def test_url_credentials_and_auth_headers_are_redacted():
    assert (
        redact("cannot reach http://alice:s3cr3t-pass@gateway:8080/v1")
        == "cannot reach http://[redacted]@gateway:8080/v1"
    )
    assert "tok-123" not in redact("{'Authorization': 'Bearer tok-123'}")
    assert redact("see https://example.com/a@b") == "see https://example.com/a@b"
    assert (
        redact("cannot reach http://127.0.0.1:9/v1?key=topsecretvalue1&x=1")
        == "cannot reach http://127.0.0.1:9/v1?key=[redacted]&x=1"
    )
    assert redact("https://gw/v1?api_key=tok1&token=tok2") == "https://gw/v1?api_key=[redacted]&token=[redacted]"
    assert redact("https://gw/v1?code=abcdef123456") == "https://gw/v1?code=[redacted]"


def test_a_base_url_query_string_is_redacted_whatever_its_names(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1?tenant=acme&grant=zz9-abcdef")
    assert (
        redact("cannot reach http://127.0.0.1:1/v1?tenant=acme&grant=zz9-abcdef/")
        == "cannot reach http://127.0.0.1:1/v1?[redacted]/"
    )


def test_credentials_in_the_base_url_never_reach_the_database_or_stderr(monkeypatch, capsys, db_path):
    from tests.conftest import run_cli

    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-faults-0001")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://alice:hunter2-gw-pass@gateway.internal:8080")
    fake = FakeLLMServer()
    fake.on(error=httpx2.ConnectError("connection refused"), times=None)
    with_transport(monkeypatch, "anthropic", fake)
    code, out, err = run_cli(
        monkeypatch,
        capsys,
        "review",
        str(EXAMPLES / "strong-safety-pm.md"),
        "--engine",
        "anthropic",
        "--max-retries",
        "0",
        "--db",
        str(db_path),
    )
    assert code == 3 and "cannot reach" in err
    stored = b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))
    assert b"hunter2" not in stored and "hunter2" not in err + out
    assert b"[redacted]@gateway.internal" in stored


def test_engine_failed_message_is_redacted_in_checkpoint_writes(monkeypatch, store):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-faults-0002")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://bob:open-sesame-77@gw.internal")
    fake = FakeLLMServer()
    fake.on(kind="review", persona="safety-lead", error=httpx2.ConnectError("refused"), times=None)
    with_transport(monkeypatch, "anthropic", fake)
    with pytest.raises(EngineFailed) as info:
        start_run(
            store,
            prepare(
                read_packet(EXAMPLES / "strong-safety-pm.md"), engine="anthropic", engine_options={"max_retries": 0}
            ),
            run_id="creds",
        )
    assert "open-sesame" not in str(info.value)
    assert "open-sesame" not in json.dumps(store.get_run("creds").error)


def test_the_progress_board_ends_its_line_when_stderr_is_not_a_terminal(monkeypatch, capsys, db_path):
    from tests.conftest import run_cli

    code, _, err = run_cli(monkeypatch, capsys, "review", str(EXAMPLES / "strong-safety-pm.md"), "--db", str(db_path))
    assert code == 0 and err.endswith("\n"), repr(err[-40:])


def test_a_run_stored_with_a_persona_outside_todays_ranges_still_resumes(store):
    ctx: dict = {}

    def widen(context: dict) -> dict:
        context["panel"][0]["weights"] = {k: 250.0 for k in context["panel"][0]["weights"]}  # allowed before
        ctx.update(context)
        return context

    _stored_unstarted(store, "old-range", widen)
    store.fail_run("old-range", "killed")
    assert resume_run(store, "old-range").decision.outcome
    with pytest.raises(ValueError, match="weights"):
        Persona.model_validate(ctx["panel"][0])  # a persona file with it is still refused


def test_a_bad_resume_option_is_one_line_with_no_progress_table(monkeypatch, capsys, db_path):
    from tests.conftest import run_cli

    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-faults-0003")
    fake = FakeLLMServer()
    fake.on(kind="turn", status=500, times=None)
    with_transport(monkeypatch, "anthropic", fake)
    code, _, _ = run_cli(
        monkeypatch,
        capsys,
        "review",
        str(EXAMPLES / "strong-safety-pm.md"),
        "--engine",
        "anthropic",
        "--max-retries",
        "0",
        "--db",
        str(db_path),
    )
    assert code == 3
    code, out, err = run_cli(monkeypatch, capsys, "resume", "latest", "--timeout", "0", "--db", str(db_path))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "timeout" in err, err
