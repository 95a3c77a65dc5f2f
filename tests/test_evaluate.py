"""Evaluation by the real Guangzhou rule file: scores, rounding, grade bands and the one-vote vetoes (一票否决)."""

from __future__ import annotations

from decimal import Decimal
from typing import get_args

import pytest

from site_builder.errors import EvaluationError, Problems, SiteBuilderError
from site_builder.language import ast as ast_nodes
from site_builder.language.evaluate import (
    AGGREGATE_OF,
    CALL_OF,
    FIRED,
    NOT_CHECKED,
    NOT_FIRED,
    VALUE_OF,
    Inputs,
    Unchecked,
    completion_rate,
    definition_value,
    evaluate,
)
from site_builder.language.ruleset import AGGREGATES, DECIMAL_ROUNDING, FUNCTIONS, ROUNDING_MODES, Function, RoundingMode

D = Decimal

# The five yes/no facts of the real rule file, each the condition of a veto of the same name.
YES_NO_VETOES = ["保洁安保占用社工名额", "整改不到位", "专业评估不合格", "财务评估不合格", "严重违法违规"]


def status_of(result, veto: str) -> str:
    return next(v.status for v in result.vetoes if v.name == veto)


# --- the seed station ------------------------------------------------------------------------------


def test_seed_service_quality_is_the_mean_of_sub_districts_rounded_half_up(ruleset, seed_inputs):
    result = evaluate(ruleset, seed_inputs())
    quality = next(i for i in result.items if i.name == "服务质量")
    assert quality.score == D("15.09")
    assert quality.sub_scores == {"东一片区": D(15), "东二片区": D("15.26"), "西片区": D(15)}


def test_seed_figures_total_89_76_and_grade_good(ruleset, seed_inputs):
    result = evaluate(ruleset, seed_inputs())
    assert result.total == D("89.76")
    assert (result.score_grade, result.grade) == ("良好", "良好")
    assert result.fired == [] and result.unchecked == []
    assert all(v.status == NOT_FIRED for v in result.vetoes)


def test_seed_items_count_directly_towards_the_total(ruleset, seed_inputs):
    result = evaluate(ruleset, seed_inputs())
    assert {i.name: i.converted for i in result.items} == {
        "服务监测": D("9.82"),
        "服务成效": D("12.3"),
        "运营管理": D("9.1"),
        "服务质量": D("15.09"),
        "购买方评分": D(20),
        "督导中心评分": D("14.65"),
        "监督方评分": D("8.8"),
    }


def test_evaluation_explains_the_total_with_its_rule(ruleset, seed_inputs):
    steps = {s.subject: s for s in evaluate(ruleset, seed_inputs()).steps}
    assert steps["总分"].formula.endswith("= 89.76，保留 2 位（四舍五入）得 89.76")
    assert (steps["总分"].citation.document, steps["总分"].citation.clause) == ("评估办法", "评估结果说明")


# --- grade bands ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "total, grade",
    [
        ("59.99", "不合格"),
        ("60", "合格"),
        ("79.99", "合格"),
        ("80", "良好"),
        ("89.99", "良好"),
        ("90", "优秀"),
    ],
)
def test_band_edges(ruleset, seed_inputs, scores_totalling, total, grade):
    result = evaluate(ruleset, seed_inputs(scores=scores_totalling(D(total))))
    assert result.total == D(total)
    assert result.grade == grade


def test_total_of_89_995_rounds_half_up_to_90_and_is_excellent(ruleset, seed_inputs, scores_totalling):
    result = evaluate(ruleset, seed_inputs(scores=scores_totalling(D("89.995"))))
    assert result.total == D("90.00")
    assert result.grade == "优秀"


def test_total_of_89_994_rounds_down_to_89_99_and_is_good(ruleset, seed_inputs, scores_totalling):
    result = evaluate(ruleset, seed_inputs(scores=scores_totalling(D("89.994"))))
    assert result.total == D("89.99")
    assert result.grade == "良好"


