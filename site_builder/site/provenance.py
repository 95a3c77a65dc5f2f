"""Where a published page comes from: the commit the site was built from and each file's last change, from git.

Git is asked once per build, not once per page, so that thousands of reports cost one `git log`.
Outside a git checkout everything here is simply unknown, and pages say so.

A site is meant to show what was committed. Edits under rules/ or stations/ that are not committed (or records not
yet added) make every report page say so (含未提交的改动); in CI, `site-builder build` refuses them (publish.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ..records.git import git_text


@dataclass(frozen=True)
class Change:
    commit: str
    date: str  # YYYY-MM-DD, the committer date


# Report pages name the commit they were built from. The renderer writes it in after rendering, so that the
# rendered page of an unchanged record stays the same from one commit to the next and its cached copy holds.
BUILT_FROM_MARKER = "<!-- site-builder: 构建提交 -->"
# Every page's footer and the home page show when the site was updated: the built commit's date, written in the same
# way after rendering (a date from the clock would make two builds of one commit differ).
BUILD_DATE_MARKER = "<!-- site-builder: 更新日期 -->"
BEIJING = timezone(timedelta(hours=8))  # the readers' calendar day


@dataclass(frozen=True)
class Provenance:
    commit: str | None = None
    commit_time: int | None = None  # seconds since 1970, for SOURCE_DATE_EPOCH
    last_changes: dict[str, Change] = field(default_factory=dict)
    repo_url: str | None = None
    uncommitted: tuple[str, ...] = ()  # files under rules/ or stations/ that differ from the commit

    def source_url(self, path: str) -> str | None:
        """A link to the file as of its last change (the same bytes as in the built commit), for GitHub-style hosts."""
        change = self.last_changes.get(path)
        commit = change.commit if change else self.commit
        if not (self.repo_url and commit):
            return None
        return f"{self.repo_url.rstrip('/')}/blob/{commit}/{path}"

    def filled(self, html: str) -> str:
        """A rendered page with the build's commit and date written in where its markers stand."""
        return html.replace(BUILT_FROM_MARKER, self.built_from()).replace(BUILD_DATE_MARKER, self.build_date())

    def build_date(self) -> str:
        """What BUILD_DATE_MARKER becomes: the date of the commit the site was built from."""
        if self.commit_time is None:
            return "未知（网站不是从 git 仓库生成的）"
        date = datetime.fromtimestamp(self.commit_time, BEIJING)
        return f"{date.year}年{date.month}月{date.day}日"  # uncommitted changes: the footer's own notice says so

    def built_from(self) -> str:
        """What BUILT_FROM_MARKER becomes in the page's HTML."""
        if not self.commit:
            return "未纳入版本管理的工作目录"
        if self.uncommitted:
            return f"提交 <code>{self.commit[:12]}</code>（含未提交的改动）"
        return f"提交 <code>{self.commit[:12]}</code>"


def read_provenance(root: Path, repo_url: str | None = None) -> Provenance:
    head = git_text(root, "log", "-1", "--format=%H %ct")
    if not head:
        return Provenance(repo_url=repo_url)
    commit, seconds = head.split()
    return Provenance(commit, int(seconds), last_changes(root), repo_url, uncommitted_changes(root))


def uncommitted_changes(root: Path) -> tuple[str, ...]:
    """Files under rules/ and stations/ that are changed, deleted or untracked: what a build would take from outside the commit."""
    status = git_text(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", "rules", "stations") or ""
    entries = status.split("\0")
    paths, index = [], 0
    while index < len(entries):
        entry = entries[index]
        if len(entry) > 3:
            paths.append(entry[3:])
            index += 1 if entry[0] not in "RC" else 2  # a rename is followed by its old path
        else:
            index += 1
    return tuple(paths)


def last_changes(root: Path) -> dict[str, Change]:
    """Each tracked file under rules/ and stations/ → the newest commit that touched it."""
    log = git_text(root, "log", "--relative", "--format=>%H %cs", "--name-only", "--", "rules", "stations") or ""
    found: dict[str, Change] = {}
    change = None
    for line in log.splitlines():
        if line.startswith(">"):
            commit, date = line[1:].split()
            change = Change(commit, date)
        elif line and change is not None:
            found.setdefault(line, change)
    return found
