"""Static checks run when a rule file loads: each mistake is reported in Chinese, at the line and column it was made."""

from __future__ import annotations

from decimal import Decimal
from typing import get_args

import pytest

from site_builder.errors import BandError, CycleError, DuplicateName, HeaderError, RuleTypeError, StageError, UndefinedName, WeightError
from site_builder.language import ast as ast_nodes
from site_builder.language.checks import TYPE_OF
from site_builder.language.evaluate import evaluate

# A small, correct rule file; each test below breaks it in one way.
BASE = """\
规则集 测试 “测试规则”
版本 “1”
生效 2024-01-01 起
阶段 中期、末期
文件 评估办法 “《评估办法》”
评估方 甲 权重 60%
评估方 乙 权重 40%
评分项 a 属于 甲 满分 60
评分项 b 属于 乙 满分 40
总分 保留 2 位
等级 优秀 当 总分 >= 90
等级 良好 当 80 <= 总分 < 90
等级 合格 当 60 <= 总分 < 80
等级 不合格 当 总分 < 60
否决等级 不合格
参数 上限 = 中期 5、末期 10
事实 缺少人次 数值
事实 违规 是否
否决 缺人 当 缺少人次 >= 上限
"""


def edit(old: str, new: str, text: str = BASE) -> str:
    assert text.count(old) == 1, f"“{old}” should occur once"
    return text.replace(old, new)


def add(*lines: str) -> str:
    return BASE + "".join(line + "\n" for line in lines)


def at(text: str, fragment: str, occurrence: int = 1) -> tuple[int, int]:
    """Line and column (from 1) where a fragment stands in the text."""
    index = -1
    for _ in range(occurrence):
        index = text.index(fragment, index + 1)
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def where(error) -> tuple[int, int]:
    return error.pos.line, error.pos.col


@pytest.fixture(scope="module")
def one_error(rule_errors):
    def error(text: str):
        (found,) = rule_errors(text)
        return found

    return error


def test_the_base_rule_file_checks_clean(load_rules):
    ruleset = load_rules(BASE)
    assert ruleset.stages == ("中期", "末期")
    assert [b.name for b in ruleset.bands] == ["优秀", "良好", "合格", "不合格"]


def test_the_real_rule_file_checks_clean(ruleset):
    assert (ruleset.id, ruleset.version, ruleset.stages) == ("广州市社工站评估", "2024", ("中期", "末期"))
    assert ruleset.maximum_total == 100
    assert len(ruleset.vetoes) == 8
    assert ruleset.veto_grade == "不合格"


# --- names --------------------------------------------------------------------------------------------


def test_undefined_name_suggests_the_nearest_declared_name(one_error):
    text = edit("当 缺少人次 >= 上限", "当 缺少人数 >= 上限")
    error = one_error(text)
    assert isinstance(error, UndefinedName)
    assert where(error) == at(text, "缺少人数")
    assert error.message == "未定义的名称“缺少人数”。你是不是想写“缺少人次”？"


def test_undefined_name_without_anything_close_has_no_hint(one_error):
    error = one_error(edit("当 缺少人次 >= 上限", "当 完全无关 >= 上限"))
    assert error.message == "未定义的名称“完全无关”。"


def test_duplicate_fact_points_at_the_second_declaration(one_error):
    text = add("事实 违规 数值")
    error = one_error(text)
    assert isinstance(error, DuplicateName)
    assert where(error) == at(text, "事实 违规", occurrence=2)
    assert error.message == f"名称“违规”重复定义，第一次定义在第 {at(text, '事实 违规')[0]} 行。每个名称只能定义一次。"


def test_a_definition_cannot_reuse_a_fact_name(one_error):
    text = add("定义 缺少人次 = 3")
    error = one_error(text)
    assert where(error) == at(text, "定义 缺少人次")
    assert "名称“缺少人次”重复定义" in error.message


def test_duplicate_party(rule_errors):
    text = edit("评估方 乙 权重 40%", "评估方 甲 权重 40%")
    messages = [e.message for e in rule_errors(text)]
    assert f"名称“甲”重复定义，第一次定义在第 {at(text, '评估方 甲')[0]} 行。每个名称只能定义一次。" in messages


def test_item_of_an_undeclared_party(rule_errors):
    text = edit("评分项 b 属于 乙", "评分项 b 属于 丙")
    errors = [e for e in rule_errors(text) if isinstance(e, UndefinedName)]
    assert [(where(e), e.message) for e in errors] == [(at(text, "丙"), "未定义的评估方“丙”。")]


