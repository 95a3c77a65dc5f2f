"""Narrative text from YAML is Markdown with raw HTML, scripts and links neutralised, in a real build."""

from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path

from site_harness import build_site

from site_builder.pages.text import narrative

ROOT = Path(__file__).resolve().parent.parent
SEED = "stations/panyu/shiqiao-dongxi/2024-2025-中期.yaml"
PAYLOADS = ['<script>alert("x")</script>', '<img src=x onerror=alert(1)>', "[点我](javascript:alert(1))",
            '<a href="javascript:alert(1)">链接</a>', "![图](x onerror=alert(1))",
            # from the OWASP XSS filter evasion cheat sheet
            "<IMG SRC=JaVaScRiPt:alert('XSS')>", "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
            '<<SCRIPT>alert("XSS");//\\<</SCRIPT>', "<BODY ONLOAD=alert('XSS')>", '<svg/onload=alert("XSS")>',
            '<svg><script>alert(1)</script></svg>', "<iframe src=javascript:alert('XSS')></iframe>",
            "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert('XSS')>",
            "<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=javascript:alert('XSS');\">",
            "[a](&#x6A;avascript:alert(1))", "<details open ontoggle=alert(1)>", "<style>@import'http://x/x.css';</style>"]


class Tags(HTMLParser):
    """The real elements of a piece of HTML, with their attributes (escaped text is not an element)."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))


def test_narrative_escapes_html_and_link_syntax():
    text = narrative("**重点** <b onmouseover=x>粗</b> [a](javascript:b)")
    assert "<b" not in text and "&lt;b onmouseover=x&gt;" in text
    assert "\\[a\\](javascript:b)" in text
    assert text.startswith("**重点**")  # ordinary Markdown emphasis still works


def test_hostile_narrative_is_inert_in_the_built_page(tmp_path):
    shutil.copytree(ROOT / "stations", tmp_path / "stations")
    seed = tmp_path / SEED
    text = seed.read_text(encoding="utf-8")
    hostile = " ".join(PAYLOADS)
    text = text.replace("  conclusion: |-\n", f"  conclusion: |-\n    {hostile}\n\n", 1)
    seed.write_text(text, encoding="utf-8")
    site = build_site(tmp_path)
    page = (site / "reports/panyu/shiqiao-dongxi/2024-2025-中期/index.html").read_text(encoding="utf-8")
    start = page.index('<h2 id="五结语"')
    conclusion = page[start:page.index('<div class="admonition', start)]  # the narrative alone, no theme icons
    assert "&lt;script&gt;alert" in conclusion
    tags = Tags()
    tags.feed(conclusion)
    assert {tag for tag, _ in tags.found} <= {"h2", "a", "p", "em", "strong", "code"}
    assert not [(tag, name) for tag, attrs in tags.found for name, value in attrs
                if name.startswith("on") or "script:" in (value or "").lower()]
    assert "onerror=alert(1)&gt;" in conclusion
