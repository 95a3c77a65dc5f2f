"""A Markdown extension that takes text already escaped by pages/text.py whole into the HTML stash, in one step.

Why: Python-Markdown rebuilds the text at every inline match, and escaped text is full of character references, so
a long name full of '<' cost time growing with the square of its length (issue 13: a 195 KB paste took 41 s).
What is stashed must be escaped text and nothing else: text with a tag, a bare ampersand or a control character is
left to the ordinary inline patterns, so markers written into a record could not smuggle markup even if they got
past pages/text.py (which removes them).
"""

from __future__ import annotations

import re

from markdown import Extension, Markdown
from markdown.inlinepatterns import InlineProcessor

ESCAPED_START, ESCAPED_END = "\x0e", "\x0f"  # shift out and shift in: not whitespace, so no .strip() drops them
ESCAPED_TEXT = re.compile(rf"{ESCAPED_START}((?:[^<>&\x00-\x1f\x7f]|&#[0-9]{{1,7}};)*){ESCAPED_END}")


class StashEscapedText(InlineProcessor):
    def handleMatch(self, m, data):  # noqa: N802 (Python-Markdown's name)
        return self.md.htmlStash.store(m.group(1)), m.start(0), m.end(0)


class EscapedTextExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # Before every other inline pattern (backticks are 190), so none of them sees inside escaped text.
        md.inlinePatterns.register(StashEscapedText(ESCAPED_TEXT.pattern, md), "escaped_text", 200)


def makeExtension(**kwargs) -> EscapedTextExtension:  # noqa: N802 (the name Markdown looks for)
    return EscapedTextExtension(**kwargs)
