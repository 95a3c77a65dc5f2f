"""The pages there is one of per report and per station, rendered outside MkDocs' page loop, on every core.

Why: MkDocs renders pages one after another in one process, and at 10,000 reports these pages are almost
the whole build. The plugin registers them with MkDocs as excluded files, so that links to them resolve
and are checked, and hands them to this module. It renders each through MkDocs' own steps (the plugin
events, Markdown, the theme's template) in worker processes forked once the navigation is known, while
MkDocs builds the other pages. A page whose inputs have not changed comes from the page cache.

What the workers log at warning level is replayed in the main process, where `mkdocs build --strict`
counts it, so a broken link on a report page still fails the build.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from mkdocs.commands.build import _populate_page, get_context
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.utils import write_file

from ..records.jobs import LOST, WorkerLost, WorkerPool, workers
from .assembly import BulkPages
from .page_cache import (
    Entry,
    LinkLookups,
    LinkTargets,
    PageCache,
    page_key,
    site_fingerprint,
)
from .pages import urls
from .provenance import Provenance
from .search_index import SearchDoc, SearchIndexBuilder, page_heading, page_search_doc, report_search_doc

PAGES_PER_TASK = 50
_active: BulkRenderer | None = None  # what forked workers render; set just before the fork


def bulk_files(config, pages: BulkPages) -> list[File]:
    """The bulk pages as MkDocs files: known to links and URLs, but not rendered by MkDocs."""
    quiet_about_bulk_links()
    return [File.generated(config, src, content="", inclusion=InclusionLevel.EXCLUDED) for src in pages.sources]


class QuietAboutBulkLinks(logging.Filter):
    """MkDocs notes, for every link to a bulk page, that the page is "excluded from the built site": here it is
    not excluded, only rendered by us, and ten thousand such notes would bury everything else in the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno <= logging.INFO and "which is excluded from the built site" in record.getMessage())


def quiet_about_bulk_links() -> None:
    logger = logging.getLogger("mkdocs.structure.pages")
    if not any(isinstance(f, QuietAboutBulkLinks) for f in logger.filters):
        logger.addFilter(QuietAboutBulkLinks())


def with_pages(files: list[File], config) -> list[File]:
    """The bulk files with the Page objects that a template listing them (the sitemap) reads URLs from."""
    for file in files:
        if file.page is None:
            Page(None, file, config)
    return files


@dataclass
class RenderedBatch:
    """What rendering some pages gives back to the main process."""

    keys: set[str] = field(default_factory=set)
    warnings: list[tuple[str, int, str]] = field(default_factory=list)
    rendered: int = 0
    from_cache: int = 0
    search: SearchIndexBuilder = field(default_factory=SearchIndexBuilder)  # the report pages, in page order

    def add(self, other: RenderedBatch) -> None:
        self.keys |= other.keys
        self.warnings += other.warnings
        self.rendered += other.rendered
        self.from_cache += other.from_cache
        self.search.merge(other.search)


class BulkRenderer:
    def __init__(self, config, files: Files, nav, env, pages: BulkPages, provenance: Provenance, cache: PageCache, mode: str = "build"):
        self.config, self.files, self.nav, self.env = config, files, nav, env
        self.pages, self.provenance, self.cache = pages, provenance, cache
        self.doc_files = files.documentation_pages()
        self.fingerprint = site_fingerprint(config, nav, mode)
        cache.use(self.fingerprint)
        self.link_targets = LinkTargets(files)  # what cached pages' links must still find

    def page_html(self, index: int, outcome: RenderedBatch) -> tuple[str, str]:
        src = self.pages.sources[index]
        markdown = self.pages.markdown(index)
        key = page_key(self.fingerprint, src, markdown)
        outcome.keys.add(key)
        entry = self.cache.get(key)
        if entry is not None and entry.links_lead_as_before(self.link_targets):
            replay(entry.warnings)  # logged as rendering logged them: counted by --strict, passed on from a worker
            outcome.from_cache += 1
        else:
            entry = self.rendered(key, src, markdown)
            outcome.rendered += 1
        return src, self.provenance.filled(entry.html)

    def rendered(self, key: str, src: str, markdown: str) -> Entry:
        """Render a page and keep it, with what a cached copy must say again (its warnings) and check (its links)."""
        warnings: list[tuple[str, int, str]] = []
        links = LinkLookups(self.files)
        with WarningsKept(warnings):
            html = self.themed(self.bulk_file(src), markdown, cast(Files, links))  # LinkLookups passes for the Files
        entry = Entry(html, warnings, links.found)
        if links.complete:
            self.cache.put(key, entry)
        return entry

    def bulk_file(self, src: str) -> File:
        file = self.files.get_file_from_path(src)
        assert file is not None  # the plugin's on_files added every report and station page to the site's files
        return file

    def themed(self, file: File, markdown: str, files: Files) -> str:
        """The page as MkDocs would write it: plugin events, Markdown, then the theme's template."""
        file.content_string = markdown
        # MkDocs checks links less strictly on excluded pages; while rendering, the page is an ordinary one.
        file.inclusion = InclusionLevel.NOT_IN_NAV
        page = file.page or Page(None, file, self.config)
        try:
            _populate_page(page, self.config, files)
            page.active = True
            context = get_context(self.nav, self.doc_files, self.config, page)
            template = self.env.get_template(page.meta.get("template", "main.html"))
            context = self.config.plugins.on_page_context(context, page=page, config=self.config, nav=self.nav)
            output = self.config.plugins.on_post_page(template.render(context), page=page, config=self.config)
        finally:
            page.active, page.content, page.markdown, file.content_string = False, None, None, ""  # keep memory flat
            file.inclusion = InclusionLevel.EXCLUDED
        return output

    def render(self, indices) -> RenderedBatch:
        outcome = RenderedBatch()
        for index in indices:
            src, html = self.page_html(index, outcome)
            write_file(html.encode("utf-8", errors="xmlcharrefreplace"), self.bulk_file(src).abs_dest_path)
            outcome.search.add(self.search_doc(index, src, html))
        return outcome

    def search_doc(self, index: int, src: str, html: str) -> SearchDoc:
        """A report as a reader sees it (its standing text apart), or a station page."""
        row = self.pages.evaluated(index)
        if row is not None:
            return report_search_doc(row.record, row.result, search_url(src), html)
        return page_search_doc(search_url(src), page_heading(html), html, "站点")


