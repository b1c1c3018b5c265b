"""Debrief replay: step through a stored run checkpoint by checkpoint. Everything is
read back from the database (`committee.graph.runner.replay_steps`); no engine runs,
except when "What if…" is asked to build a fork of the run (`ui/whatif.py`)."""

import questions
import streamlit as st
import uikit
import whatif

from committee.catalog import default_catalog
from committee.errors import CommitteeError
from committee.graph.runner import replay_steps
from committee.present.followup import follow_up
from committee.present.views import (
    VOTE_LABEL,
    cited_passages,
    code_span,
    evidence_spans,
    readable_ids,
    readable_rule,
    replay_frames,
    sections_markdown,
    vote_label,
)
from committee.store.runs import STUDY_KEY_SUFFIXES
from committee.trust.views import candidate_keys

SS = st.session_state
RUN_LIST_LIMIT = 200
MAX_PASSAGES = 3  # cited passages shown open in one card (the rest in an expander there)
PANE_HEIGHT = 560  # px: the packet pane's scroll box (fits beside the cards on a 900 px tall screen)

st.title("Debrief replay")
st.caption(
    "Step through a stored run: blind reviews, each debrief turn, the tally and the decision, "
    "read from its checkpoints (nothing is re-run)."
)

nm = uikit.names()
tt = uikit.titles()
dims = uikit.dimension_names()

with uikit.open_store() as store:
    # the run and step shown live in the URL (`?run=ID&step=N`), so a reload or a shared link
    # brings them back; a run handed over in the session (the Submit page's) comes in `replay_run`
    from_url = st.query_params.get("run")
    wanted = from_url or SS.get("replay_run")
    wanted_row = None
    if wanted and SS.get("_replay_applied") != wanted:
        try:  # an id prefix or `latest` works as in `committee replay`
            wanted_row = store.get_run(store.resolve_run_id(wanted))
        except CommitteeError:
            st.warning(f"No run {code_span(wanted)} in this database: pick one below.", icon=":material/search_off:")
            SS["_replay_applied"] = wanted  # said once; the picker takes over
            if from_url:
                st.query_params.pop("run", None)
                st.query_params.pop("step", None)
            wanted = None
        else:
            if wanted_row.packet_key.endswith(STUDY_KEY_SUFFIXES):
                SS["replay_studies"] = True  # a study's run handed over by link (e.g. from the Trust page)
            if from_url:
                SS["_replay_url_step"] = (wanted_row.run_id, st.query_params.get("step"))
            if SS.get("replay_packet") not in (None, "(all packets)", wanted_row.packet_key):
                SS["replay_packet"] = "(all packets)"  # the packet filter must list the run asked for
            wanted = wanted_row.run_id
        SS.pop("replay_run", None)  # a handover is applied once; then the picker and the URL decide
    f1, f2 = st.columns([1, 3])
    studies = st.toggle(
        "Include study runs",
        key="replay_studies",
        help="The runs that stability, probe and calibration studies stored under their own keys "
        "(KEY--stability, KEY--probe, KEY--calibrate). Your own packets' runs are always listed.",
    )
    all_keys = store.packet_keys()
    keys = all_keys if studies else candidate_keys(all_keys)
    packet_filter = f1.selectbox("Packet", ["(all packets)"] + keys, key="replay_packet", persist_state="session")
    if packet_filter not in ["(all packets)"] + keys:
        packet_filter = "(all packets)"
    rows = store.list_runs(
        limit=RUN_LIST_LIMIT,
        packet_key=None if packet_filter.startswith("(") else packet_filter,
        studies=studies,
    )
    if not rows:
        st.info("No runs stored yet. Submit a packet first.")
        st.page_link("app_pages/submit.py", label="Submit a packet", icon=":material/edit_note:")
        st.stop()
    if wanted_row is not None and wanted_row.run_id not in {r.run_id for r in rows}:
        rows = [wanted_row, *rows]  # older than the list's limit: still the run asked for
    ids = [r.run_id for r in rows]
    by_id = {r.run_id: r for r in rows}
    if wanted_row is not None:
        SS["replay_select"] = wanted  # preselect the run handed over (once; then the picker decides)
        SS["_replay_applied"] = wanted
    if SS.get("replay_select") not in ids:
        SS["replay_select"] = ids[0]
    fork_names = {p.id: p.name for p in default_catalog().personas.values()}  # what a fork changed, by name
    run_id = f2.selectbox(
        "Run (newest first)",
        ids,
        key="replay_select",
        persist_state="session",
        format_func=lambda i: uikit.run_label(by_id[i], fork_names),
    )
    row = by_id[run_id]
    cache = SS.setdefault("_steps_cache", {})
    try:
        steps = cache.get(run_id) or replay_steps(store, run_id)
        packet = store.get_revision(row.packet_key, row.revision)
    except CommitteeError as exc:
        st.error(uikit.md(str(exc)))
        st.stop()
    if row.status == "done":
        cache[run_id] = steps  # a finished run never changes
    result = store.get_result(run_id) if row.status == "done" else None

