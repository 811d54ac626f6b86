"""The report in a real browser: headless Chromium (Debian's package) through Playwright. The tables
match the docs' rows, a click opens the right evidence, the filters hide and show the right rows
(and say when a table has none left), hostile content stays text, the page asks nothing of the
network, it prints, each verdict is named by its row, and it reads on a phone, a tablet and a desktop
(screenshots in reports/screenshots/). Its speed: tests/test_report_browser_speed.py."""
import json
from pathlib import Path

import pytest
from browser import launch, sync_api_or_skip

from conformance.docs import load_docs
from conformance.report.render import render
from conformance.results import Result, document

sync_api = sync_api_or_skip()
expect, sync_playwright = sync_api.expect, sync_api.sync_playwright

ROOT = Path(__file__).resolve().parent.parent
DOCS = load_docs(ROOT / "cases" / "docs-tables.yaml")
HOSTILE_TARGET = 'evil<img src=x onerror="window.__pwned=1">'
HOSTILE_OUTPUT = "<script>window.__pwned=1</script><img src=x onerror=window.__pwned=2>"


def result(target, row, model, verdict, reason="because", content="1, 2, 3"):
    exchange = {"role": "probe", "status": 200, "summary": f"HTTP 200, text={content!r}",
                "request": {"model": model, "messages": [{"role": "user", "content": f"probe {row} on {model}"}]},
                "response": {"choices": [{"message": {"role": "assistant", "content": content}}]}}
    return Result(target=target, mode="live", model=model, case_id=row.split(".")[1],
                  test_id=f"cases/x.yaml::{row}[{model}]", row=row, table=row.split(".")[0], documented="Full",
                  observed="honoured", verdict=verdict, reason=reason,
                  evidence={"requests": [exchange], "cassette": f"cassettes/{row}/{model}.yaml"},
                  tokens={"prompt": 3, "completion": 4, "total": 7, "requests": 1})


