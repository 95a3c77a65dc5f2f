"""Accessibility (GB/T 37668, WCAG 2.1 AA): axe-core on every page type at desktop and phone width, and the report
and listing pages driven by the keyboard alone, with a visible focus ring on every stop.

axe-core comes from the PyPI package axe-playwright-python (it bundles axe.min.js; nothing is fetched at run time).
Every result, minor ones included, is written to tests/artifacts/axe-results.json.
"""

from __future__ import annotations

import json
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from search_site import build_site_with_search
from site_harness import ARTIFACTS, SEED_RECORD, SEED_REPO, Watch, copy_seed_repo, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]
REPORT = "/reports/panyu/shiqiao-dongxi/2024-2025-中期/"
PAGES = {
    "home": "/",
    "all-reports": "/reports/",
    "district": "/districts/panyu/",
    "station": "/stations/shiqiao-dongxi/",
    "report": REPORT,
    "rule-set": "/rules/guangzhou/sgz-2024/",
    "rule-language": "/rule-language/",
    "record-fields": "/reference/record-fields/",
    "open-data": "/data/",
    "search": "/search/?q=困难群众",
}
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = ("serious", "critical")
SEED = SEED_REPO / SEED_RECORD
# Two more stations in the district, with lower 服务监测 scores, so that sorting the listing changes its order.
COPIES = {"copy-a": ("甲", "7.82"), "copy-b": ("乙", "8.82")}


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    repo = copy_seed_repo(tmp_path_factory.mktemp("repo"))
    seed = SEED.read_text(encoding="utf-8")
    for station, (mark, score) in COPIES.items():
        text = (
            seed.replace("id: shiqiao-dongxi", f"id: {station}", 1)
            .replace("name: 市桥街东西片社工服务站", f"name: 测试{mark}社工服务站", 1)
            .replace("short_name: 市桥街东西片社工站", f"short_name: 测试{mark}社工站", 1)
            .replace("服务监测: 9.82", f"服务监测: {score}", 1)
        )
        target = repo / "stations" / "panyu" / station / SEED.name
        target.parent.mkdir(parents=True)
        target.write_text(text, encoding="utf-8")
    with serve(build_site_with_search(repo)) as url:
        yield url


@pytest.fixture(scope="module")
def axe_log():
    results: dict[str, list] = {}
    yield results
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "axe-results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


def open_page(browser, width: str = "desktop"):
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h}, locale="zh-CN")
    page = context.new_page()
    return context, page, Watch(page)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_serious_or_critical_violation(browser, site_url, axe_log, name, width):
    context, page, watch = open_page(browser, width)
    page.goto(site_url + PAGES[name])
    page.wait_for_load_state("networkidle")
    # Collapsed blocks are checked too: open every 计算过程 before axe looks.
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]})
    context.close()
    violations = results.response["violations"]
    axe_log[f"{name} ({width})"] = [
        {"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"]), "first": v["nodes"][0]["html"][:160]} for v in violations
    ]
    blocking = [
        f"{v['id']} ({v['impact']}): {v['help']} — {v['nodes'][0]['target']} {v['nodes'][0]['html'][:120]}"
        for v in violations
        if v["impact"] in BLOCKING
    ]
    assert blocking == []
    assert watch.problems == []


def focused(page) -> dict:
    """What has the keyboard focus, and whether a focus ring is drawn around it."""
    return page.evaluate("""() => {
        const e = document.activeElement, s = getComputedStyle(e);
        return {tag: e.tagName.toLowerCase(), cls: e.className || '', text: (e.textContent || '').trim().slice(0, 40),
                label: e.getAttribute('aria-label') || '',
                ring: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none'};
    }""")


def tab_until(page, matches, limit: int = 400) -> list[dict]:
    """Press Tab until the focused element matches; every stop on the way must show where the focus is."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = focused(page)
        stops.append(stop)
        if matches(stop):
            return stops
    raise AssertionError(f"not reached with Tab in {limit} presses; last stops: {stops[-5:]}")


def test_keyboard_reaches_search_and_opens_the_calculation_on_a_report(browser, site_url):
    context, page, watch = open_page(browser)
    page.goto(site_url + REPORT)
    stops = tab_until(page, lambda s: s["tag"] == "input" and "header-search__input" in s["cls"], limit=20)
    page.keyboard.type("困难群众")
    page.keyboard.press("Enter")
    expect(page.locator("#search-results li").first).to_be_visible(timeout=15000)

    page.goto(site_url + REPORT)
    summary = page.locator("summary", has_text="计算过程：评分与等级")
    details = summary.locator("xpath=..")
    stops += tab_until(page, lambda s: s["tag"] == "summary" and "计算过程：评分与等级" in s["text"])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    summary.screenshot(path=str(ARTIFACTS / "focus-summary.png"))
    expect(details).not_to_have_attribute("open", "")
    page.keyboard.press("Enter")
    expect(details).to_have_attribute("open", "")
    expect(details.get_by_text("总分", exact=False).first).to_be_visible()
    page.keyboard.press("Enter")
    expect(details).not_to_have_attribute("open", "")
    page.keyboard.press(" ")
    expect(details).to_have_attribute("open", "")
    context.close()
    assert [s for s in stops if not s["ring"]] == []
    assert watch.problems == []


def totals(page) -> list[float]:
    return [float(t) for t in page.locator("#all-reports tbody tr td:nth-child(7)").all_inner_texts()]


def test_sortable_headers_sort_with_enter_and_space(browser, site_url):
    context, page, watch = open_page(browser)
    page.goto(site_url + "/reports/")
    header = page.locator("#all-reports thead th", has_text="总分")
    assert len(totals(page)) == 3
    stops = tab_until(page, lambda s: s["tag"] == "button" and s["text"] == "总分")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    header.screenshot(path=str(ARTIFACTS / "focus-sort-button.png"))
    page.keyboard.press("Enter")
    expect(header).to_have_attribute("aria-sort", "ascending")
    assert totals(page) == sorted(totals(page))
    page.keyboard.press(" ")
    expect(header).to_have_attribute("aria-sort", "descending")
    assert totals(page) == sorted(totals(page), reverse=True)
    context.close()
    assert [s for s in stops if not s["ring"]] == []
    assert watch.problems == []


def test_wide_tables_on_a_phone_can_be_scrolled_from_the_keyboard(browser, site_url):
    context, page, watch = open_page(browser, "phone")
    page.goto(site_url + REPORT)
    wide = page.locator(".md-typeset__scrollwrap[tabindex='0']")
    assert wide.count() >= 1
    first = wide.first
    assert re.search(r"（可横向滚动）$", first.get_attribute("aria-label"))
    first.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert first.evaluate("e => e.scrollLeft") > 0
    context.close()
    assert watch.problems == []