def test_sub_district_mean_ending_in_5_rounds_up(ruleset, seed_inputs):
    quality = {"东一片区": D(15), "东二片区": D("15.01")}  # mean 15.005: half-up gives 15.01, banker's 15.00
    result = evaluate(ruleset, seed_inputs(scores={"服务质量": quality}))
    assert next(i.score for i in result.items if i.name == "服务质量") == D("15.01")


# --- vetoes -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "veto, fact, stage, fires_at",
    [
        ("社工人员配备不足", "社工缺少人次", "中期", 5),
        ("社工人员配备不足", "社工缺少人次", "末期", 10),
        ("持证社工比例不达标", "持证社工缺少人次", "中期", 3),
        ("持证社工比例不达标", "持证社工缺少人次", "末期", 6),
    ],
)
def test_staffing_veto_fires_at_its_stage_threshold_and_not_one_below(ruleset, seed_inputs, veto, fact, stage, fires_at):
    at_threshold = evaluate(ruleset, seed_inputs(stage, facts={fact: D(fires_at)}))
    one_below = evaluate(ruleset, seed_inputs(stage, facts={fact: D(fires_at - 1)}))
    assert (status_of(at_threshold, veto), at_threshold.grade) == (FIRED, "不合格")
    assert (status_of(one_below, veto), one_below.grade) == (NOT_FIRED, "良好")


def test_veto_staff_shortage_fires_at_5_in_midterm_but_not_at_end_of_term(ruleset, seed_inputs):
    facts = {"社工缺少人次": D(5)}
    assert status_of(evaluate(ruleset, seed_inputs("中期", facts=facts)), "社工人员配备不足") == FIRED
    assert status_of(evaluate(ruleset, seed_inputs("末期", facts=facts)), "社工人员配备不足") == NOT_FIRED


@pytest.mark.parametrize("ratio, status", [(D("0.79"), FIRED), (D("0.7999"), FIRED), (D("0.80"), NOT_FIRED)])
def test_veto_staff_cost_ratio_fires_below_80_percent(ruleset, seed_inputs, ratio, status):
    for stage in ("中期", "末期"):
        result = evaluate(ruleset, seed_inputs(stage, facts={"人员费用支出比例": ratio}))
        assert status_of(result, "人员费用支出比例过低") == status


@pytest.mark.parametrize("stage", ["中期", "末期"])
@pytest.mark.parametrize("veto", YES_NO_VETOES)
def test_yes_no_veto_fires_on_yes_only(ruleset, seed_inputs, veto, stage):
    yes = evaluate(ruleset, seed_inputs(stage, facts={veto: True}))
    no = evaluate(ruleset, seed_inputs(stage, facts={veto: False}))
    assert (yes.fired, yes.grade) == ([veto], "不合格")
    assert (no.fired, no.grade) == ([], "良好")


def test_fired_veto_gives_fail_whatever_the_score(ruleset, seed_inputs, scores_totalling):
    result = evaluate(ruleset, seed_inputs(scores=scores_totalling(D(95)), facts={"严重违法违规": True}))
    assert (result.total, result.score_grade) == (D(95), "优秀")
    assert result.grade == "不合格"


def test_several_vetoes_fire_at_once(ruleset, seed_inputs):
    facts = {"社工缺少人次": D(12), "人员费用支出比例": D("0.5"), "财务评估不合格": True}
    result = evaluate(ruleset, seed_inputs("末期", facts=facts))
    assert result.fired == ["社工人员配备不足", "人员费用支出比例过低", "财务评估不合格"]
    assert result.grade == "不合格"


def test_facts_read_by_a_veto_are_reported_with_it(ruleset, seed_inputs):
    result = evaluate(ruleset, seed_inputs("末期", facts={"社工缺少人次": D(7)}))
    veto = next(v for v in result.vetoes if v.name == "社工人员配备不足")
    assert veto.facts_read == {"社工缺少人次": D(7), "社工缺少人次上限": D(10)}


