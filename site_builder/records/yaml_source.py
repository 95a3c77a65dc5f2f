"""Round-trip YAML reading with ruamel.yaml: comments and key order survive, every value keeps its position."""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import replace
from decimal import Decimal
from functools import cache, cached_property

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor, SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, MappingEndEvent, MappingStartEvent, SequenceEndEvent, SequenceStartEvent
from ruamel.yaml.parser import RoundTripParser
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.representer import RoundTripRepresenter

from ..errors import RecordError, SourcePos


class InvalidDate(str):
    """A value shaped like a date that is not one (2025-02-30); kept as text so the check can point at it."""


def construct_timestamp(constructor, node):
    try:
        return RoundTripConstructor.construct_yaml_timestamp(constructor, node)
    except ValueError:
        return InvalidDate(node.value)


# --- numbers, read as written ----------------------------------------------------------------------------

INT_TAG, FLOAT_TAG = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"


class NumberAsWritten(str):
    """A YAML number as the file writes it (9.8249999999999999999, 0x1F, .nan), never converted through float or
    int; its tag lets `site-builder fmt` write it back unchanged, and to_plain decides what it is worth."""

    tag = INT_TAG


def construct_number(constructor, node) -> NumberAsWritten:
    number = NumberAsWritten(node.value)
    number.tag = str(node.tag)
    return number


def represent_number(representer, number: NumberAsWritten):
    return representer.represent_scalar(number.tag, str(number))


class RecordConstructor(RoundTripConstructor):
    """The round-trip constructor, with numbers kept as written."""


class ContentConstructor(SafeConstructor):
    """The fast reader's constructor, with numbers kept as written, as the round-trip one keeps them."""


class RecordRepresenter(RoundTripRepresenter):
    """The round-trip representer, writing numbers back as they were read."""


RecordConstructor.add_constructor("tag:yaml.org,2002:timestamp", construct_timestamp)
for _constructor in (RecordConstructor, ContentConstructor):
    _constructor.add_constructor(INT_TAG, construct_number)
    _constructor.add_constructor(FLOAT_TAG, construct_number)
RecordRepresenter.add_representer(NumberAsWritten, represent_number)

# Scores, quantities and amounts are written in plain decimal notation. Up to 15 digits before the point: no amount
# in yuan or count of people comes near 10^15, and every such number has an exact decimal. Up to 28 significant
# digits: well within the 40 digits the evaluation computes with, so that no input is rounded on the way in.
PLAIN_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?\Z")
MAX_INTEGER_DIGITS, MAX_SIGNIFICANT_DIGITS = 15, 28


class UnreadNumber(str):
    """A number not in plain decimal notation (0x1F, 1e3, 1_000, 007, .nan) or too large to be a score or a
    quantity; kept as written so that the check can point at it and say why (records.number_errors)."""


def number_value(text: str) -> int | Decimal | UnreadNumber:
    """A number from the very text of the file: int for whole numbers, Decimal with every digit for the rest."""
    if not PLAIN_DECIMAL.match(text) or digits_beyond_limits(text):
        return UnreadNumber(text)
    return Decimal(text) if "." in text else int(text)


def digits_beyond_limits(text: str) -> bool:
    whole, _, fraction = text.lstrip("-").partition(".")
    significant = (whole + fraction).lstrip("0")
    return len(whole) > MAX_INTEGER_DIGITS or len(significant) > MAX_SIGNIFICANT_DIGITS


def new_yaml() -> YAML:
    """A round-trip YAML reader and writer with the project's canonical layout."""
    yaml = YAML(typ="rt")
    yaml.Constructor, yaml.Representer = RecordConstructor, RecordRepresenter
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
        return guarded_yaml().load(text)
    except Refused as refusal:
        raise RecordError(pos_at(path, text, refusal.mark.line, refusal.mark.column), "", refusal.message) from None
    except (YAMLError, ValueError, TypeError, RecursionError) as error:
        raise reading_error(text, path, error) from None