def test_unknown_aggregate_function(one_error):
    text = edit("评分项 a 属于 甲 满分 60", "评分项 a 属于 甲 满分 60 按片区 平局")
    error = one_error(text)
    assert where(error) == at(text, "平局")
    assert error.message == "未定义的汇总方式“平局”。你是不是想写“平均”？"


def test_unknown_function(one_error):
    text = add("定义 最少 = 最校(缺少人次, 3)")
    error = one_error(text)
    assert where(error) == at(text, "最校")
    assert error.message.startswith("未定义的函数“最校”。你是不是想写")


# --- types --------------------------------------------------------------------------------------------


def test_veto_condition_must_be_yes_or_no_not_a_number(one_error):
    text = add("否决 x 当 缺少人次 + 1")
    error = one_error(text)
    assert isinstance(error, RuleTypeError)
    assert where(error) == at(text, "缺少人次 + 1")
    assert error.message == "否决条件“x”应得出是或否，这里得出的是数值。"


def test_yes_no_fact_in_arithmetic(one_error):
    text = add("定义 y = 违规 + 1")
    error = one_error(text)
    assert where(error) == at(text, "违规 + 1")
    assert error.message == "“+”的左边需要数值，这里是“是/否”。"


def test_not_needs_yes_or_no(one_error):
    text = add("否决 x 当 非 缺少人次")
    error = one_error(text)
    assert where(error) == at(text, "缺少人次", occurrence=3)
    assert error.message == "“非”需要“是/否”，这里是数值。"


def test_ordering_comparison_of_yes_no(one_error):
    text = add("否决 x 当 违规 > 否")
    assert one_error(text).message == "“>”只能比较数值，不能比较“是/否”。"


def test_a_parameter_whose_stages_differ_in_type(one_error):
    text = add("参数 阈值 = 中期 5、末期 是")
    error = one_error(text)
    assert (isinstance(error, RuleTypeError), where(error)) == (True, at(text, "参数 阈值"))
    assert error.message == "参数“阈值”各阶段的取值类型不一致：有的是数值，有的是“是/否”。"


def test_equality_between_number_and_yes_no(one_error):
    text = add("否决 x 当 缺少人次 = 是")
    error = one_error(text)
    assert where(error) == at(text, "是", occurrence=2)
    assert error.message == "不能比较数值与“是/否”。"


def test_if_branches_of_different_types(one_error):
    text = add("定义 y = 如果 违规 则 1 否则 否")
    error = one_error(text)
    line, col = at(text, "否则 否")
    assert where(error) == (line, col + len("否则 "))
    assert error.message == "“则”与“否则”两边的类型应一致：一边是数值，一边是“是/否”。"


def test_round_needs_whole_places(one_error):
    text = add("定义 y = 取整(缺少人次, 1.5)")
    error = one_error(text)
    assert where(error) == at(text, "1.5")
    assert error.message == "“取整”的第二个参数应是保留的位数：0 到 10 之间的整数。"


# --- weights ------------------------------------------------------------------------------------------


def test_a_weight_sum_of_90_percent_points_at_the_weight_that_no_longer_matches_its_items(rule_errors):
    text = edit("评估方 乙 权重 40%", "评估方 乙 权重 30%")
    maxima, weight_sum = rule_errors(text)
    assert isinstance(weight_sum, WeightError)
    assert where(weight_sum) == at(text, "30%")
    assert weight_sum.message == "各评估方的权重合计为 90%（甲 60% + 乙 30%），应为 100%。若其他评估方的权重是对的，“乙”的权重应为 40%。"
    assert weight_sum.example == "评估方 乙 权重 40%"
    assert where(maxima) == at(text, "评估方 乙")


def test_a_weight_sum_with_every_weight_matching_its_items_points_at_the_last_party(rule_errors):
    text = edit("评估方 乙 权重 40%\n", "")
    text = edit("评分项 b 属于 乙 满分 40\n", "", text)
    (error,) = [e for e in rule_errors(text) if isinstance(e, WeightError)]  # the bands above 60 are unreachable too
    assert where(error) == at(text, "60%")
    assert error.message == "各评估方的权重合计为 60%（甲 60%），应为 100%。请核对各评估方的权重，或补上漏写的评估方。"


def test_items_maxima_must_match_their_party_weight(one_error):
    text = edit("评分项 b 属于 乙 满分 40", "评分项 b 属于 乙 满分 30")
    error = one_error(text)
    assert isinstance(error, WeightError)
    assert where(error) == at(text, "评估方 乙")
    assert error.message == ("评估方“乙”的权重是 40%，其下各评分项满分合计应为 40，现为 30。请核对该评估方的权重与其下各评分项的满分。")
    assert error.example == "评估方 乙 权重 40%（其下各评分项满分合计 40）"


