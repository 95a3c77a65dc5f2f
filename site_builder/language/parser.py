"""Rule text → AST with Lark (LALR, positions kept). Lark's exceptions become the project's own.

Each statement starts with a keyword at the beginning of a line, so the text is cut into statements
and each one is parsed on its own: one run reports every syntax error in the file, not just the first.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from copy import copy
from datetime import date
from decimal import Decimal
from functools import cache
from typing import overload

from lark import Token, Transformer, v_args
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedToken, VisitError

from ..errors import Problems, RuleSyntaxError, SiteBuilderError, SourcePos, did_you_mean, raise_if_any
from . import ast
from .ruleset import DEFAULT_ROUNDING, FUNCTIONS, ROUNDING_MODES, FactType, UncheckedPolicy, VetoEffect
from .vocabulary import lark_parser, statement_keywords

STATEMENT_EXAMPLES = {
    "规则集": "规则集 广州市社工站评估 “广州市社工站购买服务项目评估”",
    "版本": "版本 “2024”",
    "文件": "文件 评估办法 “《广州市社工站购买服务项目评估办法》”",
    "生效": "生效 2024-01-01 起　或　生效 2024-01-01 至 2025-12-31",
    "过渡": "过渡 至 2025-12-31 【新办法 第三十条】",
    "阶段": "阶段 中期、末期",
    "评估方": "评估方 第三方 “第三方评估机构” 权重 55% 【评估办法 评估结果说明】",
    "评分项": "评分项 服务质量 属于 第三方 满分 20 按片区 平均 保留 2 位",
    "参数": "参数 缺员上限 = 中期 5、末期 10　或　参数 费用比例下限 = 80%",
    "事实": "事实 社工缺少人次 数值 “社工人员配备累计缺少的人次”",
    "定义": "定义 费用不足 = 人员费用支出比例 < 费用比例下限",
    "总分": "总分 保留 2 位 四舍五入",
    "等级": "等级 良好 当 80 <= 总分 < 90",
    "否决等级": "否决等级 不合格",
    "否决": "否决 社工人员配备不足 当 社工缺少人次 >= 缺员上限 未核查时 仅提示",
    "未核查默认": "未核查默认 仅提示",
    "完成率": "完成率 = 取整(实际 ÷ 目标 × 100, 2)",
    "加分项": "加分项 媒体报道 “媒体报道加分” = 媒体报道次数 × 1 上限 3",
    "扣分项": "扣分项 安全事故 “安全事故扣分” = 安全事故次数 × 5 上限 20",
}
OUTCOME_EXAMPLE = "否决 重大事故 当 发生重大事故 评为 不合格　或　否决 台账缺失 当 台账不全 最高 合格"


@cache
def statement_start() -> re.Pattern:
    """A line that starts a statement: optional indentation, then a statement keyword as a whole word."""
    return re.compile(r"[ \t\u3000]*(" + "|".join(statement_keywords()) + r")(?!\w)")


TOKEN_NAMES = {  # in the order they are listed to the user
    "NAME": "名称",
    "NUMBER": "数字（如 10 或 15.26）",
    "PERCENT": "百分比（如 55%）",
    "STRING": "带引号的文字（如 “第三方评估机构”）",
    "DATE": "日期（如 2024-01-01）",
    "_LPAR": "左括号“（”",
    "_RPAR": "右括号“）”",
    "_EQ": "等号“=”",
    "_SEP": "分隔符“、”或“，”",
    "CMP": "比较符号（如 >= 或 <）",
    "ADD_OP": "加减号",
    "MUL_OP": "乘除号",
    "TOTAL": "“总分”",
    "CITATION": "出处（如 【评估办法 评估结果说明】）",
}
OPERATORS = {
    "×": "*",
    "÷": "/",
    "＋": "+",
    "－": "-",
    "≥": ">=",
    "≤": "<=",
    "≠": "!=",
    "==": "=",
    "＞": ">",
    "＜": "<",
    "＝": "=",
    "＞＝": ">=",
    "＜＝": "<=",
}


def parse_rules(text: str, path: str) -> ast.RuleFile:
    """Parse a whole rule file, raising Problems with every syntax error found."""
    lines = source_lines(text)
    declarations, errors = [], []
    for first_line, chunk in statements(lines):
        try:
            declarations += parse_statement(chunk, first_line, path, lines)
        except Problems as problems:
            errors += problems.errors
        except SiteBuilderError as error:
            errors.append(error)
    raise_if_any(errors)
    return ast.RuleFile(path, text, tuple(declarations))


def source_lines(text: str) -> list[str]:
    """The text's lines, ends kept, cut only at "\\n" as Lark counts them (not at \\r, \\f or U+2028)."""
    return [line for line in re.split(r"(?<=\n)", text) if line]


