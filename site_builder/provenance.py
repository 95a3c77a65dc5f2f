"""Where a published page comes from: the commit the site was built from and each file's last change, from git.

Git is asked once per build, not once per page, so that thousands of reports cost one `git log`.
Outside a git checkout everything here is simply unknown, and pages say so.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Change:
    commit: str
    date: str  # YYYY-MM-DD, the committer date


@dataclass(frozen=True)
class Provenance:
    commit: str | None = None
    commit_time: int | None = None  # seconds since 1970, for SOURCE_DATE_EPOCH
    last_changes: dict[str, Change] = field(default_factory=dict)
    repo_url: str | None = None

    def source_url(self, path: str) -> str | None:
        """A link to the file as of the built commit, for GitHub-style hosts."""
        if not (self.repo_url and self.commit):
            return None
        return f"{self.repo_url.rstrip('/')}/blob/{self.commit}/{path}"


def git(root: Path, *args: str) -> str | None:
    try:
        # quotePath=false: git would otherwise escape the Chinese in file names (2024-2025-中期.yaml).
        done = subprocess.run(["git", "-c", "core.quotePath=false", "-C", str(root), *args],
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def read_provenance(root: Path, repo_url: str | None = None) -> Provenance:
    head = git(root, "log", "-1", "--format=%H %ct")
    if not head:
        return Provenance(repo_url=repo_url)
    commit, seconds = head.split()
    return Provenance(commit, int(seconds), last_changes(root), repo_url)


def last_changes(root: Path) -> dict[str, Change]:
    """Each tracked file under rules/ and stations/ → the newest commit that touched it."""
    log = git(root, "log", "--relative", "--format=>%H %cs", "--name-only", "--", "rules", "stations") or ""
    found: dict[str, Change] = {}
    change = None
    for line in log.splitlines():
        if line.startswith(">"):
            commit, date = line[1:].split()
            change = Change(commit, date)
        elif line and change is not None:
            found.setdefault(line, change)
    return found
