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


@pytest.fixture
def site3(tmp_path):
    """(url, db, parent, steps): one stored three-round run (the offline committee never
    agrees on this packet, so every round is debated) and its replay steps."""
    from committee.graph.runner import replay_steps

    with Store(tmp_path / "ui.db") as store:
        parent = start_run(store, prepare(read_packet(EXAMPLES / "borderline-api-pm.md"), rounds=3))
        steps = replay_steps(store, parent.run_id)
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(tmp_path) as (url, db):
        yield url, db, parent, steps


def test_what_if_builds_a_fork_from_the_replays_current_step(site3, page):
    """Stepped to round 1's tally, "What if…" with the other protocol says the fork keeps
    round 1 as spoken and starts at that step; the fork built is linked to its parent,
    keeps round 1's turns and debates round-robin from round 2."""
    url, db, parent, steps = site3
    tally1 = next(i for i, s in enumerate(steps) if s.node == "tally_turns")  # 0-based
    page.goto(f"{url}/replay?run={parent.run_id}")
    page.locator("[data-testid=stMain] h1").first.wait_for()
    wait_idle(page)
    for _ in range(tally1):
        page.get_by_role("button", name="Next").click()
        wait_idle(page)
    assert f"Step {tally1 + 1} of {len(steps)}" in page.locator("[data-testid=stMain]").inner_text()
    page.get_by_text("What if…", exact=True).first.click()
    wait_idle(page)
    choose(page, "Change", "Debate with the other protocol")
    note = page.locator(".st-key-whatif_start")
    note.wait_for()
    text = " ".join(note.inner_text().split())
    assert f"This fork starts at step {tally1 + 1}, the tally of round 1" in text, text
    assert "round 2 is the first the change shapes" in text
    page.get_by_role("button", name="Build the fork").click()
    box = page.locator(".st-key-whatif_built")
    box.wait_for(timeout=120_000)
    wait_idle(page)
    assert "round-robin from round 2" in " ".join(box.inner_text().split())
    box.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "ui-whatif-step.png"), full_page=True)
    with Store(db) as store:
        [fork] = store.forks_of(parent.run_id)
        assert fork.changed == {"protocol": {"before": "simultaneous", "after": "round-robin", "from_round": 1}}
        assert store.get_result(fork.run_id).debrief[:4] == parent.debrief[:4]
    assert not page.js_errors
