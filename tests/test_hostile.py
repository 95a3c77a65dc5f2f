"""Hostile and broken input: each case ends in a clear Chinese error in bounded time, never a traceback or a hang."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from site_builder.project import load_project

ROOT = Path(__file__).resolve().parent.parent
RECORD = "stations/panyu/shiqiao-dongxi/2024-2025-中期.yaml"
RULES = "rules/guangzhou/sgz-2024.rules"
SEED_TEXT = (ROOT / RECORD).read_text(encoding="utf-8")
RULES_TEXT = (ROOT / RULES).read_text(encoding="utf-8")

BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))

RECORD_CASES = {
    "billion laughs": (BILLION_LAUGHS.encode(), "不能使用 YAML 别名"),
    "deep nesting": (("a: " + "[" * 5000 + "]" * 5000).encode(), "嵌套超过 30 层"),
    "huge scalar": (b"a: " + b"x" * 3_000_000, "文件过大"),
    "not utf-8": ("站点：".encode("gbk"), "不是 UTF-8 编码"),
    "binary": (bytes(range(256)) * 4, "不是 UTF-8 编码"),
    "empty file": (b"", "记录文件应由若干字段组成"),
    "not yaml": (b"<html><body>not yaml: [</body></html>", "YAML 格式有误"),
    "duplicate key": (SEED_TEXT.replace("  stage: 中期\n", "  stage: 中期\n  stage: 末期\n").encode(), "重复的字段名"),
    "tab indentation": (SEED_TEXT.replace("  stage: 中期", "\tstage: 中期").encode(), "YAML 格式有误"),
    "python object tag": (b"station: !!python/object/apply:os.system [echo hi]\n", "社工站应为若干字段"),  # never run
    "path traversal in ids": (SEED_TEXT.replace("  id: shiqiao-dongxi", "  id: ../../etc").encode(), "station.id"),
    "absolute path as id": (SEED_TEXT.replace("  id: shiqiao-dongxi", "  id: /etc/passwd").encode(), "station.id"),
    "windows device name as id": (SEED_TEXT.replace("  id: shiqiao-dongxi", "  id: con").encode(),
                                  "Windows 保留的设备名"),
    "very long id": (SEED_TEXT.replace("  id: shiqiao-dongxi", "  id: " + "a" * 300).encode(), "最多 64 个字符"),
}

RULE_CASES = {
    "deep expression": (RULES_TEXT + "\n定义 长 = " + "+".join(["1"] * 5000) + "\n", "嵌套太深"),
    "long chain of definitions": (RULES_TEXT + "\n定义 d0 = 1\n" + "".join(f"定义 d{i} = d{i - 1} + 1\n" for i in range(1, 3000)),
                                  "超过 50 层"),
    "enormous number": (RULES_TEXT + "\n定义 巨大 = " + "9" * 5000 + " × " + "9" * 5000 + "\n否决 巨 当 巨大 > 1\n", ""),
    "right-to-left override": (RULES_TEXT.replace("评分项 服务监测", "评分项 服务\u202e监测"), "无法识别的字符"),
    "division by zero in rules": (RULES_TEXT + "\n定义 零 = 1 / 0\n否决 除零 当 零 > 1\n", "除数为零"),
}


def repo_with(tmp_path: Path, path: str, content: bytes) -> Path:
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    shutil.copytree(ROOT / "stations", tmp_path / "stations")
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
