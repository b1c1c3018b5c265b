"""What the real-browser tests share: `committee ui` on a free loopback port with a temp
database (the `server` fixture, or `start_server` for extra options), Debian's Chromium
driven headless by Playwright (the `page` fixture, which records every request, failed
request and error response), and `wait_idle`. Screenshots go to `ARTIFACTS`.

A test module skips itself when /usr/bin/chromium is missing outside CI (`skip_without_chromium`);
with `CI` set it fails instead (`scripts/test-deps.sh`, called by `make test`, installs the browser)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]  # the repository (conftest imports this module)

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts"


def skip_without_chromium() -> None:
    """Call at a browser test module's top."""
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(
            "CI is set but /usr/bin/chromium is missing: scripts/test-deps.sh should have installed it", pytrace=False
        )
    pytest.skip(
        "/usr/bin/chromium is missing (install it with `apt-get install chromium`, or run "
        "`bash scripts/test-deps.sh`); the browser test runs whenever it is present",
        allow_module_level=True,
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def start_server(tmp_path: Path, *args: str):
    """`committee ui [args]` in its own process group (it starts Streamlit as a child);
    yields (url, database path) once the server answers its health check."""
    port = free_port()
    db = tmp_path / "ui.db"
    log = open(tmp_path / "ui.log", "w")
    env = {k: v for k, v in os.environ.items() if k not in ("COMMITTEE_DB", "ANTHROPIC_API_KEY")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "committee", "ui", "--port", str(port), "--db", str(db), *args],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=tmp_path,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(f"`committee ui` did not come up:\n{(tmp_path / 'ui.log').read_text()}")
            time.sleep(0.3)
        yield url, db
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@pytest.fixture
def server(tmp_path):
    with start_server(tmp_path) as got:
        yield got


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium for a test module (Playwright's start and Chromium's launch
    cost about 1.3 s; each test still gets its own context: no cookies, storage or
    handlers are shared)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, **context_options):
    """A page in a fresh browser context, with a 60 s default timeout and its uncaught
    script errors collected in `pg.js_errors`."""
    pg = browser.new_context(**context_options).new_page()
    pg.set_default_timeout(60_000)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.js_errors = errors
    return pg


@pytest.fixture
def page(chromium):
    pg = new_page(chromium, viewport={"width": 1400, "height": 2200})
    # every request the page makes, and every one that failed or got an error status
    pg.requests, pg.bad_responses = [], []
    pg.on("request", lambda r: pg.requests.append(r.url))
    pg.on("requestfailed", lambda r: pg.bad_responses.append((f"failed: {r.failure}", r.url)))
    pg.on("response", lambda r: pg.bad_responses.append((r.status, r.url)) if r.status >= 400 else None)
    try:
        yield pg
    finally:
        pg.context.close()


def wait_idle(pg) -> None:
    """Streamlit has finished the script run: no skeletons, no running indicator."""
    pg.wait_for_function(
        "!document.querySelector('[data-testid=stSkeleton]') && "
        "!document.querySelector('[data-testid=stStatusWidget] [data-testid=stStatusWidgetRunningIcon]')"
    )
    time.sleep(0.5)


def serve(folder: Path):
    """`committee ui` with the database `folder/ui.db` (`start_server` without options),
    for a server that several tests share."""
    return start_server(folder)


@pytest.fixture
def mobile_page(chromium):
    """A phone-sized page (390 px wide, touch), as the issue's mobile checks use."""
    pg = new_page(chromium, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        yield pg
    finally:
        pg.context.close()


def choose(pg, label: str, option: str) -> None:
    """Pick `option` in the Streamlit selectbox labelled `label`."""
    pg.locator("[data-testid=stSelectbox]").filter(has_text=label, visible=True).first.click()
    pg.locator("[role=option]").filter(has_text=option).first.click()
    wait_idle(pg)


def options(pg, label: str) -> list[str]:
    """The options of the Streamlit selectbox labelled `label` (opened, read, closed)."""
    pg.locator("[data-testid=stSelectbox]").filter(has_text=label, visible=True).first.click()
    pg.locator("[role=option]").first.wait_for()
    out = pg.locator("[role=option]").all_inner_texts()
    pg.keyboard.press("Escape")
    return out


def selected(pg, label: str) -> str:
    """The shown value of the Streamlit selectbox labelled `label`."""
    box = pg.locator("[data-testid=stSelectbox]").filter(has_text=label, visible=True).first
    return box.evaluate("e => [...e.querySelectorAll('input')].map(i => i.value).join(' ') + ' ' + e.innerText")
