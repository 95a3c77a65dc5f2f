"""Report and station pages rendered outside MkDocs' page loop: in parallel, from the page cache, in the preview."""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort
from site_harness import SEED_RECORD, copy_site_code, file_digests, synthetic_records

from site_builder.site import assembly as site
from site_builder.site.preview import BANNER_START, Preview, without_banner

pytestmark = pytest.mark.slow
SEED = SEED_RECORD
SEED_PAGE = "reports/panyu/shiqiao-dongxi/2024-2025-中期/index.html"


def make_repo(path: Path, synthetic: int = 60) -> Path:
    """The seed record with `synthetic` generated ones: more pages than one worker task holds."""
    return copy_site_code(synthetic_records(path, synthetic, seed_record=True))


def mkdocs_build(repo: Path, site_dir: str, **env) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", site_dir],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **env},
    )
    assert done.returncode == 0, done.stderr
    return done.stderr


def counts(log: str) -> tuple[int, int]:
    found = re.search(r"新渲染 (\d+)，取自缓存 (\d+)", log)
    assert found, log
    return int(found.group(1)), int(found.group(2))


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    return make_repo(tmp_path_factory.mktemp("render"))


def test_parallel_rendering_writes_the_same_site_as_one_process(repo):
    serial = mkdocs_build(repo, "serial", SITE_BUILDER_JOBS="1", SITE_BUILDER_NO_CACHE="1")
    parallel = mkdocs_build(repo, "parallel", SITE_BUILDER_JOBS="2", SITE_BUILDER_NO_CACHE="1")
    pages = len(list((repo / "stations").rglob("*.yaml"))) + len(list((repo / "stations").glob("*/*/")))
    assert counts(serial) == counts(parallel) == (pages, 0)  # every report and station page rendered, none cached
    assert file_digests(repo / "serial") == file_digests(repo / "parallel")
    assert (repo / "parallel" / SEED_PAGE).exists()


def test_an_unchanged_page_comes_from_the_cache_and_a_changed_record_is_rendered_again(repo, tmp_path):
    work = tmp_path / "repo"
    shutil.copytree(repo, work, ignore=shutil.ignore_patterns("serial", "parallel", ".cache"))
    first = counts(mkdocs_build(work, "first"))
    assert first[1] == 0
    again = counts(mkdocs_build(work, "again"))
    assert again == (0, first[0])
    assert file_digests(work / "first") == file_digests(work / "again")
    seed = work / SEED
    seed.write_text(seed.read_text(encoding="utf-8").replace("爱心汤", "暖心汤", 1), encoding="utf-8")
    changed = counts(mkdocs_build(work, "changed"))
    assert changed[0] >= 1 and changed[0] <= 3  # the report; its station page only if it shows the change
    assert "暖心汤" in (work / "changed" / SEED_PAGE).read_text(encoding="utf-8")


