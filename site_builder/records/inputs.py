"""A record's scores and facts, checked against a rule set and read for the evaluator: the one reader of both.

Station records (record.py) and rule tests (rule_tests.py) read their `scores` and `facts` through inputs_from, so
the two accept exactly the same syntax and explain a mistake in the same words:

    scores   a plain number (9.5); an item scored per sub-district: one plain number per sub-district
    facts    是否: true or false; 数值: a plain number, not below 0; 比例: a percentage in quotes ("85%");
             any type: {not_checked: 原因}

A number written the way people write it elsewhere ("8.6" in quotes, 15分, 62.5%, 8，6, full-width ８.６) is
refused with the fix. Full-width digits are refused rather than converted, although the rule language accepts
them: a record is data that other tools read too (the editor's JSON Schema, YAML tools, the open data), and to all
of them ８.６ is text, not a number; accepting it here alone would make check and the editor disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from ..errors import did_you_mean
from ..language.evaluate import Unchecked, computed_score_problem
from ..language.formatting import plain
from ..language.ruleset import FactType, RuleSet
from .quoted import listed, shown
from .yaml_source import MAX_INTEGER_DIGITS, MAX_SIGNIFICANT_DIGITS, PLAIN_DECIMAL, UnreadNumber, full_width_entry_problem

REFUSED = object()  # a value written wrongly: reported once, and not reported again as missing
FACT_EXAMPLES = {FactType.YES_NO: "false", FactType.COUNT: "0", FactType.RATIO: '"85%"'}
UNCHECKED_EXAMPLE = "{not_checked: 报告未载明}"

PLAIN_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")  # ASCII digits only: \d and Decimal() also take ８
FULL_WIDTH = str.maketrans("０１２３４５６７８９．％", "0123456789.%")
CHINESE_QUOTES = ("“”", "‘’", "「」", "『』")
THOUSANDS = re.compile(r"[0-9]{1,3}([,，][0-9]{3})+(\.[0-9]+)?")
DECIMAL_COMMA = re.compile(r"[0-9]+[,，][0-9]+")


@dataclass(frozen=True)
class InputProblem:
    keys: tuple  # where, inside the mapping read: ("scores", "服务质量", "西片区")
    message: str
    example: str | None = None
    key: bool = False  # the problem is the name (an unknown item or fact), not its value


@dataclass
class ReadInputs:
    scores: dict = field(default_factory=dict)  # item name → Decimal, {sub-district: Decimal}, or REFUSED
    facts: dict = field(default_factory=dict)  # fact name → bool, Decimal, Unchecked, or REFUSED
    problems: list[InputProblem] = field(default_factory=list)

    def problem(self, keys: tuple, message: str, example: str | None = None, key: bool = False) -> None:
        self.problems.append(InputProblem(keys, message, example, key))


def inputs_from(mapping: dict, ruleset: RuleSet) -> ReadInputs:
    """The scores and facts of mapping (a record, or a rule test's defaults or case), checked against the rule set.

    Only what is written is read: whether every item and fact is there is the caller's question (a rule-test case
    takes the rest from its defaults).
    """
    read = ReadInputs()
    for name, value in section(mapping, "scores", read, "scores（评分）", "scores:\n    服务监测: 9.82").items():
        read_score_item(read, ruleset, name, value)
    for name, value in section(mapping, "facts", read, "facts（否决事实）", "facts:\n    整改不到位: false").items():
        read_fact(read, ruleset, name, value)
    return read


def section(mapping: dict, name: str, read: ReadInputs, what: str, example: str) -> dict:
    value = mapping.get(name, {})
    if isinstance(value, dict):
        return value
    full_width = full_width_entry_problem(name, value)
    read.problem((name,), *(full_width or (f"{what}应写成若干行“名称: 值”，这里是“{written(value)}”。", example)))
    return {}


# --- scores -----------------------------------------------------------------------------------------------


def read_score_item(read: ReadInputs, ruleset: RuleSet, name, value) -> None:
    keys = ("scores", name)
    item = ruleset.items.get(name)
    if item is None:
        hint = did_you_mean(str(name), ruleset.items)
        read.problem(keys, f"规则集中没有评分项“{written(name)}”。{hint}", f"可用的评分项：{listed(list(ruleset.items))}", key=True)
    elif item.computed:
        typed = [i.name for i in ruleset.items.values() if not i.computed]
        read.problem(keys, computed_score_problem(item), f"可填写的评分项：{listed(typed)}", key=True)
    elif item.aggregate and (not isinstance(value, dict) or not value):
        full_width = full_width_entry_problem(item.name, value)  # 服务质量: followed by just “  西片区：15”
        read.problem(keys, *(full_width or (f"“{item.name}”按片区评分，应写成各片区的分数。", f"{item.name}:\n    西片区: 15\n    东一片区: 15.26")))
        read.scores[name] = REFUSED
    elif not item.aggregate and isinstance(value, dict):
        read.problem(keys, f"“{item.name}”不按片区评分，应写一个分数。", f"{item.name}: {plain(item.maximum)}")
        read.scores[name] = REFUSED
    elif item.aggregate:
        scores = {str(area): score_in_range(read, keys + (area,), score, item.maximum) for area, score in value.items()}
        read.scores[name] = REFUSED if REFUSED in scores.values() else scores
    else:
        read.scores[name] = score_in_range(read, keys, value, item.maximum)


def score_in_range(read: ReadInputs, keys: tuple, value, maximum: Decimal):
    number = number_in(value)
    if number is None:
        message, example = score_problem(keys[-1], value)
        read.problem(keys, message, example)
        return REFUSED
    if not 0 <= number <= maximum:
        read.problem(keys, f"评分 {plain(number)} 超出范围：应在 0 到满分 {plain(maximum)} 之间。", f"{keys[-1]}: {plain(maximum)}")
        return REFUSED
    return number


def score_problem(name, value) -> tuple[str, str]:
    """Why a score is not a number, with the fix when it is one written wrongly: the message and its example."""
    if isinstance(value, UnreadNumber):
        return unread_number_problem(name, value)
    fix = number_fix(value, percent=False) if isinstance(value, str) else None
    if fix is None:
        return f"评分应为数字，这里是“{written(value)}”。", f"{name}: 9.5"
    mistakes, fixed = fix
    return f"评分“{shown(value)}”{mistakes}，写成 {fixed}。", f"{name}: {fixed}"


# --- facts ------------------------------------------------------------------------------------------------


def read_fact(read: ReadInputs, ruleset: RuleSet, name, value) -> None:
    keys = ("facts", name)
    fact = ruleset.facts.get(name)
    if fact is None:
        hint = did_you_mean(str(name), ruleset.facts)
        read.problem(keys, f"规则集中没有事实“{written(name)}”。{hint}", f"可用的事实：{listed(list(ruleset.facts))}", key=True)
        return
    if isinstance(value, dict):  # {not_checked: 原因}, whatever the fact's type
        read.facts[name] = unchecked(read, keys, value)
        return
    converted = FACT_READERS[fact.type](value)
    if converted is None and isinstance(value, UnreadNumber):
        read.problem(keys, *unread_number_problem(fact.name, value))
    elif converted is None:
        read.problem(keys, fact_problem(fact, value), f"{fact.name}: {FACT_EXAMPLES[fact.type]}　或　{fact.name}: {UNCHECKED_EXAMPLE}")
    read.facts[name] = REFUSED if converted is None else converted


def unchecked(read: ReadInputs, keys: tuple, value: dict):
    reason = value.get("not_checked")
    if set(value) != {"not_checked"} or not isinstance(reason, str) or not reason.strip():
        full_width = full_width_entry_problem(keys[-1], value)  # {not_checked：原因}
        read.problem(keys, *(full_width or ("未核查的事实应写成 {not_checked: 原因}，并写明原因。", f"{keys[-1]}: {UNCHECKED_EXAMPLE}")))
        return REFUSED
    return Unchecked(reason.strip())


def fact_problem(fact, value) -> str:
    wrong = f"事实“{fact.name}”应为{fact.type}，这里是“{written(value)}”。"  # the example shows how each type is written
    if fact.type is FactType.RATIO and is_number(value):
        return wrong + f"比例写成带百分号的文字并加引号：写成 {quoted_percent(Decimal(value))}。"
    if fact.type is FactType.COUNT and is_number(value):
        return f"事实“{fact.name}”是数量，不能小于 0，这里是 {plain(Decimal(value))}。"
    fix = number_fix(value, percent=fact.type is FactType.RATIO) if isinstance(value, str) and fact.type is not FactType.YES_NO else None
    if fix is None:
        return wrong
    mistakes, fixed = fix
    return f"事实“{fact.name}”的值“{shown(value)}”{mistakes}，写成 {fixed}。"


def quoted_percent(number: Decimal) -> str:
    """A bare number meant as a 比例: 0.85 reads as a fraction, 85 as percent."""
    figure = number * 100 if number < 1 else number
    return f'"{plain(figure.normalize())}%"'


def as_yes_no(value) -> bool | None:
    return value if isinstance(value, bool) else None


def as_count(value) -> Decimal | None:
    number = number_in(value)
    return number if number is not None and number >= 0 else None


def as_percentage(value) -> Decimal | None:
    """“79.99%” → 0.7999; a bare number is refused, since 0.8 and 80 would both look plausible."""
    if isinstance(value, str) and value.endswith("%") and PLAIN_NUMBER.fullmatch(value[:-1]):
        return Decimal(value[:-1]).scaleb(-2)
    return None


FACT_READERS = {FactType.YES_NO: as_yes_no, FactType.COUNT: as_count, FactType.RATIO: as_percentage}


# --- numbers written wrongly ------------------------------------------------------------------------------


def is_number(value) -> bool:
    """A number as YAML reads one written plainly (yaml_source reads decimals as Decimal); yes/no is not one."""
    return isinstance(value, (int, Decimal)) and not isinstance(value, bool) and Decimal(value).is_finite()


def number_in(value) -> Decimal | None:
    return Decimal(value) if is_number(value) else None


def unread_number_problem(name, text: str) -> tuple[str, str]:
    """A number YAML reads but the project refuses (yaml_source.UnreadNumber: 0x1F, 1e3, 007, 30 digits), anywhere in a
    record or as a score or fact: the message and its example."""
    return (
        f"数字“{shown(text)}”{notation_problem(text)}：分数、数量与金额只能写成普通的十进制数。若这里本应是文字，请加上引号。",
        f"{name}: {plain_equivalent(text)}",
    )


NUMBER_NOTATIONS = (
    ("0x", "是十六进制写法"),
    ("0o", "是八进制写法"),
    ("_", "用了下划线分隔"),
    ("e", "是科学计数法"),
    (".nan", "是 .nan（不是数）"),
    (".inf", "是 .inf（无穷大）"),
)


def notation_problem(text: str) -> str:
    lower = text.lower().lstrip("+-")
    for mark, problem in NUMBER_NOTATIONS:
        if mark in lower:
            return problem
    whole, _, fraction = lower.partition(".")
    if len(whole) > MAX_INTEGER_DIGITS:
        return f"的整数部分有 {len(whole)} 位，超过了 {MAX_INTEGER_DIGITS} 位"
    if len(whole) > 1 and whole.startswith("0"):
        return "开头有多余的 0（YAML 会把它当作别的进制）"
    if PLAIN_DECIMAL.match(text):
        return f"的有效数字有 {len((whole + fraction).lstrip('0'))} 位，超过了 {MAX_SIGNIFICANT_DIGITS} 位"
    return "的写法不完整（小数点前后都要有数字，不写正号）"


def plain_equivalent(text: str) -> str:
    """The same number in plain notation, when there is a sensible one to suggest; else an example."""
    try:
        value = Decimal(int(text, 0)) if text.lower().lstrip("+-").startswith(("0x", "0o")) else Decimal(text)
    except (ValueError, ArithmeticError):
        return "12.5"
    if not value.is_finite() or len(text) > 40 or abs(value) >= 10**MAX_INTEGER_DIGITS:
        return "12.5"
    return f"{value.normalize():f}" if "e" in text.lower() else f"{value:f}"


def number_fix(text: str, percent: bool) -> tuple[str, str] | None:
    """What is wrong with a number written as text, and how it should be written; None if it is no number at all.

    percent: the number is a 比例, written "85%" (in quotes); else a plain number, written 8.6 (without quotes).
    """
    mistakes, text = [], text.strip()
    for pair in CHINESE_QUOTES:
        if len(text) >= 2 and text[0] == pair[0] and text[-1] == pair[1]:
            text = text[1:-1].strip()
            mistakes.append(("加了中文引号", "去掉引号"))
    if text != text.translate(FULL_WIDTH):
        text = text.translate(FULL_WIDTH)
        mistakes.append(("用了全角数字或符号", "请切换到半角（英文）输入"))
    if text.endswith("分"):
        text = text[:-1].strip()
        mistakes.append(("带了单位“分”", "只写数字"))
    has_percent = text.endswith("%")
    if has_percent:
        if text[:-1] != text[:-1].rstrip():
            mistakes.append(("百分号前有空格", "数字与百分号连着写"))
        text = text[:-1].strip()
    text = comma_fixed(text, mistakes)
    if not PLAIN_NUMBER.fullmatch(text):
        return None
    if percent:
        if not has_percent:
            mistakes.append(("少了百分号", "比例写成带百分号的文字并加引号"))
        return sentence(mistakes), f'"{text}%"'
    if has_percent:
        mistakes.append(("带了百分号", "只写数字"))
    if not mistakes:
        mistakes.append(("加了引号", "去掉引号"))
    return sentence(mistakes), text


def comma_fixed(text: str, mistakes: list) -> str:
    if THOUSANDS.fullmatch(text):
        mistakes.append(("用了千位分隔符", "去掉逗号"))
        return text.replace(",", "").replace("，", "")
    if DECIMAL_COMMA.fullmatch(text):
        mistakes.append(("用逗号作了小数点", "小数点写成英文句点"))
        return text.replace(",", ".").replace("，", ".")
    return text


def sentence(mistakes: list[tuple[str, str]]) -> str:
    """“用了全角数字，带了单位“分”：请切换到半角（英文）输入；只写数字” for the message's middle."""
    return "，".join(m for m, _ in mistakes) + "：" + "；".join(fix for _, fix in mistakes)


def written(value) -> str:
    """A value as the author wrote it, for messages; an empty YAML value is named as such, not as None."""
    return "（空）" if value is None else shown(value)
