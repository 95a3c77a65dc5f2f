"""The published site in a real headless Chromium: browse to the 市桥 report, search it in Chinese."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from search_site import with_search_index
from site_harness import ARTIFACTS, Watch, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]
STATION = "市桥街东西片社工服务站"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture(scope="module")
def site_url(seed_site):
    """The seed repository, built once per session (conftest.py), served read only."""
    with serve(with_search_index(seed_site)) as url:
        yield url


def test_reader_browses_from_home_to_the_report_and_sees_the_computed_result(page, site_url):
    page.goto(site_url + "/")
    page.get_by_role("link", name="全部评估").first.click()
    expect(page).to_have_url(re.compile(r"/reports/$"))
    page.locator("#all-reports").get_by_role("link", name=STATION).click()
    expect(page.locator("h1")).to_contain_text(f"{STATION}中期评估报告")
    expect(page.locator(".result-card [data-total]")).to_have_text("89.76")
    expect(page.locator(".result-card [data-grade]")).to_have_text("良好")
    expect(page.locator(".score-table [data-total]")).to_have_text("89.76")
    expect(page.locator(".score-table td[rowspan='3']")).to_have_text("15.09")


def test_index_filters_by_grade(page, site_url):
    page.goto(site_url + "/reports/")
    grade_filter = page.locator(".table-filters select").last
    grade_filter.select_option("良好")
    expect(page.locator("#all-reports tbody tr:visible")).to_have_count(1)


@pytest.mark.parametrize("query", ["爱心汤", "阳光同行", "困难群众"])
def test_chinese_search_finds_the_report(page, site_url, query):
    page.goto(site_url + "/")
    search_box = page.get_by_label("搜索", exact=True)  # the header's box, on every page
    search_box.fill(query)
    search_box.press("Enter")
    result = page.locator("#search-results li", has_text=STATION).first
    expect(result).to_be_visible(timeout=15000)
    result.locator("a").first.click()
    expect(page.locator("h1")).to_contain_text(f"{STATION}中期评估报告")


@pytest.mark.parametrize("name", WIDTHS)
def test_screenshots_at_desktop_and_phone_width(browser, site_url, name):
    width, height = WIDTHS[name]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    watch = Watch(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for slug, path in (("home", "/"), ("reports", "/reports/"), ("report", "/reports/panyu/shiqiao-dongxi/2024-2025-中期/")):
        page.goto(site_url + path)
        page.screenshot(path=str(ARTIFACTS / f"{slug}-{name}.png"))
    page.locator(".score-table").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"score-table-{name}.png"))
    context.close()
    assert watch.problems == []
    assert (ARTIFACTS / f"report-{name}.png").stat().st_size > 10_000
