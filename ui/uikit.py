"""Streamlit pieces shared by the pages: the database in the sidebar, persona names,
vote badges, the tally chart and the rendering of a finished run. Presentation only:
data shaping lives in `committee.present.views` and `committee.present.compare`.

Every string that comes from a packet (or quotes one: summaries, turns, feedback)
goes through `md()` (escaped Markdown) or a dataframe cell; never raw HTML.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import altair as alt
import pandas as pd
import streamlit as st

from committee.catalog import Catalog, default_catalog
from committee.decision.feedback import signal_title
from committee.errors import CommitteeError
from committee.models import RunResult
from committee.present.views import (
    OVERLAP_NOTE,
    PERSONA_COLORS,
    VOTE_COLOR,
    VOTE_LABEL,
    VOTE_STEP,
    VOTES,
    code_span,
    dimension_titles,
    escape_markdown,
    feedback_quote_label,
    feedback_view,
    jitter,
    readable_ids,
    readable_rule,
    score_rows,
    stage_order,
    tally,
    timeline_from_result,
    vote_label,
    vote_rows,
)
from committee.store.db import display
from committee.store.runs import Store, default_db_path

DISCLAIMER = (
    "A practice simulator. The committee, its members and its rules are fictional; "
    "no real company's process is represented."
)


def md(text: str | None) -> str:
    """Escaped Markdown for untrusted text."""
    return escape_markdown(text or "")


def db_path() -> str:
    return str(default_db_path())


def sidebar() -> None:
    """Shown on every page: where the data lives."""
    with st.sidebar:
        st.caption("Database")
        st.code(display(db_path()), language=None, wrap_lines=True)
        st.caption(
            "Set `COMMITTEE_DB` or start with `committee ui --db PATH` to use another file "
            "(or a postgresql:// URL a team shares)."
        )
        st.caption(DISCLAIMER)
        close_sidebar_after_navigation()


# Streamlit closes the sidebar after a page link is chosen only for a phone's user agent;
# in a narrow window (below Streamlit's `md` breakpoint, 768 px) it stayed open over the
# page. This hook (a constant script of ours: no request, no data) does the same for any
# narrow window: a click on a sidebar page link collapses the sidebar.
_NAV_HOOK = """<script>
(function () {
  const w = window, d = w.document;
  if (w.__committeeNavHook) d.removeEventListener("click", w.__committeeNavHook, true);
  w.__committeeNavHook = function (e) {
    if (!e.target.closest || !e.target.closest('[data-testid="stSidebarNav"] a') || w.innerWidth >= 768) return;
    w.setTimeout(function () {
      const bar = d.querySelector('[data-testid="stSidebar"]');
      const close = d.querySelector('[data-testid="stSidebarCollapseButton"] button');
      if (bar && bar.getAttribute("data-collapsed") !== "true" && close) close.click();
    }, 0);
  };
  d.addEventListener("click", w.__committeeNavHook, true);
})();
</script>"""


def close_sidebar_after_navigation() -> None:
    st.html(_NAV_HOOK, unsafe_allow_javascript=True)


# Scrolls a fixed-height container (`st.container(height=..., key=KEY)`) to its first highlight
# (`:color-background[...]`, rendered as span.stMarkdownColoredBackground), inside the box only:
# the page itself does not move. A constant script of ours (no data; the token is JSON): it runs
# again whenever the token changes (the step shown), and retries until the rerun has drawn the box.
_SCROLL_TO_MARK = """<script>
(function () {
  const d = window.document, key = %s, token = %s;
  let tries = 0;
  const box = (el, stop) => {
    for (let e = el.parentElement; e && e !== stop.parentElement; e = e.parentElement) {
      const y = window.getComputedStyle(e).overflowY;
      if ((y === "auto" || y === "scroll") && e.scrollHeight > e.clientHeight) return e;
    }
    return null;
  };
  const go = () => {
    const pane = d.querySelector(".st-key-" + key);
    const mark = pane && pane.querySelector("span.stMarkdownColoredBackground");
    const busy = d.querySelector("[data-testid=stStatusWidget] [data-testid=stStatusWidgetRunningIcon]");
    const scroller = mark && box(mark, pane);
    if (scroller) {
      const off = mark.getBoundingClientRect().top - scroller.getBoundingClientRect().top;
      scroller.scrollTop = Math.max(0, scroller.scrollTop + off - 16);
    }
    if ((scroller && !busy) || ++tries > 60) return;
    window.setTimeout(go, 100);
  };
  window.setTimeout(go, 0);
})();
</script>"""


def scroll_to_first_mark(key: str, token: str) -> None:
    """Scroll the fixed-height container keyed `key` to its first highlighted passage
    (not the page); `token` names what is shown (e.g. run and step), so the box is
    scrolled again each time it changes, and only then."""
    import json

    st.html(_SCROLL_TO_MARK % (json.dumps(key), json.dumps(token)), unsafe_allow_javascript=True)


@contextmanager
def open_store() -> Iterator[Store]:
    """A Store for one script run (opened and closed each rerun: cheap, and no database
    connection is shared between browser sessions)."""
    with Store(db_path()) as store:
        yield store


def names() -> dict[str, str]:
    try:
        return {p.id: p.name for p in default_catalog().personas.values()}
    except CommitteeError:
        return {}


def titles() -> dict[str, str]:
    try:
        return {p.id: p.title for p in default_catalog().personas.values()}
    except CommitteeError:
        return {}


def dimension_names() -> dict[str, str]:
    """Rubric dimension id -> its title, over every installed scenario."""
    try:
        return dimension_titles()
    except CommitteeError:
        return {}


def signal_name(signal_id: str, catalog: Catalog | None = None) -> str:
    """A signal's readable title (`committee.decision.feedback.signal_title`, from `catalog`
    where the page has one); the id is for tooltips."""
    try:
        return signal_title(signal_id, None, catalog)
    except CommitteeError:
        return signal_id.replace("-", " ")


BADGE_COLOR = {"strong_hire": "green", "hire": "green", "no_hire": "orange", "strong_no_hire": "red"}


def badge(vote: str | None) -> str:
    """A vote as a coloured Streamlit badge (Markdown)."""
    if vote is None:
        return ":gray-badge[no vote yet]"
    return f":{BADGE_COLOR[str(vote)]}-badge[{vote_label(vote)}]"


def when(ts: float | None) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M") if ts else "-"


def run_label(row, names: dict[str, str] | None = None) -> str:
    """A stored run in a picker: when, packet and revision, scenario, outcome (or its
    status; a run waiting for follow-up answers says so) and id; a what-if fork says
    what it changed ("what if: Dr. Lin muted"; `names`: persona id -> name)."""
    from committee.present.compare import change_text

    status = "waiting for your answers" if row.status == "awaiting_answers" else row.status
    outcome = {"hire": "hire", "no_hire": "no hire"}.get(row.outcome or "", status)
    fork = f"what if: {change_text(row.changed, names)} · " if row.parent_run_id else ""
    return f"{when(row.created_at)} · {fork}{row.packet_key} rev {row.revision} · {row.scenario} · {outcome} · {row.run_id}"


def _vote_scale() -> alt.Scale:
    return alt.Scale(domain=[VOTE_LABEL[v] for v in VOTES], range=[VOTE_COLOR[v] for v in VOTES])


def tally_chart(timeline: list[dict], *, height: int = 300) -> alt.Chart | None:
    """Stacked bars: how many personas held each vote at each stage
    (sealed -> round 1 -> ... -> final)."""
    if not timeline:
        return None
    data = pd.DataFrame(tally(timeline))
    data = data[data["count"] > 0]
    data["rank"] = data["vote"].map({v: i for i, v in enumerate(VOTES)})
    return (
        alt.Chart(data, title="Vote tally by stage")
        .mark_bar()
        .encode(
            x=alt.X("stage:N", sort=stage_order(timeline), title=None, axis=stage_axis(len(stage_order(timeline)))),
            y=alt.Y(
                "count:Q",
                title="personas",
                scale=alt.Scale(domain=[0, max(4, int(data.groupby("stage")["count"].sum().max()))]),
                axis=alt.Axis(tickMinStep=1),
            ),
            color=alt.Color(
                "vote_label:N",
                title="vote",
                scale=_vote_scale(),
                sort=[VOTE_LABEL[v] for v in VOTES],
                legend=legend_below(),
            ),
            order=alt.Order("rank:Q"),
            tooltip=[alt.Tooltip("stage:N"), alt.Tooltip("vote_label:N", title="vote"), alt.Tooltip("count:Q")],
        )
        .properties(height=height)
    )


def persona_lines_chart(timeline: list[dict], persona_names: dict[str, str], *, height: int = 300) -> alt.Chart | None:
    """Each persona's vote (as points, -2..+2) across the stages."""
    if not timeline:
        return None
    data = pd.DataFrame(jitter(timeline, by="persona", value="points", step=VOTE_STEP))
    data["name"] = data["persona"].map(lambda p: persona_names.get(p, p))
    return (
        alt.Chart(data, title=alt.TitleParams("Each persona's vote by stage", subtitle=OVERLAP_NOTE))
        .mark_line(point=alt.OverlayMarkDef(size=60, filled=True))
        .encode(
            x=alt.X("stage:N", sort=stage_order(timeline), title=None, axis=stage_axis(len(stage_order(timeline)))),
            y=alt.Y(
                "y:Q",
                title=None,
                scale=alt.Scale(domain=[-2.3, 2.3]),
                axis=alt.Axis(values=[-2, -1, 1, 2], labelExpr=_points_label_expr()),
            ),
            color=alt.Color("name:N", title="persona", scale=persona_scale(list(data["name"])), legend=legend_below()),
            shape=alt.Shape(
                "name:N", title="persona", legend=legend_below()
            ),  # one marker shape per persona, where points meet
            tooltip=[
                alt.Tooltip("name:N", title="persona"),
                alt.Tooltip("stage:N"),
                alt.Tooltip("vote_label:N", title="vote"),
            ],
        )
        .properties(height=height)
    )


