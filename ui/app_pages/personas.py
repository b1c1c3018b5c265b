"""Personas & scenarios: what the committee weighs, read from the data files
(personas/*.yaml, scenarios/*.yaml, scenarios/signals.yaml and user overrides)."""

import altair as alt
import pandas as pd
import streamlit as st
import uikit

from committee.catalog import default_catalog, search_path
from committee.errors import CommitteeError
from committee.present.views import VOTE_LABEL, code_span
from committee.present.views import escape_markdown as esc

st.title("Personas & scenarios")
st.caption(
    "What the committee weighs. Everything here is read from data files you can copy and edit. " + uikit.DISCLAIMER
)

try:
    cat = default_catalog()
except CommitteeError as exc:
    st.error(f"The data files do not load: {esc(str(exc))}")
    st.stop()

dims = {d.id: d.name for sc in cat.scenarios.values() for d in sc.dimensions}


def signal_md(s) -> str:
    """One signal in full: its readable title, what it is, and (with `advice`) the coaching line."""
    kind = ":red[:material/flag:] red flag" if s.polarity == "red" else ":green[:material/check_circle:] green signal"
    return f"{kind} · **{esc(uikit.signal_name(s.id, cat))}**  \n{esc(s.description)}"


tab_p, tab_s, tab_sig = st.tabs(["Personas", "Scenarios", "Signal library"])

with tab_p:
    st.caption("Folders: " + ", ".join(code_span(str(p)) for p in search_path("personas")))
    personas = [cat.personas[p] for p in cat.default_panel]  # in seat order
    # one scale for every persona's weight chart, so bars compare across cards
    top_share = max((v / (sum(p.weights.values()) or 1) for p in personas for v in p.weights.values()), default=1)
    top_share = min(1.0, round(top_share + 0.05, 1))
    for i in range(0, len(personas), 2):
        cols = st.columns(2)
        for col, p in zip(cols, personas[i : i + 2]):
            with col.container(border=True):
                # the id (for --persona-engine and the JSON) in the tooltip, not beside the title
                st.markdown(f"### {esc(p.name)}\n**{esc(p.title)}**", help=f"persona id: {p.id}")
                st.markdown(esc(p.background.strip()))
                st.markdown("**Weighs most**\n" + "\n".join(f"- {esc(w)}" for w in p.weighs_most))
                if p.hard_lines:
                    st.markdown(
                        "**Hard lines** (cap the vote at No Hire)\n"
                        + "\n".join(
                            f"- *{esc(uikit.signal_name(s, cat))}*: {esc(cat.signals[s].description) if s in cat.signals else ''}"
                            for s in p.hard_lines
                        ),
                        help="signal ids: " + ", ".join(p.hard_lines),
                    )
                total = sum(p.weights.values()) or 1
                w = pd.DataFrame(
                    [
                        {"dimension": dims.get(d, d.replace("_", " ")), "weight": round(v / total, 3)}
                        for d, v in p.weights.items()
                    ]
                )
                st.altair_chart(
                    alt.Chart(w)
                    .mark_bar()
                    .encode(
                        x=alt.X(
                            "weight:Q",
                            title="share of the vote",
                            axis=alt.Axis(format="%"),
                            scale=alt.Scale(domain=[0, top_share]),
                        ),
                        y=alt.Y(
                            "dimension:N", sort="-x", title=None, axis=alt.Axis(labelLimit=200, labelOverlap=False)
                        ),
                        tooltip=["dimension", alt.Tooltip("weight:Q", format=".0%")],
                    )
                    .properties(height=alt.Step(26)),
                    width="stretch",
                )
                st.caption(f"Tone: {esc(p.style.tone)}")

with tab_s:
    st.caption("Folders: " + ", ".join(code_span(str(p)) for p in search_path("scenarios")))
    sid = st.selectbox(
        "Scenario", list(cat.scenarios), key="scenario_view", format_func=lambda s: f"{cat.scenarios[s].title} ({s})"
    )
    sc = cat.scenarios[sid]
    st.markdown(f"### {esc(sc.title)}\n*{esc(sc.role)}*\n\n{esc(sc.description.strip())}")
    st.markdown("**Rubric** (each persona scores every dimension 1–4)")
    # in full: "a strong answer shows" is the most useful coaching text, so no table cell cuts it
    for d in sc.dimensions:
        with st.container(border=True, key=f"rubric_{d.id}"):
            st.markdown(f"**{esc(d.name)}** · {esc(d.description)}", help=f"dimension id: {d.id}")
            st.markdown(f"*A strong answer shows:* {esc(d.strong_answer)}")
    r = sc.rules
    rules = []
    if r.must_pass:
        rules.append(
            f"**Must pass:** if {r.fail_quorum} or more reviews score "
            + " or ".join(f"*{esc(sc.dimension(d).name)}*" for d in r.must_pass)
            + f" at {r.fail_score} or below, the outcome is No Hire whatever the votes."
        )
    for pid, votes in r.vetoes.items():
        who = cat.personas[pid].name if pid in cat.personas else pid
        rules.append(
            f"**Veto:** a {' or '.join(VOTE_LABEL[v.value] for v in votes)} from {esc(who)} decides No Hire alone."
        )
    rules.append(
        f"**Majority:** otherwise Hire when the vote points (Strong Hire +2, Hire +1, No Hire −1, "
        f"Strong No Hire −2) add up to more than {r.hire_threshold}; a tie goes to No Hire."
    )
    st.markdown("**Committee rules**\n" + "\n".join(f"1. {x}" for x in rules))
    if sc.case_prompts:  # questions the committee may ask, not a rubric dimension
        st.markdown(
            "**Case prompts** (questions the committee may pose; not scored as a dimension)\n"
            + "\n".join(f"- **{esc(c.title)}**: {esc(c.prompt)}" for c in sc.case_prompts)
        )
    sigs = cat.scenario_signals(sc)
    st.markdown("**Signals this role is judged on**, by rubric dimension")
    for d in sc.dimensions:
        mine = [x for x in sigs if x.dimension == d.id]
        if mine:
            st.markdown(f"*{esc(d.name)}*")
            for x in mine:
                st.markdown(signal_md(x), help=f"signal id: {x.id}")
    other = [x for x in sigs if x.dimension not in {d.id for d in sc.dimensions}]
    for x in other:
        st.markdown(signal_md(x), help=f"signal id: {x.id}")

with tab_sig:
    st.caption("Every red flag and green signal a scenario may reference, with the coaching line shown in feedback.")
    by_dim: dict[str, list] = {}
    for x in cat.signals.values():
        by_dim.setdefault(x.dimension or "", []).append(x)
    for d, group in by_dim.items():
        st.markdown(f"#### {esc(dims.get(d, d.replace('_', ' ') or 'Other'))}")
        for x in group:
            with st.container(border=True, key=f"signal_{x.id}"):
                st.markdown(signal_md(x), help=f"signal id: {x.id}")
                if x.advice:
                    st.markdown(f"*Coaching:* {esc(x.advice)}")
