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
from site_builder.site.search_index import page_search_doc, report_search_doc

_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)


def report_url(record) -> str:
    return urls.url_dir(urls.report(record)) + "/"


def project_docs(repo: Path, site: Path):
    project = load_project(repo)
    docs = [report_search_doc(r, project.results[r.key], report_url(r)) for r in project.records]
    reports = {d.url for d in docs}
    for page in sorted(site.rglob("index.html")):
        url = page.parent.relative_to(site).as_posix() + "/"
        url = "" if url == "./" else url
        if url in reports or url.startswith(UNSEARCHED + ("search/", "assets/")):
            continue
        html = page.read_text(encoding="utf-8")
        title = re.sub(r"<[^>]+>", "", (_H1.search(html) or [None, url])[1]).strip()
        docs.append(page_search_doc(url, title, html))
    return project, docs


def build_site_with_search(repo: Path) -> Path:
    return with_search_index(build_site(repo))


def with_search_index(site: Path) -> Path:
    assert (site / "search" / "meta.json").exists(), "the build wrote no search index"
    return site