class WarningsKept(logging.Handler):
    """Collects what is logged at warning level or above while rendering: to replay in the main process what a
    worker logged, and to keep with a page in the cache what rendering it logged."""

    def __init__(self, kept: list):
        super().__init__(logging.WARNING)
        self.kept = kept

    def emit(self, record: logging.LogRecord) -> None:
        self.kept.append((record.name, record.levelno, record.getMessage()))

    # MkDocs counts warnings for --strict on its own logger, which need not pass them on to the root logger.
    def __enter__(self):
        logging.getLogger("mkdocs").addHandler(self)
        return self

    def __exit__(self, *exc) -> None:
        logging.getLogger("mkdocs").removeHandler(self)


def replay(warnings: list[tuple[str, int, str]]) -> None:
    for name, level, message in warnings:
        logging.getLogger(name).log(level, message)


def _render_task(indices: list[int]) -> RenderedBatch:
    """In a worker process: render some pages, keeping what is logged for the main process to replay."""
    assert _active is not None
    warnings: list = []
    with WarningsKept(warnings):
        outcome = _active.render(indices)
    outcome.warnings = warnings
    return outcome


class Rendering:
    """Bulk pages being rendered in worker processes while MkDocs goes on with its own pages."""

    def __init__(self, renderer: BulkRenderer, districts: set[str] | None = None):
        global _active
        _active = renderer
        self.renderer, self.complete = renderer, districts is None
        chosen = renderer.pages.indices_in(districts)
        tasks = [chosen[start : start + PAGES_PER_TASK] for start in range(0, len(chosen), PAGES_PER_TASK)]
        if workers() == 1 or len(tasks) <= 1:
            self.pool, self.done = None, [renderer.render(task) for task in tasks]
        else:
            # Forked: the workers share the parent's objects (share_memory freezes the collector meanwhile). A worker
            # killed (say, out of memory) fails the build with a Chinese message instead of leaving it waiting forever.
            self.pool = WorkerPool(workers(), start="fork", share_memory=True)
            self.pending = [self.pool.submit(_render_task, task) for task in tasks]

    def wait(self) -> RenderedBatch:
        """Every page written; the workers' warnings replayed here, where strict mode counts them."""
        if self.pool is None:
            results = self.done
        else:
            with self.pool:
                try:
                    results = self.pool.results(self.pending)
                except WorkerLost:
                    raise PluginError(f"渲染报告页的{LOST}，网站未生成。可用 SITE_BUILDER_JOBS=1 在单个进程中渲染。") from None
        outcome = RenderedBatch()
        for result in results:
            outcome.add(result)
        replay(outcome.warnings)  # empty when rendered in this process: those were logged as they happened
        if not self.complete:  # a shard's build, or the merge: the search index still covers every report
            outcome.search = report_search(self.renderer)
        return outcome

    def stop(self) -> None:
        """The build failed elsewhere: end the workers now (plugin.on_build_error)."""
        if self.pool is not None:
            self.pool.stop()


def report_search(renderer: BulkRenderer) -> SearchIndexBuilder:
    """Every report in the index, in page order, as the workers would have added them."""
    search = SearchIndexBuilder()
    for row, src in zip(renderer.pages.rows, renderer.pages.sources):
        search.add(report_search_doc(row.record, row.result, search_url(src)))
    return search


def search_from_pages(renderer: BulkRenderer, site_dir: Path) -> SearchIndexBuilder:
    """Every report and station page in the index as the written pages show them, in page order, as the workers
    would have added them: for a merged site, whose pages came from the shards (shards.py)."""
    search = SearchIndexBuilder()
    for index, src in enumerate(renderer.pages.sources):
        html = (site_dir / renderer.bulk_file(src).dest_uri).read_text(encoding="utf-8")
        search.add(renderer.search_doc(index, src, html))
    return search


def search_url(src: str) -> str:
    """A report's URL as the search results link it: readable, not percent-encoded (the browser encodes it)."""
    return urls.url_dir(src) + "/"
