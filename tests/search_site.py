"""A site with the search index in it, for the search tests: a real build, then the index if the build has none.

Until the renderer writes search/ during the build (site_builder/search_index.py's interface), this writes it
from the project the same way: report_search_doc for every record, page_search_doc for every other page.
"""

from __future__ import annotations

import re
from pathlib import Path

from browser import build_site
from site_builder.pages import urls
from site_builder.project import load_project
from site_builder.search_index import SearchIndexBuilder, page_search_doc, report_search_doc

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
        if url in reports or url.startswith(("search/", "assets/")):
            continue
        html = page.read_text(encoding="utf-8")
        title = re.sub(r"<[^>]+>", "", (_H1.search(html) or [None, url])[1]).strip()
        docs.append(page_search_doc(url, title, html))
    return project, docs


def build_site_with_search(repo: Path) -> Path:
    site = build_site(repo)
    if not (site / "search" / "meta.json").exists():
        builder = SearchIndexBuilder()
        for doc in project_docs(repo, site)[1]:
            builder.add(doc)
        builder.write(site)
    return site
