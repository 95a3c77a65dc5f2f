"""A build from the caches is the build without them: byte for byte, with the same warnings, failing when it fails.

Each test builds the site in one configuration and then in another, in one repository sharing one .cache/, and
compares the second build with a build of the same configuration made with SITE_BUILDER_NO_CACHE=1. The repository
holds the one seed record, so that each PDF build renders one PDF.
"""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort
from site_harness import copy_seed_repo, file_digests

from site_builder.site import assembly as site
from site_builder.site import render

pytestmark = pytest.mark.slow
SERVE_URL = "http://127.0.0.1:8000/"  # what `mkdocs serve` writes into site_url
REPORT_PAGE = "reports/panyu/shiqiao-dongxi/2024-2025-中期/index.html"

CONFIGURATIONS = {
    "build": {},
    "build --pdf": {"pdf": True},
    "serve": {"serve": True},
}


def copy_inputs(repo: Path) -> Path:
    return copy_seed_repo(repo, site=True)


def build_site(repo: Path, site: Path, pdf: bool = False, serve: bool = False) -> Path:
    """Build as `site-builder build [--pdf]` does, or as `mkdocs serve` does (site_url rewritten, serve mode)."""
    config = load_config(str(repo / "mkdocs.yml"), site_dir=str(site), strict=True)
    config.plugins["site-builder"].config.pdf = pdf
    config.plugins.on_startup(command="serve" if serve else "build", dirty=False)
    if serve:
        config.site_url = SERVE_URL
    try:
        build(config, serve_url=SERVE_URL if serve else None)
    finally:
        config.plugins.on_shutdown()
    return site


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    return copy_inputs(tmp_path_factory.mktemp("inputs"))


@pytest.fixture(scope="module")
def without_cache(inputs, tmp_path_factory):
    """Each configuration's site built with no cache at all, built once when first asked for."""
    built: dict[str, dict[str, str]] = {}

    def site(name: str) -> dict[str, str]:
        if name not in built:
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("SITE_BUILDER_NO_CACHE", "1")
                built[name] = file_digests(build_site(inputs, tmp_path_factory.mktemp("uncached"), **CONFIGURATIONS[name]))
        return built[name]

    return site


@pytest.fixture
def repo(inputs, tmp_path) -> Path:
    """A fresh copy of the inputs, with an empty cache that the builds of one test share."""
    shutil.copytree(inputs, tmp_path / "repo", ignore=shutil.ignore_patterns(".cache"))
    return tmp_path / "repo"


@pytest.mark.parametrize(
    "first, then",
    [
        pytest.param("build --pdf", "build", marks=pytest.mark.pdf),
        pytest.param("build", "build --pdf", marks=pytest.mark.pdf),
        ("serve", "build"),
    ],
)
def test_a_build_after_another_configuration_equals_a_build_without_cache(repo, tmp_path, without_cache, first, then):
    build_site(repo, tmp_path / "first", **CONFIGURATIONS[first])
    cached = file_digests(build_site(repo, tmp_path / "then", **CONFIGURATIONS[then]))
    assert cached == without_cache(then)


def test_a_build_after_serve_has_no_link_to_the_preview_server(repo, tmp_path):
    build_site(repo, tmp_path / "served", serve=True)
    assert SERVE_URL in (tmp_path / "served" / REPORT_PAGE).read_text(encoding="utf-8")
    built = build_site(repo, tmp_path / "built")
    assert "127.0.0.1" not in (built / REPORT_PAGE).read_text(encoding="utf-8")


def test_build_and_serve_in_turn_each_find_their_own_pages_in_the_cache(repo, tmp_path, caplog, without_cache):
    for turn, serve in enumerate((True, False, True)):
        build_site(repo, tmp_path / str(turn), serve=serve)
    with caplog.at_level(logging.INFO):
        again = build_site(repo, tmp_path / "built again")
    assert re.search(r"新渲染 0，取自缓存 [1-9]", caplog.text)
    assert file_digests(again) == without_cache("build")


def test_a_changed_template_override_renders_the_pages_again(repo, tmp_path):
    """Templates of the site's own (theme.custom_dir) shape every page; an installed theme's are named by its version."""
    mkdocs_yml = repo / "mkdocs.yml"
    mkdocs_yml.write_text(
        mkdocs_yml.read_text(encoding="utf-8").replace("  name: material\n", "  name: material\n  custom_dir: overrides\n"), encoding="utf-8"
    )
    override = repo / "overrides" / "main.html"
    override.parent.mkdir()
    for edition in ("第一版", "第二版"):
        override.write_text('{% extends "base.html" %}{% block content %}{{ super() }}<p>页脚' + edition + "</p>{% endblock %}", encoding="utf-8")
        site = build_site(repo, tmp_path / edition)
        assert f"页脚{edition}" in (site / REPORT_PAGE).read_text(encoding="utf-8")


def strict_build_warnings(repo: Path, site: Path, caplog) -> list[str]:
    """The warnings a --strict build logged before it failed; the test fails if the build did not fail."""
    caplog.clear()
    with caplog.at_level(logging.WARNING), pytest.raises(Abort, match="strict mode"):
        build_site(repo, site)
    return [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]


@pytest.fixture
def link_on_report_pages(monkeypatch):
    """Report pages end with a link: a page's Markdown comes from data that cannot link, so the test adds one."""

    def add(target: str) -> None:
        markdown = site.BulkPages.markdown

        def with_link(self, index: int) -> str:
            page = markdown(self, index)
            return page + f"\n\n[参见]({target})\n" if self.evaluated(index) is not None else page

        monkeypatch.setattr(site.BulkPages, "markdown", with_link)

    return add


@pytest.mark.parametrize("jobs", ["1", "2"])  # rendered in this process, or in workers whose warnings are replayed here
def test_a_strict_build_that_fails_on_a_broken_link_fails_again_from_the_cache(repo, tmp_path, caplog, monkeypatch, link_on_report_pages, jobs):
    monkeypatch.setenv("SITE_BUILDER_JOBS", jobs)
    monkeypatch.setattr(render, "PAGES_PER_TASK", 1)  # two pages, two tasks: with two jobs, a pool
    link_on_report_pages("../../../no-such-page.md")
    first = strict_build_warnings(repo, tmp_path / "first", caplog)
    again = strict_build_warnings(repo, tmp_path / "again", caplog)
    monkeypatch.setenv("SITE_BUILDER_NO_CACHE", "1")
    uncached = strict_build_warnings(repo, tmp_path / "uncached", caplog)
    assert any("no-such-page.md" in message for message in first)
    assert first == again == uncached


def test_a_page_whose_link_target_was_removed_is_rendered_again_and_fails_the_strict_build(repo, tmp_path, caplog, link_on_report_pages):
    """The page's Markdown is unchanged, and so is its key: where its links led is checked with the entry."""
    (repo / "docs" / "notes.md").write_text("# 评估说明\n", encoding="utf-8")  # a page outside the navigation
    link_on_report_pages("../../../notes.md")
    build_site(repo, tmp_path / "linked")
    (repo / "docs" / "notes.md").unlink()
    warnings = strict_build_warnings(repo, tmp_path / "removed", caplog)
    assert any("notes.md" in message for message in warnings)


def test_pdfs_asked_for_by_the_environment_are_in_the_configuration_the_page_cache_keys_on(inputs, monkeypatch):
    monkeypatch.setenv("SITE_BUILDER_PDF", "1")
    config = load_config(str(inputs / "mkdocs.yml"), site_dir=str(inputs / "unused"))
    config = config.plugins.on_config(config)
    assert config.plugins["site-builder"].config.pdf is True