if row.status == "awaiting_answers":
    st.warning(
        "This run is waiting for your answers to the committee's follow-up questions. The replay shows its "
        "checkpoints so far.",
        icon=":material/question_answer:",
    )
    st.button(
        "Answer the questions",
        key="replay_answer",
        type="primary",
        icon=":material/edit_note:",
        on_click=SS.update,
        kwargs={"open_run": run_id},
    )
    if SS.get("open_run") == run_id:
        st.switch_page("app_pages/submit.py")
elif row.status != "done":
    st.warning(
        f"This run is {row.status}{': ' + uikit.md(row.error) if row.error else ''}. The replay shows its checkpoints so far."
    )
fu = follow_up(steps, row.panel)
if fu is not None:
    questions.follow_up_section(fu, waiting=row.status == "awaiting_answers")

frames = replay_frames(steps, row.panel, nm)
n = len(frames)
if SS.get("_replay_for") != run_id:  # a new run starts at the first step, or at the URL's `step=`
    SS["_replay_for"] = run_id
    SS["replay_step"] = 1
    url_run, url_step = SS.pop("_replay_url_step", (None, None))
    if url_run == run_id and str(url_step or "").isdigit():
        SS["replay_step"] = int(url_step)
SS["replay_step"] = min(max(int(SS.get("replay_step", 1)), 1), n)


def go(delta: int = 0, to: int | None = None) -> None:
    """Button callbacks: move the 1-based step (before the slider is drawn)."""
    SS["replay_step"] = min(max((SS["replay_step"] if to is None else to) + delta, 1), n)


# one row that wraps (the four buttons stay side by side on a phone instead of stacking)
nav = st.container(horizontal=True, wrap=True, vertical_alignment="bottom", gap="small", key="replay_nav")
b1 = b2 = b3 = b4 = sl = nav
b1.button("First", icon=":material/first_page:", key="replay_first", on_click=go, kwargs={"to": 1}, width="content")
b2.button(
    "Back",
    icon=":material/chevron_left:",
    key="replay_back",
    on_click=go,
    kwargs={"delta": -1},
    width="content",
    disabled=SS["replay_step"] <= 1,
)
b3.button(
    "Next",
    icon=":material/chevron_right:",
    icon_position="right",
    key="replay_next",
    on_click=go,
    kwargs={"delta": 1},
    width="content",
    disabled=SS["replay_step"] >= n,
)
b4.button(
    "Last",
    icon=":material/last_page:",
    icon_position="right",
    key="replay_last",
    on_click=go,
    kwargs={"to": n},
    width="content",
)
sl.slider(
    "Step",
    1,
    max(n, 2),
    key="replay_step",
    disabled=n < 2,
    width="stretch",
    help="Each step is one checkpoint the graph stored: intake, reviews, each turn, each tally, the decision.",
)

frame = frames[SS["replay_step"] - 1]
st.query_params.update(run=run_id, step=str(SS["replay_step"]))  # what a reload or a shared link shows
SS["_replay_applied"] = run_id  # the run shown: the URL naming it is not a new request
st.subheader(f"Step {frame.index + 1} of {n} · {frame.title}")
if frame.detail:  # e.g. the decision's explanation: persona names and dimension titles, not ids
    st.caption(uikit.md(readable_ids(frame.detail, nm, dims)))

# the evidence to highlight: this step's, else the latest step that cited any
cited, cited_at = frame.cited, frame.index
if not cited:
    for f in reversed(frames[: frame.index]):
        if f.cited:
            cited, cited_at = f.cited, f.index
            break