def test_items_of_100_points_under_a_weight_are_advised_to_scale(one_error):
    text = edit("评分项 b 属于 乙 满分 40", "评分项 b 属于 乙 满分 100")
    error = one_error(text)
    assert error.message == (
        "评估方“乙”的权重是 40%，其下各评分项满分合计应为 40，现为 100。若各项按百分制打分再按权重折算，请在权重后写“按百分制折算”。"
    )


def test_scaled_party_whose_items_sum_to_100_is_accepted(load_rules):
    text = edit("评估方 乙 权重 40%", "评估方 乙 权重 40% 按百分制折算 保留 2 位")
    text = edit("评分项 b 属于 乙 满分 40", "评分项 b1 属于 乙 满分 70\n评分项 b2 属于 乙 满分 30", text)
    ruleset = load_rules(text)
    assert ruleset.parties["乙"].scaled
    assert ruleset.maximum_total == 100


def test_scaled_party_whose_items_do_not_sum_to_100(rule_errors):
    text = edit("评估方 乙 权重 40%", "评估方 乙 权重 40% 按百分制折算")
    (error,) = [e for e in rule_errors(text) if isinstance(e, WeightError)]
    assert where(error) == at(text, "评估方 乙")
    assert error.message == "评估方“乙”按百分制折算，其下各评分项满分合计应为 100，现为 40。"


# --- bands --------------------------------------------------------------------------------------------


def seam_errors(rule_errors, text: str) -> list:
    """The band errors, each as (line, col, message, example), in the order they are reported."""
    errors = rule_errors(text)
    assert all(isinstance(error, BandError) for error in errors)
    return [(*where(error), error.message, error.example) for error in errors]


def test_overlapping_bands_are_reported_at_both_bounds_each_with_its_own_fix(rule_errors):
    text = edit("80 <= 总分 < 90", "80 <= 总分 <= 90")
    overlap = "等级“良好”与“优秀”的分数范围重叠：总分恰好 90 分同时属于“良好”和“优秀”。"
    assert seam_errors(rule_errors, text) == [
        (*at(text, "90"), overlap + "若“良好”的上限（总分 <= 90）是对的，“优秀”的下限应为 总分 > 90。", "等级 优秀 当 总分 > 90"),
        (*at(text, "90", 2), overlap + "若“优秀”的下限（总分 >= 90）是对的，“良好”的上限应为 总分 < 90。", "等级 良好 当 80 <= 总分 < 90"),
    ]


def test_an_overlap_names_the_scores_both_bands_hold(rule_errors):
    text = edit("总分 >= 90", "总分 >= 85")
    (upper_band, lower_band) = seam_errors(rule_errors, text)
    assert upper_band[:2] == at(text, "85")
    assert upper_band[2].startswith("等级“良好”与“优秀”的分数范围重叠：总分 85 至 90（含 85，不含 90）同时属于“良好”和“优秀”。")
    assert upper_band[3] == "等级 优秀 当 总分 >= 90"
    assert lower_band[:2] == at(text, "90")
    assert lower_band[3] == "等级 良好 当 80 <= 总分 < 85"


def test_a_band_without_an_upper_bound_is_given_one(rule_errors):
    text = edit("80 <= 总分 < 90", "总分 >= 80")
    assert seam_errors(rule_errors, text) == [
        (
            *at(text, "等级 良好"),
            "等级“良好”与“优秀”的分数范围重叠：总分 90 分及以上同时属于“良好”和“优秀”。"
            "若“优秀”的下限（总分 >= 90）是对的，“良好”的上限应为 总分 < 90。",
            "等级 良好 当 80 <= 总分 < 90",
        )
    ]


def test_a_band_reaching_past_its_neighbour_is_fixed_only_at_its_own_bound(rule_errors):
    text = edit("60 <= 总分 < 80", "60 <= 总分 <= 100")  # 良好 lies inside 合格: moving 良好's bound cannot help
    (error,) = seam_errors(rule_errors, text)
    assert error[:2] == at(text, "100")
    assert error[2].startswith("等级“合格”与“良好”的分数范围重叠：总分 80 至 90（含 80，不含 90）同时属于“合格”和“良好”。")
    assert error[3] == "等级 合格 当 60 <= 总分 < 80"


