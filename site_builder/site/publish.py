"""`site-builder build`: build a complete new version of the site beside the published one, then switch to it in one step.

How publishing works (docs/ci.md tells maintainers the same):
- `site` is a symbolic link to `.site-builds/<id>/site`. A build writes a new version there and then replaces the
  link with rename(2) (os.replace). Readers and web servers see that as one step: a path resolves wholly in the old
  version or wholly in the new one, and there is never a moment without a site. A build that fails, or is killed at
  any step, leaves the link as it was, so the old site; the next build removes what it left.
- One build at a time per output folder: an exclusive lock (flock) on `.site.lock` beside it. A second build waits
  for the first, at most SITE_BUILDER_LOCK_WAIT seconds (default 600), then refuses with a Chinese message.
- A build deletes only versions it recognises as its own, by the MARKER file it wrote inside each, never by name.
  Whatever was at `site` before and is not such a link (a real folder from an older build, say) is moved aside to
  `.site-builds/previous-<id>` in the same single step (renameat2's exchange) and kept.
- An output folder that contains, or is inside, the repository's sources is refused before anything is touched.
- Published files get the permissions `mkdocs build` gives them (the umask's), not a temporary folder's 0700.
- Every file-system failure (full disk, read-only folder) is a Chinese message, and the published site stays.
- A published site says who publishes it: while mkdocs.yml's extra.publisher still holds the placeholders, the
  build is refused with the mkdocs.yml lines to fill in (--allow-placeholders builds a preview anyway).
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import logging
import os
import secrets
import shutil
import stat
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort, ConfigurationError, PluginError

from ..errors import Problems, SiteBuilderError, SourcePos
from ..records.git import git_text
from ..records.source_files import RULES_DIR, STATIONS_DIR
from .pages.publisher import PLACEHOLDER, Publisher
from .pausing import pause_point
from .plugin import plugin_of
from .provenance import uncommitted_changes

LOCK_WAIT_ENV, LOCK_WAIT_DEFAULT = "SITE_BUILDER_LOCK_WAIT", 600  # seconds
MARKER = "site-builder-version"
MARKER_TEXT = "这个目录是 site-builder 生成的一个网站版本；它不再发布时，下一次构建会删除整个目录。\n"
UNCHANGED = "网站未生成，已发布的网站保持不变。"
Built = TypeVar("Built")


def add_command(commands) -> None:
    command = commands.add_parser("build", help="检查并生成网站；全部成功后才一步切换到新网站")
    command.add_argument("--config", default="mkdocs.yml", metavar="文件", help="MkDocs 配置文件，默认 mkdocs.yml")
    command.add_argument("--site-dir", default="site", metavar="目录", help="发布目录，默认 site（指向 .site-builds/ 中当前版本的链接）")
    command.add_argument("--pdf", action="store_true", help="同时为每份报告生成 PDF（reports/…/<年度>-<阶段>.pdf），报告页上出现“下载 PDF”")
    command.add_argument(
        "--docx", action="store_true", help="同时为每份报告生成可编辑的 Word 文档（reports/…/<年度>-<阶段>.docx），报告页上出现“下载 Word”"
    )
    command.add_argument("--allow-uncommitted", action="store_true", help="在 CI 中也允许发布未提交的改动（每个报告页注明“含未提交的改动”）")
    command.add_argument(
        "--allow-placeholders", action="store_true", help="mkdocs.yml 的发布单位等信息还是示例文字时也生成网站（预览用，不应对外发布）"
    )
    command.set_defaults(command=run_build)


def run_build(args) -> int:
    root = Path(args.root)
    config_file = root / args.config
    publish_atomically(config_file, root / args.site_dir, args.pdf, args.allow_uncommitted, args.allow_placeholders, docx=args.docx)
    print(f"网站已生成：{args.site_dir}/index.html")
    for note in publishing_notes(config_file, args.allow_placeholders):
        print(note, file=sys.stderr)
    return 0


def publish_atomically(
    config_file: Path,
    site_dir: Path,
    pdf: bool = False,
    allow_uncommitted: bool = False,
    allow_placeholders: bool = False,
    docx: bool = False,
) -> None:
    output = checked_output(config_file, site_dir, allow_uncommitted)
    if not allow_placeholders:
        refuse_placeholders(config_file)
    publish(output, lambda site: build_into(config_file, site, pdf, docx=docx))


def checked_output(config_file: Path, site_dir: Path, allow_uncommitted: bool = False) -> Output:
    """The output folder, once it is known to be safe to publish at and the sources are committed (in CI)."""
    root = config_file.resolve().parent
    output = Output.at(site_dir)
    refuse_sources(output, site_dir, root, docs_dir_of(config_file, root))
    refuse_uncommitted(root, allow_uncommitted)
    return output


def build_into(config_file: Path, staging: Path, pdf: bool = False, districts: set[str] | None = None, docx: bool = False):
    """Build the site into staging; returns the MkDocs configuration the build ran with.

    districts: render only these districts' report and station pages (a shard; the empty set for none), None for all."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s", stream=sys.stderr)
    try:
        config = load_config(str(config_file), site_dir=str(staging), strict=True)
        plugin = plugin_of(config)
        if pdf:  # the PDFs are part of the build: a failed one leaves the published site as it was
            plugin.config.pdf = True
        if docx:  # so are the Word documents
            plugin.config.docx = True
        plugin.districts = districts
        config.plugins.on_startup(command="build", dirty=False)
        try:
            build(config)
        finally:
            config.plugins.on_shutdown()
        return config
    except (PluginError, ConfigurationError, Abort) as error:
        raise SiteBuilderError(None, f"{UNCHANGED}\n{error}") from None


