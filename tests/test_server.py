"""The committee on a real LangGraph Server (`langgraph dev`, in-memory runtime) on a
loopback port, driven by the official `langgraph_sdk` client: server runs are product
runs in the product's store, a SQLite file or a team's PostgreSQL database (both
backends, one server each). Skipped, with the reason, only when a service cannot
start here."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES

# with `pytest -n N --dist loadgroup` (make test) every test here runs in one worker, so the
# module's two `langgraph dev` servers start once each
pytestmark = pytest.mark.xdist_group("langgraph-dev")

ROOT = Path(__file__).resolve().parents[1]
LANGGRAPH = Path(sys.executable).with_name("langgraph")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request, tmp_path_factory):
    if not LANGGRAPH.exists():
        pytest.skip("langgraph dev is not installed (pip install 'langgraph-cli[inmem]')")
    tmp = tmp_path_factory.mktemp("langgraph")
    config = json.loads((ROOT / "langgraph.json").read_text())
    config["dependencies"] = [str(ROOT)]
    config["graphs"] = {g: str(ROOT / p.removeprefix("./")) for g, p in config["graphs"].items()}
    (tmp / "langgraph.json").write_text(json.dumps(config))
    db = request.getfixturevalue("pg_server").new_database() if request.param == "postgres" else str(tmp / "team.db")
    port = _port()
    env = {**os.environ, "COMMITTEE_DB": str(db), "LANGSMITH_TRACING": "false", "LANGCHAIN_TRACING_V2": "false"}
    log = open(tmp / "server.log", "w")
    proc = subprocess.Popen(
        [
            str(LANGGRAPH),
            "dev",
            "--config",
            "langgraph.json",
            "--port",
            str(port),
            "--no-browser",
            "--no-reload",
            "--host",
            "127.0.0.1",
        ],
        cwd=tmp,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    import httpx

    for _ in range(120):
        try:
            if httpx.get(url + "/ok", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.5)
    else:
        proc.kill()
        pytest.skip("langgraph dev did not answer /ok within 60 s: " + (tmp / "server.log").read_text()[-300:])
    if proc.poll() is not None:
        pytest.skip("langgraph dev exited at start: " + " ".join((tmp / "server.log").read_text().split())[-300:])
    yield url, db
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def _stream(url: str, payload: dict) -> tuple[list[dict], dict]:
    from langgraph_sdk import get_sync_client

    client = get_sync_client(url=url)
    custom, final = [], {}
    for part in client.runs.stream(None, "committee", input=payload, stream_mode=["custom", "values"]):
        if part.event == "custom":
            custom.append(part.data)
        elif part.event == "values":
            final = part.data
        elif part.event == "error":
            final = {"error": part.data}
    return custom, final


def test_a_server_run_streams_progress_and_lands_in_the_product_store(server, monkeypatch, capsys):
    from committee.store.runs import Store
    from tests.conftest import run_cli

    url, db = server
    custom, final = _stream(url, {"packet": (EXAMPLES / "weak-growth-pm.md").read_text(encoding="utf-8"), "rounds": 2})
    assert [e["event"] for e in custom][:1] == ["start"]
    assert {e["persona"] for e in custom if e["event"] == "review"} == {
        "research-lead",
        "safety-lead",
        "vp-product",
        "hiring-manager",
    }
    assert final["status"] == "done" and final["decision"]["outcome"] in ("hire", "no_hire")
    assert set(final["votes"]) == {"research-lead", "safety-lead", "vp-product", "hiring-manager"}
    with Store(db) as store:
        row = store.get_run(final["run_id"])
        assert row.status == "done" and row.outcome == final["decision"]["outcome"]
    code, out, err = run_cli(monkeypatch, capsys, "replay", final["run_id"], "--json", "--db", str(db))
    assert code == 0, err
    assert any(json.loads(line)["new_reviews"] for line in out.splitlines())


def test_bad_input_fails_the_server_run_with_the_cli_message(server):
    url, db = server
    _, final = _stream(
        url, {"packet": (EXAMPLES / "weak-growth-pm.md").read_text(encoding="utf-8"), "scenario": "no-such-scenario"}
    )
    assert "no-such-scenario" in json.dumps(final)
    assert "run_id" not in final


def test_concurrent_server_runs_all_finish_and_are_stored(server):
    from committee.store.runs import Store

    url, db = server
    texts = [
        (EXAMPLES / name).read_text(encoding="utf-8") for name in sorted(os.listdir(EXAMPLES)) if name.endswith(".md")
    ]
    payloads = [{"packet": texts[i % len(texts)], "rounds": 1} for i in range(20)]
    with ThreadPoolExecutor(20) as pool:
        finals = [f for _, f in pool.map(lambda p: _stream(url, p), payloads)]
    assert [f.get("status") for f in finals] == ["done"] * len(payloads)
    with Store(db) as store:
        assert all(store.get_run(f["run_id"]).status == "done" for f in finals)


@pytest.mark.parametrize(
    "payload, words",
    [
        ({"rounds": 0}, "--rounds must be between 1 and 10"),
        ({"rounds": "abc"}, "valid integer"),
        ({"model": "qwen3"}, "--model is not taken"),
    ],
)
def test_server_input_is_checked_like_the_cli(payload, words, monkeypatch, tmp_path):
    monkeypatch.setenv("COMMITTEE_DB", str(tmp_path / "s.db"))
    from committee.graph.serve import graph

    with pytest.raises(ValueError, match=words):
        graph.invoke({"packet": (EXAMPLES / "weak-growth-pm.md").read_text(encoding="utf-8"), **payload})
