"""The published 市桥 report says what the official report says, clause by clause and in order (issue 17).

The source is tests/fixtures/seed-report/shiqiao-midterm-report-2025.txt, a verbatim copy of the text dump of the
official .docx (../shared/seed/; CI has no ../shared). Every clause of it (a sentence, a line, a table cell) must appear
verbatim in the page's official text, in the source's order. The page may add only what is listed below: generated
passages (by kind of element, or by exact text) and documented corrections of obvious slips, which the page lists in
its visible 转录说明. The site's own findings come after the official text, under 网站核对与说明, and are not compared.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from site_harness import SEED_RECORD

pytestmark = pytest.mark.slow

SOURCE = Path(__file__).parent / "fixtures" / "seed-report" / "shiqiao-midterm-report-2025.txt"
SITE_SECTION = "网站核对与说明"

# Obvious slips of the source, corrected on the page and listed there in 转录说明: source clause → page clause.
CORRECTIONS = {
    "（―）社工站基本情况": "（一）社工站基本情况",  # a stray dash where 一 belongs; the other headings are （二）…（六）
    "（7）市督导中心反馈": "（七）市督导中心反馈",  # an Arabic numeral among Chinese ones
}

# Elements the site adds inside the official text: reading aids that restate the source's own figures, never prose.
GENERATED_ELEMENTS = (
    ("div", "result-card"),  # 总分 · 等级 · 阶段与日期, restating 四
    ("figure", "chart"),  # charts of the source's own figures
    ("div", "transcription-note"),  # 转录说明, checked below
    ("a", "headerlink"),  # the ¶ after each heading
    ("table", ""),  # tables restating figures of the passage they follow (the score table is the source's own: kept)
    ("caption", ""),  # the score table's caption
    ("span", "score-note"),  # a row's note under its label (由规则计算, the total's rounding)
)
# Text the site adds between the source's clauses, exactly: nothing else may appear.
GENERATED_TEXT = ("番禺区·市桥街东西片社工站的全部评估·规则：广州市社工站购买服务项目评估2024",)  # the links line under the card


def without_space(text: str) -> str:
    """Whitespace is layout, not content: HTML collapses it and the source has stray spaces (“为良好， 60分”)."""
    return re.sub(r"\s+", "", text)


def source_clauses(text: str) -> list[str]:
    """The source cut into clauses: each table cell, and each line cut after 。；！？ (bookmarks dropped)."""
    clauses: list[str] = []
    for line in re.sub(r"\[bookmark: [^\]]*\]", "", text).splitlines():
        cells = line.split("\t") if "\t" in line else [line]
        for cell in cells:
            clauses += [without_space(c) for c in re.split(r"(?<=[。；！？])", cell) if without_space(c)]
    return [CORRECTIONS.get(clause, clause) for clause in clauses]


class OfficialText(HTMLParser):
    """The text a reader sees in the article before 网站核对与说明, generated elements left out; ordered-list items
    carry the number the browser draws before them (1. 2. …)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.inside_article, self.skipping, self.ended = False, [], False
        self.list_counters: list[int] = []
        self.parts: list[str] = []
        self.heading: list[str] | None = None
        self.note: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if tag == "article":
            self.inside_article = True
        if not self.inside_article or self.ended:
            return
        if tag in ("h2",) and attributes.get("id") == SITE_SECTION:
            self.ended = True
            return
        if self.skipping:
            self.skipping[-1][1] += tag == self.skipping[-1][0]
            return
        if any(tag == name and (not cls or cls in classes) for name, cls in GENERATED_ELEMENTS) and not (tag == "table" and self.in_score_table):
            self.skipping.append([tag, 1, "transcription-note" in classes])
            return
        if tag == "div" and "score-table" in classes:
            self.in_score_table = True
        if tag == "ol":
            self.list_counters.append(int(attributes.get("start") or 1))
        if tag == "li" and self.list_counters:
            self.parts.append(f"{self.list_counters[-1]}.")
            self.list_counters[-1] += 1

    in_score_table = False

    def handle_endtag(self, tag):
        if self.ended or not self.inside_article:
            return
        if tag == "article":
            self.ended = True
        if self.skipping:
            if tag == self.skipping[-1][0]:
                self.skipping[-1][1] -= 1
                if self.skipping[-1][1] == 0:
                    self.skipping.pop()
            return
        if tag == "ol" and self.list_counters:
            self.list_counters.pop()
        if tag == "table":
            self.in_score_table = False

    def handle_data(self, data):
        if not self.inside_article or self.ended:
            return
        if self.skipping:
            if any(note for _, _, note in self.skipping):
                self.note.append(data)
            return
        self.parts.append(data)


def official_text(html: str) -> tuple[str, str]:
    """The page's official text (whitespace removed) and its 转录说明's text."""
    parser = OfficialText()
    parser.feed(html)
    return without_space("".join(parser.parts)), without_space("".join(parser.note))


def unmatched(clauses: list[str], text: str) -> tuple[list[str], list[str]]:
    """The clauses not found in order, and the page's text between the found ones (what the site added)."""
    missing, added, at = [], [], 0
    for clause in clauses:
        found = text.find(clause, at)
        if found == -1:
            missing.append(clause)
            continue
        if found > at:
            added.append(text[at:found])
        at = found + len(clause)
    if at < len(text):
        added.append(text[at:])
    return missing, added


@pytest.fixture(scope="module")
def report_html(seed_site) -> str:
    page = seed_site / "reports" / Path(SEED_RECORD).relative_to("stations").with_suffix("") / "index.html"
    return page.read_text(encoding="utf-8")


def test_every_clause_of_the_source_appears_verbatim_and_in_order(report_html):
    text, _ = official_text(report_html)
    missing, _ = unmatched(source_clauses(SOURCE.read_text(encoding="utf-8")), text)
    assert missing == []


def test_the_official_text_adds_only_the_listed_generated_passages(report_html):
    text, _ = official_text(report_html)
    _, added = unmatched(source_clauses(SOURCE.read_text(encoding="utf-8")), text)
    assert [passage for passage in added if passage not in GENERATED_TEXT] == []


def test_each_correction_of_the_source_is_listed_in_the_transcription_note(report_html):
    _, note = official_text(report_html)
    assert "转录说明" in note
    for original, corrected in CORRECTIONS.items():
        assert original in note and corrected in note


def test_the_site_section_comes_after_the_official_text(report_html):
    article = report_html[report_html.index("<article") : report_html.index("</article>")]
    site_section = article.index(f'id="{SITE_SECTION}"')
    assert article.index("五、结语") < site_section
    for finding in ("一票否决核查", "计算过程", "数据来源"):
        assert article.index(finding) > site_section


@pytest.mark.browser
def test_the_site_section_is_left_out_of_print_and_the_official_text_is_not(seed_site, page):
    from urllib.parse import quote

    from site_harness import serve

    address = "/reports/" + quote(Path(SEED_RECORD).relative_to("stations").with_suffix("").as_posix()) + "/"
    with serve(seed_site) as url:
        page.goto(url + address)
        page.emulate_media(media="print")
        hidden = page.evaluate(
            """id => [document.getElementById(id), ...document.querySelectorAll(`h2[id="${id}"] ~ *`)]
                .map(e => getComputedStyle(e).display)""",
            SITE_SECTION,
        )
        assert len(hidden) > 3 and set(hidden) == {"none"}
        assert page.locator("text=评估结果由四方评估分数的总和确定").is_visible()
        assert page.locator(".transcription-note").is_visible()
