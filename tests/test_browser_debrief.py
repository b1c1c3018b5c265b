"""Real-browser checks of reading a debrief (issue 14, items 6-10, 12, 14): study runs
kept out of the user's history, cited passages inside the card that cites them,
readable names instead of ids, the small glitches, the full coaching text, the Trust
page's default probe and a phone-sized window. One `committee ui` serves the module,
on a database seeded before it starts. Screenshots go to test-artifacts/."""

# the fixtures come from the kit by name (so pytest finds them here)
# ruff: noqa: F401, F811
from __future__ import annotations

import pytest

from committee.catalog import default_catalog
from committee.graph.runner import prepare, start_run
from committee.intake.packets import parse_packet, read_packet
from committee.store.runs import Store
from committee.trust.common import RunSpec
from committee.trust.stability import run_stability
from tests import browser_kit
from tests.browser_kit import ARTIFACTS, choose, mobile_page, options, page, selected, serve, wait_idle
from tests.conftest import EXAMPLES

browser_kit.skip_without_chromium()

pytestmark = pytest.mark.slow  # a real browser and server (left out of `make test-fast`)

LISTS = (
    "---\npacket: lists-demo\n---\n"
    "## Product sense: launch plan\n"
    "My plan has three parts:\n"
    "- gate access behind verified accounts\n"
    "- red-team before each stage\n"
    "1. ship to internal users\n"
    "2. widen after the evals pass\n"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """(url, db, runs): the user's own packets (dylan-growth-pm revisions 1 and 2, a
    packet with Markdown lists, then nadia-safety-pm last) and a stability study."""
    folder = tmp_path_factory.mktemp("debrief-ui")
    runs = {}
    with Store(folder / "ui.db") as store:
        for name, key in (
            ("weak-growth-pm.md", "dylan-1"),
            ("weak-growth-pm-rev2.md", "dylan-2"),
            (None, "lists"),
            ("strong-safety-pm.md", "nadia"),
        ):
            packet = parse_packet(LISTS, name="lists-demo") if name is None else read_packet(EXAMPLES / name)
            runs[key] = start_run(store, prepare(packet))
        run_stability(store, read_packet(EXAMPLES / "strong-safety-pm.md"), runs=2, spec=RunSpec())
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(folder) as (url, db):
        yield url, db, runs


def open_page(pg, url: str) -> None:
    pg.goto(url)
    pg.locator("[data-testid=stMain] h1").first.wait_for()
    wait_idle(pg)


def step_to(pg, title: str, limit: int = 8) -> None:
    """Press Next until the step heading contains `title`."""
    for _ in range(limit):
        if title in pg.locator("[data-testid=stMain] h3").first.inner_text():
            return
        pg.get_by_role("button", name="Next").click()
        wait_idle(pg)
    raise AssertionError(f"no step titled {title!r}")


# ------------------------------------------------------------------ item 6 and 10 (Compare)


def test_study_runs_stay_out_of_replay_and_compare(site, page):
    url, _, _ = site
    open_page(page, f"{url}/replay")
    runs = options(page, "Run (newest first)")
    assert runs and not [r for r in runs if "--stability" in r], runs
    assert not [k for k in options(page, "Packet") if "--" in k]
    page.get_by_text("Include study runs").click()  # the studies' runs, when asked for
    wait_idle(page)
    assert [r for r in options(page, "Run (newest first)") if "nadia-safety-pm--stability" in r]

    open_page(page, f"{url}/compare")
    keys = options(page, "Packet (latest first)")
    assert keys[0] == "nadia-safety-pm" and not [k for k in keys if "--" in k], keys  # latest first, no studies
    # the selectbox opens on the latest packet, not the alphabetically first (dylan-growth-pm)
    assert "nadia-safety-pm" in selected(page, "Packet (latest first)")
    choose(page, "Packet (latest first)", "dylan-growth-pm")
    page.get_by_text("Revision 1 → 2").wait_for()
    choose(page, "To revision", "1")  # revision 1 -> 1: a hint, no empty comparison
    page.get_by_text("choose two different revisions", exact=False).wait_for()
    assert page.get_by_text("Revision 1 → 1").count() == 0
    page.screenshot(path=str(ARTIFACTS / "ui-compare-same-revision.png"), full_page=True)


# ------------------------------------------------------------------ items 7, 8, 9 (Replay)


def test_replay_shows_cited_passages_in_the_citing_card(site, page):
    url, db, runs = site
    result = runs["dylan-1"]
    open_page(page, f"{url}/replay?run={result.run_id}")
    step_to(page, "Blind reviews")
    review = next(r for r in result.reviews if r.persona == "research-lead")
    quotes = list(dict.fromkeys(e.quote.strip() for e in review.evidence))
    card = page.locator(".st-key-cited_research-lead")
    card.wait_for()
    text = card.inner_text()
    assert f"Cites {len(quotes)} quotes in " in text
    # the cited passages are in the card, highlighted, and each quote shows exactly once
    card.get_by_text("more cited passages", exact=False).click()  # the rest, in the card's expander
    text = card.inner_text()
    for q in quotes:
        assert text.count(q[:60]) == 1, (q, text)
    shown = quotes[:1]
    assert card.locator("strong").count() >= len(shown)  # the quotes are the bold highlights
    # in view beside the card: inside the card's box, not below the fold of an inner scroll box
    box, first = card.bounding_box(), card.get_by_text(shown[0][:40], exact=False).first.bounding_box()
    assert box["x"] <= first["x"] and first["x"] + first["width"] <= box["x"] + box["width"] + 1
    # readable names where people read: signal titles, no signal ids
    assert "a price that buys weaker safeguards" in text and "pay-for-weaker-safety" not in text
    # a vote badge is not a heading (no anchor icon on it)
    assert page.locator("[data-testid=stMain] h4 [data-testid=stHeaderActionElements]").count() == 0
    assert page.locator("[data-testid=stMain] h4").filter(has_text="Strong No Hire").count() == 0
    assert page.locator("[data-testid=stMain] [data-testid=stMarkdown]").filter(has_text="Strong No Hire").count() >= 4
    page.screenshot(path=str(ARTIFACTS / "ui-replay-cited.png"), full_page=True)

    page.get_by_role("button", name="Last").click()
    wait_idle(page)
    banner = page.locator("[data-testid=stAlertContentError]").filter(has_text="Decision:").first.inner_text()
    assert "must-pass dimension failed: Alignment judgement" in banner
    assert "“Alignment judgement”" in banner and "Dr. Mara Okafor" in banner
    assert "research-lead" not in banner and "alignment_judgement" not in banner
    # the conformity table shows "-" for a vote that never moved, not "None"
    page.get_by_text("Conformity:", exact=False).first.click()
    cells = page.locator("[data-testid=stDataFrame] [role=gridcell]")
    cells.first.wait_for(state="attached")  # the grid draws on a canvas; these cells are its text
    assert "None" not in cells.all_text_contents()


def test_packet_lists_render_as_lists(site, page):
    url, _, runs = site
    open_page(page, f"{url}/replay?run={runs['lists'].run_id}")
    main = page.locator("[data-testid=stMain]")
    main.locator("li").filter(has_text="gate access behind verified accounts").first.wait_for()
    items = main.locator("li").all_inner_texts()
    for item in ("red-team before each stage", "ship to internal users", "widen after the evals pass"):
        assert any(item in i for i in items), items
    assert "- gate access" not in main.inner_text()


def test_feedback_leaves_out_4_of_4_and_case_prompts_are_not_a_dimension(site, page):
    url, _, runs = site
    result = runs["nadia"]
    assert any(f.kind == "reach-4" and f.score >= 4 for f in result.feedback)  # the case the fix is about
    assert any(f.kind == "case-prompts" for f in result.feedback)
    open_page(page, url)
    choose(page, "Example packet", "Nadia Ferrante")  # the candidate, not the file name
    page.get_by_role("button", name="Convene the committee").click()
    page.get_by_text("Feedback for the next revision").wait_for(timeout=120_000)
    wait_idle(page)
    main = page.locator("[data-testid=stMain]").inner_text()
    fb = main[main.index("Feedback for the next revision") :]
    assert "4.0 / 4" not in fb and "mean 4" not in fb
    assert "Case prompts · mean" not in fb and "Case prompts the committee may still ask" in fb
    # persona names and titles in the decision banner, not persona ids
    assert "research-lead=" not in main and "Dr. Mara Okafor: Strong Hire" in main
    page.screenshot(path=str(ARTIFACTS / "ui-feedback.png"), full_page=True)


# ------------------------------------------------------------------ item 10 (Personas & scenarios)


def test_personas_page_shows_coaching_text_in_full(site, page):
    url, _, _ = site
    open_page(page, f"{url}/personas")
    page.get_by_role("tab", name="Scenarios").click()
    wait_idle(page)
    cat = default_catalog()
    sc = cat.scenarios[next(iter(cat.scenarios))]
    longest = max(sc.dimensions, key=lambda d: len(d.strong_answer))
    strong = page.get_by_text(longest.strong_answer, exact=False).filter(visible=True).first
    strong.wait_for()  # shown whole and visible (a table cell cut it off, and drew it on a canvas)
    sigs = cat.scenario_signals(sc)
    long_sig = max(sigs, key=lambda s: len(s.description))
    page.get_by_text(long_sig.description, exact=False).filter(visible=True).first.wait_for()
    page.get_by_role("tab", name="Signal library").click()
    wait_idle(page)
    one = max(cat.signals.values(), key=lambda s: len(s.advice or ""))
    page.get_by_text(one.advice, exact=False).filter(visible=True).first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "ui-personas-scenarios.png"), full_page=True)


