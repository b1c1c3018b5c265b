"""The committee web app (Streamlit). Start it with `committee ui`; pages live in
`ui/app_pages/` and call the `committee` package (no prompt, graph or scoring logic here).

`nav.NAV` is the app's one navigation definition: every page with its title, icon
and lower-case URL path. The folder is deliberately not called `pages/`: Streamlit would
otherwise list its raw file names in the sidebar until this script first runs."""

import sys
from pathlib import Path

import streamlit as st

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # so pages can `import uikit`
    sys.path.insert(0, str(HERE))

# an emoji favicon is drawn by the browser itself; a `:material/...:` one is fetched from the internet
st.set_page_config(page_title="committee · practice hiring committee", page_icon="⚖️", layout="wide")

from nav import NAV  # noqa: E402

PAGES = HERE / "app_pages"

page = st.navigation(
    [
        st.Page(str(PAGES / name), title=title, icon=icon, url_path=path, default=i == 0)
        for i, (name, title, icon, path) in enumerate(NAV)
    ]
)

import uikit  # noqa: E402  (after the navigation, so the sidebar is right from the first message)

uikit.sidebar()
page.run()
