"""Shared set-up for browser tests: a real mkdocs build, served on localhost, driven in Debian's Chromium."""

from __future__ import annotations

import functools
import hashlib
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "tests" / "artifacts"
# The rules and records code tests start from: a frozen copy, so that the live data can change (tests/fixtures/README.md).
SEED_REPO = ROOT / "tests" / "fixtures" / "seed-repo"
SEED_RECORD = "stations/panyu/shiqiao-dongxi/2024-2025-中期.yaml"  # the golden case, relative to a repository
# What the site is made of besides the data: code, not data, so tests take it from this repository.
SITE_CODE = ("docs", "mkdocs.yml")
# The live data: checked by the project's own commands (make check-data), never read by a code test (conftest.py).
LIVE_DATA = (ROOT / "rules", ROOT / "stations")


def file_digests(folder: Path) -> dict[str, str]:
    """Every file under folder by relative path → its sha256: two sites compare equal only byte for byte."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def copy_seed_repo(repo: Path, site: bool = False) -> Path:
    """The seed repository's rules/ and stations/ in repo (each unless repo already has one); with site=True also the
    site's code (docs/ and mkdocs.yml) from this repository."""
    for folder in ("rules", "stations"):
        if not (repo / folder).exists():
            shutil.copytree(SEED_REPO / folder, repo / folder)
    if site:
        copy_site_code(repo)
    return repo


# What an adopting bureau writes in mkdocs.yml's extra.publisher in place of the placeholders (docs/ci.md): test sites
# are published sites, so `site-builder build` builds them without --allow-placeholders.
ADOPTED_PUBLISHER = {
    "name": "测试区民政局",
    "contact": "pinggu@example.org",
    "licence": "知识共享署名 4.0 国际许可协议（CC BY 4.0）",
}


def copy_site_code(repo: Path) -> Path:
    """docs/ (unless repo has its own) and mkdocs.yml from this repository, its publisher filled in as a bureau would:
    what a build needs besides the data."""
    if not (repo / "docs").exists():
        shutil.copytree(ROOT / "docs", repo / "docs")
    (repo / "mkdocs.yml").write_text(adopted(ROOT.joinpath("mkdocs.yml").read_text(encoding="utf-8")), encoding="utf-8")
    return repo


def adopted(mkdocs_yml: str) -> str:
    """mkdocs.yml with each placeholder value of extra.publisher replaced by ADOPTED_PUBLISHER's."""
    for key, value in ADOPTED_PUBLISHER.items():
        mkdocs_yml, count = re.subn(rf"(?m)^(\s+{key}: )\S*（请在 mkdocs.yml 中填写）", lambda found, v=value: found.group(1) + v, mkdocs_yml)
        assert count == 1, f"mkdocs.yml has no placeholder for extra.publisher.{key}"
    return mkdocs_yml


def synthetic_records(repo: Path, reports: int, seed_record: bool = False) -> Path:
    """bench/synthetic.py's rules/ (from the seed repository, not the live one) and `reports` records in repo; with
    seed_record=True also the seed repository's record."""
    command = [sys.executable, str(ROOT / "bench" / "synthetic.py"), "--reports", str(reports), "--out", str(repo), "--source", str(SEED_REPO)]
    subprocess.run(command, check=True, capture_output=True)
    if seed_record:
        shutil.copytree(SEED_REPO / "stations", repo / "stations", dirs_exist_ok=True)
    return repo


def build_site(repo: Path) -> Path:
    """The seed repository's data (where repo has none) and this repository's docs/ and mkdocs.yml in repo, then a real
    `mkdocs build --strict` there."""
    copy_seed_repo(repo, site=True)
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(repo / "site")],
        cwd=repo,
        capture_output=True,
        text=True,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    return repo / "site"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextmanager
