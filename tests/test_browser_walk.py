"""Real-browser checks of a new user's walk through the app (the walk report): the
Trust page's study button is disabled while a study runs and a rerun meanwhile leaves
no run outside a stored study; the stability runs read in words and fit a 1440 px
screen; Compare keeps its packet and revisions in the URL; the example pickers show the
candidate's packet title. Screenshots go to test-artifacts/."""

# the fixtures come from the kit by name (so pytest finds them here)
# ruff: noqa: F401, F811
from __future__ import annotations

import sqlite3
import time

import pytest

from committee.graph.runner import prepare, start_run
from committee.intake.packets import read_packet
from committee.store.runs import Store
from tests import browser_kit
from tests.browser_kit import ARTIFACTS, choose, options, page, selected, serve, wait_idle
from tests.conftest import EXAMPLES

browser_kit.skip_without_chromium()

pytestmark = pytest.mark.slow  # a real browser and server (left out of `make test-fast`)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """(url, db): two revisions of dylan-growth-pm and one of nadia-safety-pm, no study."""
    folder = tmp_path_factory.mktemp("walk-ui")
    with Store(folder / "ui.db") as store:
        for name in ("weak-growth-pm.md", "weak-growth-pm-rev2.md", "strong-safety-pm.md"):
            start_run(store, prepare(read_packet(EXAMPLES / name)))
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(folder) as got:
        yield got


@pytest.fixture
def laptop(chromium):
    """A 1440 px wide page, the user's screen."""
    pg = browser_kit.new_page(chromium, viewport={"width": 1440, "height": 2000})
    try:
        yield pg
    finally:
        pg.context.close()


def open_page(pg, url: str) -> None:
    pg.goto(url)
    pg.locator("[data-testid=stMain] h1").first.wait_for()
    wait_idle(pg)


def orphans(db) -> set[str]:
    """Runs under a study's own packet key (KEY--stability, ...) that no stored study lists."""
    import json

    con = sqlite3.connect(db)
    try:
        listed = {r for (ids,) in con.execute("SELECT run_ids FROM studies") for r in json.loads(ids)}
        study_runs = {r for (r,) in con.execute("SELECT run_id FROM runs WHERE packet_key LIKE '%--%'")}
    finally:
        con.close()
    return study_runs - listed


def test_stability_button_is_disabled_while_a_study_runs_and_the_runs_table_fits(site, laptop):
    url, db = site
    page = laptop
    open_page(page, f"{url}/trust")
    main = page.locator("[data-testid=stMain]")
    runs = main.get_by_label("Runs")
    runs.fill("40")
    runs.press("Enter")
    wait_idle(page)
    button = page.get_by_role("button", name="Run stability study")
    button.click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('button')].some(b => b.innerText.includes('Run stability study') && b.disabled)"
    )
    assert button.is_disabled(), "the button stays clickable while the study runs"
    page.screenshot(path=str(ARTIFACTS / "ui-trust-study-running.png"))
    time.sleep(1.0)
    seed = main.get_by_label("Seed")  # a rerun while the study runs: it carries on, its first runs kept
    seed.fill("3")
    seed.press("Enter")
    page.get_by_text("Stored stability studies", exact=False).wait_for(timeout=240_000)
    wait_idle(page)
    page.wait_for_function(
        "() => [...document.querySelectorAll('button')].some(b => b.innerText.includes('Run stability study') && !b.disabled)",
        timeout=240_000,
    )
    assert "40 runs" in selected(page, "Stored stability studies")  # the new study is the one shown
    assert not orphans(db), "study runs that belong to no stored study"
    text = main.inner_text()
    assert "failed-dimension" not in text and "alignment_judgement" not in text
    # each runs table fits the 1440 px screen: nothing hidden behind a horizontal scroll
    tables = main.locator("[data-testid=stDataFrame]").filter(has_text="")
    widths = [
        tables.nth(i).evaluate(
            "e => { const s = e.querySelector('.dvn-scroller'); return s ? [s.scrollWidth, s.clientWidth] : null }"
        )
        for i in range(tables.count())
        if tables.nth(i).is_visible()
    ]
    widths = [w for w in widths if w]
    assert widths and all(sw <= cw + 1 for sw, cw in widths), widths
    page.screenshot(path=str(ARTIFACTS / "ui-trust-stability-1440.png"), full_page=True)


def test_compare_keeps_the_packet_and_revisions_in_the_url(site, page):
    from urllib.parse import parse_qs, urlparse

    url, _ = site
    open_page(page, f"{url}/compare")
    assert "nadia-safety-pm" in selected(page, "Packet (latest first)")  # the latest packet first
    choose(page, "Packet (latest first)", "dylan-growth-pm")
    page.get_by_text("From revision").first.wait_for()
    wait_idle(page)
    query = parse_qs(urlparse(page.url).query)
    assert query == {"packet": ["dylan-growth-pm"], "from": ["1"], "to": ["2"]}, page.url
    page.reload()
    page.locator("[data-testid=stMain] h1").first.wait_for()
    wait_idle(page)
    assert "dylan-growth-pm" in selected(page, "Packet (latest first)"), "a reload lost the chosen packet"
    assert "1" in selected(page, "From revision") and "2" in selected(page, "To revision")
    page.get_by_text("Revision 1 → 2").first.wait_for()
    # a shared link with the revisions the other way round opens them so
    open_page(page, f"{url}/compare?packet=dylan-growth-pm&from=2&to=1")
    page.get_by_text("Revision 2 → 1").first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "ui-compare-from-url.png"), full_page=True)


def test_trust_example_picker_shows_candidates_with_the_file_as_help(site, page):
    url, _ = site
    open_page(page, f"{url}/trust")
    if not page.get_by_text("Example packet").first.is_visible():
        page.get_by_text("Run a stability study").click()  # the expander closes once a study is stored
        wait_idle(page)
    listed = options(page, "Example packet")
    assert not [o for o in listed if o.endswith(".md")], listed
    assert "Nadia Ferrante · Safety Product Manager" in listed
    assert {
        "Dylan Prescott · Safety Product Manager · revision 1",
        "Dylan Prescott · Safety Product Manager · revision 2",
    } <= set(listed)
    box = page.locator("[data-testid=stSelectbox]").filter(has_text="Example packet", visible=True).first
    box.locator("[data-testid=stTooltipIcon], [data-testid=stTooltipHoverTarget]").first.hover()
    page.get_by_text("File: examples/", exact=False).first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "ui-trust-example-picker.png"))
