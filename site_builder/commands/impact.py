"""`site-builder diff [BASE]`: which evaluation results a change to rules/ or stations/ moves.

Every record is evaluated twice, under the rules and data at BASE (a git commit) and under the working
tree, and the records whose total, grade or fired vetoes differ are reported, ready for a pull-request
comment. Reviewers of a one-line rule change thus see every station it regrades before merging.
"""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import MAX_LISTED_PER_FILE, Problems, SiteBuilderError
from ..language.formatting import plain
from ..language.ruleset import NOT_GRADED
from ..records import source_files
from ..records.git import GitFailed, GitMissing, NoSuchFolder, run_git
from ..records.project import Project, load_project
from ..records.source_files import RULES_DIR, STATIONS_DIR
from ..site.pages.text import escaped

MAIN_BRANCHES = ("main", "origin/main")
WORKING_TREE = "工作区"


def add_command(commands) -> None:
    diff = commands.add_parser("diff", help="比较基准版本与工作区：列出总分、等级或否决结果有变化的记录")
    diff.add_argument("base", nargs="?", metavar="BASE", help="作为基准的 git 版本（分支、标签或提交）；默认为当前分支与 main 的分叉点")
    diff.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    diff.set_defaults(command=run_diff)


def run_diff(args) -> int:
    root = Path(args.root)
    base = resolve_base(root, args.base)
    with tempfile.TemporaryDirectory(prefix="site-builder-diff-") as folder:
        extract_tree(root, base.commit, Path(folder))
        old = checked_project(Path(folder), f"基准版本 {base.label}（{base.short}）")
    new = checked_project(root, WORKING_TREE)
    impact = compare(old, new)
    print(json.dumps(impact_json(impact, base), ensure_ascii=False, indent=2) if args.json else impact_markdown(impact, base))
    return 0


# --- the base version -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Base:
    label: str  # as the user named it, or the main branch for the default
    commit: str  # full commit id
    fork_point: bool = False  # the default: where HEAD left the main branch, not its tip

    @property
    def short(self) -> str:
        return self.commit[:7]


class GitError(SiteBuilderError):
    pass


def git(root: Path, *args: str) -> subprocess.CompletedProcess:
    """Run git in the working tree (records.git); git that cannot run is a Chinese error, a failing one the caller's to judge."""
    try:
        return run_git(root, *args)
    except GitMissing:
        raise GitError(None, "找不到 git 命令：site-builder diff 需要 git 来读取基准版本。") from None
    except NoSuchFolder:
        raise GitError(None, f"仓库根目录 {root} 不存在。") from None
    except GitFailed as failed:
        raise GitError(None, failed.message) from None


def resolve_base(root: Path, ref: str | None) -> Base:
    require_repository(root)
    if ref is not None:
        return Base(ref, verified_commit(root, ref))
    return default_base(root)


def require_repository(root: Path) -> None:
    if not root.is_dir() or git(root, "rev-parse", "--is-inside-work-tree").returncode != 0:
        raise GitError(None, f"{root} 不在 git 仓库中：site-builder diff 要从 git 历史中取出基准版本。")


def commit_of(root: Path, ref: str) -> str | None:
    # A ref starting with "-" would be read as an option; no branch or tag can start with one anyway.
    if not ref or ref.startswith("-"):
        return None
    done = git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    return done.stdout.decode().strip() if done.returncode == 0 else None


def verified_commit(root: Path, ref: str) -> str:
    commit = commit_of(root, ref)
    if commit is None:
        raise GitError(None, f"找不到 git 版本“{ref}”：请写分支名、标签或提交编号。", "site-builder diff main 或 site-builder diff origin/main")
    return commit


