"""Messages a non-programmer can act on (issue 15, part 3): one test per mistake station staff or policy staff make,
asserting the message, the line:col the author changed, and the example of the fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from site_builder.errors import RecordError
from site_builder.records.project import load_project
from site_builder.records.yaml_source import load_yaml

SEED_REPO = Path(__file__).resolve().parent / "fixtures" / "seed-repo"
SEED_RECORD = "stations/panyu/shiqiao-dongxi/2024-2025-中期.yaml"
SEED_TEXT = (SEED_REPO / SEED_RECORD).read_text(encoding="utf-8")


def seed_with(old: str, new: str) -> str:
    assert old in SEED_TEXT
    return SEED_TEXT.replace(old, new, 1)


def line_of(text: str, fragment: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if fragment in line)


def reading_error(text: str) -> str:
    with pytest.raises(RecordError) as raised:
        load_yaml(text, "r.yaml")
    return raised.value.format()


def project_with(tmp_path: Path, record_text: str):
    shutil.copytree(SEED_REPO, tmp_path / "repo")
    (tmp_path / "repo" / SEED_RECORD).write_text(record_text, encoding="utf-8")
    return load_project(tmp_path / "repo", cache=False)


# --- YAML layout ------------------------------------------------------------------------------------------


def test_a_full_width_colon_after_a_score_is_reported_at_its_own_line_with_the_half_width_fix():
    text = seed_with("  服务监测: 9.82", "  服务监测：9.82")
    report = reading_error(text)
    assert report.startswith(f"r.yaml:{line_of(text, '服务监测：')}:7: 错误：“服务监测”后面是中文冒号“：”")
    assert "YAML 只认英文冒号“:”，冒号后还要留一个空格" in report
    assert "示例：“服务监测: 9.82”（英文冒号，后面一个空格）" in report


def test_a_full_width_colon_after_a_parent_key_is_reported_at_that_key():
    report = reading_error(seed_with("  contract:\n", "  contract：\n"))
    assert report.startswith(f"r.yaml:{line_of(SEED_TEXT, '  contract:')}:11: 错误：“contract”后面是中文冒号")
    assert "示例：“contract:”（英文冒号）" in report


def test_a_full_width_colon_in_a_list_item_keeps_the_dash_in_the_fix():
    report = reading_error("station:\n  addresses:\n    - name：东片社工站\n      address: 某路\n")
    assert report.startswith("r.yaml:3:11: 错误：“name”后面是中文冒号")
    assert "示例：“- name: 东片社工站”" in report


def test_a_full_width_colon_inside_a_value_is_not_mistaken_for_a_key():
    assert load_yaml("title: 报告：中期\nnote: 一、服务：好\n", "r.yaml") == {"title": "报告：中期", "note": "一、服务：好"}


def test_a_key_dedented_to_column_0_is_reported_at_its_own_line_with_the_indent_to_add():
    text = seed_with("  服务成效: 12.3", "服务成效: 12.3")
    report = reading_error(text)
    assert report.startswith(f"r.yaml:{line_of(text, '服务成效: 12.3')}:1: 错误：这一行的缩进比上下两行少（行首 0 个空格，上下两行是 2 个）")
    assert "离开了上面的“scores”那一层" in report
    assert "示例：在行首补 2 个空格，与上一行一样用空格缩进：“  服务成效: 12.3”" in report


def test_check_and_its_github_annotation_point_at_the_full_width_colon(tmp_path):
    text = seed_with("  服务监测: 9.82", "  服务监测：9.82")
    project = project_with(tmp_path, text)
    [error] = project.errors
    assert (error.pos.file, error.pos.line, error.pos.col) == (SEED_RECORD, line_of(text, "服务监测："), 7)