def steps_of(result) -> dict:
    return {step.subject: step for step in result.steps}


def test_a_comparison_shows_both_sides_values_and_the_stage_of_a_staged_threshold(ruleset, seed_inputs):
    result = evaluate(ruleset, seed_inputs(facts={"社工缺少人次": D(6)}))
    step = steps_of(result)["否决：社工人员配备不足"]
    assert step.formula == "社工缺少人次 6 >= 社工缺少人次上限 5（中期）；结果：触发"


def test_a_percentage_threshold_is_shown_as_written(ruleset, seed_inputs):
    result = evaluate(ruleset, seed_inputs(facts={"人员费用支出比例": D("0.75")}))
    step = steps_of(result)["否决：人员费用支出比例过低"]
    assert step.formula == "人员费用支出比例 75% < 人员费用支出比例下限 80%；结果：触发"


def test_a_grade_the_veto_grade_decides_cites_the_veto_and_the_veto_grade_line(ruleset, seed_inputs, rules_text):
    result = evaluate(ruleset, seed_inputs(facts={"社工缺少人次": D(6)}))
    final = steps_of(result)["最终等级"]
    veto_line = rules_text.splitlines().index("否决 社工人员配备不足 “社工人员配备不足的”") + 1
    grade_line = rules_text.splitlines().index("否决等级 不合格") + 1
    assert (final.pos.line, [pos.line for pos in final.also]) == (veto_line, [grade_line])
    assert final.citation.clause == "一票否决情形（二）"  # not the first 等级 line's 评估结果说明


def test_a_grade_the_bands_decide_cites_the_band_that_matched(ruleset, seed_inputs):
    step = steps_of(evaluate(ruleset, seed_inputs()))["按分数评定的等级"]
    assert step.pos.line_text.startswith("等级 良好")
    assert step.formula == "总分 89.76 满足 80 <= 总分 < 90，等级为良好"


def test_a_veto_with_its_outcome_on_its_own_line_cites_that_line(load_rules, rules_text, seed_inputs):
    text = rules_text.replace("  当 严重违法违规 ", "  当 严重违法违规\n  评为 合格 ")
    result = evaluate(load_rules(text), seed_inputs(facts={"严重违法违规": True}))
    final = steps_of(result)["最终等级"]
    outcome_line = next(number for number, line in enumerate(text.splitlines(), 1) if line.startswith("  评为 合格"))
    assert (final.pos.line_text.startswith("否决 严重违法违规"), [pos.line for pos in final.also]) == (True, [outcome_line])


def test_operators_are_echoed_as_written(rules_text, load_rules, seed_inputs):
    text = rules_text + "定义 缺口占比 = 持证社工缺少人次 ÷ (社工缺少人次 ＋ 1)\n否决 缺口过大 当 缺口占比 ≥ 50% 评为 不合格\n"
    result = evaluate(load_rules(text), seed_inputs(facts={"社工缺少人次": D(3), "持证社工缺少人次": D(2)}))
    step = steps_of(result)["否决：缺口过大"]
    assert step.formula == "缺口占比 50% ≥ 50%；其中 持证社工缺少人次 = 2、社工缺少人次 = 3；结果：触发（评为不合格）"


RATIOS = """\
规则集 比例 “比例的写法”
版本 “1”
生效 2024-01-01 起
阶段 年度
评估方 甲 权重 100%
事实 满意率 比例
评分项 a 属于 甲 满分 90
评分项 b 属于 甲 满分 10 = 10 × 满意率 保留 2 位
定义 满意 = 满意率 >= 90%
定义 满意度 = 满意率 × 1 保留 3 位
否决 不满意 当 满意度 < 50% 评为 不合格
等级 优秀 当 总分 >= 90
等级 不合格 当 总分 < 90
"""


