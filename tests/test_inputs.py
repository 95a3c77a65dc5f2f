"""Scores and facts have one reader (records/inputs.py): a station record and a rule test given the same value accept
it or refuse it alike, with the same message; a number written wrongly is refused with its fix, at the value's
line:col (issue 14 part 2, issue 15 part 3)."""

from __future__ import annotations

from pathlib import Path

import pytest
from site_harness import SEED_RECORD, copy_seed_repo

from site_builder.errors import Problems
from site_builder.language.ruleset import FactType
from site_builder.records.authoring import FACT_HINTS
from site_builder.records.inputs import FACT_EXAMPLES, FACT_READERS
from site_builder.records.project import load_project
from site_builder.records.rule_tests import load_test_file
from site_builder.records.schema import FACT_SHAPES

TESTS = "rules/guangzhou/sgz-2024.tests.yaml"
RULES = "rules/guangzhou/sgz-2024.rules"

# (the line as the seed record and the seed rule tests write it, the line written wrongly, the message after the path)
MISTAKES = {
    "quoted score": ("服务监测: 9.82", '服务监测: "8.6"', "评分“8.6”加了引号：去掉引号，写成 8.6。"),
    "unit after a score": ("购买方评分: 20", "购买方评分: 15分", "评分“15分”带了单位“分”：只写数字，写成 15。"),
    "percent sign on a score": ("购买方评分: 20", "购买方评分: 62.5%", "评分“62.5%”带了百分号：只写数字，写成 62.5。"),
    "full-width comma as decimal point": ("服务监测: 9.82", "服务监测: 8，6", "评分“8，6”用逗号作了小数点：小数点写成英文句点，写成 8.6。"),
    "comma as decimal point": ("服务监测: 9.82", '服务监测: "8,6"', "评分“8,6”用逗号作了小数点：小数点写成英文句点，写成 8.6。"),
    "full-width digits": ("服务监测: 9.82", "服务监测: ８.６", "评分“８.６”用了全角数字或符号：请切换到半角（英文）输入，写成 8.6。"),
    "quoted sub-district score": ("东二片区: 15.26", '东二片区: "15.26"', "评分“15.26”加了引号：去掉引号，写成 15.26。"),
    "full-width digits and a unit": (
        "服务监测: 9.82",
        "服务监测: ８.６分",
        "评分“８.６分”用了全角数字或符号，带了单位“分”：请切换到半角（英文）输入；只写数字，写成 8.6。",
    ),
}
PERCENT_LINE = {"record": "人员费用支出比例: {not_checked: 报告未载明人员费用支出比例}", "tests": '人员费用支出比例: "85%"'}
PERCENT_MISTAKES = {
    "比例 as a bare number": (
        "人员费用支出比例: 85",
        '事实“人员费用支出比例”应为比例，这里是“85”。比例写成带百分号的文字并加引号：写成 "85%"。',
    ),
    "比例 as a fraction": (
        "人员费用支出比例: 0.85",
        '事实“人员费用支出比例”应为比例，这里是“0.85”。比例写成带百分号的文字并加引号：写成 "85%"。',
    ),
    "比例 with a full-width percent sign and a space": (
        '人员费用支出比例: "85 ％"',
        '事实“人员费用支出比例”的值“85 ％”用了全角数字或符号，百分号前有空格：请切换到半角（英文）输入；数字与百分号连着写，写成 "85%"。',
    ),
    "比例 in quotes without its percent sign": (
        '人员费用支出比例: "85"',
        '事实“人员费用支出比例”的值“85”少了百分号：比例写成带百分号的文字并加引号，写成 "85%"。',
    ),
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return copy_seed_repo(tmp_path)


def replaced(repo: Path, path: str, old: str, new: str) -> tuple[int, int]:
    """Writes new for old in the file; the line:col of the value in new."""
    target = repo / path
    text = target.read_text(encoding="utf-8")
    assert old in text, f"{path} no longer contains {old!r}"
    text = text.replace(old, new, 1)
    target.write_text(text, encoding="utf-8")
    start = text.index(new) + len(new.split(": ")[0]) + 2
    return text.count("\n", 0, start) + 1, start - text.rfind("\n", 0, start)


def record_errors(repo: Path, old: str, new: str) -> tuple[tuple[int, int], list[tuple[int, int, str]]]:
    where = replaced(repo, SEED_RECORD, old, new)
    project = load_project(repo, cache=False)
    return where, [(e.pos.line, e.pos.col, e.message) for e in project.errors]


def rule_test_errors(repo: Path, old: str, new: str) -> tuple[tuple[int, int], list[tuple[int, int, str]]]:
    where = replaced(repo, TESTS, old, new)
    try:
        load_test_file(repo / TESTS, TESTS, RULES)
    except Problems as problems:
        return where, [(e.pos.line, e.pos.col, e.message) for e in problems.errors]
    return where, []


@pytest.mark.parametrize("old,new,message", MISTAKES.values(), ids=MISTAKES.keys())
def test_a_score_written_wrongly_is_refused_with_its_fix_at_its_value_in_a_record(repo, old, new, message):
    (line, col), errors = record_errors(repo, old, new)
    path = "scores.服务质量.东二片区" if "东二片区" in old else f"scores.{old.split(':')[0]}"
    assert errors == [(line, col, f"{path}：{message}")]


@pytest.mark.parametrize("old,new,message", MISTAKES.values(), ids=MISTAKES.keys())
def test_a_score_written_wrongly_is_refused_alike_in_a_rule_test(repo, old, new, message):
    (line, col), errors = rule_test_errors(repo, old, new)
    path = "defaults.scores.服务质量.东二片区" if "东二片区" in old else f"defaults.scores.{old.split(':')[0]}"
    assert errors == [(line, col, f"{path}：{message}")]


@pytest.mark.parametrize("new,message", PERCENT_MISTAKES.values(), ids=PERCENT_MISTAKES.keys())
def test_a_percentage_written_wrongly_says_how_percentages_are_written_in_a_record(repo, new, message):
    (line, col), errors = record_errors(repo, PERCENT_LINE["record"], new)
    assert errors == [(line, col, f"facts.人员费用支出比例：{message}")]


@pytest.mark.parametrize("new,message", PERCENT_MISTAKES.values(), ids=PERCENT_MISTAKES.keys())
def test_a_percentage_written_wrongly_is_refused_alike_in_a_rule_test(repo, new, message):
    (line, col), errors = rule_test_errors(repo, PERCENT_LINE["tests"], new)
    assert errors == [(line, col, f"defaults.facts.人员费用支出比例：{message}")]


@pytest.mark.parametrize(
    "old,new",
    [
        ("服务监测: 9.82", "服务监测: 9.5"),
        ("服务监测: 9.82", "服务监测: 10"),
        ("东二片区: 15.26", "东二片区: 0"),
        ("人员费用支出比例", "人员费用支出比例"),  # the file as it is
    ],
)
def test_what_a_record_accepts_a_rule_test_accepts(repo, old, new):
    assert record_errors(repo, old, new)[1] == []
    assert rule_test_errors(repo, old, new)[1] == []


def test_a_percentage_as_records_write_it_is_accepted_by_both(repo):
    assert record_errors(repo, PERCENT_LINE["record"], '人员费用支出比例: "79.99%"')[1] == []
    assert rule_test_errors(repo, PERCENT_LINE["tests"], '人员费用支出比例: "79.99%"')[1] == []


def test_a_record_with_a_wrongly_written_score_and_no_rule_set_still_gets_the_fix(repo):
    """Without a rule set (here: a rule-set id that does not exist) the schema reports the score, in the same words."""
    replaced(repo, SEED_RECORD, "  rules:\n    id: 广州市社工站评估", "  rules:\n    id: 不存在的规则集")
    (line, col), errors = record_errors(repo, "服务监测: 9.82", '服务监测: "8.6"')
    assert (line, col, "scores.服务监测：评分“8.6”加了引号：去掉引号，写成 8.6。") in errors


def test_every_fact_type_has_a_reader_an_example_an_editor_shape_and_a_hint_for_new_records():
    for table in (FACT_READERS, FACT_EXAMPLES, FACT_SHAPES, FACT_HINTS):
        assert set(table) == set(FactType)
