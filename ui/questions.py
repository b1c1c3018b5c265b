"""The follow-up questions in the app (issue 17): the answer form of a run that waits
for answers (Submit page) and the questions, answers and votes before and after them
of a stored run (Replay page). Presentation only: the data comes from
`committee.graph.runner.awaiting` and `committee.present.followup.follow_up`; every
question and answer is candidate-facing text and is shown escaped (`uikit.md`) or in a
dataframe cell."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
import uikit

from committee.intake.answers import MAX_ANSWER_CHARS
from committee.models import AwaitingAnswers
from committee.present.followup import FollowUp
from committee.present.views import vote_label

SS = st.session_state


def answer_key(run_id: str, qid: str) -> str:
    """The session key of the answer box for question `qid` of run `run_id`."""
    return f"answer_{run_id}_{qid}"


def given_answers(waiting: AwaitingAnswers) -> dict[str, str]:
    """{question id: the text in its answer box} ("" for an empty or unseen box)."""
    return {q.id: str(SS.get(answer_key(waiting.run_id, q.id)) or "") for q in waiting.questions}


def asker_line(persona: str, dimension: str | None, nm: dict[str, str], dims: dict[str, str]) -> str:
    """ "**Name** asks, on *Dimension title*:" as escaped Markdown."""
    on = f", on *{uikit.md(dims.get(dimension, dimension))}*" if dimension else ""
    return f"**{uikit.md(nm.get(persona, persona))}** asks{on}:"


def answer_form(waiting: AwaitingAnswers, *, on_submit: Callable[[], None], disabled: bool = False) -> None:
    """Each question (who asks it, on which dimension, its text) with an answer box under
    it, then the submit button, whose callback is `on_submit` (read the boxes with
    `given_answers`). Empty answers are allowed."""
    nm, dims = uikit.names(), uikit.dimension_names()
    p = waiting.packet
    st.subheader("The committee has questions for you")
    st.caption(
        f"Run {uikit.code_span(waiting.run_id)} · packet {uikit.code_span(p.key)} revision {p.revision} waits for your "
        "answers. They become a “Follow-up answers” part of the packet, stored as its next revision, and the "
        "committee reads the packet again. An empty answer is allowed: left empty, every vote stays as it was."
    )
    for q in waiting.questions:
        with st.container(border=True, key=f"question_{q.id}"):
            st.markdown(asker_line(q.persona, q.dimension, nm, dims))
            st.markdown(uikit.md(q.text))
            st.text_area(
                f"Your answer to {q.id}",
                key=answer_key(waiting.run_id, q.id),
                height=120,
                placeholder="Your answer (optional)",
                max_chars=MAX_ANSWER_CHARS,  # the runner refuses a longer one (`intake.answers.check_answers`)
                disabled=disabled,
            )
    st.button(
        "Submit the answers",
        key="answer_submit",
        type="primary",
        icon=":material/send:",
        on_click=on_submit,
        disabled=disabled,
    )


def follow_up_section(fu: FollowUp, *, waiting: bool = False) -> None:
    """The questions, the answers and a small before → after table of votes per persona
    (blind before the answers, blind after them, final)."""
    nm, dims = uikit.names(), uikit.dimension_names()
    title = f"Follow-up questions ({len(fu.questions)})"
    with st.expander(title, expanded=True, icon=":material/question_answer:"):
        with st.container(key="followup_section"):
            for q in fu.questions:
                st.markdown(f"{q.id} · {asker_line(q.persona, q.dimension, nm, dims)}  \n{uikit.md(q.text)}")
                if waiting or not fu.answered:
                    st.caption("Not answered yet.")
                elif q.answer.strip():
                    st.markdown(f"> **Answer:** {uikit.md(q.answer)}")
                else:
                    st.caption("Left unanswered.")
            if not fu.answered:
                return
            if not fu.any_text:
                st.caption("Every answer was left empty: the blind votes stood as they were.")
            st.table(
                [
                    {
                        "persona": nm.get(v.persona, v.persona),
                        "before the answers (blind)": vote_label(v.before) if v.before else "—",
                        "after the answers (blind)": vote_label(v.after) if v.after else "—",
                        "what the answers did": _moved(v.before, v.after),
                        "final, after the debrief": vote_label(v.final) if v.final else "—",
                    }
                    for v in fu.votes
                ],
                hide_index=True,
                width="stretch",
            )


def _moved(before: str | None, after: str | None) -> str:
    """ "before → after" when the answers moved the blind vote, else "unchanged" (a
    table cell is Markdown: a bare "-" would draw a bullet)."""
    if not before or not after or before == after:
        return "unchanged"
    return f"{vote_label(before)} → {vote_label(after)}"
