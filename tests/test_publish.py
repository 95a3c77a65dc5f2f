"""Atomic publishing: a failed or interrupted build never replaces the published site."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from site_builder.cli import main
from site_harness import file_digests

ROOT = Path(__file__).resolve().parent.parent
SEED = "stations/panyu/shiqiao-dongxi/2024-2025-中期.yaml"



@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    repo = tmp_path_factory.mktemp("repo")
    for folder in ("rules", "stations", "docs"):
        shutil.copytree(ROOT / folder, repo / folder)
    shutil.copy(ROOT / "mkdocs.yml", repo / "mkdocs.yml")
    assert main(["--root", str(repo), "build"]) == 0
    return repo


def test_a_build_publishes_the_site_and_leaves_no_staging_folder(published):
    assert (published / "site/reports/panyu/shiqiao-dongxi/2024-2025-中期/index.html").exists()
    assert [p.name for p in published.iterdir() if p.name.startswith(".site-")] == []


def test_a_broken_record_leaves_the_previous_site_intact(published, capsys):
    before = file_digests(published / "site")
    seed = published / SEED
    good = seed.read_text(encoding="utf-8")
    seed.write_text(good.replace("服务监测: 9.82", "服务监测: 12.5"), encoding="utf-8")
    try:
        assert main(["--root", str(published), "build"]) == 1
    finally:
        seed.write_text(good, encoding="utf-8")
    assert "网站未生成，已发布的网站保持不变" in capsys.readouterr().err
    assert file_digests(published / "site") == before
    assert [p.name for p in published.iterdir() if p.name.startswith(".site-")] == []


def test_an_interrupted_build_leaves_the_previous_site_intact(published):
    before = file_digests(published / "site")
    build = subprocess.Popen([sys.executable, "-m", "site_builder.cli", "--root", str(published), "build"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not list(published.glob(".site-new-*")) and time.monotonic() < deadline:
        time.sleep(0.01)  # kill it once it has started writing the new site
    build.send_signal(signal.SIGKILL)
    assert build.wait() == -signal.SIGKILL, "the build finished before it could be interrupted"
    assert file_digests(published / "site") == before
    assert main(["--root", str(published), "build"]) == 0  # the next build clears what the killed one left
    assert [p.name for p in published.iterdir() if p.name.startswith(".site-")] == []