def persona_scale(names_in_order: list[str]) -> alt.Scale:
    """Persona colours (blues, purples, greys) that never read as a vote colour."""
    domain = list(dict.fromkeys(names_in_order))
    return alt.Scale(domain=domain, range=[PERSONA_COLORS[i % len(PERSONA_COLORS)] for i in range(len(domain))])


def legend_below() -> alt.Legend:
    """A chart's legend under its plot, in two columns: beside it, on a phone, it left the
    plot about 100 px."""
    return alt.Legend(orient="bottom", direction="horizontal", columns=2, labelLimit=220)


def stage_axis(n_stages: int) -> alt.Axis:
    """The x axis of a chart over debrief stages: every label kept (tilted when there
    are many, instead of Vega dropping the ones that overlap)."""
    return alt.Axis(labelAngle=0 if n_stages <= 4 else -40, labelOverlap=False, labelLimit=120)


def _points_label_expr() -> str:
    return (
        "datum.value == 2 ? 'Strong Hire' : datum.value == 1 ? 'Hire' : "
        "datum.value == -1 ? 'No Hire' : datum.value == -2 ? 'Strong No Hire' : ''"
    )


def decision_banner(decision: dict | None) -> None:
    """The decision in words: persona names and dimension titles where the stored
    explanation (the JSON contract) has ids."""
    if not decision:
        return
    nm, dims = names(), dimension_names()
    text = (
        f"**Decision: {'HIRE' if decision['outcome'] == 'hire' else 'NO HIRE'}** · "
        f"{md(readable_rule(decision['rule'], nm, dims))}  \n"
        f"{md(readable_ids(decision.get('explanation') or '', nm, dims))}"
    )
    (st.success if decision["outcome"] == "hire" else st.error)(
        text, icon=":material/check_circle:" if decision["outcome"] == "hire" else ":material/cancel:"
    )


