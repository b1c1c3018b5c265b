"""Trust the verdict: stability (shuffled re-runs), counterfactual probes (name, school,
employer, pronouns) and conformity (sealed vs final votes). Logic lives in
`committee.trust`; this page picks inputs, runs studies and draws the stored results."""

import sys
from pathlib import Path

UI = Path(__file__).resolve().parents[1]
if str(UI) not in sys.path:  # `import uikit` also when the page is run on its own
    sys.path.insert(0, str(UI))

import altair as alt  # noqa: E402
import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402
import studykit  # noqa: E402
import uikit  # noqa: E402

from committee.engines import ENGINES  # noqa: E402
from committee.errors import CommitteeError  # noqa: E402
from committee.intake.packets import parse_packet, read_packet  # noqa: E402
from committee.present.views import VOTE_COLOR, VOTE_LABEL, VOTES, message_markdown, readable_rule  # noqa: E402
from committee.trust import views  # noqa: E402
from committee.trust.common import RunSpec, orphan_study_runs  # noqa: E402
from committee.trust.conformity import conformity_stats, run_conformity, stored_results  # noqa: E402
from committee.trust.probes import ATTRIBUTES, run_probe  # noqa: E402
from committee.trust.stability import run_stability  # noqa: E402

EXAMPLES = UI.parent / "examples"
VOTE_SCALE = alt.Scale(domain=[VOTE_LABEL[v] for v in VOTES], range=[VOTE_COLOR[v] for v in VOTES])

st.title("Trust the verdict")
st.caption(
    "Would the committee say the same again, in another order, with another name or school on the "
    "packet, and does the debate change anything? " + uikit.DISCLAIMER
)
nm = uikit.names()


def pick_packet(prefix: str, store, default_index: int = 0):
    """Packet chooser: an example file, a stored packet (latest revision) or pasted text."""
    src = st.radio("Packet", ["Example", "Stored packet", "Paste text"], horizontal=True, key=f"{prefix}_src")
    if src == "Example":
        files = views.example_files(EXAMPLES)
        labels = views.example_labels(EXAMPLES, files)  # the candidate, not the file name (that is the help)
        shown = st.session_state.get(f"{prefix}_ex") or (files[default_index] if files else None)
        name = (
            st.selectbox(
                "Example packet",
                files,
                index=default_index,
                key=f"{prefix}_ex",
                format_func=lambda f: labels.get(f, f),
                help=f"File: examples/{shown}" if shown else None,
            )
            if files
            else None
        )
        return read_packet(EXAMPLES / name) if name else None
    if src == "Stored packet":
        keys = views.candidate_keys(store.packet_keys())
        key = st.selectbox("Packet key", keys, key=f"{prefix}_key") if keys else None
        return store.revisions(key)[-1] if key else None
    text = st.text_area("Packet (Markdown, optional front matter)", key=f"{prefix}_text", height=200)
    return parse_packet(text, name=f"{prefix}-pasted") if text.strip() else None


def message(text: str) -> str:
    """A study's message (error or skip reason) as Markdown: code spans, not backticks."""
    return message_markdown(text)


def opened(kind: str, store) -> bool:
    """Whether a study's "run" expander starts open: when none of `kind` is stored yet. Kept
    for the session, so the expander does not close under the user once a study is stored."""
    return st.session_state.setdefault(f"_{kind}_expander_open", not store.list_studies(kind, limit=1))


def pick_study(kind: str, store):
    studies = store.list_studies(kind)
    if not studies:
        st.info(f"No {kind} study stored yet.")
        return None
    by_id = {s["study_id"]: s for s in studies}
    sid = st.selectbox(
        f"Stored {kind} studies (newest first)",
        list(by_id),
        key=f"{kind}_study",
        format_func=lambda i: views.study_label(by_id[i]),
    )
    return by_id[sid]["summary"]


tab_stab, tab_probe, tab_conf = st.tabs(["Stability", "Counterfactual probes", "Conformity"])

