"""Grades (issue 16, part 3): labels as text, bands on any declared number, veto outcomes that force or cap."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from site_builder.commands.cli import main
from site_builder.errors import BandError, DuplicateName, RuleSyntaxError
from site_builder.language.evaluate import Inputs, evaluate

REGIMES = Path(__file__).parent / "fixtures" / "regimes"

# A small rule file graded A+/A/A−/B; each test changes one thing.
LETTERS = """\
规则集 测试 “测试规则”
版本 “1”
生效 2024-01-01 起
阶段 年度
评估方 甲 权重 100%
评分项 a 属于 甲 满分 60
评分项 b 属于 甲 满分 40
等级 “A+” 当 总分 >= 90
等级 “A” 当 75 <= 总分 < 90
等级 “A−” 当 60 <= 总分 < 75
等级 B 当 总分 < 60
"""


def edit(old: str, new: str, text: str = LETTERS) -> str:
    assert text.count(old) == 1, f"“{old}” should occur once"
    return text.replace(old, new)


def at(text: str, fragment: str, occurrence: int = 1) -> tuple[int, int]:
    """Line and column (from 1) where a fragment stands in the text."""
    index = -1
    for _ in range(occurrence):
        index = text.index(fragment, index + 1)
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def where(error) -> tuple[int, int]:
    return error.pos.line, error.pos.col


def grade_of(ruleset, scores: dict, facts: dict | None = None, stage: str = "年度"):
    return evaluate(ruleset, Inputs(stage, {k: Decimal(v) for k, v in scores.items()}, facts or {}))


def run_rule_tests(capsys, regime: str) -> tuple[int, str]:
    code = main(["--root", str(REGIMES / regime), "test"])
    return code, capsys.readouterr().out


# --- 1. grade labels as text ----------------------------------------------------------------------------


def test_quoted_labels_grade_best_first(load_rules):
    ruleset = load_rules(LETTERS)
    assert [band.name for band in ruleset.bands] == ["A+", "A", "A−", "B"]
    assert grade_of(ruleset, {"a": "55", "b": "37"}).grade == "A+"
    assert grade_of(ruleset, {"a": "40", "b": "20"}).grade == "A−"


def test_a_keyword_is_a_fine_label_when_quoted(load_rules):
    ruleset = load_rules(edit("等级 B 当", "等级 “否决” 当"))
    assert grade_of(ruleset, {"a": "10", "b": "10"}).grade == "否决"


def test_the_same_label_quoted_and_unquoted_is_a_duplicate(rule_errors):
    text = edit("等级 B 当", "等级 “A” 当 总分 < 0\n等级 B 当")
    (error,) = [e for e in rule_errors(text) if isinstance(e, DuplicateName)]
    assert where(error) == at(text, "等级 “A” 当 总分 < 0")
    assert error.message == "名称“A”重复定义，第一次定义在第 9 行。每个名称只能定义一次。"


def test_an_unquoted_label_with_a_sign_asks_for_quotes(rule_errors):
    text = edit("等级 “A+” 当", "等级 A+ 当")
    (error,) = rule_errors(text)
    assert isinstance(error, RuleSyntaxError)
    assert where(error) == at(text, "+ 当")


def test_a_gap_fix_writes_a_label_in_quotes(rule_errors):
    text = edit("75 <= 总分 < 90", "75 <= 总分 < 85")
    errors = rule_errors(text)
    assert all(isinstance(e, BandError) for e in errors)
    assert [e.example for e in errors] == ["等级 “A+” 当 总分 >= 85", "等级 A 当 75 <= 总分 < 90"]  # A is a name: no quotes needed
    assert [where(e) for e in errors] == [at(text, "90"), at(text, "85")]


def test_letter_grades_regime_rule_tests_pass(capsys):
    code, out = run_rule_tests(capsys, "letter-grades")
    assert code == 0, out
    assert "规则测试：6 通过，0 失败。" in out


# --- 2. bands on any declared number --------------------------------------------------------------------

ON_DEFINITION = LETTERS.replace("总分", "综合得分") + "定义 综合得分 = a + b\n"


def test_bands_on_a_definition_grade_its_value(load_rules):
    ruleset = load_rules(ON_DEFINITION)
    result = grade_of(ruleset, {"a": "50", "b": "30"})
    assert (result.total, result.grade) == (Decimal(80), "A")
    step = next(s for s in result.steps if s.subject == "按分数评定的等级")
    assert step.formula == "综合得分 80 满足 75 <= 综合得分 < 90，等级为A"


def test_bands_on_an_item_cover_its_converted_maximum(rule_errors, load_rules):
    on_item = LETTERS.split("等级")[0] + "等级 好 当 a >= 30\n等级 差 当 a < 30\n"
    assert grade_of(load_rules(on_item), {"a": "31", "b": "0"}).grade == "好"
    text = on_item.replace("a >= 30", "30 <= a <= 50")
    (error,) = rule_errors(text)
    assert isinstance(error, BandError)
    assert where(error) == at(text, "等级 好")
    assert error.message == "a高于 50 时不属于任何等级（最高可得 60 分）。"


def test_a_gap_on_a_definition_names_it(rule_errors):
    text = edit("75 <= 综合得分 < 90", "75 <= 综合得分 < 85", ON_DEFINITION)
    error = rule_errors(text)[0]
    assert error.message.startswith("等级“A”与“A+”之间有空档：综合得分 85 至 90（含 85，不含 90）不属于任何等级，如 87.5 分。")
    assert error.example == "等级 “A+” 当 综合得分 >= 85"


def test_bands_on_two_numbers_are_reported_at_the_first_band_that_differs(rule_errors):
    text = edit("等级 “A−” 当 60 <= 综合得分 < 75", "等级 “A−” 当 60 <= 总分 < 75", ON_DEFINITION)
    (error,) = rule_errors(text)
    assert isinstance(error, BandError)
    assert where(error) == at(text, "总分 < 75")
    assert error.message == "等级“A−”按“总分”划分，而第一个等级“A+”（第 8 行）按“综合得分”划分：所有等级应按同一个数值划分。"
    assert error.example == "等级 “A−” 当 60 <= 综合得分 < 75"


def test_bands_on_an_undeclared_name_suggest_the_nearest(rule_errors):
    text = ON_DEFINITION.replace("定义 综合得分", "定义 综合得数")
    (error,) = rule_errors(text)
    assert where(error) == at(text, "综合得分")
    assert error.message == "未定义的名称“综合得分”。你是不是想写“综合得数”？"


@pytest.mark.parametrize(
    ("declaration", "kind"),
    [("事实 综合得分 数值", "事实"), ("参数 综合得分 = 80", "参数"), ("定义 综合得分 = a > b", "得出是或否的定义")],
)
def test_bands_on_a_fact_parameter_or_yes_no_definition_are_refused(rule_errors, declaration, kind):
    text = ON_DEFINITION.replace("定义 综合得分 = a + b", declaration)
    (error,) = rule_errors(text)
    assert where(error) == at(text, "综合得分")
    assert error.message == f"等级只能按总分、评分项或得出数值的定义划分，“综合得分”是{kind}。"
