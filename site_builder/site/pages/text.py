"""Text from records and rule files, made safe for the place it lands in a page; the only way such text enters a page.

Pages are Markdown that MkDocs turns into HTML, so text from a pull request must not be read as Markdown or HTML:

- escaped() is for every short text (names, labels, cells): every character that is syntax where it stands becomes a
  numeric character reference, so no emphasis, link, tag, table pipe, heading or admonition can form, whatever the
  text holds; the browser shows the characters as written. It is for raw HTML (element text, attribute values, SVG).
- inline() is escaped() marked for the Markdown extension escaped_text.py, which stashes it whole: for the page's
  Markdown (headings, table cells, link text, paragraphs).
- narrative() is for free text (report narratives, standing text): the narrative dialect (site_builder/narrative.py)
  rendered to sanitised HTML, passed through Markdown as one raw HTML block.
- code() and link() are inline() inside our own <code> and our own Markdown link; href() percent-encodes an address.

Escaping by pattern (a backslash before '[') was bypassed by a backslash in the text (issue 12); encoding the
characters themselves leaves nothing for the parser to read.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from urllib.parse import quote

from ...records import narrative as dialect
from ..escaped_text import ESCAPED_END, ESCAPED_START

# Characters that Python-Markdown, its extensions or HTML read as syntax wherever they stand (quotes: attributes).
_SYNTAX = re.compile(r"""[`\\\[\]<>&*_|!{}~#"']""")
# What is syntax only at the start of a line (a list, heading, quote, setext or admonition marker): one line of
# inline() text may be put at the start of a Markdown line, so its first character is encoded too.
_LINE_START = re.compile(r"^(?:[0-9]+[.)](?=\s|$)|[!-/:-@\[-`{-~])")
# C0 and C1 controls (the Markdown stash's STX/ETX among them) and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def _reference(character: str) -> str:
    return f"&#{ord(character)};"


def inline(text) -> str:
    """Any short text, for an inline place of the page's Markdown (a heading, table cell, link text, paragraph)."""
    return ESCAPED_START + escaped(text) + ESCAPED_END


def escaped(text) -> str:
    """Any short text, for raw HTML (element text, attribute value, SVG) or for Markdown read elsewhere (a pull
    request comment): one line, with every character that could be syntax there written as a character reference."""
    flat = " ".join(_CONTROL.sub(" ", str(text)).split())
    start = _LINE_START.match(flat)
    cut = start.end() if start else 0
    head = flat[: cut - 1] + _reference(flat[cut - 1]) if start else ""
    return head + _SYNTAX.sub(lambda found: _reference(found.group()), flat[cut:])


def code(text) -> str:
    return f"<code>{inline(text)}</code>"


def href(target: str) -> str:
    """A path or URL we built, percent-encoded so that it cannot end a Markdown link or an attribute."""
    return quote(target, safe=":/#?=&%~+-._")


def link(label: str, target: str) -> str:
    """A Markdown link whose label is already inline()-safe."""
    return f"[{label}]({href(target)})"


def narrative(text: str | None, lead: str = "") -> str:
    """Free text as one raw HTML block (put it on lines of its own); lead is our own text before the first words."""
    inner = narrative_html(text, lead)
    return f'<div class="narrative">{inner}</div>' if inner else ""


def narrative_html(text: str | None, lead: str = "") -> str:
    """Free text as sanitised HTML on one line (a raw HTML block must not contain a blank line)."""
    if not text and not lead:
        return ""
    return dialect.to_html(text or "", lead).replace("\n", "")


def standing(template: str, values: dict[str, str]) -> str:
    """A rule set's standing text with this record's values in its {名称} placeholders, read as written."""
    return _SLOT.sub(lambda slot: escaped(values.get(slot.group(1), "")), _standing_with_slots(template, tuple(values)))


# A placeholder's place in the rendered standing text: private-use characters, which no parser or sanitiser touches.
_SLOT = re.compile("\ue000([^\ue000\ue001]*)\ue001")


@lru_cache(maxsize=32)
def _standing_with_slots(template: str, names: tuple[str, ...]) -> str:
    """The standing text rendered once per rule set, not once per report: its headings stay Markdown headings (for
    the table of contents), at level 3 or deeper; everything between them is narrative."""
    body = dialect.fill_placeholders(dialect.without_comments(template), {name: f"\ue000{name}\ue001" for name in names})
    parts: list[str] = []
    for heading_level, heading, chunk in dialect.sections(body):
        if heading:
            parts.append(f"{'#' * max(heading_level, 3)} {inline(heading)}")
        parts.append(narrative(chunk))
    return "\n\n".join(part for part in parts if part)


def number(value) -> str:
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


def numbered(items: list[str]) -> str:
    """（1）（2）… paragraphs, as the official report numbers its findings; a single finding it leaves unnumbered."""
    if len(items) == 1:
        return narrative(items[0])
    return "\n\n".join(narrative(item, lead=f"（{index}）") for index, item in enumerate(items, 1))


def chinese_date(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{int(year)}年{int(month)}月{int(day)}日"
