"""The search index (site_builder/site/search_index.py) against plain substring search, on the 市桥 record and 200
synthetic reports: every document with the query is found and no other, absent words find nothing, a station's
own reports come first for its name, facets filter, and the bytes do not depend on how the work was split.

tests/search_client.py reads the files exactly as search.js does; the browser itself is in test_search_browser.py.
"""

from __future__ import annotations

import pickle
import re
import shutil
import sys
import unicodedata
from pathlib import Path

import pytest
import yaml
from search_client import LocalIndex, cold_search_bytes
from search_site import build_site_with_search, project_docs
from site_harness import ROOT, SEED_REPO

from site_builder.records.project import load_project
from site_builder.site.pages import urls
from site_builder.site.search_index import SearchDoc, SearchIndexBuilder, html_sections, normalise, query_terms, report_search_doc

sys.path.insert(0, str(ROOT / "bench"))
import synthetic  # noqa: E402

LABELLED = yaml.safe_load((ROOT / "tests" / "search_queries.yaml").read_text(encoding="utf-8"))
FILTERS = {"区": "番禺区", "服务年度": "2024-2025", "阶段": "中期", "等级": "良好"}


def plain(text: str) -> str:
    """The oracle's normal form, written independently of the index: NFKC, lower case, non-word characters → space."""
    return " " + re.sub(r"[\W_]+", " ", unicodedata.normalize("NFKC", text).lower()) + " "


def expected(docs: list[SearchDoc], query: str) -> set[str]:
    terms = plain(query).split()
    texts = [plain(d.title + "\n" + d.text) for d in docs]
    return {d.url for d, text in zip(docs, texts) if terms and all(t in text for t in terms)}


def corpus_repo(root: Path, reports: int = 200) -> Path:
    synthetic.generate(root, reports, source=SEED_REPO)
    shutil.copytree(SEED_REPO / "stations", root / "stations", dirs_exist_ok=True)
    return root


