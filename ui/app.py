"""The committee web app (Streamlit). Start it with `committee ui`; pages live in
`ui/pages/` and call the `committee` package (no prompt, graph or scoring logic here)."""

import sys
from pathlib import Path

import streamlit as st

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # so pages can `import uikit`
    sys.path.insert(0, str(HERE))

import uikit  # noqa: E402

st.set_page_config(page_title="committee · practice hiring committee", page_icon=":material/balance:", layout="wide")

pages = [
    st.Page(str(HERE / "pages" / "submit.py"), title="Submit a packet", icon=":material/edit_note:", default=True),
    st.Page(str(HERE / "pages" / "replay.py"), title="Debrief replay", icon=":material/replay:"),
    st.Page(str(HERE / "pages" / "compare.py"), title="Compare revisions", icon=":material/compare_arrows:"),
    st.Page(str(HERE / "pages" / "personas.py"), title="Personas & scenarios", icon=":material/groups:"),
]
page = st.navigation(pages)
uikit.sidebar()
page.run()
