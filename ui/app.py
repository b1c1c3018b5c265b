"""The committee web app (Streamlit). Start it with `committee ui`; pages live in
`ui/pages/` and call the `committee` package (no prompt, graph or scoring logic here)."""

import re
import sys
from pathlib import Path

import streamlit as st

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # so pages can `import uikit`
    sys.path.insert(0, str(HERE))

import uikit  # noqa: E402

st.set_page_config(page_title="committee · practice hiring committee", page_icon=":material/balance:", layout="wide")

PAGES = HERE / "pages"
CORE = [
    ("submit.py", "Submit a packet", ":material/edit_note:"),
    ("replay.py", "Debrief replay", ":material/replay:"),
    ("compare.py", "Compare revisions", ":material/compare_arrows:"),
    ("personas.py", "Personas & scenarios", ":material/groups:"),
]
ICONS = {"trust": ":material/verified:", "calibration": ":material/tune:"}


def extra_pages() -> list:
    """Any other page in ui/pages/ (e.g. `5_Trust.py`), titled from its file name."""
    core = {name for name, _, _ in CORE}
    out = []
    for path in sorted(PAGES.glob("*.py")):
        if path.name in core or path.name.startswith("_"):
            continue
        title = re.sub(r"^\d+[_ -]*", "", path.stem).replace("_", " ").strip() or path.stem
        out.append(st.Page(str(path), title=title, icon=ICONS.get(title.lower())))
    return out


pages = [
    st.Page(str(PAGES / name), title=title, icon=icon, default=i == 0) for i, (name, title, icon) in enumerate(CORE)
]
page = st.navigation(pages + extra_pages())
uikit.sidebar()
page.run()