def serve(site: Path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


class Watch:
    """Everything a page does wrong: console errors, failed requests, requests to any host but localhost."""

    def __init__(self, page):
        self.problems: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", self.check_failure)
        page.on("response", lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"))
        page.on("request", self.check_host)
        page.on("dialog", lambda d: (self.problems.append(f"dialog: {d.message}"), d.dismiss()))

    def check_failure(self, request) -> None:
        # A request cut short because the test moved on to the next page is not a fault of the site.
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"failed ({request.failure}): {request.url}")

    def check_host(self, request) -> None:
        host = urlparse(request.url).hostname
        if request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            return
        self.problems.append(f"third-party request: {request.url}")


class LiveDataGuard:
    """Every read of the live rules/ or stations/ by a test, and every command a test runs on the live repository.

    conftest.py installs `audit` as a Python audit hook (sys.addaudithook), so the guard sees what actually happens,
    whatever helper or library does it: open() and os.open, directory listings (copytree, rglob, iterdir), and the
    arguments and folder of every subprocess. A grep of the test sources would miss a path built in pieces or read
    through a helper. Each read is filed under the test that was running (PYTEST_CURRENT_TEST, set by pytest during
    set-up, call and tear-down, so a module fixture's reads count against the test that needed it).
    """

    WATCHED = frozenset({"open", "os.scandir", "os.listdir", "shutil.copytree", "subprocess.Popen"})
    # Commands that read the repository they run in when not given --root.
    PROJECT_COMMANDS = ("site_builder", "site-builder", "mkdocs", "make")
    OUTSIDE_TESTS = "(collection)"  # reads while pytest imports the test modules

    def __init__(self) -> None:
        self.reads: dict[str, list[str]] = {}
        self.allowing = 0
        self.live = tuple(str(folder) for folder in LIVE_DATA)
        self.inside_live = tuple(f"{folder}{os.sep}" for folder in self.live)

    def audit(self, event: str, args: tuple) -> None:
        if event not in self.WATCHED or self.allowing:
            return
        if event == "subprocess.Popen":
            found = self.live_command(args[1], args[2])
        elif event == "open" and self.one_name(args[0]):
            found = None  # most likely os.open(name, dir_fd=…) one step down a folder (source_files.py): the event has no dir_fd
        else:
            found = self.live_path(args[0])
        if found:
            test = os.environ.get("PYTEST_CURRENT_TEST", self.OUTSIDE_TESTS).rsplit(" ", 1)[0]
            self.reads.setdefault(test, []).append(f"{event}: {found}")

    @staticmethod
    def one_name(path) -> bool:
        return isinstance(path, str | bytes | os.PathLike) and os.sep not in os.fsdecode(path)

    def live_path(self, path) -> str | None:
        if not isinstance(path, str | bytes | os.PathLike):
            return None  # a file descriptor
        absolute = os.path.abspath(os.fsdecode(path))
        return absolute if absolute in self.live or absolute.startswith(self.inside_live) else None

    def live_command(self, command, cwd) -> str | None:
        arguments = [os.fsdecode(command)] if isinstance(command, str | bytes | os.PathLike) else [os.fsdecode(a) for a in command]
        folder = os.path.abspath(os.fsdecode(cwd)) if cwd is not None else os.getcwd()
        for argument in arguments:
            path = os.path.join(folder, argument)  # a relative argument is relative to the command's folder
            # The repository itself only when named outright (git clone …): a "." may well mean tar's --directory.
            if self.live_path(path) or (os.path.isabs(argument) and os.path.normpath(argument) == str(ROOT)):
                return f"{arguments} names {argument}"
        runs_project_command = any(os.path.basename(argument) in self.PROJECT_COMMANDS for argument in arguments)
        if folder == str(ROOT) and runs_project_command and "--root" not in arguments:
            return f"{arguments} runs in {ROOT}"
        return None

    @contextmanager
    def allowed(self):
        """For the one test that copies the whole repository on purpose (test_contribution.py)."""
        self.allowing += 1
        try:
            yield
        finally:
            self.allowing -= 1

    def take(self, test: str) -> list[str]:
        return self.reads.pop(test, [])


LIVE_DATA_GUARD = LiveDataGuard()