def statements(lines: list[str]) -> Iterator[tuple[int, str]]:
    """Cut the file into (first line number, text) pieces, one per statement."""
    chunk: list[str]
    start, chunk = 1, []
    for number, line in enumerate(lines, start=1):
        if statement_start().match(line) and chunk:
            yield start, "".join(chunk)
            start, chunk = number, []
        chunk.append(line)
    if chunk:
        yield start, "".join(chunk)


def parse_statement(chunk: str, first_line: int, path: str, lines: list[str]) -> list:
    # Leading newlines keep Lark's line numbers equal to the file's.
    padded = "\n" * (first_line - 1) + chunk
    try:
        tree = lark_parser().parse(padded)
    except UnexpectedInput_ as error:
        raise syntax_error(error, chunk, first_line, path, lines) from None
    except LarkError as error:  # anything else Lark can raise must still reach the user as ours
        raise RuleSyntaxError(
            SourcePos(path, first_line, 1, line_text=lines[first_line - 1]), f"无法理解这条语句（{type(error).__name__}）。"
        ) from None
    statement_start = SourcePos(path, first_line, 1, line_text=lines[first_line - 1])
    builder = AstBuilder(path, lines)
    try:
        declarations = builder.transform(tree).children
    except (RecursionError, VisitError):
        raise too_deep(statement_start) from None
    raise_if_any(builder.errors)
    if any(nesting_depth(d) > MAX_NESTING for d in declarations):
        raise too_deep(statement_start)
    return declarations


# Checking and evaluating walk expressions recursively; a bound keeps every walk well inside Python's stack.
MAX_NESTING = 100


def too_deep(pos: SourcePos) -> RuleSyntaxError:
    return RuleSyntaxError(
        pos, f"这条语句的表达式太长或嵌套太深（超过 {MAX_NESTING} 层）。请拆成几条“定义”。", "定义 小计 = a + b + c，再写 定义 合计 = 小计 + d"
    )


def nesting_depth(node) -> int:
    """How deep the AST under node goes, counted without recursion."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        for value in vars(current).values() if hasattr(current, "__dataclass_fields__") else ():
            for child in value if isinstance(value, tuple) else (value,):
                if hasattr(child, "__dataclass_fields__") and not isinstance(child, SourcePos):
                    stack.append((child, depth + 1))
    return deepest


UnexpectedInput_ = (UnexpectedToken, UnexpectedCharacters, UnexpectedEOF)


def syntax_error(error, chunk: str, first_line: int, path: str, lines: list[str]) -> RuleSyntaxError:
    keyword = statement_keyword(chunk)
    example = STATEMENT_EXAMPLES.get(keyword) if keyword is not None else None
    token = getattr(error, "token", None)
    if isinstance(error, UnexpectedEOF) or (token is not None and token.type == "$END"):
        line, col = statement_end(token, chunk, first_line, lines)
        pos = SourcePos(path, line, col, line_text=lines[line - 1])
        return RuleSyntaxError(pos, f"“{keyword}”语句不完整。{expected_text(error)}", example)
    end_line, end_col = (error.line, token.end_column) if token is not None and token.end_line == error.line else (None, None)
    pos = SourcePos(path, error.line, error.column, end_line, end_col, line_text=lines[error.line - 1])
    if isinstance(error, UnexpectedCharacters):
        return RuleSyntaxError(pos, character_message(error.char) + expected_text(error), example)
    assert token is not None  # what is left is an UnexpectedToken, and Lark gives every one its token
    if keyword is None or (token.type == "NAME" and starts_line(pos)):  # a misspelt keyword
        return unknown_statement(pos, str(token))
    return RuleSyntaxError(pos, f"这里不应出现“{token}”。{expected_text(error)}", example)


def starts_line(pos: SourcePos) -> bool:
    return not pos.line_text[: pos.col - 1].strip()


def unknown_statement(pos: SourcePos, first_word: str) -> RuleSyntaxError:
    """A misspelt keyword (否绝 for 否决): the one nearest keyword, and the example of that statement."""
    nearest = difflib.get_close_matches(first_word, statement_keywords(), n=1, cutoff=0.4)
    hint = did_you_mean(first_word, nearest)
    message = f"每条语句应以关键词开头，“{first_word}”不是关键词。{hint}".rstrip()
    return RuleSyntaxError(pos, message, STATEMENT_EXAMPLES[nearest[0]] if nearest else "评分项 服务监测 属于 第三方 满分 10")


def statement_keyword(chunk: str) -> str | None:
    for line in chunk.splitlines():
        if line.strip() and not line.strip().startswith(("#", "＃")):
            match = statement_start().match(line)
            return match.group(1) if match else None
    return None


def statement_end(token, chunk: str, first_line: int, lines: list[str]) -> tuple[int, int]:
    """Line and column just after a statement's last token: where the missing part belongs."""
    if token is not None and token.end_line:  # Lark's $END borrows the last token's position
        return token.end_line, token.end_column
    number = first_line + max((i for i, line in enumerate(chunk.split("\n")) if code_of(line).strip()), default=0)
    return number, len(code_of(lines[number - 1]).rstrip()) + 1