def documents():
    ref = document({"target": "reference", "mode": "live", "models": ["m1", "m2"], "status": "completed"},
                   DOCS.data, [result("reference", "core.stop", "m1", "agrees"),
                               result("reference", "core.stop", "m2", "differs", "stop='7' but the answer has it"),
                               result("reference", "core.top_p", "m1", "inconclusive"),
                               result("reference", "advanced.seed", "m2", "agrees")])
    evil = document({"target": HOSTILE_TARGET, "mode": "live", "models": ["m1"], "status": "completed",
                     "base_url": "http://127.0.0.1:9/v1"}, DOCS.data,
                    [result(HOSTILE_TARGET, "core.stop", "m1", "differs", f"error text {HOSTILE_OUTPUT}",
                            content=HOSTILE_OUTPUT)])
    return [json.loads(json.dumps(d)) for d in (ref, evil)]


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "index.html"
    path.write_text(render(documents()), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def context(browser):
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    context.route("http*://**", lambda route: route.abort())  # nothing may leave; the listener tells
    yield context
    context.close()


@pytest.fixture
def page(context, report_file):
    """The report opened from disk; every request it makes is recorded."""
    page = context.new_page()
    page.requests = []
    page.errors = []
    page.on("request", lambda r: page.requests.append(r.url))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(report_file.as_uri())
    yield page
    assert page.errors == []
    page.close()


def cell(page, target, model, row):
    row_id = row.replace(".", "\\.")  # a CSS id selector escapes the dot
    return page.locator(f"tr#row-{row_id} td.cell[data-target={json.dumps(target)}][data-model={json.dumps(model)}]")


def visible_rows(page, table):
    return page.eval_on_selector_all(f'section[data-table="{table}"] tr.r:not([hidden]) th[scope=row]',
                                     "els => els.map(e => e.textContent.trim())")


def test_tables_match_the_docs_rows(page):
    for table in DOCS.data["tables"]:
        section = page.locator(f'section[data-table="{table["id"]}"]')
        assert section.locator("h2").inner_text() == table["title"]
        if table["kind"] != "models":
            assert visible_rows(page, table["id"]) == [r["label"] for r in table["rows"]]
    headers = page.eval_on_selector_all('section[data-table="core"] th.model', "els => els.map(e => e.textContent)")
    assert headers == ["m1", "m2", "m1"]
    writing = page.eval_on_selector('section[data-table="core"] th.model', "e => getComputedStyle(e).writingMode")
    assert writing == "horizontal-tb"  # model names read across, not rotated


def test_a_click_opens_the_right_evidence_in_place_and_escape_closes_it(page):
    target = cell(page, "reference", "m2", "core.stop")
    target.locator("summary").click()
    body = target.locator(".ev-body")
    assert body.is_visible()
    text = body.inner_text()
    assert "cases/x.yaml::core.stop[m2]" in text and "stop='7' but the answer has it" in text
    # the request body, shown from the data block by the script
    assert '"content":"probe core.stop on m2"' in text and "Request and response bodies show" not in text
    assert "cassettes/core.stop/m2.yaml" in text and "3 prompt + 4 completion = 7 tokens" in text
    assert page.locator("details.ev[open]").count() == 1
    cell(page, "reference", "m1", "core.stop").locator("summary").click()  # another cell: one panel at a time
    assert page.locator("details.ev[open]").count() == 1 and not body.is_visible()
    page.keyboard.press("Escape")
    assert page.locator("details.ev[open]").count() == 0


def test_keyboard_and_links_from_the_drift_list(page):
    summary = cell(page, "reference", "m1", "core.top_p").locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    assert cell(page, "reference", "m1", "core.top_p").locator(".ev-body").is_visible()
    page.keyboard.press("Escape")
    page.locator("#differs + ul a", has_text="m2").first.click()  # "Rows that differ" links the cell
    opened = page.locator("details.ev[open]")
    assert opened.count() == 1 and "core.stop[m2]" in opened.inner_text()


def test_filters_hide_and_show_the_right_rows(page):
    page.select_option("select[name=verdict]", "differs")
    assert visible_rows(page, "core") == ["stop"]
    assert visible_rows(page, "advanced") == []
    page.select_option("select[name=model]", "m2")
    assert not cell(page, "reference", "m1", "core.stop").is_visible()
    assert cell(page, "reference", "m2", "core.stop").is_visible()
    page.select_option("select[name=verdict]", "")
    page.select_option("select[name=table]", "advanced")
    assert not page.locator('section[data-table="core"]').is_visible()
    assert visible_rows(page, "advanced")[0] == "tools"
    page.click("button[type=reset]")
    page.select_option("select[name=target]", "reference")
    assert page.locator('section[data-table="core"]').is_visible()
    assert not page.locator(f"td.cell[data-target={json.dumps(HOSTILE_TARGET)}]").first.is_visible()
    assert "row(s) shown" in page.locator("#shown").inner_text()


def test_hostile_content_stays_text(page):
    evil = cell(page, HOSTILE_TARGET, "m1", "core.stop")
    evil.locator("summary").click()
    text = evil.locator(".ev-body").inner_text()
    assert HOSTILE_OUTPUT in text and "error text <script>" in text
    assert HOSTILE_TARGET in page.locator("#runs").inner_text()
    assert page.evaluate("window.__pwned") is None
    assert page.locator("img").count() == 0  # the page's own script and its block of bodies, nothing else
    assert page.locator("script:not([type='application/json'])").count() == 1


def test_the_page_makes_no_network_request(page):
    page.select_option("select[name=verdict]", "agrees")
    cell(page, "reference", "m1", "core.stop").locator("summary").click()
    assert page.requests and all(url.startswith("file://") for url in page.requests), page.requests


def test_print_media_shows_verdicts_not_panels_or_filters(page):
    cell(page, "reference", "m2", "core.stop").locator("summary").click()
    page.emulate_media(media="print")
    assert not page.locator("#filters").is_visible()
    assert not page.locator("details.ev[open] .ev-body").is_visible()
    assert "✗ differs" in cell(page, "reference", "m2", "core.stop").inner_text()
    assert page.pdf()[:4] == b"%PDF"


def test_readable_without_script(browser, report_file):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(report_file.as_uri())
    assert not page.locator("#filters").is_visible()  # the filters need the script; every row shows
    assert visible_rows(page, "core") == [r["label"] for r in DOCS.data["tables"][0]["rows"]]
    target = cell(page, "reference", "m2", "core.stop")
    target.locator("summary").click()  # <details> opens without script
    text = target.locator(".ev-body").inner_text()
    assert "stop='7' but the answer has it" in text and "bodies show under each request with JavaScript on" in text
    context.close()


def test_each_verdict_is_named_by_its_row_model_and_target(page):
    summary = cell(page, "reference", "m2", "core.stop").locator("summary")
    assert summary.get_attribute("aria-label") == "stop: differs on m2, reference; open the evidence"
    assert page.get_by_label("top_p: inconclusive on m1, reference").count() == 1


def test_a_table_the_filters_empty_says_so_and_the_drift_headings_count_what_is_shown(page):
    assert page.locator("#differs").inner_text() == "Rows that differ (2)"
    page.select_option("select[name=target]", "reference")
    assert page.locator("#differs").inner_text() == "Rows that differ (1 of 2 shown)"
    page.select_option("select[name=verdict]", "differs")
    advanced = page.locator('section[data-table="advanced"]')
    assert advanced.locator("p.empty").inner_text() == \
        "No row of this table matches the filters (verdict differs, target reference)."
    assert not advanced.locator(".wrap").is_visible()
    assert page.locator('section[data-table="core"] .wrap').is_visible()
    page.select_option("select[name=model]", "m1")  # the one difference of reference is on m2
    assert page.locator("#differs").inner_text() == "Rows that differ (0 of 2 shown)"
    assert page.locator('[data-empty-of="differs-list"]').is_visible()
    page.click("button[type=reset]")  # the form applies a reset a task later: expect() waits for it
    expect(page.locator("#differs")).to_have_text("Rows that differ (2)")
    expect(advanced.locator("p.empty")).to_be_hidden()
    expect(advanced.locator(".wrap")).to_be_visible()


SCREENS = {"phone": (390, 844), "tablet": (768, 1024), "desktop": (1400, 900)}
SHOTS = ROOT / "reports" / "screenshots"


@pytest.mark.parametrize("screen", list(SCREENS))
def test_readable_on_a_phone_a_tablet_and_a_desktop(browser, report_file, screen):
    """No sideways page scroll; a table scrolls in its own box with its row names in view; the run
    cards stack unless the screen is wide; the evidence opens under the tapped cell (a bottom sheet on a phone);
    a cell a link opens is not under the filter bar. Screenshots: reports/screenshots/<screen>*.png."""
    width, height = SCREENS[screen]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(report_file.as_uri())
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{screen}.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    cards = [page.locator(".card").nth(i).bounding_box() for i in range(2)]
    stacked = cards[1]["y"] >= cards[0]["y"] + cards[0]["height"]
    assert stacked == (screen != "desktop"), cards  # two cards of 28rem: side by side only on a wide screen

    wrap = page.locator('section[data-table="core"] .wrap')
    row_name = page.locator("tr#row-core\\.stop th[scope=row]")
    before = row_name.bounding_box()["x"]
    wrap.evaluate("w => { w.scrollLeft = w.scrollWidth; }")
    assert row_name.bounding_box()["x"] == pytest.approx(before, abs=1)  # still in view at the box's left
    assert row_name.is_visible()

    page.locator("#differs + ul a", has_text="m2").first.click()
    opened = page.locator("details.ev[open]")
    summary, panel = opened.locator("summary").bounding_box(), opened.locator(".ev-body").bounding_box()
    bar = page.locator("#filters").bounding_box()
    assert summary["y"] >= bar["y"] + bar["height"] or summary["y"] + summary["height"] <= bar["y"]
    if screen == "phone":  # a sheet along the bottom of the screen, the tapped cell in sight above it
        assert panel["x"] == 0 and panel["width"] == width
        assert panel["y"] + panel["height"] == pytest.approx(height, abs=1)
        opened.locator("button.close").click()
        low = cell(page, "reference", "m1", "core.top_p").locator("summary")
        low.evaluate("e => e.scrollIntoView({block: 'end'})")  # a cell the sheet would cover
        low.click()
        opened = page.locator("details.ev[open]")
        summary, panel = opened.locator("summary").bounding_box(), opened.locator(".ev-body").bounding_box()
        assert summary["y"] + summary["height"] <= panel["y"]
    else:  # under the cell, inside the screen
        assert panel["y"] == pytest.approx(summary["y"] + summary["height"] + 4, abs=3)
        assert panel["x"] >= 0 and panel["x"] + panel["width"] <= width
    page.screenshot(path=str(SHOTS / f"{screen}-evidence.png"))
    opened.locator("button.close").click()
    assert page.locator("details.ev[open]").count() == 0
    print(f"screenshots: {SHOTS}/{screen}.png, {screen}-evidence.png")
    context.close()