def reading_error(text: str, path: str, error: Exception) -> RecordError:
    """The error to report for a file that did not load: an alias or deep nesting anywhere in it comes first,
    then the first syntax error, as when every file was scanned for them before loading."""
    try:
        refuse_aliases_and_deep_nesting(text, path)
    except (YAMLError, ValueError, TypeError, RecursionError) as scan_error:
        error = scan_error
    if isinstance(error, ReaderError) and isinstance(error.position, int):
        return unreadable_character(text, path, error)
    if isinstance(error, MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        mistake = layout_mistake(text, path, mark.line)
        if mistake is not None:
            return mistake
        return RecordError(
            pos_at(path, text, mark.line, mark.column),
            "",
            f"YAML 格式有误：{yaml_problem(error)}。",
            "缩进用空格对齐，冒号后留一个空格，如 “stage: 中期”",
        )
    return RecordError(SourcePos(path, 1, 1), "", f"YAML 无法读取：{type(error).__name__}。")


# --- the two layout mistakes YAML reports a line too low ----------------------------------------------
# A key written with a Chinese input method's colon (服务监测：8.6) is no key at all, just text that runs on into
# the next line; a key moved to column 0 closes its block. Either way ruamel stops on the FOLLOWING line, with
# "mapping values are not allowed here" or "could not find expected ':'", which names neither the cause nor the
# line the author changed. So, when loading failed, look at the lines just above where it stopped.

# A line whose first colon is a full-width one: "  服务监测：8.6", "- name：东片"; not "title: 报告：中期" (its key is fine).
FULL_WIDTH_KEY = re.compile(r"^(?P<indent>[ ]*(?:-[ ]+)?)(?P<key>[^\s#'\"{\[|>:：][^:：#]*?)[ ]*：[ ]*(?P<value>.*)$")
HALF_WIDTH_KEY = re.compile(r"^[ ]*(?:-[ ]+)?[^\s#][^#]*?:(?:[ ]|$)")
LOOK_BACK = 3  # content lines above the stop: a run-on plain scalar rarely spans more


def layout_mistake(text: str, path: str, stop_line0: int) -> RecordError | None:
    """A full-width colon or a wrongly indented key near where YAML stopped, reported at its own line; else None."""
    lines = text.splitlines()
    return full_width_colon(lines, path, stop_line0) or misindented_key(lines, path, stop_line0)


def content_lines_up_to(lines: list[str], line0: int) -> list[int]:
    """Indexes of the non-blank, non-comment lines from line0 upwards (line0 first)."""
    found = []
    for index in range(min(line0, len(lines) - 1), -1, -1):
        if lines[index].strip() and not lines[index].lstrip().startswith("#"):
            found.append(index)
    return found


def full_width_colon(lines: list[str], path: str, stop_line0: int) -> RecordError | None:
    for index in content_lines_up_to(lines, stop_line0)[: LOOK_BACK + 1]:
        match = FULL_WIDTH_KEY.match(lines[index].split(" #")[0].rstrip())
        if match:
            return full_width_colon_error(lines[index], path, index, match)
    return None


def full_width_colon_error(line: str, path: str, line0: int, match: re.Match) -> RecordError:
    colon = line.index("：", match.end("indent"))
    fixed = f"{match['indent']}{match['key'].rstrip()}: {match['value']}".rstrip()
    return RecordError(
        SourcePos(path, line0 + 1, colon + 1, end_line=line0 + 1, end_col=colon + 2, line_text=line),
        "",
        full_width_message(match["key"].strip()),
        f"“{fixed.strip()}”（英文冒号{'，后面一个空格' if match['value'] else ''}）",
    )


def full_width_message(key: str) -> str:
    return f"“{key}”后面是中文冒号“：”（中文输入法常会打出它）：YAML 只认英文冒号“:”，冒号后还要留一个空格。"


def full_width_entry_problem(name, value) -> tuple[str, str] | None:
    """A mapping whose only entry has a full-width colon loads without a YAML error, as something else: a block's
    (“scores:” followed by just “  服务监测：9.82”) as the text “服务监测：9.82”, a flow mapping's ({not_checked：原因})
    as the key “not_checked：原因” with no value. Where a mapping was expected (under name), the message that names
    the colon, and the fix; None for any other value."""
    flow = isinstance(value, dict) and len(value) == 1 and next(iter(value.values())) is None
    text = next(iter(value)) if flow else value
    match = FULL_WIDTH_KEY.match(text) if isinstance(text, str) and "\n" not in text else None
    if match is None or not NOT_A_NUMBER.search(match["key"]):  # “8：6” is a number written wrongly, not a key
        return None
    key, entry = match["key"].strip(), FOLLOWING_ENTRY.split(match["value"].strip(), maxsplit=1)[0]
    if flow:
        return full_width_message(key) + "所以花括号里读不出“名称: 值”。", f"{name}: {{{key}: {entry}}}"
    return full_width_message(key) + "所以这一行被读成了一段文字，而不是“名称: 值”。", f"{name}:\n    {key}: {entry}"


NOT_A_NUMBER = re.compile(r"[^0-9０-９.．]")
# Lines of such entries run on into one text (“服务监测：9.82 服务成效：12.3”); the example shows the first.
FOLLOWING_ENTRY = re.compile(r" +(?=[^ ：:]+：)")


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def misindented_key(lines: list[str], path: str, stop_line0: int) -> RecordError | None:
    """A key less indented than its neighbours above and below (moved to column 0), or one that matches no level."""
    content = content_lines_up_to(lines, stop_line0)
    if len(content) < 3:
        return None
    stop, previous, before = (lines[i] for i in content[:3])
    if not HALF_WIDTH_KEY.match(stop) or not HALF_WIDTH_KEY.match(previous):
        return None
    if indent_of(previous) < indent_of(stop) == indent_of(before) and not previous.rstrip().endswith(":"):
        return dedented_key_error(lines, path, content[1], indent_of(before))
    return None


def dedented_key_error(lines: list[str], path: str, line0: int, wanted: int) -> RecordError:
    line, has = lines[line0], indent_of(lines[line0])
    start = has + 1
    return RecordError(
        SourcePos(path, line0 + 1, start, end_line=line0 + 1, end_col=start + len(line.strip()), line_text=line),
        "",
        f"这一行的缩进比上下两行少（行首 {has} 个空格，上下两行是 {wanted} 个）：同一层的字段要上下对齐，"
        f"少了缩进它就离开了上面的“{enclosing_key(lines, line0, wanted)}”那一层。",
        indent_fix(line, wanted),
    )


def indent_fix(line: str, wanted: int) -> str:
    """The example for a key that lost its indent: how many spaces to add, and the line as it should read."""
    return f"在行首补 {wanted - indent_of(line)} 个空格，与上一行一样用空格缩进：“{' ' * wanted}{line.strip()}”"


def enclosing_key(lines: list[str], line0: int, indent: int) -> str:
    """The key of the block a line indented by `indent` belongs to: the nearest content line above, less indented."""
    for index in content_lines_up_to(lines, line0 - 1):
        if indent_of(lines[index]) < indent:
            return lines[index].strip().removeprefix("- ").split(":")[0]
    return ""


def unreadable_character(text: str, path: str, error: ReaderError) -> RecordError:
    """A character YAML does not allow in a file (a control character, often pasted from Word), at its place."""
    line0 = text.count("\n", 0, error.position)
    col0 = error.position - (text.rfind("\n", 0, error.position) + 1)
    code = error.character if isinstance(error.character, int) else ord(str(error.character)[:1] or "\0")
    return RecordError(
        pos_at(path, text, line0, col0),
        "",
        f"这里有一个 YAML 不允许的控制字符（U+{code:04X}），常见于从 Word 或网页复制来的文字：请删除它。",
        "删除后重新保存；编辑器可用“显示不可见字符”找到它",
    )


ALIAS_MESSAGE = "记录中不能使用 YAML 别名（*名称）：请把内容直接写出来。"
NESTING_MESSAGE = f"嵌套超过 {MAX_NESTING} 层，记录不需要这么深的结构。"


class Refused(Exception):
    """An alias or too deep a structure, met while loading; becomes a RecordError at mark."""

    def __init__(self, mark, message: str):
        super().__init__(message)
        self.mark, self.message = mark, message


class GuardedParser(RoundTripParser):
    """Checks every event as the composer takes it, so one parse both refuses aliases (the "billion laughs":
    an alias can expand into billions of values) and deep nesting, and builds the document."""

    depth = 0

    def get_event(self):
        event = super().get_event()
        if isinstance(event, AliasEvent):
            raise Refused(event.start_mark, ALIAS_MESSAGE)
        if isinstance(event, (MappingStartEvent, SequenceStartEvent)):
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise Refused(event.start_mark, NESTING_MESSAGE)
        elif isinstance(event, (MappingEndEvent, SequenceEndEvent)):
            self.depth -= 1
        return event


def guarded_yaml() -> YAML:
    yaml = new_yaml()
    yaml.Parser = GuardedParser
    return yaml


def refuse_aliases_and_deep_nesting(text: str, path: str) -> None:
    """Scan the whole event stream for what GuardedParser refuses, past the point where loading stopped."""
    depth = 0
    for event in YAML(typ="rt").parse(text):
        if isinstance(event, AliasEvent):
            mark = event.start_mark
            raise RecordError(pos_at(path, text, mark.line, mark.column), "", ALIAS_MESSAGE)
        if isinstance(event, (MappingStartEvent, SequenceStartEvent)):
            depth += 1
            if depth > MAX_NESTING:
                mark = event.start_mark
                raise RecordError(pos_at(path, text, mark.line, mark.column), "", NESTING_MESSAGE)
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

    Numbers come from the text of the file (number_value): every digit as written, never through a float.
    """
    if isinstance(node, CommentedMap | dict):
        return {str(k): to_plain(v) for k, v in node.items()}
    if isinstance(node, CommentedSeq | list):
        return [to_plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, NumberAsWritten):
        return number_value(node)
    if isinstance(node, int):  # documents built in code, such as `site-builder new`'s skeleton
        return int(node)
    if isinstance(node, datetime.date):
        return node.isoformat()[:10]
    return str(node)


# --- the fast reader: content only, through ruamel's C parser ------------------------------------------

# What the fast reader leaves to the round-trip reader, which refuses or reports it: a token that could be an
# anchor, alias or tag (at a node's start: line start, after "- ", "? ", ": " or a flow indicator), merge keys,
# and anything that could nest deeper than MAX_NESTING. A false alarm only costs time.
SLOW_TOKENS = re.compile(r"(?:^[ \t]*|[-?:][ \t]+|[\[{,][ \t]*)[&*!]|<<", re.MULTILINE)
# In block style each level of nesting starts further right at least every second level, so with no line
# starting its content beyond column 40 the depth stays under ~80, harmless for the C composer's recursion.
DEEP_INDENT = re.compile(r"^[ \t\-?:]{41}", re.MULTILINE)
MAX_FLOW_OPENERS = 200  # "[" and "{" anywhere, in flow collections or in text: a bound on flow nesting


class NotPlain(Exception):
    """The fast reader met something only the round-trip reader turns into content the same way."""


def fast_mapping(text: str) -> dict | None:
    """The record's content as to_plain gives it after a round-trip load, read in a tenth of the time;
    None whenever the round-trip reader is needed: it decides every error message and every doubtful case."""
    # Tabs too: libyaml accepts some (inside a flow mapping, say) that the round-trip reader refuses.
    if (
        len(text) > MAX_RECORD_CHARS
        or text.count("[") + text.count("{") > MAX_FLOW_OPENERS
        or "\t" in text
        or SLOW_TOKENS.search(text)
        or DEEP_INDENT.search(text)
    ):
        return None
    try:
        content = plain_from_safe(safe_yaml().load(text), 1)
    except Exception:  # noqa: BLE001 -- syntax errors, invalid dates, unknown tags…: the slow path reports them
        return None
    return content if isinstance(content, dict) else None


@cache
def safe_yaml() -> YAML:
    """ruamel's C parser (ruamel.yaml.clib) with the same YAML 1.2 resolver as the round-trip reader."""
    yaml = YAML(typ="safe")
    yaml.Constructor = ContentConstructor
    return yaml


def plain_from_safe(node, depth: int):
    """The safe loader's values → what to_plain makes of the round-trip loader's values for the same text."""
    if isinstance(node, dict):
        if depth > MAX_NESTING:
            raise NotPlain
        return {plain_key(k): plain_from_safe(v, depth + 1) for k, v in node.items()}
    if isinstance(node, list):
        if depth > MAX_NESTING:
            raise NotPlain
        return [plain_from_safe(v, depth + 1) for v in node]
    if isinstance(node, NumberAsWritten):
        return number_value(node)
    if isinstance(node, str) or node is None or isinstance(node, bool):
        return node
    if type(node) is datetime.date:  # a date and time: the two readers differ on time zones
        return node.isoformat()
    raise NotPlain


def plain_key(key) -> str:
    """Text and number keys read the same either way (numbers as written); anything else (dates, null) goes the slow way."""
    if isinstance(key, str):
        return str(key)
    raise NotPlain


class RoundTrip:
    """The round-trip document and its positions, parsed on first use: only errors, warnings and
    `site-builder fmt` need them, and the round-trip parse costs ten times the fast one."""

    def __init__(self, path: str, text: str, document=None):
        self.path, self.text, self._document = path, text, document

    @property
    def document(self):
        if self._document is None:
            self._document = load_yaml(self.text, self.path)
        return self._document

    @cached_property
    def positions(self) -> Positions:
        return Positions(self.path, self.text, self.document)


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
        pos = SourcePos(self.path, line + 1, col + 1, line_text=self.lines[line] if 0 <= line < len(self.lines) else "")
        if isinstance(node, (CommentedMap, CommentedSeq)) or node is None:
            return pos
        width = len(str(node).split("\n")[0]) or 1  # underline the whole scalar, not just its first character
        return replace(pos, end_line=pos.line, end_col=pos.col + width)

    @cached_property
    def lines(self) -> list[str]:
        """Split once: thousands of errors in one file must not split it thousands of times."""
        return self.text.splitlines()

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
