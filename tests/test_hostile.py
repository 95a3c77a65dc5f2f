"""Hostile and broken input: each case ends in a clear Chinese error in bounded time, never a traceback or a hang."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from site_harness import SEED_REPO

from site_builder.commands.cli import github_annotation
from site_builder.errors import MAX_LISTED_PER_FILE, Problems, SiteBuilderError, SourcePos, error_count
from site_builder.records.project import load_project
from site_builder.records.source_files import MAX_SOURCE_BYTES
from site_builder.site.assembly import standing_text

RECORD = "stations/panyu/shiqiao-dongxi/2024-2025-中期.yaml"
RULES = "rules/guangzhou/sgz-2024.rules"
SEED_TEXT = (SEED_REPO / RECORD).read_text(encoding="utf-8")
RULES_TEXT = (SEED_REPO / RULES).read_text(encoding="utf-8")

BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))

RECORD_CASES = {
    "billion laughs": (BILLION_LAUGHS.encode(), "不能使用 YAML 别名"),
    "deep nesting": (("a: " + "[" * 5000 + "]" * 5000).encode(), "嵌套超过 30 层"),
    "huge scalar": (b"a: " + b"x" * 3_000_000, "文件过大"),
    "not utf-8": ("站点：".encode("gbk"), "不是 UTF-8 编码"),
    "control character pasted from Word": (SEED_TEXT.replace("  stage: 中期", "  stage: 中\x1b[2J期").encode(), "控制字符（U+001B）"),
    "binary": (bytes(range(256)) * 4, "不是 UTF-8 编码"),
    "empty file": (b"", "记录文件应由若干字段组成"),
    "not yaml": (b"<html><body>not yaml: [</body></html>", "YAML 格式有误"),
    "duplicate key": (SEED_TEXT.replace("  stage: 中期\n", "  stage: 中期\n  stage: 末期\n").encode(), "重复的字段名"),
    "tab indentation": (SEED_TEXT.replace("  stage: 中期", "\tstage: 中期").encode(), "YAML 格式有误"),
    "python object tag": (b"station: !!python/object/apply:os.system [echo hi]\n", "社工站应为若干字段"),  # never run
    "path traversal in ids": (SEED_TEXT.replace("  id: shiqiao-dongxi", "  id: ../../etc").encode(), "station.id"),
    "absolute path as id": (SEED_TEXT.replace("  id: shiqiao-dongxi", "  id: /etc/passwd").encode(), "station.id"),
    "windows device name as id": (SEED_TEXT.replace("  id: shiqiao-dongxi", "  id: con").encode(), "Windows 保留的设备名"),
    "very long id": (SEED_TEXT.replace("  id: shiqiao-dongxi", "  id: " + "a" * 300).encode(), "最多 64 个字符"),
}

RULE_CASES = {
    "deep expression": (RULES_TEXT + "\n定义 长 = " + "+".join(["1"] * 5000) + "\n", "嵌套太深"),
    "long chain of definitions": (RULES_TEXT + "\n定义 d0 = 1\n" + "".join(f"定义 d{i} = d{i - 1} + 1\n" for i in range(1, 3000)), "超过 50 层"),
    "enormous number": (RULES_TEXT + "\n定义 巨大 = " + "9" * 5000 + " × " + "9" * 5000 + "\n否决 巨 当 巨大 > 1\n", ""),
    "right-to-left override": (RULES_TEXT.replace("评分项 服务监测", "评分项 服务\u202e监测"), "无法识别的字符"),
    "division by zero in rules": (RULES_TEXT + "\n定义 零 = 1 / 0\n否决 除零 当 零 > 1\n", "除数为零"),
}


def repo_with(tmp_path: Path, path: str, content: bytes) -> Path:
    shutil.copytree(SEED_REPO / "rules", tmp_path / "rules")
    shutil.copytree(SEED_REPO / "stations", tmp_path / "stations")
    (tmp_path / path).write_bytes(content)
    return tmp_path


def check_in_bounded_time(repo: Path) -> str:
    started = time.monotonic()
    project = load_project(repo)  # any exception other than the project's own would fail the test here
    assert time.monotonic() - started < 20
    return "\n".join(e.format() for e in project.errors)


@pytest.mark.parametrize("case", RECORD_CASES)
def test_hostile_record(tmp_path, case):
    content, expected = RECORD_CASES[case]
    report = check_in_bounded_time(repo_with(tmp_path, RECORD, content))
    assert RECORD in report and expected in report


@pytest.mark.parametrize("case", RULE_CASES)
def test_hostile_rule_file(tmp_path, case):
    text, expected = RULE_CASES[case]
    report = check_in_bounded_time(repo_with(tmp_path, RULES, text.encode("utf-8")))
    assert expected in report


# --- numbers, text and ids in records: refused at the value, with the reason ----------------------------------


def seed_with(old: str, new: str) -> bytes:
    assert old in SEED_TEXT, f"the seed record no longer contains {old!r}"
    return SEED_TEXT.replace(old, new, 1).encode("utf-8")


NUMBER_CASES = {
    "hex funding": (seed_with("funding_yuan: 2400000", "funding_yuan: 0x337A3F3CE"), "十六进制"),
    "octal score": (seed_with("服务成效: 12.3", "服务成效: 0o14"), "八进制"),
    "leading zeros": (seed_with("服务成效: 12.3", "服务成效: 012"), "多余的 0"),
    "underscores": (seed_with("funding_yuan: 2400000", "funding_yuan: 2_400_000"), "下划线"),
    "exponent": (seed_with("服务成效: 12.3", "服务成效: 1.23e1"), "科学计数法"),
    "nan fact": (seed_with("社工缺少人次: 0", "社工缺少人次: .nan"), ".nan"),
    "inf indicator": (seed_with("actual: 1035}", "actual: .inf}"), ".inf"),
    "nan funding": (seed_with("funding_yuan: 2400000", "funding_yuan: .NaN"), ".nan"),
    "5,000-digit integer": (seed_with("funding_yuan: 2400000", "funding_yuan: " + "9" * 5000), "整数部分有 5000 位"),
    "too many significant digits": (seed_with("服务成效: 12.3", "服务成效: 12.3000000000000000000000000001"), "有效数字有 30 位"),
    "lone surrogate": (seed_with("street: 市桥街道", 'street: "市桥\\ud800街道"'), "单独的代理码位"),
    "id with a trailing newline": (seed_with("  id: shiqiao-dongxi", '  id: "shiqiao-dongxi\\n"'), "station.id"),
    "district named like a generated page": (seed_with("    id: panyu", "    id: index"), "网站生成的页面"),
    "station named like a generated page": (seed_with("  id: shiqiao-dongxi", "  id: index"), "网站生成的页面"),
    "declared sub-district without a score": (seed_with("    西片区: 15\n", ""), "缺少片区“西片区”的评分"),
}


@pytest.mark.parametrize("case", NUMBER_CASES)
def test_hostile_value_in_a_record_is_refused_at_the_value(tmp_path, case):
    content, expected = NUMBER_CASES[case]
    project = load_project(repo_with(tmp_path, RECORD, content))  # any exception would fail the test here
    report = "\n".join(e.format() for e in project.errors)
    assert expected in report and RECORD in report
    assert "Traceback" not in report and project.results == {}
    report.encode("utf-8")  # printable: no lone surrogate reaches the terminal or the CI log


def test_a_number_with_more_digits_than_a_float_keeps_every_digit_and_rounds_as_written(tmp_path):
    exact = "9.8249999999999999999"
    text = SEED_TEXT.replace(
        "    东一片区: 15\n    东二片区: 15.26\n    西片区: 15\n", f"    东一片区: {exact}\n    东二片区: {exact}\n    西片区: {exact}\n"
    )
    project = load_project(repo_with(tmp_path, RECORD, text.encode("utf-8")), cache=False)
    assert project.errors == []
    record = project.records[0]
    assert record.content["scores"]["服务质量"]["东一片区"] == Decimal(exact)
    quality = next(item for item in project.results[record.key].items if item.name == "服务质量")
    assert quality.score == Decimal("9.82")  # through a float, 9.825 would round half up to 9.83


def test_thousands_of_undeclared_sub_districts_are_reported_quickly_and_listed_up_to_the_cap(tmp_path):
    scores = "".join(f"    片区{i}: 15\n" for i in range(6000))
    content = seed_with("    东一片区: 15\n", "    东一片区: 15\n" + scores)
    started = time.monotonic()
    project = load_project(repo_with(tmp_path, RECORD, content), cache=False)
    assert time.monotonic() - started < 20
    listed = [e for e in project.errors if e.pos and e.pos.file == RECORD]
    assert len(listed) == MAX_LISTED_PER_FILE + 1
    assert "另有 5950 处错误未列出" in listed[-1].format()
    assert error_count(project.errors) == 6000
    assert len(Problems(project.errors).format()) < 100_000


# --- files: only regular files inside the repository are read --------------------------------------------


def copy_of_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(SEED_REPO / "rules", repo / "rules")
    shutil.copytree(SEED_REPO / "stations", repo / "stations")
    return repo


def check_output(repo: Path, *options: str) -> str:
    """site-builder check as CI runs it, in its own process, so that a hang or a crash fails the test."""
    done = subprocess.run(
        [sys.executable, "-m", "site_builder", "--root", str(repo), "check", *options], capture_output=True, text=True, timeout=60, check=False
    )
    output = done.stdout + done.stderr
    assert "Traceback" not in output
    assert done.returncode == 1, output
    return output


OUTSIDE = "outside/2024-2025-中期.yaml"
STATION_DIR = "stations/panyu/shiqiao-dongxi"

FILE_SYSTEM_CASES = {
    "symlink to a system file": (lambda repo: symlink(repo, "stations/panyu/x/2024-2025-中期.yaml", "/etc/passwd"), "符号链接"),
    "symlink to /dev/zero": (lambda repo: symlink(repo, "stations/panyu/x/2024-2025-中期.yaml", "/dev/zero"), "符号链接"),
    "symlink to a record outside": (lambda repo: symlink(repo, "stations/nansha/x/2024-2025-中期.yaml", str(repo.parent / OUTSIDE)), "符号链接"),
    "symlink pointing inside": (lambda repo: symlink(repo, "stations/panyu/x/2024-2025-末期.yaml", str(repo / RECORD)), "符号链接"),
    "broken symlink": (lambda repo: symlink(repo, "stations/panyu/x/2024-2025-中期.yaml", "/no/such/file"), "符号链接"),
    "looping symlink": (
        lambda repo: (symlink(repo, "stations/panyu/a.yaml", "b.yaml"), symlink(repo, "stations/panyu/b.yaml", "a.yaml")),
        "符号链接",
    ),
    "symlinked folder": (lambda repo: symlink(repo, "stations/nansha", str(repo.parent / "outside")), "符号链接"),
    "symlinked stations folder": (
        lambda repo: (shutil.move(repo / "stations", repo.parent / "elsewhere"), symlink(repo, "stations", str(repo.parent / "elsewhere"))),
        "符号链接",
    ),
    "folder named like a record": (lambda repo: (repo / STATION_DIR / "2024-2025-末期.yaml").mkdir(), "是文件夹"),
    "fifo named like a record": (lambda repo: os.mkfifo(repo / STATION_DIR / "2024-2025-末期.yaml"), "不是普通文件"),
    "symlinked rule file": (lambda repo: symlink(repo, "rules/guangzhou/passwd.rules", "/etc/passwd"), "符号链接"),
    "symlinked rule tests": (lambda repo: symlink(repo, "rules/guangzhou/passwd.tests.yaml", "/etc/passwd"), "符号链接"),
    "symlinked standing text": (
        lambda repo: (os.remove(repo / "rules/guangzhou/sgz-2024.standing.md"), symlink(repo, "rules/guangzhou/sgz-2024.standing.md", "/etc/passwd")),
        "符号链接",
    ),
    "newline in a file name": (lambda repo: (repo / STATION_DIR / "a\nb.yaml").write_bytes(b"a: 1\n"), "控制字符"),
    "tab in a folder name": (lambda repo: (repo / "stations/pan\tyu").mkdir(), "控制字符"),
    "bytes that are not UTF-8 in a file name": (
        lambda repo: os.close(os.open(bytes(repo / STATION_DIR) + b"/\xff.yaml", os.O_CREAT | os.O_WRONLY)),
        "控制字符",
    ),
    "escape in a rule file name": (lambda repo: (repo / "rules/guangzhou/\x1b[31mred.rules").write_text("x"), "控制字符"),
    "record named .yml": (lambda repo: os.rename(repo / RECORD, repo / RECORD.replace(".yaml", ".yml")), ".yml"),
    "record named .YAML": (lambda repo: os.rename(repo / RECORD, repo / RECORD.replace(".yaml", ".YAML")), ".YAML"),
    "record as .json": (lambda repo: (repo / STATION_DIR / "2024-2025-末期.json").write_text("{}"), ".json"),
    "rule file named .RULES": (lambda repo: (repo / "rules/guangzhou/new.RULES").write_text("x"), ".RULES"),
    "rule tests named .tests.yml": (lambda repo: (repo / "rules/guangzhou/sgz-2024.tests.yml").write_text("x"), ".tests.yml"),
    "rule file named like a generated page": (lambda repo: shutil.copy(repo / RULES, repo / "rules/index.rules"), "网站生成的页面"),
}


@pytest.fixture
def nested_folders(tmp_path):
    """Folders a/a/a/… deeper than Python's recursion limit, ending in a folder named like a record; removed
    afterwards one level at a time, since shutil.rmtree (and so pytest's own clean-up) recurses and would fail."""
    repo = copy_of_repo(tmp_path)
    parent = repo / "stations/panyu"
    descriptor = os.open(parent, os.O_RDONLY)
    for _ in range(1500):
        os.mkdir("a", dir_fd=descriptor)
        inner = os.open("a", os.O_RDONLY, dir_fd=descriptor)
        os.close(descriptor)
        descriptor = inner
    os.mkdir("x.yaml", dir_fd=descriptor)
    os.close(descriptor)
    yield repo
    while (parent / "a").exists():
        if (parent / "a/a").exists():
            os.rename(parent / "a/a", parent / "rest")
        shutil.rmtree(parent / "a")
        if (parent / "rest").exists():
            os.rename(parent / "rest", parent / "a")


def test_folders_nested_thousands_deep_are_walked_without_recursion(nested_folders):
    output = check_output(nested_folders)
    assert "x.yaml 是文件夹" in output


def symlink(repo: Path, name: str, target: str) -> None:
    (repo / name).parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, repo / name)


