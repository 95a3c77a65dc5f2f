"""The rule language's words come from grammar.lark alone: every word it spells is reserved and highlighted."""

from __future__ import annotations

import re
from pathlib import Path

from pygments.token import Keyword

from site_builder.language.highlight import RuleLanguageLexer
from site_builder.language.parser import STATEMENT_EXAMPLES, parse_rules
from site_builder.language.ruleset import FactType, Function, RoundingMode, UncheckedPolicy, ValueType, VetoStatus, wording
from site_builder.language.vocabulary import AFTER_EXPRESSION_WORDS, reserved_words, statement_keywords

GRAMMAR = Path(__file__).parents[1] / "site_builder" / "language" / "grammar.lark"


def words_in_grammar_text() -> set[str]:
    """The quoted words of grammar.lark, read from the file itself rather than through Lark."""
    code = "\n".join(line.split("//", 1)[0] for line in GRAMMAR.read_text(encoding="utf-8").splitlines())
    return {word for word in re.findall(r'"([^"\\]+)"', code) if re.fullmatch(r"\w+", word)}


def test_the_grammar_spells_the_keywords_this_test_knows():
    assert {"规则集", "评分项", "总分", "如果", "if", "是否", "暂缓评级", "满分"} <= words_in_grammar_text()


def test_every_word_of_the_grammar_is_reserved():
    assert words_in_grammar_text() - AFTER_EXPRESSION_WORDS <= reserved_words()


def test_a_word_read_only_after_an_expression_stays_a_name_elsewhere():
    ruleset = parse_rules("参数 上限 = 5\n定义 多出 = 上限 + 1\n扣分项 超限 = 上限 × 2 上限 20\n", "x.rules")
    parameter, definition, penalty = ruleset.declarations
    assert parameter.name == "上限" and definition.expr.left.name == "上限"
    assert penalty.expr.left.name == "上限" and penalty.cap.value == 20


def test_every_word_of_the_grammar_is_highlighted_as_a_keyword():
    for word in sorted(words_in_grammar_text()):
        tokens = [(token, text) for token, text in RuleLanguageLexer().get_tokens(word) if text.strip()]
        assert len(tokens) == 1 and tokens[0][0] in Keyword, (word, tokens)


def test_statement_keywords_are_the_first_words_of_the_statements():
    assert set(statement_keywords()) == {"规则集", "版本", "文件", "生效", "过渡", "阶段", "评估方", "评分项", "参数"} | {
        "事实",
        "定义",
        "总分",
        "等级",
        "否决等级",
        "否决",
        "未核查默认",
        "完成率",
        "加分项",
        "扣分项",
    }


def test_longer_statement_keywords_are_tried_first():
    order = statement_keywords()
    assert order.index("否决等级") < order.index("否决")


def test_every_statement_keyword_has_an_example_for_its_error_messages():
    assert set(statement_keywords()) == set(STATEMENT_EXAMPLES)


def test_a_sentence_writes_the_yes_no_type_and_values_by_the_display_table():
    assert (wording(ValueType.BOOLEAN), wording(ValueType.NUMBER)) == ("“是/否”", "数值")
    assert (wording(True), wording(False)) == ("是", "否")


def test_a_word_the_display_table_does_not_name_reads_as_itself():
    # 是否 is also a fact type, an equal string: the table is keyed by type, so a fact type is not rewritten.
    members = [member for enum in (RoundingMode, Function, FactType, UncheckedPolicy, VetoStatus) for member in enum]
    assert [wording(member) for member in members] == [member.value for member in members]
