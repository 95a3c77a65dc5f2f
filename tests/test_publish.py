"""Publishing: `site` is a link switched in one step to a complete new version; one build at a time; never over the
sources; every file-system failure is a Chinese message and the published site stays; a kill at any step leaves the
old site or the new one, complete; a dirty working tree is refused in CI and marked elsewhere."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import mkdocs.utils
import pytest
from site_harness import copy_seed_repo, file_digests

from site_builder.commands.cli import main
from site_builder.site import publish
from site_builder.site.pausing import PAUSE_AT_ENV, PAUSE_FILE_ENV

pytestmark = pytest.mark.slow
SEED = "stations/panyu/shiqiao-dongxi/2024-2025-中期.yaml"
REPORT = "reports/panyu/shiqiao-dongxi/2024-2025-中期/index.html"


def copy_inputs(repo: Path) -> Path:
    return copy_seed_repo(repo, site=True)


@pytest.fixture
def repo(tmp_path) -> Path:
    return copy_inputs(tmp_path / "repo")


@pytest.fixture
def published(repo) -> Path:
    assert main(["--root", str(repo), "build"]) == 0
    return repo


def versions(repo: Path) -> list[str]:
    return sorted(p.name for p in (repo / ".site-builds").iterdir())


def umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def test_a_build_publishes_a_link_to_a_complete_version(published):
    site = published / "site"
    assert site.is_symlink() and not os.path.isabs(os.readlink(site))  # relative: the folder may be moved or mounted
    assert (site / REPORT).is_file() and (site / "index.html").is_file()
    [version] = versions(published)
    assert site.resolve() == (published / ".site-builds" / version / "site")


def test_published_files_have_the_permissions_mkdocs_build_gives(published):
    site = (published / "site").resolve()
    modes = {oct(stat.st_mode & 0o777) for stat in (p.stat() for p in [site, *site.rglob("*")] if p.is_dir())}
    assert modes == {oct(0o777 & ~umask())}  # not mkdtemp's 0700: a web server running as another user can read it
    modes = {oct(p.stat().st_mode & 0o777) for p in site.rglob("*") if p.is_file()}
    assert modes == {oct(0o666 & ~umask())}


def test_the_next_build_switches_the_link_and_removes_only_the_version_it_replaced(published):
    [old] = versions(published)
    (published / ".site-backup-2024").mkdir()  # a user's folders, named like ours: never touched
    (published / ".site-backup-2024" / "keep.txt").write_text("mine", encoding="utf-8")
    (published / ".site-builds" / "not-ours").mkdir()
    assert main(["--root", str(published), "build"]) == 0
    [new] = [v for v in versions(published) if v != "not-ours"]
    assert new != old and (published / "site").resolve().parent.name == new
    assert (published / ".site-backup-2024" / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert (published / ".site-builds" / "not-ours").is_dir()


def test_a_broken_record_leaves_the_previous_site_intact(published, capsys):
    before, link = file_digests(published / "site"), os.readlink(published / "site")
    seed = published / SEED
    seed.write_text(seed.read_text(encoding="utf-8").replace("服务监测: 9.82", "服务监测: 12.5"), encoding="utf-8")
    assert main(["--root", str(published), "build"]) == 1
    assert "网站未生成，已发布的网站保持不变" in capsys.readouterr().err
    assert os.readlink(published / "site") == link and file_digests(published / "site") == before
    assert len(versions(published)) == 1  # the failed build's own version is gone


def test_a_folder_from_an_older_build_is_swapped_out_in_one_step_and_kept(repo, capsys):
    (repo / "site").mkdir()
    (repo / "site" / "index.html").write_text("旧网站", encoding="utf-8")
    assert main(["--root", str(repo), "build"]) == 0
    assert (repo / "site").is_symlink() and (repo / "site" / REPORT).is_file()
    [kept] = [v for v in versions(repo) if v.startswith("previous-")]
    assert (repo / ".site-builds" / kept / "index.html").read_text(encoding="utf-8") == "旧网站"
    assert "已原样移到" in capsys.readouterr().err
    assert main(["--root", str(repo), "build"]) == 0  # not ours (no marker): kept by later builds too
    assert (repo / ".site-builds" / kept / "index.html").is_file()


def tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("site_dir", [".", "..", "docs", "stations", "rules/guangzhou", "stations/../docs"])
def test_publishing_over_or_inside_the_sources_is_refused_before_anything_is_touched(repo, capsys, site_dir):
    before, around = tree(repo), sorted(os.listdir(repo.parent))
    assert main(["--root", str(repo), "build", "--site-dir", site_dir]) == 1
    assert "不能发布到" in capsys.readouterr().err
    assert tree(repo) == before and sorted(os.listdir(repo.parent)) == around


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org", *args], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def committed(repo) -> Path:
    (repo / "notes").mkdir()
    (repo / "notes" / "plan.md").write_text("计划", encoding="utf-8")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "inputs")
    return repo


def test_a_folder_git_tracks_is_refused_as_an_output(committed, capsys):
    assert main(["--root", str(committed), "build", "--site-dir", "notes"]) == 1
    assert "不能发布到" in capsys.readouterr().err
    assert (committed / "notes" / "plan.md").read_text(encoding="utf-8") == "计划"


# --- file-system failures ----------------------------------------------------------------------------------


def no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(args[-1]) if args else None)


def assert_unchanged_after_failure(repo: Path, before: dict, link: str, message: str, capsys) -> None:
    err = capsys.readouterr().err
    assert message in err and "网站未生成，已发布的网站保持不变" in err and "Traceback" not in err
    assert os.readlink(repo / "site") == link and file_digests(repo / "site") == before
    assert len(versions(repo)) == 1 and not list((repo / ".site-builds").glob(".link-*"))


def test_a_full_disk_while_writing_pages_leaves_the_site_and_nothing_else(published, monkeypatch, capsys):
    before, link = file_digests(published / "site"), os.readlink(published / "site")
    monkeypatch.setenv("SITE_BUILDER_JOBS", "1")
    monkeypatch.setattr(mkdocs.utils, "write_file", no_space)
    assert main(["--root", str(published), "build"]) == 1
    assert_unchanged_after_failure(published, before, link, "磁盘空间已满", capsys)


def test_a_full_disk_at_the_switch_leaves_the_site_and_nothing_else(published, monkeypatch, capsys):
    before, link = file_digests(published / "site"), os.readlink(published / "site")
    monkeypatch.setattr(os, "symlink", no_space)
    assert main(["--root", str(published), "build"]) == 1
    assert_unchanged_after_failure(published, before, link, "磁盘空间已满", capsys)


def test_a_read_only_parent_folder_is_a_chinese_message(published, monkeypatch, capsys):
    before, link = file_digests(published / "site"), os.readlink(published / "site")
    real_open = os.open

    def read_only(path, flags, *args, **kwargs):
        if str(path).startswith(str(published)) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only)
    assert main(["--root", str(published), "build"]) == 1
    assert_unchanged_after_failure(published, before, link, "文件系统是只读的", capsys)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_really_read_only_parent_folder_is_a_chinese_message(tmp_path, capsys):
    repo = copy_inputs(tmp_path / "repo")
    out = tmp_path / "locked"
    out.mkdir(mode=0o555)
    try:
        assert main(["--root", str(repo), "build", "--site-dir", str(out / "site")]) == 1
    finally:
        out.chmod(0o755)
    err = capsys.readouterr().err
    assert "没有权限" in err and "Traceback" not in err and os.listdir(out) == []


def test_an_old_version_that_cannot_be_removed_is_removed_by_the_next_build(published, monkeypatch, capsys):
    [old] = versions(published)
    monkeypatch.setattr(publish, "remove_tree", lambda folder: no_space(str(folder)))
    assert main(["--root", str(published), "build"]) == 0  # the new site is published; the old copy is reported
    assert "未能删除不再发布的旧版本" in capsys.readouterr().err
    assert old in versions(published) and len(versions(published)) == 2
    monkeypatch.undo()
    assert main(["--root", str(published), "build"]) == 0
    assert old not in versions(published) and len(versions(published)) == 1


def test_a_read_only_old_version_is_removed(published):
    old = (published / "site").resolve().parent
    for folder in [p for p in old.rglob("*") if p.is_dir()] + [old]:
        folder.chmod(0o555)
    assert main(["--root", str(published), "build"]) == 0
    assert not old.exists()


def test_the_link_is_archived_as_githubs_upload_pages_artifact_archives_it(published, tmp_path):
    archive = tmp_path / "artifact.tar"
    # actions/upload-pages-artifact@v3 runs exactly this (its action.yml).
    subprocess.run(
        [
            "tar",
            "--dereference",
            "--hard-dereference",
            "--directory",
            str(published / "site"),
            "-cf",
            str(archive),
            "--exclude=.git",
            "--exclude=.github",
            ".",
        ],
        check=True,
    )
    listing = subprocess.run(["tar", "-tvf", str(archive)], check=True, capture_output=True, text=True).stdout
    assert f"./{REPORT}" in listing and "./index.html" in listing
    assert not [line for line in listing.splitlines() if line.startswith(("l", "h"))]  # no links: Pages refuses them


# --- concurrent builds and kills, in real processes --------------------------------------------------------


def start_build(repo: Path, pause_at: str | None = None, **env: str) -> subprocess.Popen:
    environment = {**os.environ, **env}
    if pause_at:
        environment |= {PAUSE_AT_ENV: pause_at, PAUSE_FILE_ENV: str(repo.parent / f"pause-{pause_at}")}
    return subprocess.Popen(
        [sys.executable, "-m", "site_builder", "--root", str(repo), "build"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_pause(repo: Path, step: str, build: subprocess.Popen) -> Path:
    pause = repo.parent / f"pause-{step}"
    deadline = time.monotonic() + 60
    while not (pause.exists() and pause.read_text()) and time.monotonic() < deadline:
        assert build.poll() is None, build.communicate()
        time.sleep(0.02)
    assert pause.exists(), f"the build never reached {step}"
    return pause


def test_a_second_build_waits_for_the_first_and_both_publish_a_complete_site(published):
    first = start_build(published, "built")
    pause = wait_for_pause(published, "built", first)
    second = start_build(published)
    time.sleep(3)
    assert second.poll() is None  # waiting for the lock, not deleting the first one's version
    pause.unlink()
    assert first.wait(60) == 0 and second.wait(60) == 0, (first.communicate(), second.communicate())
    assert "等它结束" in second.communicate()[1]
    assert (published / "site" / REPORT).is_file() and len(versions(published)) == 1


def test_a_second_build_refuses_after_waiting_its_limit_and_touches_nothing(published):
    first = start_build(published, "built")
    pause = wait_for_pause(published, "built", first)
    staged = {p.name for p in (published / ".site-builds").iterdir()}
    second = start_build(published, SITE_BUILDER_LOCK_WAIT="1")
    assert second.wait(60) == 1
    err = second.communicate()[1]
    assert "另一个构建正在发布" in err and "Traceback" not in err
    assert {p.name for p in (published / ".site-builds").iterdir()} == staged
    pause.unlink()
    assert first.wait(60) == 0
    assert (published / "site" / REPORT).is_file() and (published / "site" / "assets").is_dir()


STEPS_BEFORE_THE_SWITCH = ["locked", "building", "built", "linked"]


@pytest.mark.parametrize("step", [*STEPS_BEFORE_THE_SWITCH, "switched"])
def test_a_kill_at_any_step_leaves_the_old_or_the_new_site_complete(published, step):
    old = file_digests(published / "site")
    with (published / "docs" / "index.md").open("a", encoding="utf-8") as page:
        page.write("\n新的一段。\n")  # the new site differs from the old one
    build = start_build(published, step)
    wait_for_pause(published, step, build)
    build.kill()
    assert build.wait() == -signal.SIGKILL
    now = file_digests(published / "site")
    assert start_build(published).wait(120) == 0  # the next build (the same code, in a process too) clears what is left
    new = file_digests(published / "site")
    assert old != new and now == (old if step in STEPS_BEFORE_THE_SWITCH else new)
    assert len(versions(published)) == 1


def test_a_kill_while_mkdocs_writes_the_new_site_leaves_the_old_one(published):
    before = file_digests(published / "site")
    build = start_build(published)
    deadline = time.monotonic() + 60
    while not list((published / ".site-builds").glob("*/site/assets")) and time.monotonic() < deadline:
        time.sleep(0.01)  # kill it once it has started writing the new site
    build.kill()
    assert build.wait() == -signal.SIGKILL, "the build finished before it could be interrupted"
    assert file_digests(published / "site") == before
    assert main(["--root", str(published), "build"]) == 0
    assert len(versions(published)) == 1


# --- what was committed ------------------------------------------------------------------------------------


def edit_seed(repo: Path) -> None:
    seed = repo / SEED
    seed.write_text(seed.read_text(encoding="utf-8") + "\n# 一处未提交的改动\n", encoding="utf-8")


def test_uncommitted_records_are_refused_in_ci_before_anything_is_built(committed, monkeypatch, capsys):
    monkeypatch.setenv("CI", "true")
    edit_seed(committed)
    (committed / "stations" / "panyu" / "draft.yaml").write_text("{}", encoding="utf-8")  # untracked counts too
    assert main(["--root", str(committed), "build"]) == 1
    err = capsys.readouterr().err
    assert "未提交的改动" in err and SEED in err and "stations/panyu/draft.yaml" in err
    assert not os.path.lexists(committed / "site")


def test_outside_ci_uncommitted_records_are_built_and_every_report_page_says_so(committed, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    assert main(["--root", str(committed), "build"]) == 0
    assert "含未提交的改动" not in (committed / "site" / REPORT).read_text(encoding="utf-8")
    edit_seed(committed)
    assert main(["--root", str(committed), "build"]) == 0
    reports = list((committed / "site" / "reports").rglob("index.html"))
    marked = [p for p in reports if "含未提交的改动" in p.read_text(encoding="utf-8")]
    assert marked and len(marked) == len([p for p in reports if "本页由" in p.read_text(encoding="utf-8")])
    pages = list((committed / "site").rglob("*.html"))
    assert all("含未提交改动的工作区生成" in page.read_text(encoding="utf-8") for page in pages)  # in every footer


def test_a_committed_tree_builds_in_ci(committed, monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert main(["--root", str(committed), "build"]) == 0
    assert "含未提交的改动" not in (committed / "site" / REPORT).read_text(encoding="utf-8")


def test_ci_may_publish_uncommitted_records_when_asked_and_they_are_marked(committed, monkeypatch):
    monkeypatch.setenv("CI", "true")
    edit_seed(committed)
    assert main(["--root", str(committed), "build", "--allow-uncommitted"]) == 0
    assert "含未提交的改动" in (committed / "site" / REPORT).read_text(encoding="utf-8")
