"""The narrative dialect: what the free text of a record or a rule set's standing text may contain, and its safe HTML.

Why a dialect of our own choosing rather than the site's Markdown: narratives arrive by pull request from people
outside the project, and Python-Markdown with the site's extensions can make headings, admonitions, links, raw HTML,
attribute lists and element ids out of them (issue 12). So narratives are parsed by markdown-it-py (CommonMark,
linear in the length of the text) with only paragraphs, lists, emphasis, backslash escapes and hard line breaks
switched on; everything else ('# 标题', '!!! danger', '[链接](…)', '<script>') stays the text it was written as.
ammonia (nh3) then keeps only the handful of elements this dialect can produce, as a last pass.

Lists may nest, but not without end: deeper than MAX_LIST_DEPTH is a check error (records.py), so the renderer never
meets text it would have to cut short.
"""

from __future__ import annotations

import re
from functools import cache
from html import escape as html_escape

import nh3
from markdown_it import MarkdownIt

MAX_LIST_DEPTH = 4
TOO_DEEP = (
    f"列表嵌套超过 {MAX_LIST_DEPTH} 层。叙述文字只能有段落、列表（最多嵌套 {MAX_LIST_DEPTH} 层）和加粗；请把更深的层次改写成段落或上一层的列表项。"
)
TOO_DEEP_EXAMPLE = "- 听取介绍：由社工站负责人介绍运营情况（把下一层并入这一层的文字）"
ALLOWED_TAGS = {"p", "ul", "ol", "li", "strong", "em", "br"}
ALLOWED_ATTRIBUTES = {"ol": {"start"}}
# A list level costs markdown-it two nesting levels (the list and its item) and a paragraph one more.
_NESTING_LIMIT = 2 * MAX_LIST_DEPTH + 2
# Only text that has a line starting with a list marker can nest; the rest need not be parsed to be measured.
_LIST_LINE = re.compile(r"^[ \t]*(?:[-*+]|[0-9]{1,9}[.)])(?:[ \t]|$)", re.M)


@cache
def _parser(nesting_limit: int) -> MarkdownIt:
    return MarkdownIt("zero", {"maxNesting": nesting_limit}).enable(["list", "emphasis", "escape", "newline"])


def too_deep_at(text: str) -> int | None:
    """The line (from 0) where a list opens deeper than MAX_LIST_DEPTH, or None when none does."""
    return next((line for depth, line in _list_openings(text) if depth > MAX_LIST_DEPTH), None)


def _list_openings(text: str):
    """(depth, line) of every list that opens; only text with a line starting like a list item is parsed."""
    if not _LIST_LINE.search(text):
        return
    depth = 0
    # One level deeper than allowed is enough to tell; markdown-it stops nesting at its limit, so this stays bounded.
    for token in _parser(_NESTING_LIMIT + 2).parse(text):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
            yield depth, token.map[0] if token.map else 0
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1


def tokens(text: str) -> list:
    """The markdown-it tokens of a narrative, for a reader other than the HTML renderer (the Word export)."""
    return _parser(_NESTING_LIMIT).parse(text)


# What only the parser can read: emphasis, escapes, characters to escape, tabs and controls, a line starting like a
# list item, and whitespace at either end of a line (indentation, hard breaks, lines that look empty).
_NEEDS_PARSER = re.compile(r"[*_\\&<>\"\x00-\x09\x0b-\x1f\x7f]|^(?:[-+]|[0-9]{1,9}[.)])|^[^\S\n]|[^\S\n]$", re.M)


def to_html(text: str, lead: str = "") -> str:
    """A narrative as safe HTML: paragraphs, lists, emphasis and line breaks, nothing else.

    lead is our own text (a number such as （1）, or a label) put at the start of the first paragraph.
    """
    html = plain_paragraphs(text) if not _NEEDS_PARSER.search(text) else _parser(_NESTING_LIMIT).render(text).strip()
    if lead:
        lead = html_escape(lead, quote=False)
        html = html.replace("<p>", f"<p>{lead}", 1) if html.startswith("<p>") else f"<p>{lead}</p>{html}"
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=set(), link_rel=None, strip_comments=True)


def plain_paragraphs(text: str) -> str:
    """What markdown-it makes of text with nothing for it to read (most narratives): its paragraphs, about five times
    faster. Every report page's Markdown is made on every build, cached or not, so this is paid 10,000 times."""
    paragraphs = re.split(r"\n(?:[ \t]*\n)+", text.strip("\n"))
    return "\n".join(f"<p>{paragraph}</p>" for paragraph in paragraphs if paragraph)


_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t#]*$")


def sections(text: str) -> list[tuple[int, str, str]]:
    """Standing text cut at its ATX headings: (heading level, heading text, the text up to the next heading).
    The first section has level 0 and no heading when the text does not start with one."""
    found: list[tuple[int, str, list[str]]] = [(0, "", [])]
    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading:
            found.append((len(heading.group(1)), heading.group(2), []))
        else:
            found[-1][2].append(line)
    return [(level, heading, "\n".join(lines).strip()) for level, heading, lines in found if heading or "".join(lines).strip()]


def without_comments(text: str) -> str:
    """Text with its <!-- … --> notes to the authors left out (scanned once, so an unclosed one costs no more)."""
    kept, at = [], 0
    while (start := text.find("<!--", at)) != -1:
        kept.append(text[at:start])
        end = text.find("-->", start + 4)
        at = len(text) if end == -1 else end + 3
    kept.append(text[at:])
    return "".join(kept)


def fill_placeholders(text: str, values: dict[str, str]) -> str:
    """{名称} replaced by its value; names not in values stay as written."""
    if not values:
        return text
    names = re.compile(r"\{(" + "|".join(re.escape(name) for name in values) + r")\}")
    return names.sub(lambda found: values[found.group(1)], text)