def test_the_page_cache_is_not_fooled_by_a_new_commit(repo, tmp_path):
    """The build commit is written in after rendering: a cached page still names the commit being built."""
    work = tmp_path / "repo"
    shutil.copytree(repo, work, ignore=shutil.ignore_patterns("serial", "parallel", ".cache"))
    git = ["git", "-C", str(work), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(git[:3] + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-qm", "one"], check=True)
    mkdocs_build(work, "one")
    subprocess.run(git + ["commit", "-q", "--allow-empty", "-m", "two"], check=True)
    two = counts(mkdocs_build(work, "two"))
    head = subprocess.run(git[:3] + ["rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert two[0] == 0
    assert f"提交 <code>{head[:12]}</code>" in (work / "two" / SEED_PAGE).read_text(encoding="utf-8")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_broken_link_on_a_report_page_fails_the_strict_build_in_one_process_or_from_workers(repo, tmp_path, monkeypatch, jobs):
    monkeypatch.setenv("SITE_BUILDER_NO_CACHE", "1")
    monkeypatch.setenv("SITE_BUILDER_JOBS", jobs)
    monkeypatch.setattr(site.BulkPages, "markdown", lambda self, index: "# 页面\n\n[断开的链接](no-such-page.md)\n")
    config = load_config(str(repo / "mkdocs.yml"), site_dir=str(tmp_path / "site"), strict=True)
    with pytest.raises(Abort, match="warnings"):
        build(config)


def test_the_sitemap_lists_the_report_pages(repo, tmp_path):
    work = tmp_path / "repo"
    shutil.copytree(repo, work, ignore=shutil.ignore_patterns("serial", "parallel", ".cache"))
    config = work / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("site_name:", "site_url: https://example.org/\nsite_name:", 1), encoding="utf-8")
    mkdocs_build(work, "site")
    sitemap = (work / "site" / "sitemap.xml").read_text(encoding="utf-8")
    assert (
        "https://example.org/reports/panyu/shiqiao-dongxi/2024-2025-%E4%B8%AD%E6%9C%9F/" in sitemap
        or "https://example.org/reports/panyu/shiqiao-dongxi/2024-2025-中期/" in sitemap
    )
    assert len(re.findall(r"<loc>https://example.org/reports/[^/<]+/[^/<]+/[^/<]+/</loc>", sitemap)) == 61
    assert sitemap.count("<loc>https://example.org/stations/") == len(list((work / "site" / "stations").iterdir()))


@pytest.fixture
def preview(repo, tmp_path):
    work = tmp_path / "repo"
    shutil.copytree(repo, work, ignore=shutil.ignore_patterns("serial", "parallel", ".cache"))
    shown = Preview(work, work / "mkdocs.yml")
    shown.full_build()
    yield shown
    shown.close()


def edit_seed(preview: Preview, old: str, new: str) -> Path:
    seed = preview.root / SEED
    seed.write_text(seed.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    return seed


def test_the_preview_renders_again_only_the_saved_record(preview):
    page = preview.site_dir / SEED_PAGE
    other = sorted(p for p in (preview.site_dir / "reports").rglob("index.html") if p != page)[-1]
    before = other.stat().st_mtime_ns
    seed = edit_seed(preview, "爱心汤", "暖心汤")
    assert preview.quick_update({seed})
    assert "暖心汤" in page.read_text(encoding="utf-8")
    assert other.stat().st_mtime_ns == before


def test_the_preview_keeps_the_page_under_an_error_banner_when_the_saved_record_has_an_error(preview, caplog):
    page = preview.site_dir / SEED_PAGE
    before = page.read_text(encoding="utf-8")
    seed = edit_seed(preview, "stage: 中期", "stage: 中旬")
    with caplog.at_level(logging.ERROR):
        assert preview.quick_update({seed})
    shown = page.read_text(encoding="utf-8")
    assert without_banner(shown) == before and BANNER_START in shown
    assert "记录有错误" in caplog.text and SEED in caplog.text
    edit_seed(preview, "stage: 中旬", "stage: 中期")
    assert preview.quick_update({seed})
    assert BANNER_START not in page.read_text(encoding="utf-8")


def test_a_failed_full_build_puts_the_error_banner_on_every_page_until_the_next_good_one(preview):
    rules = preview.root / "rules/guangzhou/sgz-2024.rules"
    good = rules.read_text(encoding="utf-8")
    rules.write_text(good.replace("权重 55%", "权重 54%", 1), encoding="utf-8")
    assert not preview.full_build()
    pages = list(preview.site_dir.rglob("*.html"))
    shown = (preview.site_dir / SEED_PAGE).read_text(encoding="utf-8")
    assert all(BANNER_START in page.read_text(encoding="utf-8") for page in pages)
    assert "rules/guangzhou/sgz-2024.rules:" in shown and "权重合计" in shown
    rules.write_text(good, encoding="utf-8")
    assert preview.full_build()
    assert not [page for page in preview.site_dir.rglob("*.html") if BANNER_START in page.read_text(encoding="utf-8")]


def test_the_preview_asks_for_a_full_build_when_a_record_is_added_or_rules_change(preview):
    added = preview.root / "stations/panyu/shiqiao-dongxi/2025-2026-中期.yaml"
    shutil.copy(preview.root / SEED, added)
    assert not preview.quick_update({added})
    assert not preview.quick_update({preview.root / "rules/guangzhou/sgz-2024.rules"})


def test_the_preview_counts_writes_not_reads_as_changes():
    from watchdog.events import FileClosedNoWriteEvent, FileModifiedEvent, FileMovedEvent, FileOpenedEvent

    from site_builder.site.preview import ChangedFiles

    changed = ChangedFiles()
    for event in (
        FileOpenedEvent("/r/stations/a.yaml"),
        FileClosedNoWriteEvent("/r/stations/b.yaml"),
        FileModifiedEvent("/r/stations/c.yaml"),
        FileMovedEvent("/r/stations/.c.yaml.swp", "/r/stations/d.yaml"),
    ):
        changed.on_any_event(event)
    assert changed.take() == {Path("/r/stations/c.yaml"), Path("/r/stations/.c.yaml.swp"), Path("/r/stations/d.yaml")}
    assert changed.take() == set()


def test_a_worker_that_dies_fails_the_build_instead_of_hanging(repo, tmp_path, monkeypatch, caplog):
    parent = os.getpid()

    def dies_in_a_worker(self, index):
        if os.getpid() != parent:
            os._exit(9)  # as the kernel's out-of-memory killer would end it
        return "# 页面\n"

    monkeypatch.setenv("SITE_BUILDER_NO_CACHE", "1")
    monkeypatch.setenv("SITE_BUILDER_JOBS", "2")
    monkeypatch.setattr(site.BulkPages, "markdown", dies_in_a_worker)
    config = load_config(str(repo / "mkdocs.yml"), site_dir=str(tmp_path / "site"), strict=True)
    with caplog.at_level(logging.ERROR), pytest.raises(Abort):
        build(config)
    assert "工作进程意外退出" in caplog.text
