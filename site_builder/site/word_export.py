"""A report as an editable Word document (.docx), laid out like the official report (issue 19, part 2).

Bureau staff edit and circulate Word, not web pages. The document holds the official report only: the title and
contract period, 一 to 五 numbered as the source numbers them (一、（一）1.（1）) in plain paragraphs, the score table
as a Word table whose 折算分 cell spans an item's sub-district rows, and the grade sentence. The site's own material
(网站核对与说明, charts, the tables the site builds from structured fields, 转录说明) is left out.

The wording has one home: the chapter and section headings, the standing text's placeholders, the grade sentence and
the score rows come from pages/report.py, pages/explain.py and language/score_rows.py, with quote=str instead of the
page's HTML escaping (python-docx writes text as XML text, so nothing in a record can become markup).

Structure first, Word second: report_blocks() gives the document as Heading / Text / ScoreTable blocks (testable
without Word), and docx_bytes() lays them out: A4, 宋体 (eastAsia) with a Latin fallback set on the styles, and
byte-reproducible (fixed core properties and zip timestamps), so the same record and rules give the same bytes.

With the plugin option `docx: true`, SITE_BUILDER_DOCX=1 or `site-builder build --docx`, the build writes each
report's document beside its page (reports/<区>/<站点>/<年度>-<阶段>.docx) and the page links to it, as for the PDFs
(pdf.py); off by default.

The layout is also what `site-builder import` reads (records/word_import.py), so import(export(record)) gives the
record back (tests/test_word_export.py lists what does not travel through Word).
"""

from __future__ import annotations

import datetime
import html
import io
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..language.evaluate import Result
from ..language.formatting import plain
from ..language.score_rows import SCORE_COLUMNS, TOTAL_LABEL, score_rows
from ..records import narrative as dialect
from ..records.project import Project
from ..records.record import StationRecord
from .assembly import standing_text
from .escaped_text import ESCAPED_END, ESCAPED_START
from .pages import urls
from .pages.downloads import WORD
from .pages.explain import chinese_number, report_title, result_explanation, stage_title, weights_and_bands
from .pages.report import (
    CHAPTERS,
    EXPLAINED,
    FEEDBACK_LABELS,
    FINDING_PARTS,
    TABLE_LEAD,
    background_heading,
    grade_statement,
    standing_parts,
    standing_values,
    summary_headings,
)
from .pages.text import chinese_date

EAST_ASIAN_FONT = "宋体"  # SimSun: what Chinese government documents are set in, on every Windows and WPS
LATIN_FONT = "Times New Roman"
BODY_SIZE_PT = 12  # 小四
TITLE_SIZE_PT = 18  # 小二
CHAPTER_SIZE_PT = 14  # 四号


# --- the document as blocks -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False


@dataclass(frozen=True)
class Text:
    """A paragraph: its runs, and whether it is centred (the title block)."""

    runs: tuple[Run, ...]
    centred: bool = False

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


@dataclass(frozen=True)
class Heading:
    """A numbered heading typed as text, as the reports number them: level 0 the title, 1 一、, 2 （一）, 3 1."""

    level: int
    text: str


@dataclass(frozen=True)
class ScoreTable:
    """The score table: header, rows (label, 标准分, 评分, 折算分, rows its 折算分 spans: 0 under a merged cell), total."""

    rows: tuple[tuple[str, str, str, str, int], ...]
    total: str


Block = Text | Heading | ScoreTable


def paragraph(text: str, centred: bool = False) -> Text:
    return Text((Run(text),), centred)


def report_blocks(record: StationRecord, result: Result, standing_text: str | None) -> list[Block]:
    """The official report of a record, in the order and numbering of the source."""
    report = record.content["report"]
    background_text, grade_text = standing_parts(standing_text)
    blocks: list[Block] = [Heading(0, report_title(record)), paragraph(contract_line(record), centred=True)]
    blocks += narrative_blocks(report.get("introduction"))
    blocks += background(record, result, background_text)
    blocks += summary(record)
    blocks += feedback_round(record)
    blocks += grade(record, result, grade_text)
    blocks += [Heading(1, CHAPTERS["conclusion"]), *narrative_blocks(report["conclusion"])]
    return blocks