def render_result(result: RunResult, *, key: str = "result") -> None:
    """A finished run: decision, the four votes, tally chart, scores, debrief, feedback."""
    nm = names()
    decision_banner(result.decision.model_dump())
    st.caption(
        f"run {code_span(result.run_id)} · packet {code_span(result.packet.key)} revision {result.packet.revision} · "
        f"scenario {code_span(result.scenario)} · engine {code_span(result.engine.name)}"
        f"{' / ' + md(result.engine.model) if result.engine.model else ''} · {result.protocol} · "
        f"{result.timing.wall_s:.2f}s"
    )
    if result.integrity:
        st.warning(
            f"Integrity concern: {len(result.integrity)} passage(s) address the reviewers instead of the case. "
            "They were treated as data and count against the packet.",
            icon=":material/warning:",
        )
        for e in result.integrity:
            st.markdown(f"> {md(e.quote[:300])}")
    sealed = {r.persona: r.vote.value for r in result.reviews}
    row = st.container(horizontal=True, wrap=True, gap="small")
    for p, v in result.votes.items():
        before = sealed.get(p)
        delta = None
        if before and before != v.value:
            from committee.models import Vote

            delta = f"{v.points - Vote(before).points:+d} from sealed {vote_label(before)}"
        row.metric(nm.get(p, p), vote_label(v), delta=delta, border=True, help=titles().get(p), width="content")
    timeline = timeline_from_result(result)
    c1, c2 = st.columns(2)
    with c1:
        chart = tally_chart(timeline)
        if chart is not None:
            st.altair_chart(chart, width="stretch")
    with c2:
        chart = persona_lines_chart(timeline, nm)
        if chart is not None:
            st.altair_chart(chart, width="stretch")
    st.subheader("Votes and rubric scores")
    result_tables(result, nm, key=key)
    with st.expander("What each persona wrote in the blind review", expanded=False):
        for r in result.reviews:
            st.markdown(
                f"**{md(nm.get(r.persona, r.persona))}** · {badge(r.vote.value)} · confidence {r.confidence:.2f}  \n"
                f"{md(r.summary)}"
            )
    st.subheader("Debrief")
    transcript(result.debrief, nm)
    feedback_section(result.feedback)


