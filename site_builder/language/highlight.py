"""A Pygments lexer for the rule language, so rule sources on the site are shown with syntax highlighting."""

from __future__ import annotations

from pygments.lexer import RegexLexer, words
from pygments.token import Comment, Keyword, Name, Number, Operator, Punctuation, String, Text

from .ruleset import ROUNDING_MODES
from .vocabulary import joining_words, statement_keywords, value_words

# Rounding modes are names the checks know, not grammar words; the Chinese ones read as values.
VALUE_WORDS = tuple(sorted(value_words() | {mode for mode in ROUNDING_MODES if not mode.isascii()}))


def keyword_rule(words_: tuple[str, ...], token) -> tuple:
    """A whole word from the list, not the start or end of a longer name."""
    return words(words_, prefix=r"(?<!\w)", suffix=r"(?!\w)"), token


class RuleLanguageLexer(RegexLexer):
    name = "社工站评估规则"
    aliases = ["sgzrules", "rules"]
    filenames = ["*.rules"]

    tokens = {
        "root": [
            (r"[#＃][^\n]*", Comment.Single),
            (r"【[^】\n]*】", Comment.Special),
            (r'"[^"\n]*"|“[^”\n]*”', String),
            (r"\d{4}-\d{2}-\d{2}", Number),
            (r"\d+(\.\d+)?[%％]?", Number),
            keyword_rule(statement_keywords(), Keyword.Declaration),
            keyword_rule(tuple(sorted(joining_words())), Keyword),
            keyword_rule(VALUE_WORDS, Keyword.Constant),
            (r"[^\W\d]\w*", Name),
            (r">=|<=|!=|==|[≥≤≠=<>+\-*/×÷＋－]", Operator),
            (r"[(),，、（）:：]", Punctuation),
            (r"\s+", Text),
            (r".", Text),
        ]
    }
