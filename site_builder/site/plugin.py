"""Thin MkDocs glue: check rules and records before the build, generate pages in memory, hand report and station
pages to the renderer (render.py), write the search index, watch the data."""

from __future__ import annotations

import html
import logging
import os
import re
from pathlib import Path

from mkdocs.config import base, config_options
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from ..errors import Problems, SiteBuilderError
from ..records.project import Project, load_project
from ..records.schema_doc import field_reference
from ..records.source_files import RULES_DIR, STATIONS_DIR
from . import pdf, word_export
from .assembly import BulkPages, generated_pages
from .page_cache import PageCache
from .pages import urls
from .pages.downloads import PDF, WORD
from .pages.listings import home_summary
from .pages.publisher import Publisher, footer_html, home_section
from .provenance import Provenance, read_provenance
from .render import BulkRenderer, Rendering, bulk_files, search_from_pages, with_pages
from .search_index import SearchIndexBuilder, page_search_doc

HOME_MARKER = "<!-- site-builder: 首页统计 -->"
REPOSITORY_MARKER = "<!-- site-builder: 仓库地址 -->"  # docs/contribute.md: how to clone the repository
THEME_DIR = Path(__file__).parent / "theme"  # the footer (partials/copyright.html) and the Chinese 404 page
# Listings repeat what the reports say; searching them would put every listing beside every report.
# (These are source paths and, being folders, also the start of the pages' URLs. The search page has no content.
# Reports and station pages are indexed where they are rendered, in render.py; district pages here.)
UNSEARCHED = ("reports/", "districts/index.md", "stations/", "search.md")


class SiteBuilderConfig(base.Config):
    root = config_options.Type(str, default=".")
    pdf = config_options.Type(bool, default=False)  # a PDF beside every report page (site_builder/pdf.py)
    docx = config_options.Type(bool, default=False)  # a Word document beside every report page (site/word_export.py)


