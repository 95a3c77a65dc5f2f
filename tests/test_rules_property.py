"""Whatever text a rule file holds, loading and evaluating it either succeeds or raises the project's own,
Chinese-worded errors (SiteBuilderError) — never a Python exception or a Lark traceback."""

from __future__ import annotations

import os
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_builder.errors import Problems, SiteBuilderError
from site_builder.language.checks import check_rules
from site_builder.language.evaluate import completion_rate, evaluate
from site_builder.language.parser import parse_rules
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
        assert each.message
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