def test_moving_one_bound_leaves_a_gap_whose_fix_is_shown_on_both_lines(rule_errors):
    text = edit("80 <= 总分 < 90", "85 <= 总分 < 90")  # docs/change-a-rule.md: 良好 moved, 合格 forgotten
    gap = "等级“合格”与“良好”之间有空档：总分 80 至 85（含 80，不含 85）不属于任何等级，如 82.5 分。"
    assert seam_errors(rule_errors, text) == [
        (*at(text, "85"), gap + "若“合格”的上限（总分 < 80）是对的，“良好”的下限应为 总分 >= 80。", "等级 良好 当 80 <= 总分 < 90"),
        (*at(text, "80"), gap + "若“良好”的下限（总分 >= 85）是对的，“合格”的上限应为 总分 < 85。", "等级 合格 当 60 <= 总分 < 85"),
    ]


def test_integer_bands_leave_a_gap_between_89_and_90(rule_errors):
    text = edit("80 <= 总分 < 90", "80 <= 总分 <= 89")
    (at_excellent, at_good) = seam_errors(rule_errors, text)
    assert at_good[:2] == at(text, "89")
    assert at_good[2] == (
        "等级“良好”与“优秀”之间有空档：总分 89 至 90（不含两端）不属于任何等级，如 89.5 分。"
        "若“优秀”的下限（总分 >= 90）是对的，“良好”的上限应为 总分 < 90。按此改法，89.5 分评为“良好”。"
        "若总分应先取整再评等级，也可不改等级，写“总分 保留 0 位”：89.5 分取整为 90 分，评为“优秀”。"
    )
    assert at_good[3] == "等级 良好 当 80 <= 总分 < 90"
    assert at_excellent[:2] == at(text, "90")
    assert at_excellent[2].endswith(
        "“优秀”的下限应为 总分 > 89。按此改法，89.5 分评为“优秀”。"
        "若总分应先取整再评等级，也可不改等级，写“总分 保留 0 位”：89.5 分取整为 90 分，评为“优秀”。"
    )


# --- bands on the values the graded number can take after its declared rounding ------------------------------

INTEGER_BANDS = {"80 <= 总分 < 90": "80 <= 总分 <= 89", "60 <= 总分 < 80": "60 <= 总分 <= 79", "总分 < 60": "总分 <= 59"}


def integer_bands(rounding: str) -> str:
    """90分以上优秀、80至89分良好、60至79分合格、59分以下不合格, on a total rounded as given."""
    text = edit("总分 保留 2 位", rounding)
    for old, new in INTEGER_BANDS.items():
        text = edit(old, new, text)
    return text


def test_whole_number_bands_cover_a_total_rounded_to_whole_numbers(load_rules):
    ruleset = load_rules(integer_bands("总分 保留 0 位"))
    assert [band.name for band in ruleset.bands] == ["优秀", "良好", "合格", "不合格"]


def test_whole_number_bands_leave_gaps_on_an_unrounded_total_and_offer_both_readings(rule_errors):
    text = integer_bands("")
    errors = seam_errors(rule_errors, text)
    assert len(errors) == 6  # three seams, each at both of its bounds
    at_good = next(error for error in errors if error[:2] == at(text, "89"))
    assert at_good[2] == (
        "等级“良好”与“优秀”之间有空档：总分 89 至 90（不含两端）不属于任何等级，如 89.5 分。"
        "若“优秀”的下限（总分 >= 90）是对的，“良好”的上限应为 总分 < 90。按此改法，89.5 分评为“良好”。"
        "若总分应先取整再评等级，也可不改等级，写“总分 保留 0 位”：89.5 分取整为 90 分，评为“优秀”。"
    )
    assert at_good[3] == "等级 良好 当 80 <= 总分 < 90"


def test_the_rounding_reading_keeps_the_scale_and_the_mode_written(rule_errors):
    text = integer_bands("总分 满分 100 保留 1 位 去尾")
    at_good = next(error for error in seam_errors(rule_errors, text) if error[:2] == at(text, "89"))
    assert "总分 89 至 90（不含两端）不属于任何等级，如 89.5 分。" in at_good[2]
    assert at_good[2].endswith("写“总分 满分 100 保留 0 位 去尾”：89.5 分取整为 89 分，评为“良好”。")


def test_a_gap_on_whole_numbers_names_the_whole_numbers_it_leaves_out(rule_errors):
    text = edit("80 <= 总分 <= 89", "80 <= 总分 <= 87", integer_bands("总分 保留 0 位"))
    at_good = next(error for error in seam_errors(rule_errors, text) if error[:2] == at(text, "87"))
    assert at_good[2] == (
        "等级“良好”与“优秀”之间有空档：总分 88 至 89（保留 0 位，只取整数，含两端）不属于任何等级，如 89 分。"
        "若“优秀”的下限（总分 >= 90）是对的，“良好”的上限应为 总分 < 90。"
    )  # no rounding leaves out 88 and 89: the one reading is to close the band


