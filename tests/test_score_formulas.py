"""Rule language, second edition (issue 16, parts 1 and 2): items computed by formula, the total's scale, and
加分项/扣分项. The fixture regimes under tests/fixtures/regimes/ are evaluated with exact Decimals; their mistakes
are reported at file:line:col, in the rule file and in a station record."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from site_harness import SEED_RECORD, copy_seed_repo

from site_builder.errors import CycleError, EvaluationError, RuleTypeError, WeightError
from site_builder.language.evaluate import Inputs, Unchecked, evaluate
from site_builder.records.project import load_project

D = Decimal
REGIMES = Path(__file__).parent / "fixtures" / "regimes"
FORMULA = REGIMES / "formula-items" / "rules" / "demo" / "formula-2025.rules"
ADJUST = REGIMES / "bonus-penalty" / "rules" / "demo" / "adjust-2025.rules"
THOUSAND = REGIMES / "thousand-points" / "rules" / "demo" / "thousand-2025.rules"

TARGETS = {"个案完成数": 45, "个案目标数": 50, "小组完成数": 12, "小组目标数": 10, "活动完成数": 7, "活动目标数": 8}


def text_of(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def edited(path: Path, old: str, new: str) -> str:
    text = text_of(path)
    assert old in text, f"{path.name} no longer contains {old!r}"
    return text.replace(old, new, 1)


def at(text: str, fragment: str) -> tuple[int, int]:
    index = text.index(fragment)
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def where(error) -> tuple[int, int]:
    return error.pos.line, error.pos.col


def numbers(values: dict) -> dict:
    return {name: D(value) for name, value in values.items()}


# --- computed items ---------------------------------------------------------------------------------------


def test_a_computed_item_averages_three_completion_scores_rounded_to_two_places(load_rules):
    rules = load_rules(text_of(FORMULA))
    result = evaluate(rules, Inputs("年度", numbers({"服务质量": 55, "街道评价": 27}), numbers(TARGETS)))
    item = next(i for i in result.items if i.name == "指标完成")
    assert (item.score, item.converted) == (D("9.25"), D("9.25"))  # (9 + 10 + 8.75) ÷ 3
    assert (result.total, result.grade) == (D("91.25"), "优秀")


def test_a_computed_items_explanation_shows_the_formula_and_the_values_it_read(load_rules):
    rules = load_rules(text_of(FORMULA))
    facts = numbers({**TARGETS, "活动完成数": 5, "活动目标数": 6})
    result = evaluate(rules, Inputs("年度", numbers({"服务质量": 45, "街道评价": 27}), facts))
    step = next(s for s in result.steps if s.subject == "指标完成（按公式计算）")
    assert step.formula == (
        "平均(个案得分, 小组得分, 活动得分)（其中 个案得分 = 9.0、小组得分 = 10、活动得分 = 8.333333…） = 9.111111…，保留 2 位（四舍五入）得 9.11"
    )
    assert (step.pos.line, step.citation.clause) == (25, "第五条")
    assert result.total == D("81.11")


def test_a_score_typed_for_a_computed_item_is_refused_by_evaluate(load_rules):
    rules = load_rules(text_of(FORMULA))
    with pytest.raises(Exception, match="由规则计算"):
        evaluate(rules, Inputs("年度", numbers({"服务质量": 55, "街道评价": 27, "指标完成": 9}), numbers(TARGETS)))


def test_a_computed_score_above_its_maximum_is_an_evaluation_error(load_rules):
    rules = load_rules(edited(FORMULA, "= 平均(个案得分, 小组得分, 活动得分)", "= 个案完成数 ÷ 个案目标数 × 10"))
    with pytest.raises(EvaluationError, match="按公式算得 12.00，超出了 0 到满分 10 的范围"):
        evaluate(rules, Inputs("年度", numbers({"服务质量": 55, "街道评价": 27}), numbers({**TARGETS, "个案完成数": 60})))


def test_a_computed_item_cannot_also_be_scored_per_sub_district(rule_errors):
    text = edited(FORMULA, "满分 10\n  = 平均", "满分 10 按片区 平均\n  = 平均")
    (error,) = rule_errors(text)
    assert isinstance(error, RuleTypeError)
    assert where(error) == at(text, "按片区")
    assert error.message == "评分项“指标完成”由公式计算，不能再“按片区”评分：两者只能选一个。"


def test_a_formula_must_give_a_number(rule_errors):
    text = edited(FORMULA, "= 平均(个案得分, 小组得分, 活动得分)", "= 个案完成数 > 个案目标数")
    (error,) = rule_errors(text)
    assert where(error) == at(text, "个案完成数 > ")
    assert error.message == "评分项“指标完成”的公式应得出一个分数，这里得出的是“是/否”。"


def test_a_cycle_through_a_computed_item_and_a_definition_is_reported(rule_errors):
    text = edited(FORMULA, "定义 个案得分 = 10 × 最小(1, 个案完成数 ÷ 个案目标数)", "定义 个案得分 = 指标完成 + 1")
    (error,) = rule_errors(text)
    assert isinstance(error, CycleError)
    assert error.message == "定义与计算的评分项之间循环引用：个案得分 → 指标完成 → 个案得分。公式不能直接或间接引用自己。"


def test_a_formula_cannot_read_the_total(rule_errors):
    text = edited(FORMULA, "定义 个案得分 = 10 × 最小(1, 个案完成数 ÷ 个案目标数)", "定义 个案得分 = 总分 ÷ 10")
    (error,) = rule_errors(text)
    assert where(error) == at(text, "总分 ÷ 10")
    assert error.message == "评分项“指标完成”的公式不能引用总分：总分由各评分项与加分、扣分合计而来。"


AVERAGED = "满分 10\n  = 平均(个案得分, 小组得分, 活动得分) 保留 2 位"
CAPPED_AT_9_5 = "满分 9.5\n  = 最小(9.5, 平均(个案得分, 小组得分, 活动得分)) 保留 {places} 位 进一"


def capped_at_9_5(places: int) -> str:
    """The formula items with 指标完成 out of 9.5 (服务质量 out of 60.5, so that the weights still add up)."""
    return edited(FORMULA, AVERAGED, CAPPED_AT_9_5.format(places=places)).replace("属于 第三方 满分 60", "属于 第三方 满分 60.5")


def test_a_computed_maximum_that_its_rounding_would_pass_is_refused_at_the_rounding(rule_errors):
    text = capped_at_9_5(0)
    (error,) = rule_errors(text)
    assert isinstance(error, RuleTypeError)
    assert where(error) == at(text, "保留 0 位 进一")
    assert error.message == (
        "评分项“指标完成”的满分 9.5 有 1 位小数，却只保留 0 位（进一）：得满分时 9.5 分会取为 10 分，高于满分。请保留至少 1 位，或把满分改为整数。"
    )
    assert error.example == "评分项 指标完成 属于 第三方 满分 9.5 = … 保留 1 位 进一"


def test_a_computed_maximum_on_its_rounding_grid_is_accepted(load_rules):
    facts = numbers({**TARGETS, "个案完成数": 60, "小组完成数": 10, "活动完成数": 8})
    result = evaluate(load_rules(capped_at_9_5(1)), Inputs("年度", numbers({"服务质量": 55, "街道评价": 27}), facts))
    assert next(i.score for i in result.items if i.name == "指标完成") == D("9.5")  # 10, capped at 9.5, stays 9.5


# --- computed items in a station record -------------------------------------------------------------------

SEED_ITEM = "评分项 服务成效 属于 第三方 满分 15 【指标体系 服务成效】"
COMPUTED_ITEM = "评分项 服务成效 属于 第三方 满分 15 = 15 × 成效完成数 ÷ 成效目标数 保留 2 位 【指标体系 服务成效】"
RULES_FILE = "rules/guangzhou/sgz-2024.rules"


@pytest.fixture
def computed_repo(tmp_path: Path) -> Path:
    """The seed repository with 服务成效 computed from two facts (41 of 50 → 12.3, as the report scored it)."""
    repo = copy_seed_repo(tmp_path)
    rules = (repo / RULES_FILE).read_text(encoding="utf-8")
    rules = rules.replace(SEED_ITEM, COMPUTED_ITEM).replace("事实 整改不到位", "事实 成效完成数 数值\n事实 成效目标数 数值\n事实 整改不到位")
    (repo / RULES_FILE).write_text(rules, encoding="utf-8")
    record = (repo / SEED_RECORD).read_text(encoding="utf-8")
    record = record.replace("  服务成效: 12.3\n", "").replace("  社工缺少人次: 0\n", "  社工缺少人次: 0\n  成效完成数: 41\n  成效目标数: 50\n")
    (repo / SEED_RECORD).write_text(record, encoding="utf-8")
    return repo


def edit_record(repo: Path, old: str, new: str) -> str:
    text = (repo / SEED_RECORD).read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    (repo / SEED_RECORD).write_text(text, encoding="utf-8")
    return text


def only_error(repo: Path):
    project = load_project(repo)
    assert len(project.errors) == 1, [e.format() for e in project.errors]
    return project.errors[0]


def test_the_seed_with_a_computed_item_still_totals_89_76(computed_repo):
    project = load_project(computed_repo)
    assert project.errors == []
    (result,) = project.results.values()
    assert next(i.score for i in result.items if i.name == "服务成效") == D("12.30")
    assert (result.total, result.grade) == (D("89.76"), "良好")


def test_a_score_typed_for_a_computed_item_is_an_error_at_its_key(computed_repo):
    text = edit_record(computed_repo, "  运营管理: 9.1\n", "  运营管理: 9.1\n  服务成效: 12.3\n")
    error = only_error(computed_repo)
    assert where(error) == at(text, "服务成效: 12.3")
    line, _ = at((computed_repo / RULES_FILE).read_text(encoding="utf-8"), "评分项 服务成效")
    assert error.message.endswith(f"评分项“服务成效”由规则计算（{RULES_FILE}:{line} 行），不能在记录中给出评分，请删去这一行。")


def test_a_computed_score_above_its_maximum_is_an_error_at_the_facts_used(computed_repo):
    text = edit_record(computed_repo, "成效完成数: 41", "成效完成数: 60")
    error = only_error(computed_repo)
    assert where(error) == at(text, "60")
    assert "评分项“服务成效”按公式算得 18.00，超出了 0 到满分 15 的范围" in error.message
    assert "成效完成数 = 60、成效目标数 = 50" in error.message


def test_an_unchecked_fact_a_computed_item_needs_is_an_error_at_that_fact(computed_repo):
    text = edit_record(computed_repo, "成效目标数: 50", "成效目标数: {not_checked: 协议未载明}")
    error = only_error(computed_repo)
    assert where(error) == at(text, "{not_checked: 协议未载明}")
    assert error.message == "facts.成效目标数：评分项“服务成效”由规则按公式计算，要用到事实“成效目标数”，它不能记为未核查：未核查的事实算不出分数。"


# --- evaluation errors carry the rule's position, and a record's ----------------------------------------------

GRADED_DEFINITION = """\
规则集 定义评级 “按定义评级的示例”
版本 “1”
生效 2025-01-01 起
阶段 年度
评估方 第三方 权重 100%
事实 扣减 数值
事实 服务人次 数值
评分项 综合 属于 第三方 满分 100
定义 净得分 = 综合 - 扣减 保留 1 位
定义 人次取整 = 取整(服务人次, 2)
否决 人次过多 “服务人次过多” 当 服务人次 × 服务人次 < 人次取整
否决等级 不合格
等级 合格 当 净得分 >= 60
等级 不合格 当 0 <= 净得分 < 60
"""


def test_a_graded_definition_outside_every_band_is_an_error_at_the_definition(load_rules):
    with pytest.raises(EvaluationError) as raised:
        evaluate(load_rules(GRADED_DEFINITION), Inputs("年度", {"综合": D(50)}, {"扣减": D(80), "服务人次": D(1)}))
    assert where(raised.value) == at(GRADED_DEFINITION, "定义 净得分")
    assert raised.value.message.startswith("净得分 算得 -30.0，不属于任何等级：等级（第 13–14 行）没有包含这个值。")
    assert raised.value.facts == ("扣减",)


@pytest.mark.parametrize(
    ("served", "fragment", "kind"), [("1E+45", "取整(服务人次, 2)", "InvalidOperation"), ("1E+600000", "服务人次 × 服务人次", "Overflow")]
)
def test_a_number_too_large_for_decimal_is_an_error_at_the_expression(load_rules, served, fragment, kind):
    with pytest.raises(EvaluationError) as raised:
        evaluate(load_rules(GRADED_DEFINITION), Inputs("年度", {"综合": D(80)}, {"扣减": D(0), "服务人次": D(served)}))
    assert where(raised.value) == at(GRADED_DEFINITION, fragment)
    assert raised.value.message == f"数值超出了可计算的范围（{kind}）：请检查规则文件与记录中过大的数字。"
    assert raised.value.facts == ("服务人次",)


def test_a_division_by_zero_in_a_record_is_an_error_at_the_fact_naming_the_rule(tmp_path: Path):
    repo = copy_seed_repo(tmp_path)
    rules = (repo / RULES_FILE).read_text(encoding="utf-8")
    veto = "否决 服务人次不足 “服务人次不足” 当 服务人次 ÷ 服务人次目标 < 0.5\n"
    (repo / RULES_FILE).write_text(rules + "事实 服务人次 数值\n事实 服务人次目标 数值\n" + veto, encoding="utf-8")
    text = edit_record(repo, "  社工缺少人次: 0\n", "  社工缺少人次: 0\n  服务人次: 10\n  服务人次目标: 0\n")
    error = only_error(repo)
    line, col = at(text, "服务人次目标: 0")
    assert where(error) == (line, col + len("服务人次目标: "))  # the value the author typed
    line = rules.count("\n") + 3
    assert (
        error.message
        == f"facts.服务人次目标：按规则算不出这份记录的结果（规则 {RULES_FILE}:{line}）：除数为零：服务人次 ÷ 服务人次目标。请检查记录中的数据。"
    )


# --- the scale --------------------------------------------------------------------------------------------


def test_a_thousand_point_scale_converts_a_scaled_party_by_the_scale(load_rules):
    rules = load_rules(text_of(THOUSAND))
    assert (rules.scale, rules.maximum_total) == (D(1000), D(1000))
    result = evaluate(rules, Inputs("年度", numbers({"基础条件": 180, "内部治理": 350, "满意度": 245, "主管评价": "83.3"}), {}))
    converted = {i.name: i.converted for i in result.items}
    assert converted["主管评价"] == D("124.95")  # 83.3 × 15% × 1000 ÷ 100
    assert (result.total, result.grade) == (D("900"), "优秀")  # 899.95, 保留 0 位
    step = next(s for s in result.steps if s.subject == "主管评价 折算分")
    assert step.formula == "83.3 × 15% × 1000 ÷ 100 = 124.950，保留 2 位（四舍五入）得 124.95"


def test_items_must_add_up_to_the_weight_on_the_declared_scale(rule_errors):
    text = edited(THOUSAND, "评分项 内部治理 属于 第三方   满分 400", "评分项 内部治理 属于 第三方   满分 300")
    (error,) = rule_errors(text)
    assert isinstance(error, WeightError)
    assert where(error) == at(text, "评估方 第三方")
    assert error.message == (
        "评估方“第三方”的权重是 60%，其下各评分项满分合计应为 600（总分满分 1000 × 60%），现为 500。请核对该评估方的权重与其下各评分项的满分。"
    )


def test_items_on_another_scale_without_a_declared_scale_are_advised_to_declare_it(rule_errors):
    text = edited(THOUSAND, "总分 满分 1000 保留 0 位", "总分 保留 0 位")
    errors = [e for e in rule_errors(text) if isinstance(e, WeightError)]
    third_party = next(e for e in errors if "第三方" in e.message)
    assert third_party.message == (
        "评估方“第三方”的权重是 60%，其下各评分项满分合计应为 60，现为 600。若总分的满分是 1000 分，请声明“总分 满分 1000”。"
    )
    assert third_party.example == "总分 满分 1000 保留 0 位"


def test_a_scale_of_zero_is_refused(rule_errors):
    text = edited(THOUSAND, "总分 满分 1000", "总分 满分 0")
    errors = rule_errors(text)
    assert any(where(e) == at(text, "0 保留") and e.message == "总分的满分应大于 0。" for e in errors)


SCALE_99_5 = """\
规则集 半分制 “满分 99.5 的示例”
版本 “1”
生效 2025-01-01 起
阶段 年度
评估方 第三方 权重 100%
评分项 综合 属于 第三方 满分 99.5
总分 满分 99.5 保留 1 位 进一
等级 合格 当 总分 >= 60
等级 不合格 当 总分 < 60
"""


def test_a_scale_its_rounding_would_round_past_is_refused_at_the_rounding(rule_errors):
    text = SCALE_99_5.replace("保留 1 位 进一", "保留 0 位 进一")
    (error,) = rule_errors(text)
    assert isinstance(error, RuleTypeError)
    assert where(error) == at(text, "保留 0 位 进一")
    assert error.message == (
        "总分的满分 99.5 有 1 位小数，却只保留 0 位（进一）：得满分时 99.5 分会取为 100 分，高于满分。请保留至少 1 位，或把满分改为整数。"
    )
    assert error.example == "总分 满分 99.5 保留 1 位 进一"


def test_a_scale_its_rounding_would_round_down_is_refused_as_out_of_reach(rule_errors):
    text = SCALE_99_5.replace("保留 1 位 进一", "保留 0 位 去尾")
    (error,) = rule_errors(text)
    assert "得满分时 99.5 分会取为 99 分，达不到满分。" in error.message


def test_a_full_score_on_a_scale_with_decimals_totals_the_scale(load_rules):
    result = evaluate(load_rules(SCALE_99_5), Inputs("年度", {"综合": D("99.5")}, {}))
    assert result.total == D("99.5")


# --- 加分项 and 扣分项 -------------------------------------------------------------------------------------


def adjusted(rules, scores: dict, facts: dict):
    return evaluate(rules, Inputs("年度", numbers(scores), numbers(facts)))


def test_a_bonus_is_capped_and_the_total_is_clamped_to_the_scale(load_rules):
    rules = load_rules(text_of(ADJUST))
    result = adjusted(rules, {"服务": 58, "管理": 40}, {"媒体报道次数": 5, "安全事故起数": 0})
    bonus = next(a for a in result.adjustments if a.name == "媒体报道")
    assert (bonus.value, bonus.applied, bonus.cap) == (D(5), D(3), D(3))
    assert result.total == D("100.00")
    steps = {s.subject: s.formula for s in result.steps}
    assert steps["加分项：媒体报道"] == "媒体报道次数 × 1（其中 媒体报道次数 = 5） = 5，限定在 0 到上限 3 之间，取 3"
    clamped = "总分应在 0 到满分 100 之间，取 100，保留 2 位（四舍五入）得 100.00"
    assert steps["总分"] == f"58 + 40 = 98；98 + 3（媒体报道加分） − 0（安全事故扣分） = 101；{clamped}"


def test_penalties_below_zero_leave_a_total_of_zero(load_rules):
    rules = load_rules(text_of(ADJUST))
    result = adjusted(rules, {"服务": 10, "管理": 5}, {"媒体报道次数": 0, "安全事故起数": 4})
    penalty = next(a for a in result.adjustments if not a.bonus)
    assert (penalty.value, penalty.applied, penalty.cap) == (D(20), D(20), None)
    assert (result.total, result.grade) == (D("0.00"), "不合格")


def test_a_bonus_cap_must_be_positive(rule_errors):
    text = edited(ADJUST, "上限 3", "上限 0")
    (error,) = rule_errors(text)
    assert where(error) == at(text, "0 【办法 第九条】")
    assert error.message == "加分项“媒体报道”的上限应大于 0，这里是 0。"


def test_a_bonus_needs_a_cap(rule_errors):
    text = edited(ADJUST, " 上限 3", "")
    (error,) = rule_errors(text)
    assert where(error) == at(text, "加分项 媒体报道")
    assert error.message == "加分项“媒体报道”没有写上限：加分项要写明最多加几分。"


def test_an_adjustment_name_is_unique_among_all_names(rule_errors):
    text = edited(ADJUST, "扣分项 安全事故 ", "扣分项 服务 ")
    (error,) = rule_errors(text)
    assert where(error) == at(text, "扣分项 服务")


def test_an_unchecked_fact_an_adjustment_needs_is_an_evaluation_error(load_rules):
    rules = load_rules(text_of(ADJUST))
    inputs = Inputs("年度", numbers({"服务": 50, "管理": 30}), {"媒体报道次数": Unchecked("未统计"), "安全事故起数": D(0)})
    with pytest.raises(EvaluationError, match="加分项“媒体报道”要用到未核查的事实“媒体报道次数”"):
        evaluate(rules, inputs)
