"""The replay page's "What if…" control: build a what-if fork of the shown run from the
replay's current step (`committee.graph.fork`, `plan_fork(..., from_round=)`) and show
it beside its parent (`compare.compare_runs`). A change that acts on the debate
(protocol, order; the round limit where the engine's turns never read it) keeps the
rounds complete at the current step as they were spoken; one that a whole debrief or a
blind review sees (mute, weight, swap) cannot start mid-debate, and the control says
from which step it starts and why (`graph.fork.start_of`). Presentation only; nothing
runs until the button is pressed."""

from __future__ import annotations

import streamlit as st
import uikit

from committee.errors import CommitteeError
from committee.graph.fork import Change, fork_run, plan_fork, rounds_complete
from committee.graph.runner import PROTOCOLS, context_from_json
from committee.present.compare import change_text, compare_runs, fork_start_step
from committee.present.views import vote_label

SS = st.session_state
KINDS = {
    "mute": "Mute a member",
    "persona_weight": "Change a member's weight on a dimension",
    "swap_persona": "Swap a member for another persona",
    "protocol": "Debate with the other protocol",
    "rounds": "Change the round limit",
    "order": "Change the speaking order",
}


def _change(store, row, nm: dict[str, str]) -> Change | None:
    """The change the form describes, or None while it describes none."""
    kind = st.selectbox("Change", list(KINDS), format_func=KINDS.get, key="whatif_kind")
    label = lambda p: nm.get(p, p)  # noqa: E731
    if kind == "mute":
        return Change("mute", st.selectbox("Member to mute", row.panel, format_func=label, key="whatif_mute"))
    if kind == "persona_weight":
        ctx = context_from_json(store.get_context(row.run_id))
        c1, c2, c3 = st.columns(3)
        who = c1.selectbox("Member", row.panel, format_func=label, key="whatif_weight_persona")
        dims = [d.id for d in ctx.scenario.dimensions]
        titles = {d.id: d.name for d in ctx.scenario.dimensions}
        dim = c2.selectbox("Dimension", dims, format_func=lambda d: titles.get(d, d), key="whatif_weight_dim")
        now = ctx.panel[who].weights.get(dim, 0.0) if who in ctx.panel else 0.0
        w = c3.number_input(
            "Weight", min_value=0.0, max_value=100.0, value=float(now), step=0.5, key=f"whatif_weight_{who}_{dim}"
        )
        return Change("persona_weight", f"{who}:{dim}={w:g}")
    if kind == "swap_persona":
        c1, c2 = st.columns(2)
        old = c1.selectbox("Member leaving", row.panel, format_func=label, key="whatif_swap_old")
        from committee.catalog import default_catalog

        others = [p for p in default_catalog().personas if p not in row.panel]
        if not others:
            st.caption("Every persona of the catalog is already on this panel: add a persona file to swap one in.")
            return None
        new = c2.selectbox("Persona taking the seat", others, format_func=label, key="whatif_swap_new")
        return Change("swap_persona", f"{old}={new}")
    if kind == "protocol":
        other = next(p for p in PROTOCOLS if p != row.protocol)
        st.caption(f"The run debated {row.protocol}; the fork debates {other}.")
        return Change("protocol", other)
    if kind == "rounds":
        n = st.number_input("Round limit", min_value=1, max_value=10, value=row.rounds, key="whatif_rounds")
        return Change("rounds", int(n))
    order = st.multiselect(
        "Speaking order (pick every member, first speaker first)",
        row.panel,
        default=list(reversed(row.panel)),
        format_func=label,
        key="whatif_order",
    )
    return Change("order", ",".join(order))


def start_note(store, row, change: Change, steps: list, at: int, done: int, nm: dict[str, str]) -> None:
    """Where the fork of `change` asked from replay step `at` (0-based index into the
    parent's `steps`, with `done` debate rounds complete there) starts, and why: planned
    (validated, nothing stored) on each render; a change the plan refuses shows nothing
    here (the button says why)."""
    try:
        plan = plan_fork(store, row.run_id, change, from_round=done)
    except CommitteeError:
        return
    step = fork_start_step(steps, change.kind, plan.kept_rounds, len(row.panel))
    if change.kind in ("persona_weight", "swap_persona"):
        who = plan.rerun[0]  # the member whose review runs again (a swap's newcomer, in the seat it takes)
        point = f"{nm.get(who, who)}'s blind review"
    elif plan.kept_rounds:
        point = f"the tally of round {plan.kept_rounds}"
    else:
        point = "sealing the votes"
    where = f"step {step}, " if step else ""
    relation = ""
    if step and step - 1 > at:
        relation = " (later than the step shown: the change cannot matter before it)"
    elif step and step - 1 < at:
        relation = " (earlier than the step shown)"
    with st.container(key="whatif_start"):
        st.markdown(
            f"**This fork starts at {where}{uikit.md(point)}**{relation}, asked from step {at + 1}: "
            f"{uikit.md(plan.start_reason)}."
        )


