"""Narrative text from YAML is Markdown with raw HTML, scripts and links neutralised, in a real build."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from browser import build_site

from site_builder.pages.text import narrative

ROOT = Path(__file__).resolve().parent.parent
SEED = "stations/panyu/shiqiao-dongxi/2024-2025-中期.yaml"
PAYLOADS = ['<script>alert("x")</script>', '<img src=x onerror=alert(1)>', "[点我](javascript:alert(1))",
            '<a href="javascript:alert(1)">链接</a>', "![图](x onerror=alert(1))"]


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
    conclusion = page[page.index("五、结语"):]
    assert "&lt;script&gt;alert" in conclusion
    assert not re.search(r"<script>alert|<img[^>]*onerror|<a [^>]*href=\"javascript:", page)
    assert "onerror=alert(1)&gt;" in conclusion
