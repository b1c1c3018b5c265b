"""The study buttons of the Trust and Calibration pages, on the mechanism of Submit's
"Convene the committee": a click only marks the study pending (the button's `on_click`,
before the script runs), every study button of the page is disabled while one is
pending, and the script runs the pending study. A rerun meanwhile (a widget changed, the
page left and opened again) stops that script run; the next run carries the study on,
from its start. The runs an attempt made before it was cut short, or before it failed,
are stored as one unfinished study (`committee.trust.common.save_unfinished`, a kind no
page lists), so no study run is left belonging to no study, and the page says so.

Session state: `PENDING` = {"kind": "stability" | "probe" | "calibration", "page":
"trust" | "calibration"} while a study is pending; `_{kind}_error` and `_{kind}_note`
hold a failure and the note of an unfinished attempt for the rerun that shows them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from committee.errors import CommitteeError
from committee.present.views import message_markdown
from committee.trust.common import RunRecorder, save_unfinished

PENDING = "pending_study"
SS = st.session_state


def _request(kind: str, page: str) -> None:
    """The button's callback: one pending study at a time; further clicks add nothing."""
    if not SS.get(PENDING):
        SS[PENDING] = {"kind": kind, "page": page}


def busy(page: str) -> bool:
    """Whether a study of `page` is pending (its buttons are then disabled)."""
    pending = SS.get(PENDING)
    return bool(pending) and pending.get("page") == page


def study_button(label: str, *, kind: str, page: str, key: str, disabled: bool = False) -> bool:
    """The button that starts a `kind` study on `page`, disabled while any study of the
    page is pending; returns whether the `kind` study is pending (to be run now)."""
    running = busy(page)
    st.button(
        label,
        key=key,
        on_click=_request,
        args=(kind, page),
        disabled=disabled or running,
        help="Disabled while a study runs." if running else None,
    )
    pending = SS.get(PENDING)
    return running and pending.get("kind") == kind


def drop() -> None:
    """End the pending study without running it (its inputs no longer make a study) and
    rerun, so the buttons come back."""
    SS.pop(PENDING, None)
    st.rerun()


def show_outcome(kind: str) -> None:
    """The failure or the unfinished-attempt note of the last `kind` study, once."""
    error = SS.pop(f"_{kind}_error", None)
    note = SS.pop(f"_{kind}_note", None)
    if error:
        st.error(message_markdown(error))
    if note:
        st.caption(note)


def run_study(
    kind: str, fn: Callable[..., dict[str, Any]], store, *, engine: str, packet_key: str | None, picker: str, **kw
) -> None:
    """Run the pending `kind` study, `fn(store, progress=..., **kw)` (a `run_*` of
    `committee.trust`), with a progress bar; then end the pending state, select the new
    study in the page's picker (session key `picker`) and rerun. A failure
    (CommitteeError) is shown after the rerun. Runs of an attempt that did not finish
    are stored as an unfinished study; after a rerun that stopped it the study stays
    pending, so that rerun carries it on."""
    recorder = RunRecorder(store)
    bar = st.progress(0.0, text="starting…")
    finished = False
    report = None
    try:
        report = fn(recorder, progress=lambda d, t, label: bar.progress(d / max(t, 1), text=label), **kw)
        finished = True
    except CommitteeError as exc:
        SS[f"_{kind}_error"] = str(exc)
        finished = True
    finally:
        if report is None and recorder.run_ids:
            why = "failed" if finished else "stopped by a rerun"
            save_unfinished(store, kind, recorder.run_ids, engine=engine, packet_key=packet_key, why=why)
            n = len(recorder.run_ids)
            SS[f"_{kind}_note"] = (
                f"An earlier attempt of this study ({why}) made {n} run{'s' if n != 1 else ''}; "
                "they are stored as an unfinished study, not as this one."
            )
        if finished:
            SS.pop(PENDING, None)
    if report is not None:
        SS[picker] = report["study_id"]
    st.rerun()