# --- where a site is published -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Output:
    link: Path  # absolute; the published path, a link to the current version

    @classmethod
    def at(cls, site_dir: Path) -> Output:
        path = Path(os.path.abspath(site_dir))  # "." and ".." folded; the last name is not followed: it is our link
        return cls(path.parent.resolve() / path.name)

    @property
    def versions(self) -> Path:
        return self.link.with_name(f".{self.link.name}-builds")

    @property
    def lock(self) -> Path:
        return self.link.with_name(f".{self.link.name}.lock")


def docs_dir_of(config_file: Path, root: Path) -> Path:
    try:
        return Path(load_config(str(config_file)).docs_dir).resolve()
    except (ConfigurationError, Abort, OSError):
        return root / "docs"  # the build reports the broken configuration itself


def refuse_sources(output: Output, site_dir: Path, root: Path, docs_dir: Path) -> None:
    """Publishing replaces what is at the output path: never the repository, nor any of its sources."""
    holds_a_repository = not output.link.is_symlink() and (output.link / ".git").exists()
    if is_within(root, output.link) or is_within(Path.cwd().resolve(), output.link) or holds_a_repository:
        raise SiteBuilderError(
            None,
            f"不能发布到 {site_dir}：它就是仓库目录或当前目录，或包含它们，发布会替换其中的文件。"
            "请换一个新目录，如 --site-dir site。没有改动任何文件。",
        )
    for source in sorted(source_paths(root, docs_dir)):
        if is_within(output.link, source) or is_within(source, output.link):
            raise SiteBuilderError(
                None,
                f"不能发布到 {site_dir}：它与仓库的源文件 {source} 重叠（包含它或在它里面），"
                "发布会替换这些文件。请换一个新目录，如 --site-dir site。没有改动任何文件。",
            )


def source_paths(root: Path, docs_dir: Path) -> set[Path]:
    """The sources a site is built from: rules, records, hand-written pages, git's own folder, and everything git tracks."""
    tracked = (git_text(root, "ls-files", "-z") or "").split("\0")
    return {root / ".git", root / RULES_DIR, root / STATIONS_DIR, docs_dir} | {root / Path(name).parts[0] for name in tracked if name}


