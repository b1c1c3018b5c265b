"""Submit: paste, upload or pick a packet; choose scenario, engine, rounds and
protocol; run the committee with live progress per persona; show the result."""

import re
import time
from pathlib import Path

import pandas as pd
import questions
import streamlit as st
import uikit

from committee.catalog import default_catalog
from committee.engines import ENGINES, ready_engines
from committee.errors import CommitteeError
from committee.graph.runner import (
    MAX_ROUNDS,
    answer_run,
    awaiting,
    new_run_id,
    prepare,
    replay_steps,
    resume_run,
    start_run,
)
from committee.intake.packets import default_key, max_packet_bytes, parse_packet, read_packet
from committee.models import AwaitingAnswers, RunResult
from committee.present.followup import follow_up
from committee.present.views import (
    code_span,
    message_markdown,
    packet_from_upload,
    packet_markdown,
    pasted_packet_key,
    upload_limit_bytes,
    upload_limits_text,
    upload_refusal,
    upload_types,
    vote_label,
)
from committee.trust.views import example_labels

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SS = st.session_state


def clear_result() -> None:
    """New input (another source, example, text or file): the shown result and error go,
    and so does the run in the URL (`?run=`)."""
    for k in ("result", "error", "same_revision", "awaiting"):
        SS.pop(k, None)
    st.query_params.pop("run", None)


st.title("Submit a packet")
st.caption(
    "Four fictional personas review your packet blind, argue in a debrief and vote; committee rules "
    "turn the votes into a decision with coaching feedback. " + uikit.DISCLAIMER
)

catalog = default_catalog()
PANEL = catalog.default_panel  # every persona, in seat order (data: `seat:`)
nm = uikit.names()


def restore_form(packet) -> None:
    """Put the packet of a run restored from the URL back into the form, so the form
    matches the result under it and Convene reviews what is on screen (the same key, so
    an edit is the next revision): an example that still reads as that packet is chosen
    again; anything else (pasted text, an upload, which a browser cannot re-select) goes
    into the paste box with its front matter, under its packet key. Called before the
    form's widgets are drawn."""
    name = Path(packet.source or "").name
    example = EXAMPLES / name
    try:
        again = read_packet(example) if example.suffix == ".md" and example.is_file() else None
    except CommitteeError:
        again = None
    if again is not None and (again.sha256, again.key) == (packet.sha256, packet.key):
        SS["source"], SS["example"] = "Example", name
        return
    text = packet_markdown(packet)
    SS["source"], SS["packet_text"], SS["packet_name"] = "Paste text", text, packet.key
    # the key field follows the text only where the text itself names this key
    auto, why = default_key(text)
    SS["packet_key_auto"] = packet.key if auto == packet.key or why == "the text's hash" else None


# a reload or a shared link: the run named in the URL (a run the replay page hands over
# to be answered comes in `open_run`), with its packet back in the form
handed = SS.pop("open_run", None)
if handed:
    st.query_params["run"] = handed
wanted = st.query_params.get("run")
shown_id = (SS.get("result") or SS.get("awaiting") or {}).get("run_id")
missing_run = None
if wanted and shown_id != wanted and not SS.get("pending_run"):
    with uikit.open_store() as store:
        try:
            wanted = store.resolve_run_id(wanted)
            shown = store.get_result(wanted) or awaiting(store, wanted)
            restored = None if shown is None else store.get_revision(shown.packet.key, shown.packet.revision)
        except CommitteeError:
            shown = restored = None
    if isinstance(shown, AwaitingAnswers):
        SS["awaiting"] = shown.model_dump(mode="json")
        SS.pop("result", None)
        SS["run_id"] = SS["replay_run"] = shown.run_id
    elif shown is not None:
        SS["result"] = shown.model_dump(mode="json")
        SS.pop("awaiting", None)
        SS["run_id"] = SS["replay_run"] = shown.run_id
        SS["compare_key"] = shown.packet.key
    else:
        missing_run = wanted
    if restored is not None:
        restore_form(restored)

