"""Source positions and the project's errors: one class per kind of mistake, collected and reported together.

Every message a user sees has the shape fixed here: where (file:line:col), how serious, what is wrong, the line with a
caret under the mistake, and an example of the fix, in Chinese. The wording of each message lives beside the check
that finds the mistake (the parser, the checks, the record readers), always through these classes, so that one run
reports every mistake in that shape and no input ever shows a traceback.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class SourcePos:
    """Where something stands in a source file; lines and columns count from 1."""

    file: str
    line: int
    col: int
    end_line: int | None = None
    end_col: int | None = None
    line_text: str = field(default="", compare=False, repr=False)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


def display_width(text: str) -> int:
    """Terminal columns taken by text: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def caret_lines(pos: SourcePos) -> list[str]:
    """The offending source line and a caret underline beneath the offending part."""
    if not pos.line_text:
        return []
    # A CRLF file's \r would send the cursor back to the line start; other controls (an ESC from a record) would
    # drive the terminal or the CI log, so each is shown as one replacement character and the caret stays aligned.
    text = UNPRINTABLE.sub("\ufffd", pos.line_text.rstrip("\r\n"))
    start = max(pos.col - 1, 0)
    end_col = pos.end_col if pos.end_line in (None, pos.line) else None
    end = (end_col - 1) if end_col and end_col > pos.col else start + 1
    end = min(max(end, start + 1), max(len(text), start + 1))
    text, start, end = window(text, start, end)
    gutter = f"{pos.line:>5} | "
    pad = " " * display_width(text[:start].replace("\t", " "))
    marks = "^" * max(display_width(text[start:end]), 1)
    return [gutter + text, " " * (len(gutter) - 2) + "| " + pad + marks]


SHOWN_AROUND = 60  # characters of context either side of the mistake on very long lines


def window(text: str, start: int, end: int) -> tuple[str, int, int]:
    """Cut a very long line down to the part around the mistake, marking the cuts with …."""
    end = min(end, start + SHOWN_AROUND)
    left, right = max(start - SHOWN_AROUND, 0), min(end + SHOWN_AROUND, len(text))
    prefix, suffix = ("…" if left else ""), ("…" if right < len(text) else "")
    shift = left - len(prefix)
    return prefix + text[left:right] + suffix, start - shift, end - shift


