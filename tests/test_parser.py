"""The rule language's syntax: what parses to which AST node, and what a syntax mistake is told as (where, in Chinese)."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from site_builder.errors import Problems, RuleSyntaxError
from site_builder.language import ast
from site_builder.language.parser import STATEMENT_EXAMPLES, parse_rules
from site_builder.language.ruleset import Function, RoundingMode


def parse(text: str) -> tuple:
    return parse_rules(text, "t.rules").declarations


def only(text: str):
    (declaration,) = parse(text)
    return declaration


AS_WRITTEN = ("pos", "op_pos", "written")  # where a node is, and how its operators are spelt (kept to echo them)


def shape(node):
    """A node without its source positions and spellings, so that two spellings of one statement compare equal."""
    if dataclasses.is_dataclass(node):
        fields = (f.name for f in dataclasses.fields(node) if f.name not in AS_WRITTEN or type(node).__name__ in ("Call", "Rounding"))
        return (type(node).__name__,) + tuple(shape(getattr(node, name)) for name in fields)
    if isinstance(node, tuple):
        return tuple(shape(n) for n in node)
    return node


def syntax_errors(text: str) -> list:
    with pytest.raises(Problems) as raised:
        parse_rules(text, "t.rules")
    assert all(isinstance(e, RuleSyntaxError) for e in raised.value.errors)
    return raised.value.errors


def the_error(text: str):
    (error,) = syntax_errors(text)
    return error


def where(error) -> tuple[int, int]:
    return error.pos.line, error.pos.col


# --- statements --------------------------------------------------------------------------------------


def test_header_with_title_becomes_header_node():
    header = only("规则集 广州市社工站评估 “广州市社工站购买服务项目评估”")
    assert header == ast.Header("广州市社工站评估", "广州市社工站购买服务项目评估", header.pos)
    assert (header.pos.file, header.pos.line, header.pos.col) == ("t.rules", 1, 1)


def test_half_width_quotes_are_accepted_like_full_width_ones():
    assert shape(only('规则集 评估 "标题"')) == shape(only("规则集 评估 “标题”"))


def test_version_may_be_quoted_text_or_a_bare_number():
    assert only("版本 “2024”").text == "2024"
    assert only("版本 2024").text == "2024"


def test_document_declares_an_alias_and_a_title():
    document = only("文件 评估办法 “《广州市社工站购买服务项目评估办法》”")
    assert (document.alias, document.title) == ("评估办法", "《广州市社工站购买服务项目评估办法》")


def test_effective_from_a_date_is_open_ended():
    effective = only("生效 2024-08-26 起")
    assert (effective.start, effective.end) == (date(2024, 8, 26), None)


def test_effective_between_two_dates():
    effective = only("生效 2024-01-01 至 2025-12-31")
    assert (effective.start, effective.end) == (date(2024, 1, 1), date(2025, 12, 31))


@pytest.mark.parametrize("separator", ["、", "，", ","])
def test_stages_are_separated_by_any_list_separator(separator):
    stages = only(f"阶段 中期{separator}末期")
    assert [n.name for n in stages.names] == ["中期", "末期"]


def test_party_weight_is_a_percentage_read_as_a_fraction():
    text = "评估方 第三方 “第三方评估机构” 权重 55% 【评估办法 评估结果说明】"
    party = only(text)
    assert (party.name, party.label, party.weight, party.scaled) == ("第三方", "第三方评估机构", Decimal("0.55"), False)
    assert party.citation == ast.Citation("评估办法", "评估结果说明", party.citation.pos)
    start = text.index("55%") + 1  # the weight as written, where a weight sum that is not 100% points
    assert (party.weight_pos.line, party.weight_pos.col, party.weight_pos.end_col) == (1, start, start + len("55%"))


def test_full_width_percent_sign_is_accepted():
    assert only("评估方 购买方 权重 20％").weight == Decimal("0.20")


def test_scaled_party_with_its_own_rounding():
    party = only("评估方 街道 权重 20% 按百分制折算 保留 2 位 四舍五入")
    assert party.scaled
    assert (party.rounding.places, party.rounding.mode) == (2, "四舍五入")


def test_item_aggregated_over_sub_districts():
    item = only("评分项 服务质量 属于 第三方 满分 20 按片区 平均 保留 2 位 四舍五入 【指标体系 服务质量】")
    assert (item.name, item.party.name, item.maximum) == ("服务质量", "第三方", Decimal(20))
    assert (item.aggregate.function, item.aggregate.written.name) == (Function.MEAN, "平均")
    assert (item.aggregate.rounding.places, item.aggregate.rounding.mode) == (2, "四舍五入")
    assert (item.citation.document, item.citation.clause) == ("指标体系", "服务质量")


def test_english_function_and_rounding_mode_build_the_same_members_and_keep_their_spelling():
    aggregate = only("评分项 服务质量 属于 第三方 满分 20 按片区 mean 保留 2 位 half_even").aggregate
    assert (aggregate.function, aggregate.written.name) == (Function.MEAN, "mean")
    assert (aggregate.rounding.mode, aggregate.rounding.written) == (RoundingMode.HALF_EVEN, "half_even")
    call = only("定义 x = round(a, 2)").expr
    assert (call.function, call.written) == (Function.ROUND, "round")


def test_a_rounding_without_a_mode_is_half_up_and_an_unknown_word_is_left_for_the_checks():
    assert (only("总分 保留 2 位").rounding.mode, only("总分 保留 2 位").rounding.written) == (RoundingMode.HALF_UP, None)
    assert (only("总分 保留 2 位 四舍").rounding.mode, only("总分 保留 2 位 四舍").rounding.written) == (None, "四舍")
    assert (only("定义 x = 中位数(a, b)").expr.function, only("定义 x = 中位数(a, b)").expr.written) == (None, "中位数")


def test_citation_is_split_into_document_and_clause():
    citation = only("评分项 服务监测 属于 第三方 满分 10 【评估办法 第五条】").citation
    assert (citation.document, citation.clause) == ("评估办法", "第五条")
    assert (citation.pos.line, citation.pos.col) == (1, 23)


def test_staged_parameter_has_one_value_per_stage():
    parameter = only("参数 社工缺少人次上限 = 中期 5、末期 10")
    assert parameter.value is None
    assert [(s.stage.name, s.value.value) for s in parameter.staged] == [("中期", Decimal(5)), ("末期", Decimal(10))]


def test_percent_literal_is_a_fraction():
    value = only("参数 人员费用支出比例下限 = 55%").value
    assert value.value == Decimal("0.55")
    assert value.text == "55%"


@pytest.mark.parametrize("literal, expected", [("是", True), ("yes", True), ("否", False), ("no", False)])
def test_yes_no_parameter_in_chinese_or_english(literal, expected):
    assert only(f"参数 开关 = {literal}").value.value is expected


@pytest.mark.parametrize("type_", ["是否", "数值", "比例"])
def test_fact_declares_its_type(type_):
    fact = only(f"事实 社工缺少人次 {type_} “社工人员配备累计缺少的人次”")
    assert (fact.name, fact.type, fact.label) == ("社工缺少人次", type_, "社工人员配备累计缺少的人次")


def test_total_with_rounding():
    total = only("总分 保留 2 位 四舍五入 【评估办法 评估结果说明】")
    assert (total.rounding.places, total.rounding.mode) == (2, "四舍五入")


def test_two_sided_band_faces_the_total():
    band = only("等级 良好 当 80 <= 总分 < 90")
    assert (band.lower.value, band.lower.inclusive) == (Decimal(80), True)
    assert (band.upper.value, band.upper.inclusive) == (Decimal(90), False)


def test_one_sided_band_is_open_at_the_other_end():
    band = only("等级 优秀 当 总分 ≥ 90")
    assert (band.lower.value, band.lower.inclusive, band.upper) == (Decimal(90), True, None)


def test_veto_with_its_own_unchecked_policy():
    veto = only("否决 整改不到位 “限期内整改不及时、不到位的” 当 整改不到位 未核查时 暂缓评级")
    assert (veto.name, veto.label, veto.unchecked) == ("整改不到位", "限期内整改不及时、不到位的", "暂缓评级")
    assert veto.condition == ast.Name("整改不到位", veto.condition.pos)


def test_unchecked_default_and_veto_grade():
    default, grade = parse("未核查默认 仅提示\n否决等级 不合格")
    assert default.policy == "仅提示"
    assert grade.name.name == "不合格"


def test_completion_rate_formula_with_full_width_parentheses_and_operators():
    completion = only("完成率 = 取整（实际 ÷ 目标 × 100，2，四舍五入）")
    call = completion.expr
    assert (call.function, len(call.args)) == ("取整", 3)
    assert shape(call.args[0]) == shape(only("定义 x = (实际 / 目标) * 100").expr)


# --- expressions ---------------------------------------------------------------------------------------


def test_multiplication_binds_tighter_than_addition():
    expr = only("定义 x = 1 + 2 × 3").expr
    assert (expr.op, expr.right.op) == ("+", "*")


def test_and_binds_tighter_than_or():
    expr = only("定义 x = a 或 b 且 c").expr
    assert shape(expr) == shape(only("定义 x = a 或 (b 且 c)").expr)
    assert (expr.op, expr.right.op) == ("或", "且")


def test_comparison_chain_keeps_every_operand():
    expr = only("定义 x = 0 <= a < 10").expr
    assert (len(expr.operands), expr.ops) == (3, ("<=", "<"))


@pytest.mark.parametrize(
    "chinese, english",
    [
        ("如果 a 且 非 b 则 1 否则 2", "if a and not b then 1 else 2"),
        ("a 或 b", "a or b"),
        ("a 并且 b", "a and b"),
        ("a 或者 b", "a or b"),
    ],
)
def test_english_keyword_aliases_mean_the_same(chinese, english):
    assert shape(only(f"定义 x = {chinese}")) == shape(only(f"定义 x = {english}"))


def test_full_width_operators_are_normalised():
    assert shape(only("定义 x = a ≥ b ＋ c ÷ d")) == shape(only("定义 x = a >= b + c / d"))


def test_operators_are_kept_as_written_beside_their_meaning():
    compare = only("定义 x = a ≥ b ＋ c ÷ d ＞＝ 1").expr
    assert (compare.ops, compare.written) == ((">=", ">="), ("≥", "＞＝"))
    total, quotient = compare.operands[1], compare.operands[1].right
    assert (total.op, total.written, quotient.op, quotient.written) == ("+", "＋", "/", "÷")
    assert (quotient.op_pos.line, quotient.op_pos.col) == (1, 18)  # the ÷ itself: where an unrounded division is reported


def test_a_definition_may_declare_its_rounding():
    definition = only("定义 得分率 = a ÷ b 保留 2 位 【办法 第一条】")
    assert (definition.rounding.places, definition.citation.clause) == (2, "第一条")


def test_total_can_be_read_in_an_expression():
    total = only("定义 达标 = 总分 >= 60").expr.operands[0]
    assert (total.name, total.pos.line, total.pos.col) == ("总分", 1, 9)


def test_function_call_with_full_width_punctuation():
    call = only("定义 x = 平均（a，b、c）").expr
    assert (call.function, [a.name for a in call.args]) == ("平均", ["a", "b", "c"])


def test_negative_number():
    expr = only("定义 x = -5").expr
    assert isinstance(expr, ast.Negate) and expr.operand.value == 5


# --- layout: comments, line breaks ---------------------------------------------------------------------


def test_comments_with_half_and_full_width_hash_are_ignored():
    declarations = parse("# 说明\n＃ 全角井号\n版本 “2024”  # 行尾注释\n")
    assert [type(d) for d in declarations] == [ast.Version]
    assert declarations[0].pos.line == 3


def test_a_file_of_only_comments_and_blank_lines_is_empty():
    assert parse("# 只有注释\n\n   \n") == ()


def test_statement_may_continue_on_the_next_lines():
    veto = only("否决 社工人员配备不足 “社工人员配备不足的”\n  当 社工缺少人次\n     >= 社工缺少人次上限   【评估办法 一票否决情形（二）】\n")
    assert veto.condition.ops == (">=",)
    assert (veto.condition.operands[1].pos.line, veto.citation.pos.line) == (3, 3)


def test_positions_count_lines_and_columns_from_one():
    _, item = parse("\n版本 1\n评分项 服务监测 属于 第三方 满分 10")
    assert (item.pos.line, item.pos.col) == (3, 1)
    assert (item.party.pos.line, item.party.pos.col) == (3, 13)


def test_crlf_line_endings_parse_like_lf():
    assert shape(parse("版本 1\r\n阶段 中期、末期\r\n")) == shape(parse("版本 1\n阶段 中期、末期\n"))


def test_the_real_rule_file_parses(rules_text):
    declarations = parse_rules(rules_text, "sgz-2024.rules").declarations
    assert sum(isinstance(d, ast.Veto) for d in declarations) == 8
    assert sum(isinstance(d, ast.Band) for d in declarations) == 4
    assert [d.name for d in declarations if isinstance(d, ast.Party)] == ["第三方", "购买方", "督导中心", "监督方"]


# --- syntax errors ------------------------------------------------------------------------------------


def test_unknown_statement_keyword_suggests_the_nearest_keyword():
    error = the_error("版本 1\n评份项 服务监测 属于 第三方 满分 10\n")
    assert where(error) == (2, 1)
    assert error.message == "每条语句应以关键词开头，“评份项”不是关键词。你是不是想写“评分项”？"
    assert error.example == STATEMENT_EXAMPLES["评分项"]


@pytest.mark.parametrize(
    "typo, keyword",
    [("否绝 缺人 当 缺少人次 >= 5", "否决"), ("评分相 运营管理 属于 第三方 满分 10", "评分项"), ("参素 上限 = 5", "参数")],
)
def test_a_misspelt_keyword_names_only_the_nearest_keyword_and_shows_that_statement(typo, keyword):
    error = the_error(f"版本 1\n{typo}\n")
    assert where(error) == (2, 1)
    assert error.message == f"每条语句应以关键词开头，“{typo.split()[0]}”不是关键词。你是不是想写“{keyword}”？"
    assert error.example == STATEMENT_EXAMPLES[keyword] and error.example.startswith(f"{keyword} ")


def test_unknown_word_at_the_start_of_the_file():
    error = the_error("hello world")
    assert where(error) == (1, 1)
    assert error.message == "每条语句应以关键词开头，“hello”不是关键词。"


def test_incomplete_statement_points_just_after_its_last_word():
    error = the_error("评分项 服务监测 属于\n")
    assert where(error) == (1, 12)
    assert error.message == "“评分项”语句不完整。此处应为：名称。"
    assert error.example.startswith("评分项 ")


def test_incomplete_statement_ignores_a_trailing_comment():
    assert where(the_error("评分项 服务监测 属于   # 属于谁？\n")) == (1, 12)


def test_incomplete_statement_ignores_comment_lines_after_it():
    error = the_error("版本\n＃ 注释\n# 注释\n")
    assert where(error) == (1, 3)
    assert error.message == "“版本”语句不完整。此处应为：名称、数字（如 10 或 15.26）、带引号的文字（如 “第三方评估机构”）。"


def test_if_without_else_asks_for_else():
    error = the_error("定义 x = 如果 a 则 1")
    assert where(error) == (1, 16)
    assert error.message == "“定义”语句不完整。此处应为：“否则”。"


def test_party_without_weight_asks_for_weight():
    assert the_error("评估方 第三方 “第三方评估机构”").message == "“评估方”语句不完整。此处应为：“权重”。"


def test_unexpected_token_names_what_belongs_there():
    error = the_error("评估方 第三方 权重 55")
    assert where(error) == (1, 12)
    assert error.message == "这里不应出现“55”。此处应为：百分比（如 55%）。"
    assert (error.pos.end_line, error.pos.end_col) == (1, 14)


def test_missing_separator_between_staged_values():
    error = the_error("参数 上限 = 中期 5 末期 10")
    assert where(error) == (1, 14)
    assert error.message == "这里不应出现“末期”。此处应为：分隔符“、”或“，”、出处（如 【评估办法 评估结果说明】）、下一条语句。"


def test_extra_word_after_a_complete_statement():
    error = the_error("等级 优秀 当 总分 >= 90 )")
    assert where(error) == (1, 18)
    assert error.message == "这里不应出现“)”。此处应为：出处（如 【评估办法 评估结果说明】）、下一条语句。"


def test_unknown_unchecked_policy_lists_the_two_policies():
    error = the_error("否决 x 当 a 未核查时 不管")
    assert where(error) == (1, 15)
    assert error.message == "这里不应出现“不管”。此处应为：“仅提示”、“暂缓评级”。"


def test_unrecognised_character():
    error = the_error("定义 x = 1 @ 2")
    assert where(error) == (1, 10)
    assert error.message == (
        "无法识别的字符“@”。此处应为：比较符号（如 >= 或 <）、加减号、乘除号、出处（如 【评估办法 评估结果说明】）、“且”、“或”等。"
    )


def test_invisible_character_is_shown_by_its_code_point():
    error = the_error("版本 1\x0b")
    assert error.message.startswith("无法识别的字符“U+000B”。")


def test_unclosed_quote_says_which_quote_is_missing():
    error = the_error("规则集 评估 “广州市社工站")
    assert where(error) == (1, 8)
    assert error.message.startswith("““”没有配对的“””：引号和出处都要在同一行内写完整。")


def test_unclosed_citation_says_which_bracket_is_missing():
    error = the_error("评分项 服务监测 属于 第三方 满分 10 【评估办法 第五条")
    assert where(error) == (1, 23)
    assert error.message.startswith("“【”没有配对的“】”")


@pytest.mark.parametrize("day", ["2024-02-30", "2023-02-29", "2024-13-01", "2024-04-31"])
def test_invalid_date(day):
    error = the_error(f"生效 {day} 起")
    assert where(error) == (1, 4)
    assert error.message == f"“{day}”不是有效的日期。"
    assert error.example == "2024-01-01"


def test_leap_day_is_a_valid_date():
    assert only("生效 2024-02-29 起").start == date(2024, 2, 29)


def test_rounding_places_must_be_whole():
    error = the_error("总分 保留 2.5 位")
    assert where(error) == (1, 7)
    assert error.message == "保留的位数应是整数。"


def test_band_bound_cannot_be_an_equality():
    error = the_error("等级 满分 当 总分 = 100")
    assert where(error) == (1, 12)
    assert error.message == "等级的分数界限只能用 >、>=、<、<=，不能用“=”。"


def test_two_sided_band_needs_one_lower_and_one_upper_bound():
    error = the_error("等级 良好 当 80 <= 总分 >= 90")
    assert where(error) == (1, 18)  # the second “>=”
    assert error.message == "等级的两个分数界限应一个是下限、一个是上限。"


def test_two_sided_band_may_be_written_from_the_top_down():
    band = only("等级 良好 当 90 > 总分 >= 80")
    assert (band.lower.value, band.lower.inclusive, band.upper.value, band.upper.inclusive) == (80, True, 90, False)


def test_error_inside_a_multi_line_statement_has_the_file_line():
    error = the_error("版本 1\n否决 x “说明”\n  当 a >=\n  【评估办法 第五条】\n")
    assert where(error) == (4, 3)
    assert error.message.startswith("这里不应出现“【评估办法 第五条】”。此处应为：名称、数字")


def test_several_syntax_errors_are_reported_together_in_file_order():
    text = "规则集 评估\n评份项 服务监测 属于 第三方 满分 10\n评分项 服务成效 属于\n生效 2024-02-30 起\n版本 “2024”\n定义 x = 1 @ 2\n"
    errors = syntax_errors(text)
    assert [where(e) for e in errors] == [(2, 1), (3, 12), (4, 4), (6, 10)]
    starts = ["每条语句应以关键词开头", "“评分项”语句不完整", "“2024-02-30”不是有效的日期", "无法识别的字符“@”"]
    assert all(e.message.startswith(start) for e, start in zip(errors, starts, strict=True))


def test_format_shows_location_message_source_line_caret_and_example():
    with pytest.raises(Problems) as raised:
        parse_rules("版本 1\n评份项 服务监测 属于 第三方 满分 10\n", "rules/x.rules")
    lines = raised.value.format().splitlines()
    assert lines[0] == "rules/x.rules:2:1: 错误：每条语句应以关键词开头，“评份项”不是关键词。你是不是想写“评分项”？"
    assert lines[1] == "    2 | 评份项 服务监测 属于 第三方 满分 10"
    assert lines[2] == "      | ^^^^^^"  # three Chinese characters, two columns each
    assert lines[3] == f"  示例：{STATEMENT_EXAMPLES['评分项']}"
    assert lines[-1] == "共发现 1 处错误。"


def test_caret_sits_under_the_offending_part_after_chinese_text():
    error = the_error("评估方 第三方 权重 55")
    source, caret = error.format().splitlines()[1:3]
    assert source == "    1 | 评估方 第三方 权重 55"
    width = len("评估方 第三方 权重 ".encode("gbk"))  # GBK: two bytes per Chinese character, as on screen
    assert caret == "      | " + " " * width + "^^"


def test_caret_line_of_a_crlf_file_has_no_carriage_return():
    error = the_error("版本 1\r\n版本 @\r\n")
    assert where(error) == (2, 4)
    assert "\r" not in error.format()
