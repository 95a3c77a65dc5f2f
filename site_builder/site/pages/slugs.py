"""Heading ids for the table of contents that no text from a record can turn into an id the theme relies on."""

from __future__ import annotations

from pymdownx.slugs import slugify as pymdownx_slugify

_LOWER_CASE = pymdownx_slugify(case="lower")


def slugify(text: str, separator: str) -> str:
    """pymdownx's slug (Chinese kept, lower case), moved out of the theme's namespace: Material's own elements have
    ids starting with '__' (#__config holds its settings), and a heading '### __config' must not take one."""
    slug = _LOWER_CASE(text, separator)
    return "h" + slug if slug.startswith("_") else slug
