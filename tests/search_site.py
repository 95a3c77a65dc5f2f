"""The search tests' site and what its index should hold.

The build writes the index (plugin.py: reports from the rendering workers, other pages from MkDocs' loop).
project_docs rebuilds the same documents from the project and the written pages, so that the tests can
work out every query's expected results by plain substring search, independently of the index.
"""

from __future__ import annotations

import re
from pathlib import Path

from site_harness import build_site

from site_builder.records.project import load_project
from site_builder.site.pages import urls
from site_builder.site.plugin import UNSEARCHED
from site_builder.site.search_index import SearchDoc, page_heading, page_search_doc, report_search_doc, sections_text

_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)
_NESTED_NAV = re.compile(r"^ {6}- [^:]+: (\S+)\.md$", re.M)  # mkdocs.yml: a page inside a navigation section


def report_url(record) -> str:
    return urls.url_dir(urls.report(record)) + "/"


def maintainer_urls(repo: Path) -> set[str]:
    """The pages inside a navigation section (参与贡献), read from mkdocs.yml's text: searched only in their scope."""
    return {path + "/" for path in _NESTED_NAV.findall((repo / "mkdocs.yml").read_text(encoding="utf-8"))}


def page_kind(url: str, maintained: set[str]) -> str:
    if url.startswith("stations/"):
        return "站点"
    if url.startswith("districts/"):
        return "区"
    return "文档" if url in maintained else "页面"


def project_docs(repo: Path, site: Path):
    """Every searchable document: reports as built (their standing text apart, once per rule set), station and
    district pages, the other pages with their kind."""
    project = load_project(repo)
    docs = [report_search_doc(r, project.results[r.key], report_url(r), html_of(site, report_url(r))) for r in project.records]
    reports = {d.url for d in docs}
    maintained = maintainer_urls(repo)
    for page in sorted(site.rglob("index.html")):
        url = page.parent.relative_to(site).as_posix() + "/"
        url = "" if url == "./" else url
        if url in reports or url.startswith(("reports/", "districts/index", "search/", "assets/")) or url + "index.md" in UNSEARCHED:
            continue
        html = page.read_text(encoding="utf-8")
        kind = page_kind(url, maintained)
        title = page_heading(html) if kind == "站点" else re.sub(r"<[^>]+>", "", (_H1.search(html) or [None, url])[1]).strip()
        docs.append(page_search_doc(url, title, html, kind))
    return project, docs + standing_docs(docs)


def standing_docs(docs: list[SearchDoc]) -> list[SearchDoc]:
    """One document per standing text the reports carry, linked to the first report carrying it."""
    first: dict[tuple, SearchDoc] = {}
    for doc in docs:
        if doc.standing is not None:
            key = (doc.standing.title, doc.standing.sections)
            if key not in first:
                sections = doc.standing.sections
                first[key] = SearchDoc(doc.url, doc.standing.title, sections_text(sections), "固定说明", doc.standing.facets, "", sections)
    return list(first.values())


def html_of(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


def build_site_with_search(repo: Path) -> Path:
    return with_search_index(build_site(repo))


def with_search_index(site: Path) -> Path:
    assert (site / "search" / "meta.json").exists(), "the build wrote no search index"
    return site