def contract_line(record: StationRecord) -> str:
    contract = record.evaluation["contract"]
    return f"（{chinese_date(contract['start'])}—{chinese_date(contract['end'])}）"


def background(record: StationRecord, result: Result, standing_text: str | None) -> list[Block]:
    rules = result.ruleset
    blocks: list[Block] = [Heading(1, background_heading(record.stage, str)), *narrative_blocks(record.content["report"]["background"])]
    if standing_text and standing_text.strip():
        blocks += standing_blocks(standing_text, standing_values(record, rules))
    if not (standing_text and EXPLAINED.search(standing_text)):
        number = chinese_number(len(re.findall(r"^###[ \t]", standing_text or "", re.M)) + 1)
        blocks += [Heading(2, f"（{number}）评估结果说明"), *page_text_blocks(result_explanation(rules, record.stage))]
    return blocks


def standing_blocks(template: str, values: dict[str, str]) -> list[Block]:
    """The rule set's standing text filled in, a paragraph for each of its lines as the official report prints them
    (“1. 制定评估计划” and its indented sentence are two paragraphs); its headings stay headings."""
    body = dialect.fill_placeholders(dialect.without_comments(template), values)
    blocks: list[Block] = []
    for heading_level, heading, chunk in dialect.sections(body):
        if heading:
            blocks.append(Heading(min(max(heading_level - 1, 1), 3), heading))
        blocks += [paragraph(line.strip()) for line in chunk.splitlines() if line.strip()]
    return blocks


def summary(record: StationRecord) -> list[Block]:
    """二's sections that the record holds, numbered in order as the page numbers them."""
    report = record.content["report"]
    present = [(key, heading) for key, heading in summary_headings(record) if report.get(key)]
    blocks: list[Block] = [Heading(1, CHAPTERS["summary"])]
    for index, (key, heading) in enumerate(present, 1):
        blocks.append(Heading(2, f"（{chinese_number(index)}）{heading}"))
        if key == "sub_districts":
            blocks += sub_districts(record)
        elif isinstance(report[key], dict):
            blocks += findings(report[key])
        else:
            blocks += narrative_blocks(report[key])
    return blocks


def findings(section: dict) -> list[Block]:
    blocks = narrative_blocks(section.get("intro"))
    for key, heading in FINDING_PARTS:
        if key in section:
            blocks += [Heading(3, heading.replace(" ", "")), *narrative_blocks(section.get(f"{key}_intro")), *numbered(section[key])]
    return blocks


def numbered(items: list[str]) -> list[Block]:
    """（1）（2）… paragraphs (pages/text.numbered); a single finding stays unnumbered."""
    if len(items) == 1:
        return narrative_blocks(items[0])
    return [block for index, item in enumerate(items, 1) for block in narrative_blocks(item, lead=f"（{index}）")]


def sub_districts(record: StationRecord) -> list[Block]:
    declared = {s["id"]: s for s in record.station.get("sub_districts", [])}
    blocks: list[Block] = []
    for section in record.content["report"].get("sub_districts", []):
        sub_district = declared[section["sub_district"]]
        communities = "、".join(sub_district.get("communities", []))
        name = sub_district.get("name", sub_district["id"])
        blocks += [Heading(3, f"{name}：{communities}" if communities else name), *findings(section)]
    return blocks


def feedback_round(record: StationRecord) -> list[Block]:
    round_ = record.content["report"]["feedback_round"]
    blocks: list[Block] = [Heading(1, CHAPTERS["feedback"]), *narrative_blocks(round_.get("introduction"))]
    for index, (key, label) in enumerate(FEEDBACK_LABELS, 1):
        blocks += narrative_blocks(round_[key], lead=f"{index}.{label}")
    return blocks


def grade(record: StationRecord, result: Result, grade_text: str | None) -> list[Block]:
    rules = result.ruleset
    if grade_text and grade_text.strip():
        explained = standing_blocks(grade_text, standing_values(record, rules))
    else:
        explained = page_text_blocks(weights_and_bands(rules))
    statement = paragraph(grade_statement(record, result, str))
    return [Heading(1, CHAPTERS["grade"]), *explained, statement, paragraph(TABLE_LEAD), score_table(record, result)]