def test_an_overlap_on_whole_numbers_names_the_one_score_both_bands_hold(rule_errors):
    text = edit("80 <= 总分 <= 89", "80 <= 总分 <= 90", integer_bands("总分 保留 0 位"))
    (at_excellent, at_good) = seam_errors(rule_errors, text)
    assert at_good[2].startswith("等级“良好”与“优秀”的分数范围重叠：总分恰好 90 分同时属于“良好”和“优秀”。")
    assert at_excellent[3] == "等级 优秀 当 总分 > 90"


def test_bounds_between_whole_numbers_do_not_overlap_on_a_whole_number_total(load_rules):
    text = edit("总分 >= 90", "总分 >= 89.5", edit("80 <= 总分 <= 89", "80 <= 总分 <= 89.5", integer_bands("总分 保留 0 位")))
    assert load_rules(text).bands[0].name == "优秀"  # 89.5 is no total: nothing is held twice


def test_a_band_holding_no_rounded_value_is_unreachable(one_error):
    text = add("等级 卓越 当 99.2 < 总分 < 99.8")
    text = edit("总分 >= 90", "90 <= 总分 <= 99.2", edit("总分 保留 2 位", "总分 保留 0 位", text))
    text = edit("\n否决等级", "\n等级 满分 当 总分 >= 99.8\n否决等级", text)
    error = one_error(text)
    assert where(error) == at(text, "等级 卓越")
    assert error.message == "等级“卓越”的范围内没有总分能取到的值：总分保留 0 位，只取整数。"


def test_bands_on_a_rounded_definition_are_checked_on_its_values(load_rules, rule_errors):
    text = add("定义 综合 = a + b 保留 0 位")
    for band in ("优秀 当 总分", "良好 当 80 <= 总分", "合格 当 60 <= 总分", "不合格 当 总分"):
        text = edit(band, band.replace("总分", "综合"), text)
    for old, new in INTEGER_BANDS.items():
        text = edit(old.replace("总分", "综合"), new.replace("总分", "综合"), text)
    assert load_rules(text).bands[1].graded == "综合"
    at_good = next(e for e in seam_errors(rule_errors, edit(" 保留 0 位", "", text)) if e[:2] == at(text, "89"))
    assert at_good[2].endswith("写“定义 综合 = … 保留 0 位”：89.5 分取整为 90 分，评为“优秀”。")


def test_two_exclusive_bounds_leave_the_boundary_itself_uncovered(rule_errors):
    text = edit("总分 >= 90", "总分 > 90")
    (at_excellent, at_good) = seam_errors(rule_errors, text)
    assert at_excellent[2].startswith("等级“良好”与“优秀”之间有空档：总分恰好 90 分不属于任何等级。")
    assert at_excellent[3] == "等级 优秀 当 总分 >= 90"
    assert at_good[3] == "等级 良好 当 80 <= 总分 <= 90"


def test_scores_below_the_lowest_band_must_be_covered(one_error):
    text = edit("等级 不合格 当 总分 < 60\n", "")
    text = edit("否决等级 不合格", "否决等级 合格", text)
    error = one_error(text)
    assert where(error) == at(text, "等级 合格")
    assert error.message == "总分低于 60 分时不属于任何等级。请去掉最低的等级“合格”的下限，让它包含这些分数；或为这些分数另设一个等级。"
    assert error.example == "等级 合格 当 总分 < 80"  # the file's own bottom band, not Guangzhou's 不合格 < 60


def test_scores_above_the_highest_band_must_be_covered(one_error):
    text = edit("总分 >= 90", "90 <= 总分 < 95")
    error = one_error(text)
    assert where(error) == at(text, "等级 优秀")
    assert error.message == (
        "总分 95 分及以上时不属于任何等级（最高可得 100 分）。请去掉最高的等级“优秀”的上限，让它包含这些分数；或为这些分数另设一个等级。"
    )
    assert error.example == "等级 优秀 当 总分 >= 90"


def test_band_above_the_highest_possible_total_is_unreachable(one_error):
    text = add("等级 卓越 当 总分 > 100")
    error = one_error(text)  # reported once: not also as an overlap with 优秀
    assert where(error) == at(text, "等级 卓越")
    assert error.message == "等级“卓越”在 0 到 100 分之外，任何总分都达不到。"


def test_band_whose_lower_bound_is_above_its_upper_bound(one_error):
    text = add("等级 空 当 90 <= 总分 < 80")
    error = one_error(text)
    assert where(error) == at(text, "等级 空")
    assert error.message == "等级“空”的下限高于上限，任何总分都达不到。"


