"""Which files of the repository are read, and how: only regular files inside the tree, checked before a byte is read.

Records (stations/**/*.yaml) and rule files (rules/**: *.rules, *.tests.yaml, *.standing.md) arrive by pull request.
A symlink among them made the build print the first line of /etc/passwd in the CI log, read /dev/zero until memory
ran out, or publish a record from outside the repository; a FIFO would block the build forever. So the folders are
walked without following links and every entry that is not a regular file or a folder is refused at its path; a
file is then opened one folder at a time from the root without following any link (O_NOFOLLOW), and its size is
taken from the open file before anything is read.

File names are refused when they hold control characters: a newline in a name could forge lines of the check's
output, such as GitHub workflow commands. Files whose extension looks like a record or rule file but is not the one
that gets read (.yml, .YAML, .RULES…) are errors, since what they hold would silently go unpublished.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..errors import RecordError, RecordWarning, SiteBuilderError, SourcePos
from .yaml_source import MAX_RECORD_CHARS

# UTF-8 takes at most four bytes a character, so a larger file certainly holds more than a record may; files up to
# this size are read and then held to MAX_RECORD_CHARS. Rule files and their tests share the bound.
MAX_SOURCE_BYTES = 4 * MAX_RECORD_CHARS

RECORD_SUFFIX = ".yaml"
RULES_SUFFIX, TESTS_SUFFIX, STANDING_SUFFIX = ".rules", ".tests.yaml", ".standing.md"
# Extensions someone could mean a record or a rule file by: a file ending so, in any case, that is not read is an error.
LOOKALIKE_SUFFIXES = (".yaml", ".yml", ".json", ".rules", ".rule")
NOTES_SUFFIX = ".md"  # README.md and other notes for people: never read, never published, never reported
# Hidden files that do not look like a record (.gitkeep, .DS_Store, an editor's .x.yaml.swp) are not reported either.

# C0 and C1 controls, line and paragraph separators, the marks that reverse the direction of text, and the lone
# surrogates Python gives bytes that are not UTF-8 (which no terminal or log could print).
UNSAFE_IN_NAMES = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


# Names of pages the site generates inside a folder (districts/index.md lists the districts): a district, station or
# rule file named so would replace that page. Compared case-insensitively, as on Windows and macOS disks.
RESERVED_NAMES = frozenset({"index"})


def reserved_page_name(name: str) -> bool:
    return name.casefold() in RESERVED_NAMES


@dataclass(frozen=True)
class Folder:
    """One of the repository's input folders and the files in it that get read."""

    name: str
    suffixes: tuple[str, ...]
    kind: str  # what its files are called in messages

    def reads(self, file_name: str) -> bool:
        return file_name.endswith(self.suffixes)


STATIONS = Folder("stations", (RECORD_SUFFIX,), "评估记录（以 .yaml 结尾）")
RULES = Folder("rules", (RULES_SUFFIX, TESTS_SUFFIX, STANDING_SUFFIX), "规则文件（.rules）、规则测试（.tests.yaml）或固定说明（.standing.md）")
RULES_DIR, STATIONS_DIR = RULES.name, STATIONS.name


@dataclass
class Listing:
    """The files of a folder that get read, by path from the repository root, and what was refused on the way."""

    files: list[str] = field(default_factory=list)
    problems: list[SiteBuilderError] = field(default_factory=list)


def list_sources(root: Path, folder: Folder) -> Listing:
    """Walk root/folder without following links: regular files to read, and an error or warning for the rest."""
    listing = Listing()
    top = Path(root) / folder.name
    if top.is_symlink():
        listing.problems.append(refusal(folder.name, "是符号链接"))
    elif top.is_dir():
        folders = [(top, folder.name)]
        while folders:  # a loop, not recursion: a hostile tree may nest folders thousands deep
            folders += visit(*folders.pop(), folder, listing)
    listing.files.sort(key=lambda name: PurePosixPath(name).parts)
    return listing


