"""Privacy guard: a station record that holds someone's personal data fails the check and is not published.

Why: the seed report's evaluation principles include 保密尊重原则 (rules/guangzhou/sgz-2024.standing.md, （二）6):
evaluators must protect what they learn about service users' privacy. Records are transcribed from those reports,
often by copying from case notes, and every record becomes a public web page about vulnerable people. So
`site-builder check`, and the site build that shares it, refuse any field holding a resident ID, a mobile or
landline number, an e-mail address, a bank card number or a street address down to the room.

Each detector is one small function over one text; RULES gives each a Chinese name for the messages.
Detectors see the text with full-width digits and signs turned half-width (one character for one, so offsets
stay valid), since staff often type with a Chinese input method in full-width mode.

What the station itself publishes passes: the addresses declared in station.addresses, and matches a reviewer
has recorded under privacy_exceptions. Each used exception is reported as a warning so that reviewers see it.
"""

from __future__ import annotations

import datetime
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import chain

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from .errors import RecordError, RecordWarning, SiteBuilderError, SourcePos
from .records import StationRecord, dotted

EXCEPTIONS_KEY = "privacy_exceptions"
HALF_WIDTH = str.maketrans("０１２３４５６７８９＋－（）＠．　Ｘｘ", "0123456789+-()@. Xx")
FIX_EXAMPLE = ("删除，或改写为不含个人信息的表述（如“电话已记入个案档案”）；确属可以公开的信息（如社工站办公电话），"
               "经复核后在记录顶层登记：privacy_exceptions: [{match: \"与原文相同的写法\", reason: \"社工站公开的办公电话，已核实\"}]")

Span = tuple[int, int]

# Numbers must stand alone: not inside a longer digit run, nor the integer or fraction part of a decimal.
ALONE_BEFORE = r"(?<![0-9])(?<![0-9]\.)"
ALONE_AFTER = r"(?![0-9])(?!\.[0-9])"


# --- detectors: text → spans of what looks like personal data ----------------------------------------

RESIDENT_ID = re.compile(ALONE_BEFORE + r"[1-9][0-9]{16}[0-9Xx]" + ALONE_AFTER)
ID_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]  # ISO 7064 MOD 11-2, as GB 11643 prescribes


def resident_ids(text: str) -> Iterator[Span]:
    """Mainland resident ID numbers (GB 11643): only with a real birth date and a correct check character,
    so that long figures and references do not trip it."""
    for found in RESIDENT_ID.finditer(text):
        if plausible_birth_date(found.group()[6:14]) and id_check_character(found.group()[:17]) == found.group()[17].upper():
            yield found.span()


def plausible_birth_date(digits: str) -> bool:
    try:
        born = datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return False
    return datetime.date(1900, 1, 1) <= born <= datetime.date.today()


def id_check_character(first17: str) -> str:
    remainder = (12 - sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS)) % 11) % 11
    return "X" if remainder == 10 else str(remainder)


# 16–19 digits, written solid or in groups of four with one kind of separator; never part of a longer run.
BANK_CARD = re.compile(ALONE_BEFORE + r"(?<![0-9][ -])(?:[0-9]{16,19}|[0-9]{4}(?P<sep>[ -])[0-9]{4}"
                       r"(?:(?P=sep)[0-9]{4}){2}(?:(?P=sep)[0-9]{1,3})?)" + ALONE_AFTER + r"(?![ -][0-9])")


def bank_cards(text: str) -> Iterator[Span]:
    """Bank card numbers: the Luhn check keeps other long numbers out."""
    for found in BANK_CARD.finditer(text):
        if passes_luhn(re.sub(r"[ -]", "", found.group())):
            yield found.span()


