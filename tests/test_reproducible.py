"""The same commit gives the same site, byte for byte, wherever and whenever it is built; every link resolves.

The commit is made here, once, from the seed repository and the site's code, with fixed dates; it is cloned into
two folders and built in each.
"""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from site_harness import copy_seed_repo, file_digests

pytestmark = pytest.mark.slow
ALLOWED_EXTERNAL = ()  # the site links to no third-party host
COMMITTED_BY = {
    "GIT_AUTHOR_NAME": "测试",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_AUTHOR_DATE": "2025-03-01T12:00:00+08:00",
    "GIT_COMMITTER_NAME": "测试",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_DATE": "2025-03-01T12:00:00+08:00",
}


@pytest.fixture(scope="module")
def origin(tmp_path_factory) -> Path:
    """A git repository with one commit: the seed repository's data and this repository's docs/ and mkdocs.yml."""
    repo = copy_seed_repo(tmp_path_factory.mktemp("origin"), site=True)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(repo), **COMMITTED_BY}
    for command in (
        ["init", "--quiet", "--initial-branch=main"],
        ["add", "."],
        ["-c", "commit.gpgsign=false", "commit", "--quiet", "-m", "网站的输入"],
    ):
        subprocess.run(["git", *command], cwd=repo, env=env, check=True)
    return repo


def build_clone(origin: Path, target: Path) -> Path:
    subprocess.run(["git", "clone", "--quiet", str(origin), str(target)], check=True)
    done = subprocess.run(
        [sys.executable, "-m", "site_builder", "--root", str(target), "build"],
        capture_output=True,
        text=True,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    return target / "site"


@pytest.fixture(scope="module")
def two_builds(origin, tmp_path_factory):
    return build_clone(origin, tmp_path_factory.mktemp("a") / "repo"), build_clone(origin, tmp_path_factory.mktemp("elsewhere") / "x")


def test_two_builds_of_one_commit_in_different_folders_are_identical(two_builds):
    first, second = two_builds
    assert file_digests(first) == file_digests(second)


def test_no_absolute_build_path_leaks_into_the_output(two_builds):
    first, _ = two_builds
    folder = str(first.parent)
    leaks = [p for p in first.rglob("*") if p.is_file() and folder.encode() in p.read_bytes()]
    assert leaks == []


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.add(attributes["id"])
        for name in ("href", "src"):
            if attributes.get(name):
                self.links.append(attributes[name])


def parse(page: Path) -> Links:
    links = Links()
    links.feed(page.read_text(encoding="utf-8"))
    return links


def target_of(page: Path, link: str, site: Path) -> tuple[Path, str]:
    url = urlparse(link)
    base = site if url.path.startswith("/") else page.parent  # the 404 page links from the site root
    path = (base / unquote(url.path).lstrip("/")).resolve() if url.path else page
    if path.is_dir() or link.endswith("/"):
        path = path / "index.html"
    return path, unquote(url.fragment)


def test_every_internal_link_and_anchor_resolves_and_none_leaves_the_site(two_builds):
    site, _ = two_builds
    broken, external = [], []
    pages = {page: parse(page) for page in site.rglob("*.html")}
    for page, links in pages.items():
        for link in links.links:
            if re.match(r"^[a-z]+:", link) and not link.startswith(ALLOWED_EXTERNAL or "\0"):
                if not link.startswith(("data:", "mailto:")):
                    external.append(f"{page.relative_to(site)} → {link}")
                continue
            target, anchor = target_of(page, link, site)
            if not target.exists():
                broken.append(f"{page.relative_to(site)} → {link}")
            elif anchor and target.suffix == ".html" and anchor not in pages.get(target, parse(target)).ids:
                broken.append(f"{page.relative_to(site)} → {link} (no #{anchor})")
    assert external == []
    assert broken == []