def is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def refuse_uncommitted(root: Path, allow: bool) -> None:
    """In CI (CI=true) the site is what was committed: changed or untracked records and rules stop the build."""
    if allow or os.environ.get("CI", "").strip().lower() not in ("true", "1"):
        return
    changed = uncommitted_changes(root)
    if changed:
        listed = "\n".join(f"  {path}" for path in changed[:20]) + (f"\n  ……另有 {len(changed) - 20} 个" if len(changed) > 20 else "")
        raise SiteBuilderError(
            None,
            f"rules/ 或 stations/ 中有未提交的改动（或未加入 git 的文件），CI 只发布已提交的内容。{UNCHANGED}\n"
            f"{listed}\n请提交（git add、git commit）或撤销这些改动后再构建；"
            "确需发布时加 --allow-uncommitted，每个报告页会注明“含未提交的改动”。",
        )


# --- who publishes it ------------------------------------------------------------------------------------------

PUBLISHER_FIELDS = {
    "name": ("发布单位", "name: 广州市番禺区民政局"),
    "contact": ("联系方式", "contact: pinggu@example.gov.cn（电子邮件、网址，或电话、地址）"),
    "licence": ("开放数据的许可协议", "licence: 知识共享署名 4.0 国际许可协议（CC BY 4.0）"),
    "licence_url": ("许可协议的网址", "licence_url: https://creativecommons.org/licenses/by/4.0/deed.zh-hans"),
    "objection": ("异议的提交方式", "objection: https://…/issues/new?title={标题}&body={记录}"),
}


def refuse_placeholders(config_file: Path) -> None:
    """Readers must learn who publishes the results and how to reach them: placeholders are never published."""
    try:
        text = config_file.read_text(encoding="utf-8")
        publisher = Publisher.from_extra(load_config(str(config_file)).extra)
    except (ConfigurationError, Abort, OSError, UnicodeError):
        return  # the build reports a broken or unreadable configuration itself
    errors = [placeholder_error(config_file.name, text, key) for key in publisher.placeholders()]
    if errors:
        raise SiteBuilderError(
            None,
            f"{UNCHANGED}\n{Problems(errors).format()}\n"
            "只想在本机预览时，加 --allow-placeholders（make site 默认就是预览）；对外发布前请填写这些值（见 docs/ci.md“第一次发布之前”）。",
        )


def placeholder_error(name: str, text: str, key: str) -> SiteBuilderError:
    label, example = PUBLISHER_FIELDS[key]
    return SiteBuilderError(
        publisher_line(name, text, key),
        f"extra.publisher.{key}（{label}）还是示例文字“{PLACEHOLDER}”，网站不能发布：读者要知道评估结果由谁发布、怎样联系。请把它改成实际的{label}。",
        example,
    )