def passes_luhn(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        doubled = int(digit) * (2 if position % 2 else 1)
        total += doubled - 9 if doubled > 9 else doubled
    return total % 10 == 0


MOBILE = re.compile(ALONE_BEFORE + r"(?:(?:\+|00)86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2}" + ALONE_AFTER)


def mobile_numbers(text: str) -> Iterator[Span]:
    """Mainland mobile numbers, 1[3-9] and nine digits, also as 138-1234-5678, 138 1234 5678 or +86 13812345678."""
    return (found.span() for found in MOBILE.finditer(text))


# Area codes start with 0 (010, 020–029, 0xxx), local numbers never do: dates, amounts and counts do not start so.
AREA = r"0(?:10|2[0-9]|[3-9][0-9]{2})"
AREA_FROM_ABROAD = r"\+86[ -]?\(?(?:10|2[0-9]|[3-9][0-9]{2})\)?"
LANDLINE = re.compile(ALONE_BEFORE + rf"(?:\({AREA}\)|{AREA}|{AREA_FROM_ABROAD})[ -]?[1-9][0-9]{{2,3}}[ -]?[0-9]{{4}}" + ALONE_AFTER)


def landlines(text: str) -> Iterator[Span]:
    """Landline numbers with their area code: 020-12345678, (020)12345678, 020 1234 5678, 0755-1234567."""
    return (found.span() for found in LANDLINE.finditer(text))


EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?![A-Za-z0-9-])")


def email_addresses(text: str) -> Iterator[Span]:
    """E-mail addresses."""
    return (found.span() for found in EMAIL.finditer(text))


ROOM = r"[A-Za-z]?[0-9]{2,4}(?:室|房)"
WORDS = r"[^\s，。；：、,;:（）()“”]"  # characters of one address, not running on into the next clause
ROOM_ADDRESSES = (
    re.compile(rf"(?<![0-9])[0-9]+号(?:之[0-9一二三四五六七八九十]+)?{WORDS}{{0,12}}?{ROOM}"),  # 313号东骏苑2栋1502室, 12号502房
    re.compile(rf"(?<![0-9A-Za-z])[0-9A-Za-z]{{1,3}}(?:栋|座|幢|楼|单元){WORDS}{{0,6}}?{ROOM}"),  # 东骏苑2栋1502室, A座1203室
    re.compile(r"(?<![0-9-])[0-9]{1,4}(?:-[0-9]{1,4}){1,2}(?:室|房)"),  # 3-1502房, 5-2-301室
)


def room_addresses(text: str) -> Iterator[Span]:
    """Street addresses down to a room: where someone lives. A station's public address stops at the building."""
    for pattern in ROOM_ADDRESSES:
        yield from (found.span() for found in pattern.finditer(text))


# --- masks: enough to recognise the match, not enough to reuse it; one character for one ---------------

def keep_ends(head: int, tail: int) -> Callable[[str], str]:
    """Keep the first `head` and last `tail` digits or letters, star the rest; separators stay where they are."""
    def mask(text: str) -> str:
        significant = [i for i, ch in enumerate(text) if ch.isalnum()]
        hidden = set(significant[head:len(significant) - tail])
        return "".join("*" if i in hidden else ch for i, ch in enumerate(text))
    return mask


def mask_email(text: str) -> str:
    local, _, domain = text.partition("@")
    return local[:2] + "*" * len(local[2:]) + "@" + domain


def mask_numbers(text: str) -> str:
    return re.sub(r"[0-9０-９]", "*", text)


@dataclass(frozen=True)
class Rule:
    name: str
    find: Callable[[str], Iterator[Span]]
    mask: Callable[[str], str]
    station_may_publish: bool = False  # the station's declared addresses are public


# Earlier rules win where matches overlap: an ID number is not also reported as a bank card or a phone.
RULES = (
    Rule("身份证号码", resident_ids, keep_ends(4, 4)),
    Rule("银行卡号", bank_cards, keep_ends(4, 4)),
    Rule("手机号码", mobile_numbers, keep_ends(4, 3)),
    Rule("固定电话", landlines, keep_ends(4, 3)),
    Rule("电子邮箱", email_addresses, mask_email),
    Rule("详细住址", room_addresses, mask_numbers, station_may_publish=True),
)


def matches_in(text: str, station_addresses: list[str]) -> list[tuple[Rule, int, int]]:
    """What the rules find in one text, one rule per stretch of text, in reading order."""
    plain, kept = text.translate(HALF_WIDTH), []
    for rule in RULES:
        for start, end in rule.find(plain):
            if rule.station_may_publish and any(plain[start:end] in address for address in station_addresses):
                continue
            if not any(start < kept_end and kept_start < end for _, kept_start, kept_end in kept):
                kept.append((rule, start, end))
    return sorted(kept, key=lambda match: match[1])