@pytest.mark.parametrize("case", FILE_SYSTEM_CASES)
def test_what_is_not_a_regular_file_inside_the_repository_is_refused_at_its_path(tmp_path, case):
    make, expected = FILE_SYSTEM_CASES[case]
    repo = copy_of_repo(tmp_path)
    (tmp_path / OUTSIDE).parent.mkdir()
    (tmp_path / OUTSIDE).write_text(SEED_TEXT, encoding="utf-8")
    make(repo)
    output = check_output(repo)
    assert expected in output
    assert "root:" not in output  # nothing of /etc/passwd reaches the CI log


def test_a_text_file_beside_the_records_is_a_warning_and_a_readme_or_hidden_file_passes(tmp_path):
    repo = copy_of_repo(tmp_path)
    (repo / "stations/README.md").write_text("# 记录\n", encoding="utf-8")
    (repo / "rules/README.md").write_text("# 规则\n", encoding="utf-8")
    (repo / STATION_DIR / "notes.txt").write_text("备忘\n", encoding="utf-8")
    (repo / STATION_DIR / ".gitkeep").write_text("", encoding="utf-8")
    project = load_project(repo)
    assert project.errors == []
    assert ["notes.txt" in w.format() for w in project.warnings] == [True]


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    repo = copy_of_repo(tmp_path)
    with open(repo / STATION_DIR / "2024-2025-末期.yaml", "wb") as big:
        big.truncate(MAX_SOURCE_BYTES + 1)
    read = []
    real_read, real_read_bytes = os.read, Path.read_bytes
    monkeypatch.setattr(os, "read", lambda fd, n: read.append(data := real_read(fd, n)) or data)
    monkeypatch.setattr(Path, "read_bytes", lambda path: read.append(data := real_read_bytes(path)) or data)
    project = load_project(repo, cache=False)
    assert any("文件过大" in e.format() for e in project.errors)
    assert sum(map(len, read)) < MAX_SOURCE_BYTES


