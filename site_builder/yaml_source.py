"""Round-trip YAML reading with ruamel.yaml: comments and key order survive, every value keeps its position."""

from __future__ import annotations

import datetime
import io
from dataclasses import replace
from decimal import Decimal
from functools import cache

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, MappingEndEvent, MappingStartEvent, SequenceEndEvent, SequenceStartEvent

from .errors import RecordError, SourcePos


class InvalidDate(str):
    """A value shaped like a date that is not one (2025-02-30); kept as text so the check can point at it."""


def construct_timestamp(constructor, node):
    try:
        return RoundTripConstructor.construct_yaml_timestamp(constructor, node)
    except ValueError:
        return InvalidDate(node.value)


@cache
def yaml_class():
    RoundTripConstructor.add_constructor("tag:yaml.org,2002:timestamp", construct_timestamp)
    return YAML


def new_yaml() -> YAML:
    """A round-trip YAML reader and writer with the project's canonical layout."""
    yaml = yaml_class()(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    yaml.preserve_quotes = True
    return yaml


# A record is a few dozen KB of text; these bounds keep hostile files from exhausting memory or the stack.
MAX_RECORD_CHARS = 2_000_000
MAX_NESTING = 30


def load_yaml(text: str, path: str):
    """Parse YAML text, turning ruamel's errors into a RecordError at the line where the syntax broke."""
    if len(text) > MAX_RECORD_CHARS:
        raise RecordError(SourcePos(path, 1, 1), "", f"文件过大（{len(text)} 个字符），一份评估记录不应超过 {MAX_RECORD_CHARS} 个字符。")
    try:
        refuse_aliases_and_deep_nesting(text, path)
        return new_yaml().load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise RecordError(pos_at(path, text, mark.line, mark.column), "",
                          f"YAML 格式有误：{yaml_problem(error)}。",
                          "缩进用空格对齐，冒号后留一个空格，如 “stage: 中期”") from None
    except (YAMLError, ValueError, TypeError, RecursionError) as error:
        raise RecordError(SourcePos(path, 1, 1), "", f"YAML 无法读取：{type(error).__name__}。") from None


def refuse_aliases_and_deep_nesting(text: str, path: str) -> None:
    """Read the event stream first: an alias can expand into billions of values (the "billion laughs")."""
    depth = 0
    for event in YAML(typ="rt").parse(text):
        if isinstance(event, AliasEvent):
            mark = event.start_mark
            raise RecordError(pos_at(path, text, mark.line, mark.column), "",
                              "记录中不能使用 YAML 别名（*名称）：请把内容直接写出来。")
        if isinstance(event, (MappingStartEvent, SequenceStartEvent)):
            depth += 1
            if depth > MAX_NESTING:
                mark = event.start_mark
                raise RecordError(pos_at(path, text, mark.line, mark.column), "", f"嵌套超过 {MAX_NESTING} 层，记录不需要这么深的结构。")
        elif isinstance(event, (MappingEndEvent, SequenceEndEvent)):
            depth -= 1


def dump_yaml(document) -> str:
    stream = io.StringIO()
    new_yaml().dump(document, stream)
    return stream.getvalue()


YAML_PROBLEMS = {
    "mapping values are not allowed here": "这里不能出现冒号（文字中含“: ”时请给整段加引号）",
    "could not find expected ':'": "缺少冒号",
    "found character '\\t' that cannot start any token": "不能用 Tab 缩进，请改用空格",
    "found duplicate key": "同一层里有重复的字段名",
    "expected <block end>, but found": "缩进不一致",
    "found undefined alias": "引用了未定义的锚点",
    "found unexpected end of stream": "文件意外结束（可能缺少右引号或右括号）",
    "sequence entries are not allowed here": "这里不能出现列表项“- ”（请检查缩进）",
    "expected ',' or ']'": "缺少“,”或“]”",
    "expected ',' or '}'": "缺少“,”或“}”",
    "found unknown escape character": "引号内有无法识别的转义符“\\”",
    "found character": "出现了不能用在这里的字符（如 @、`、%）",
    "expected a comment or a line break": "这一行在值后面还有多余的内容",
}


def yaml_problem(error: MarkedYAMLError) -> str:
    problem = str(error.problem or "")
    for english, chinese in YAML_PROBLEMS.items():
        if problem.startswith(english):
            return chinese
    return f"无法解析（{problem}）" if problem else "无法解析"


def pos_at(path: str, text: str, line0: int, col0: int) -> SourcePos:
    lines = text.splitlines()
    line_text = lines[line0] if 0 <= line0 < len(lines) else ""
    return SourcePos(path, line0 + 1, col0 + 1, line_text=line_text)


def to_plain(node):
    """ruamel's round-trip objects → plain Python: dict, list, str, int, Decimal, bool, None.

    Numbers with a fraction become Decimal from the shortest text that reads back as the same float,
    which for anything written with up to 15 significant digits is exactly what the file says.
    """
    if isinstance(node, CommentedMap | dict):
        return {str(k): to_plain(v) for k, v in node.items()}
    if isinstance(node, CommentedSeq | list):
        return [to_plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, float):
        return Decimal(repr(float(node)))
    if isinstance(node, int):
        return int(node)
    if isinstance(node, datetime.date):
        return node.isoformat()[:10]
    return str(node)


class Positions:
    """Finds the line and column of any path inside a loaded document."""

    def __init__(self, path: str, text: str, document):
        self.path, self.text, self.document = path, text, document

    def of(self, keys: tuple, key: bool = False) -> SourcePos:
        """Where the value at keys stands (or its key, with key=True); falls back to the nearest parent."""
        node, line, col = self.document, 0, 0
        for index, step in enumerate(keys):
            last = index == len(keys) - 1
            # a blank value has no position of its own: ruamel gives where the next token starts, often on the
            # next field's line, so point at the blank value's key instead
            blank = not key and last and isinstance(node, CommentedMap) and node.get(step, "") is None
            found = self.child_position(node, step, (key and last) or blank)
            if found is None:
                break
            line, col = found
            node = step if (key and last) or blank else node[step]
        pos = pos_at(self.path, self.text, line, col)
        if isinstance(node, (CommentedMap, CommentedSeq)) or node is None:
            return pos
        width = len(str(node).split("\n")[0]) or 1  # underline the whole scalar, not just its first character
        return replace(pos, end_line=pos.line, end_col=pos.col + width)

    @staticmethod
    def child_position(node, step, want_key: bool):
        try:
            if isinstance(node, CommentedMap) and step in node:
                return node.lc.key(step) if want_key else node.lc.value(step)
            if isinstance(node, CommentedSeq) and isinstance(step, int) and step < len(node):
                return node.lc.item(step)
        except (AttributeError, KeyError, IndexError, TypeError):
            return None
        return None
