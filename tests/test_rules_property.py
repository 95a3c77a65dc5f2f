"""Whatever text a rule file holds, loading and evaluating it either succeeds or raises the project's own,
Chinese-worded errors (SiteBuilderError) — never a Python exception or a Lark traceback.

The second edition's constructs are drawn by tests/rules_strategies.py: valid programs built from parts must check
clean and evaluate by the rules (total within [0, 满分], the outcomes' precedence, adjustments within [0, 上限], the same
result every time); garbled ones must fail with located Chinese errors. RULES_PROPERTY_EXAMPLES sets the number of
examples per test (200: the module runs in about half a minute)."""

from __future__ import annotations

import os
import re
from decimal import Decimal

import rules_strategies
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_builder.errors import EvaluationError, Problems, SiteBuilderError
from site_builder.language.checks import check_rules, rule_warnings
from site_builder.language.evaluate import FIRED, Inputs, completion_rate, computed_problems, definition_value, evaluate
from site_builder.language.parser import parse_rules
from site_builder.language.ruleset import VetoEffect, round_decimal
from site_builder.language.vocabulary import grammar_words

EXAMPLES = int(os.environ.get("RULES_PROPERTY_EXAMPLES", "200"))
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Words and symbols of the language (every grammar word, and names the checks know), so that random text often gets past the first token.
VOCABULARY = sorted(
    set(grammar_words())
    | {
        "起",
        "至",
        "权重",
        "按百分制折算",
        "属于",
        "满分",
        "按片区",
        "保留",
        "位",
        "当",
        "未核查时",
        "暂缓评级",
        "仅提示",
        "是否",
        "数值",
        "比例",
        "是",
        "否",
        "yes",
        "no",
        "如果",
        "则",
        "否则",
        "且",
        "或",
        "非",
        "if",
        "then",
        "else",
        "and",
        "or",
        "not",
        "平均",
        "取整",
        "最小",
        "四舍五入",
        "去尾",
        "中期",
        "末期",
        "第三方",
        "社工缺少人次",
        "=",
        ">=",
        "<=",
        "<",
        ">",
        "≥",
        "!=",
        "+",
        "-",
        "×",
        "÷",
        "*",
        "/",
        "(",
        ")",
        "（",
        "）",
        "、",
        "，",
        ",",
        "0",
        "5",
        "10",
        "55%",
        "80％",
        "0.5",
        "2.345",
        "99999999999999999999",
        "2024-02-30",
        "2024-01-01",
        "“标题”",
        '"标题"',
        "【评估办法 第五条】",
        "【无此文件 一】",
        "“",
        "【",
        "#",
        "＃",
        " ",
        "\n",
        "\t",
        "\u3000",
        "\r",
    }
)
SPECIAL_CHARACTERS = st.sampled_from(list("\n\r\t \u3000\x0b\x0c\x00\u2028\ufeff“”【】（）#＃%％=<>-+×÷@$") + ["\r\n"])
CHINESE = re.compile(r"[\u4e00-\u9fff]")
CHARACTERS = st.one_of(st.characters(), SPECIAL_CHARACTERS, st.sampled_from(VOCABULARY))


def load_and_evaluate(text: str, inputs) -> None:
    """The property: success, or a SiteBuilderError whose report can be formatted, pointing inside the file."""
    try:
        ruleset = check_rules(parse_rules(text, "mutated.rules"))
        evaluate(ruleset, inputs)
        completion_rate(ruleset, Decimal(25), Decimal(40))
    except SiteBuilderError as error:
        assert_reportable(error, text)


def assert_reportable(error: SiteBuilderError, text: str) -> None:
    assert error.format()
    lines = text.split("\n")
    for each in error.errors if isinstance(error, Problems) else [error]:
        assert CHINESE.search(each.message), each.format()
        if each.pos is not None:
            assert 1 <= each.pos.line <= len(lines), each.format()
            line = lines[each.pos.line - 1]
            assert 1 <= each.pos.col <= len(line) + 1, each.format()
            assert each.pos.line_text in ("", line, line + "\n"), each.format()


@st.composite
def mutated(draw, text: str) -> str:
    """The text with one to three random edits: characters or words deleted, inserted or replaced, lines swapped."""
    for _ in range(draw(st.integers(1, 3))):
        text = draw(st.sampled_from(MUTATIONS))(draw, text)
    return text