# ------------------------------------------------------------------ the form
refusal = None  # why the chosen upload is too large, said under the uploader
left, right = st.columns([3, 2], gap="large")
with left:
    source = st.radio(
        "Packet",
        ["Example", "Paste text", "Upload a file"],
        horizontal=True,
        key="source",
        persist_state="session",
        on_change=clear_result,
    )
    examples = sorted(p.name for p in EXAMPLES.glob("*.md")) if EXAMPLES.is_dir() else []
    if source == "Example":
        if not examples:
            st.info("No examples folder found; paste or upload a packet.")
        else:
            default = examples.index("strong-safety-pm.md") if "strong-safety-pm.md" in examples else 0
            labels = example_labels(EXAMPLES, examples)  # the candidate, not the file name (that is the help)
            example = st.selectbox(
                "Example packet",
                examples,
                index=0 if "example" in SS else default,  # (no default beside a value the session set)
                key="example",
                persist_state="session",
                on_change=clear_result,
                format_func=lambda f: labels.get(f, f),
                help="The bundled examples in examples/: " + ", ".join(examples),
            )
            with st.expander("Preview", expanded=False):
                st.text((EXAMPLES / example).read_text(encoding="utf-8"))
    elif source == "Paste text":
        st.text_area(
            "Packet (Markdown, optional front matter)",
            key="packet_text",
            persist_state="session",
            on_change=clear_result,
            height=300,
            placeholder=f"---\npacket: my-packet\ncandidate: Your Name\nscenario: {catalog.default_scenario}\n---\n"
            "## Resume\n...\n## Product sense: ...\n...",
        )
        # the key follows a text that names itself (front matter, candidate, first heading) until the user
        # edits it; a text that names nothing keeps the name already given in this session, so an edit is
        # the next revision of the same packet rather than a new packet under a new hash
        pasted = SS.get("packet_text") or ""
        auto, why = default_key(pasted) if pasted.strip() else ("", "")
        named = why != "the text's hash"  # a text that names nothing is numbered: `pasted-packet-N`
        current = (SS.get("packet_name") or "").strip()
        tracking = not current or current == SS.get("packet_key_auto")
        if tracking and (not current or named):
            if named:
                SS["packet_name"] = auto
            else:
                with uikit.open_store() as store:
                    SS["packet_name"] = pasted_packet_key(store.packet_keys())
        SS["packet_key_auto"] = SS["packet_name"] if tracking else (auto if named else None)
        st.text_input(
            "Packet key",
            key="packet_name",
            persist_state="session",
            placeholder="taken from the text",
            help="The revision history this text joins: the same key with new text makes the next revision "
            "you can compare. Taken from the front matter's `packet:` line, else the candidate name or "
            "the first heading, else `pasted-packet-N`; change it to file the text elsewhere.",
        )
        used = (SS.get("packet_name") or "").strip()
        if used:
            if named and used == auto:
                origin = f"from {why}"
            elif used == SS.get("packet_key_auto"):
                numbered = not named and re.fullmatch(r"pasted-packet-\d+", used)
                origin = "numbered: the text names no candidate" if numbered else "the name this session uses for it"
            else:
                origin = "as you typed it"
            st.caption(
                f"This text will be reviewed as packet {code_span(used)} ({origin}); edits you run in this "
                "session become its next revisions."
            )
            if not named and used == SS.get("packet_key_auto") and re.fullmatch(r"pasted-packet-\d+", used):
                st.info(
                    "The text names no packet: give it a name above (or keep this one), or start the text with "
                    "a `candidate:` line or a heading with the candidate's name. The name is kept while you "
                    "revise, so each edit you run is the next revision you can compare.",
                    icon=":material/label:",
                )
    else:
        limit = max_packet_bytes()
        # Streamlit's own line under the drop zone states one limit for every kind of file (the
        # largest, PDF/DOCX): hidden, the caption below states each kind's (a constant style, no data)
        st.html("<style>.st-key-upload [data-testid=stFileUploaderDropzoneInstructions]{display: none;}</style>")
        st.file_uploader(
            "Packet file",
            type=upload_types(),
            key="upload",
            on_change=clear_result,
            # the widget counts whole megabytes: the largest file a reader accepts (PDF/DOCX), rounded up
            max_upload_size=max(1, -(-upload_limit_bytes(limit) // (1024 * 1024))),
            help="The key is the front matter `packet:` or the file name.",
        )
        st.caption(f"Limits: {upload_limits_text(limit)}.")
        up = SS.get("upload")
        refusal = upload_refusal(up.name, up.size, max_bytes=limit) if up is not None else None
        if refusal:  # said as soon as the file is chosen, not after Convene
            st.error(message_markdown(refusal), icon=":material/error:")

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
    st.checkbox(
        "Let the committee ask follow-up questions",
        value=True,
        key="ask_questions",
        persist_state="session",
        help="After the blind reviews each member may ask you one question (three in all), only where an "
        "answer could move a vote; the run then waits for your answers. Off: one-shot, as before.",
    )


def request_run() -> None:
    """The button's callback: a run id is minted once, before the script runs. While that
    run is pending, further clicks (a double-click, a click in the rerun it causes) add
    nothing: every rerun meanwhile carries the same run on under the same id."""
    if not SS.get("pending_run"):
        SS["pending_run"] = new_run_id()
        clear_result()


refused = SS.get("source") == "Upload a file" and bool(refusal)
st.button(
    "Convene the committee",
    type="primary",
    key="submit",
    icon=":material/gavel:",
    on_click=request_run,
    disabled=bool(SS.get("pending_run") or refused),
    help="Disabled while the committee is meeting."
    if SS.get("pending_run")
    else "Choose a file within the limits first."
    if refused
    else None,
)


def read_input():
    """The packet from the chosen source (raises BadInput)."""
    from committee.errors import BadInput

    if SS.source == "Example":
        return read_packet(EXAMPLES / SS.example)
    if SS.source == "Paste text":
        text = SS.get("packet_text") or ""
        if not text.strip():
            raise BadInput("paste a packet first")
        key = (SS.get("packet_name") or "").strip()
        if not key:
            raise BadInput("give the pasted packet a key first")
        return parse_packet(text, name=key, key=key, source="pasted text")
    up = SS.get("upload")
    if up is None:
        raise BadInput("choose a file first")
    return packet_from_upload(up.name, up.getvalue())


class Board:
    """Live per-persona progress (the runner's progress callback), drawn in an open status
    box: the stage and the seconds since the click in its label, one row per persona."""

    def __init__(self, box, started: float):
        self.box = box
        self.started = started
        self.rows: dict[str, dict] = {}
        self.log: list[str] = []
        self.head = box.empty()
        self.placeholder = box.empty()

    def stage(self, text: str, state: str = "running") -> None:
        label = f"{text} · {time.monotonic() - self.started:.1f} s"
        self.box.update(label=label, state=state, expanded=True)
        SS["board_label"] = label

    def __call__(self, event: str, data: dict) -> None:
        if event == "start":
            self.rows = {
                p: {"persona": nm.get(p, p), "doing": "reviewing blind…", "vote": ""} for p in data["personas"]
            }
            SS["board_for"] = data["run_id"]
            self.stage(f"Run {data['run_id']}: {data['packet']} revision {data['revision']}: blind reviews…")
        elif event == "review":
            self.rows[data["persona"]].update(doing="sealed its blind vote", vote=vote_label(data["vote"]))
            done = sum(1 for r in self.rows.values() if r["vote"])
            self.stage(f"Blind reviews: {done} of {len(self.rows)} sealed…")
        elif event == "turn":
            to = f" → {nm.get(data['to'], data['to'])}" if data.get("to") else ""
            self.rows[data["speaker"]].update(
                doing=f"round {data['round']}: {data['move']}{to}", vote=vote_label(data["vote"])
            )
            self.stage(f"Debrief round {data['round']}…")
        elif event == "decision":
            self.stage(f"Decision: {data['outcome'].replace('_', ' ')}", state="complete")
        self.log.append(event)
        SS["board_rows"] = list(self.rows.values())
        self.placeholder.dataframe(pd.DataFrame(SS["board_rows"]), hide_index=True, width="stretch")


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
        questions=bool(SS.get("ask_questions", True)),
    )


def still_waiting(run_id: str) -> bool:
    """Whether stored run `run_id` still waits for answers (False for an unknown run)."""
    with uikit.open_store() as store:
        try:
            return store.get_run(run_id).status == "awaiting_answers"
        except CommitteeError:
            return False


def carry_on(run_id: str, answers: dict[str, str] | None = None) -> None:
    """Run the pending run `run_id` with live progress, whatever happened to it so far: not
    stored yet -> start it from the form; waiting for answers -> continue it with
    `answers` (the runner's `answer_run`, as `committee answer`), or show its questions
    when none are given; stopped by a rerun (a second click) or failed -> resume it from
    its last checkpoint; done -> show it. So one click is one stored run. The result (or
    the questions of a run that now waits, in `SS["awaiting"]`) lands in session state
    and the run in the URL (`?run=`); then the page reruns so the button is enabled again."""
    started = time.monotonic()
    try:
        with uikit.open_store() as store:
            try:
                row = store.get_run(run_id)
            except CommitteeError:
                row = None
            prep = None if row is not None else build_request()
            with st.status("The committee is meeting…", expanded=True) as box:
                board = Board(box, started)
                if prep is not None:
                    board.stage("Loading the engine…")
                    prep.engine.warm(box.write)
                    try:
                        stored = store.revisions(prep.packet.key)
                    except CommitteeError:  # a packet not stored yet
                        stored = []
                    same = [p.revision for p in stored if p.sha256 == prep.packet.sha256]
                    SS["same_revision"] = (prep.packet.key, same[0]) if same else None
                    result = start_run(store, prep, progress=board, run_id=run_id)
                elif row.status == "done":
                    result = store.get_result(run_id)
                elif row.status == "awaiting_answers" and answers is not None:
                    board.stage("Reading your answers…")
                    result = answer_run(store, run_id, answers, progress=board)
                elif row.status == "awaiting_answers":
                    result = awaiting(store, run_id)
                else:
                    board.stage(f"Continuing run {run_id} from its last checkpoint…")
                    result = resume_run(store, run_id, progress=board)
                if isinstance(result, AwaitingAnswers):
                    n = len(result.questions)
                    board.stage(f"The committee has {n} question{'s' if n != 1 else ''} for you", state="complete")
                else:
                    board.stage(f"Decision: {result.decision.outcome.replace('_', ' ')}", state="complete")
        SS["run_id"] = result.run_id
        SS["replay_run"] = result.run_id
        SS["compare_key"] = result.packet.key
        st.query_params["run"] = result.run_id
        SS.pop("error", None)
        if isinstance(result, AwaitingAnswers):
            SS["awaiting"] = result.model_dump(mode="json")
            SS.pop("result", None)
        else:
            SS["result"] = result.model_dump(mode="json")
            SS.pop("awaiting", None)
    except CommitteeError as exc:
        SS["error"] = str(exc)
        SS.pop("result", None)
        if (SS.get("awaiting") or {}).get("run_id") == run_id and still_waiting(run_id):
            pass  # a refused answer (e.g. too long): the run still waits, its questions stay
        else:  # a run that failed after its answers is offered for resume below, not to answer again
            SS.pop("awaiting", None)
            st.query_params.pop("run", None)
        SS["run_id"] = run_id  # a stored run that failed is offered for resume below
    SS.pop("pending_run", None)
    SS.pop("pending_answers", None)
    st.rerun()


pending_run = SS.get("pending_run")
if pending_run:
    carry_on(pending_run, SS.get("pending_answers"))

if missing_run:
    st.warning(f"No finished run {code_span(missing_run)} in this database.", icon=":material/search_off:")

if SS.get("error"):
    st.error(message_markdown(SS["error"]), icon=":material/error:")
elif SS.get("result") and SS.get("board_rows") and SS.get("board_for") == SS["result"]["run_id"]:
    # the last run's progress board, folded once the run is over
    with st.status(SS.get("board_label") or "Decision", state="complete", expanded=False):
        st.dataframe(pd.DataFrame(SS["board_rows"]), hide_index=True, width="stretch")

same = SS.get("same_revision")
if same and SS.get("result") and SS["result"]["packet"]["key"] == same[0]:
    st.info(
        f"The text is unchanged: this run reviewed revision {same[1]} of packet {code_span(same[0])} again "
        "(no new revision was stored). Edit the text to make the next revision.",
        icon=":material/info:",
    )

# ------------------------------------------------------------------ a run waiting for answers
if SS.get("awaiting"):
    waiting = AwaitingAnswers.model_validate(SS["awaiting"])

    def submit_answers() -> None:
        """The answer button's callback: the answers are read from their boxes once, and
        the run goes on as the pending run (a second click adds nothing)."""
        if not SS.get("pending_run"):
            SS.pop("error", None)
            SS["pending_answers"] = questions.given_answers(waiting)
            SS["pending_run"] = waiting.run_id

    st.divider()
    questions.answer_form(waiting, on_submit=submit_answers, disabled=bool(SS.get("pending_run")))

# ------------------------------------------------------------------ a run that did not finish
pending = SS.get("run_id")
if pending and (SS.get("result") or SS.get("awaiting") or {}).get("run_id") != pending:
    with uikit.open_store() as store:
        try:
            row = store.get_run(pending)
        except CommitteeError:
            row = None
    if row is not None and row.status in ("running", "failed"):
        st.warning(
            f"Run {code_span(pending)} did not finish ({row.status}{': ' + message_markdown(row.error) if row.error else ''}). "
            "Resuming continues from its last checkpoint; finished persona calls are not repeated."
        )
        st.button("Resume this run", key="resume_btn", on_click=SS.update, kwargs={"pending_run": pending})

# ------------------------------------------------------------------ the result
if SS.get("result"):
    result = RunResult.model_validate(SS["result"])
    st.divider()
    st.header(f"Result: {result.packet.key} revision {result.packet.revision}")
    bar = st.container(horizontal=True)
    b1 = b2 = b3 = bar
    if b1.button("Replay this debrief step by step", key="to_replay", icon=":material/replay:"):
        SS["replay_run"] = result.run_id
        st.switch_page("app_pages/replay.py")
    if result.packet.revision > 1 and b2.button(
        "Compare with the previous revision", key="to_compare", icon=":material/compare_arrows:"
    ):
        SS["compare_key"] = result.packet.key
        st.switch_page("app_pages/compare.py")
    b3.download_button(
        "Download JSON",
        result.model_dump_json(indent=2),
        file_name=f"run-{result.run_id}.json",
        mime="application/json",
        key="download",
        icon=":material/download:",
    )
    if result.questions:  # what the committee asked, what was answered, and what it changed
        with uikit.open_store() as store:
            try:
                fu = follow_up(replay_steps(store, result.run_id), result.personas)
            except CommitteeError:
                fu = None
        if fu is not None:
            questions.follow_up_section(fu)
    uikit.render_result(result)
