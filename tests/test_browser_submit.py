"""Real-browser tests of the submit page, the navigation and the app's requests (issue 14:
items 1-5, 11 and 13), with the fixtures of tests/browser_kit.py. Screenshots go to
test-artifacts/."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from committee.store.runs import Store
from tests import browser_kit
from tests.browser_kit import ARTIFACTS, start_server, wait_idle

browser_kit.skip_without_chromium()
server, page = browser_kit.server, browser_kit.page  # the fixtures

TITLES = [
    "Submit a packet",
    "Debrief replay",
    "Compare revisions",
    "Personas & scenarios",
    "Trust",
    "Calibration",
]
PATHS = ["submit", "replay", "compare", "personas", "trust", "calibration"]
DECISION = "[data-testid=stAlertContentSuccess], [data-testid=stAlertContentError]"


def open_app(page, url: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Convene the committee").wait_for()
    wait_idle(page)


def wait_decision(page) -> None:
    page.locator(DECISION).filter(has_text="Decision:").first.wait_for(timeout=120_000)
    page.locator("[data-testid=stMetric]").nth(3).wait_for()
    wait_idle(page)


def result_header(page) -> str:
    heads = page.locator("h2").filter(has_text="Result:").all_inner_texts()
    return heads[0] if heads else ""


def paste(page, text: str) -> None:
    area = page.locator("textarea").first
    area.wait_for()
    area.fill(text)
    area.press("Control+Enter")
    wait_idle(page)


def nav_links(page) -> list[tuple[str, str]]:
    """(visible label, href) of each sidebar navigation link (the icon's ligature text dropped)."""
    links = page.locator("[data-testid=stSidebarNav] a")
    return [
        (links.nth(i).inner_text().strip().splitlines()[-1].strip(), links.nth(i).get_attribute("href") or "")
        for i in range(links.count())
    ]


def test_navigation_has_titles_and_lower_case_urls_from_the_first_message(server, page):
    """Item 3: the sidebar shows page titles, never raw file names, from the first thing
    it shows (a direct page URL is the first page load of a fresh server here), and
    every page URL is lower case."""
    url, _ = server
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{url}/replay")
    page.locator("[data-testid=stSidebarNav] a").nth(len(TITLES) - 1).wait_for()
    first = nav_links(page)  # the first navigation the sidebar drew
    assert [label for label, _ in first] == TITLES, first
    for i, ((_, href), path) in enumerate(zip(first, PATHS, strict=True)):
        # the default page (submit) lives at the root
        assert urlparse(href).path == ("/" if i == 0 else f"/{path}") and href == href.lower(), href
    wait_idle(page)
    page.screenshot(path=str(ARTIFACTS / "ui-nav.png"), full_page=True)
    page.get_by_role("link", name=re.compile("Trust")).click()
    page.wait_for_url(re.compile(r"/trust$"))
    wait_idle(page)
    assert urlparse(page.url).path == "/trust"


def test_the_app_requests_nothing_outside_its_own_origin(server, page):
    """Item 13: every request of a page load (direct page URLs too) and of a run goes to
    the app's own origin, and none fails or gets an error status (no
    `/replay/_stcore/health` probe, no icon from the internet)."""
    url, _ = server
    for path in ["/", "/replay", "/compare", "/personas", "/trust", "/calibration", "/submit"]:
        page.goto(url + path)
        page.locator("[data-testid=stSidebarNav] a").first.wait_for()
        wait_idle(page)
    open_app(page, url)
    page.get_by_role("button", name="Convene the committee").click()
    wait_decision(page)
    web = [u for u in page.requests if u.startswith(("http:", "https:", "ws:", "wss:"))]
    assert web, "no request recorded"
    outside = [u for u in web if not u.startswith(url + "/") and u != url]
    assert not outside, outside
    # (a chunk still loading when the next page.goto starts is aborted by the browser: not a failure)
    bad = [b for b in page.bad_responses if "ERR_ABORTED" not in str(b[0])]
    assert not bad, bad
    assert not any("/_stcore/" in u and not urlparse(u).path.startswith("/_stcore/") for u in web)
    assert not page.js_errors, page.js_errors


WATCH = """() => {
  window.__seen = {disabled: false, openBoard: false};
  const look = () => {
    const btn = [...document.querySelectorAll('button')].find(b => b.innerText.includes('Convene the committee'));
    if (btn && btn.disabled) window.__seen.disabled = true;
    for (const d of document.querySelectorAll('[data-testid=stExpander] details[open]')) {
      if (!d.innerText.includes('Decision') && d.querySelector('[data-testid=stDataFrame]')) window.__seen.openBoard = true;
    }
  };
  new MutationObserver(look).observe(document.body, {subtree: true, childList: true, attributes: true});
}"""


def test_a_double_click_starts_one_run_and_the_board_stays_open(server, page):
    """Item 1: while the committee meets, its per-persona board is open and the button is
    disabled; a double-click stores exactly one run."""
    url, db = server
    open_app(page, url)
    page.evaluate(WATCH)
    page.get_by_role("button", name="Convene the committee").dblclick()
    wait_decision(page)
    seen = page.evaluate("window.__seen")
    assert seen == {"disabled": True, "openBoard": True}, seen
    assert page.get_by_role("button", name="Convene the committee").is_enabled()  # enabled again after the run
    # the status says how long it took, measured, with no promise made beforehand
    label = page.locator("[data-testid=stExpander] summary").filter(has_text="Decision:").first.inner_text()
    assert re.search(r"\d+\.\d s", label), label
    assert "about 10" not in page.locator("[data-testid=stMain]").inner_text()
    page.screenshot(path=str(ARTIFACTS / "ui-one-run.png"), full_page=True)
    from committee.store.runs import Store

    with Store(db) as store:
        rows = store.list_runs()
    assert [r.status for r in rows] == ["done"], [(r.run_id, r.status) for r in rows]


def test_the_shown_run_is_in_the_url_and_new_input_clears_it(server, page):
    """Item 4: the run shown is in the URL (`?run=`), so a reload brings it back; new
    pasted text or a new error clears it."""
    url, db = server
    open_app(page, url)
    page.get_by_role("button", name="Convene the committee").click()
    wait_decision(page)
    run_id = parse_qs(urlparse(page.url).query).get("run", [""])[0]
    from committee.store.runs import Store

    with Store(db) as store:
        assert [r.run_id for r in store.list_runs()] == [run_id]
    page.reload()
    page.locator("[data-testid=stMetric]").nth(3).wait_for(timeout=60_000)
    wait_idle(page)
    assert result_header(page).startswith("Result: nadia-safety-pm revision 1")
    assert run_id in page.locator("[data-testid=stMain]").inner_text()
    # new pasted text: the old result goes, and so does the run in the URL
    page.get_by_text("Paste text").click()
    wait_idle(page)
    paste(page, "---\npacket: reload-check\n---\n## Resume\nI ran evals for a year.\n")
    assert not result_header(page) and page.locator("[data-testid=stMetric]").count() == 0
    assert "run" not in parse_qs(urlparse(page.url).query)
    page.screenshot(path=str(ARTIFACTS / "ui-new-input-clears.png"), full_page=True)
    # a run of it, then a new error: the error replaces the result
    page.get_by_role("button", name="Convene the committee").click()
    wait_decision(page)
    assert result_header(page).startswith("Result: reload-check revision 1")
    name = page.get_by_role("textbox", name="Packet key")
    name.fill("not a key!")
    name.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Convene the committee").click()
    page.locator("[data-testid=stAlertContentError]").filter(has_text="key").first.wait_for()
    wait_idle(page)
    assert not result_header(page) and page.locator("[data-testid=stMetric]").count() == 0
    assert "run" not in parse_qs(urlparse(page.url).query)


PLAIN = (
    "I led safety evaluations at a lab for three years and delayed a launch to re-run red-teaming. "
    "Before any rollout I would stage it to a small share of users and watch the harm metrics daily.\n"
)


def test_pasted_text_without_a_name_keeps_its_name_across_edits(server, page):
    """Item 5: text that names no packet gets a name once; an edit run in the same session
    is revision 2 of that packet, and resubmitting unchanged text says it is the same
    revision."""
    url, db = server
    open_app(page, url)
    page.get_by_text("Paste text").click()
    wait_idle(page)
    paste(page, PLAIN)
    page.get_by_text("will be reviewed as packet pasted-packet-1", exact=False).wait_for()
    key = page.get_by_role("textbox", name="Packet key").input_value()
    assert key == "pasted-packet-1"  # readable, not a hash of the text (item 6)
    assert page.get_by_text("The text names no packet", exact=False).count() == 1
    page.get_by_role("button", name="Convene the committee").click()
    wait_decision(page)
    assert result_header(page).startswith(f"Result: {key} revision 1")
    paste(page, PLAIN + "I also wrote the incident runbook the team still uses.\n")
    assert page.get_by_role("textbox", name="Packet key").input_value() == key  # the edit keeps the name
    page.get_by_role("button", name="Convene the committee").click()
    wait_decision(page)
    assert result_header(page).startswith(f"Result: {key} revision 2")
    page.get_by_role("button", name="Convene the committee").click()
    same = page.locator("[data-testid=stAlertContentInfo]").filter(has_text="The text is unchanged")
    same.wait_for()  # the resubmission's own message: the decision below is this run's, not the last one
    wait_decision(page)
    assert result_header(page).startswith(f"Result: {key} revision 2")
    assert same.count() == 1 and "revision 2" in same.inner_text()
    page.screenshot(path=str(ARTIFACTS / "ui-same-revision.png"), full_page=True)
    from committee.store.runs import Store

    with Store(db) as store:
        assert [p.revision for p in store.revisions(key)] == [1, 2]
        assert {r.packet_key for r in store.list_runs()} == {key}


def upload(page, tmp_path, name: str, size: int) -> None:
    f = tmp_path / name
    f.write_text("## Resume\n" + "x" * (size - 10), encoding="utf-8")
    if not page.locator("[data-testid=stFileUploader]").count():
        page.get_by_text("Upload a file").click()
        wait_idle(page)
    page.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(str(f))
    page.get_by_text(name).first.wait_for()
    wait_idle(page)


def upload_refusal(page):
    """The error under the uploader, once it shows (no Convene needed)."""
    alert = page.locator("[data-testid=stAlertContentError]").filter(has_text="over the").first
    alert.wait_for()
    return alert


def test_the_upload_limit_is_stated_per_kind_and_an_oversize_file_is_refused_at_once(server, page, tmp_path):
    """Item 11 and the new user's item 4: beside the uploader, the readers' own limits per
    kind of file (512 KB of Markdown or text; PDF/DOCX up to 4 MB), not Streamlit's one
    "4MB per file"; a 601 KB `.md` is refused as soon as it is chosen, before Convene
    (which is disabled), in KB, with the `committee ui --max-bytes` that raises it shown
    as code (no literal backticks)."""
    url, db = server
    open_app(page, url)
    page.get_by_text("Upload a file").click()
    wait_idle(page)
    zone = page.locator("[data-testid=stFileUploader]").inner_text()
    assert "per file" not in zone and "200" not in zone, zone
    limits = page.locator("[data-testid=stCaptionContainer]").filter(has_text="Limits:").first.inner_text()
    assert ".md" in limits and "512 KB" in limits and ".pdf" in limits and "4 MB" in limits, limits
    upload(page, tmp_path, "big.md", 601 * 1024)
    err = upload_refusal(page)
    text = err.inner_text()
    assert "601 KB" in text and "512 KB" in text and "Markdown and text files" in text, text
    assert "`" not in text and "614400" not in text and "524288" not in text
    assert err.locator("code").filter(has_text="committee ui --max-bytes").count() == 1
    assert page.get_by_role("button", name="Convene the committee").is_disabled()
    page.screenshot(path=str(ARTIFACTS / "ui-upload-limit.png"), full_page=True)
    with Store(db) as store:
        assert store.list_runs() == []
    # a file within the limit instead: no refusal, and Convene is enabled
    page.locator("[data-testid=stFileChipDeleteBtn] button").first.click()
    wait_idle(page)
    upload(page, tmp_path, "ok.md", 20 * 1024)
    assert page.get_by_role("button", name="Convene the committee").is_enabled()
    assert page.locator("[data-testid=stAlertContentError]").count() == 0


def test_committee_ui_max_bytes_sets_the_apps_limit(tmp_path, page):
    """Item 11: `committee ui --max-bytes 100k` is the limit the app applies and states."""
    with start_server(tmp_path, "--max-bytes", "100k") as (url, _):
        open_app(page, url)
        upload(page, tmp_path, "mid.md", 200 * 1024)
        text = upload_refusal(page).inner_text()
        assert "200 KB" in text and "100 KB" in text, text
        limits = page.locator("[data-testid=stCaptionContainer]").filter(has_text="Limits:").first.inner_text()
        assert "100 KB" in limits and "800 KB" in limits, limits


def plot_width(chart) -> int:
    """The widest horizontal line drawn in a chart (its gridlines and axis span the plot
    area), in pixels of a screenshot of the chart element: the plot's width."""
    import io

    from PIL import Image

    img = Image.open(io.BytesIO(chart.screenshot())).convert("RGB")
    w, h = img.size
    px = img.load()
    best = 0
    for y in range(h):
        run = 0
        for x in range(w):
            r, g, b = px[x, y]
            if max(r, g, b) - min(r, g, b) < 24 and max(r, g, b) < 250:  # a grey, not the white ground
                run += 1
                best = max(best, run)
            else:
                run = 0
    return best


def test_the_result_is_readable_at_390_px(server, tmp_path, chromium):
    """Item 5 of the new user: at 390x844 no table of the result is wider than its box
    (the votes' "moved" and "confidence", every score column visible), no table toolbar
    sits over the "Votes and rubric scores" heading, and the per-persona chart's plot
    keeps at least 250 px (its legend below it, not beside)."""
    url, _ = server
    pg = browser_kit.new_page(chromium, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        open_app(pg, url)
        pg.get_by_role("button", name="Convene the committee").click()
        wait_decision(pg)
        head = pg.locator("h3").filter(has_text="Votes and rubric scores").first
        head.scroll_into_view_if_needed()
        wait_idle(pg)
        main = pg.locator("[data-testid=stMain]")
        width = main.evaluate("e => e.clientWidth")
        # every table shown in the result fits its box: no sideways scroll inside it, nothing past the edge
        for sel in ("[data-testid=stDataFrame]", "[data-testid=stTable]", "table"):
            for t in main.locator(sel).filter(visible=True).all():
                box = t.bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (sel, box)
                wide = t.evaluate(
                    "e => [e, ...e.querySelectorAll('*')].some(x => x.scrollWidth > x.clientWidth + 1 && "
                    "['auto', 'scroll'].includes(getComputedStyle(x).overflowX))"
                )
                assert not wide, f"{sel} scrolls sideways at 390 px"
        text = main.inner_text()
        result = text[text.index("Votes and rubric scores") :]
        for word in ("moved", "confidence", "sealed (blind)", "final", "alignment"):
            assert word in result.lower(), word
        # the votes and scores are visible text, every line of them inside the window's width
        for line in main.get_by_text("confidence", exact=False).filter(visible=True).all():
            b = line.bounding_box()
            assert b["x"] >= 0 and b["x"] + b["width"] <= 390 + 1, b
        # nothing of a table (a toolbar) over the heading
        hb = head.bounding_box()
        for t in main.locator("[data-testid=stDataFrame], [data-testid=stElementToolbar]").filter(visible=True).all():
            b = t.bounding_box()
            assert b["y"] >= hb["y"] + hb["height"] or b["y"] + b["height"] <= hb["y"], (b, hb)
        chart = main.locator("[data-testid=stVegaLiteChart]").nth(1)  # each persona's vote by stage
        chart.scroll_into_view_if_needed()
        wait_idle(pg)
        plot = plot_width(chart)
        assert plot >= 250, plot
        pg.screenshot(path=str(ARTIFACTS / "ui-mobile-result.png"), full_page=True)
        chart.screenshot(path=str(ARTIFACTS / "ui-mobile-persona-chart.png"))
    finally:
        pg.context.close()