def test_a_ratio_is_shown_as_a_percentage_beside_a_percentage_and_wherever_a_ratio_fact_is_read(load_rules):
    rules = load_rules(RATIOS)
    inputs = Inputs("年度", {"a": D(85)}, {"满意率": D("0.835")})
    result = evaluate(rules, inputs)
    steps = steps_of(result)
    assert steps["b（按公式计算）"].formula.startswith("10 × 满意率（其中 满意率 = 83.5%） = 8.350")
    assert steps["否决：不满意"].formula.startswith("满意度 83.5% < 50%")  # a 定义, not a fact: 0.835 beside 50% before
    assert definition_value(result, inputs, "满意度")[1].formula.startswith("满意率 × 1；其中 满意率 = 83.5%")


# --- unchecked facts ---------------------------------------------------------------------------------


def test_missing_fact_is_unchecked_not_cleared(ruleset, seed_inputs):
    inputs = seed_inputs()
    del inputs.facts["整改不到位"]
    result = evaluate(ruleset, inputs)
    assert status_of(result, "整改不到位") == NOT_CHECKED
    assert result.unchecked == ["整改不到位"]
    assert result.grade == "良好"  # the real rule file only flags unchecked facts (未核查默认 仅提示)


def test_explicitly_unchecked_fact_keeps_its_reason(ruleset, seed_inputs):
    result = evaluate(ruleset, seed_inputs(facts={"社工缺少人次": Unchecked("报告未载明")}))
    veto = next(v for v in result.vetoes if v.name == "社工人员配备不足")
    assert veto.status == NOT_CHECKED
    assert veto.facts_read["社工缺少人次"] == Unchecked("报告未载明")
    assert "未核查（报告未载明）" in next(s.formula for s in result.steps if s.subject == "否决：社工人员配备不足")


def test_no_facts_at_all_leaves_every_veto_unchecked(ruleset, seed_inputs):
    result = evaluate(ruleset, Inputs("中期", seed_inputs().scores, {}))
    assert result.unchecked == [v.name for v in ruleset.vetoes]
    assert result.fired == []


KLEENE_RULES = """
否决 任一 当 整改不到位 或 严重违法违规
否决 两者 当 整改不到位 且 严重违法违规
否决 并非 当 非 整改不到位
"""


@pytest.mark.parametrize(
    "known, either, both",
    [
        (True, FIRED, NOT_CHECKED),  # 是 或 未核查 = 是;  是 且 未核查 = 未核查
        (False, NOT_CHECKED, NOT_FIRED),  # 否 或 未核查 = 未核查;  否 且 未核查 = 否
    ],
)
def test_three_valued_logic_over_unchecked_facts(rules_text, load_rules, seed_inputs, known, either, both):
    ruleset = load_rules(rules_text + KLEENE_RULES)
    result = evaluate(ruleset, seed_inputs(facts={"整改不到位": Unchecked("报告未载明"), "严重违法违规": known}))
    assert (status_of(result, "任一"), status_of(result, "两者"), status_of(result, "并非")) == (either, both, NOT_CHECKED)


def test_veto_marked_withhold_when_unchecked_withholds_the_grade(rules_text, load_rules, seed_inputs):
    text = rules_text.replace("  当 整改不到位   ", "  当 整改不到位 未核查时 暂缓评级   ")
    assert text != rules_text
    ruleset = load_rules(text)
    withheld = evaluate(ruleset, seed_inputs(facts={"整改不到位": Unchecked("报告未载明")}))
    assert (withheld.score_grade, withheld.grade) == ("良好", None)
    assert evaluate(ruleset, seed_inputs()).grade == "良好"


def test_fired_veto_outranks_a_withheld_grade(rules_text, load_rules, seed_inputs):
    ruleset = load_rules(rules_text.replace("未核查默认 仅提示", "未核查默认 暂缓评级"))
    facts = {"整改不到位": Unchecked(), "财务评估不合格": True}
    assert evaluate(ruleset, seed_inputs(facts=facts)).grade == "不合格"
    assert evaluate(ruleset, seed_inputs(facts={"整改不到位": Unchecked()})).grade is None


