"""Submit: paste, upload or pick a packet; choose scenario, engine, rounds and
protocol; run the committee with live progress per persona; show the result."""

from pathlib import Path

import pandas as pd
import streamlit as st
import uikit

from committee.catalog import default_catalog
from committee.engines import ENGINES, ready_engines
from committee.errors import CommitteeError
from committee.models import RunResult
from committee.packets import default_key, parse_packet, read_packet
from committee.runner import MAX_ROUNDS, new_run_id, prepare, resume_run, start_run
from committee.views import code_span, packet_from_upload, upload_types, vote_label

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SS = st.session_state

st.title("Submit a packet")
st.caption(
    "Four fictional personas review your packet blind, argue in a debrief and vote; committee rules "
    "turn the votes into a decision with coaching feedback. " + uikit.DISCLAIMER
)

catalog = default_catalog()
PANEL = catalog.default_panel  # every persona, in seat order (data: `seat:`)
nm = uikit.names()

# ------------------------------------------------------------------ the form
left, right = st.columns([3, 2], gap="large")
with left:
    source = st.radio(
        "Packet", ["Example", "Paste text", "Upload a file"], horizontal=True, key="source", persist_state="session"
    )
    examples = sorted(p.name for p in EXAMPLES.glob("*.md")) if EXAMPLES.is_dir() else []
    if source == "Example":
        if not examples:
            st.info("No examples folder found; paste or upload a packet.")
        else:
            default = examples.index("strong-safety-pm.md") if "strong-safety-pm.md" in examples else 0
            example = st.selectbox("Example packet", examples, index=default, key="example", persist_state="session")
            with st.expander("Preview", expanded=False):
                st.text((EXAMPLES / example).read_text(encoding="utf-8"))
    elif source == "Paste text":
        st.text_area(
            "Packet (Markdown, optional front matter)",
            key="packet_text",
            persist_state="session",
            height=300,
            placeholder=f"---\npacket: my-packet\ncandidate: Your Name\nscenario: {catalog.default_scenario}\n---\n"
            "## Resume\n...\n## Product sense: ...\n...",
        )
        # the key follows the text (front matter, candidate, first heading, else a hash) until the user edits it
        pasted = SS.get("packet_text") or ""
        auto, why = default_key(pasted) if pasted.strip() else ("", "")
        if (SS.get("packet_name") or "").strip() in ("", SS.get("packet_key_auto", "")):
            SS["packet_name"] = auto
        SS["packet_key_auto"] = auto
        st.text_input(
            "Packet key",
            key="packet_name",
            persist_state="session",
            placeholder="taken from the text",
            help="The revision history this text joins: the same key with new text makes the next revision "
            "you can compare. Taken from the front matter's `packet:` line, else the candidate name or "
            "the first heading, else a hash of the text; change it to file the text elsewhere.",
        )
        used = (SS.get("packet_name") or "").strip()
        if used:
            origin = f"from {why}" if used == auto else "as you typed it"
            st.caption(f"This text will be reviewed as packet {code_span(used)} ({origin}).")
    else:
        st.file_uploader(
            "Packet file",
            type=upload_types(),
            key="upload",
            help="Markdown or plain text; the key is the front matter `packet:` or the file name.",
        )

with right:
    scen_ids = list(catalog.scenarios)
    st.selectbox(
        "Scenario",
        ["(from the packet)"] + scen_ids,
        key="scenario",
        persist_state="session",
        format_func=lambda s: s if s.startswith("(") else f"{catalog.scenarios[s].title} ({s})",
        help=f"Default: the packet's `scenario:` front matter, else {catalog.default_scenario}.",
    )
    readiness = ready_engines()
    usable = [e for e, why in readiness.items() if why is None]
    st.radio(
        "Engine",
        usable,
        key="engine",
        persist_state="session",
        horizontal=True,
        format_func=lambda e: ENGINES[e].label if e in ENGINES else e,
    )
    for e, why in readiness.items():
        if why is not None:
            st.caption(f"{ENGINES[e].label}: {why} where the app starts.")
    if ENGINES.get(SS.get("engine", "offline"), ENGINES["offline"]).takes("model"):
        st.text_input("Model (optional)", key="model", persist_state="session", placeholder="engine default")
    if len(usable) > 1:
        with st.expander("Mixed panel: who voices whom", icon=":material/groups:"):
            st.caption("Give a persona another engine or model; empty means the run's engine and model.")
            for pid in PANEL:
                c1, c2 = st.columns(2)
                c1.selectbox(
                    nm.get(pid, pid), ["(run's engine)"] + usable, key=f"voice_engine_{pid}", persist_state="session"
                )
                c2.text_input(
                    "Model",
                    key=f"voice_model_{pid}",
                    persist_state="session",
                    placeholder="engine default",
                    label_visibility="hidden",
                )
    st.slider(
        "Most debrief rounds",
        1,
        MAX_ROUNDS,
        2,
        key="rounds",
        persist_state="session",
        help="The debrief stops earlier when all votes are on one side.",
    )
    st.radio(
        "Protocol",
        ["simultaneous", "round-robin"],
        key="protocol",
        persist_state="session",
        horizontal=True,
        help="simultaneous: everyone speaks each round, seeing the previous round. "
        "round-robin: one at a time, each seeing every earlier turn.",
    )

submitted = st.button("Convene the committee", type="primary", key="submit", icon=":material/gavel:")