with uikit.open_store() as store:
    with tab_stab:
        with st.expander("Run a stability study", expanded=opened("stability", store)):
            packet = pick_packet("stab", store)
            c1, c2, c3 = st.columns(3)
            runs = c1.number_input("Runs", 1, 100, 5, key="stab_runs")
            seed = c2.number_input("Seed", 0, 10**6, 0, key="stab_seed")
            engine = c3.selectbox("Engine", list(ENGINES), key="stab_engine")
            go = studykit.study_button(
                "Run stability study", kind="stability", page="trust", key="stab_go", disabled=packet is None
            )
            if go and packet is not None:
                studykit.run_study(
                    "stability",
                    run_stability,
                    store,
                    engine=engine,
                    packet_key=packet.key,
                    picker="stability_study",
                    packet=packet,
                    runs=int(runs),
                    seed=int(seed),
                    spec=RunSpec(engine=engine),
                )
            elif go:  # the inputs changed under the pending study: nothing to run any more
                studykit.drop()
            else:
                studykit.show_outcome("stability")
        rep = pick_study("stability", store)
        if rep:
            s = rep["summary"]
            m1, m2, m3 = st.columns(3)
            m1.metric("Modal decision", s["modal_decision"].replace("_", " "), border=True)
            m2.metric(
                "Agreement",
                f"{100 * s['agreement']:.0f}%",
                border=True,
                help="Share of runs that reached the modal decision.",
            )
            m3.metric("Runs", s["runs"], border=True)
            data = pd.DataFrame(views.stability_rows(rep, nm))
            data = data[data["count"] > 0]
            data["row"] = data["persona"] + " · " + data["kind"]
            # one bar per persona and stage, no facet: a faceted chart keeps a fixed width (clipped on a phone)
            chart = (
                alt.Chart(data, title="Vote distribution per persona (sealed vs final)")
                .mark_bar()
                .encode(
                    y=alt.Y("row:N", title=None, sort=None, axis=alt.Axis(labelLimit=220)),
                    x=alt.X("count:Q", title="runs", axis=alt.Axis(tickMinStep=1, format="d")),  # whole runs
                    color=alt.Color("vote_label:N", title="vote", scale=VOTE_SCALE),
                    order=alt.Order("rank:Q"),
                    tooltip=["persona", "kind", "vote_label", "count"],
                )
                .properties(height=alt.Step(22))
            )
            st.altair_chart(chart, width="stretch")
            # two tables, so each fits a laptop screen: what each run decided, then how it was ordered
            runs_table = pd.DataFrame(views.stability_runs_table(rep, nm, uikit.dimension_names()))
            order_cols = ["#", "speaking order", "first section", "run"]
            narrow = {"#": st.column_config.NumberColumn(width=40)}
            st.markdown("**Each run: final votes and decision**")
            st.dataframe(
                runs_table.drop(columns=order_cols[1:]), hide_index=True, width="stretch", column_config=narrow
            )
            st.markdown("**Each run: speaking order and first section**")
            st.dataframe(runs_table[order_cols], hide_index=True, width="stretch", column_config=narrow)

    with tab_probe:
        with st.expander("Run counterfactual probes", expanded=opened("probe", store)):
            # the default example is one a probe can vary (a name, school, employer or pronoun in its text)
            first = views.probe_default(EXAMPLES, views.example_files(EXAMPLES), list(ATTRIBUTES))
            packet = pick_packet("probe", store, default_index=first)
            c1, c2, c3 = st.columns([2, 1, 1])
            swaps = c1.multiselect("Swap", list(ATTRIBUTES), default=list(ATTRIBUTES), key="probe_swaps")
            per_swap = c2.number_input("Variants per attribute", 1, 15, 4, key="probe_per")
            engine = c3.selectbox("Engine", list(ENGINES), key="probe_engine")
            ready, skipped = views.probe_plan(packet, swaps) if packet is not None and swaps else (False, {})
            if packet is not None and swaps and not ready:
                st.warning(
                    "Nothing to probe in this packet (choose another, or name the candidate in its text):\n"
                    + "\n".join(f"- {a}: {message(why)}" for a, why in skipped.items()),
                    icon=":material/info:",
                )
            elif skipped:
                st.caption(" · ".join(f"skipped {a}: {message(why)}" for a, why in skipped.items()))
            go = studykit.study_button("Run probes", kind="probe", page="trust", key="probe_go", disabled=not ready)
            if go and ready:
                studykit.run_study(
                    "probe",
                    run_probe,
                    store,
                    engine=engine,
                    packet_key=packet.key,
                    picker="probe_study",
                    packet=packet,
                    swaps=swaps,
                    per_swap=int(per_swap),
                    spec=RunSpec(engine=engine),
                )
            elif go:  # the inputs changed under the pending study: nothing to run any more
                studykit.drop()
            else:
                studykit.show_outcome("probe")
        rep = pick_study("probe", store)
        if rep:
            s = rep["summary"]
            if s["invariant"]:
                st.success(
                    f"Invariant: none of {s['variants']} variants moved a vote, score, cited signal or decision."
                )
            else:
                st.error(
                    f"{s['moved']} of {s['variants']} variants moved something; "
                    f"{s['decision_changed']} changed the decision."
                )
            for a, why in rep["skipped"].items():
                st.caption(f"skipped {a}: {message(why)}")
            if rep.get("note"):
                st.caption(message(rep["note"]))
            table = pd.DataFrame(views.probe_table(rep, nm))
            st.dataframe(table, hide_index=True, width="stretch")
            moves = views.probe_moves(rep, nm)
            if moves:
                data = pd.DataFrame(moves)
                st.altair_chart(
                    alt.Chart(data, title="What moved, per variant")
                    .mark_bar()
                    .encode(
                        y=alt.Y("variant:N", title=None),
                        x=alt.X("count():Q", title="moves"),
                        color=alt.Color("what:N"),
                        tooltip=["variant", "persona", "what", "before", "after"],
                    ),
                    width="stretch",
                )
                st.dataframe(data, hide_index=True, width="stretch")

    with tab_conf:
        engines = ["(all engines)"] + list(ENGINES)
        eng = st.selectbox("Engine", engines, key="conf_engine")
        # the page is about the studies, so their runs count here (the CLI's `stats` needs --studies)
        results = stored_results(store, engine=None if eng.startswith("(") else eng, studies=True)
        orphans = orphan_study_runs(
            store, {r.run_id: r.packet.key for r in results}
        )  # runs of a study that was never stored
        results = [r for r in results if r.run_id not in orphans]
        stats = conformity_stats(results)
        if orphans:
            st.caption(
                f"{len(orphans)} study run{'s' if len(orphans) != 1 else ''} belonging to no stored study "
                "(a study cut short before it was saved) left out."
            )
        if not stats["runs"]:
            st.info("No finished runs stored yet.")
        else:
            f = stats["flips"]
            m1, m2, m3 = st.columns(3)
            m1.metric("Finished runs", stats["runs"], border=True)
            rate = stats["decision_changed_rate"]
            m2.metric(
                "Debate changed the decision",
                f"{stats['decision_changed']} ({100 * (rate or 0):.0f}%)",
                border=True,
                help="The committee rules on the sealed votes give another outcome than the final decision.",
            )
            m3.metric(
                "Moved toward the majority",
                f"{f['toward']} of {f['changed']}",
                border=True,
                help=f"Changed votes that moved toward the side holding most sealed votes. away: {f['away']}, "
                f"no majority (tied sealed votes): {f['no_majority']}",
            )
            data = pd.DataFrame(views.conformity_rows(stats, nm))
            if not f["changed"]:  # every rate is 0: a chart of empty bars says less than a sentence
                st.caption(f"No persona changed its vote in the debrief in any of the {stats['runs']} runs.")
            else:
                st.altair_chart(
                    alt.Chart(data, title="Flip rate per persona (sealed → final)")
                    .mark_bar()
                    .encode(
                        x=alt.X("rate:Q", axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1]), title=None),
                        y=alt.Y("persona:N", title=None),
                        color=alt.Color("measure:N", title=None),
                        yOffset="measure:N",
                        tooltip=["persona", "measure", "count", "runs"],
                    ),
                    width="stretch",
                )
            drows = views.direction_rows(stats, nm)
            if drows:
                st.altair_chart(
                    alt.Chart(pd.DataFrame(drows), title="Which way changed votes moved")
                    .mark_bar()
                    .encode(
                        x=alt.X("count:Q"),
                        y=alt.Y("persona:N", title=None),
                        color=alt.Color("direction:N", title=None),
                        tooltip=["persona", "direction", "count"],
                    ),
                    width="stretch",
                )
            by_id = {r.run_id: r for r in results}
            rid = st.selectbox(
                "One run: sealed vs final",
                list(by_id),
                key="conf_run",
                format_func=lambda i: (
                    f"{by_id[i].packet.key} rev {by_id[i].packet.revision} · "
                    f"{by_id[i].decision.outcome.replace('_', ' ')} · {i}"
                ),
            )
            try:
                from committee.catalog import default_catalog

                scenario = default_catalog().scenarios.get(by_id[rid].scenario)
            except CommitteeError:
                scenario = None
            rc = run_conformity(by_id[rid], scenario)
            if "sealed_decision" in rc:
                st.caption(
                    f"Sealed votes alone: {rc['sealed_decision'].replace('_', ' ')} ({readable_rule(rc['sealed_rule'], nm, uikit.dimension_names())}) · "
                    f"final: {rc['final_decision'].replace('_', ' ')}"
                )
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "persona": nm.get(r["persona"], r["persona"]),
                            "sealed": VOTE_LABEL[r["sealed"]],
                            "final": VOTE_LABEL[r["final"]],
                            "changed": r["changed"],
                            "crossed side": r["crossed"],
                            "direction": r["direction"] or "-",
                            "reason": r["reason"] or "",
                        }
                        for r in rc["personas"]
                    ]
                ),
                hide_index=True,
                width="stretch",
            )