# Below this width (Streamlit's own breakpoint for stacking columns) the result's tables are
# one block per persona instead of a wide grid that scrolls sideways. A constant style of ours.
NARROW_PX = 640
_NARROW_CSS = """<style>
@media (max-width: {narrow}px) {{ .st-key-{key}_wide {{ display: none !important; }} }}
@media (min-width: {wide}px) {{ .st-key-{key}_narrow {{ display: none !important; }} }}
</style>"""


def result_tables(result: RunResult, nm: dict[str, str], *, key: str = "result") -> None:
    """The votes and rubric scores of a finished run: two tables on a wide screen; on a
    narrow one (below `NARROW_PX`, a phone) the same cells stacked, one block per persona
    and one for the means, so no column is cut off and no table toolbar covers the heading.
    Both are drawn; CSS shows the one that fits."""
    votes, scores = vote_rows(result, nm), score_rows(result, nm)
    st.html(_NARROW_CSS.format(key=key, narrow=NARROW_PX - 1, wide=NARROW_PX))
    with st.container(key=f"{key}_wide"):
        st.dataframe(pd.DataFrame(votes), hide_index=True, width="stretch")
        st.dataframe(pd.DataFrame(scores), hide_index=True, width="stretch")
    with st.container(key=f"{key}_narrow", gap="small"):
        by_name = {r["persona"]: r for r in scores}
        for v in votes:
            dims = {k: x for k, x in by_name.get(v["persona"], {}).items() if k != "persona"}
            with st.container(border=True):
                st.markdown(
                    f"**{md(v['persona'])}**  \n"
                    f"sealed (blind) {md(v['sealed (blind)'])} → final {md(v['final'])}"
                    f" · moved: {'yes' if v['moved'] else 'no'} · confidence {v['confidence']:.2f}  \n"
                    + " · ".join(f"{md(d)} **{x if x is not None else '-'}**" for d, x in dims.items())
                )
        mean = by_name.get("mean")
        if mean:
            st.markdown("**Mean scores:** " + " · ".join(f"{md(d)} **{x}**" for d, x in mean.items() if d != "persona"))


def feedback_section(feedback) -> None:
    """Coaching for the next revision: rubric dimensions still below 4 of 4 (a dimension
    already at 4 is not listed), then the scenario's case prompts the packet leaves open,
    which are not a rubric dimension and get their own heading."""
    dims = dimension_names()
    view = feedback_view(feedback)  # the rule shared with the terminal report
    items, prompts = view.items, view.prompts
    st.subheader("Feedback for the next revision")
    if not items:
        st.success("Every rubric dimension is at its best or close to it: keep the packet's structure.")
    for f in items:
        with st.container(border=True):
            st.markdown(
                f"**{md(dims.get(f.dimension, f.dimension.replace('_', ' ').capitalize()))}** · mean {f.score:.1f} / 4"
            )
            if f.quote:
                st.markdown(f"{feedback_quote_label(f)}: :red-background[{md(f.quote)}]")
            st.markdown(md(f.advice))
            if f.remove_flags:
                st.markdown(
                    "Remove: " + "; ".join(f"*{md(x)}*" for x in f.remove_flags),
                    help="signal ids: " + ", ".join(f.remove_signals) if f.remove_signals else None,
                )
    for f in prompts:
        st.markdown("**Case prompts the committee may still ask**")
        st.markdown(md(f.advice), help="case prompt ids: " + ", ".join(f.case_prompts) if f.case_prompts else None)


def transcript(turns, nm: dict[str, str]) -> None:
    if not turns:
        st.caption("No debrief turns.")
        return
    for t in turns:
        t = t if isinstance(t, dict) else t.model_dump(mode="json")
        to = f" → {md(nm.get(t['to'], t['to']))}" if t.get("to") else ""
        head = (
            f"**{md(nm.get(t['speaker'], t['speaker']))}** · round {t['round']} · {t['move']}{to} · {badge(t['vote'])}"
        )
        body = md(t["text"])
        if t.get("reason") and t.get("previous_vote") and t["previous_vote"] != t["vote"]:
            body += (
                f"  \n*vote changed from {vote_label(t['previous_vote'])} to {vote_label(t['vote'])}: "
                f"{md(t['reason'])}*"
            )
        st.markdown(f"{head}  \n{body}")