# ------------------------------------------------------------------ item 12 (Trust: default probe)


def test_trust_default_probe_runs_and_its_bar_ends(site, page):
    url, _, _ = site
    open_page(page, f"{url}/trust")
    page.get_by_role("tab", name="Counterfactual probes").click()
    wait_idle(page)
    run = page.get_by_role("button", name="Run probes")
    run.wait_for()
    assert run.is_enabled()  # the default example has something to vary
    run.click()
    page.get_by_text("variants", exact=False).filter(has_text="moved").first.wait_for(timeout=180_000)
    wait_idle(page)
    main = page.locator("[data-testid=stMain]")
    assert "nothing to probe" not in main.inner_text()
    assert main.locator("[data-testid=stProgress]").count() == 0  # the bar ended
    assert "starting…" not in main.inner_text()
    # messages render Markdown: `pronouns:` is a code span, not literal backticks
    assert "`" not in main.inner_text()
    assert main.locator("code").filter(has_text="pronouns:").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "ui-trust-probe.png"), full_page=True)
    # an example with nothing to vary says why before anything runs, and cannot be started
    if not page.get_by_role("button", name="Run probes").is_visible():
        page.get_by_text("Run counterfactual probes").click()  # the expander closes once a study is stored
    choose(page, "Example packet", "Marcus Oyelaran")  # borderline-api-pm.md, by its candidate
    page.get_by_text("Nothing to probe in this packet", exact=False).wait_for()
    assert page.get_by_role("button", name="Run probes").is_disabled()
    assert "`" not in main.inner_text()


