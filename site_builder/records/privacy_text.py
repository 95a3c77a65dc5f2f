"""Text as the privacy detectors see it, with a map back to the text as written.

Why: text pasted from Word or WPS, or typed with a Chinese input method, hides digits from a plain pattern:
full-width or other Unicode digits, zero-width characters and soft hyphens between them, non-breaking or thin
spaces and em dashes as separators. So the detectors read a normalised copy (NFKC; invisible format characters
and combining marks removed; every Unicode space a space, every dash '-', every decimal digit ASCII), and what they
find is mapped back to the characters as written, so that errors point at the original line and column.

Most records need no offset map at all: when every change is one character for one (，→, —→-), the copy is a
str.translate of the original, at C speed. Only text with removed or expanded characters pays for the map.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

# Dashes that Unicode does not file under Pd (dash punctuation) but that people type as one.
EXTRA_DASHES = "\u2212\u2043\ufe63\uff0d"
# Characters whose NFKC form is longer but means nothing to a detector; kept as they are so that ordinary
# Chinese text ("……") keeps the one-for-one fast path.
KEPT_AS_WRITTEN = "\u2026\u2025"
INVISIBLE = ("Cf", "Mn", "Me")  # zero-width space/joiners, word joiner, BOM, soft hyphen, bidi controls; combining marks
SPACES = ("Zs", "Zl", "Zp")


@dataclass(frozen=True)
class Normalised:
    """The normalised text; origin[i] is the index in the original of the character normalised text[i] came from
    (None when the two are aligned one for one)."""

    text: str
    origin: list[int] | None = None

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original characters that the normalised text[start:end] came from (end > start)."""
        if self.origin is None:
            return start, end
        return self.origin[start], self.origin[end - 1] + 1


@cache
def normal_form(ch: str) -> str:
    """What one written character becomes for the detectors: usually itself, sometimes nothing or several."""
    if ch in KEPT_AS_WRITTEN:
        return ch
    if unicodedata.category(ch) in INVISIBLE:
        return ""
    return "".join(normal_character(c) for c in unicodedata.normalize("NFKC", ch))


def normal_character(ch: str) -> str:
    category = unicodedata.category(ch)
    if ch == "\t" or category in SPACES:
        return " "
    if category == "Pd" or ch in EXTRA_DASHES:
        return "-"
    if category == "Nd":
        return str(unicodedata.decimal(ch))
    return "" if category in INVISIBLE else ch


def normalise(text: str) -> Normalised:
    changes = {ch: form for ch in set(text) if (form := normal_form(ch)) != ch}
    if not changes:
        return Normalised(text)
    if all(len(form) == 1 for form in changes.values()):
        return Normalised(text.translate({ord(ch): form for ch, form in changes.items()}))  # as str.maketrans builds it
    pieces, origin = [], []
    for index, ch in enumerate(text):
        form = changes.get(ch, ch)
        pieces.append(form)
        origin.extend([index] * len(form))
    return Normalised("".join(pieces), origin)


def normalised_text(text: str) -> str:
    return normalise(text).text