def labelled_queries(docs: list[SearchDoc]) -> list[dict]:
    stations = sorted({d.title.removesuffix("中期评估报告").removesuffix("末期评估报告") for d in docs if d.title.startswith("示例")})
    picked = stations[:: max(1, len(stations) // LABELLED["corpus_stations"])][: LABELLED["corpus_stations"]]
    return LABELLED["queries"] + [{"query": name, "station": True} for name in picked]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    repo = corpus_repo(tmp_path_factory.mktemp("corpus"))
    project = load_project(repo)
    assert not project.errors
    docs = [report_search_doc(r, project.results[r.key], urls.url_dir(urls.report(r)) + "/") for r in project.records]
    site = tmp_path_factory.mktemp("site")
    builder = SearchIndexBuilder()
    for doc in docs:
        builder.add(doc)
    builder.write(site)
    return docs, site


def found(index: LocalIndex, docs: list[SearchDoc], query: str, filters=None) -> list[str]:
    return [docs[d].url for d in index.search(query, filters)]


def test_the_labelled_set_has_at_least_30_queries_with_absent_ones(corpus):
    queries = labelled_queries(corpus[0])
    assert len(queries) >= 30
    assert sum(1 for q in queries if q.get("absent")) >= 5


def test_every_document_with_the_query_is_found_and_no_other(corpus):
    docs, site = corpus
    index = LocalIndex(site)
    for labelled in labelled_queries(docs):
        query = labelled["query"]
        assert set(found(index, docs, query)) == expected(docs, query), query


def test_absent_words_find_nothing_and_are_truly_absent(corpus):
    docs, site = corpus
    index = LocalIndex(site)
    for labelled in (q for q in labelled_queries(docs) if q.get("absent")):
        assert expected(docs, labelled["query"]) == set(), f"{labelled['query']} occurs in the corpus: fix the label"
        assert found(index, docs, labelled["query"]) == []


def test_marked_project_is_found_in_exactly_the_marked_records_and_the_seed(corpus):
    docs, site = corpus
    assert len(found(LocalIndex(site), docs, "爱心汤")) == 200 * synthetic.MARKED_SHARE + 1


def test_a_station_name_lists_its_own_reports_first_newest_first(corpus):
    docs, site = corpus
    index = LocalIndex(site)
    for labelled in (q for q in labelled_queries(docs) if q.get("station")):
        name = labelled["query"]
        own = [d for d in docs if d.title.startswith(name) or name in d.title]
        results = found(index, docs, name)
        newest_first = [d.url for d in sorted(own, key=lambda d: d.order, reverse=True)]
        assert results[: len(own)] == newest_first, name


@pytest.mark.parametrize("facet", FILTERS)
def test_each_facet_filters_the_results(corpus, facet):
    docs, site = corpus
    index = LocalIndex(site)
    value = FILTERS[facet]
    for query in ("社工", "爱心汤", "困难群众"):
        wanted = {d.url for d in docs if d.facets[facet] == value} & expected(docs, query)
        assert set(found(index, docs, query, {facet: value})) == wanted
    assert found(index, docs, "市桥街东西片社工服务站", FILTERS)[0] == "reports/panyu/shiqiao-dongxi/2024-2025-中期/"


def files_of(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted((site / "search").rglob("*")) if p.is_file()}


def test_two_merged_builders_write_the_same_bytes_as_one(corpus, tmp_path):
    docs, site = corpus
    first, second = SearchIndexBuilder(), SearchIndexBuilder()
    for doc in docs[:77]:
        first.add(doc)
    for doc in docs[77:]:
        second.add(doc)
    first.merge(pickle.loads(pickle.dumps(second)))  # as from a worker process
    first.write(tmp_path)
    assert files_of(tmp_path) == files_of(site)


def test_the_same_documents_write_the_same_bytes(corpus, tmp_path):
    docs, site = corpus
    builder = SearchIndexBuilder()
    for doc in docs:
        builder.add(doc)
    stats = builder.write(tmp_path)
    assert files_of(tmp_path) == files_of(site)
    assert stats["docs"] == len(docs) and stats["files"] == len(files_of(site))


def test_normal_form_ignores_width_case_and_punctuation():
    assert normalise("ＡＢＣ，爱心汤！abc_1") == "abc 爱心汤 abc 1"


def test_a_query_spanning_two_fields_or_a_separator_is_not_found(tmp_path):
    builder = SearchIndexBuilder()
    builder.add(SearchDoc("a/", "爱心", "汤圆，阳光\n同行", "页面"))
    builder.write(tmp_path)
    index = LocalIndex(tmp_path)
    assert index.search("爱心汤") == [] and index.search("阳光同行") == []
    assert index.search("阳光 同行") == [0] and index.search("汤") == [0] and index.search("汤圆") == [0]


def test_a_cold_search_fetches_little(corpus):
    docs, site = corpus
    assert cold_search_bytes(site, "爱心汤") < 40_000


# --- the 市桥 report as built: what a reader sees on it finds it ------------------------------------------------------

SEED_URL = "reports/panyu/shiqiao-dongxi/2024-2025-中期/"
SEEN_ON_THE_REPORT = ["双百工程", "真实诚信原则", "东1片区", "一票否决", "评估依据", "结语", "15.09", "89.76", "东一片区", "网站核对与说明"]


@pytest.fixture(scope="module")
def seed_site(tmp_path_factory):
    repo = tmp_path_factory.mktemp("seed")
    site = build_site_with_search(repo)
    return project_docs(repo, site)[1], site


def found_pages(index: LocalIndex, query: str, scope: str = "") -> set[tuple[str, str]]:
    """(URL, kind) of every result, read from the index's own files."""
    results = index.search(query, scope=scope)
    return {(row[0], index.meta["kinds"][index.kind[d]]) for d, row in zip(results, index.titles(results))}


def leads_to_the_report(index: LocalIndex, query: str) -> bool:
    """The report is among the results, or the standing text it carries is (whose link is this report's section)."""
    return bool(found_pages(index, query) & {(SEED_URL, "报告"), (SEED_URL, "固定说明")})


def doc_of(index: LocalIndex, url: str, kind: str) -> int:
    return next(d for d in range(index.meta["docs"]) if index.titles([d])[0][0] == url and index.meta["kinds"][index.kind[d]] == kind)


@pytest.mark.slow
def test_words_seen_on_the_report_find_it(seed_site):
    docs, site = seed_site
    index = LocalIndex(site)
    for query in SEEN_ON_THE_REPORT:
        assert leads_to_the_report(index, query), query
        public = {(d.url, d.kind) for d in docs if d.kind != "文档" and expected([d], query)}
        assert found_pages(index, query) == public, query


@pytest.mark.slow
@pytest.mark.parametrize("length", [2, 4, 9])
def test_every_phrase_sampled_from_the_report_finds_it(seed_site, length):
    """Phrases of `length` characters from every line of text a reader sees on the page, outside the navigation."""
    _, site = seed_site
    index = LocalIndex(site)
    own, standing = html_sections((site / SEED_URL / "index.html").read_text(encoding="utf-8"))
    standing_lines = {line for s in standing for line in s.text.split("\n")}
    lines = [line for s in own + standing for line in (s.heading, *s.text.split("\n")) if len(line) >= length]
    sampled = 0
    for line in lines:
        if line in standing_lines and "市桥街东西片社工" in line:
            continue  # in the standing text the station's names are the placeholders'; the names find the report
        for start in range(0, len(line) - length + 1, max(1, len(line) // 3)):
            phrase = line[start : start + length]
            if query_terms(phrase):
                assert leads_to_the_report(index, phrase), phrase
                sampled += 1
    assert sampled > 300


@pytest.mark.slow
def test_a_result_names_its_section_and_the_standing_text_is_one_result(seed_site):
    _, site = seed_site
    index = LocalIndex(site)
    assert found_pages(index, "真实诚信原则") == {(SEED_URL, "固定说明")}
    standing = doc_of(index, SEED_URL, "固定说明")
    assert any("真实诚信原则" in text and heading == "（二）评估原则" for _, heading, text in index.sections(standing))
    report = doc_of(index, SEED_URL, "报告")
    assert any("东1片区" in text and heading == "四、评估等级" for _, heading, text in index.sections(report))
    assert {kind for _, kind in found_pages(index, "规则语言")} <= {"报告", "页面", "站点", "区", "固定说明"}
    assert {kind for _, kind in found_pages(index, "规则语言", scope="文档")} == {"文档"}
