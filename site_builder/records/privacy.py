"""Privacy guard: a record, rule file or standing text that holds someone's personal data fails the check and is
not published.

Why: the seed report's evaluation principles include 保密尊重原则 (rules/guangzhou/sgz-2024.standing.md, （二）6):
evaluators must protect what they learn about service users' privacy. Records are transcribed from those reports,
often by copying from case notes, and every record becomes a public web page about vulnerable people; rule files
are printed whole on the rules page and standing text on every report. So `site-builder check`, and the site build
that shares it, refuse personal data anywhere in them: every key, value and YAML comment of a record, and the whole
text of rules/**/*.rules and rules/**/*.standing.md. What counts as personal data is in privacy_rules.py (the
detectors) and privacy_words.py (the word lists); the text is normalised first (privacy_text.py).

What the station itself publishes passes: its address as listed in station.addresses, where quoted whole, with a
warning so that a reviewer sees it; and matches a reviewer has recorded under privacy_exceptions (with the
reviewer's name and the date), each listed as a warning. An ID number is never excused.

No message, warning or quoted source line repeats a match unmasked: check output ends up in public CI logs.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import chain

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.tokens import CommentToken

from ..errors import RecordError, RecordWarning, SiteBuilderError, SourcePos
from .privacy_rules import ID_RULE, TOO_DENSE, Match, Rule, keep_ends, scan
from .privacy_text import normalised_text
from .record import StationRecord, dotted, values_in

EXCEPTIONS_KEY = "privacy_exceptions"
COMMENT_PATH = "注释"
FIX_EXAMPLE = (
    "删除，或改写为不含个人信息的表述（如“电话已记入个案档案”“一位服务对象”）；确属可以公开的信息（如社工站办公电话），"
    '经复核后在记录顶层登记：privacy_exceptions: [{match: "与原文相同的写法", reason: "社工站公开的办公电话", '
    'reviewed_by: "复核人姓名", reviewed_on: 2025-03-01}]'
)
PUBLISHED_FIX_EXAMPLE = "删除，或改写为不含个人信息的表述（如“一位服务对象”）。"


# --- the file as text: offsets, lines, masking -----------------------------------------------------------


class Source:
    """A file's text with line starts, to turn offsets into (line, column) and back."""

    def __init__(self, path: str, text: str):
        self.path, self.text, self.lines = path, text, text.splitlines()
        self.line_starts = [0] + [found.end() for found in re.finditer("\n", text)]

    def offset(self, pos: SourcePos) -> int:
        return self.line_starts[pos.line - 1] + pos.col - 1

    def line_and_col(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    def line_text(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""


@dataclass(frozen=True)
class Finding:
    match: Match
    path: str  # where in the record (report.basic_situation), 注释 for a comment, "" for other files
    text: str  # the match as written
    offset: int | None  # in the file; None when the value is not written verbatim there (escapes, folding)
    value_pos: SourcePos | None = None  # where the value starts, the fallback

    @property
    def rule(self) -> Rule:
        return self.match.rule

    @property
    def masked(self) -> str:
        return self.rule.mask(self.text)


class MaskedLines:
    """Each source line with every finding on it masked; built once per file, so that thousands of findings on
    one line cost one pass, not one pass each."""

    def __init__(self, source: Source, findings: list[Finding]):
        self.source = source
        self.on_line: dict[int, list[tuple[int, Finding]]] = {}  # line → each finding there, with its offset
        for finding in findings:
            if finding.offset is not None:
                self.on_line.setdefault(source.line_and_col(finding.offset)[0], []).append((finding.offset, finding))
        self.done: dict[int, str] = {}

    def __call__(self, line: int) -> str:
        if line not in self.done:
            self.done[line] = self.mask(line)
        return self.done[line]

    def mask(self, line: int) -> str:
        text, pieces, at = self.source.line_text(line), [], 0
        for offset, finding in sorted(self.on_line.get(line, []), key=lambda found: found[0]):
            col = self.source.line_and_col(offset)[1] - 1
            if col >= at:
                pieces += [text[at:col], finding.masked]
                at = col + len(finding.text)
        return "".join(pieces) + text[at:]

    def pos(self, finding: Finding) -> SourcePos:
        """Where the finding stands, with its line masked; the value's start when it is not written verbatim."""
        if finding.offset is None:
            fallback = finding.value_pos
            assert fallback is not None  # value_findings gives a finding it cannot place in the file its value's position
            return SourcePos(fallback.file, fallback.line, fallback.col, line_text=self(fallback.line))
        line, col = self.source.line_and_col(finding.offset)
        return SourcePos(self.source.path, line, col, line, col + len(finding.text), line_text=self(line))


@lru_cache(maxsize=256)  # the errors of one file often quote one line, and a pasted line may be very long
def mask_personal_data(text: str) -> str:
    """text with whatever the detectors find in it masked; the rest as it was."""
    pieces, at = [], 0
    for match in scan(text):
        pieces += [text[at : match.start], match.rule.mask(text[match.start : match.end])]
        at = match.end
    return "".join(pieces) + text[at:]


def masked_error(error: SiteBuilderError) -> SiteBuilderError:
    """The same error with any personal data in its message or quoted source line masked.

    Why: other checks quote what they refuse (a schema error shows the value and its line), and that value may be
    a phone number under an unknown key. Applied to every error and warning before they are shown.
    """
    message = mask_personal_data(error.message)
    pos = error.pos
    line_text = mask_personal_data(pos.line_text) if pos and pos.line_text else None
    if message == error.message and (pos is None or line_text is None or line_text == pos.line_text):
        return error
    masked = type(error).__new__(type(error))  # a copy; copy.copy would call __init__ with the wrong arguments
    masked.__dict__.update(error.__dict__)
    masked.message, masked.args = message, (message,)
    if pos is not None and line_text is not None:
        masked.pos = replace(pos, line_text=line_text)
    return masked


# --- record values -----------------------------------------------------------------------------------------

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


class Locator:
    """Where each match of one value stands in the file: its n-th occurrence in the value is its n-th in the value's
    source. This holds for plain and quoted scalars and for block scalars (|-), whose text starts on the line after
    the key and is indented, because no detector matches across a line break.

    Matches come in reading order, so each needle's search resumes where the last one stopped: linear in the value,
    however often the same number repeats in it.
    """

    def __init__(self, file_text: str, region: tuple[int, int], value: str):
        self.file_text, self.region, self.value = file_text, region, value
        self.cursors: dict[str, tuple[int, int]] = {}

    def offset(self, start: int, end: int) -> int | None:
        needle = self.value[start:end]
        in_value, in_file = self.cursors.get(needle, (-1, self.region[0] - 1))
        while in_value < start:
            in_value = self.value.find(needle, in_value + 1)
            in_file = self.file_text.find(needle, in_file + 1, self.region[1])
            if in_value < 0 or in_file < 0:
                self.cursors[needle] = (len(self.value), -1)
                return None
        self.cursors[needle] = (in_value, in_file)
        return in_file if in_value == start and in_file >= 0 else None


def value_findings(record: StationRecord, source: Source, addresses: list[str]) -> list[Finding]:
    """Every match in every key and value of the record, except the exceptions list itself."""
    nodes = [(keys, value, record.at(*keys, key=is_key)) for keys, is_key, value in values_in(record.document)]
    starts = sorted(source.offset(pos) for *_, pos in nodes)
    found = []
    for keys, value, pos in nodes:
        start = source.offset(pos)
        text = text_of(value, source, start)
        if text is None or keys[0] == EXCEPTIONS_KEY:
            continue
        following = bisect_right(starts, start)  # the value's source ends where the next key or value starts
        locator = Locator(source.text, (start, starts[following] if following < len(starts) else len(source.text)), text)
        found += [Finding(m, dotted(keys), text[m.start : m.end], locator.offset(m.start, m.end), pos) for m in scan(text, addresses)]
    return found


def comment_findings(source: Source, addresses: list[str]) -> list[Finding]:
    """Matches in the record's YAML comments, as written: comments are committed and published with the record."""
    found = []
    for start, comment in comments(source):
        found += [Finding(m, COMMENT_PATH, comment[m.start : m.end], start + m.start) for m in scan(comment, addresses)]
    return found


def comments(source: Source) -> list[tuple[int, str]]:
    """Every comment of a YAML text, (offset, text as written), from ruamel's round-trip scanner, which knows
    a comment from a # inside a quoted or block scalar."""
    try:
        tokens = list(YAML(typ="rt").scan(source.text))
    except (YAMLError, ValueError, RecursionError):  # the record was read, so this is not expected; screen it whole
        return [(0, source.text)]
    found = {}
    for token in comment_tokens(tokens):
        start = source.line_starts[token.start_mark.line] + token.start_mark.column
        if source.text.startswith(token.value, start):
            found[start] = token.value
    return sorted(found.items())


def comment_tokens(items) -> Iterator[CommentToken]:
    for item in items:
        if isinstance(item, CommentToken):
            yield item
        elif isinstance(item, list):
            yield from comment_tokens(item)
        elif getattr(item, "_comment", None):
            yield from comment_tokens(item._comment)


def station_addresses(record: StationRecord) -> list[str]:
    """The station's own addresses, normalised as the detectors see text; their index is their place in the list."""
    station = record.content.get("station")
    listed = station.get("addresses") if isinstance(station, dict) else None
    if not isinstance(listed, list):
        return []
    return [
        normalised_text(entry["address"].strip()) if isinstance(entry, dict) and isinstance(entry.get("address"), str) else "" for entry in listed
    ]


# --- records: findings, exceptions and messages ----------------------------------------------------------


def privacy_problems(record: StationRecord) -> list[SiteBuilderError]:
    """Errors for personal data in the record, and warnings for what the station address and reviewed exceptions
    let through."""
    if EXCEPTIONS_KEY not in record.content and not may_hold_personal_data(record):
        return []
    source, addresses = Source(record.path, record.text), station_addresses(record)
    found = value_findings(record, source, addresses) + comment_findings(source, addresses)
    exceptions = recorded_exceptions(record)
    usable = [entry for entry in exceptions if not entry.refusal and entry.reviewed]
    refused: list[Finding] = []
    by_address: dict[int, list[Finding]] = {}  # station address index → what it lets through
    for finding in found:
        if finding.match.station_address is not None:
            by_address.setdefault(finding.match.station_address, []).append(finding)
        elif (entry := excusing(usable, finding)) is not None:
            entry.used.append(finding)
        else:
            refused.append(finding)
    lines = MaskedLines(source, found)
    return (
        [refusal(lines, f) for f in refused]
        + [entry.refusal for entry in exceptions if entry.refusal]
        + [exception_warning(record, lines, entry) for entry in usable]
        + [address_warning(record, lines, index, uses) for index, uses in sorted(by_address.items())]
    )


def may_hold_personal_data(record: StationRecord) -> bool:
    """Whether any detector fires anywhere, before the costly scan that places each match in the file.

    The file's text holds numbers as written and every comment; the values hold text as read, after escapes and
    folding, which the file may spell differently. They are screened in one piece, joined by line breaks, since
    no detector matches across a line break.
    """
    return bool(scan("\n".join(chain([record.text], texts(record.content)))))


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


def refusal(lines: MaskedLines, finding: Finding) -> RecordError:
    where = "YAML 注释中" if finding.path == COMMENT_PATH else ""
    path = "" if finding.path == COMMENT_PATH else finding.path
    return RecordError(lines.pos(finding), path, where + what_was_found(finding), FIX_EXAMPLE)


def what_was_found(finding: Finding, published: str = "评估记录会在网站上公开") -> str:
    if finding.rule is TOO_DENSE:
        return (
            f"从这里起，这段文字含有的号码或人名远多于一份报告，无法逐一检查是否含有个人信息。{published}，请删减后再检查（评估原则“保密尊重原则”）。"
        )
    if finding.rule.sensitive:
        return (
            f"疑似敏感个人信息（{finding.match.categories}）：“{finding.masked}”可以识别到具体个人，又写明了其"
            f"{finding.match.categories}情况。{published}，不得含有可识别个人的敏感个人信息（《个人信息保护法》"
            f"第二十八条，评估原则“保密尊重原则”）。"
        )
    return (
        f"疑似{finding.rule.name}“{finding.masked}”。{published}，不得含有服务对象、工作人员等个人的{finding.rule.name}（评估原则“保密尊重原则”）。"
    )


@dataclass
class ExceptionEntry:
    """One privacy_exceptions entry: what it excuses, who reviewed it, and what it was used for."""

    index: int
    match: str
    entry: dict
    refusal: SiteBuilderError | None = None
    used: list[Finding] = field(default_factory=list)

    @property
    def reviewed(self) -> bool:
        """Whether a reviewer signed it; one without a name or a date is reported by the schema, and excuses nothing."""
        return all(isinstance(self.entry.get(key), str) and self.entry[key].strip() for key in ("reviewed_by", "reviewed_on"))


def recorded_exceptions(record: StationRecord) -> list[ExceptionEntry]:
    """The exceptions that name something; one naming an ID number is refused, and it excuses nothing."""
    listed_entries = record.content.get(EXCEPTIONS_KEY)
    if not isinstance(listed_entries, list):
        return []
    found = []
    for index, entry in enumerate(listed_entries):
        if not (isinstance(entry, dict) and isinstance(entry.get("match"), str) and entry["match"].strip()):
            continue
        exception = ExceptionEntry(index, entry["match"], entry, used=[])
        names_an_id = [m for m in scan(exception.match) if m.rule is ID_RULE]
        if names_an_id:
            exception.refusal = id_exception_refusal(record, exception, names_an_id[0])
        found.append(exception)
    return found


def excusing(exceptions: list[ExceptionEntry], finding: Finding) -> ExceptionEntry | None:
    if finding.rule.never_excused:
        return None
    return next((entry for entry in exceptions if same_writing(entry.match, finding.text)), None)


def same_writing(match: str, text: str) -> bool:
    """An exception names what it excuses as written; spaces, hyphens, brackets, full width and invisible
    characters do not count."""
    return compact(match) == compact(text)


def compact(text: str) -> str:
    return re.sub(r"[\s()-]", "", normalised_text(text)).lower()


def masked_match(text: str) -> str:
    """An exception's text as messages show it: masked as its detector masks it, else all but its ends."""
    masked = mask_personal_data(text)
    return masked if masked != text else keep_ends(2, 2 if len(text) > 6 else 0)(text)


def exception_at(record: StationRecord, exception: ExceptionEntry) -> tuple[SourcePos, str]:
    pos = record.at(EXCEPTIONS_KEY, exception.index, "match")
    return replace(pos, line_text=mask_personal_data(pos.line_text)), f"{EXCEPTIONS_KEY}[{exception.index}].match"


def id_exception_refusal(record: StationRecord, exception: ExceptionEntry, match: Match) -> RecordError:
    pos, path = exception_at(record, exception)
    number = ID_RULE.mask(exception.match[match.start : match.end])
    return RecordError(
        pos,
        path,
        f"身份证号码“{number}”不能登记为复核例外：身份证号码一律不得公开，也不能经复核放行。请从记录中删除这个号码，并删除这一项例外。",
        "删除 privacy_exceptions 中的这一项",
    )


def exception_warning(record: StationRecord, lines: MaskedLines, exception: ExceptionEntry) -> RecordWarning:
    pos, path = exception_at(record, exception)
    used, entry = exception.used, exception.entry
    if not used:
        return RecordWarning(pos, path, f"复核例外“{masked_match(exception.match)}”在本记录中没有对应的个人信息，请删除这一项或核对写法。")
    kinds = "、".join(dict.fromkeys(f.rule.name for f in used))
    where = line_list(lines, used)
    return RecordWarning(
        pos,
        path,
        f"按复核例外放行{kinds}“{used[0].masked}”共 {len(used)} 处{where}，"
        f"理由：{entry.get('reason', '未写明')}；复核：{entry.get('reviewed_by')}，{entry.get('reviewed_on')}。"
        "请复核人员确认仍可公开。",
    )


def address_warning(record: StationRecord, lines: MaskedLines, index: int, uses: list[Finding]) -> RecordWarning:
    """A station address down to a room or house is published; a reviewer should see that it is the station's."""
    pos = record.at("station", "addresses", index, "address")
    pos = replace(pos, line_text=lines(pos.line))
    address = record.content["station"]["addresses"][index]["address"]
    return RecordWarning(
        pos,
        f"station.addresses[{index}].address",
        f"站点地址“{mask_personal_data(address)}”具体到房间或门牌，按站点公开地址放行 {len(uses)} 处"
        f"{line_list(lines, uses)}（只放行与这一地址完全相同的写法）。请复核人员确认这是社工站对外公布的办公地址，"
        "而不是居民住址。",
    )


def line_list(lines: MaskedLines, findings: list[Finding]) -> str:
    numbers = [str(lines.source.line_and_col(f.offset)[0]) for f in findings if f.offset is not None]
    return f"（第 {'、'.join(dict.fromkeys(numbers))} 行）" if numbers else ""


# --- rule files and standing text ---------------------------------------------------------------------------

PUBLISHED_AS = {
    ".rules": "规则文件会在网站的规则页面上全文公开（含注释）",
    ".standing.md": "固定说明文字会显示在每份评估报告中",
}


def published_text_problems(path: str, text: str) -> list[SiteBuilderError]:
    """Errors for personal data anywhere in a rule file or a standing text, comments included; nothing excuses it."""
    matches = scan(text)
    if not matches:
        return []
    source = Source(path, text)
    found = [Finding(m, "", text[m.start : m.end], m.start) for m in matches]
    lines = MaskedLines(source, found)
    published = next((why for suffix, why in PUBLISHED_AS.items() if path.endswith(suffix)), "此文件会在网站上公开")
    return [SiteBuilderError(lines.pos(f), what_was_found(f, published), PUBLISHED_FIX_EXAMPLE) for f in found]
