"""The build's one worker pool (site_builder/records/jobs.py): a killed worker fails the work at once, never a hang; on any
error the workers are stopped and the garbage collector thawed. Each user of it is tested: loading, rendering, PDFs."""

from __future__ import annotations

import gc
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from site_harness import copy_seed_repo, copy_site_code, synthetic_records

from site_builder.records import project
from site_builder.records.jobs import WorkerLost, WorkerPool
from site_builder.site import plugin
from site_builder.site.pausing import PAUSE_AT_ENV, PAUSE_FILE_ENV


def killed_by_the_kernel(*_args, **_kwargs):
    os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer ends a worker


def sleeps(_item):
    time.sleep(60)


def square(number: int) -> int:
    return number * number


@pytest.mark.parametrize("start", ["fork", "forkserver"])
def test_a_killed_worker_fails_the_work_at_once_instead_of_hanging(start):
    began = time.monotonic()
    with pytest.raises(WorkerLost, match="工作进程意外退出"), WorkerPool(2, start=start) as pool:
        pool.results([pool.submit(killed_by_the_kernel, n) for n in range(4)])
    assert time.monotonic() - began < 30
    assert multiprocessing.active_children() == []


def test_results_come_back_in_order():
    with WorkerPool(2) as pool:
        assert list(pool.map(square, range(10), chunksize=3)) == [n * n for n in range(10)]


def test_an_error_ends_running_workers_now_not_after_their_task():
    began = time.monotonic()
    with pytest.raises(RuntimeError), WorkerPool(2) as pool:
        pool.submit(sleeps, 1)
        pool.submit(sleeps, 2)
        time.sleep(0.5)
        raise RuntimeError("the build failed elsewhere")
    assert time.monotonic() - began < 30  # each task would take 60 s
    assert multiprocessing.active_children() == []


def test_sharing_memory_freezes_the_collector_until_the_pool_is_closed_or_stopped():
    for end in (WorkerPool.close, WorkerPool.stop):
        pool = WorkerPool(2, share_memory=True)
        assert gc.get_freeze_count() > 0
        end(pool)
        assert gc.get_freeze_count() == 0


# --- each user of the pool ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_loading_with_a_killed_worker_reads_every_record_in_this_process(tmp_path, monkeypatch):
    repo = synthetic_records(tmp_path / "repo", project.POOL_THRESHOLD + 20)
    expected = project.load_project(repo, cache=False)
    monkeypatch.setenv("SITE_BUILDER_JOBS", "2")
    monkeypatch.setattr(project, "screen", killed_by_the_kernel)
    began = time.monotonic()
    loaded = project.load_project(repo, cache=False)
    assert time.monotonic() - began < 120
    assert [r.key for r in loaded.records] == [r.key for r in expected.records] and len(loaded.records) > project.POOL_THRESHOLD
    assert loaded.results == expected.results and len(loaded.errors) == len(expected.errors)
    assert multiprocessing.active_children() == []


@pytest.mark.slow
def test_a_failed_build_stops_the_render_workers_and_thaws_the_collector(tmp_path, monkeypatch):
    repo = copy_site_code(synthetic_records(tmp_path / "repo", 120))
    monkeypatch.setenv("SITE_BUILDER_JOBS", "2")
    monkeypatch.setenv("SITE_BUILDER_NO_CACHE", "1")
    seen = {}

    def fails_once_workers_run(*args, **kwargs):
        seen["workers"] = len(multiprocessing.active_children())
        raise RuntimeError("a page MkDocs renders itself failed")

    monkeypatch.setattr(plugin, "with_pages", fails_once_workers_run)  # the sitemap, written after on_env
    config = load_config(str(repo / "mkdocs.yml"), site_dir=str(tmp_path / "site"), strict=True)
    with pytest.raises(RuntimeError):
        build(config)
    assert seen["workers"] == 2  # the render workers were running when the build failed…
    assert multiprocessing.active_children() == []  # …and are gone
    assert gc.get_freeze_count() == 0


@pytest.mark.pdf
@pytest.mark.slow
def test_a_pdf_worker_killed_mid_pdf_fails_the_build_with_a_chinese_message(tmp_path):
    repo = copy_seed_repo(tmp_path / "repo", site=True)
    shutil.copytree(repo / "stations/panyu/shiqiao-dongxi", repo / "stations/panyu/shiqiao-copy")  # two reports: a pool
    copy = repo / "stations/panyu/shiqiao-copy/2024-2025-中期.yaml"
    copy.write_text(copy.read_text(encoding="utf-8").replace("shiqiao-dongxi", "shiqiao-copy"), encoding="utf-8")
    pause = tmp_path / "pause"
    env = {**os.environ, PAUSE_AT_ENV: "pdf", PAUSE_FILE_ENV: str(pause), "SITE_BUILDER_PDF_JOBS": "2"}
    build_run = subprocess.Popen(
        [sys.executable, "-m", "site_builder", "--root", str(repo), "build", "--pdf"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not (pause.exists() and pause.read_text()) and time.monotonic() < deadline:
        assert build_run.poll() is None, build_run.communicate()
        time.sleep(0.05)
    os.kill(int(pause.read_text()), signal.SIGKILL)  # a worker, while it renders a PDF
    out, err = build_run.communicate(timeout=60)  # bounded: before, the build waited forever
    assert build_run.returncode == 1, (out, err)
    assert "生成 PDF 的工作进程意外退出" in err and "网站未生成" in err and "Traceback" not in err
    assert not os.path.lexists(repo / "site")