class SiteBuilderPlugin(BasePlugin[SiteBuilderConfig]):
    project: Project | None = None
    provenance: Provenance = Provenance()
    publisher: Publisher = Publisher()
    bulk: BulkPages | None = None
    bulk_files: list[File] = []
    nav = None
    rendering: Rendering | None = None
    renderer: BulkRenderer | None = None  # kept after the build, for the preview's quick updates
    page_search: SearchIndexBuilder | None = None  # the pages MkDocs renders itself
    command = "build"  # how MkDocs started the plugins (build, serve): part of the page cache's key
    # Whose report and station pages this build renders (shards.py): None for every district, an empty set for none.
    # Set by publish.build_into, not a config option: a shard's pages are the same pages, so the page cache is shared.
    districts: set[str] | None = None

    def root(self, config) -> Path:
        return (Path(config.config_file_path).parent / self.config.root).resolve()

    def on_startup(self, *, command, dirty: bool) -> None:
        self.command = command

    def on_config(self, config):
        # The effective choice, with SITE_BUILDER_PDF: the page cache keys pages on the configuration (report pages
        # link their PDF only when PDFs are made); the same for the Word documents.
        self.config.pdf = PDF.wanted(self.config.pdf)
        self.config.docx = WORD.wanted(self.config.docx)
        self.provenance = read_provenance(self.root(config), config.repo_url)
        if self.provenance.commit_time and "SOURCE_DATE_EPOCH" not in os.environ:
            # Same commit, same bytes: the sitemap's dates come from the commit, not from the clock.
            os.environ["SOURCE_DATE_EPOCH"] = str(self.provenance.commit_time)
        if self.provenance.uncommitted:  # every page's footer says so, not only the reports' provenance note
            notice = f"本网站由含未提交改动的工作区生成（{len(self.provenance.uncommitted)} 个规则或记录文件），不是正式发布的版本。"
            config.copyright = f"{notice} {config.copyright}" if config.copyright else notice
        self.publisher = Publisher.from_extra(config.extra)
        config.extra["site_builder_footer"] = footer_html(self.publisher)
        # Ours after a custom_dir, which the site may use to override anything, and before the theme's own templates.
        config.theme.dirs.insert(1 if config.theme.custom_dir else 0, str(THEME_DIR))
        return config

    def on_pre_build(self, config) -> None:
        project = load_project(self.root(config))
        if project.errors:
            # The same Chinese file:line:col messages as `site-builder check`; nothing is published.
            raise PluginError("站点记录或规则有错误，网站未生成：\n\n" + Problems(project.errors).format())
        self.project = project
        self.bulk = BulkPages(project, self.provenance, self.publisher)

    def on_files(self, files: Files, config) -> Files:
        assert self.project is not None and self.bulk is not None  # on_pre_build, which MkDocs calls first, set them
        generated = generated_pages(self.project, self.bulk.rows, self.publisher, config.site_url)
        pages = {"reference/record-fields.md": field_reference(), **generated}
        for src_uri, content in pages.items():
            files.append(File.generated(config, src_uri, content=content))
        self.bulk_files = bulk_files(config, self.bulk)
        for file in self.bulk_files:
            files.append(file)
        return files

    def on_nav(self, nav, config, files):
        self.nav, self.page_search = nav, SearchIndexBuilder()
        return nav

    def on_env(self, env, config, files):
        # Report and station pages render in worker processes from here on, beside MkDocs' own pages.
        cache = PageCache(self.root(config))
        assert self.bulk is not None  # set by on_pre_build, which MkDocs calls before on_env
        renderer = BulkRenderer(config, files, self.nav, env, self.bulk, self.provenance, cache, self.command)
        self.rendering = Rendering(renderer, self.districts)
        return env

    def render_again(self, project: Project, bulk: BulkPages, indices: list[int]) -> None:
        """The preview's quick update: the reloaded project's pages at these indices, through the last build's renderer."""
        assert self.renderer is not None  # a build has run: the preview asks only after one
        self.project, self.bulk, self.renderer.pages = project, bulk, bulk
        self.renderer.render(indices)

    def on_page_markdown(self, markdown: str, page, config, files) -> str:
        for download, option in ((PDF, self.config.pdf), (WORD, self.config.docx)):
            if download.marker in markdown:
                markdown = download.fill_marker(markdown, page.file.src_uri, download.wanted(option))
        if REPOSITORY_MARKER in markdown:
            markdown = markdown.replace(REPOSITORY_MARKER, clone_command(config.repo_url))
        if HOME_MARKER in markdown:
            assert self.project is not None and self.bulk is not None  # on_pre_build, which MkDocs calls first, set them
            summary = home_summary(self.bulk.rows, self.project.rulesets)
            return markdown.replace(HOME_MARKER, f"{summary}\n\n{home_section(self.publisher)}")
        return markdown

    def on_page_content(self, html: str, page, config, files) -> str:
        if not page.file.src_uri.startswith(UNSEARCHED):
            assert self.page_search is not None  # set by on_nav, which MkDocs calls before any page event
            self.page_search.add(page_search_doc(page.url, page.title or "", html, search_kind(page)))
        return html

    def on_page_context(self, context, page, config, nav):
        # The theme prints the title raw in the header and through `striptags` in <title>, and striptags decodes
        # character references: a title from a record must reach both as escaped plain text.
        if page.title and not page.is_homepage:
            page.meta["title"] = escaped_title(page.title)
        return context

    def on_post_page(self, output: str, page, config) -> str:
        # Report and station pages get the build's commit and date after the page cache (render.py), so that a
        # cached page holds from one commit to the next; every other page here.
        if self.bulk is not None and page.file.src_uri in self.bulk.source_set:
            return output
        return self.provenance.filled(output)

    def on_post_template(self, output_content: str, template_name: str, config) -> str:
        return self.provenance.filled(output_content)  # 404.html has the footer too

    def on_template_context(self, context, template_name: str, config):
        if template_name == "sitemap.xml":  # MkDocs lists only the pages it renders itself
            context["pages"] = list(context["pages"]) + with_pages(self.bulk_files, config)
        return context

    def on_post_build(self, config) -> None:
        if self.rendering is not None:
            rendering, self.rendering = self.rendering, None
            outcome = rendering.wait()
            self.renderer = rendering.renderer
            if rendering.complete:  # a shard's build uses only part of the cache and must not empty the rest
                rendering.renderer.cache.keep_only(outcome.keys)
            assert self.page_search is not None  # set by on_nav, which MkDocs called before on_env started the rendering
            outcome.search.merge(self.page_search)
            outcome.search.write(Path(config.site_dir))
            logging.getLogger("mkdocs.plugins.site_builder").info(
                f"报告与站点页面 {outcome.rendered + outcome.from_cache} 个（新渲染 {outcome.rendered}，取自缓存 {outcome.from_cache}）"
            )
        if self.project is not None and PDF.wanted(self.config.pdf):
            self.write_pdfs(config, self.project)
        if self.project is not None and WORD.wanted(self.config.docx):
            written = word_export.write_reports(Path(config.site_dir), self.project)
            logging.getLogger("mkdocs.plugins.site_builder").info(f"已生成 {written} 份报告的 Word 文档")

    def write_pdfs(self, config, project: Project) -> None:
        try:
            timing = pdf.render_reports(Path(config.site_dir), [urls.report(r) for r in project.records], site_url=config.site_url)
        except SiteBuilderError as error:
            raise PluginError(error.format()) from None
        logging.getLogger("mkdocs.plugins.site_builder").info(timing.summary())

    def write_search_from_pages(self, site_dir: Path) -> None:
        """The search index again, from the report and station pages now in site_dir (a merge: shards.py)."""
        assert self.renderer is not None and self.page_search is not None  # a build has run
        search = search_from_pages(self.renderer, site_dir)
        search.merge(self.page_search)
        search.write(site_dir)

    def on_build_error(self, error) -> None:
        # The render workers were forked in on_env and are collected in on_post_build, which a failed build never
        # reaches: stop them and thaw the garbage collector here, or `mkdocs serve` gathers both with every failure.
        if self.rendering is not None:
            rendering, self.rendering = self.rendering, None
            rendering.stop()

    def on_serve(self, server, config, builder):
        for folder in (RULES_DIR, STATIONS_DIR):
            server.watch(str(self.root(config) / folder))
        return server