def test_veto_grade_must_be_a_band(one_error):
    text = edit("否决等级 不合格", "否决等级 不及格")
    error = one_error(text)
    assert where(error) == at(text, "不及格")
    assert error.message == "未定义的等级“不及格”。你是不是想写“不合格”、“合格”？"


def test_veto_without_a_veto_grade(one_error):
    text = edit("否决等级 不合格\n", "")
    error = one_error(text)
    assert where(error) == at(text, "否决 缺人")
    assert error.message == "有“否决”语句，但没有声明否决后的等级。"


# --- definitions, stages, citations, rounding, headers ------------------------------------------------


def test_reference_cycle_between_definitions(one_error):
    text = add("定义 p = q + 1", "定义 q = p * 2", "否决 x 当 p > 3")
    error = one_error(text)
    assert isinstance(error, CycleError)
    assert where(error) == at(text, "定义 p")
    assert error.message == "定义之间循环引用：p → q → p。定义不能直接或间接引用自己。"


def test_definition_referring_to_itself(one_error):
    error = one_error(add("定义 p = p + 1"))
    assert error.message == "定义之间循环引用：p → p。定义不能直接或间接引用自己。"


def test_staged_parameter_missing_a_declared_stage(one_error):
    text = edit("参数 上限 = 中期 5、末期 10", "参数 上限 = 中期 5")
    error = one_error(text)
    assert isinstance(error, StageError)
    assert where(error) == at(text, "参数 上限")
    assert error.message == "参数“上限”缺少阶段“末期”的取值。"


def test_parameter_for_an_unknown_stage(one_error):
    text = edit("参数 上限 = 中期 5、末期 10", "参数 上限 = 中期 5、末期 10、初期 3")
    error = one_error(text)
    assert where(error) == at(text, "初期")
    assert error.message == "未定义的评估阶段“初期”。你是不是想写“末期”、“中期”？"


def test_parameter_giving_a_stage_twice(one_error):
    text = edit("参数 上限 = 中期 5、末期 10", "参数 上限 = 中期 5、末期 10、中期 6")
    error = one_error(text)
    assert where(error) == at(text, "中期 6")
    assert error.message == "参数“上限”的阶段“中期”写了两次。"


def test_citation_of_an_undeclared_document(one_error):
    text = edit("评估方 甲 权重 60%", "评估方 甲 权重 60% 【评估细则 第五条】")
    error = one_error(text)
    assert where(error) == at(text, "【评估细则")
    assert error.message == "未定义的文件简称“评估细则”。你是不是想写“评估办法”？"


def test_unknown_rounding_mode_in_total(one_error):
    text = edit("总分 保留 2 位", "总分 保留 2 位 四色五入")
    error = one_error(text)
    assert where(error) == at(text, "保留 2 位")
    assert error.message == "未定义的取整方式“四色五入”。你是不是想写“四舍五入”？"


def test_unknown_rounding_mode_in_round_function(one_error):
    text = add("定义 y = 取整(缺少人次, 2, 银行家)")
    error = one_error(text)
    assert where(error) == at(text, "银行家")
    assert error.message.startswith("未定义的取整方式“银行家”。")


def test_too_many_rounding_places(one_error):
    text = edit("总分 保留 2 位", "总分 保留 50 位")
    error = one_error(text)
    assert where(error) == at(text, "保留 50 位")
    assert error.message == "保留的位数应在 0 到 10 之间，这里是 50。"


def test_a_sub_district_average_rounded_past_its_maximum_is_refused_at_the_rounding(one_error):
    text = edit("评分项 a 属于 甲 满分 60", "评分项 a 属于 甲 满分 59.5 按片区 平均 保留 0 位\n评分项 c 属于 甲 满分 0.5")
    error = one_error(text)
    assert isinstance(error, RuleTypeError)
    assert where(error) == at(text, "保留 0 位")
    assert error.message.startswith("评分项“a”的满分 59.5 有 1 位小数，却只保留 0 位（四舍五入）：得满分时 59.5 分会取为 60 分，高于满分。")
    assert error.example == "评分项 a 属于 甲 满分 59.5 按片区 平均 保留 1 位"


def test_completion_rate_may_not_read_a_station_fact(one_error):
    text = add("完成率 = 取整(实际 ÷ 目标 × 100, 2) + 缺少人次")
    error = one_error(text)
    line, col = at(text, "+ 缺少人次")
    assert where(error) == (line, col + len("+ "))
    assert error.message == "完成率公式只能用“实际”“目标”、数字和不分阶段的参数，不能用“缺少人次”。"