def publisher_line(name: str, text: str, key: str) -> SourcePos | None:
    """Where mkdocs.yml writes extra.publisher's key (the value's column), or the publisher: line when the key is
    missing; None when there is no publisher: line at all."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == "publisher:"), None)
    if start is None:
        return None
    indent = len(lines[start]) - len(lines[start].lstrip())
    for number in range(start + 1, len(lines)):
        line = lines[number]
        if line.strip() and not line.lstrip().startswith("#") and len(line) - len(line.lstrip()) <= indent:
            break
        if line.lstrip().startswith(f"{key}:"):
            value = line.index(":", line.index(key)) + 1
            col = value + len(line[value:]) - len(line[value:].lstrip()) + 1
            return SourcePos(name, number + 1, col, number + 1, len(line.split("#")[0].rstrip()) + 1, line_text=line)
    return SourcePos(name, start + 1, indent + 1, start + 1, indent + len("publisher:") + 1, line_text=lines[start])


def publishing_notes(config_file: Path, allow_placeholders: bool) -> list[str]:
    """What a successful build still lacks for publishing: said after the build, which it does not stop."""
    try:
        config = load_config(str(config_file))
    except (ConfigurationError, Abort, OSError):
        return []
    notes = []
    if allow_placeholders and Publisher.from_extra(config.extra).placeholders():
        notes.append(f"提示：这是预览：mkdocs.yml 的发布单位等信息还是示例文字“{PLACEHOLDER}”，不要对外发布（见 docs/ci.md）。")
    if not config.site_url:
        notes.append("提示：mkdocs.yml 没有写 site_url（网站的网址），sitemap.xml 是空的，页面没有规范链接；发布前请写上，如 site_url: https://…/")
    return notes


# --- one build at a time -----------------------------------------------------------------------------------


@contextmanager
def exclusive(output: Output) -> Iterator[None]:
    """The lock is the kernel's (flock): a build that dies, even by SIGKILL, releases it; there is no stale lock."""
    output.link.parent.mkdir(parents=True, exist_ok=True)  # as mkdocs build makes a new --site-dir's parents
    descriptor = os.open(output.lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        wait_for_lock(descriptor, output)
        yield
    finally:
        os.close(descriptor)


def wait_for_lock(descriptor: int, output: Output) -> None:
    limit = lock_wait()
    deadline, told = time.monotonic() + limit, False
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise SiteBuilderError(
                    None,
                    f"另一个构建正在发布 {output.link}（锁文件 {output.lock.name}），等了 {limit} 秒仍未结束。"
                    f"本次没有构建，已发布的网站保持不变。请等它结束后再运行；"
                    f"等待的时间可用环境变量 {LOCK_WAIT_ENV}=秒数 调整。",
                ) from None
            if not told:
                print(f"另一个构建正在发布 {output.link}，等它结束（最多 {limit} 秒）……", file=sys.stderr)
                told = True
            time.sleep(0.1)


def lock_wait() -> int:
    chosen = os.environ.get(LOCK_WAIT_ENV, "").strip()
    return int(chosen) if chosen.isdigit() else LOCK_WAIT_DEFAULT


# --- versions and the switch -------------------------------------------------------------------------------


def publish(output: Output, produce: Callable[[Path], Built]) -> Built:
    """Under the lock: produce a new version into a fresh folder, switch the link to it, remove the old version."""
    with file_errors(), exclusive(output):
        pause_point("locked")
        warn_about(remove_old_versions(output, keep=current_version(output)))  # what a killed build left
        version = new_version(output)
        built = produce_and_switch(output, version, produce)
        pause_point("switched")
        warn_about(remove_old_versions(output, keep=version))
    return built


def produce_and_switch(output: Output, version: Path, produce: Callable[[Path], Built]) -> Built:
    try:
        pause_point("building")
        built = produce(version / "site")
        pause_point("built")
        switch_to(output, version)
        return built
    except BaseException:
        if current_version(output) != version:  # this run's version, never published: removed, the old one kept
            warn_about(remove_old_versions(output, keep=current_version(output)))
        raise


def new_version(output: Output) -> Path:
    """A folder made with the umask's permissions (mkdtemp's 0700 would make a web server answer 403)."""
    output.versions.mkdir(exist_ok=True)
    version = output.versions / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{secrets.token_hex(3)}"
    version.mkdir()
    (version / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    return version


def is_ours(folder: Path) -> bool:
    marker = folder / MARKER
    try:
        return (
            not folder.is_symlink()
            and folder.is_dir()
            and not marker.is_symlink()
            and marker.is_file()
            and marker.read_text(encoding="utf-8") == MARKER_TEXT
        )
    except (OSError, UnicodeDecodeError):
        return False


def current_version(output: Output) -> Path | None:
    """The version the link points to, if the link is ours."""
    try:
        target = os.readlink(output.link)
    except OSError:
        return None
    version = Path(os.path.normpath(output.link.parent / target)).parent
    return version if version.parent == output.versions and is_ours(version) else None


def switch_to(output: Output, version: Path) -> None:
    """Replace the link in one rename; it is made inside .site-builds first, where a killed build's copy is cleared."""
    link = output.versions / f".link-{version.name}"
    os.symlink(os.path.relpath(version / "site", output.link.parent), link)
    pause_point("linked")
    if output.link.is_symlink() or not os.path.lexists(output.link):
        os.replace(link, output.link)
    else:
        set_aside(output, link, version.name)


def set_aside(output: Output, link: Path, name: str) -> None:
    """What was at the output path is not known to be ours: swap it out in one step, and keep it."""
    kept = output.versions / f"previous-{name}"
    if exchange(link, output.link):
        os.rename(link, kept)  # the link's name now holds the old folder
    else:  # no exchange on this file system: for this once, a moment without a site
        os.rename(output.link, kept)
        os.replace(link, output.link)
    print(
        f"原来的 {output.link} 不是 site-builder 发布的版本链接（可能是旧版本生成的目录），已原样移到 {kept}："
        "site-builder 不删除不是它生成的文件；确认不再需要后，可以自行删除。",
        file=sys.stderr,
    )


AT_FDCWD, RENAME_EXCHANGE = -100, 2


def exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 with RENAME_EXCHANGE); False where the system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE) == 0:
        return True
    number = ctypes.get_errno()
    if number in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(number, os.strerror(number), str(second))


