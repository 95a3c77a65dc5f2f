"""records/git.py: the one way site/ and commands/ run git, with a timeout and a clear result when git cannot run."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from site_builder.records.git import GitFailed, GitMissing, NoSuchFolder, git_text, run_git


def repository(folder: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    (folder / "站点.txt").write_text("x", encoding="utf-8")
    subprocess.run(["git", "-C", str(folder), "add", "."], check=True)
    return folder


def test_file_names_come_back_unescaped(tmp_path):
    """core.quotePath=false: a Chinese file name is listed as itself, not as "\\347\\253\\231…"."""
    assert git_text(repository(tmp_path), "ls-files") == "站点.txt\n"


def test_a_failing_git_command_is_none_for_the_text_helper_and_its_exit_status_for_run_git(tmp_path):
    assert git_text(tmp_path, "log", "-1") is None  # not a repository
    assert run_git(tmp_path, "log", "-1").returncode != 0


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(NoSuchFolder, match="不存在"):
        run_git(tmp_path / "absent", "status")
    assert git_text(tmp_path / "absent", "status") is None


def fake_git(folder: Path, body: str) -> str:
    """A PATH whose git is a script with body, for what a real git cannot be made to do on demand."""
    script = folder / "bin" / "git"
    script.parent.mkdir()
    script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    script.chmod(0o755)
    return f"{script.parent}{os.pathsep}{os.environ['PATH']}"


def test_a_git_that_does_not_answer_in_time_is_stopped_with_a_chinese_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", fake_git(tmp_path, "sleep 30"))
    with pytest.raises(GitFailed, match="git log 在 0.5 秒内没有结束"):
        run_git(tmp_path, "log", timeout=0.5)
    assert git_text(tmp_path, "log", timeout=0.5) is None


def test_without_git_the_error_says_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(GitMissing, match="找不到 git 命令"):
        run_git(tmp_path, "status")
