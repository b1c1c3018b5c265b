"""The app's one navigation definition, read by `app.py` (st.navigation) and `serve.py`
(the page URLs it answers): each page's file in `app_pages/`, sidebar title, icon and
lower-case URL path."""

NAV = [
    ("submit.py", "Submit a packet", ":material/edit_note:", "submit"),
    ("replay.py", "Debrief replay", ":material/replay:", "replay"),
    ("compare.py", "Compare revisions", ":material/compare_arrows:", "compare"),
    ("personas.py", "Personas & scenarios", ":material/groups:", "personas"),
    ("5_Trust.py", "Trust", ":material/verified:", "trust"),
    ("6_Calibration.py", "Calibration", ":material/tune:", "calibration"),
]
