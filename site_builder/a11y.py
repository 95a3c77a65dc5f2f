"""Accessibility fixes to the theme's HTML that CSS cannot make, applied to every written page.

Checked by axe-core in tests/test_accessibility.py; docs/print.md lists what is checked and how.
"""

from __future__ import annotations

# Material gives its search overlay role="dialog" without a name: a screen reader announces only "dialog".
_SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'
_NAMED_SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog" aria-label="搜索">'


def fix_html(html: str) -> str:
    return html.replace(_SEARCH_DIALOG, _NAMED_SEARCH_DIALOG, 1)