# --- arithmetic ---------------------------------------------------------------------------------------

ROUND_RULES = """\
规则集 取整测试
版本 1
生效 2024-01-01 起
阶段 中期
评估方 甲 权重 100%
评分项 a 属于 甲 满分 100
等级 全部 当 总分 >= 0
完成率 = 取整(实际 ÷ 目标, 2)
"""


@pytest.mark.parametrize(
    "value, rounded",
    [
        ("2.345", "2.35"),
        ("2.335", "2.34"),
        ("2.325", "2.33"),
        ("2.344", "2.34"),
        ("0.005", "0.01"),
    ],
)
def test_round_function_rounds_half_up_never_to_even(load_rules, value, rounded):
    assert completion_rate(load_rules(ROUND_RULES), D(value), D(1)) == D(rounded)


# 2.345, 2.341 and 2.355 to 2 places tell the four modes apart.
MODE_RESULTS = {
    RoundingMode.HALF_UP: ("2.35", "2.34", "2.36"),
    RoundingMode.DOWN: ("2.34", "2.34", "2.35"),
    RoundingMode.UP: ("2.35", "2.35", "2.36"),
    RoundingMode.HALF_EVEN: ("2.34", "2.34", "2.36"),
}


@pytest.mark.parametrize("word", sorted(ROUNDING_MODES))
def test_each_rounding_mode_by_either_of_its_names(load_rules, word):
    rules = load_rules(ROUND_RULES.replace("取整(实际 ÷ 目标, 2)", f"取整(实际 ÷ 目标, 2, {word})"))
    rounded = tuple(str(completion_rate(rules, D(value), D(1))) for value in ("2.345", "2.341", "2.355"))
    assert rounded == MODE_RESULTS[ROUNDING_MODES[word]]


FUNCTION_RESULTS = {Function.MIN: "1", Function.MAX: "5", Function.SUM: "9", Function.MEAN: "3"}


@pytest.mark.parametrize("word", sorted(word for word, function in FUNCTIONS.items() if function in AGGREGATES))
def test_each_aggregate_function_by_either_of_its_names(load_rules, word):
    rules = load_rules(ROUND_RULES.replace("取整(实际 ÷ 目标, 2)", f"{word}(实际, 目标, 3)"))
    assert completion_rate(rules, D(5), D(1)) == D(FUNCTION_RESULTS[FUNCTIONS[word]])


def test_every_function_has_a_way_to_be_called():
    assert set(CALL_OF) == set(Function)


def test_every_aggregate_has_a_way_to_be_computed():
    assert set(AGGREGATE_OF) == AGGREGATES


def test_every_rounding_mode_has_a_decimal_rounding():
    assert set(DECIMAL_ROUNDING) == set(RoundingMode) == set(MODE_RESULTS)


def test_completion_rate_of_25_out_of_40_is_62_50_percent(ruleset):
    assert completion_rate(ruleset, D(25), D(40)) == D("62.50")


def test_completion_rate_rounds_to_two_places(ruleset):
    assert completion_rate(ruleset, D(1), D(3)) == D("33.33")
    assert completion_rate(ruleset, D(2), D(3)) == D("66.67")


def test_completion_rate_without_a_target_is_none(ruleset):
    assert completion_rate(ruleset, D(25), D(0)) is None


SCALED_RULES = """\
规则集 折算测试
版本 1
生效 2024-01-01 起
阶段 中期
评估方 第三方 权重 60%
评估方 街道 权重 40% 按百分制折算 保留 2 位
评分项 甲 属于 第三方 满分 60
评分项 乙 属于 街道 满分 100
总分 保留 2 位
等级 优秀 当 总分 >= 90
等级 良好 当 80 <= 总分 < 90
等级 合格 当 60 <= 总分 < 80
等级 不合格 当 总分 < 60
"""


