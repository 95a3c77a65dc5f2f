"""Phone-first listings and report outlines (issue 18, part 1), in real Chromium on a site of 1,000 synthetic reports
and the seed record: cards at phone width, paging, the live count, the empty state, filters in the address, the
街道 filter following the 区 filter, 每站最新一次 as the default view, the 目录 button, and axe on both page kinds.

Expected rows are read from the built HTML (the whole table is there for readers without JavaScript), not from the
script under test. Screenshots go to tests/artifacts/listings-*.png.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlparse

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from site_harness import ARTIFACTS, Watch, build_site, serve, synthetic_records

pytestmark = [pytest.mark.browser, pytest.mark.slow]
REPORTS = 1000
WIDTHS = {"360": (360, 740), "390": (390, 844), "1280": (1280, 900)}
PHONES = ("360", "390")
SEED_REPORT = "/reports/panyu/shiqiao-dongxi/2024-2025-中期/"
SUB_DISTRICTS = ("东一片区", "东二片区", "西片片区")  # the seed record's 片区 sections, headings of level 4
BLOCKING = ("serious", "critical")
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build_site(synthetic_records(tmp_path_factory.mktemp("repo"), REPORTS, seed_record=True))


@pytest.fixture(scope="module")
def site_url(site):
    with serve(site) as url:
        yield url


@pytest.fixture(scope="module")
def listed(site) -> list[dict]:
    """Every row of the all-reports table as the HTML has it: each column's text, and whether it is its station's latest."""
    markup = (site / "reports" / "index.html").read_text(encoding="utf-8")
    body = markup.split('id="all-reports"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for attributes, cells in re.findall(r"<tr([^>]*)>(.*?)</tr>", body, flags=re.S):
        row = {
            label: html.unescape(re.sub(r"<[^>]+>", "", text)).strip()
            for label, text in re.findall(r'<td data-label="([^"]+)"[^>]*>(.*?)</td>', cells)
        }
        row["latest"] = "data-latest" in attributes
        rows.append(row)
    return rows


def open_page(browser, width: str):
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h}, locale="zh-CN")
    page = context.new_page()
    return context, page, Watch(page)


def shown_rows(page):
    return page.locator("#all-reports tbody tr:visible")


def count_text(page) -> str:
    return page.locator("#all-reports caption .listing-count").inner_text()


def test_the_html_lists_every_report_and_marks_one_latest_per_station(listed):
    assert len(listed) == REPORTS + 1
    stations = {row["社工站"] for row in listed}
    assert sum(row["latest"] for row in listed) == len(stations)


@pytest.mark.parametrize("width", PHONES)
def test_on_a_phone_every_card_shows_its_total_and_grade_without_sideways_scrolling(browser, site_url, listed, width):
    context, page, watch = open_page(browser, width)
    page.goto(site_url + "/reports/")
    expect(shown_rows(page)).to_have_count(20)
    viewport = page.viewport_size
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    for row in shown_rows(page).all():
        for label in ("社工站", "总分", "等级"):
            box = row.locator(f'td[data-label="{label}"]').bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], (label, box)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 5 * viewport["height"], f"{height} px is {height / viewport['height']:.1f} screens"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"listings-reports-{width}.png"))
    shown_rows(page).nth(3).scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"listings-cards-{width}.png"))
    context.close()
    assert watch.problems == []


def test_on_a_wide_screen_the_listing_stays_a_table(browser, site_url):
    context, page, watch = open_page(browser, "1280")
    page.goto(site_url + "/reports/")
    assert shown_rows(page).first.evaluate("row => getComputedStyle(row).display") == "table-row"
    filters = page.locator(".table-filters")
    assert filters.evaluate("bar => !bar.closest('.evaluations')"), "the filter bar must sit above the table's scroller"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "listings-reports-1280.png"))
    context.close()
    assert watch.problems == []


def test_the_default_view_is_each_stations_latest_and_all_evaluations_are_one_click_away(browser, site_url, listed):
    context, page, watch = open_page(browser, "390")
    page.goto(site_url + "/reports/")
    latest = sum(row["latest"] for row in listed)
    assert count_text(page).startswith(f"共 {latest} 份，显示第 1–20 份")
    page.get_by_role("radio", name=re.compile("^全部评估")).check()
    assert count_text(page).startswith(f"共 {len(listed)} 份")
    assert parse_qs(urlparse(page.url).query)["显示"] == ["全部评估"]
    context.close()
    assert watch.problems == []


def test_the_street_filter_follows_the_district_filter_and_the_count_follows_both(browser, site_url, listed):
    context, page, watch = open_page(browser, "390")
    page.goto(site_url + "/reports/")
    district = sorted({row["区"] for row in listed})[1]
    page.get_by_role("combobox", name="区", exact=True).select_option(district)
    streets = page.get_by_role("combobox", name="街道", exact=True).locator("option").all_inner_texts()
    assert streets[1:] == sorted({row["街道"] for row in listed if row["区"] == district})
    street = streets[1]
    page.get_by_role("combobox", name="街道", exact=True).select_option(street)
    expected = [row for row in listed if row["latest"] and row["区"] == district and row["街道"] == street]
    assert count_text(page) == f"共 {len(expected)} 份，全部显示"
    expect(shown_rows(page)).to_have_count(len(expected))
    context.close()
    assert watch.problems == []


def test_filters_round_trip_through_the_address_and_the_back_button(browser, site_url, listed):
    context, page, watch = open_page(browser, "390")
    page.goto(site_url + "/reports/")
    page.get_by_role("radio", name=re.compile("^全部评估")).check()
    page.get_by_role("combobox", name="等级", exact=True).select_option("良好")
    good = [row for row in listed if row["等级"] == "良好"]
    assert count_text(page).startswith(f"共 {len(good)} 份")
    page.get_by_role("button", name="下一页").click()
    assert count_text(page) == f"共 {len(good)} 份，显示第 21–40 份"
    shared = page.url
    assert parse_qs(urlparse(shared).query) == {"显示": ["全部评估"], "等级": ["良好"], "页": ["2"]}
    first_on_page_2 = shown_rows(page).first.inner_text()
    page.go_back()
    assert count_text(page) == f"共 {len(good)} 份，显示第 1–20 份"
    other, reader, _ = open_page(browser, "1280")  # someone the address was sent to
    reader.goto(shared)
    expect(reader.get_by_role("combobox", name="等级", exact=True)).to_have_value("良好")
    assert reader.locator("#all-reports caption .listing-count").inner_text() == f"共 {len(good)} 份，显示第 21–40 份"
    assert shown_rows(reader).first.inner_text().split() == first_on_page_2.split()
    other.close()
    context.close()
    assert watch.problems == []


def test_a_filter_that_matches_nothing_says_what_to_try(browser, site_url):
    context, page, watch = open_page(browser, "390")
    page.goto(site_url + "/reports/")
    page.get_by_role("searchbox", name="筛选").fill("没有这个站")
    empty = page.locator(".listing-empty")
    expect(empty).to_be_visible()
    expect(empty).to_contain_text("没有符合条件的评估")
    expect(empty).to_contain_text("换一个更短的词")
    expect(page.locator("#all-reports")).to_be_hidden()  # no header above nothing
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "listings-empty-390.png"))
    empty.get_by_role("button", name="清除全部筛选").click()
    expect(empty).to_be_hidden()
    expect(shown_rows(page)).to_have_count(20)
    assert "筛选" not in parse_qs(urlparse(page.url).query)
    context.close()
    assert watch.problems == []


@pytest.mark.parametrize("width", PHONES)
def test_a_report_on_a_phone_has_a_table_of_contents_button_with_its_sub_district_sections(browser, site_url, width):
    context, page, watch = open_page(browser, width)
    page.goto(site_url + SEED_REPORT)
    button = page.get_by_role("button", name="目录")
    expect(button).to_be_visible()
    button.click()
    dialog = page.get_by_role("dialog", name="目录")
    expect(dialog).to_be_visible()
    for name in ("二、评估总结", "（五）服务质量情况", *SUB_DISTRICTS):
        expect(dialog.get_by_role("link", name=re.compile(name))).to_be_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"listings-report-toc-{width}.png"))
    dialog.get_by_role("link", name=re.compile(SUB_DISTRICTS[1])).click()
    expect(dialog).to_be_hidden()
    heading = page.locator("h4", has_text=SUB_DISTRICTS[1])
    expect(heading).to_be_in_viewport()
    context.close()
    assert watch.problems == []


def test_on_a_wide_screen_the_sidebar_outline_has_the_sub_district_sections_and_no_button(browser, site_url):
    context, page, watch = open_page(browser, "1280")
    page.goto(site_url + SEED_REPORT)
    outline = page.locator(".md-sidebar--secondary nav.md-nav--secondary")
    for name in SUB_DISTRICTS:
        expect(outline.get_by_role("link", name=re.compile(name))).to_have_count(1)
    expect(page.get_by_role("button", name="目录")).to_be_hidden()
    context.close()
    assert watch.problems == []


def test_findings_sub_headings_are_body_size_in_the_body_colour(browser, site_url):
    context, page, watch = open_page(browser, "390")
    page.goto(site_url + SEED_REPORT)
    style = "e => [parseFloat(getComputedStyle(e).fontSize), getComputedStyle(e).color]"
    body_size, body_colour = page.locator("article p").first.evaluate(style)
    sub_headings = page.locator("article h5")
    assert sub_headings.count() >= 2
    for heading in sub_headings.all():
        size, colour = heading.evaluate(style)
        assert size >= body_size and colour == body_colour, heading.inner_text()
    context.close()
    assert watch.problems == []


@pytest.mark.parametrize("width", ("390", "1280"))
@pytest.mark.parametrize("path", ("/reports/", SEED_REPORT))
def test_axe_finds_no_serious_or_critical_violation(browser, site_url, path, width):
    context, page, watch = open_page(browser, width)
    page.goto(site_url + path)
    page.wait_for_load_state("networkidle")
    if path == SEED_REPORT and width == "390":
        page.get_by_role("button", name="目录").click()  # the dialog open, so that axe checks it too
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]})
    context.close()
    blocking = [
        f"{v['id']} ({v['impact']}): {v['help']} — {v['nodes'][0]['target']} {v['nodes'][0]['html'][:120]}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]
    assert blocking == []
    assert watch.problems == []
