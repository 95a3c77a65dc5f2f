"""Safe text for pages: YAML narrative is Markdown, but raw HTML, scripts and links are neutralised."""

from __future__ import annotations

import html
import re
from decimal import Decimal

# Markdown's own link and image syntax could carry javascript: URLs; narrative text needs neither.
_LINK_BRACKETS = re.compile(r"([\[\]])")


def narrative(text: str | None) -> str:
    """YAML narrative → Markdown that renders emphasis, lists and paragraphs, and nothing executable.

    HTML special characters become entities (so <script> and onerror= show as text), and square
    brackets are escaped (so no link or image can be formed).
    """
    if not text:
        return ""
    escaped = html.escape(text, quote=False)
    return _LINK_BRACKETS.sub(r"\\\1", escaped)


def cell(text) -> str:
    """A value for a Markdown table cell: escaped, with pipes and line breaks neutralised."""
    return narrative(str(text)).replace("|", "\\|").replace("\n", " ")


def attr(text) -> str:
    """A value for an HTML attribute or element we write ourselves."""
    return html.escape(str(text), quote=True)


def number(value) -> str:
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


def numbered(items: list[str]) -> str:
    """（1）（2）… paragraphs, as the official report numbers its findings."""
    return "\n\n".join(f"（{index}）{narrative(item)}" for index, item in enumerate(items, 1))


def chinese_date(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{int(year)}年{int(month)}月{int(day)}日"