def read_input():
    """The packet from the chosen source (raises BadInput)."""
    from committee.errors import BadInput

    if SS.source == "Example":
        return read_packet(EXAMPLES / SS.example)
    if SS.source == "Paste text":
        text = SS.get("packet_text") or ""
        if not text.strip():
            raise BadInput("paste a packet first")
        key = (SS.get("packet_name") or "").strip() or default_key(text)[0]
        return parse_packet(text, name=key, key=key, source="pasted text")
    up = SS.get("upload")
    if up is None:
        raise BadInput("choose a file first")
    return packet_from_upload(up.name, up.getvalue())


class Board:
    """Live per-persona progress (the runner's progress callback)."""

    def __init__(self, box):
        self.box = box
        self.rows: dict[str, dict] = {}
        self.log: list[str] = []
        self.placeholder = box.empty()

    def __call__(self, event: str, data: dict) -> None:
        if event == "start":
            self.rows = {
                p: {"persona": nm.get(p, p), "doing": "reviewing blind…", "vote": ""} for p in data["personas"]
            }
            self.box.update(label=f"Run {data['run_id']}: {data['packet']} revision {data['revision']}: blind reviews…")
        elif event == "review":
            self.rows[data["persona"]].update(doing="sealed its blind vote", vote=vote_label(data["vote"]))
        elif event == "turn":
            to = f" → {nm.get(data['to'], data['to'])}" if data.get("to") else ""
            self.rows[data["speaker"]].update(
                doing=f"round {data['round']}: {data['move']}{to}", vote=vote_label(data["vote"])
            )
            self.box.update(label=f"Debrief round {data['round']}…")
        elif event == "decision":
            self.box.update(label=f"Decision: {data['outcome'].replace('_', ' ')}", state="complete")
        self.log.append(event)
        self.placeholder.dataframe(pd.DataFrame(list(self.rows.values())), hide_index=True, width="stretch")


def build_request():
    """Validate the form into a prepared run (raises BadInput; nothing is written)."""
    packet = read_input()
    scenario = None if SS.scenario.startswith("(") else SS.scenario
    model = (SS.get("model") or "").strip() if ENGINES[SS.engine].takes("model") else ""
    engines = [
        f"{p}={SS[f'voice_engine_{p}']}" for p in PANEL if not str(SS.get(f"voice_engine_{p}") or "(").startswith("(")
    ]
    models = [f"{p}={SS[f'voice_model_{p}'].strip()}" for p in PANEL if (SS.get(f"voice_model_{p}") or "").strip()]
    return prepare(
        packet,
        scenario=scenario,
        engine=SS.engine,
        rounds=int(SS.rounds),
        protocol=SS.protocol,
        personas=list(PANEL),
        engine_options={"model": model} if model else None,
        persona_engines=engines,
        persona_models=models,
    )


def run(resume_id: str | None = None) -> None:
    """Run (or resume) with live progress; the result lands in session state so it
    survives reruns. The run id is fixed in session state before the run starts, so
    an interrupted run is resumed under the same id, never duplicated."""
    SS.pop("error", None)
    try:
        prep = None if resume_id else build_request()
        with st.status("The committee is meeting…", expanded=True) as box:
            if prep is not None:
                prep.engine.warm(box.write)
            board = Board(box)
            with uikit.open_store() as store:
                if resume_id:
                    result = resume_run(store, resume_id, progress=board)
                else:
                    SS["run_id"] = new_run_id()
                    SS.pop("result", None)
                    result = start_run(store, prep, progress=board, run_id=SS["run_id"])
            box.update(label=f"Decision: {result.decision.outcome.replace('_', ' ')}", state="complete", expanded=False)
        SS["result"] = result.model_dump(mode="json")
        SS["run_id"] = result.run_id
        SS["replay_run"] = result.run_id
        SS["compare_key"] = result.packet.key
    except CommitteeError as exc:
        SS["error"] = str(exc)


if submitted:
    run()
elif SS.get("resume"):
    SS["resume"] = False
    run(resume_id=SS.get("run_id"))

if SS.get("error"):
    st.error(uikit.md(SS["error"]), icon=":material/error:")

# ------------------------------------------------------------------ a run that did not finish
pending = SS.get("run_id")
if pending and (SS.get("result") or {}).get("run_id") != pending:
    with uikit.open_store() as store:
        try:
            row = store.get_run(pending)
        except CommitteeError:
            row = None
    if row is not None and row.status in ("running", "failed"):
        st.warning(
            f"Run {code_span(pending)} did not finish ({row.status}{': ' + uikit.md(row.error) if row.error else ''}). "
            "Resuming continues from its last checkpoint; finished persona calls are not repeated."
        )
        st.button("Resume this run", key="resume_btn", on_click=lambda: SS.update(resume=True))

# ------------------------------------------------------------------ the result
if SS.get("result"):
    result = RunResult.model_validate(SS["result"])
    st.divider()
    st.header(f"Result: {result.packet.key} revision {result.packet.revision}")
    bar = st.container(horizontal=True)
    b1 = b2 = b3 = bar
    if b1.button("Replay this debrief step by step", key="to_replay", icon=":material/replay:"):
        SS["replay_run"] = result.run_id
        st.switch_page("pages/replay.py")
    if result.packet.revision > 1 and b2.button(
        "Compare with the previous revision", key="to_compare", icon=":material/compare_arrows:"
    ):
        SS["compare_key"] = result.packet.key
        st.switch_page("pages/compare.py")
    b3.download_button(
        "Download JSON",
        result.model_dump_json(indent=2),
        file_name=f"run-{result.run_id}.json",
        mime="application/json",
        key="download",
        icon=":material/download:",
    )
    uikit.render_result(result)
