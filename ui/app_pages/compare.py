"""Compare revisions: how each persona's vote and each rubric dimension moved across
the revisions of one packet, which signals were removed or introduced, and a
readable diff of the packet text between two chosen revisions."""

import altair as alt
import pandas as pd
import streamlit as st
import uikit

from committee.catalog import default_catalog
from committee.errors import CommitteeError
from committee.present.compare import compare, history, word_diff
from committee.present.views import (
    OVERLAP_NOTE,
    SCORE_STEP,
    VOTE_LABEL,
    VOTE_STEP,
    code_span,
    diff_markdown,
    escape_markdown,
    jitter,
    signal_text,
)
from committee.trust.views import candidate_keys

SS = st.session_state

st.title("Compare revisions")
st.caption("Submit a changed packet under the same `packet:` key and see how the committee moved.")

nm = uikit.names()
dims = uikit.dimension_names()
catalog = default_catalog()


def dim_name(d: str) -> str:
    return dims.get(d, d.replace("_", " "))


QP = st.query_params  # ?packet=KEY&from=N&to=M: the choice survives a reload and can be shared


def url_revision(name: str, revs: list[int]) -> int | None:
    """Revision `name` ("from" or "to") of the URL when it is one of `revs`, else None."""
    try:
        rev = int(QP.get(name, ""))
    except ValueError:
        return None
    return rev if rev in revs else None


with uikit.open_store() as store:
    all_keys = store.packet_keys(latest_first=True)  # the packet worked on last comes first
    from_url = QP.get("packet") if "compare_select" not in SS else None  # a new session: a reload or a link
    if from_url in all_keys and from_url not in candidate_keys(all_keys):
        SS["compare_studies"] = True  # a study packet in the URL: show study packets
    studies = st.toggle(
        "Include study packets",
        key="compare_studies",
        help="The packets that stability, probe and calibration studies stored under their own keys "
        "(KEY--stability, KEY--probe, KEY--calibrate).",
    )
    keys = all_keys if studies else candidate_keys(all_keys)
    if not keys:
        st.info("No packets stored yet. Submit a packet first.")
        st.page_link("app_pages/submit.py", label="Submit a packet", icon=":material/edit_note:")
        st.stop()
    if SS.get("compare_key") in keys and SS.get("_compare_applied") != SS.get("compare_key"):
        SS["compare_select"] = SS["compare_key"]  # handed over by the submit page (once)
        SS["_compare_applied"] = SS["compare_key"]
    elif from_url in keys:
        SS["compare_select"] = from_url
    if SS.get("compare_select") not in keys:
        SS.pop("compare_select", None)  # e.g. a study packet after "Include study packets" is turned off
    key = st.selectbox("Packet (latest first)", keys, key="compare_select", persist_state="session")
    if QP.get("packet") != key:
        if QP.get("packet") is not None:  # another packet: its revisions are not this one's
            QP.pop("from", None)
            QP.pop("to", None)
        QP["packet"] = key
    records = history(store, key)
    revs = [r.revision for r in records]
    if len(revs) < 2:
        st.info(
            f"{code_span(key)} has one revision so far. Edit the packet, keep its {code_span('packet: ' + key)} "
            "line, and submit it again to compare."
        )
        comparison = None
    else:
        c1, c2 = st.columns(2)
        if SS.get("_compare_for") != key:  # a newly chosen packet: the URL's revisions, else the last two
            SS["_compare_for"] = key
            SS["compare_from"] = url_revision("from", revs) or revs[-2]
            SS["compare_to"] = url_revision("to", revs) or revs[-1]
        before = c1.selectbox("From revision", revs, key="compare_from")
        after = c2.selectbox("To revision", revs, key="compare_to")
        QP["from"], QP["to"] = str(before), str(after)
        if before == after:
            st.info(
                f"From and to are both revision {before}: choose two different revisions to see what changed "
                f"(the latest two are {revs[-2]} and {revs[-1]}).",
                icon=":material/info:",
            )
            comparison = None
    if len(revs) >= 2 and before != after:
        try:
            comparison = compare(store, key, before=before, after=after)
            texts = {r: store.get_revision(key, r).text for r in (before, after)}
        except CommitteeError as exc:
            st.error(uikit.md(str(exc)))
            st.stop()

# ------------------------------------------------------------------ across all revisions
run = [r for r in records if r.run_id]
st.subheader("Across revisions")
if not run:
    st.warning("No revision of this packet has a finished run yet.")