def score_table(record: StationRecord, result: Result) -> ScoreTable:
    rows = []
    for row in score_rows(result, record.table_label):
        label = f"{row.label}（{row.sub_district}）" if row.sub_district else row.label
        converted = row.converted_text if row.sub_district is None or row.merged_rows else ""
        rows.append((label, row.maximum_text, plain(row.score), converted, row.merged_rows))
    return ScoreTable(tuple(rows), plain(result.total))


# --- text from the record and from the page's helpers --------------------------------------------------------


def narrative_blocks(text: str | None, lead: str = "") -> list[Block]:
    """A narrative (paragraphs, lists, bold) as paragraphs; a list item is a paragraph numbered as the report numbers
    them (1. or ·), a nested one indented by its depth. lead goes before the first paragraph's words."""
    if not text and not lead:
        return []
    blocks: list[Block] = []
    runs: list[Run] = []
    lists: list[list[int]] = []  # for each open list: [next number] (ordered) or [] (bullets)
    bold = False
    for token in dialect.tokens(text or ""):
        if token.type in ("ordered_list_open", "bullet_list_open"):
            lists.append([int(token.attrGet("start") or 1)] if token.type == "ordered_list_open" else [])
        elif token.type in ("ordered_list_close", "bullet_list_close"):
            lists.pop()
        elif token.type == "list_item_open":
            marker = f"{lists[-1][0]}." if lists[-1] else "·"
            if lists[-1]:
                lists[-1][0] += 1
            runs.append(Run("    " * (len(lists) - 1) + marker))
        elif token.type == "inline":
            for child in token.children or []:
                if child.type in ("strong_open", "strong_close", "em_open", "em_close"):
                    bold = child.type.endswith("open")
                elif child.type in ("softbreak", "hardbreak"):
                    runs.append(Run("\n" if child.type == "hardbreak" else "", bold))
                elif child.content:
                    runs.append(Run(child.content, bold))
        elif token.type == "paragraph_close":
            blocks.append(Text(tuple(r for r in runs if r.text)))
            runs = []
    if lead:
        first = blocks[0].runs if blocks and isinstance(blocks[0], Text) else ()
        blocks[:1] = [Text((Run(lead), *first))]
    return blocks


def page_text_blocks(markdown: str) -> list[Block]:
    """Paragraphs of text the page's helpers make from the rules (weights_and_bands, result_explanation): their
    Markdown is only paragraphs and lines of escaped text, so the words are what is left without the escaping."""
    text = html.unescape(markdown.replace(ESCAPED_START, "").replace(ESCAPED_END, ""))
    return [paragraph(line.strip()) for line in text.splitlines() if line.strip()]


# --- Word ------------------------------------------------------------------------------------------------------


def docx_bytes(record: StationRecord, result: Result, standing_text: str | None) -> bytes:
    """The report as .docx bytes, the same for the same record, rules and standing text."""
    import docx  # here, not at the top: a site without --docx never needs it

    document = docx.Document()
    page_setup(document)
    set_fonts(document)
    for block in report_blocks(record, result, standing_text):
        add_block(document, block)
    fixed_properties(document, record)
    return reproducible(document, document_time(record))


def page_setup(document) -> None:
    from docx.shared import Mm

    for section in document.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin = section.bottom_margin = Mm(25.4)
        section.left_margin = section.right_margin = Mm(31.8)


def set_fonts(document) -> None:
    """宋体 for Chinese and Times New Roman for Latin letters and digits, on the document defaults and on every style
    used (the Normal paragraph style; Table Grid's cells are Normal paragraphs), with the language zh-CN."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    normal = document.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(BODY_SIZE_PT)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)
    defaults = document.styles.element.find(qn("w:docDefaults"))
    run_defaults = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")) if defaults is not None else None
    if run_defaults is not None:
        for child in run_defaults.findall(qn("w:rFonts")) + run_defaults.findall(qn("w:lang")):
            run_defaults.remove(child)
        run_defaults.insert(0, rfonts_element())
        run_defaults.append(lang_element())


def rfonts_element():
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    fonts = OxmlElement("w:rFonts")
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)
    return fonts


def lang_element():
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")
    return lang


def add_block(document, block: Block) -> None:
    if isinstance(block, ScoreTable):
        add_score_table(document, block)
    elif isinstance(block, Heading):
        add_heading(document, block)
    else:
        add_text(document, block)


def add_heading(document, heading: Heading) -> None:
    """Headings are plain paragraphs in bold, numbered by their text, as the official report types them."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    paragraph = document.add_paragraph()
    run = paragraph.add_run(heading.text)
    run.bold = True
    if heading.level == 0:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run.font.size = Pt(TITLE_SIZE_PT)
    elif heading.level == 1:
        run.font.size = Pt(CHAPTER_SIZE_PT)