def test_a_file_name_cannot_inject_github_workflow_commands(tmp_path):
    repo = copy_of_repo(tmp_path)
    (repo / STATION_DIR / "x\n::add-mask::secret\n::error file=a,line=1::forged.yaml").write_text("a: 1\n")
    output = check_output(repo, "--format", "github")
    assert not any(line.startswith(("::add-mask::", "::error file=a,")) for line in output.splitlines())


def test_github_annotations_escape_properties_and_messages():
    error = SiteBuilderError(SourcePos("a,b:c%\r\n.yaml", 3, 4), "第一行\n::add-mask::x 100%")
    annotation = github_annotation(error, "error")
    assert annotation == "::error file=a%2Cb%3Ac%25%0D%0A.yaml,line=3,col=4::" + "a,b:c%25%0D%0A.yaml:3:4: 错误：第一行%0A::add-mask::x 100%25"


def test_diff_against_a_base_with_an_absolute_symlink_is_a_chinese_error(tmp_path):
    repo = copy_of_repo(tmp_path)
    for args in (
        ("init", "--quiet", "--initial-branch=main"),
        ("config", "user.name", "t"),
        ("config", "user.email", "t@example.invalid"),
        ("config", "commit.gpgsign", "false"),
    ):
        subprocess.run(["git", *args], cwd=repo, check=True)
    symlink(repo, "stations/panyu/x/2024-2025-中期.yaml", "/etc/passwd")
    subprocess.run(["git", "add", "rules", "stations"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "--quiet", "-m", "base"], cwd=repo, check=True)
    os.remove(repo / "stations/panyu/x/2024-2025-中期.yaml")
    done = subprocess.run(
        [sys.executable, "-m", "site_builder", "--root", str(repo), "diff", "main"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "stations/panyu/x/2024-2025-中期.yaml" in done.stderr and "符号链接" in done.stderr


def test_fmt_never_writes_through_a_symlink_to_a_file_outside(tmp_path):
    repo = copy_of_repo(tmp_path)
    outside = tmp_path / "outside.yaml"
    outside.write_text("a:    1\n", encoding="utf-8")  # not in canonical layout: fmt would rewrite it
    symlink(repo, "stations/panyu/x/2024-2025-中期.yaml", str(outside))
    done = subprocess.run(
        [sys.executable, "-m", "site_builder", "--root", str(repo), "fmt"], capture_output=True, text=True, timeout=60, check=False, cwd=repo
    )
    assert "Traceback" not in done.stderr and "符号链接" in done.stderr
    assert outside.read_text(encoding="utf-8") == "a:    1\n"


def test_rule_tests_refuse_a_symlinked_test_file(tmp_path):
    repo = copy_of_repo(tmp_path)
    symlink(repo, "rules/guangzhou/passwd.tests.yaml", "/etc/passwd")
    done = subprocess.run(
        [sys.executable, "-m", "site_builder", "--root", str(repo), "test"], capture_output=True, text=True, timeout=120, check=False, cwd=repo
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "Traceback" not in output
    assert "符号链接" in output and "root:" not in output


def test_standing_text_behind_a_symlink_is_refused_not_followed(tmp_path):
    repo = copy_of_repo(tmp_path)
    standing = repo / "rules/guangzhou/sgz-2024.standing.md"
    standing.unlink()
    os.symlink("/etc/passwd", standing)
    project = load_project(repo)
    assert any("符号链接" in e.format() for e in project.errors)
    with pytest.raises(SiteBuilderError, match="符号链接"):
        standing_text(project, project.rulesets[0])


def test_a_control_character_is_reported_at_its_place_and_never_reaches_the_terminal(tmp_path):
    text = SEED_TEXT.replace("  stage: 中期", "  stage: 中\x1b]0;pwned\x07期")
    line = SEED_TEXT[: SEED_TEXT.index("  stage: 中期")].count("\n") + 1
    report = check_in_bounded_time(repo_with(tmp_path, RECORD, text.encode()))
    assert f"{RECORD}:{line}:11:" in report and "控制字符（U+001B）" in report
    assert "\x1b" not in report and "\x07" not in report