def plugin_of(config) -> SiteBuilderPlugin:
    """The site-builder plugin of a loaded MkDocs configuration."""
    plugin = config.plugins["site-builder"]
    assert isinstance(plugin, SiteBuilderPlugin)  # the site-builder entry point that mkdocs.yml names is this class
    return plugin


def clone_command(repo_url: str | None) -> str:
    """How to get the repository, for docs/contribute.md: its address when mkdocs.yml names one (repo_url)."""
    if repo_url:
        return f"```bash\ngit clone {repo_url}\n```"
    return (
        "```bash\ngit clone <仓库地址>\n```\n\n"
        "本网站的 `mkdocs.yml` 还没有写仓库地址（`repo_url`），请向发布单位（见页面底部的联系方式）索取；"
        "发布单位写上 `repo_url: https://…` 后，这里会显示完整的命令，页面右上角也会出现仓库的链接。"
    )


def escaped_title(title: str) -> str:
    """A page title as text escaped once for HTML, whatever mix of tags, references and characters it arrived as."""
    return html.escape(html.unescape(re.sub(r"<[^>]*>", "", title)), quote=False)


def search_kind(page) -> str:
    """District pages, the public pages at the top of the navigation, and the maintainers' pages (those inside a
    navigation section, such as 参与贡献), which the search page searches only in their own scope."""
    if page.file.src_uri.startswith("districts/"):
        return "区"
    return "文档" if page.parent is not None else "页面"
