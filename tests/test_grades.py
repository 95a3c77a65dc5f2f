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
    assert error.message == "a高于 50 分时不属于任何等级（最高可得 60 分）。请去掉最高的等级“好”的上限，让它包含这些分数；或为这些分数另设一个等级。"
    assert error.example == "等级 好 当 a >= 30"


def test_scores_outside_the_letter_bands_are_fixed_by_the_files_own_end_bands(rule_errors):
    text = edit("等级 “A+” 当 总分 >= 90", "等级 “A+” 当 90 <= 总分 <= 99")
    text = edit("等级 B 当 总分 < 60", "等级 B 当 10 < 总分 < 60", text)
    errors = rule_errors(text)
    above = next(error for error in errors if "高于" in error.message)
    below = next(error for error in errors if "及以下" in error.message)
    assert above.message.startswith("总分高于 99 分时不属于任何等级（最高可得 100 分）。")
    assert above.example == "等级 “A+” 当 总分 >= 90"
    assert below.message.startswith("总分 10 分及以下时不属于任何等级。")
    assert below.example == "等级 B 当 总分 < 60"


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


# --- 3. veto outcomes: force a grade, or cap it -----------------------------------------------------------

CAPS = (REGIMES / "grade-caps" / "rules" / "demo" / "caps-2025.rules").read_text(encoding="utf-8")
NONE_FIRED = {"重大事故": False, "台账不全": False, "投诉未处理": False}


def capped(load_rules, scores: dict, **fired):
    return grade_of(load_rules(CAPS), scores, NONE_FIRED | fired)


def final_step(result) -> str:
    return next(s.formula for s in result.steps if s.subject == "最终等级")


def test_a_cap_lowers_a_95_point_station_to_its_level(load_rules):
    result = capped(load_rules, {"服务": "57", "管理": "38"}, 台账不全=True)
    assert (result.score_grade, result.grade, result.decided_by) == ("优秀", "合格", ("台账不全",))
    assert final_step(result) == "按分数评定为优秀；否决条件“台账不全”触发，等级最高评为合格，故等级为合格"
    step = next(s for s in result.steps if s.subject == "最终等级")
    assert step.pos.line == at(CAPS, "否决 台账不全")[0]


def test_a_cap_never_raises_a_50_point_station(load_rules):
    result = capped(load_rules, {"服务": "30", "管理": "20"}, 台账不全=True)
    assert (result.grade, result.decided_by) == ("不合格", ())
    assert final_step(result) == "否决条件“台账不全”触发，等级最高评为合格；按分数评定的不合格不高于此，等级仍为不合格"


def test_a_forcing_veto_beats_a_cap(load_rules):
    result = capped(load_rules, {"服务": "57", "管理": "38"}, 台账不全=True, 重大事故=True)
    assert (result.grade, result.decided_by) == ("不合格", ("重大事故",))
    assert final_step(result) == "否决条件“重大事故”触发，评为不合格；评为某一等级的否决优先于限定最高等级的否决（“台账不全”不起作用）"
    veto = next(v for v in result.vetoes if v.name == "台账不全")
    assert veto.outcome == "等级最高评为合格"


def test_several_caps_take_the_lowest(load_rules):
    result = capped(load_rules, {"服务": "57", "管理": "38"}, 台账不全=True, 投诉未处理=True)
    assert (result.grade, result.decided_by) == ("合格", ("台账不全",))
    assert final_step(result).endswith("；同时触发的“投诉未处理”给出的等级较高，取最低的合格")


def test_grade_caps_regime_rule_tests_pass(capsys):
    code, out = run_rule_tests(capsys, "grade-caps")
    assert code == 0, out
    assert "规则测试：6 通过，0 失败。" in out


def test_forcing_and_capping_in_one_veto_is_a_syntax_error(rule_errors):
    text = CAPS.replace("当 重大事故 评为 不合格", "当 重大事故 评为 不合格 最高 合格")
    (error,) = rule_errors(text)
    assert isinstance(error, RuleSyntaxError)
    assert where(error) == at(text, "最高 合格 【办法 第七条】")
    assert error.message.startswith("一条否决只能有一个结果，这里已写了“评为 不合格”")


def test_an_outcome_grade_must_be_a_band(rule_errors):
    text = CAPS.replace("最高 合格", "最高 及格")
    (error,) = rule_errors(text)
    assert where(error) == at(text, "及格")
    assert error.message == "未定义的等级“及格”。你是不是想写“合格”、“不合格”？"


def test_a_veto_without_outcome_needs_a_veto_grade(rule_errors):
    text = CAPS + "事实 其他 是否\n否决 其他 当 其他\n"
    (error,) = rule_errors(text)
    assert where(error) == at(text, "否决 其他")
    assert error.message == "有“否决”语句，但没有声明否决后的等级。"


def test_a_cap_at_the_best_grade_is_a_warning(load_rules):
    from site_builder.language.checks import rule_warnings

    text = CAPS.replace("最高 良好", "最高 优秀")
    (warning,) = rule_warnings(load_rules(text))
    assert where(warning) == at(text, "优秀 【办法 第八条】")
    assert warning.message == "否决“投诉未处理”的结果“最高 优秀”不限定任何等级：“优秀”已是最高的等级。请写应限定到的等级。"


# --- pages say each outcome in words --------------------------------------------------------------------


def readable(page: str) -> str:
    """The page without the markers around escaped rule text (site/pages/text.py), which the Markdown step removes."""
    return page.replace("\x0e", "").replace("\x0f", "")


def test_the_rule_set_page_names_each_outcome_and_the_precedence(load_rules):
    from site_builder.site.pages.ruleset_page import OUTCOME_PRECEDENCE, ruleset_page

    rules = load_rules(CAPS)
    page = readable(ruleset_page(rules, [rules]))
    assert OUTCOME_PRECEDENCE in page
    assert "| 发生重大安全责任事故的 | “是否发生重大安全责任事故”为“是” | 评为不合格 | 仅提示 | 办法 第七条 |" in page
    assert "| 服务台账不全的 | “服务台账是否不全”为“是” | 等级最高评为合格 | 仅提示 | 办法 第八条 |" in page


def test_a_rule_set_without_vetoes_has_no_veto_section(load_rules):
    from site_builder.site.pages.explain import result_explanation
    from site_builder.site.pages.ruleset_page import ruleset_page

    rules = load_rules(LETTERS)
    page = ruleset_page(rules, [rules])
    assert "一票否决" not in page and "None" not in page
    assert "否决" not in result_explanation(rules, "年度")


def test_the_result_explanation_groups_vetoes_by_outcome(load_rules):
    from site_builder.site.pages.explain import result_explanation

    text = readable(result_explanation(load_rules(CAPS), "年度"))
    assert "评估中若发现有下列情形之一的，评估结果也确定为不合格：\n\n（一）发生重大安全责任事故的" in text
    assert "评估中若发现有下列情形之一的，等级最高评为合格：\n\n（二）服务台账不全的" in text
    assert "评估中若发现有下列情形之一的，等级最高评为良好：\n\n（三）投诉未按期处理的" in text
