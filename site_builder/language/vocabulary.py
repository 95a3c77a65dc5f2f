"""The words of the rule language, read from grammar.lark: the one place keywords are spelt.

The parser cuts statements at the statement keywords, the checks reserve every keyword, the highlighter colours
them: all three take their lists from here, so a keyword added to the grammar needs no other edit.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from lark import Lark

# Rules whose words stand for a value (是, 数值, 暂缓评级) rather than joining the parts of a statement.
VALUE_RULES = ("literal", "fact_type", "unchecked_policy")


@cache
def lark_parser() -> Lark:
    """The one parser built from grammar.lark (built once per process: it takes about half a second)."""
    grammar = Path(__file__).with_name("grammar.lark")
    return Lark.open(str(grammar), parser="lalr", propagate_positions=True, maybe_placeholders=True)


def word_of(terminal) -> str | None:
    """The word a terminal spells, if it is a fixed word (如果, 满分, yes), not a pattern or a sign."""
    pattern = terminal.pattern
    return pattern.value if pattern.type == "str" and re.fullmatch(r"\w+", pattern.value) else None


@cache
def grammar_words() -> frozenset[str]:
    """Every word the grammar spells out: statement keywords, the words between their parts, values."""
    return frozenset(word for terminal in lark_parser().terminals if (word := word_of(terminal)))


@cache
def statement_keywords() -> tuple[str, ...]:
    """The words a statement starts with, in the grammar's order, longest first (so 否决等级 is tried before 否决)."""
    parser = lark_parser()
    statements = [rule.expansion[0] for rule in parser.rules if rule.origin.name == "statement"]
    firsts = [rule.expansion[0] for statement in statements for rule in parser.rules if rule.origin == statement]
    words = (word_of(parser.get_terminal(first.name)) for first in firsts if first.is_term)
    return tuple(sorted(dict.fromkeys(word for word in words if word), key=len, reverse=True))


@cache
def value_words() -> frozenset[str]:
    """Words that stand for a value: 是/否 and yes/no, the fact types, the unchecked policies."""
    parser = lark_parser()
    terminals = {symbol.name for rule in parser.rules if rule.origin.name in VALUE_RULES for symbol in rule.expansion if symbol.is_term}
    return frozenset(word for name in terminals if (word := word_of(parser.get_terminal(name))))


def joining_words() -> frozenset[str]:
    """The other keywords: those between a statement's parts (属于, 满分, 当) and the operators (如果, 且, not)."""
    return grammar_words() - set(statement_keywords()) - value_words()


# Words the grammar accepts only right after a complete expression, where no name can stand (加分项 … = 次数 × 1
# 上限 3): the contextual lexer reads them as names everywhere else, so existing rule files keep 参数 上限 = 5.
AFTER_EXPRESSION_WORDS = frozenset({"上限"})


@cache
def reserved_words() -> frozenset[str]:
    """Words a declared name may not be: an expression would read them as the keyword, not as the name."""
    return grammar_words() - AFTER_EXPRESSION_WORDS
