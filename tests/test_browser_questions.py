"""Real-browser check of the follow-up questions (issue 17, the app half): with the
checkbox on (its default), an example packet that leaves a must-pass dimension silent
makes the offline committee ask; the user answers in the boxes under the questions,
submits, sees the finished decision, and the replay shows the questions, the answers and
the votes before and after. A reload of the waiting run (`?run=`) brings the questions
back. Screenshots go to test-artifacts/."""

# the fixtures come from the kit by name (so pytest finds them here)
# ruff: noqa: F401, F811
from __future__ import annotations

import re

import pytest

from committee.store.runs import Store
from tests import browser_kit
from tests.browser_kit import ARTIFACTS, choose, page, server, wait_idle

browser_kit.skip_without_chromium()

pytestmark = pytest.mark.slow  # a real browser and server (left out of `make test-fast`)

ASKS = "borderline-api-pm.md"  # the offline engine asks about the values it leaves silent
ANSWER = (
    "At my last job I turned down a lucrative reseller deal that would have broken our usage policy, "
    "and we asked customers for consent before any of their data was used <b>for tuning</b>."
)
DECISION = "[data-testid=stAlertContentSuccess], [data-testid=stAlertContentError]"


def test_answering_the_committees_questions_in_the_browser(server, page):
    url, db = server
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(url)
    page.get_by_role("button", name="Convene the committee").wait_for()
    wait_idle(page)
    box = page.get_by_role("checkbox", name="Let the committee ask follow-up questions")
    assert box.is_checked()  # on by default
    choose(page, "Example packet", "Marcus Oyelaran")  # ASKS, shown by its candidate
    page.get_by_role("button", name="Convene the committee").click()
    page.get_by_role("button", name="Submit the answers").wait_for(timeout=120_000)
    wait_idle(page)
    main = page.locator("[data-testid=stMain]")
    text = " ".join(main.inner_text().split())
    assert "The committee has questions for you" in text and "Elena Marchetti asks" in text
    assert "values" in text.lower()
    areas = page.locator("textarea[aria-label^='Your answer to']")
    assert areas.count() >= 1
    page.screenshot(path=str(ARTIFACTS / "ui-questions.png"), full_page=True)
    with Store(db) as store:
        [row] = store.list_runs()
        assert row.status == "awaiting_answers"
    run_id = row.run_id
    # a reload of the waiting run brings the questions back
    assert re.search(rf"[?&]run={run_id}", page.url), page.url
    page.goto(f"{url}/?run={run_id}")
    page.get_by_role("button", name="Submit the answers").wait_for(timeout=60_000)
    wait_idle(page)
    areas = page.locator("textarea[aria-label^='Your answer to']")
    areas.first.fill(ANSWER)
    areas.first.press("Control+Enter")
    wait_idle(page)
    page.get_by_role("button", name="Submit the answers").click()
    page.locator(DECISION).filter(has_text="Decision:").first.wait_for(timeout=120_000)
    page.locator("[data-testid=stMetric]").nth(3).wait_for()
    wait_idle(page)
    text = " ".join(main.inner_text().split())
    assert "Result:" in text and "revision 2" in text  # the answers are the packet's next revision
    assert "Submit the answers" not in text
    assert "lucrative reseller deal" in text and "<b>for tuning</b>" in text  # shown as text, escaped
    page.screenshot(path=str(ARTIFACTS / "ui-questions-answered.png"), full_page=True)
    with Store(db) as store:
        row = store.get_run(run_id)
        assert row.status == "done" and row.revision == 2
        assert ANSWER in store.get_result(run_id).answers.values()
    # the replay shows the questions, the answers and the votes before and after
    page.get_by_role("button", name="Replay this debrief step by step").click()
    page.wait_for_url(re.compile(r"/replay"))
    page.locator("h1").filter(has_text="Debrief replay").wait_for(timeout=60_000)
    page.locator(".st-key-followup_section").get_by_text("before the answers (blind)").wait_for(timeout=60_000)
    wait_idle(page)
    section = " ".join(page.locator(".st-key-followup_section").inner_text().split())
    assert "Elena Marchetti asks" in section and "lucrative reseller deal" in section
    assert "before the answers (blind)" in section and "after the answers (blind)" in section
    page.locator(".st-key-followup_section").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "ui-replay-questions.png"), full_page=True)
    assert not page.js_errors
