"""One real-browser test: `committee ui` on a free loopback port with a temp database,
Debian's Chromium driven headless by Playwright: submit an example packet, wait for
the decision, open its replay, and check that a hostile pasted packet stays inert.
Screenshots go to test-artifacts/ (gitignored).

Skipped only when /usr/bin/chromium is missing outside CI; with `CI` set it must run
(`scripts/test-deps.sh`, called by `make test`, installs the browser)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT

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

if not CHROMIUM.exists():
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


@pytest.fixture
def server(tmp_path):
    """`committee ui` in its own process group (it starts Streamlit as a child)."""
    port = free_port()
    db = tmp_path / "ui.db"
    log = open(tmp_path / "ui.log", "w")
    env = {k: v for k, v in os.environ.items() if k not in ("COMMITTEE_DB", "ANTHROPIC_API_KEY")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "committee", "ui", "--port", str(port), "--db", str(db)],
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
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        pg = browser.new_page(viewport={"width": 1400, "height": 2200})
        pg.set_default_timeout(60_000)
        errors: list[str] = []
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        pg.js_errors = errors
        try:
            yield pg
        finally:
            browser.close()


def wait_idle(pg) -> None:
    """Streamlit has finished the script run: no skeletons, no running indicator."""
    pg.wait_for_function(
        "!document.querySelector('[data-testid=stSkeleton]') && "
        "!document.querySelector('[data-testid=stStatusWidget] [data-testid=stStatusWidgetRunningIcon]')"
    )
    time.sleep(0.5)


def test_submit_example_in_a_real_browser(server, page):
    url, db = server
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(url)
    submit = page.get_by_role("button", name="Convene the committee")
    submit.wait_for()
    wait_idle(page)
    submit.click()
    page.get_by_text("Decision:", exact=False).first.wait_for(timeout=120_000)
    page.locator("[data-testid=stMetric]").nth(3).wait_for()
    wait_idle(page)
    assert page.locator("[data-testid=stMetric]").count() == 4
    assert (
        page.locator("[data-testid=stAlertContentSuccess], [data-testid=stAlertContentError]")
        .filter(has_text="Decision:")
        .count()
        == 1
    )
    page.screenshot(path=str(ARTIFACTS / "ui-submit.png"), full_page=True)

    page.get_by_role("button", name="Replay this debrief step by step").click()
    page.get_by_text("Step 1 of", exact=False).wait_for()
    for _ in range(4):
        page.get_by_role("button", name="Next").click()
        wait_idle(page)
    page.get_by_text("Step 5 of", exact=False).wait_for()
    page.screenshot(path=str(ARTIFACTS / "ui-replay.png"), full_page=True)
    assert not page.js_errors, page.js_errors

    from committee.store import Store

    with Store(db) as store:
        rows = store.list_runs()
    assert len(rows) == 1 and rows[0].status == "done"


def test_hostile_packet_stays_inert_in_a_real_browser(server, page):
    url, _ = server
    ARTIFACTS.mkdir(exist_ok=True)
    hostile = (
        "---\npacket: hostile\n---\n## Resume\n<script>window.__pwned = 1</script>"
        '<img src=x onerror="window.__pwned = 2"> ![t](https://evil.example/pixel.png) '
        "[link](javascript:window.__pwned=3) :red[fake] :smile: $x^2$ mail me@evil.example or www.evil.example\n\n"
        "## Product sense: launch\n"
        "Roll it out to 1% of users first and learn from the harmful outputs.\n"
    )
    page.goto(url)
    page.get_by_role("button", name="Convene the committee").wait_for()
    wait_idle(page)
    page.get_by_text("Paste text").click()
    area = page.locator("textarea").first
    area.wait_for()
    area.fill(hostile)
    area.press("Control+Enter")
    wait_idle(page)
    page.get_by_role("button", name="Convene the committee").click()
    page.get_by_text("Decision:", exact=False).first.wait_for(timeout=120_000)
    wait_idle(page)
    page.get_by_text("What each persona wrote in the blind review").click()
    assert_inert(page)
    page.screenshot(path=str(ARTIFACTS / "ui-hostile.png"), full_page=True)
    # the replay page shows the whole packet text beside the persona cards
    page.get_by_role("button", name="Replay this debrief step by step").click()
    page.get_by_text("Step 1 of", exact=False).wait_for()
    wait_idle(page)  # step 1 cites nothing yet, so the whole packet is shown
    page.get_by_text("window.__pwned = 1", exact=False).first.wait_for()  # shown as text
    assert_inert(page)
    page.screenshot(path=str(ARTIFACTS / "ui-hostile-replay.png"), full_page=True)


def assert_inert(page) -> None:
    main = page.locator("[data-testid=stMain]")
    assert page.evaluate("window.__pwned") is None
    assert main.locator("img, script, iframe").count() == 0
    assert main.locator("a[href^='javascript'], a[href^='mailto'], a[href*='evil.example']").count() == 0
    assert main.locator(".katex").count() == 0  # no LaTeX rendered from packet text
    assert "😄" not in main.inner_text()  # no emoji shortcodes either