def section(store, row, steps: list | None = None, at: int | None = None) -> None:
    """The "What if…" control for stored run `row` (`store.RunRow`), built from replay
    step `at` (0-based index into the run's replay `steps`; None: the whole run, as
    `committee fork`) and, when the run is a fork or a fork was built here, the parent
    and the fork side by side."""
    nm = uikit.names()
    built = SS.setdefault("_whatif_built", {})
    if row.parent_run_id:
        st.info(
            f"This run is a what-if fork of run {uikit.code_span(row.parent_run_id)}: "
            f"{uikit.md(change_text(row.changed, nm))}.",
            icon=":material/call_split:",
        )
        side_by_side(store, row.parent_run_id, row.run_id, key="parent")
    with st.expander("What if…", expanded=row.run_id in built, icon=":material/call_split:"):
        if row.status == "awaiting_answers":
            st.caption("Only a finished run can be forked: answer the committee's questions first.")
            return
        if row.status != "done":
            st.caption("Only a finished run can be forked: finish it with `committee resume` first.")
            return
        st.caption(
            "Re-run this debrief with one change, from the step shown where the change can start there: a "
            "change to the debate (protocol, speaking order, round limit) keeps the rounds complete at this "
            "step as they were spoken; a change that every turn or a blind review sees starts earlier, at the "
            "step named below. Nothing before the start runs again. The fork is stored as a run of its own, "
            "linked to this one."
        )
        change = _change(store, row, nm)
        from_round = None
        if change is not None and steps and at is not None:
            from_round = rounds_complete([t for s in steps[: at + 1] for t in s.new_turns], len(row.panel))
            start_note(store, row, change, steps, at, from_round, nm)
        if st.button(
            "Build the fork", key="whatif_build", icon=":material/call_split:", type="primary", disabled=change is None
        ):
            try:
                with st.spinner("The committee debates again…"):
                    result = fork_run(store, row.run_id, change, from_round=from_round)
            except CommitteeError as exc:
                st.error(uikit.md(str(exc)))
            else:
                built[row.run_id] = result.run_id
                st.rerun()  # the run list above now holds the fork too
    if row.run_id in built:
        side_by_side(store, row.run_id, built[row.run_id], key="built")


def side_by_side(store, parent_id: str, fork_id: str, *, key: str) -> None:
    """Parent and fork in two columns: decision, votes (sealed -> final), then the
    debrief turns that differ."""
    nm = uikit.names()
    try:
        c = compare_runs(store, parent_id, fork_id)
    except CommitteeError as exc:
        st.caption(uikit.md(str(exc)))
        return
    with st.container(border=True, key=f"whatif_{key}"):
        st.markdown(
            f"**What if: {uikit.md(change_text(c.changed, nm))}** · "
            + ("the decision changed" if c.decision_changed else "the decision is the same")
        )
        sealed = {v.persona: v for v in c.sealed}
        cols = st.columns(2)
        for col, side, title, pick in (
            (cols[0], c.before, "Parent", lambda v: (sealed[v.persona].before, v.before)),
            (cols[1], c.after, "Fork", lambda v: (sealed[v.persona].after, v.after)),
        ):
            with col:
                st.markdown(f"**{title}** · run {uikit.code_span(side.run_id)}")
                uikit.decision_banner({"outcome": side.outcome, "rule": side.rule, "explanation": ""})
                lines = []
                for v in c.votes:
                    blind, final = pick(v)
                    who = uikit.md(nm.get(v.persona, v.persona))
                    lines.append(
                        f"- {who}: :gray[not on the panel]"
                        if final is None
                        else f"- {who}: {vote_label(blind)} → {uikit.badge(final)}"
                    )
                st.markdown("\n".join(lines))
        with st.expander(f"Turns that differ: {len(c.turns)} ({c.same_turns} the same)", expanded=False):
            for d in c.turns:
                st.markdown(f"**Round {d.round} · {uikit.md(nm.get(d.speaker, d.speaker))}**")
                left, right = st.columns(2)
                for col, turn in ((left, d.before), (right, d.after)):
                    if turn is None:
                        col.caption("(no turn)")
                    else:
                        col.markdown(f"{uikit.badge(turn['vote'])} {turn['move']}  \n{uikit.md(turn['text'])}")