def default_base(root: Path) -> Base:
    """Where the current branch left main: changes made on main since then are not the branch's doing."""
    branch = next((name for name in MAIN_BRANCHES if commit_of(root, name)), None)
    if branch is None:
        raise GitError(
            None,
            "没有写明基准版本，而仓库里既没有 main 分支，也没有 origin/main：无法确定与哪个版本比较。",
            "site-builder diff <分支、标签或提交>；在 CI 中先 git fetch origin main",
        )
    done = git(root, "merge-base", "HEAD", branch)
    if done.returncode != 0:
        raise GitError(None, f"当前提交与 {branch} 没有共同的祖先（或仓库还没有任何提交），无法确定基准版本。", f"site-builder diff {branch}")
    return Base(branch, done.stdout.decode().strip(), fork_point=True)


def extract_tree(root: Path, commit: str, target: Path) -> None:
    """Write the commit's rules/ and stations/ (those of them it has) into target."""
    listed = git(root, "ls-tree", "--name-only", commit, "--", RULES_DIR, STATIONS_DIR)
    folders = listed.stdout.decode().split()
    if not folders:
        return  # a base before the first rule or record: every record is new
    refuse_what_is_not_a_plain_file(root, commit, folders)
    archive = git(root, "archive", "--format=tar", commit, "--", *folders)
    if archive.returncode != 0:
        raise GitError(None, f"无法从 git 版本 {commit[:7]} 中取出 {'、'.join(folders)}：{archive.stderr.decode().strip()}")
    try:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(target, filter="data")  # "data" refuses links and paths that leave target
    except (tarfile.TarError, OSError) as error:
        raise GitError(None, f"无法从 git 版本 {commit[:7]} 中取出规则与记录：{error}") from None


# git's file modes: a symlink, and a submodule (a commit of another repository), neither of them a file to read
LINK_MODES = {"120000": "符号链接", "160000": "子模块"}