def code_of(line: str) -> str:
    return re.split("[#＃]", line, maxsplit=1)[0]


UNCLOSED = {"“": "”", '"': '"', "【": "】"}


def character_message(char: str) -> str:
    if char in UNCLOSED:
        return f"“{char}”没有配对的“{UNCLOSED[char]}”：引号和出处都要在同一行内写完整。"
    shown = char if char.isprintable() else f"U+{ord(char):04X}"
    return f"无法识别的字符“{shown}”。"


def expected_text(error) -> str:
    """What the parser would have accepted, in words a policy staffer knows."""
    expected = accepted_terminals(error)
    statement_can_end = "$END" in expected or bool(expected & statement_terminals())
    if statement_can_end:  # 总分 here starts the next statement, not an operand
        expected -= statement_terminals() | {"$END", "TOTAL"}
    order = list(TOKEN_NAMES)
    terminals = sorted(expected, key=lambda t: (order.index(t) if t in order else len(order), len(t), t))
    names = list(dict.fromkeys(n for n in map(terminal_name, terminals) if n))
    names += ["下一条语句"] if statement_can_end else []
    if not names:
        return ""
    return "此处应为：" + "、".join(names[:6]) + ("等。" if len(names) > 6 else "。")


def accepted_terminals(error) -> set[str]:
    """Terminals that would let the parse go on. Lark's own lists are not used: they leave out terminals
    named in Chinese (they are not isupper()), and after LALR's default reductions include some that fail."""
    parser = getattr(error, "interactive_parser", None)
    if parser is None:
        return set(getattr(error, "expected", None) or getattr(error, "allowed", None) or [])
    terminals = {t.name for t in lark_parser().terminals} | {"$END"}
    return {name for name in parser.choices() if name in terminals and feeds(parser, name)}


def feeds(parser, terminal: str) -> bool:
    cursor = parser.copy(deepcopy_values=False)
    cursor.parser_state.parse_conf = copy(cursor.parser_state.parse_conf)
    cursor.parser_state.parse_conf.callbacks = {}  # no tree building while probing
    try:
        cursor.feed_token(Token(terminal, ""))
    except UnexpectedToken:
        return False
    return True


@cache
def statement_terminals() -> frozenset[str]:
    return frozenset(terminal_of(k) for k in statement_keywords() if k != "总分")


ENGLISH_ALIASES = {f"“{w}”" for w in ("if", "then", "else", "and", "or", "not", "yes", "no")}


def terminal_of(keyword: str) -> str:
    return next(t.name for t in lark_parser().terminals if t.pattern.value == keyword)


def terminal_name(terminal: str) -> str | None:
    """A terminal's name for users; statement keywords and English aliases are left out."""
    if terminal in TOKEN_NAMES:
        return TOKEN_NAMES[terminal]
    try:
        pattern = lark_parser().get_terminal(terminal).pattern
    except KeyError:
        return None
    if pattern.type != "str" or pattern.value in statement_keywords() or f"“{pattern.value}”" in ENGLISH_ALIASES:
        return None
    return f"“{pattern.value}”"


def pos_of(path: str, lines: list[str], item) -> SourcePos:
    """Position of a token or a tree's meta."""
    line = getattr(item, "line", 1) or 1
    return SourcePos(
        path,
        line,
        getattr(item, "column", 1) or 1,
        getattr(item, "end_line", None),
        getattr(item, "end_column", None),
        line_text=lines[line - 1] if 0 < line <= len(lines) else "",
    )


@overload
def unquote(token: Token) -> str: ...
@overload
def unquote(token: None) -> None: ...
def unquote(token: Token | None) -> str | None:
    return None if token is None else str(token)[1:-1]


