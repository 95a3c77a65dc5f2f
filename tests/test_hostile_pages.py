"""A site built from hostile records and rule files: every payload of the corpus, in every free-text field, is inert.

The record is the seed with HTML_PAYLOADS written into each string field the schema leaves free (no pattern, enum or
format); the rule file gets them in its title, version, labels, document titles and citations, and the standing text
in its prose. `site-builder check` accepts all of it (it is text, not an error), so the build publishes it: what is
tested is that it comes out as the text it was.
"""

from __future__ import annotations

import html
import re
import shutil
import time
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
from hostile_corpus import HTML_PAYLOADS
from hypothesis import given, settings
from hypothesis import strategies as st
from playwright.sync_api import expect
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString
from site_harness import ARTIFACTS, SEED_REPO, Watch, build_site, serve

from site_builder.records import narrative as narrative_dialect
from site_builder.records.narrative import too_deep_at
from site_builder.records.project import load_project
from site_builder.records.record import schema_node
from site_builder.site.escaped_text import ESCAPED_TEXT
from site_builder.site.pages.text import escaped, inline, narrative

SEED = "stations/panyu/shiqiao-dongxi/2024-2025-中期.yaml"
RULES = "rules/guangzhou/sgz-2024.rules"
STANDING = "rules/guangzhou/sgz-2024.standing.md"
REPORT = "reports/panyu/shiqiao-dongxi/2024-2025-中期/index.html"
PAGES = [
    REPORT,
    "stations/shiqiao-dongxi/index.html",
    "districts/panyu/index.html",
    "rules/guangzhou/sgz-2024/index.html",
    "reports/index.html",
    "index.html",
    "districts/index.html",
    "rules/index.html",
    "data/index.html",
]
SAFE_SCHEMES = ("http:", "https:", "mailto:")
# Free text by the schema, but each must name something else (a sub-district, a rule set and its stage, a grade).
REFERENCES = {"id", "stage", "version", "grade", "sub_district"}


# --- the escapers themselves ------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", HTML_PAYLOADS)
def test_escaped_text_has_no_syntax_left_and_reads_as_written(payload):
    text = escaped(payload)
    assert not set(re.sub("&#[0-9]+;", "", text)) & set("<>&\"'`[]\\|*_!#{}~")
    assert html.unescape(text) == " ".join(payload.split())


@pytest.mark.parametrize("payload", HTML_PAYLOADS)
def test_narrative_is_paragraphs_lists_and_emphasis_only(payload):
    elements = Elements()
    elements.feed(narrative(f"{payload}\n\n{payload}\n\n1. {payload}\n   - {payload}"))
    assert {tag for tag, _ in elements.found} <= {"div", "p", "ol", "ul", "li", "strong", "em", "br"}
    assert [attrs for tag, attrs in elements.found if attrs] == [[("class", "narrative")]]


def test_control_characters_and_markdown_placeholders_do_not_survive_escaping():
    assert escaped("a\x02wzxhzdk:0\x03b\u2028c\nd\x0ee\x0f") == "a wzxhzdk:0 b c d e"


def markdown_html(text: str) -> str:
    return markdown.markdown(text, extensions=["tables", "toc", "admonition", "site_builder.site.escaped_text", "site_builder.site.plain_text"])


def test_only_escaped_text_is_stashed_whole():
    assert markdown_html(inline("<b>粗</b> & [链](javascript:x)")) == "<p>&#60;b&#62;粗&#60;/b&#62; &#38; &#91;链&#93;(javascript:x)</p>"
    for forged in ("\x0e<b>粗</b>\x0f", "\x0e&amp\x0f", "\x0e\x02wzxhzdk:0\x03\x0f"):
        assert not ESCAPED_TEXT.search(forged)


def test_escaped_text_costs_time_in_proportion_to_its_length():
    started = time.monotonic()  # before the escaped text was stashed whole, this took hours
    markdown_html("| 名称 |\n|---|\n| " + inline("<&>*_[" * 40_000) + " |\n")
    assert time.monotonic() - started < 20


def test_lists_nested_past_the_limit_are_found_at_their_line_in_bounded_work():
    assert too_deep_at("1. 一\n   - 二\n     - 三\n       - 四") is None
    assert too_deep_at("段落。\n\n1. 一\n   - 二\n     - 三\n       - 四\n         - 五") == 6
    assert too_deep_at("- " * 5000 + "x") == 0  # one line of nested markers
    assert too_deep_at("没有列表的段落。\n\n第二段。") is None


# --- a real build from hostile data -----------------------------------------------------------------------