else:
    personas = list(dict.fromkeys(p for r in run for p in r.votes))
    score_dims = list(dict.fromkeys(d for r in run for d in r.scores))
    vote_table = pd.DataFrame(
        [
            {"persona": nm.get(p, p), **{f"rev {r.revision}": VOTE_LABEL.get(r.votes.get(p, ""), "–") for r in run}}
            for p in personas
        ]
        + [{"persona": "decision", **{f"rev {r.revision}": (r.outcome or "–").replace("_", " ") for r in run}}]
    )
    score_table = pd.DataFrame(
        [{"dimension": dim_name(d), **{f"rev {r.revision}": r.scores.get(d) for r in run}} for d in score_dims]
    )
    t1, t2 = st.columns(2)
    t1.markdown("**Final votes**")
    t1.dataframe(vote_table, hide_index=True, width="stretch")
    t2.markdown("**Mean rubric scores (1–4)**")
    t2.dataframe(score_table, hide_index=True, width="stretch")

    order = [f"rev {r.revision}" for r in run]
    votes_long = pd.DataFrame(
        jitter(
            [
                {
                    "revision": f"rev {r.revision}",
                    "persona": nm.get(p, p),
                    "vote": VOTE_LABEL[v],
                    "points": {"strong_hire": 2, "hire": 1, "no_hire": -1, "strong_no_hire": -2}[v],
                }
                for r in run
                for p, v in r.votes.items()
            ],
            by="persona",
            value="points",
            step=VOTE_STEP,
        )
    )
    scores_long = pd.DataFrame(
        jitter(
            [
                {"revision": f"rev {r.revision}", "dimension": dim_name(d), "score": s}
                for r in run
                for d, s in r.scores.items()
            ],
            by="dimension",
            value="score",
            step=SCORE_STEP,
        )
    )
    g1, g2 = st.columns(2)
    with g1:
        st.altair_chart(
            alt.Chart(votes_long, title=alt.TitleParams("Each persona's final vote", subtitle=OVERLAP_NOTE))
            .mark_line(point=alt.OverlayMarkDef(size=80, filled=True))
            .encode(
                x=alt.X("revision:N", sort=order, title=None, axis=alt.Axis(labelAngle=0)),
                y=alt.Y(
                    "y:Q",
                    title=None,
                    scale=alt.Scale(domain=[-2.3, 2.3]),
                    axis=alt.Axis(values=[-2, -1, 1, 2], labelExpr=uikit._points_label_expr()),
                ),
                color=alt.Color("persona:N", scale=uikit.persona_scale(list(votes_long["persona"]))),
                shape=alt.Shape("persona:N"),  # one marker shape per persona, where points meet
                tooltip=["persona", "revision", "vote"],
            )
            .properties(height=260),
            width="stretch",
        )
    with g2:
        st.altair_chart(
            alt.Chart(scores_long, title=alt.TitleParams("Mean score per rubric dimension", subtitle=OVERLAP_NOTE))
            .mark_line(point=alt.OverlayMarkDef(size=80, filled=True))
            .encode(
                x=alt.X("revision:N", sort=order, title=None, axis=alt.Axis(labelAngle=0)),
                # plotted nudged apart (`y`); the axis ticks and the tooltip give the true score
                y=alt.Y("y:Q", title=None, scale=alt.Scale(domain=[0.7, 4.3]), axis=alt.Axis(values=[1, 2, 3, 4])),
                color=alt.Color("dimension:N"),
                shape=alt.Shape("dimension:N"),
                tooltip=["dimension", "revision", alt.Tooltip("score:Q", format=".2f")],
            )
            .properties(height=260),
            width="stretch",
        )

if comparison is None:
    st.stop()

# ------------------------------------------------------------------ the two chosen revisions
c = comparison
st.subheader(f"Revision {c.before.revision} → {c.after.revision}")
for note in c.notes:
    st.caption(f"Note: {escape_markdown(note)}")
m = st.columns(3)
m[0].metric(
    "Decision",
    (c.after.outcome or "not run").replace("_", " "),
    delta=None
    if c.before.outcome == c.after.outcome or not c.before.outcome
    else f"was {c.before.outcome.replace('_', ' ')}",
    delta_color="normal" if c.after.outcome == "hire" else "inverse",
    border=True,
)
moved = sum(1 for v in c.votes if v.change)
m[1].metric("Votes that moved", f"{moved} of {len(c.votes)}", border=True)
total = sum(v.change for v in c.votes if v.change is not None)
m[2].metric("Vote points, net change", f"{total:+d}", border=True)

arrow = {"up": "▲", "down": "▼", "same": "=", "n/a": "?"}
d1, d2 = st.columns(2)
d1.dataframe(
    pd.DataFrame(
        [
            {
                "persona": nm.get(v.persona, v.persona),
                f"rev {c.before.revision}": VOTE_LABEL.get(v.before or "", "–"),
                f"rev {c.after.revision}": VOTE_LABEL.get(v.after or "", "–"),
                "change": f"{arrow[v.direction]} {v.change:+d}" if v.change is not None else "?",
            }
            for v in c.votes
        ]
    ),
    hide_index=True,
    width="stretch",
)
d2.dataframe(
    pd.DataFrame(
        [
            {
                "dimension": dim_name(s.dimension),
                f"rev {c.before.revision}": s.before,
                f"rev {c.after.revision}": s.after,
                "change": None if s.change is None else round(s.change, 2),
            }
            for s in c.scores
        ]
    ),
    hide_index=True,
    width="stretch",
    column_config={"change": st.column_config.NumberColumn(format="%+.2f")},
)


def signal_list(title: str, ids: list[str], icon: str, empty: str) -> None:
    st.markdown(f"**{title}**")
    if not ids:
        st.caption(empty)
    for sid in ids:  # the readable title and description (`views.signal_text`); the id is in the tooltip
        title, desc = signal_text(sid, catalog)
        st.markdown(
            f"{icon} **{escape_markdown(title)}**" + (f": {escape_markdown(desc)}" if desc else ""),
            help=f"signal id: {sid}",
        )


s1, s2 = st.columns(2)
with s1:
    signal_list("Red flags removed", c.red_removed, ":green[:material/check_circle:]", "none")
    signal_list("Red flags introduced", c.red_introduced, ":red[:material/flag:]", "none")
with s2:
    signal_list("Green signals added", c.green_added, ":green[:material/add_circle:]", "none")
    signal_list("Green signals lost", c.green_lost, ":orange[:material/remove_circle:]", "none")

st.subheader("What changed in the packet")
inline, unified = st.tabs(["Inline (word by word)", "Unified diff"])
with inline:
    st.markdown(":red-background[~~removed~~] :green-background[added]")
    body = diff_markdown(word_diff(texts[c.before.revision], texts[c.after.revision]))
    with st.container(height=600, border=True):
        st.markdown(body)
with unified:
    if c.diff:
        st.code(c.diff, language="diff", wrap_lines=True)
    else:
        st.caption("The packet text is the same in both revisions.")