def delete_span(draw, text: str) -> str:
    start = draw(st.integers(0, len(text)))
    return text[:start] + text[start + draw(st.integers(1, 8)) :]


def insert(draw, text: str) -> str:
    at = draw(st.integers(0, len(text)))
    return text[:at] + draw(CHARACTERS) + text[at:]


def replace_character(draw, text: str) -> str:
    at = draw(st.integers(0, max(len(text) - 1, 0)))
    return text[:at] + draw(CHARACTERS) + text[at + 1 :]


def replace_word(draw, text: str) -> str:
    words = text.split(" ")
    at = draw(st.integers(0, len(words) - 1))
    words[at] = draw(st.sampled_from(VOCABULARY))
    return " ".join(words)


def swap_lines(draw, text: str) -> str:
    lines = text.split("\n")
    i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
    lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


def drop_or_repeat_line(draw, text: str) -> str:
    lines = text.split("\n")
    at = draw(st.integers(0, len(lines) - 1))
    lines[at : at + 1] = [lines[at]] * draw(st.integers(0, 2))
    return "\n".join(lines)


MUTATIONS = [delete_span, insert, replace_character, replace_word, swap_lines, drop_or_repeat_line]


@PROPERTY
@given(text=st.text(max_size=200))
def test_random_text_raises_only_project_errors(text, seed_inputs):
    load_and_evaluate(text, seed_inputs())


@PROPERTY
@given(words=st.lists(CHARACTERS, max_size=40))
def test_random_vocabulary_soup_raises_only_project_errors(words, seed_inputs):
    load_and_evaluate(" ".join(words), seed_inputs())


@PROPERTY
@given(data=st.data())
def test_mutated_real_rule_file_raises_only_project_errors(data, rules_text, seed_inputs):
    text = data.draw(mutated(rules_text))
    load_and_evaluate(text, seed_inputs(data.draw(st.sampled_from(["中期", "末期", "初期"]))))


@PROPERTY
@given(data=st.data())
def test_mutated_real_rule_file_evaluates_or_raises_project_errors(data, rules_text, seed_inputs):
    """Mutations that still load are evaluated with the seed inputs, some facts unchecked."""
    text = data.draw(mutated(rules_text))
    try:
        ruleset = check_rules(parse_rules(text, "mutated.rules"))
    except SiteBuilderError:
        return
    inputs = seed_inputs()
    for fact in data.draw(st.lists(st.sampled_from(sorted(inputs.facts)), max_size=3, unique=True)):
        del inputs.facts[fact]
    try:
        result = evaluate(ruleset, inputs)
    except SiteBuilderError as error:
        assert_reportable(error, text)
        return
    assert result.grade is None or result.grade in {b.name for b in ruleset.bands}


# --- the second edition: random programs built from every construct (tests/rules_strategies.py) --------------------


def checked(text: str):
    """The rule set of a generated program, which the checks must accept: the strategies build valid programs."""
    try:
        return check_rules(parse_rules(text, "random.rules"))
    except SiteBuilderError as error:
        raise AssertionError(f"a valid program was refused:\n{text}\n{error.format()}") from None


def load_located(text: str):
    """Parse and check: the rule set, or None after asserting that every error is located in the file, in Chinese."""
    try:
        ruleset = check_rules(parse_rules(text, "mutated.rules"))
    except SiteBuilderError as error:
        assert_reportable(error, text)
        assert all(each.pos is not None for each in problems_of(error)), error.format()
        return None
    rule_warnings(ruleset)
    return ruleset


def problems_of(error: SiteBuilderError) -> list[SiteBuilderError]:
    return list(error.errors) if isinstance(error, Problems) else [error]


def rank_of(ruleset) -> dict[str, int]:
    """Each grade's place in the order, best first (0): the band with the highest range is the best."""
    return {band.name: index for index, band in enumerate(ruleset.bands)}


def bands_holding(ruleset, value: Decimal) -> list[str]:
    """The bands whose bounds the value meets, read from the bounds themselves (not from evaluate's in_band)."""

    def meets(bound, above: bool) -> bool:
        if bound is None:
            return True
        if value == bound.value:
            return bound.inclusive
        return value > bound.value if above else value < bound.value

    return [band.name for band in ruleset.bands if meets(band.lower, True) and meets(band.upper, False)]