# --- where a match stands in the file -------------------------------------------------------------

@dataclass(frozen=True)
class Finding:
    rule: Rule
    keys: tuple
    text: str
    offset: int | None     # in the file; None when the value is not written verbatim there (escapes, folding)
    value_pos: SourcePos   # where the value starts, the fallback


class Source:
    """The record's text with line starts, to turn ruamel's (line, column) into offsets and back."""

    def __init__(self, record: StationRecord):
        self.record, self.text, self.lines = record, record.text, record.text.splitlines()
        self.line_starts = [0] + [i + 1 for i, ch in enumerate(self.text) if ch == "\n"]

    def offset(self, pos: SourcePos) -> int:
        return self.line_starts[pos.line - 1] + pos.col - 1

    def line_and_col(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    def line_text(self, line: int) -> str:
        return self.lines[line - 1]


def scalars(node, keys: tuple = ()) -> Iterator[tuple[tuple, bool, object]]:
    """Every mapping key and every scalar value under node, as (path, is_key, value), in file order."""
    if isinstance(node, CommentedMap):
        for key, value in node.items():
            yield keys + (key,), True, key
            yield from scalars(value, keys + (key,))
    elif isinstance(node, CommentedSeq):
        for index, value in enumerate(node):
            yield from scalars(value, keys + (index,))
    elif keys:
        yield keys, False, node


NUMBER_TOKEN = re.compile(r"[^\s,\]}#]+")


def text_of(value, source: Source, start: int) -> str | None:
    """The text to screen: strings as read; numbers as written in the file (13812345678, not 1.38e10)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (int, float)):
        token = NUMBER_TOKEN.match(source.text, start)
        return token.group() if token else str(value)
    return None  # dates


def locate(source: Source, region: Span, value: str, start: int, end: int) -> int | None:
    """The file offset of value[start:end]: its n-th occurrence in the value is its n-th in the value's source.

    This holds for plain and quoted scalars and for block scalars (|-), whose text starts on the line after the
    key and is indented, because no detector matches across a line break.
    """
    needle, nth = value[start:end], occurrences(value, value[start:end], start)
    at = region[0] - 1
    for _ in range(nth + 1):
        at = source.text.find(needle, at + 1, region[1])
        if at < 0:
            return None
    return at


def occurrences(text: str, needle: str, before: int) -> int:
    count, at = 0, text.find(needle)
    while 0 <= at < before:
        count, at = count + 1, text.find(needle, at + 1)
    return count


def findings(record: StationRecord) -> list[Finding]:
    """Every match in every key and value of the record, except the exceptions list itself."""
    source, found = Source(record), []
    nodes = [(keys, is_key, value, record.at(*keys, key=is_key)) for keys, is_key, value in scalars(record.document)]
    starts = sorted(source.offset(pos) for *_, pos in nodes)
    addresses = station_addresses(record)
    for keys, _, value, pos in nodes:
        start = source.offset(pos)
        text = text_of(value, source, start)
        if text is None or keys[0] == EXCEPTIONS_KEY:
            continue
        following = bisect_right(starts, start)  # the value's source ends where the next key or value starts
        region = (start, starts[following] if following < len(starts) else len(source.text))
        for rule, begin, end in matches_in(text, addresses):
            found.append(Finding(rule, keys, text[begin:end], locate(source, region, text, begin, end), pos))
    return found


def station_addresses(record: StationRecord) -> list[str]:
    station = record.content.get("station")
    listed = station.get("addresses") if isinstance(station, dict) else None
    if not isinstance(listed, list):
        return []
    return [entry["address"].translate(HALF_WIDTH) for entry in listed
            if isinstance(entry, dict) and isinstance(entry.get("address"), str)]


# --- exceptions and messages -----------------------------------------------------------------------

def privacy_problems(record: StationRecord) -> list[SiteBuilderError]:
    """Errors for personal data in the record, and warnings for the reviewed exceptions that let some through."""
    if EXCEPTIONS_KEY not in record.content and not may_hold_personal_data(record):
        return []
    exceptions = recorded_exceptions(record)
    excused: dict[int, list[Finding]] = {index: [] for index, _ in exceptions}
    refused = []
    for finding in findings(record):
        index = next((i for i, entry in exceptions if same_writing(entry["match"], finding.text)), None)
        (refused if index is None else excused[index]).append(finding)
    source = Source(record)
    return [refusal(source, f, refused) for f in refused] + exception_warnings(record, exceptions, excused, source)


def may_hold_personal_data(record: StationRecord) -> bool:
    """Whether any detector fires anywhere, before the costly scan that places each match in the file.

    The file's text holds numbers as written (13812345678, not 1.38e10); the values hold text as read, after
    escapes and folding, which the file may spell differently. Every text findings() screens is one of these.
    They are screened in one piece, joined by line breaks, since no detector matches across a line break.
    """
    return bool(matches_in("\n".join(chain([record.text], texts(record.content))), station_addresses(record)))


def texts(node) -> Iterator[str]:
    """Every key and text value under node."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from texts(value)
    elif isinstance(node, str):
        yield node


def recorded_exceptions(record: StationRecord) -> list[tuple[int, dict]]:
    listed = record.content.get(EXCEPTIONS_KEY)
    if not isinstance(listed, list):
        return []
    return [(i, entry) for i, entry in enumerate(listed)
            if isinstance(entry, dict) and isinstance(entry.get("match"), str) and entry["match"].strip()]


def same_writing(match: str, text: str) -> bool:
    """An exception names what it excuses as written; spaces, hyphens, brackets and full width do not count."""
    return compact(match) == compact(text)


def compact(text: str) -> str:
    return re.sub(r"[\s()-]", "", text.translate(HALF_WIDTH)).lower()


def refusal(source: Source, finding: Finding, refused: list[Finding]) -> RecordError:
    masked = finding.rule.mask(finding.text)
    message = (f"疑似{finding.rule.name}“{masked}”。评估记录会在网站上公开，不得含有服务对象、工作人员等个人的{finding.rule.name}"
               f"（评估原则“保密尊重原则”）。")
    return RecordError(finding_pos(source, finding, refused), dotted(finding.keys), message, FIX_EXAMPLE)


def finding_pos(source: Source, finding: Finding, refused: list[Finding]) -> SourcePos:
    """Where the match stands, with the source line shown masked, so check output and CI logs do not repeat it."""
    if finding.offset is None:
        return SourcePos(finding.value_pos.file, finding.value_pos.line, finding.value_pos.col)
    line, col = source.line_and_col(finding.offset)
    return SourcePos(source.record.path, line, col, line, col + len(finding.text), line_text=masked_line(source, line, refused))


def masked_line(source: Source, line: int, refused: list[Finding]) -> str:
    text = source.line_text(line)
    for other in refused:
        other_line, col = source.line_and_col(other.offset) if other.offset is not None else (None, 0)
        if other_line == line:
            text = text[:col - 1] + other.rule.mask(other.text) + text[col - 1 + len(other.text):]
    return text


def exception_warnings(record: StationRecord, exceptions, excused: dict[int, list[Finding]], source: Source) -> list[SiteBuilderError]:
    warnings = []
    for index, entry in exceptions:
        where, path = record.at(EXCEPTIONS_KEY, index, "match"), f"{EXCEPTIONS_KEY}[{index}].match"
        used = excused[index]
        if not used:
            warnings.append(RecordWarning(where, path, f"复核例外“{entry['match']}”在本记录中没有对应的个人信息，请删除这一项或核对写法。"))
            continue
        kinds = "、".join(dict.fromkeys(f.rule.name for f in used))
        lines = "、".join(str(source.line_and_col(f.offset)[0]) for f in used if f.offset is not None)
        warnings.append(RecordWarning(where, path, f"按复核例外放行{kinds}“{entry['match']}”共 {len(used)} 处"
                                      f"{f'（第 {lines} 行）' if lines else ''}，理由：{entry.get('reason', '未写明')}。请复核人员确认仍可公开。"))
    return warnings