@v_args(inline=True, meta=True)
class AstBuilder(Transformer):
    """One tiny method per grammar rule; each builds one AST node. Value errors are collected."""

    def __init__(self, path: str, lines: list[str]):
        super().__init__()
        self.path, self.lines = path, lines
        self.errors: list[SiteBuilderError] = []

    def at(self, item) -> SourcePos:
        return pos_of(self.path, self.lines, item)

    # declarations
    def header(self, meta, id_, title):
        return ast.Header(str(id_), unquote(title), self.at(meta))

    def version(self, meta, text):
        value = unquote(text) if text.type == "STRING" else str(text)
        return ast.Version(value, self.at(meta))

    def document(self, meta, alias, title: Token):
        return ast.Document(str(alias), unquote(title), self.at(meta))

    def effective_open(self, meta, start):
        return ast.Effective(self.date(start), None, self.at(meta))

    def effective_closed(self, meta, start, end):
        return ast.Effective(self.date(start), self.date(end), self.at(meta))

    def transition(self, meta, until, citation):
        return ast.Transition(self.date(until), citation, self.at(meta))

    def stages(self, meta, *names):
        return ast.Stages(tuple(ast.Name(str(n), self.at(n)) for n in names), self.at(meta))

    def party(self, meta, name, label, weight, scaling, citation):
        rounding = scaling.children[0] if scaling is not None else None
        weight_value, scaled = self.percent_value(weight), scaling is not None
        return ast.Party(str(name), unquote(label), weight_value, scaled, rounding, citation, self.at(meta), weight_pos=self.at(weight))

    def item(self, meta, name, label, party, maximum, aggregate, formula, citation):
        expr, rounding = formula if formula is not None else (None, None)
        party_name = ast.Name(str(party), self.at(party))
        return ast.Item(str(name), unquote(label), party_name, Decimal(maximum), aggregate, citation, self.at(meta), expr, rounding)

    def formula(self, meta, expr, rounding):
        return expr, rounding

    def aggregate(self, meta, function, rounding):
        return ast.Aggregate(FUNCTIONS.get(str(function)), ast.Name(str(function), self.at(function)), rounding, self.at(meta))

    def rounding(self, meta, places, mode):
        if "." in places:
            self.errors.append(RuleSyntaxError(self.at(places), "保留的位数应是整数。", "保留 2 位"))
        written = None if mode is None else str(mode)
        member = DEFAULT_ROUNDING if written is None else ROUNDING_MODES.get(written)
        return ast.Rounding(int(Decimal(places)), member, written, self.at(meta))

    def parameter_fixed(self, meta, name, value, citation):
        return ast.Parameter(str(name), value, (), citation, self.at(meta))

    def parameter_staged(self, meta, name, *rest):
        *staged, citation = rest
        return ast.Parameter(str(name), None, tuple(staged), citation, self.at(meta))

    def staged(self, meta, stage, value):
        return ast.StagedValue(ast.Name(str(stage), self.at(stage)), value, self.at(meta))

    def fact(self, meta, name, type_, label, citation):
        return ast.Fact(str(name), type_, unquote(label), citation, self.at(meta))

    def type_bool(self, meta):
        return FactType.YES_NO

    def type_number(self, meta):
        return FactType.COUNT

    def type_ratio(self, meta):
        return FactType.RATIO

    def definition(self, meta, name, expr, rounding, citation):
        return ast.Definition(str(name), expr, citation, self.at(meta), rounding)

    def total(self, meta, _keyword, scale, rounding, citation):
        return ast.Total(rounding, citation, self.at(meta), scale)

    def scale(self, meta, number):
        return ast.Number(Decimal(number), str(number), self.at(number))

    def bonus(self, meta, name, label, expr, cap, citation):
        return ast.Adjustment(True, str(name), unquote(label), expr, cap, citation, self.at(meta))

    def penalty(self, meta, name, label, expr, cap, citation):
        return ast.Adjustment(False, str(name), unquote(label), expr, cap, citation, self.at(meta))

    def cap(self, meta, number):
        return ast.Number(Decimal(number), str(number), self.at(number))

    def band(self, meta, label: ast.Name, bounds, citation):
        quantity, lower, upper = bounds
        return ast.Band(label.name, lower, upper, citation, self.at(meta), quantity)

    def graded(self, meta, token):
        return ast.Name(str(token), self.at(token))

    def band_one_sided(self, meta, quantity, op, number):
        return (quantity, *self.band_bounds([(op, number)], meta))

    def band_two_sided(self, meta, low, op1, quantity, op2, high):
        # "80 <= 总分" is read as "总分 >= 80": flip the operator to face the total.
        op = OPERATORS.get(str(op1), str(op1))
        flipped = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
        return (quantity, *self.band_bounds([(Token.new_borrow_pos(op1.type, flipped, op1), low), (op2, high)], meta))

    def band_bounds(self, conditions, meta):
        bounds = {}
        for op_token, number in conditions:
            op = OPERATORS.get(str(op_token), str(op_token))
            side = "lower" if op in (">", ">=") else "upper" if op in ("<", "<=") else None
            if side is None or side in bounds:
                message = f"等级的分数界限只能用 >、>=、<、<=，不能用“{op}”。" if side is None else "等级的两个分数界限应一个是下限、一个是上限。"
                self.errors.append(RuleSyntaxError(self.at(op_token), message, STATEMENT_EXAMPLES["等级"]))
                continue
            bounds[side] = ast.Bound(Decimal(number), op in (">=", "<="), self.at(number))
        return bounds.get("lower"), bounds.get("upper")

    def veto_grade(self, meta, label: ast.Name):
        return ast.VetoGrade(label, self.at(meta))

    def grade_label(self, meta, token):
        """优秀 or “5A”: a grade's label, the quotes taken off."""
        return ast.Name(unquote(token) if token.type == "STRING" else str(token), self.at(token))

    def veto(self, meta, name, label, condition, outcomes, unchecked, citation):
        outcome = outcomes[0] if outcomes else None
        return ast.Veto(str(name), unquote(label), condition, unchecked, citation, self.at(meta), outcome)

    def veto_outcomes(self, meta, *outcomes):
        for extra in outcomes[1:]:  # a veto forces a grade or caps it: two outcomes would contradict each other
            first = f"{outcomes[0].effect} {outcomes[0].grade.name}"
            message = f"一条否决只能有一个结果，这里已写了“{first}”：“评为”强制评定等级，“最高”限定等级上限，二者只写一个。"
            self.errors.append(RuleSyntaxError(extra.pos, message, OUTCOME_EXAMPLE))
        return outcomes

    def force_outcome(self, meta, grade: ast.Name):
        return ast.VetoOutcome(VetoEffect.FORCE, grade, self.at(meta))

    def cap_outcome(self, meta, grade: ast.Name):
        return ast.VetoOutcome(VetoEffect.CAP, grade, self.at(meta))

    def unchecked(self, meta, policy):
        return policy

    def unchecked_default(self, meta, policy):
        return ast.UncheckedDefault(policy, self.at(meta))

    def withhold_grade(self, meta):
        return UncheckedPolicy.WITHHOLD_GRADE

    def show_only(self, meta):
        return UncheckedPolicy.SHOW_ONLY

    def completion(self, meta, expr, citation):
        return ast.Completion(expr, citation, self.at(meta))

    def citation(self, meta, token):
        document, _, clause = str(token)[1:-1].strip().partition(" ")
        return ast.Citation(document.strip(), clause.strip(), self.at(token))

    # expressions
    def number(self, meta, token):
        return ast.Number(Decimal(token), str(token), self.at(token))

    def percent(self, meta, token):
        return ast.Number(self.percent_value(token), str(token), self.at(token))

    def yes(self, meta, *_):
        return ast.Boolean(True, self.at(meta))

    def no(self, meta, *_):
        return ast.Boolean(False, self.at(meta))

    def name(self, meta, token):
        return ast.Name(str(token), self.at(token))

    def negate(self, meta, operand):
        return ast.Negate(operand, self.at(meta))

    def binary(self, meta, left, op, right):
        return ast.Binary(OPERATORS.get(str(op), str(op)), left, right, self.at(meta), str(op), self.at(op))

    def compare(self, meta, *parts):
        operands, ops = parts[0::2], tuple(OPERATORS.get(str(op), str(op)) for op in parts[1::2])
        return ast.Compare(tuple(operands), ops, self.at(meta), tuple(str(op) for op in parts[1::2]))

    def and_expr(self, meta, left, right):
        return ast.Logical("且", left, right, self.at(meta))

    def or_expr(self, meta, left, right):
        return ast.Logical("或", left, right, self.at(meta))

    def not_expr(self, meta, operand):
        return ast.Not(operand, self.at(meta))

    def if_expr(self, meta, condition, then, otherwise):
        return ast.If(condition, then, otherwise, self.at(meta))

    def call(self, meta, function, *args):
        return ast.Call(str(function), FUNCTIONS.get(str(function)), tuple(a for a in args if a is not None), self.at(meta))

    # values
    def percent_value(self, token) -> Decimal:
        return Decimal(str(token)[:-1]).scaleb(-2)

    def date(self, token) -> date:
        try:
            return date.fromisoformat(str(token))
        except ValueError:
            self.errors.append(RuleSyntaxError(self.at(token), f"“{token}”不是有效的日期。", "2024-01-01"))
            return date.min  # never seen: parse_statement raises the error collected here instead of returning the node