def expected_total(ruleset, result) -> Decimal:
    """Σ converted scores + Σ 加分 − Σ 扣分, kept within [0, 满分], then rounded as 总分 says: the rule, done again."""
    adjusted = sum((i.converted for i in result.items), Decimal(0))
    adjusted += sum((a.applied if a.bonus else -a.applied for a in result.adjustments), Decimal(0))
    clamped = min(max(adjusted, Decimal(0)), ruleset.scale)
    rounding = ruleset.total.rounding if ruleset.total else None
    return clamped if rounding is None else round_decimal(clamped, rounding.places, rounding.mode)


def evaluation_or_none(ruleset, inputs, text: str):
    """The result; or None when the record cannot be evaluated, which must then be a located, Chinese error that the
    records layer can place: a fact a formula needs unchecked, a computed score outside its 满分, or a graded 定义
    outside the bands."""
    try:
        return evaluate(ruleset, inputs)
    except EvaluationError as error:
        assert_reportable(error, text)
        graded = ruleset.bands[0].graded
        assert computed_problems(ruleset, inputs) or graded in ruleset.definitions, error.format()
        return None


def assert_grade_follows_outcomes(ruleset, result) -> None:
    """The precedence: a fired forcing veto gives the worst forced grade; otherwise the grade is never better than
    the banded one (a cap never raises a grade), and with caps fired it is the worse of the banded grade and the lowest cap."""
    rank = rank_of(ruleset)
    fired = [v for v in result.vetoes if v.status == FIRED and v.outcome_grade is not None]
    forced = [rank[v.outcome_grade] for v in fired if v.effect is VetoEffect.FORCE]
    caps = [rank[v.outcome_grade] for v in fired if v.effect is VetoEffect.CAP]
    if forced:
        assert result.grade is not None and rank[result.grade] == max(forced)
    elif any(v.withholds_grade for v in result.vetoes) or result.score_grade not in rank:
        assert result.grade is None
    else:
        assert result.grade is not None and rank[result.grade] == max([rank[result.score_grade], *caps])


@PROPERTY
@given(text=rules_strategies.programs())
def test_random_programs_of_every_construct_check_clean(text):
    ruleset = checked(text)
    rule_warnings(ruleset)
    assert ruleset.bands and ruleset.items


@PROPERTY
@given(data=st.data())
def test_random_programs_evaluate_within_their_bounds(data):
    """For random valid inputs: the total lies in [0, 满分] and is the clamped, rounded sum; the banded grade is the
    one band holding the graded number; the grade is a declared label or withheld; adjustments lie in [0, 上限]."""
    text = data.draw(rules_strategies.programs())
    ruleset = checked(text)
    inputs = data.draw(rules_strategies.inputs_for(ruleset))
    result = evaluation_or_none(ruleset, inputs, text)
    if result is None:
        return
    assert 0 <= result.total <= ruleset.scale
    assert result.total == expected_total(ruleset, result)
    assert result.grade is None or result.grade in rank_of(ruleset)
    if ruleset.bands[0].graded == "总分":
        assert bands_holding(ruleset, result.total) == [result.score_grade]
    for adjustment in result.adjustments:
        at_least_zero = max(adjustment.value, Decimal(0))
        assert adjustment.applied == (at_least_zero if adjustment.cap is None else min(at_least_zero, adjustment.cap))
    lines = text.split("\n")
    assert all(step.subject and step.formula and (step.pos is None or 1 <= step.pos.line <= len(lines)) for step in result.steps)
    actual, target = data.draw(st.integers(0, 500)), data.draw(st.integers(0, 500))
    rate = completion_rate(ruleset, actual, target)
    assert rate is None if ruleset.completion is None or not target else isinstance(rate, Decimal)


@PROPERTY
@given(data=st.data())
def test_random_programs_grade_by_the_precedence_of_outcomes(data):
    text = data.draw(rules_strategies.programs())
    ruleset = checked(text)
    result = evaluation_or_none(ruleset, data.draw(rules_strategies.inputs_for(ruleset)), text)
    if result is not None:
        assert_grade_follows_outcomes(ruleset, result)