def refuse_what_is_not_a_plain_file(root: Path, commit: str, folders: list[str]) -> None:
    """As in the working tree (source_files), the base's rules and records are read only when they are plain files of
    a sane size: git's own listing says so before a byte of them is taken out."""
    listed = git(root, "ls-tree", "-r", "-z", "-l", commit, "--", *folders)
    problems = []
    for entry in listed.stdout.decode("utf-8", "surrogateescape").split("\0"):
        if not entry:
            continue
        meta, _, name = entry.partition("\t")
        mode, _kind, _object, size = meta.split()
        shown = source_files.printable(name.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
        if mode in LINK_MODES:
            problems.append(f"{shown} 是{LINK_MODES[mode]}")
        elif size.isdigit() and int(size) > source_files.MAX_SOURCE_BYTES:
            problems.append(f"{shown} 过大（{size} 字节）")
    if problems:
        listed_problems = "；".join(problems[:MAX_LISTED_PER_FILE]) + ("……" if len(problems) > MAX_LISTED_PER_FILE else "")
        raise GitError(
            None,
            f"基准版本 {commit[:7]} 中的规则与记录只能是普通文件，无法比较：{listed_problems}。",
            "先在基准分支上把它换成文件本身，或与另一个版本比较：site-builder diff <分支、标签或提交>",
        )


# --- the two evaluations ----------------------------------------------------------------------------


class SideErrors(Problems):
    """A side that does not load cleanly cannot be compared; its errors are shown under its name."""

    def __init__(self, side: str, errors: list[SiteBuilderError]):
        super().__init__(errors)
        self.side = side

    def format(self) -> str:
        return f"{self.side}有错误，无法比较评估结果：\n\n" + super().format()


def checked_project(root: Path, side: str) -> Project:
    project = load_project(root)
    if project.errors:
        raise SideErrors(side, project.errors)
    return project


@dataclass(frozen=True)
class PublishedResult:
    """What a reader of the report sees for one record: the rule-set version, total, grade and fired vetoes."""

    rules: tuple[str, str]
    total: str
    grade: str | None
    vetoes: tuple[str, ...]

    def as_json(self) -> dict:
        return {"total": self.total, "grade": self.grade, "vetoes": list(self.vetoes), "rules": {"id": self.rules[0], "version": self.rules[1]}}


@dataclass(frozen=True)
class Impact:
    compared: int
    changed: list[tuple[str, PublishedResult, PublishedResult]]
    added: list[tuple[str, PublishedResult]]
    removed: list[tuple[str, PublishedResult]]


def published_results(project: Project) -> dict[str, PublishedResult]:
    return {
        key: PublishedResult((r.ruleset.id, r.ruleset.version), plain(r.total), r.grade, tuple(r.fired)) for key, r in sorted(project.results.items())
    }


def compare(old_project: Project, new_project: Project) -> Impact:
    old, new = published_results(old_project), published_results(new_project)
    both = [key for key in new if key in old]
    return Impact(
        compared=len(both),
        changed=[(key, old[key], new[key]) for key in both if old[key] != new[key]],
        added=[(key, new[key]) for key in new if key not in old],
        removed=[(key, old[key]) for key in old if key not in new],
    )


# --- output -----------------------------------------------------------------------------------------


def impact_json(impact: Impact, base: Base) -> dict:
    return {
        "base": {"ref": base.label, "commit": base.commit, "fork_point": base.fork_point},
        "changed": [{"record": key, "old": old.as_json(), "new": new.as_json()} for key, old, new in impact.changed],
        "added": [{"record": key, "new": new.as_json()} for key, new in impact.added],
        "removed": [{"record": key, "old": old.as_json()} for key, old in impact.removed],
    }


def impact_markdown(impact: Impact, base: Base) -> str:
    where = f"与 `{base.label}` 的分叉点 `{base.short}`" if base.fork_point else f"`{base.label}`（`{base.short}`）"
    lines = ["## 评估结果变化", "", f"基准：{where}；对比：{WORKING_TREE}（含未提交的改动）。", ""]
    if not (impact.changed or impact.added or impact.removed):
        return "\n".join(lines + [f"没有变化：{impact.compared} 份记录的总分、等级与触发的否决都与基准相同。"])
    lines += changed_section(impact) + one_side_section(impact)
    return "\n".join(lines).rstrip()


def changed_section(impact: Impact) -> list[str]:
    if not impact.changed:
        return [f"{impact.compared} 份两侧都有的记录，总分、等级与触发的否决都没有变化。", ""]
    show_rules = any(old.rules != new.rules for _, old, new in impact.changed)
    header = ["记录", "总分", "等级", "触发的否决"] + (["规则集版本"] if show_rules else [])
    lines = [f"{len(impact.changed)} 份记录的结果有变化（共比较 {impact.compared} 份）：", "", *table_head(header)]
    for key, old, new in impact.changed:
        cells = [escaped(key), moved(old.total, new.total), moved(grade_text(old), grade_text(new)), moved(vetoes_text(old), vetoes_text(new))]
        if show_rules:
            cells.append(moved(rules_text(old), rules_text(new)))
        lines.append(row(cells))
    return lines + [""]


def one_side_section(impact: Impact) -> list[str]:
    if not (impact.added or impact.removed):
        return []
    lines = ["### 只在一侧的记录", "", *table_head(["记录", "所在", "总分", "等级", "触发的否决", "规则集版本"])]
    sides = [(key, "只在工作区（新增）", outcome) for key, outcome in impact.added]
    sides += [(key, "只在基准（已删除）", outcome) for key, outcome in impact.removed]
    for key, side, outcome in sides:
        lines.append(row([escaped(key), side, outcome.total, grade_text(outcome), vetoes_text(outcome), rules_text(outcome)]))
    return lines + [""]


def table_head(header: list[str]) -> list[str]:
    return [row(header), row(["---"] * len(header))]


def row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def moved(old: str, new: str) -> str:
    return escaped(old) if old == new else f"{escaped(old)} → {escaped(new)}"


def grade_text(outcome: PublishedResult) -> str:
    return outcome.grade or NOT_GRADED


def vetoes_text(outcome: PublishedResult) -> str:
    return "、".join(outcome.vetoes) or "无"


def rules_text(outcome: PublishedResult) -> str:
    return f"{outcome.rules[0]} {outcome.rules[1]}"
