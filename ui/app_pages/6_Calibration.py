"""Calibration: the committee against a folder of labelled packets (MANIFEST.yaml):
decision agreement, confusion matrix, per-signal precision/recall/F1, per-persona
agreement. Logic lives in `committee.trust.calibrate`; this page draws it."""

import os
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
from committee.present.views import message_markdown  # noqa: E402
from committee.trust import views  # noqa: E402
from committee.trust.calibrate import run_calibration  # noqa: E402
from committee.trust.common import RunSpec  # noqa: E402

st.title("Calibration")
st.caption(
    "How often does the committee reach the decision a labelled packet should get, and does it cite the "
    "red flags it must? " + uikit.DISCLAIMER
)
nm = uikit.names()

with uikit.open_store() as store:
    # open while none is stored; kept for the session, so it does not close under the user
    open_ = st.session_state.setdefault("_calibration_expander_open", not store.list_studies("calibration", limit=1))
    with st.expander("Run a calibration", expanded=open_):
        folder = st.text_input(
            "Folder with MANIFEST.yaml",
            value=os.environ.get("COMMITTEE_EVAL_DIR", ""),
            key="cal_folder",
            help="MANIFEST.yaml maps each packet file to "
            "{decision: hire|no_hire|null, split: bool, must_flag: [...], injection: bool}.",
        )
        engine = st.selectbox("Engine", list(ENGINES), key="cal_engine")
        go = studykit.study_button(
            "Run calibration", kind="calibration", page="calibration", key="cal_go", disabled=not folder.strip()
        )
        if go and folder.strip():
            studykit.run_study(
                "calibration",
                run_calibration,
                store,
                engine=engine,
                packet_key=None,
                picker="cal_study",
                folder=Path(folder.strip()),
                spec=RunSpec(engine=engine),
            )
        elif go:  # the inputs changed under the pending study: nothing to run any more
            studykit.drop()
        else:
            studykit.show_outcome("calibration")

    studies = store.list_studies("calibration")
    if not studies:
        st.info("No calibration stored yet. Run one above or with `committee calibrate DIR`.")
        st.stop()
    by_id = {s["study_id"]: s for s in studies}
    sid = st.selectbox(
        "Stored calibrations (newest first)",
        list(by_id),
        key="cal_study",
        format_func=lambda i: views.study_label(by_id[i]),
    )
    rep = by_id[sid]["summary"]

s = rep["summary"]
d = s["decision"]
m1, m2, m3, m4 = st.columns(4)
m1.metric(
    "Decisions agree",
    f"{d['correct']}/{d['labelled']}",
    border=True,
    help="Labelled packets (decision hire or no_hire) whose committee decision matches.",
)
mi = s["signals_micro"]
m2.metric("Red-flag F1 (micro)", "-" if mi["f1"] is None else f"{mi['f1']:.2f}", border=True)
m3.metric(
    "Split check",
    f"{s['split']['disagree']}/{s['split']['packets']}",
    border=True,
    help="Packets labelled split: true whose blind (sealed) votes are on both sides.",
)
m4.metric(
    "Injections flagged",
    f"{s['injection']['flagged']}/{s['injection']['packets']}",
    border=True,
    help=f"false alarms on clean packets: {s['injection']['false_alarms']}/{s['injection']['clean_packets']}",
)

c1, c2 = st.columns(2)
with c1:
    cm = pd.DataFrame(views.confusion_rows(rep))
    base = alt.Chart(cm, title="Confusion matrix").encode(
        x=alt.X("predicted:N", title="committee decision", axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("expected:N", title="label"),
    )
    top = max(int(cm["count"].max()), 1)
    heat = base.mark_rect().encode(
        color=alt.Color("count:Q", scale=alt.Scale(scheme="blues", domain=[0, top]), legend=None)
    )
    text = base.mark_text(fontSize=22, fontWeight="bold").encode(
        text="count:Q", color=alt.condition(alt.datum.count > top / 2, alt.value("white"), alt.value("black"))
    )
    st.altair_chart((heat + text).properties(height=240), width="stretch")
with c2:
    pa = pd.DataFrame(views.persona_agreement_rows(rep, nm))
    st.altair_chart(
        alt.Chart(pa, title="Per persona: vote side agrees with the label")
        .mark_bar()
        .encode(
            x=alt.X("agreement:Q", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1]), title=None),
            y=alt.Y("persona:N", title=None),
            yOffset="vote:N",
            color=alt.Color("vote:N", title=None),
            tooltip=["persona", "vote", alt.Tooltip("agreement:Q", format=".0%")],
        ),
        width="stretch",
    )

sig = pd.DataFrame(views.signal_rows(rep))
if not sig.empty:
    st.altair_chart(
        alt.Chart(sig.dropna(subset=["value"]), title="Red signals: precision, recall, F1")
        .mark_bar()
        .encode(
            x=alt.X("value:Q", scale=alt.Scale(domain=[0, 1]), title=None),
            y=alt.Y("signal:N", title=None, axis=alt.Axis(labelLimit=260)),
            yOffset="metric:N",
            color=alt.Color("metric:N", title=None),
            tooltip=["signal", "metric", alt.Tooltip("value:Q", format=".2f"), "support", "tp", "fp", "fn"],
        ),
        width="stretch",
    )
st.caption(message_markdown(s["signals_basis"]))
st.subheader("Packets")
st.dataframe(pd.DataFrame(views.calibration_table(rep)), hide_index=True, width="stretch")