def test_scaled_party_converts_score_times_weight(load_rules):
    result = evaluate(load_rules(SCALED_RULES), Inputs("中期", {"甲": D(50), "乙": D("87.5")}, {}))
    converted = {i.name: i.converted for i in result.items}
    assert converted == {"甲": D(50), "乙": D("87.5") * D("0.40")}  # score × weight; the unscaled item counts as is
    assert result.total == D(50) + D("87.5") * D("0.40")
    assert result.grade == "良好"


def test_scaled_party_rounds_its_converted_score_half_up(load_rules):
    result = evaluate(load_rules(SCALED_RULES), Inputs("中期", {"甲": D(0), "乙": D("88.8875")}, {}))
    assert next(i.converted for i in result.items if i.name == "乙") == D("35.56")  # 35.555 → 35.56


def test_division_by_zero_in_a_definition_is_an_evaluation_error(rules_text, load_rules, seed_inputs):
    ruleset = load_rules(rules_text + "定义 持证缺口占比 = 持证社工缺少人次 / 社工缺少人次\n否决 持证缺口过大 当 持证缺口占比 > 50%\n")
    with pytest.raises(EvaluationError) as raised:
        evaluate(ruleset, seed_inputs(facts={"社工缺少人次": D(0), "持证社工缺少人次": D(2)}))
    assert not isinstance(raised.value, ZeroDivisionError)
    assert raised.value.message == "除数为零：持证社工缺少人次 / 社工缺少人次。请检查记录中的数据。"  # as written, no brackets added
    assert raised.value.pos.line == rules_text.count("\n") + 1


# --- inputs the evaluation cannot use ---------------------------------------------------------------------


def evaluation_messages(ruleset, inputs) -> list[str]:
    with pytest.raises(SiteBuilderError) as raised:
        evaluate(ruleset, inputs)
    error = raised.value
    assert isinstance(error, Problems) and all(isinstance(e, EvaluationError) for e in error.errors)
    return [e.message for e in error.errors]


def test_unknown_stage_is_an_evaluation_error(ruleset, seed_inputs):
    assert evaluation_messages(ruleset, seed_inputs("初期")) == ["规则集没有“初期”阶段，只有中期、末期。"]


def test_missing_score_is_an_evaluation_error(ruleset, seed_inputs):
    inputs = seed_inputs()
    del inputs.scores["监督方评分"]
    assert evaluation_messages(ruleset, inputs) == ["缺少评分项“监督方评分”的评分。"]


def test_sub_district_item_needs_sub_district_scores(ruleset, seed_inputs):
    for given in (D(15), {}):
        assert evaluation_messages(ruleset, seed_inputs(scores={"服务质量": given})) == ["评分项“服务质量”按片区评分，应给出各片区的分数。"]


def test_fact_of_the_wrong_kind_is_an_evaluation_error(ruleset, seed_inputs):
    messages = evaluation_messages(ruleset, seed_inputs(facts={"整改不到位": D(1), "社工缺少人次": True}))
    assert messages == ["事实“社工缺少人次”的类型是“数值”，这里给的是“是”。", "事实“整改不到位”的类型是“是否”，这里给的是“1”。"]


def test_single_score_item_needs_a_number(ruleset, seed_inputs):
    messages = evaluation_messages(ruleset, seed_inputs(scores={"服务监测": "9.82"}))
    assert messages == ["评分项“服务监测”应是一个分数，这里是“9.82”。"]


def test_completion_rate_accepts_whole_numbers_as_records_hold_them(ruleset):
    # YAML integers reach the pages as int; 25 of 40 must still round to 62.50 like Decimals do.
    assert completion_rate(ruleset, 25, 40) == Decimal("62.50")


def test_every_expression_class_has_a_way_to_be_evaluated():
    assert set(VALUE_OF) == set(get_args(ast_nodes.Expr))