left, right = st.columns([3, 2], gap="medium")
with left:
    if frame.decision and frame.node in ("decide_outcome", "write_feedback"):
        # above the cards, not across the page: the packet pane beside them stays where it was
        uikit.decision_banner(frame.decision)
    pids = list(frame.personas)
    for i in range(0, len(pids), 2):
        cols = st.columns(2)
        for col, pid in zip(cols, pids[i : i + 2]):
            pf = frame.personas[pid]
            with col.container(border=True):
                st.markdown(f"**{uikit.md(nm.get(pid, pid))}**  \n:gray[{uikit.md(tt.get(pid, ''))}]")
                st.markdown(uikit.badge(pf.vote))  # a badge, not a heading (no anchor icon)
                if pf.speaking:
                    st.markdown(
                        f":blue-badge[{'reviewing' if pf.move == 'review' else 'speaking'}] {uikit.md(pf.status)}"
                    )
                else:
                    st.caption(uikit.md(pf.status))
                if pf.text:
                    (st.markdown if pf.speaking else st.caption)(uikit.md(pf.text))
                if pf.speaking and pf.previous_vote and pf.previous_vote != pf.vote:
                    st.markdown(
                        f"*Vote changed from {vote_label(pf.previous_vote)} to {vote_label(pf.vote)}: "
                        f"{uikit.md(pf.reason)}*"
                    )
                if pf.speaking and pf.evidence:
                    # the cited passages beside (inside) the card that cites them: each quote once,
                    # in its paragraph of the packet, with the readable signal names (ids in the tooltip)
                    passages = cited_passages(packet, pf.evidence, title=uikit.signal_name)
                    with st.container(key=f"cited_{pid}"):
                        nq = sum(len(c.quotes) for c in passages)
                        st.caption(
                            f"Cites {nq} quote{'s' if nq != 1 else ''} "
                            f"in {len(passages)} passage{'s' if len(passages) != 1 else ''}"
                        )
                        for i, c in enumerate(passages):
                            if i == MAX_PASSAGES:
                                more = st.expander(f"{len(passages) - MAX_PASSAGES} more cited passages")
                            where = f"*{uikit.md(c.section)}*  \n" if c.section else ""
                            (more if i >= MAX_PASSAGES else st).markdown(
                                f"{where}{c.markdown}  \n:gray[{uikit.md('; '.join(c.titles))}]",
                                help="signal ids: " + ", ".join(c.signals),
                            )

with right:
    where = (
        ("evidence cited in this step" if cited_at == frame.index else f"evidence cited in step {cited_at + 1}")
        if cited
        else "no evidence cited yet"
    )
    speakers = list(dict.fromkeys(p for p, _ in cited))
    st.markdown(
        f"**Packet** {code_span(row.packet_key)} revision {row.revision} · {where}  \n"
        ":red-background[red flag] :green-background[green signal] :orange-background[both]"
    )
    chosen = speakers
    if len(speakers) > 1:
        chosen = (
            st.pills(
                "Whose evidence",
                speakers,
                selection_mode="multi",
                default=speakers,
                width="stretch",
                format_func=lambda p: nm.get(p, p).split()[-1],
                wrap=True,
            )
            or []
        )
    spans = evidence_spans(packet.text, [(p, e) for p, e in cited if p in chosen])
    only = st.toggle("Only the sections with cited evidence", value=True, key="replay_only_cited", disabled=not spans)
    # its own scroll box, scrolled to the first highlight of the step shown (`uikit.scroll_to_first_mark`),
    # so the cited passage is in view beside the cards however long the packet
    with st.container(height=PANE_HEIGHT, border=True, key="replay_packet_pane"):
        st.markdown(sections_markdown(packet, spans, only_cited=only))
    if spans:
        uikit.scroll_to_first_mark("replay_packet_pane", f"{run_id}:{frame.index}:{only}:{','.join(chosen)}")

c1, c2 = st.columns(2)
with c1:
    chart = uikit.tally_chart(frame.timeline)
    if chart is not None:
        st.altair_chart(chart, width="stretch")
    else:
        st.caption("The tally appears once the blind votes are sealed.")
with c2:
    chart = uikit.persona_lines_chart(frame.timeline, nm)
    if chart is not None:
        st.altair_chart(chart, width="stretch")

turns = [t for s in steps[: frame.index + 1] for t in s.new_turns]
with st.expander(f"Debrief so far ({len(turns)} turn{'s' if len(turns) != 1 else ''})", expanded=False):
    uikit.transcript(turns, nm)
with uikit.open_store() as store:  # "What if…": a fork of this run, beside it (nothing runs until asked)
    whatif.section(store, row, steps, frame.index)
if result is not None:
    from committee.catalog import default_catalog
    from committee.trust.conformity import run_conformity

    conf = run_conformity(result, default_catalog().scenarios.get(result.scenario))
    moved = sum(1 for r in conf["personas"] if r["changed"])
    with st.expander(f"Conformity: {moved} of {len(conf['personas'])} votes moved in the debrief", expanded=False):
        st.dataframe(
            [
                {
                    "persona": nm.get(r["persona"], r["persona"]),
                    "sealed (blind)": vote_label(r["sealed"]),
                    "final": vote_label(r["final"]),
                    "moved": r["direction"] or "-",
                    "round": "-" if r["round"] is None else str(r["round"]),
                    "reason": r["reason"] or "",
                }
                for r in conf["personas"]
            ],
            hide_index=True,
            width="stretch",
        )
        if "sealed_decision" in conf:
            st.caption(
                f"Decision from the blind votes alone: {conf['sealed_decision'].replace('_', ' ')} "
                f"({readable_rule(conf['sealed_rule'], nm, dims)}); after the debrief: {conf['final_decision'].replace('_', ' ')}"
                + (" — the debate changed the decision." if conf["decision_changed"] else ".")
            )
st.caption("Votes: " + " · ".join(f"{uikit.badge(v)}" for v in VOTE_LABEL))