def test_completion_rate_may_read_a_fixed_parameter(load_rules):
    assert load_rules(add("参数 百 = 100", "完成率 = 实际 ÷ 目标 × 百")).completion is not None


def test_missing_header_statements_are_each_reported_at_the_file_start(rule_errors):
    text = edit("阶段 中期、末期\n", "", edit("版本 “1”\n", ""))
    errors = rule_errors(text)
    assert all(isinstance(e, HeaderError) and where(e) == (1, 1) for e in errors)
    assert [e.message for e in errors] == ["规则文件缺少“版本”语句。", "规则文件缺少“阶段”语句。"]
    assert [e.example for e in errors] == ["版本 “2024”", "阶段 中期、末期"]


def test_header_statement_written_twice(one_error):
    text = add("版本 “2”")
    error = one_error(text)
    assert where(error) == at(text, "版本 “2”")
    assert error.message == "“版本”语句只能写一次，第一次在第 2 行。"


def test_effective_end_before_start(one_error):
    text = edit("生效 2024-01-01 起", "生效 2025-01-01 至 2024-12-31")
    error = one_error(text)
    assert where(error) == at(text, "生效")
    assert error.message == "生效的结束日期早于开始日期。"


def test_a_file_without_bands(rule_errors):
    text = "".join(line + "\n" for line in BASE.splitlines() if not line.startswith(("等级", "否决")))
    messages = [e.message for e in rule_errors(text)]
    assert messages == ["规则文件没有任何“等级”语句。"]


def test_all_mistakes_are_reported_at_once_in_file_order(rule_errors):
    text = edit("评估方 乙 权重 40%", "评估方 乙 权重 30%", edit("当 缺少人次 >= 上限", "当 缺少人数 >= 上限"))
    errors = rule_errors(text)
    assert [type(e) for e in errors] == [WeightError, WeightError, UndefinedName]
    assert [where(e) for e in errors] == sorted(where(e) for e in errors)


# --- editing the real rule file ---------------------------------------------------------------------------


def test_policy_staff_can_move_the_good_band_to_start_at_85(rules_text, ruleset, load_rules, seed_inputs, scores_totalling):
    edited = edit("60 <= 总分 < 80", "60 <= 总分 < 85", edit("80 <= 总分 < 90", "85 <= 总分 < 90", rules_text))
    edited_ruleset = load_rules(edited)
    inputs = seed_inputs(scores=scores_totalling(Decimal(84)))
    before, after = evaluate(ruleset, inputs), evaluate(edited_ruleset, inputs)
    assert before.total == after.total == 84
    assert (before.grade, after.grade) == ("良好", "合格")


def test_policy_staff_can_add_a_ninth_veto(rules_text, load_rules, seed_inputs):
    edited = rules_text + (
        "\n事实 挪用服务经费 是否 “是否挪用服务经费”\n否决 挪用服务经费 “挪用服务经费的”\n  当 挪用服务经费 【评估办法 一票否决情形（九）】\n"
    )
    ruleset = load_rules(edited)
    assert len(ruleset.vetoes) == 9
    result = evaluate(ruleset, seed_inputs(facts={"挪用服务经费": True}))
    assert (result.fired, result.score_grade, result.grade) == (["挪用服务经费"], "良好", "不合格")


def test_a_keyword_cannot_be_used_as_a_name(rule_errors):
    errors = rule_errors(BASE + "事实 是 是否\n")
    assert [(type(e), e.message, e.pos.line) for e in errors] == [(RuleTypeError, "“是”是规则语言的关键词，不能用作名称。", BASE.count("\n") + 1)]


def test_full_width_comparison_signs_from_a_chinese_keyboard_are_accepted(load_rules):
    ruleset = load_rules(
        edit("等级 良好 当 80 <= 总分 < 90", "等级 良好 当 80 ＜＝ 总分 ＜ 90").replace(
            "否决 缺人 当 缺少人次 >= 上限", "否决 缺人 当 缺少人次 ＞＝ 上限"
        )
    )
    good = next(b for b in ruleset.bands if b.name == "良好")
    assert (good.lower.value, good.lower.inclusive, good.upper.value, good.upper.inclusive) == (Decimal(80), True, Decimal(90), False)


@pytest.mark.parametrize("word", ["满分", "权重", "未核查时"])
def test_a_word_between_a_statements_parts_cannot_be_used_as_a_name(rule_errors, word):
    errors = rule_errors(BASE + f"事实 {word} 数值\n")
    assert [(type(e), e.message) for e in errors] == [(RuleTypeError, f"“{word}”是规则语言的关键词，不能用作名称。")]


