"""A Markdown extension that skips inline parsing for text no inline pattern can match.

Why: Python-Markdown tries each of its inline patterns (emphasis, links, code, entities, raw HTML, …) on every
piece of text, and a report page has hundreds of table cells and paragraphs of plain Chinese. Every one of those
patterns needs one of the characters in TRIGGERS (or two spaces before a line break, or a placeholder of the
HTML stash), so text without them is marked atomic beforehand and comes out exactly as it would have: the
tests compare pages rendered with and without this extension. It makes report pages about a quarter faster.

It also takes text that pages/text.py has already escaped (between ESCAPED_START and ESCAPED_END) whole into the
HTML stash, in one step: Python-Markdown rebuilds the text for every inline match, so a name full of escaped
characters would otherwise cost time growing with the square of its length (issue 13: a 195 KB paste took 41 s).
What is stashed must be escaped text, nothing else: anything with a tag or a bare ampersand is left to the
ordinary inline patterns, so a marker written into a record cannot smuggle markup.
"""

from __future__ import annotations

import re

from markdown import Extension, Markdown
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import STX, AtomicString

ESCAPED_START, ESCAPED_END = "\x0e", "\x0f"  # shift out and in: pages/text.py removes them from any text
# backtick: code; backslash: escapes; [ and !: links, images, references; <: autolinks, e-mail, raw HTML;
# &: entities; * and _: emphasis; STX: a placeholder that the inline step must restore; escaped text to stash.
TRIGGERS = re.compile(rf"[`\\\[<&*_{STX}{ESCAPED_START}]|  \n")
ESCAPED_TEXT = re.compile(rf"{ESCAPED_START}((?:[^<>&\x00-\x1f\x7f]|&#[0-9]{{1,7}};)*){ESCAPED_END}")


def plain(text) -> bool:
    return bool(text) and not isinstance(text, AtomicString) and not TRIGGERS.search(text)


class MarkPlainText(Treeprocessor):
    def run(self, root) -> None:
        for element in root.iter():
            if plain(element.text):
                element.text = AtomicString(element.text)
            if plain(element.tail):
                element.tail = AtomicString(element.tail)


class StashEscapedText(InlineProcessor):
    def handleMatch(self, m, data):  # noqa: N802 (Python-Markdown's name)
        return self.md.htmlStash.store(m.group(1)), m.start(0), m.end(0)


class PlainTextExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # Just before the inline step (priority 20), after every block processor has built the tree.
        md.treeprocessors.register(MarkPlainText(md), "plain_text", 20.5)
        # Before every other inline pattern (backticks are 190), so none of them sees inside escaped text.
        md.inlinePatterns.register(StashEscapedText(ESCAPED_TEXT.pattern, md), "escaped_text", 200)


def makeExtension(**kwargs) -> PlainTextExtension:  # noqa: N802 (the name Markdown looks for)
    return PlainTextExtension(**kwargs)
