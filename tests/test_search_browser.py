"""The search page in Chromium, over a real build of the 市桥 record and 200 synthetic reports: for every labelled
query the page finds exactly the pages containing it (computed by plain substring search), absent words find
nothing, a station's own reports come first, each filter narrows the results, and the page fetches only its own host.
"""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from playwright.sync_api import expect
from search_site import build_site_with_search, project_docs
from site_harness import serve
from test_search_index import FILTERS, corpus_repo, expected, labelled_queries

pytestmark = [pytest.mark.browser, pytest.mark.slow]
STATION = "市桥街东西片社工服务站"


@pytest.fixture(scope="module")
def searchable(tmp_path_factory):
    repo = corpus_repo(tmp_path_factory.mktemp("repo"))
    site = build_site_with_search(repo)
    docs = project_docs(repo, site)[1]
    with serve(site) as url:
        yield url, docs


def search(page, url: str, query: str, filters: dict | None = None) -> list[str]:
    """Search through the form, then read every result's URL (the page lists 20 at a time)."""
    page.goto(url + "/search/")
    form = page.locator("#site-search")
    expect(form).to_have_attribute("data-ready", "true", timeout=15000)
    for facet, value in (filters or {}).items():
        form.locator(f"select[data-facet='{facet}']").select_option(value)
    page.fill("#search-q", query)
    page.press("#search-q", "Enter")
    expect(page.locator("#search-count")).not_to_have_text("请输入要搜索的词语。")
    expect(form).to_have_attribute("data-state", "done", timeout=15000)
    for _ in range(100):  # 20 results at a time; a button that never goes away must fail, not hang
        if not page.locator("#search-more").is_visible():
            break
        page.click("#search-more")
        expect(form).to_have_attribute("data-state", "done", timeout=15000)
    else:
        raise AssertionError("“显示更多结果” is still shown after 100 clicks")
    hrefs = page.locator("#search-results li a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    prefix = url + "/"
    return [unquote(h.removeprefix(prefix)) for h in hrefs]  # the browser percent-encodes the Chinese in links


def test_every_labelled_query_finds_exactly_the_pages_containing_it(page, searchable):
    url, docs = searchable
    for labelled in labelled_queries(docs):
        query = labelled["query"]
        results = search(page, url, query)
        assert set(results) == expected(docs, query), query
        assert len(results) == len(set(results))
        if labelled.get("absent"):
            assert results == []
            expect(page.locator("#search-count")).to_contain_text("没有找到")


def test_a_station_name_lists_its_own_reports_first(page, searchable):
    url, docs = searchable
    for labelled in (q for q in labelled_queries(docs) if q.get("station")):
        own = sorted((d for d in docs if d.kind == "报告" and labelled["query"] in d.title), key=lambda d: d.order, reverse=True)
        assert search(page, url, labelled["query"])[: len(own)] == [d.url for d in own], labelled["query"]


def test_reports_come_before_the_sites_own_pages(page, searchable):
    url, docs = searchable
    kind = {d.url: d.kind for d in docs}
    kinds = [kind[result] for result in search(page, url, "爱心汤")]
    assert "报告" in kinds and "页面" in kinds  # the home page and the performance page mention it too
    assert kinds == sorted(kinds, key=lambda k: k != "报告")


@pytest.mark.parametrize("facet", FILTERS)
def test_each_filter_narrows_the_results(page, searchable, facet):
    url, docs = searchable
    wanted = {d.url for d in docs if d.facets.get(facet) == FILTERS[facet]} & expected(docs, "困难群众")
    assert set(search(page, url, "困难群众", {facet: FILTERS[facet]})) == wanted
    assert 0 < len(wanted) < len(expected(docs, "困难群众"))


def test_the_header_box_on_a_report_leads_to_the_results(page, searchable):
    url, _ = searchable
    page.goto(url + "/reports/panyu/shiqiao-dongxi/2024-2025-中期/")
    page.get_by_label("搜索", exact=True).fill("市桥街东西片")  # among 200 other reports, its name puts it first
    page.get_by_label("搜索", exact=True).press("Enter")
    result = page.locator("#search-results li", has_text=STATION).first
    expect(result).to_be_visible(timeout=15000)
    expect(result).to_contain_text("番禺区 · 2024-2025 · 中期 · 等级 良好")
    result.locator("a").click()
    expect(page.locator("h1")).to_contain_text(f"{STATION}中期评估报告")