def visit(directory: Path, name: str, folder: Folder, listing: Listing) -> list[tuple[Path, str]]:
    """Classify the entries of one directory; the folders in it to visit next."""
    try:
        entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    except OSError as error:
        listing.problems.append(unreadable(name, error))
        return []
    inner_folders = []
    for entry in entries:
        inner = f"{name}/{entry.name}"
        if UNSAFE_IN_NAMES.search(entry.name):
            listing.problems.append(unsafe_name(inner))
        elif entry.is_symlink():
            listing.problems.append(refusal(inner, "是符号链接"))
        elif entry.is_dir(follow_symlinks=False):
            if looks_like_source(entry.name, folder):
                listing.problems.append(refusal(inner, "是文件夹"))
            inner_folders.append((Path(entry.path), inner))
        elif not entry.is_file(follow_symlinks=False):
            listing.problems.append(refusal(inner, f"不是普通文件（是{special_kind(entry)}）"))
        else:
            classify(inner, entry.name, folder, listing)
    return inner_folders


def classify(name: str, file_name: str, folder: Folder, listing: Listing) -> None:
    if folder.reads(file_name):
        listing.files.append(name)
        listing.problems += reserved_name_errors(name, folder)
    elif looks_like_source(file_name, folder):
        listing.problems.append(
            RecordError(
                SourcePos(name, 1, 1),
                "",
                f"{name} 不会被读取：扩展名不对，检查与网站都会忽略它，其中的内容不会发布。{folder.name}/ 下的文件应是{folder.kind}。",
                suggested_name(name, folder),
            )
        )
    elif not file_name.endswith(NOTES_SUFFIX) and not file_name.startswith("."):  # .gitkeep, .DS_Store, swap files
        listing.problems.append(RecordWarning(SourcePos(name, 1, 1), "", f"{name} 不是{folder.kind}，检查与网站都会忽略它。"))


def looks_like_source(file_name: str, folder: Folder) -> bool:
    lower = file_name.lower()
    return lower.endswith(LOOKALIKE_SUFFIXES) or any(lower.endswith(suffix) for suffix in folder.suffixes)


def suggested_name(name: str, folder: Folder) -> str:
    stem = name.rsplit(".", 1)[0]
    lower = name.lower()
    if ".tests." in lower:
        return stem[: lower.rindex(".tests.")] + TESTS_SUFFIX
    return stem + (RULES_SUFFIX if folder is RULES and lower.endswith((".rules", ".rule")) else RECORD_SUFFIX)


def reserved_name_errors(name: str, folder: Folder) -> list[SiteBuilderError]:
    """A rule file becomes a page at its own path (rules/x/y.rules → rules/x/y/); index would replace a listing."""
    stem = PurePosixPath(name).name[: -len(RULES_SUFFIX)]
    if folder is not RULES or not name.endswith(RULES_SUFFIX) or not reserved_page_name(stem):
        return []
    return [
        RecordError(
            SourcePos(name, 1, 1),
            "",
            f"规则文件不能叫“{stem}{RULES_SUFFIX}”：“{stem}”是网站生成的页面使用的名称，规则集页面会与它冲突。请换一个文件名。",
            "rules/guangzhou/sgz-2025.rules",
        )
    ]


def special_kind(entry: os.DirEntry) -> str:
    mode = entry.stat(follow_symlinks=False).st_mode
    if stat.S_ISFIFO(mode):
        return "命名管道"
    if stat.S_ISSOCK(mode):
        return "套接字"
    return "设备" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "特殊文件"


def refusal(name: str, what: str) -> RecordError:
    return RecordError(
        SourcePos(name, 1, 1), "", f"{name} {what}：规则文件与评估记录只能是仓库中的普通文件，检查不会读取它。请换成文件本身（直接提交文件的内容）。"
    )


def unsafe_name(name: str) -> RecordError:
    shown = printable(name)
    return RecordError(
        SourcePos(shown, 1, 1),
        "",
        f"文件名“{shown}”含有控制字符（如换行、Tab、ESC）、改变文字方向的字符或不是 UTF-8 的字节，检查不会读取它。请只用文字、数字、连字符与点命名。",
        "2024-2025-中期.yaml",
    )