# ------------------------------------------------------------------ item 14 (390 px)


def test_phone_width_sidebar_tables_chart_and_replay(site, mobile_page):
    url, _, runs = site
    pg = mobile_page
    open_page(pg, url)
    bar = pg.locator("[data-testid=stSidebar]")
    assert bar.get_attribute("data-collapsed") == "true"
    pg.locator("[data-testid=stExpandSidebarButton]").first.click()
    pg.wait_for_function("document.querySelector('[data-testid=stSidebar]').dataset.collapsed === 'false'")
    pg.locator('[data-testid=stSidebarNav] a[href$="/replay"]').first.click()
    pg.wait_for_url("**/replay**")
    pg.wait_for_function("document.querySelector('[data-testid=stSidebar]').dataset.collapsed === 'true'")

    # the replay keeps the link between a card and its evidence: the passage is in the card
    open_page(pg, f"{url}/replay?run={runs['dylan-1'].run_id}")
    step_to(pg, "Blind reviews")
    cited = pg.locator(".st-key-cited_research-lead")
    cited.scroll_into_view_if_needed()
    card_box = cited.bounding_box()
    assert card_box["x"] >= 0 and card_box["x"] + card_box["width"] <= 390 + 1
    assert "a price that buys weaker safeguards" in cited.inner_text()
    pg.screenshot(path=str(ARTIFACTS / "ui-mobile-replay.png"))

    # Trust: the stability chart and its table fit the 390 px width (nothing cut off)
    open_page(pg, f"{url}/trust")
    chart = pg.locator("[data-testid=stVegaLiteChart]").first
    chart.wait_for()
    chart.scroll_into_view_if_needed()
    wait_idle(pg)
    for el in (chart, pg.locator("[data-testid=stDataFrame]").first):  # a wide table scrolls inside its box
        box = el.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390 + 1, box
    assert chart.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    assert pg.evaluate("document.documentElement.scrollWidth") <= 390
    drawn = chart.locator("canvas, svg").first.bounding_box()
    assert drawn["x"] + drawn["width"] <= 390 + 1, drawn
    pg.screenshot(path=str(ARTIFACTS / "ui-mobile-trust.png"))
    assert not pg.js_errors, pg.js_errors
