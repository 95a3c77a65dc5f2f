"""The search page in Chromium, over a real build of the 市桥 record and 200 synthetic reports: for every labelled
query the page finds exactly the pages containing it (computed by plain substring search), absent words find
nothing, reports come first and a station's own reports before them all, each filter narrows the results, the
maintainers' pages appear only in their own scope, a result names its section with the words marked and its link
opens the page there with the words marked, a browser without DecompressionStream searches the uncompressed files,
and no request leaves localhost.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import unquote, urlparse

import pytest
from playwright.sync_api import expect
from search_site import build_site_with_search, project_docs
from site_harness import ARTIFACTS, serve
from test_search_index import FILTERS, corpus_repo, labelled_queries, plain

pytestmark = [pytest.mark.browser, pytest.mark.slow]
STATION = "市桥街东西片社工服务站"
SEED_REPORT = "reports/panyu/shiqiao-dongxi/2024-2025-中期/"
# Each result as the page shows it: where its link goes, its title, the line under it and the snippet.
READ_RESULTS = """items => items.map(li => {
  const link = li.querySelector("a"), address = new URL(link.href), snippet = li.querySelector(".search-result__snippet");
  const section = li.querySelector(".search-result__section");
  return {path: decodeURIComponent(address.pathname).slice(1), hl: address.searchParams.get("hl"),
          anchor: decodeURIComponent(address.hash.slice(1)), title: link.textContent,
          line: li.querySelector(".search-result__facets").textContent, section: section ? section.textContent : "",
          snippet: snippet.textContent, marks: Array.from(snippet.querySelectorAll("mark"), m => m.textContent),
          elements: Array.from(snippet.querySelectorAll("*"), e => e.tagName.toLowerCase() + "." + e.className)};
})"""


@pytest.fixture(scope="module")
def searchable(tmp_path_factory):
    repo = corpus_repo(tmp_path_factory.mktemp("repo"))
    site = build_site_with_search(repo)
    docs = project_docs(repo, site)[1]
    with serve(site) as url:
        yield url, docs


@pytest.fixture(autouse=True)
def local_only(page):
    """Every request for another host is made to fail, and listed: the test fails if the site asked for one."""
    leaving: list[str] = []

    def only_localhost(route) -> None:
        if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            leaving.append(route.request.url)
            route.abort()

    page.route("**/*", only_localhost)
    yield
    assert leaving == []


def expected(docs, query: str, filters: dict | None = None, scope: str = "") -> Counter:
    """The URL of every document holding each term, with the facets chosen, in the scope's kinds (a report and the
    standing text it carries share a URL, so a URL may be listed twice)."""
    terms = plain(query).split()
    chosen = (filters or {}).items()
    in_scope = [d for d in docs if (d.kind == "文档") == (scope == "文档") and all(d.facets.get(f) == v for f, v in chosen)]
    return Counter(d.url for d in in_scope if terms and all(t in plain(d.title + "\n" + d.text) for t in terms))


def search(page, url: str, query: str, filters: dict | None = None, scope: str = "", every: bool = True) -> list[dict]:
    """Search through the form, then read the results (with every=True all of them: the page lists 20 at a time)."""
    page.goto(url + "/search/")
    form = page.locator("#site-search")
    expect(form).to_have_attribute("data-ready", "true", timeout=15000)
    for facet, value in (filters or {}).items():
        form.locator(f"select[data-facet='{facet}']").select_option(value)
    if scope:
        form.locator("#search-scope").select_option(scope)
    page.fill("#search-q", query)
    page.press("#search-q", "Enter")
    expect(page.locator("#search-count")).not_to_have_text("请输入要搜索的词语。")
    expect(form).to_have_attribute("data-state", "done", timeout=15000)
    for _ in range(100 if every else 0):  # a button that never goes away must fail, not hang
        if not page.locator("#search-more").is_visible():
            break
        page.click("#search-more")
        expect(form).to_have_attribute("data-state", "done", timeout=15000)
    else:
        assert not every, "“显示更多结果” is still shown after 100 clicks"
    return page.locator("#search-results li").evaluate_all(READ_RESULTS)


def snippet_of(page, title: str) -> dict:
    """The result titled so, once its snippet (fetched when it scrolls into view) has arrived."""
    item = page.locator("#search-results li", has=page.get_by_role("link", name=title, exact=True)).first
    item.scroll_into_view_if_needed()
    expect(item.locator(".search-result__snippet mark").first).to_be_visible(timeout=15000)
    return next(r for r in page.locator("#search-results li").evaluate_all(READ_RESULTS) if r["title"] == title)


def test_every_labelled_query_finds_exactly_the_pages_containing_it(page, searchable):
    url, docs = searchable
    for labelled in labelled_queries(docs):
        query = labelled["query"]
        results = search(page, url, query)
        assert Counter(r["path"] for r in results) == expected(docs, query), query
        assert {r["hl"] for r in results} <= {query}
        if labelled.get("absent"):
            assert results == []
            expect(page.locator("#search-count")).to_contain_text("没有找到")


def test_a_station_name_lists_its_own_reports_first(page, searchable):
    url, docs = searchable
    for labelled in (q for q in labelled_queries(docs) if q.get("station")):
        own = sorted((d for d in docs if d.kind == "报告" and labelled["query"] in d.title), key=lambda d: d.order, reverse=True)
        paths = [r["path"] for r in search(page, url, labelled["query"])]
        assert paths[: len(own)] == [d.url for d in own], labelled["query"]


def test_reports_come_before_the_standing_text_stations_districts_and_pages(page, searchable):
    url, docs = searchable
    kinds = ("报告", "固定说明", "站点", "区", "页面")
    for query in ("爱心汤", "市桥", "番禺区"):
        shown = [r["path"] for r in search(page, url, query)]
        kind_of = {(d.url, d.kind) for d in docs}
        ranks = [min(kinds.index(k) for u, k in kind_of if u == path and k in kinds) for path in shown]
        assert ranks[0] == 0 and len(set(ranks)) > 1, query  # reports and something else
        assert ranks == sorted(ranks), query


def test_identical_titles_are_told_apart_by_the_line_under_them(page, searchable):
    url, _ = searchable
    results = search(page, url, "爱心汤")
    titles = Counter(r["title"] for r in results)
    assert max(titles.values()) > 1  # a station's several reports share a title
    assert len({(r["title"], r["line"]) for r in results}) == len(results)
    assert all(r["line"] for r in results)


@pytest.mark.parametrize("facet", FILTERS)
def test_each_filter_narrows_the_results(page, searchable, facet):
    url, docs = searchable
    wanted = expected(docs, "困难群众", {facet: FILTERS[facet]})
    assert Counter(r["path"] for r in search(page, url, "困难群众", {facet: FILTERS[facet]})) == wanted
    assert 0 < wanted.total() < expected(docs, "困难群众").total()


def test_maintainers_pages_are_searched_only_in_their_own_scope(page, searchable):
    url, docs = searchable
    maintained = {d.url for d in docs if d.kind == "文档"}
    for query in ("分片", "规则"):
        public = Counter(r["path"] for r in search(page, url, query))
        assert public == expected(docs, query) and not set(public) & maintained, query
        theirs = Counter(r["path"] for r in search(page, url, query, scope="文档"))
        assert theirs == expected(docs, query, scope="文档") and theirs and set(theirs) <= maintained, query


def test_a_result_names_its_section_and_marks_the_words(page, searchable):
    url, _ = searchable
    search(page, url, "东1片区", {"区": "番禺区"}, every=False)
    found = snippet_of(page, f"{STATION}中期评估报告")
    assert found["path"] == SEED_REPORT and found["anchor"]
    assert found["section"].startswith("在“") and found["section"].endswith("”中：")
    assert found["marks"] == ["东1片区"]
    assert found["elements"] == ["span.search-result__section", "mark."]
    assert len(found["snippet"]) > len(found["section"]) + len("东1片区")  # words around the match


@pytest.mark.parametrize(
    ("query", "title"),
    [("东1片区", f"{STATION}中期评估报告"), ("真实诚信原则", "评估办法固定说明：广州市社工站购买服务项目评估 2024（中期）")],
)
def test_the_link_opens_the_page_at_the_section_with_the_words_marked(page, searchable, query, title):
    url, _ = searchable
    search(page, url, query, every=False)
    found = snippet_of(page, title)
    page.locator("#search-results a", has_text=title).first.click()
    page.wait_for_load_state("load")
    assert unquote(urlparse(page.url).path) == "/" + found["path"] and unquote(urlparse(page.url).fragment) == found["anchor"]
    heading = page.locator(f"[id='{found['anchor']}']")
    expect(heading).to_have_count(1)
    shown = heading.evaluate("h => h.textContent.replace(/¶$/, '').trim()")
    assert found["section"] == f"在“{shown}”中："
    arrived = page.locator("mark.search-arrival").first
    expect(arrived).to_have_text(query)
    expect(arrived).to_be_in_viewport()
    assert heading.evaluate("(h, m) => !!(h.compareDocumentPosition(m) & Node.DOCUMENT_POSITION_FOLLOWING)", arrived.element_handle())
    page.screenshot(path=str(ARTIFACTS / f"search-arrival-{query}.png"))


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 900)])
def test_results_with_their_snippets_fit_the_screen(page, searchable, width, height):
    url, _ = searchable
    page.set_viewport_size({"width": width, "height": height})
    first = search(page, url, "爱心汤", every=False)[0]
    snippet_of(page, first["title"])
    page.evaluate("window.scrollTo(0, 0)")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width
    page.screenshot(path=str(ARTIFACTS / f"search-results-{width}.png"))


def test_without_decompression_stream_the_uncompressed_files_are_searched_with_no_error(page, searchable):
    url, docs = searchable
    page.add_init_script("delete window.DecompressionStream")
    fetched: list[str] = []
    page.on("request", lambda request: "/search/" in request.url and fetched.append(urlparse(request.url).path))
    results = search(page, url, "爱心汤 西片区")
    assert Counter(r["path"] for r in results) == expected(docs, "爱心汤 西片区")
    snippet_of(page, results[0]["title"])
    files = [path.split("/search/", 1)[1] for path in fetched if path.endswith(".bin")]
    assert files and all(f.startswith("r/") for f in files)
    assert {"r/docs.bin"} < set(files) and any(f.startswith("r/x/") for f in files)
    expect(page.locator("#search-count")).to_have_text(f"找到 {len(results)} 个结果。")


def test_the_header_box_on_a_report_leads_to_the_results(page, searchable):
    url, _ = searchable
    page.goto(url + "/" + SEED_REPORT)
    page.get_by_label("搜索", exact=True).fill("市桥街东西片")  # among 200 other reports, its name puts it first
    page.get_by_label("搜索", exact=True).press("Enter")
    result = page.locator("#search-results li", has_text=STATION).first
    expect(result).to_be_visible(timeout=15000)
    expect(result).to_contain_text("番禺区 · 2024-2025 · 中期 · 等级 良好")
    result.locator("a").click()
    expect(page.locator("h1")).to_contain_text(f"{STATION}中期评估报告")