def remove_old_versions(output: Output, keep: Path | None) -> list[str]:
    """Remove the versions this tool made (by their marker) except keep, and its own unused links; never anything else."""
    failures = []
    entries = sorted(output.versions.iterdir()) if output.versions.is_dir() else []
    for entry in entries:
        try:
            if entry.name.startswith(".link-") and entry.is_symlink():
                entry.unlink()
            elif entry != keep and is_ours(entry):
                remove_tree(entry)
        except OSError as error:
            failures.append(f"{entry}（{error.strerror or error}）")
    return failures


def remove_tree(folder: Path) -> None:
    def writable_and_again(function, path, info):
        if function not in (os.unlink, os.rmdir):
            raise info[1]
        os.chmod(os.path.dirname(path), stat.S_IRWXU)  # a read-only folder (chmod -R a-w) keeps its entries otherwise
        function(path)

    shutil.rmtree(folder, onerror=writable_and_again)


def warn_about(failures: list[str]) -> None:
    for failure in failures:
        print(f"注意：未能删除不再发布的旧版本 {failure}。它带有 site-builder 的标记，下一次构建会再删除。", file=sys.stderr)


# --- file-system failures ----------------------------------------------------------------------------------

REASONS = {
    errno.ENOSPC: "磁盘空间已满",
    errno.EDQUOT: "磁盘配额已用完",
    errno.EROFS: "文件系统是只读的",
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
}
ADVICE = {
    errno.ENOSPC: "请腾出磁盘空间后再构建。",
    errno.EDQUOT: "请腾出磁盘空间后再构建。",
    errno.EROFS: "请发布到可写的目录（--site-dir）。",
    errno.EACCES: "请改正目录的权限，或发布到可写的目录（--site-dir）。",
    errno.EPERM: "请改正目录的权限，或发布到可写的目录（--site-dir）。",
}


@contextmanager
def file_errors() -> Iterator[None]:
    try:
        yield
    except OSError as error:
        raise SiteBuilderError(None, file_error_message(error)) from None


def file_error_message(error: OSError) -> str:
    code = error.errno or 0  # an OSError raised without an errno has none of the causes known here
    reason = REASONS.get(code, "文件操作失败")
    where = f"：{error.filename}" if error.filename else ""
    return f"{UNCHANGED}{reason}{where}（{error.strerror or error}）。{ADVICE.get(code, '请检查磁盘与目录后再构建。')}"
