"""Running git: the one helper the site (provenance, publishing) and `site-builder diff` share.

It lives in records/, the lowest layer that runs programs, so that site/ and commands/ can both import it.
Every call has a timeout: a git waiting on a lock or a credential prompt must not hang a build.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from ..errors import SiteBuilderError

GIT_TIMEOUT = 60  # seconds; git log over the whole history of rules/ and stations/ takes well under one


class GitFailed(SiteBuilderError):
    """git could not be run at all (its exit status, when it ran, is the caller's to judge)."""


class GitMissing(GitFailed):
    pass


class NoSuchFolder(GitFailed):
    pass


def run_git(root: Path, *args: str, timeout: float = GIT_TIMEOUT) -> subprocess.CompletedProcess[bytes]:
    """git's answer, run in root (stdout as bytes: `git archive` is binary), or GitFailed saying why there is none."""
    # quotePath=false: git would otherwise escape the Chinese in file names (2024-2025-中期.yaml).
    command = ["git", "-c", "core.quotePath=false", *args]
    try:
        return subprocess.run(command, cwd=root, capture_output=True, check=False, timeout=timeout)
    except FileNotFoundError:
        if not Path(root).exists():
            raise NoSuchFolder(None, f"目录 {root} 不存在。") from None
        raise GitMissing(None, "找不到 git 命令：请先安装 git。") from None
    except NotADirectoryError:
        raise NoSuchFolder(None, f"目录 {root} 不存在。") from None
    except subprocess.TimeoutExpired:
        raise GitFailed(None, f"git {args[0] if args else ''} 在 {timeout:g} 秒内没有结束：仓库可能被另一个 git 进程锁住，请稍后再试。") from None
    except OSError as error:
        raise GitFailed(None, f"无法运行 git：{error.strerror or error}。") from None


def git_text(root: Path, *args: str, timeout: float = GIT_TIMEOUT) -> str | None:
    """git's output as text when it succeeds; None when it fails or cannot run (outside a checkout, no git): unknown."""
    try:
        done = run_git(root, *args, timeout=timeout)
    except GitFailed:
        return None
    return done.stdout.decode("utf-8", errors="replace") if done.returncode == 0 else None