@PROPERTY
@given(data=st.data())
def test_random_programs_evaluate_deterministically(data):
    """The same rule text and inputs give the same result, steps and all, also from a second parse of the text."""
    text = data.draw(rules_strategies.programs())
    ruleset = checked(text)
    inputs = data.draw(rules_strategies.inputs_for(ruleset))
    first = evaluation_or_none(ruleset, inputs, text)
    if first is None:
        return
    again = evaluate(checked(text), inputs)
    assert (again.total, again.grade, again.score_grade, again.steps) == (first.total, first.grade, first.score_grade, first.steps)
    assert [(v.name, v.status) for v in again.vetoes] == [(v.name, v.status) for v in first.vetoes]
    assert evaluate(ruleset, inputs) == first
    for name in ruleset.definitions:
        definition_value(first, inputs, name)


@PROPERTY
@given(data=st.data())
def test_mutated_random_programs_raise_only_located_project_errors(data):
    """Random programs garbled by one to three edits: parse and check give a rule set or located Chinese errors;
    a rule set that still loads evaluates the original program's inputs, or refuses them with the project's errors."""
    original = data.draw(rules_strategies.programs())
    inputs = data.draw(rules_strategies.inputs_for(checked(original)))
    text = data.draw(mutated(original))
    ruleset = load_located(text)
    if ruleset is None:
        return
    try:
        result = evaluate(ruleset, inputs)
        computed_problems(ruleset, inputs)
    except SiteBuilderError as error:
        assert_reportable(error, text)
        return
    assert 0 <= result.total <= ruleset.scale
    assert result.grade is None or result.grade in rank_of(ruleset)


# --- what the properties found ---------------------------------------------------------------------------------------

ROUNDED_UP_ITEM_RULES = """规则集 进一示例
版本 “2025”
生效 2025-01-01 起
阶段 年度
评估方 甲 权重 33% 按百分制折算 保留 1 位 进一
评估方 乙 权重 67%
评分项 服务 属于 甲 满分 33.3
评分项 管理 属于 甲 满分 66.7
评分项 其他 属于 乙 满分 67
等级 优秀 当 3 <= 服务 <= 10.989
等级 不合格 当 服务 < 3
"""


def test_a_band_ending_at_a_rounded_scores_unrounded_maximum_is_a_gap(rule_errors):
    """服务 at full marks converts to 33.3 × 33% = 10.989, which 保留 1 位 进一 makes 11.0: a band ending at 10.989 leaves
    the full-marks station ungraded. The checks must say so at the band (evaluation found it as 服务 11.0 不属于任何等级)."""
    errors = rule_errors(ROUNDED_UP_ITEM_RULES)
    assert [(e.pos.line, "11" in e.message) for e in errors] == [(10, True)], [e.format() for e in errors]
    fixed = ROUNDED_UP_ITEM_RULES.replace("服务 <= 10.989", "服务 <= 11")
    full_marks = Inputs("年度", {"服务": Decimal("33.3"), "管理": Decimal(0), "其他": Decimal(0)}, {})
    result = evaluate(check_rules(parse_rules(fixed, "fixed.rules")), full_marks)
    assert (result.items[0].converted, result.grade) == (Decimal("11.0"), "优秀")


def test_band_bounds_with_more_digits_than_decimal_precision_are_checked_exactly(load_rules):
    """On a whole-number total, 良好 below 89.5 and 优秀 from 89.99999999999999999999999999999999 leave no gap: 89 and
    90 are neighbours. Divided in Decimal's default 28 digits the long bound became 90.000…, and the checks reported
    “总分恰好 90 分不属于任何等级”, although evaluation grades 90 as 优秀."""
    text = ROUNDED_UP_ITEM_RULES.split("评估方")[0] + (
        "评估方 甲 权重 100%\n评分项 服务 属于 甲 满分 100\n总分 保留 0 位\n"
        "等级 优秀 当 总分 >= 89.99999999999999999999999999999999\n等级 良好 当 总分 < 89.5\n"
    )
    ruleset = load_rules(text)
    assert evaluate(ruleset, Inputs("年度", {"服务": Decimal(90)}, {})).grade == "优秀"
    assert evaluate(ruleset, Inputs("年度", {"服务": Decimal("89.49")}, {})).grade == "良好"
