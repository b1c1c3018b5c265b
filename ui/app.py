"""The committee web app (Streamlit). Start it with `committee ui`; pages live in
`ui/app_pages/` and call the `committee` package (no prompt, graph or scoring logic here).

`nav.NAV` is the app's one navigation definition: every page with its title, icon
and lower-case URL path. The folder is deliberately not called `pages/`: Streamlit would
otherwise list its raw file names in the sidebar until this script first runs.

`streamlit run app.py` imports this file as module `app` to look for an ASGI app: it finds
Streamlit's own `st.App`, which runs this same file (as `__main__`) for every page and adds
the page routes of `serve.py`."""

import sys
from pathlib import Path

import streamlit as st

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # so pages can `import uikit`
    sys.path.insert(0, str(HERE))


def main() -> None:
    from nav import NAV

    # an emoji favicon is drawn by the browser itself; a `:material/...:` one is fetched from the internet
    st.set_page_config(page_title="committee · practice hiring committee", page_icon="⚖️", layout="wide")
    pages = HERE / "app_pages"
    page = st.navigation(
        [
            st.Page(str(pages / name), title=title, icon=icon, url_path=path, default=i == 0)
            for i, (name, title, icon, path) in enumerate(NAV)
        ]
    )
    import uikit  # after the navigation, so the sidebar is right from the first message

    uikit.sidebar()
    page.run()


if __name__ == "__main__":
    main()
else:
    from serve import routes

    app = st.App(__file__, routes=routes())
