"""Real-browser check of the replay page's "What if…" control (issue 17, part 2): on a
stored run the user mutes a member, builds the fork, and sees the parent and the fork
side by side; the fork is a stored run linked to its parent. `committee ui` serves a
database seeded before it starts. Screenshots go to test-artifacts/."""

# the fixtures come from the kit by name (so pytest finds them here)
# ruff: noqa: F401, F811
from __future__ import annotations

import pytest

from committee.graph.runner import prepare, start_run
from committee.intake.packets import read_packet
from committee.store.runs import Store
from tests import browser_kit
from tests.browser_kit import ARTIFACTS, choose, page, serve, wait_idle
from tests.conftest import EXAMPLES

browser_kit.skip_without_chromium()

pytestmark = pytest.mark.slow  # a real browser and server (left out of `make test-fast`)


@pytest.fixture
def site(tmp_path):
    """(url, db, parent): one stored run the offline committee splits on (No Hire)."""
    with Store(tmp_path / "ui.db") as store:
        parent = start_run(store, prepare(read_packet(EXAMPLES / "borderline-api-pm.md")))
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(tmp_path) as (url, db):
        yield url, db, parent


def test_what_if_builds_a_fork_beside_the_shown_run(site, page):
    url, db, parent = site
    page.goto(f"{url}/replay?run={parent.run_id}")
    page.locator("[data-testid=stMain] h1").first.wait_for()
    wait_idle(page)
    page.get_by_text("What if…", exact=True).first.click()
    wait_idle(page)
    choose(page, "Member to mute", "Jonas Whitfield")
    page.get_by_role("button", name="Build the fork").click()
    box = page.locator(".st-key-whatif_built")
    box.wait_for(timeout=120_000)
    wait_idle(page)
    text = " ".join(box.inner_text().split())
    assert "What if: Jonas Whitfield muted" in text and "the decision changed" in text
    assert "Parent" in text and "Fork" in text and "not on the panel" in text
    assert "NO HIRE" in text and text.count("HIRE") >= 2
    box.get_by_text("Turns that differ", exact=False).first.click()
    wait_idle(page)
    page.screenshot(path=str(ARTIFACTS / "ui-replay-what-if.png"), full_page=True)
    with Store(db) as store:
        [fork] = store.forks_of(parent.run_id)
        assert fork.changed == {"mute": "safety-lead"} and fork.status == "done"
        assert "safety-lead" not in fork.panel
        assert store.get_result(fork.run_id).parent_run_id == parent.run_id
    assert not page.js_errors
    # the fork, opened in the replay, names its parent and shows both again
    page.goto(f"{url}/replay?run={fork.run_id}")
    page.locator(".st-key-whatif_parent").wait_for(timeout=60_000)
    wait_idle(page)
    assert "what-if fork of run" in page.locator("[data-testid=stMain]").inner_text()