def test_every_expression_class_has_a_way_to_be_typed():
    assert set(TYPE_OF) == set(get_args(ast_nodes.Expr))


# --- an unrounded division or average that reaches a published figure ----------------------------------------

COMPUTED = edit("评分项 b 属于 乙 满分 40", "评分项 b 属于 乙 满分 40 = 最小(40, 40 × 完成数 ÷ 目标数)") + "事实 完成数 数值\n事实 目标数 数值\n"


def test_a_computed_score_with_an_unrounded_division_is_refused_at_the_division(one_error):
    error = one_error(COMPUTED)
    assert isinstance(error, RuleTypeError)
    assert where(error) == at(COMPUTED, "÷")
    assert error.message == (
        "“÷”的结果没有保留位数，直接成为评分项“b”的分数：除法与平均常得出无尽的小数（如 10 ÷ 3 = 3.333…），"
        "公布的分数会有几十位。请写明保留几位（保留 N 位，或 取整(…, N)）。"
    )
    assert error.example == "评分项 b 属于 乙 满分 40 = … 保留 2 位"


@pytest.mark.parametrize(
    "rounded",
    [
        ("目标数)", "目标数) 保留 2 位"),  # the item's own 保留
        ("最小(40, 40 × 完成数 ÷ 目标数)", "取整(最小(40, 40 × 完成数 ÷ 目标数), 1)"),  # 取整 on the way
    ],
)
def test_a_division_rounded_on_the_way_to_the_score_is_accepted(load_rules, rounded):
    assert load_rules(edit(*rounded, text=COMPUTED)).items["b"].computed


def test_a_division_in_a_definition_is_reported_there_naming_the_score_it_reaches(one_error):
    text = edit("40 × 完成数 ÷ 目标数", "40 × 完成比例", COMPUTED) + "定义 完成比例 = 完成数 ÷ 目标数\n"
    error = one_error(text)
    assert where(error) == at(text, "÷")
    assert error.message.startswith("“÷”的结果（在定义“完成比例”中）没有保留位数，直接成为评分项“b”的分数：")


def test_a_definition_that_rounds_stops_the_division_there(load_rules):
    text = edit("40 × 完成数 ÷ 目标数", "40 × 完成比例", COMPUTED) + "定义 完成比例 = 完成数 ÷ 目标数 保留 2 位\n"
    assert load_rules(text).definitions["完成比例"].rounding.places == 2


def test_a_compared_division_reaches_no_figure(load_rules):
    text = add("事实 支出 数值", "事实 收入 数值", "定义 支出过低 = 支出 ÷ 收入 < 80%", "否决 支出 当 支出过低")
    assert load_rules(text).vetoes[-1].name == "支出"


def test_an_adjustment_with_a_division_asks_for_rounding_in_its_formula(one_error):
    text = edit("评分项 a 属于 甲 满分 60", "评分项 a 属于 甲 满分 60\n加分项 报道 = 报道次数 ÷ 2 上限 3\n事实 报道次数 数值")
    error = one_error(text)
    assert where(error) == at(text, "÷")
    assert "直接成为加分项“报道”的分数" in error.message
    assert error.example == "加分项 报道 = 取整(…, 2) 上限 3"


def test_an_unrounded_average_graded_by_the_bands_is_reported_at_the_average(rule_errors):
    text = add("定义 综合 = 平均(a, b)")
    for band in ("优秀 当 总分", "良好 当 80 <= 总分", "合格 当 60 <= 总分", "不合格 当 总分"):
        text = edit(band, band.replace("总分", "综合"), text)
    (error,) = rule_errors(text)
    assert where(error) == at(text, "平均")
    assert error.message.startswith("“平均”的结果没有保留位数，直接成为评定等级所用的“综合”：")
    assert error.example == "定义 综合 = … 保留 2 位"


def test_an_average_over_sub_districts_without_rounding_is_reported(one_error):
    text = edit("评分项 a 属于 甲 满分 60", "评分项 a 属于 甲 满分 60 按片区 平均")
    error = one_error(text)
    assert where(error) == at(text, "平均")
    assert error.example == "评分项 a 属于 甲 满分 60 按片区 平均 保留 2 位"


def test_a_yes_no_definition_cannot_be_rounded(one_error):
    text = add("定义 缺人多 = 缺少人次 > 3 保留 2 位")
    error = one_error(text)
    assert where(error) == at(text, "保留 2 位", 2)
    assert error.message == "定义“缺人多”得出是或否，不能“保留”位数：保留位数只用于数值。"