class Elements(HTMLParser):
    """Every real element of a page with its attributes; text that only looks like markup is not an element."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, list]] = []
        self.script_texts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script_texts.append(data)


def free_text_fields(node, keys: tuple = ()):
    """(parent, key, keys) of every string the record schema leaves free: no pattern, enum, format or const."""
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in children:
        path = keys + (key,)
        if isinstance(value, str) and key not in REFERENCES:
            schema = schema_node(path)
            if schema.get("type", "string") == "string" and not {"pattern", "enum", "format", "const"} & set(schema):
                yield node, key, schema
        else:
            yield from free_text_fields(value, path)


def hostile_value(original: str, schema: dict, index: int) -> str:
    """The original text with payloads added: all of them in a long field, one in turn where a length is set."""
    limit = schema.get("maxLength")
    if limit is None:
        return LiteralScalarString(original + "\n\n" + "\n\n".join(HTML_PAYLOADS))
    fitting = [p for p in HTML_PAYLOADS if len(original) + len(p) <= limit] or [p[:limit] for p in HTML_PAYLOADS]
    return original + fitting[index % len(fitting)] if len(original) + len(fitting[0]) <= limit else fitting[index % len(fitting)]


def write_hostile_record(path: Path, rules_version: str) -> int:
    yaml = YAML()
    yaml.width = 4096
    record = yaml.load(path.read_text(encoding="utf-8"))
    record["evaluation"]["rules"]["version"] = rules_version
    fields = list(free_text_fields(record))
    for index, (parent, key, schema) in enumerate(fields):
        parent[key] = hostile_value(parent[key], schema, index)
    with path.open("w", encoding="utf-8") as out:
        yaml.dump(record, out)
    return len(fields)


def write_hostile_rules(rules: Path, standing: Path) -> str:
    """Payloads in the rule file's title, version, a party's label, a document's title and a citation; returns the
    new version, which the record must name."""
    label = HTML_PAYLOADS[0]
    text = rules.read_text(encoding="utf-8")
    for quoted in ("“广州市社工站购买服务项目评估”", "“2024”", "“市督导中心”", "“《广州市社工站购买服务项目评估办法》”"):
        text = text.replace(quoted, quoted[:-1] + label.replace("“", "").replace("”", "") + "”")
    text = text.replace("【指标体系 服务质量】", "【指标体系 服务质量<script>alert('citation')</script>】")
    rules.write_text(text, encoding="utf-8")
    standing.write_text(standing.read_text(encoding="utf-8") + "\n\n" + "\n\n".join(HTML_PAYLOADS) + "\n", encoding="utf-8")
    return "2024" + label


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    repo = tmp_path_factory.mktemp("hostile")
    for folder in ("rules", "stations"):
        shutil.copytree(SEED_REPO / folder, repo / folder)
    fields = write_hostile_record(repo / SEED, write_hostile_rules(repo / RULES, repo / STANDING))
    project = load_project(repo)
    assert not project.errors, "\n".join(e.format() for e in project.errors)
    assert fields >= 30  # names, addresses, communities, operators, indicators, every narrative, feedback …
    return build_site(repo)


@pytest.mark.slow
def test_the_hostile_record_and_rules_reach_the_pages(hostile_site):
    report = (hostile_site / REPORT).read_text(encoding="utf-8")
    for text in ("alert(&#39;title&#39;)", "alert(&#39;citation&#39;)", "假标题", "javascript:alert(document.domain)"):
        assert text in report or html.escape(text) in report, text  # shown, as text


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_no_payload_becomes_markup_on(hostile_site, page):
    text = (hostile_site / page).read_text(encoding="utf-8")
    assert "\x0e" not in text and "\x0f" not in text  # every escaped text was taken whole
    elements = Elements()
    elements.feed(text)
    attributes = [(tag, name, value or "") for tag, attrs in elements.found for name, value in attrs]
    assert not [a for a in attributes if a[1].startswith("on")]
    links = [value.strip().lower() for tag, name, value in attributes if name in ("href", "src", "action", "formaction")]
    assert not [link for link in links if ":" in link.split("/")[0] and not link.startswith(SAFE_SCHEMES)]
    assert not [tag for tag, _ in elements.found if tag in ("iframe", "img", "style", "object", "embed")]
    assert not [text for text in elements.script_texts if "alert(" in text]
    assert [tag for tag, _ in elements.found].count("h1") <= 1
    assert not [a for a in attributes if a[1] == "id" and a[2].startswith("__") and a[0] not in ("script", "input", "div", "label", "form", "nav")]
    assert not [a for a in attributes if a[1] == "class" and "danger" in a[2].split()]


@pytest.mark.slow
def test_titles_carry_the_payload_as_text(hostile_site):
    report = (hostile_site / REPORT).read_text(encoding="utf-8")
    title = report[report.index("<title>") + 7 : report.index("</title>")]
    assert "<" not in title and "&lt;/title&gt;&lt;script&gt;" in title


@pytest.mark.browser
@pytest.mark.slow
def test_hostile_pages_run_no_script_in_chromium(hostile_site, page):
    watch = Watch(page)
    with serve(hostile_site) as base:
        for path in PAGES:
            page.goto(f"{base}/{path.removesuffix('index.html')}")
            page.wait_for_load_state("networkidle")
            assert page.evaluate("document.querySelector('#__config').tagName") == "SCRIPT"
            hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
            assert all(h.startswith((base, "http://127.0.0.1", "https://")) or h.startswith("mailto:") for h in hrefs), hrefs
        page.goto(f"{base}/{REPORT.removesuffix('index.html')}")
        assert "</title><script>alert('title')</script>" in page.title()
        page.screenshot(path=str(ARTIFACTS / "hostile-report.png"), full_page=False)
    assert watch.problems == []


# The snippet's own elements: the section it was found in, and the query marked.
SNIPPET_ELEMENTS = "s => Array.from(s.querySelectorAll('*'), e => e.tagName.toLowerCase() + '.' + e.className)"


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize(("query", "payload"), [("onerror", HTML_PAYLOADS[5]), ("mark script", HTML_PAYLOADS[-1])])
def test_search_finds_hostile_text_and_shows_it_as_text(hostile_site, page, query, payload):
    """The search page's snippet and the report's highlight on arrival carry the payload as the text it was (the page
    fixture fails the test on any dialog, script error or request for another host)."""
    assert "onerror" in HTML_PAYLOADS[5] and "</mark>" in HTML_PAYLOADS[-1]
    with serve(hostile_site) as base:
        page.goto(f"{base}/search/?q={query}")
        snippet = page.locator("#search-results li .search-result__snippet").first
        expect(snippet.locator("mark").first).to_be_visible(timeout=15000)
        assert payload in snippet.text_content()
        assert snippet.evaluate(SNIPPET_ELEMENTS) == ["span.search-result__section", "mark."]
        assert page.locator("#search-results :is(img, script, svg, iframe, [onerror])").count() == 0
        page.locator("#search-results li a").first.click()
        expect(page.locator("mark.search-arrival").first).to_be_attached()
        assert sorted(page.locator("mark.search-arrival").all_text_contents()) == sorted(query.split())  # each word once
        assert page.evaluate("document.querySelectorAll('article :is(img, iframe, [onerror], [onload])').length") == 0
        assert page.evaluate("Array.from(document.scripts).filter(s => s.text.includes('alert(')).length") == 0


def test_a_narrative_nested_too_deeply_is_refused_at_its_line(tmp_path):
    for folder in ("rules", "stations"):
        shutil.copytree(SEED_REPO / folder, tmp_path / folder)
    seed = tmp_path / SEED
    text = seed.read_text(encoding="utf-8")
    assert "  conclusion: |-\n" in text
    seed.write_text(text.replace("  conclusion: |-\n", "  conclusion: |-\n    " + "- " * 496 + "深\n\n", 1), encoding="utf-8")
    errors = [e.format() for e in load_project(tmp_path).errors]
    assert len(errors) == 1 and "列表嵌套超过 4 层" in errors[0] and "report.conclusion" in errors[0]
    line = text[: text.index("  conclusion: |-\n")].count("\n") + 1
    assert f"{SEED}:{line}:" in errors[0]


def test_standing_text_nested_too_deeply_is_refused_at_its_line(tmp_path):
    for folder in ("rules", "stations"):
        shutil.copytree(SEED_REPO / folder, tmp_path / folder)
    standing = tmp_path / STANDING
    text = standing.read_text(encoding="utf-8")
    standing.write_text(text + "\n\n" + "".join("  " * level + "- 层\n" for level in range(8)), encoding="utf-8")
    errors = [e.format() for e in load_project(tmp_path).errors]
    line = text.count("\n") + 2 + 4 + 1  # the fifth list level, after the blank lines
    assert len(errors) == 1 and "列表嵌套超过 4 层" in errors[0] and f"{STANDING}:{line}:1" in errors[0], errors


@settings(max_examples=2000, deadline=None)
@given(
    st.lists(
        st.sampled_from(["评估", "a", "\n", "\n\n", "\n \n", " ", "\u3000", "\t", "1. ", "2)", "- ", "+", "*", "_", "#", ">", "&", "\\", "`", "["]),
        max_size=12,
    ).map("".join)
)
def test_plain_paragraphs_are_what_markdown_it_makes_of_text_it_has_nothing_to_read_in(text):
    if not narrative_dialect._NEEDS_PARSER.search(text):
        assert narrative_dialect.plain_paragraphs(text) == narrative_dialect._parser(8).render(text).strip()