def printable(name: str) -> str:
    """The name with its control characters written as escapes (\\n, \\x1b, \\u202e), safe to print anywhere."""
    return UNSAFE_IN_NAMES.sub(lambda found: found.group().encode("unicode_escape").decode("ascii"), name)


def unreadable(name: str, error: OSError) -> RecordError:
    return RecordError(SourcePos(name, 1, 1), "", f"无法读取 {name}（{error.strerror or type(error).__name__}）。")


# --- reading one file ----------------------------------------------------------------------------------


def read_source(root: Path, name: str, limit: int = MAX_SOURCE_BYTES) -> bytes:
    """The bytes of the regular file root/name (a path from the root, such as stations/a/b/c.yaml), read only
    if no link leads to it and it holds at most limit bytes; anything else raises a RecordError at name."""
    try:
        descriptor = open_beneath(Path(root), name)
    except OSError as error:
        raise open_refusal(name, error) from None
    try:
        return read_regular(descriptor, name, limit)
    except OSError as error:
        raise unreadable(name, error) from None
    finally:
        os.close(descriptor)


def read_source_text(root: Path, name: str) -> str:
    return decode_source(read_source(root, name), name)


FOLDER_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
FILE_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def open_beneath(root: Path, name: str) -> int:
    """Open root/name one folder at a time, refusing a link at every step, so nothing outside root is reached."""
    parts = PurePosixPath(name).parts
    if not parts or PurePosixPath(name).is_absolute() or any(part in (".", "..") for part in parts):
        raise OSError(errno.EXDEV, "不在仓库内")
    if os.open not in os.supports_dir_fd:  # no openat: check each step, then open without following a final link
        return open_checked(root, parts)
    folder = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        for part in parts[:-1]:
            inner = os.open(part, FOLDER_FLAGS, dir_fd=folder)
            os.close(folder)
            folder = inner
        return os.open(parts[-1], FILE_FLAGS, dir_fd=folder)
    finally:
        os.close(folder)


def open_checked(root: Path, parts: tuple[str, ...]) -> int:
    path = root
    for part in parts:
        path = path / part
        if path.is_symlink():
            raise OSError(errno.ELOOP, "符号链接")
    return os.open(path, FILE_FLAGS)


def read_regular(descriptor: int, name: str, limit: int) -> bytes:
    status = os.fstat(descriptor)
    if not stat.S_ISREG(status.st_mode):
        raise refusal(name, "不是普通文件")
    if status.st_size > limit:
        raise too_large(name, status.st_size, limit)
    chunks, size = [], 0
    while chunk := os.read(descriptor, min(limit + 1 - size, 1 << 20)):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:  # the file grew after fstat
            raise too_large(name, size, limit)
    return b"".join(chunks)


def too_large(name: str, size: int, limit: int) -> RecordError:
    return RecordError(
        SourcePos(name, 1, 1), "", f"文件过大（{size} 字节）：规则文件与评估记录不应超过 {limit} 字节。请检查是否误把其他文件放进了目录。"
    )


def open_refusal(name: str, error: OSError) -> RecordError:
    if error.errno in (errno.ELOOP, errno.EMLINK, errno.ENOTDIR):  # a link where a file or folder should be
        return refusal(name, "是符号链接（或在符号链接的文件夹中）")
    if error.errno == errno.EXDEV:
        return refusal(name, "不在仓库内")
    if error.errno == errno.ENOENT:
        return RecordError(SourcePos(name, 1, 1), "", f"找不到文件 {name}。")
    return unreadable(name, error)


def decode_source(data: bytes, name: str, keep_bom: bool = False) -> str:
    """A file's text; anything that is not UTF-8 is refused with the position of the first bad byte.

    Every reader of rules/ and stations/ decodes here. keep_bom: fmt compares the text with its canonical layout and
    must see the file exactly as stored; every other reader reads past a byte-order mark.
    """
    try:
        return data.decode("utf-8" if keep_bom else "utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise RecordError(
            SourcePos(name, line, column),
            "",
            f"文件不是 UTF-8 编码（第 {error.start + 1} 个字节无法识别）。请用 UTF-8 保存，或检查是否误把其他文件放进了目录。",
        ) from None
