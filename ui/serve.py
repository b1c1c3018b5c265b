"""The routes `app.py`'s `st.App` adds (when `streamlit run` imports it as the ASGI app):
one per page URL that answers with Streamlit's index page and tells the frontend
where the server is (`window.__streamlit.BACKEND_BASE_URL`). Without that, a page opened
directly (`/replay`) first probes `/replay/_stcore/health` and `/replay/_stcore/host-config`,
404s logged in the browser, before it finds the server at the root."""

from __future__ import annotations

import sys
from pathlib import Path

from starlette.responses import HTMLResponse
from starlette.routing import Route
from streamlit import file_util

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from nav import NAV  # noqa: E402

BASE = "<script>window.__streamlit = {BACKEND_BASE_URL: window.location.origin + '/'};</script>"


def _index() -> str:
    html = (Path(file_util.get_static_dir()) / "index.html").read_text(encoding="utf-8")
    return html.replace("<head>", "<head>" + BASE, 1)


async def page(request):
    return HTMLResponse(_index(), headers={"Cache-Control": "no-cache"})


def routes() -> list[Route]:
    return [Route("/", page)] + [Route(f"/{p}", page) for *_, p in NAV]
