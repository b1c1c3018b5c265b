"""One real-browser test: `committee ui` on a free loopback port with a temp database,
Debian's Chromium driven headless by Playwright: submit an example packet, wait for
the decision, open its replay, and check that a hostile pasted packet stays inert.
Screenshots go to test-artifacts/ (gitignored). The fixtures live in tests/browser_kit.py.

Skipped only when /usr/bin/chromium is missing outside CI; with `CI` set it must run
(`scripts/test-deps.sh`, called by `make test`, installs the browser)."""

from __future__ import annotations

from tests import browser_kit
from tests.browser_kit import ARTIFACTS, wait_idle

browser_kit.skip_without_chromium()
server, page = browser_kit.server, browser_kit.page  # the fixtures


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

    from committee.store.runs import Store

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
    # follow-up questions are on by default: the packet stays inert while they are asked,
    # and answering nothing finishes the run
    answer = page.get_by_role("button", name="Submit the answers")
    page.get_by_text("Decision:", exact=False).first.or_(answer).wait_for(timeout=120_000)
    wait_idle(page)
    if answer.count():
        assert_inert(page)
        answer.click()
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
