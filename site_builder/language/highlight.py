"""A Pygments lexer for the rule language, so rule sources on the site are shown with syntax highlighting."""

from __future__ import annotations

from pygments.lexer import RegexLexer, words
from pygments.token import Comment, Keyword, Name, Number, Operator, Punctuation, String, Text

from .parser import KEYWORDS

OPERATOR_WORDS = (
    "如果",
    "则",
    "否则",
    "且",
    "并且",
    "或",
    "或者",
    "非",
    "当",
    "属于",
    "权重",
    "满分",
    "按片区",
    "保留",
    "位",
    "按百分制折算",
    "起",
    "至",
    "未核查时",
    "if",
    "then",
    "else",
    "and",
    "or",
    "not",
)
VALUE_WORDS = ("是", "否", "yes", "no", "是否", "数值", "比例", "暂缓评级", "仅提示", "四舍五入", "去尾", "进一", "四舍六入五成双")


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
            (words(tuple(KEYWORDS), prefix=r"(?<!\w)", suffix=r"(?!\w)"), Keyword.Declaration),
            (words(OPERATOR_WORDS, prefix=r"(?<!\w)", suffix=r"(?!\w)"), Keyword),
            (words(VALUE_WORDS, prefix=r"(?<!\w)", suffix=r"(?!\w)"), Keyword.Constant),
            (r"[^\W\d]\w*", Name),
            (r">=|<=|!=|==|[≥≤≠=<>+\-*/×÷＋－]", Operator),
            (r"[(),，、（）:：]", Punctuation),
            (r"\s+", Text),
            (r".", Text),
        ]
    }