def add_text(document, text: Text) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    paragraph = document.add_paragraph()
    if text.centred:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for run in text.runs:
        added = paragraph.add_run(run.text)  # python-docx turns "\n" into a line break (<w:br/>)
        if run.bold:
            added.bold = True


def add_score_table(document, table: ScoreTable) -> None:
    """The score table as the official report lays it out: the 折算分 cell of an item scored by sub-district spans
    its rows (vertical merge), and the 总分 label spans the first three columns."""
    word_table = document.add_table(rows=len(table.rows) + 2, cols=len(SCORE_COLUMNS))
    word_table.style = "Table Grid"
    for column, title in enumerate(SCORE_COLUMNS):
        word_table.cell(0, column).text = title
    for index, (label, maximum, score, converted, spans) in enumerate(table.rows, 1):
        for column, text in enumerate((label, maximum, score)):
            word_table.cell(index, column).text = text
        if spans:
            word_table.cell(index, 3).text = converted
        if spans > 1:
            word_table.cell(index, 3).merge(word_table.cell(index + spans - 1, 3))
    last = len(table.rows) + 1
    word_table.cell(last, 0).merge(word_table.cell(last, 2)).text = TOTAL_LABEL
    word_table.cell(last, 3).text = table.total
    lay_out_table(word_table, bold_rows={0, last})


COLUMN_WIDTHS_MM = (66, 26, 26, 26)  # the label is the long one; the A4 text width is about 146 mm


def lay_out_table(word_table, bold_rows: set[int]) -> None:
    from docx.shared import Mm

    word_table.autofit = False
    for column, width in zip(word_table.columns, COLUMN_WIDTHS_MM):
        column.width = Mm(width)  # the grid, which LibreOffice and WPS follow
    for index, row in enumerate(word_table.rows):
        for column, cell in enumerate(row.cells):
            cell.width = Mm(COLUMN_WIDTHS_MM[column])
            for run in (run for paragraph in cell.paragraphs for run in paragraph.runs):
                run.bold = True if index in bold_rows else None


def document_time(record: StationRecord) -> datetime.datetime:
    """The document's date: SOURCE_DATE_EPOCH when the build sets one (reproducible builds), else the visit date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC).replace(tzinfo=None)
    visit = datetime.date.fromisoformat(str(record.evaluation["visit_date"]))
    return datetime.datetime(visit.year, visit.month, visit.day)


def fixed_properties(document, record: StationRecord) -> None:
    properties = document.core_properties
    when = document_time(record)
    properties.title = report_title(record)
    properties.subject = f"{record.station['name']} {stage_title(record.stage)}"
    properties.author = properties.last_modified_by = record.evaluation.get("evaluator", {}).get("organisation", "评估机构")
    properties.created = properties.modified = properties.last_printed = when
    properties.revision = 1
    properties.language = "zh-CN"
    properties.comments = properties.keywords = properties.category = ""


def reproducible(document, when: datetime.datetime) -> bytes:
    """The saved document with every zip entry's timestamp fixed (python-docx stamps them with the time of saving);
    zip cannot hold a date before 1980."""
    stamp = max(when, datetime.datetime(1980, 1, 1)).timetuple()[:6]
    saved = io.BytesIO()
    document.save(saved)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(saved.getvalue())) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(entry.filename))
    return out.getvalue()


# --- beside every report page (site-builder build --docx) ------------------------------------------------------


def write_reports(site_dir: Path, project: Project) -> int:
    """Each report's .docx beside its page in a built site; returns how many were written. From the project, not
    the rendered pages, in this process (measured about 0.06 s a report on the 市桥 record)."""
    for record in project.records:
        result = project.results[record.key]
        target = site_dir / WORD.path(urls.report(record))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(docx_bytes(record, result, standing_text(project, result.ruleset)))
    return len(project.records)