class SiteBuilderError(Exception):
    """Base of every error that bad input can cause; never shown as a traceback."""

    severity = "错误"

    def __init__(self, pos: SourcePos | None, message: str, example: str | None = None):
        super().__init__(message)
        self.pos = pos
        self.message = message
        self.example = example

    def format(self) -> str:
        where = f"{self.pos}: " if self.pos else ""
        lines = [f"{where}{self.severity}：{self.message}"]
        if self.pos:
            lines += caret_lines(self.pos)
        if self.example:
            lines.append(f"  示例：{self.example}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format()


class Problems(SiteBuilderError):
    """Several errors found in one run, raised together so that the user sees them all at once."""

    def __init__(self, errors: Sequence[SiteBuilderError]):
        self.errors = sorted(errors, key=sort_key)
        super().__init__(None, f"共发现 {error_count(self.errors)} 处错误。")

    def format(self) -> str:
        return "\n\n".join(e.format() for e in self.errors) + f"\n\n{self.message}"


def sort_key(error: SiteBuilderError) -> tuple:
    pos = error.pos
    return (pos.file, pos.line, pos.col) if pos else ("", 0, 0)


# Past a few dozen, more messages about one file help nobody: thousands of them (6,000 undeclared sub-districts)
# took minutes to print and hundreds of MB of CI log. Every list of errors or warnings shown to people is capped here.
MAX_LISTED_PER_FILE = 50


class Unlisted(SiteBuilderError):
    """Stands for the problems of one file beyond MAX_LISTED_PER_FILE, so that the count stays honest."""

    def __init__(self, first: SiteBuilderError, count: int):
        kind = "条警告" if first.severity == "警告" else "处错误"
        super().__init__(replace(first.pos, line_text="") if first.pos else None, f"另有 {count} {kind}未列出：请先改正上面列出的，再运行一次检查。")
        self.severity, self.count = first.severity, count

    def format(self) -> str:
        return f"{self.pos.file}: {self.message}" if self.pos else self.message


def capped_per_file(problems: list[SiteBuilderError]) -> list[SiteBuilderError]:
    """The first MAX_LISTED_PER_FILE problems of each file in position order, then one Unlisted for the rest."""
    listed: list[SiteBuilderError] = []
    unlisted: dict[str, list[SiteBuilderError]] = {}
    seen: dict[str, int] = {}
    for problem in sorted(problems, key=sort_key):
        file = problem.pos.file if problem.pos else ""
        seen[file] = seen.get(file, 0) + 1
        if seen[file] <= MAX_LISTED_PER_FILE:
            listed.append(problem)
        else:
            unlisted.setdefault(file, []).append(problem)
    listed += [Unlisted(rest[0], sum(map(problem_count, rest))) for rest in unlisted.values()]
    return sorted(listed, key=sort_key)


def problem_count(problem: SiteBuilderError) -> int:
    return problem.count if isinstance(problem, Unlisted) else 1


def error_count(problems: list[SiteBuilderError]) -> int:
    """How many problems a capped list stands for, the unlisted included."""
    return sum(map(problem_count, problems))


def raise_if_any(errors: Sequence[SiteBuilderError]) -> None:
    if errors:
        raise Problems(errors)


MAX_HINT_CANDIDATES = 500


def did_you_mean(name: str, candidates) -> str:
    """A Chinese 'did you mean' hint naming the closest known names, or nothing."""
    import difflib

    candidates = list(candidates)
    if len(candidates) > MAX_HINT_CANDIDATES:  # each comparison costs; thousands of names per error would take minutes
        return ""
    close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.4)
    if not close:
        return ""
    return "你是不是想写" + "、".join(f"“{c}”" for c in close) + "？"


# --- Rule files -------------------------------------------------------------------------------------


class RuleSyntaxError(SiteBuilderError):
    pass


class UndefinedName(SiteBuilderError):
    def __init__(self, pos, name, known, kind="名称", example=None):
        hint = did_you_mean(name, known)
        super().__init__(pos, f"未定义的{kind}“{name}”。{hint}".rstrip(), example)


class DuplicateName(SiteBuilderError):
    def __init__(self, pos, name, first: SourcePos):
        super().__init__(pos, f"名称“{name}”重复定义，第一次定义在第 {first.line} 行。每个名称只能定义一次。")


class RuleTypeError(SiteBuilderError):
    pass


class WeightError(SiteBuilderError):
    pass


class BandError(SiteBuilderError):
    pass


class CycleError(SiteBuilderError):
    pass


class StageError(SiteBuilderError):
    pass


class HeaderError(SiteBuilderError):
    pass


class RuleWarning(SiteBuilderError):
    """A rule that checks but is very likely not what was meant; listed with the warnings, does not stop publishing."""

    severity = "警告"


class EvaluationError(SiteBuilderError):
    """A computation that cannot be carried out, such as a division by zero in the data: at the rule statement whose
    computation failed; facts names the facts it read, where a record shows the error (records/project.py)."""

    def __init__(self, pos, message: str, example: str | None = None, facts: tuple[str, ...] = ()):
        super().__init__(pos, message, example)
        self.facts = facts


# --- Station records --------------------------------------------------------------------------------


class RecordError(SiteBuilderError):
    """A mistake in a station record; the message starts with the path inside the record."""

    def __init__(self, pos, path: str, message: str, example: str | None = None):
        prefix = f"{path}：" if path else ""
        super().__init__(pos, prefix + message, example)
        self.path = path


class RecordWarning(RecordError):
    severity = "警告"
