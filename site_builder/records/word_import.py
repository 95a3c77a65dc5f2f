"""Word reports (.docx) → draft station records: the reading and mapping half of `site-builder import` (issue 19).

Evaluation reports are written and circulated as Word documents; transcribing one into YAML by hand takes hours.
This module reads a report's structure, not its styles (authors number headings by typing 一、（一）1.（1）, not
with Word's heading styles), and maps the sections of a report of the 市桥 kind onto record_schema.yaml:

- read_document: a .docx → its paragraphs and tables in document order, or a Chinese error for what is not one.
- import_report: those blocks → the record (plain data in schema order) and a review list, never inventing: a
  figure that has no field stays in the narrative; a fact the report does not state is {not_checked: 报告未载明};
  the total and grade the report states go to `stated`, where the check compares them with the computed result.

Why python-docx: it exposes the body's paragraphs and tables as the XML has them, in order, and a merged cell as the
same underlying <w:tc> for every grid position it spans, which is exactly what the score table's shared 折算分 needs.
docx2python flattens the document into nested lists of text and loses which runs belong to which paragraph;
mammoth converts to HTML by styles, which these reports do not use. Bookmarks and field codes are ignored: they
are not text (python-docx's paragraph text holds only the runs' text).

The CLI (commands/importing.py) prints the review list and writes the file; `site-builder export` (W2) can reuse
read_document and import_report for its round trip.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..errors import SiteBuilderError
from ..language.ruleset import RuleSet
from .record import SUPERVISION_TITLE
from .source_files import STANDING_SUFFIX, STATIONS, list_sources, read_source_text
from .yaml_source import fast_mapping

MAX_DOCX_BYTES = 50 * 1024 * 1024  # a report with photos is a few MB; more is not a report
NOT_STATED = "报告未载明"
OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # the compound-file container of .doc, .wps and encrypted Office files
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
CHINESE_DIGITS = "〇一二三四五六七八九十"
FULL_WIDTH = str.maketrans("０１２３４５６７８９．％", "0123456789.%")


# --- refusals --------------------------------------------------------------------------------------------------


class ImportRefused(SiteBuilderError):
    """A file that cannot be imported: what was found, and what to do. Nothing is written."""


def refused(path: Path, found: str, todo: str) -> ImportRefused:
    return ImportRefused(None, f"{path}：{found}。{todo}")


DOC_ADVICE = (
    "请先把它转换为 .docx：装有 LibreOffice 的，运行 libreoffice --headless --convert-to docx 文件.doc；"
    "或在 Word / WPS 中打开，另存为“Word 文档（*.docx）”，再导入 .docx 文件。"
)


def container_refusal(path: Path, data: bytes) -> ImportRefused | None:
    """Why these bytes are not a .docx we can read, or None when they are a zip worth opening."""
    if data.startswith(OLE2_MAGIC):
        if ENCRYPTED_STREAM in data:
            return refused(
                path,
                "文件设置了打开密码（已加密），无法读取",
                "请在 Word / WPS 中打开，取消密码（文件 → 信息 → 保护文档 → 用密码进行加密，清空密码）后另存为 .docx 再导入",
            )
        if path.suffix.lower() == ".wps":
            return refused(path, "这是 WPS 文字的 .wps 文件，不是 .docx", "请在 WPS 中打开，另存为“Word 文档（*.docx）”，再导入 .docx 文件")
        return refused(path, "这是旧版 Word 的 .doc 文件（或其他 OLE2 格式），不是 .docx", DOC_ADVICE)
    if not data.startswith(b"PK"):
        return refused(path, "不是 Word 文档（.docx 是 zip 格式，这个文件不是）", "请导入 Word 或 WPS 保存的 .docx 评估报告")
    return None


def read_document(path: Path) -> list[Paragraph | Table]:
    """The body of a .docx as paragraphs and tables in document order; ImportRefused for anything else."""
    import docx  # here, not at the top: check, build and serve never need it

    data = read_bytes(path)
    problem = container_refusal(path, data)
    if problem:
        raise problem
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "word/document.xml" not in archive.namelist():
                raise refused(path, "是 zip 文件，但其中没有 Word 正文（word/document.xml）", "请导入 Word 或 WPS 保存的 .docx 评估报告")
        document = docx.Document(io.BytesIO(data))
    except ImportRefused:
        raise
    except Exception:  # noqa: BLE001 -- zip, XML and package errors alike: the file is damaged, say so
        raise refused(path, "文件已损坏或不是完整的 .docx，无法读取", "请在 Word / WPS 中打开并重新保存为 .docx 后再导入") from None
    return body_blocks(document)


def read_bytes(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_DOCX_BYTES:
            raise refused(path, f"文件大于 {MAX_DOCX_BYTES // 1024 // 1024} MB，不像一份评估报告", "请确认文件是否正确")
        return path.read_bytes()
    except OSError as error:
        raise refused(path, f"无法读取文件（{error.strerror}）", "请检查路径与权限") from None


# --- the document's blocks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Paragraph:
    number: int  # its place among the body's paragraphs, counting empty ones, as Word counts them
    text: str


MERGED = None  # a table cell continuing the merged cell above it (the shared 折算分)


@dataclass(frozen=True)
class Table:
    number: int  # the paragraph number it follows, for the review list
    rows: tuple[tuple[str | None, ...], ...]


def body_blocks(document) -> list[Paragraph | Table]:
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph as DocxParagraph

    blocks: list[Paragraph | Table] = []
    count = 0
    for element in document.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            count += 1
            blocks.append(Paragraph(count, DocxParagraph(element, document).text.strip()))
        elif tag == "tbl":
            blocks.append(Table(count, table_rows(DocxTable(element, document))))
    return blocks


def table_rows(table) -> tuple[tuple[str | None, ...], ...]:
    """Each row's cells once (a horizontally merged cell is one cell); MERGED where a cell continues the one above."""
    rows: list[tuple[str | None, ...]] = []
    above: list = []
    for row in table.rows:
        cells = row.cells
        distinct, kept = [], []
        for index, cell in enumerate(cells):
            if index and cell._tc is cells[index - 1]._tc:
                continue
            continues = index < len(above) and above[index] is cell._tc
            distinct.append(MERGED if continues else cell.text.strip())
            kept.append(index)
        above = [cell._tc for cell in cells]
        rows.append(tuple(distinct))
    return tuple(rows)


# --- the review list -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewItem:
    """An uncertain mapping, with the paragraph it came from, for a person to decide."""

    paragraph: int | None
    quote: str
    message: str

    def text(self) -> str:
        where = f"第 {self.paragraph} 段" if self.paragraph else "文档"
        quote = self.quote if len(self.quote) <= 40 else self.quote[:40] + "……"
        return f"{where}“{quote}”：{self.message}" if quote else f"{where}：{self.message}"


@dataclass
class Imported:
    record: dict
    review: list[ReviewItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # certain but worth saying (facts not stated, the rule set recognised)

    @property
    def station(self) -> str:
        return self.record.get("station", {}).get("name", "")

    @property
    def stage(self) -> str:
        return self.record.get("evaluation", {}).get("stage", "")


# --- headings ------------------------------------------------------------------------------------------------

CHAPTER = re.compile(r"^([一二三四五六七八九十]+)、\s*(.+)$")
SECTION = re.compile(r"^（([一二三四五六七八九十―—\-－]|[0-9０-９]+)）\s*(.{1,24})$")
BLOCK = re.compile(r"^([0-9０-９]+)[.．、]\s*(值得肯定的地方|需要关注的地方|需关注的地方)$")
ITEM = re.compile(r"^（([0-9０-９]+)）\s*(.+)$", re.S)
NUMBERED = re.compile(r"^([0-9０-９]+)[.．、]\s*(.+)$", re.S)
# A sub-district's line in 二（五）: 西片区：德兴社区、沙圩一村; or another short name (全站) followed by a list of
# communities without a sentence's punctuation, as the export writes a record's sub-districts.
SUB_DISTRICT = re.compile(r"^(\S{1,12}?片区|[^\s\d（(：:，,。；、]{1,12})[：:]([^。；：:]+)$")


def chinese_number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if len(text) == 1 and text in CHINESE_DIGITS:
        return CHINESE_DIGITS.index(text)
    if len(text) == 2 and text[0] == "十":
        return 10 + CHINESE_DIGITS.index(text[1])
    return None


def plain_digits(text: str) -> str:
    return text.translate(FULL_WIDTH)


@dataclass
class Chapter:
    heading: Paragraph
    blocks: list[Paragraph | Table] = field(default_factory=list)


def chapters(blocks: list[Paragraph | Table]) -> tuple[list[Paragraph], dict[str, Chapter]]:
    """The paragraphs before 一、 (title, period, introduction), and each 一、…五、 chapter by its title's words."""
    front: list[Paragraph] = []
    found: dict[str, Chapter] = {}
    current: Chapter | None = None
    for block in blocks:
        if isinstance(block, Paragraph) and not block.text:
            continue
        if isinstance(block, Paragraph) and (match := CHAPTER.match(block.text)):
            current = found.setdefault(chapter_key(match.group(2)), Chapter(block))
        elif current is not None:
            current.blocks.append(block)
        elif isinstance(block, Paragraph):
            front.append(block)
    return front, found


CHAPTER_WORDS = {"背景": "背景", "总结": "总结", "反馈": "反馈", "等级": "等级", "结语": "结语"}


def chapter_key(title: str) -> str:
    return next((key for word, key in CHAPTER_WORDS.items() if word in title), title)


# --- the record --------------------------------------------------------------------------------------------


@dataclass
class Context:
    """What the mapping has learnt so far, shared by the sections' readers."""

    review: list[ReviewItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    station: dict = field(default_factory=dict)
    evaluation: dict = field(default_factory=dict)
    report: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)  # scores, stated, indicators, satisfaction, community_building, notes

    def ask(self, block: Paragraph | Table | None, message: str) -> None:
        if isinstance(block, Paragraph):
            self.review.append(ReviewItem(block.number, block.text, message))
        else:
            self.review.append(ReviewItem(block.number if block else None, "", message))


def import_report(path: Path, blocks: list[Paragraph | Table], rulesets: list[RuleSet], root: Path) -> Imported:
    """The draft record for a report's blocks, and what a person must review; ImportRefused for a document that is
    not an evaluation report of this kind, or one without a score table."""
    front, found = chapters(blocks)
    if not front or not front[0].text.endswith("评估报告") or len(found) < 2:
        raise refused(
            path, "没有找到评估报告的结构（标题“……评估报告”、“一、”“二、”等章节）", "请确认这是一份社工站评估报告；只能导入按评估报告格式编写的 .docx"
        )
    if not any(isinstance(b, Table) for b in found.get("等级", Chapter(front[0])).blocks):
        raise refused(
            path, "找到了评估报告，但“四、评估等级”中没有评分表（Word 表格）", "评分表是记录的核心，请在报告中以表格写明各评分项的分数后再导入"
        )
    context = Context(extra={"standing": standing_texts(root, rulesets)})
    read_front(front, rulesets, context)
    ruleset = read_background(found.get("背景"), rulesets, context) or ruleset_from_score_table(found["等级"], rulesets, context)
    read_summary(found.get("总结"), context)
    read_feedback(found.get("反馈"), context)
    read_grade(found["等级"], ruleset, context)
    read_conclusion(found.get("结语"), context)
    for key, words in (("背景", "一、评估背景"), ("总结", "二、评估总结"), ("反馈", "三、评估反馈"), ("结语", "五、结语")):
        if key not in found:
            context.ask(None, f"报告中没有“{words}”一节；记录中的相应内容留空，请按实际情况补写或确认原报告确无此节。")
    fill_ids(context, root)
    record = assembled(context, ruleset)
    return Imported(record, context.review, context.notes)


# --- the front: title, period, introduction ---------------------------------------------------------------------

PERIOD_LINE = re.compile(r"^[（(](\d{4})年(\d{1,2})月(\d{1,2})日[—\-－–~至]+(\d{4})年(\d{1,2})月(\d{1,2})日[）)]$")
SHORT_NAME = re.compile(r"（简称(.+?)）")


def read_front(front: list[Paragraph], rulesets: list[RuleSet], context: Context) -> None:
    title = front[0]
    context.evaluation["title"] = title.text
    stages = sorted({s for r in rulesets for s in r.stages}, key=len, reverse=True)
    match = re.match(rf"^(.+?)({'|'.join(map(re.escape, stages))})(评估|评价)?报告$", title.text) if stages else None
    if match:
        context.station["name"], context.evaluation["stage"] = match.group(1), match.group(2)
    else:
        context.station["name"] = title.text.removesuffix("评估报告")
        context.ask(title, f"标题中没有规则集的阶段（{'、'.join(stages)}），未能确定 evaluation.stage，请填写。")
    rest = front[1:]
    period = PERIOD_LINE.match(plain_digits(rest[0].text)) if rest else None
    if period:
        y1, m1, d1, y2, m2, d2 = (int(g) for g in period.groups())
        context.evaluation["contract"] = {"start": datetime.date(y1, m1, d1), "end": datetime.date(y2, m2, d2)}
        context.evaluation["period"] = f"{y1}-{y2}"
        rest = rest[1:]
    else:
        context.ask(front[0], "标题下没有“（某年某月某日—某年某月某日）”的合同期，未能确定服务年度与合同期，请填写 evaluation.period 与 contract。")
    if rest:
        context.report["introduction"] = "\n\n".join(p.text for p in rest)
        short = SHORT_NAME.search(rest[0].text)
        if short:
            context.station["short_name"] = short.group(1)


# --- 一、评估背景: the evaluation's own paragraphs, then the rule set's standing text -------------------------------

VISIT = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日，(.+?)(\d+)位评委(?:及(\d+)名工作人员)?对.+?展开了(.+?)评估工作")
DURATION = re.compile(r"评估为期([0-9一二三四五六七八九十]+)天")


def read_background(chapter: Chapter | None, rulesets: list[RuleSet], context: Context) -> RuleSet | None:
    if chapter is None:
        return None
    own = [b for b in chapter.blocks if isinstance(b, Paragraph)]
    first_standing = next((i for i, p in enumerate(own) if SECTION.match(p.text)), len(own))
    lead, standing = own[:first_standing], own[first_standing:]
    context.report["background"] = narrative_with_list(lead)
    if lead:
        read_visit(lead[0], context)
    return recognised_ruleset(standing, rulesets, context)


def narrative_with_list(paragraphs: list[Paragraph]) -> str:
    """Paragraphs as the record's narrative: a run of “1.…” paragraphs becomes a numbered list (“1. …”)."""
    parts: list[str] = []
    in_list = False  # whether the last part is a list (a paragraph may start with a digit too: 2025年2月20日，…)
    for paragraph in paragraphs:
        numbered = NUMBERED.match(paragraph.text)
        if numbered and in_list:
            parts[-1] += f"\n{int(numbered.group(1))}. {numbered.group(2)}"
        elif numbered:
            parts.append(f"{int(numbered.group(1))}. {numbered.group(2)}")
        else:
            parts.append(paragraph.text)
        in_list = bool(numbered)
    return "\n\n".join(parts)


def read_visit(paragraph: Paragraph, context: Context) -> None:
    text = plain_digits(paragraph.text)
    visit = VISIT.match(text)
    if not visit:
        context.ask(paragraph, "未能从这一段读出实地评估日期、评估机构与评委人数，请填写 evaluation.visit_date 与 evaluator。")
        return
    year, month, day, organisation, experts, staff, stage = visit.groups()
    context.evaluation["visit_date"] = datetime.date(int(year), int(month), int(day))
    context.evaluation["evaluator"] = {"organisation": organisation, "experts": int(experts)} | ({"staff": int(staff)} if staff else {})
    if context.evaluation.get("stage") and context.evaluation["stage"] != stage:
        context.ask(paragraph, f"这里写的是“{stage}评估”，标题写的是“{context.evaluation['stage']}”，请确认 evaluation.stage。")
    duration = DURATION.search(text)
    if duration:
        context.evaluation["duration_days"] = chinese_number(duration.group(1))


@dataclass(frozen=True)
class StandingLine:
    pattern: re.Pattern
    names: tuple[str, ...]  # the record placeholders it captures, in order


RECORD_PLACEHOLDERS = ("站点全称", "站点简称", "组织评估的部门", "评估机构", "购买方", "阶段", "评估阶段")


def standing_lines(text: str) -> list[StandingLine]:
    """Each line of a standing text as a pattern: the record's placeholders capture what the report writes there,
    the rule figures ({权重:第三方}, {否决等级}…) match a short run
    without punctuation. Spaces and Markdown markers are ignored."""
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    lines = []
    for line in text.splitlines():
        line = compact(re.sub(r"^\s*(#+\s*|[-*]\s+)", "", line))
        if not line or line == "评估等级":
            continue
        names: list[str] = []
        pattern = ""
        for part in re.split(r"(\{[^{}]+\})", line):
            if part.startswith("{") and part.endswith("}"):
                name = part[1:-1]
                if name in RECORD_PLACEHOLDERS:
                    pattern += f"(?P<g{len(names)}>.+?)"
                    names.append(name)
                else:
                    pattern += r"[^，。；：、]{1,12}?"  # a figure (55, 四, 80%) or a word (不合格) the rule set gives
            else:
                pattern += re.escape(part)
        lines.append(StandingLine(re.compile(pattern + r"\Z"), tuple(names)))
    return lines


def compact(text: str) -> str:
    return re.sub(r"\s+", "", plain_digits(text))


def standing_match(paragraph: Paragraph, lines: list[StandingLine]) -> dict[str, str] | None:
    text = compact(paragraph.text)
    for line in lines:
        match = line.pattern.match(text)
        if match:
            return {name: match.group(f"g{i}") for i, name in enumerate(line.names)}
    return None


def recognised_ruleset(standing: list[Paragraph], rulesets: list[RuleSet], context: Context) -> RuleSet | None:
    """The rule set whose standing text the report's 一（一）… repeats, with the record's names it fills in;
    paragraphs that differ from it are listed for review, not copied."""
    best, best_matches = None, -1
    for ruleset in rulesets:
        text = ruleset_standing_text(ruleset, context)
        lines = standing_lines(text) if text else []
        matches = sum(1 for p in standing if standing_match(p, lines) is not None)
        if matches > best_matches:
            best, best_matches = ruleset, matches
    if best is None or best_matches <= 0:
        if standing:
            context.ask(standing[0], "一（一）起的说明文字与任何规则集的固定说明文字都不同，未写入记录；请核对这些段落。")
        return None
    lines = standing_lines(ruleset_standing_text(best, context) or "")
    for paragraph in standing:
        filled = standing_match(paragraph, lines)
        if filled is None:
            context.ask(
                paragraph,
                f"这一段不在规则集“{best.id}”（版本 {best.version}）的固定说明文字中，未写入记录；如报告确有不同的说明，请与规则维护人员联系。",
            )
            continue
        take_standing_names(filled, paragraph, context)
    context.notes.append(f"一（一）起的 {best_matches} 段是规则集“{best.id}”（版本 {best.version}）的固定说明文字，不写入记录。")
    return best


def ruleset_from_score_table(chapter: Chapter, rulesets: list[RuleSet], context: Context) -> RuleSet | None:
    """Without standing text to go by (a rule set may have none): the rule set whose scored items the score table's
    rows name, most rows first; of several versions of it, the one in force on the visit date."""
    labels = {row_item_name(row.label) for table in chapter.blocks if isinstance(table, Table) for row in score_rows_of(list(table.rows))[0]}
    named = {ruleset.path: sum(1 for label in labels if score_item(label, ruleset) is not None) for ruleset in rulesets}
    most = max(named.values(), default=0)
    fitting = [r for r in rulesets if most > 0 and named[r.path] == most and context.evaluation.get("stage", r.stages[0]) in r.stages]
    if len({r.id for r in fitting}) != 1:
        if len(rulesets) == 1:
            return rulesets[0]
        context.ask(None, "报告没有可以识别的固定说明文字，评分表的评分项也不能确定所用规则集；请在 evaluation.rules 写明规则集编号与版本。")
        return None
    chosen = version_in_force(fitting, context.evaluation.get("visit_date"))
    if chosen is None:
        chosen = max(fitting, key=lambda r: r.effective.start)
        context.extra["version_unknown"] = True  # the check chooses it by the visit date, once a person fills that in
        context.ask(
            None,
            f"未能按实地评估日期确定规则集“{chosen.id}”的版本，evaluation.rules 只写了编号（检查时按实地评估日期选定版本）；"
            f"评分表按最新的版本 {chosen.version} 读取，请填写 evaluation.visit_date 后核对。",
        )
    context.notes.append(f"规则集“{chosen.id}”（版本 {chosen.version}）是按评分表的评分项认出的（报告中没有它的固定说明文字）。")
    return chosen


def version_in_force(versions: list[RuleSet], visit: datetime.date | None) -> RuleSet | None:
    if len(versions) == 1:
        return versions[0]
    if visit is None:
        return None
    return next((r for r in versions if r.effective.start <= visit and (r.effective.end is None or visit <= r.effective.end)), None)


def row_item_name(label: str) -> str:
    """服务质量（西片区） → 服务质量: a sub-district's row names its item before the brackets."""
    match = LABELLED_ROW.match(label)
    return match.group(1) if match else label


STANDING_FIELDS = {"组织评估的部门": ("evaluation", "commissioned_by"), "购买方": ("evaluation", "purchaser"), "站点简称": ("station", "short_name")}


def take_standing_names(filled: dict[str, str], paragraph: Paragraph, context: Context) -> None:
    for name, value in filled.items():
        if name not in STANDING_FIELDS:
            continue
        part, key = STANDING_FIELDS[name]
        target = context.station if part == "station" else context.evaluation
        if target.setdefault(key, value) != value:
            context.ask(paragraph, f"{part}.{key} 在报告中有两种写法：“{target[key]}”与“{value}”，已取前者，请确认。")


def ruleset_standing_text(ruleset: RuleSet, context: Context) -> str | None:
    return context.extra.get("standing", {}).get(ruleset.path)


# --- 二、评估总结 -----------------------------------------------------------------------------------------------------

SUMMARY_SECTIONS = (
    ("基本情况", "basic_situation"),
    ("进度", "progress"),
    ("运营管理", "operations"),
    ("服务成效", "outcomes"),
    ("服务质量", "sub_districts"),
    ("购买方", "purchaser_feedback"),
    ("督导", "supervision_feedback"),
)


def read_summary(chapter: Chapter | None, context: Context) -> None:
    if chapter is None:
        return
    expected = 1
    sections: list[tuple[str, Paragraph, list[Paragraph]]] = []
    for block in chapter.blocks:
        if not isinstance(block, Paragraph):
            context.ask(block, "二、评估总结中有一个表格，记录中没有对应的字段，未写入；请核对其中的数字是否需要写入正文。")
            continue
        heading = SECTION.match(block.text)
        key = heading and next((k for word, k in SUMMARY_SECTIONS if word in heading.group(2)), None)
        if heading and key:
            check_section_number(block, heading, expected, context)
            expected += 1
            sections.append((key, block, []))
        elif sections:
            sections[-1][2].append(block)
        else:
            context.ask(block, "这一段在二、评估总结的第一个小标题之前，未写入记录，请确定它属于哪一节。")
    for key, heading_paragraph, paragraphs in sections:
        SECTION_READERS[key](heading_paragraph, paragraphs, context)


def check_section_number(block: Paragraph, heading: re.Match, expected: int, context: Context) -> None:
    written = heading.group(1)
    if written == CHINESE_DIGITS[expected] or chinese_number(written) == expected and not written.isdigit():
        return
    right = f"（{CHINESE_DIGITS[expected]}）{heading.group(2).strip()}"
    slip = "误用阿拉伯数字" if plain_digits(written).isdigit() else "误为横线" if written in "―—-－" else "与前后不合"
    note = f"二（{CHINESE_DIGITS[expected]}）的标题原文作“{block.text}”，序号{slip}，按前后标题改为“{right}”。"
    context.extra.setdefault("transcription_notes", []).append(note)
    context.ask(block, f"标题序号不合前后顺序，按位置读作“{right}”，并写入 transcription_notes；请确认。")


def read_basic_situation(heading: Paragraph, paragraphs: list[Paragraph], context: Context) -> None:
    context.report["basic_situation"] = "\n\n".join(p.text for p in paragraphs)
    for paragraph in paragraphs:
        read_station_facts(paragraph, context)


ADDRESS = re.compile(r"([^，。；、]{1,12}?社工站)地址是[：:]?([^，。；]+)")
FUNDING = re.compile(r"服务经费为([0-9]+(?:\.[0-9]+)?)(万元|元)")
CONTRACT = re.compile(r"合同期为(\d{4})年(\d{1,2})月(\d{1,2})日至(\d{4})年(\d{1,2})月(\d{1,2})日")
ASSESSED = re.compile(r"考核期为(\d{4})年(\d{1,2})月(\d{1,2})日[—\-－–~至]+(\d{4})年(\d{1,2})月(\d{1,2})日(?:，考核(\d+)个月)?")


def read_station_facts(paragraph: Paragraph, context: Context) -> None:
    text = plain_digits(paragraph.text)
    serves = re.search(r"([^。，]*主要服务于[^，。]+)", text)
    if serves:
        context.station.setdefault("service_area", serves.group(1))
    addresses = ADDRESS.findall(text)
    if addresses:
        context.station["addresses"] = [{"name": name, "address": address} for name, address in addresses]
    operator = re.search(r"(?:(\d{4})年至今，)?由([^，。]+?)负责运营", text)
    if operator:
        context.station["operator"] = operator.group(2)
        if operator.group(1):
            context.station["operating_since"] = int(operator.group(1))
    areas = re.search(r"主要服务包括[：:]([^。]+?)(?:[一二三四五六七八九十\d]+大板块)?。", text)
    if areas:
        context.station["service_areas"] = [a.strip() for a in areas.group(1).split("、")]
    funding = FUNDING.search(text)
    if funding:
        amount = Decimal(funding.group(1)) * (10000 if funding.group(2) == "万元" else 1)
        context.evaluation["funding_yuan"] = as_number(format(amount.normalize(), "f"))
    read_periods(text, paragraph, context)


def read_periods(text: str, paragraph: Paragraph, context: Context) -> None:
    contract = CONTRACT.search(text)
    if contract:
        y1, m1, d1, y2, m2, d2 = (int(g) for g in contract.groups())
        stated = {"start": datetime.date(y1, m1, d1), "end": datetime.date(y2, m2, d2)}
        if context.evaluation.setdefault("contract", stated) != stated:
            context.ask(paragraph, "这里写的合同期与标题下的不同，已取标题下的，请确认 evaluation.contract。")
    assessed = ASSESSED.search(text)
    if assessed:
        y1, m1, d1, y2, m2, d2 = (int(g) for g in assessed.groups()[:6])
        context.evaluation["assessed_period"] = {"start": datetime.date(y1, m1, d1), "end": datetime.date(y2, m2, d2)}
        if assessed.group(7):
            context.evaluation["assessed_period"]["months"] = int(assessed.group(7))


def read_progress(heading: Paragraph, paragraphs: list[Paragraph], context: Context) -> None:
    """The progress narrative as written. Its counts and rates are not turned into indicators: the report names
    them by running text (“专业个案接案25个，320节，完成协议指标量的62.50%、47.19%”), and an indicator's name and
    group would have to be made up; the review list says so instead."""
    context.report["progress"] = "\n\n".join(p.text for p in paragraphs)
    with_figures = next((p for p in paragraphs if PERCENT.search(plain_digits(p.text))), None)
    if with_figures:
        context.ask(
            with_figures,
            "服务指标的数量与完成率留在正文中，未写入 indicators（报告未逐项写明指标名称与单位）；"
            "需要网站核对完成率的，请按原文逐项补写 indicators（名称、单位、实际完成、报告写明的完成率）。",
        )


PERCENT = re.compile(r"([0-9]+(?:\.[0-9]+)?)%")


# Findings: an introduction, then 1.值得肯定的地方 and 2.需要关注的地方, each an introduction and its items (1)…(n).


def findings(paragraphs: list[Paragraph], context: Context) -> dict:
    result: dict = {}
    part: str | None = None
    loose: dict[str, list[Paragraph]] = {"positives": [], "concerns": []}
    intro: list[Paragraph] = []
    for paragraph in paragraphs:
        block = BLOCK.match(paragraph.text)
        if block:
            part = "positives" if "肯定" in block.group(2) else "concerns"
            continue
        if part is None:
            intro.append(paragraph)
        else:
            loose[part].append(paragraph)
    if intro:
        result["intro"] = "\n\n".join(p.text for p in intro)
    for part_name, members in loose.items():
        result |= findings_part(part_name, members, context)
    return result


def findings_part(part: str, paragraphs: list[Paragraph], context: Context) -> dict:
    items = [p for p in paragraphs if ITEM.match(p.text)]
    lead = [p for p in paragraphs if not ITEM.match(p.text)]
    if not paragraphs:
        return {}
    result: dict = {}
    if items:
        if lead:
            result[f"{part}_intro"] = "\n\n".join(p.text for p in lead)
        result[part] = [ITEM.match(p.text).group(2).strip() for p in items]  # type: ignore[union-attr]
        check_item_order(items, context)
    elif len(lead) > 1 and lead[0].text.endswith(("：", ":")):
        result[f"{part}_intro"], result[part] = lead[0].text, [p.text for p in lead[1:]]
    else:
        result[part] = [p.text for p in lead]
    return result


def check_item_order(items: list[Paragraph], context: Context) -> None:
    numbers = [int(plain_digits(ITEM.match(p.text).group(1))) for p in items]  # type: ignore[union-attr]
    if numbers != list(range(1, len(numbers) + 1)):
        context.ask(
            items[0],
            f"这一部分的编号依次是 {'、'.join(f'（{n}）' for n in numbers)}，不是从（1）起连续的；已按文档中的顺序读入，请确认顺序与原报告一致。",
        )


def read_findings_into(key: str):
    def read(heading: Paragraph, paragraphs: list[Paragraph], context: Context) -> None:
        section = findings(paragraphs, context)
        if key == "supervision_feedback":
            title = SECTION.match(heading.text).group(2).strip()  # type: ignore[union-attr]
            section = section if title == SUPERVISION_TITLE else {"title": title} | section
        context.report[key] = section
        if key == "outcomes":
            for paragraph in paragraphs:
                read_satisfaction(paragraph, context)
        if key == "purchaser_feedback":
            purchaser = re.search(r"购买方（([^）]+)）", "".join(p.text for p in paragraphs))
            if purchaser:
                context.evaluation.setdefault("purchaser", purchaser.group(1))

    return read


SURVEY = re.compile(r"通过([^，。]+?)等形式调查服务对象满意度.*?共(\d+)人接受调查，其中(\d+)人满意度(\d+(?:\.\d+)?)%以上")
BUILDING = {
    "community_organisations": re.compile(r"(\d+)个社区社会组织"),
    "volunteer_teams": re.compile(r"(?<!活跃)(\d+)支志愿者队伍"),
    "volunteer_leaders": re.compile(r"(\d+)名志愿者骨干"),
    "volunteers": re.compile(r"(\d+)名志愿者(?!骨干)"),
    "active_volunteer_teams": re.compile(r"活跃志愿者队伍(\d+)支"),
}


def read_satisfaction(paragraph: Paragraph, context: Context) -> None:
    text = plain_digits(paragraph.text)
    survey = SURVEY.search(text)
    if survey:
        methods, surveyed, satisfied, threshold = survey.groups()
        context.extra["satisfaction"] = {
            "surveyed": int(surveyed),
            "satisfied": int(satisfied),
            "satisfied_threshold": threshold + "%",
            "methods": [m for m in methods.split("、") if m],
        }
        full_width_note(paragraph, context)
    if "社区培育" in text:
        building = {key: int(m.group(1)) for key, pattern in BUILDING.items() if (m := pattern.search(text))}
        if building:
            context.extra["community_building"] = building


def full_width_note(paragraph: Paragraph, context: Context) -> None:
    if plain_digits(paragraph.text) != paragraph.text:
        context.ask(paragraph, "这一段的数字有全角写法（如“１１１”），已按半角读入数字字段，正文照录原文；请确认数字无误，必要时把正文改为半角。")


FIGURES = {
    "households": re.compile(r"(\d+)户(\d+)人"),
    "coverage": re.compile(r"(\d+(?:\.\d+)?)%(?:全)?覆盖"),
    "person_times": re.compile(r"共服务(\d+)人次"),
    "home_visits": re.compile(r"入户探访(\d+)人次"),
    "phone_visits": re.compile(r"电访(?:服务)?(\d+)人次"),
    "cases": re.compile(r"对(\d+)名[^，。]{0,16}开展个案"),
    "resources_yuan": re.compile(r"链接(?:价值|各类资源折合)(\d+(?:\.\d+)?)元"),
}


def read_sub_districts(heading: Paragraph, paragraphs: list[Paragraph], context: Context) -> None:
    groups: list[tuple[Paragraph, list[Paragraph]]] = []
    for paragraph in paragraphs:
        if SUB_DISTRICT.match(paragraph.text):
            groups.append((paragraph, []))
        elif groups:
            groups[-1][1].append(paragraph)
        else:
            context.ask(paragraph, "这一段在第一个片区（“某片区：社区、……”）之前，未写入记录，请确定它属于哪个片区。")
    sections, declared = [], []
    for header, members in groups:
        match = SUB_DISTRICT.match(header.text)
        name, communities = match.group(1), [c.strip() for c in re.split(r"[、，,]", match.group(2)) if c.strip()]  # type: ignore[union-attr]
        declared.append({"name": name, "communities": communities, "paragraph": header})
        section: dict = {"sub_district": name}
        figures = sub_district_figures(members, context)
        if figures:
            section["figures"] = figures
        sections.append(section | findings(members, context))
    context.report["sub_districts"] = sections
    context.extra["sub_district_headings"] = declared


def sub_district_figures(paragraphs: list[Paragraph], context: Context) -> dict:
    figures: dict = {}
    for paragraph in paragraphs:
        text = plain_digits(paragraph.text)
        found: dict = {}
        for key, pattern in FIGURES.items():
            match = pattern.search(text)
            if match and key == "households":
                found["households"], found["people"] = int(match.group(1)), int(match.group(2))
            elif match:
                found[key] = match.group(1) + "%" if key == "coverage" else as_number(match.group(1))
        if len(found) >= 3 and not figures:  # the paragraph that states the 兜底 figures together
            figures = found
            full_width_note(paragraph, context)
    return figures


def as_number(text: str) -> int | Decimal:
    return Decimal(text) if "." in text else int(text)


SECTION_READERS = {
    "basic_situation": read_basic_situation,
    "progress": read_progress,
    "operations": read_findings_into("operations"),
    "outcomes": read_findings_into("outcomes"),
    "sub_districts": read_sub_districts,
    "purchaser_feedback": read_findings_into("purchaser_feedback"),
    "supervision_feedback": read_findings_into("supervision_feedback"),
}


# --- 三、评估反馈 ------------------------------------------------------------------------------------------------------


def read_feedback(chapter: Chapter | None, context: Context) -> None:
    if chapter is None:
        return
    feedback: dict = {}
    for block in chapter.blocks:
        if not isinstance(block, Paragraph):
            continue
        labelled = re.match(r"^[0-9０-９]+[.．、]\s*(现场反馈|对评估报告初稿的反馈)[：:]\s*(.+)$", block.text, re.S)
        if labelled:
            feedback["on_site" if labelled.group(1) == "现场反馈" else "draft"] = labelled.group(2)
        elif not feedback:
            feedback["introduction"] = block.text
        else:
            context.ask(block, "这一段不是“现场反馈”或“对评估报告初稿的反馈”，未写入记录，请确定它的位置。")
    for key, words in (("on_site", "现场反馈"), ("draft", "对评估报告初稿的反馈")):
        if key not in feedback:
            context.ask(chapter.heading, f"三、评估反馈中没有“{words}”，report.feedback_round.{key} 留空，请按原报告填写。")
    context.report["feedback_round"] = feedback


# --- 四、评估等级: the grade sentence and the score table --------------------------------------------------------------

GRADE_STATION = re.compile(r"^经过评估，(.{1,30}?)本次")  # 经过评估，市桥街东西片社工站本次中期评估的等级为…: its short name
GRADE_SENTENCE = re.compile(r"等级为[“\"]?([^”\"（(]+)[”\"]?[（(]([0-9]+(?:\.[0-9]+)?)分[）)]")


def read_grade(chapter: Chapter, ruleset: RuleSet | None, context: Context) -> None:
    standing = standing_lines(ruleset_standing_text(ruleset, context) or "") if ruleset else []
    tables = [b for b in chapter.blocks if isinstance(b, Table)]
    for block in chapter.blocks:
        if not isinstance(block, Paragraph) or standing_match(block, standing) is not None or block.text.startswith("以下是详细的评分情况"):
            continue
        grade = GRADE_SENTENCE.search(plain_digits(block.text))
        if grade:
            context.report["grade_statement"] = block.text
            named = GRADE_STATION.match(block.text)
            if named and "short_name" not in context.station:  # the introduction's （简称…） comes first
                context.station["short_name"] = named.group(1)
            context.extra["stated"] = {"total": Decimal(grade.group(2)), "grade": grade.group(1)}
        else:
            context.ask(block, "四、评估等级中的这一段既不是规则集的说明，也不是等级的表述，未写入记录，请确定它的位置。")
    if "grade_statement" not in context.report:
        context.ask(chapter.heading, "四、评估等级中没有“等级为“…”（…分）”的表述，stated 未填写，请按原报告填写。")
    if len(tables) > 1:
        context.ask(tables[1], f"评分表分成了 {len(tables)} 个表格（可能跨页断开），已按顺序合并读取，请核对 scores。")
    read_score_rows([row for table in tables for row in table.rows], tables[0], ruleset, context)


@dataclass(frozen=True)
class ScoreRow:
    label: str
    maximum: str
    score: str
    converted: str | None


def score_rows_of(rows: list[tuple[str | None, ...]]) -> tuple[list[ScoreRow], str | None]:
    """The item rows and the stated total, header rows (repeated on a new page) skipped."""
    items, total = [], None
    for row in rows:
        cells = [plain_digits(c) if c else c for c in row]
        if not cells or cells[0] in (None, "", "评估内容"):
            continue
        if cells[0] == "总分":
            total = next((c for c in cells[1:] if c), None)
            continue
        padded = [*cells, None, None, None][:4]
        items.append(ScoreRow(cells[0], padded[1] or "", padded[2] or "", padded[3]))
    return items, total


LABELLED_ROW = re.compile(r"^(.+?)[（(](.+?)[）)]$")


def read_score_rows(rows: list[tuple[str | None, ...]], table: Table, ruleset: RuleSet | None, context: Context) -> None:
    items, total = score_rows_of(rows)
    scores: dict = {}
    labels: list[str] = []
    for row in items:
        match = LABELLED_ROW.match(row.label)
        name, sub = (match.group(1), match.group(2)) if match else (row.label, None)
        item = score_item(name, ruleset)
        if item is None and computed_row(row.label, ruleset):
            context.ask(
                table,
                f"评分表的“{row.label}”（{row.score}）由规则按事实计算，记录中不写它的分数；"
                "报告未载明所依据的事实（facts），请按实际填写，否则计算结果与报告不同。",
            )
            continue
        if item is None:
            context.ask(table, f"评分表的“{row.label}”不是规则集的评分项，未写入 scores，请确认。")
            continue
        if not is_number(row.score):
            context.ask(table, f"评分表“{row.label}”的评分“{row.score}”不是数字，未写入，请填写。")
            continue
        check_row(row, item, sub, context, table, ruleset)
        if sub and item.aggregate:
            scores.setdefault(item.name, {})[sub] = as_number(row.score)
            labels.append(sub)
        else:
            scores[item.name] = as_number(row.score)
    context.extra["scores"] = scores
    context.extra["table_labels"] = labels
    if total is not None:
        stated = context.extra.setdefault("stated", {})
        if stated.get("total") is not None and stated["total"] != Decimal(total):
            context.ask(table, f"评分表的总分 {total} 与等级表述中的 {stated['total']} 不同，stated.total 取等级表述中的，请核对。")
        stated.setdefault("total", Decimal(total))


def check_row(row: ScoreRow, item, sub: str | None, context: Context, table: Table, ruleset: RuleSet | None) -> None:
    if is_number(row.maximum) and Decimal(row.maximum) != item.maximum:
        context.ask(table, f"评分表“{row.label}”的标准分 {row.maximum} 与规则集的满分 {item.maximum} 不同，请核对。")
    # A party scored on its own scale (按百分制折算) converts its items: 90 of 100 is 270 of the total's 1000.
    converts = ruleset is not None and ruleset.converted_maximum(item) != item.maximum
    if not item.aggregate and not converts and row.converted and is_number(row.converted) and Decimal(row.converted) != Decimal(row.score):
        context.ask(table, f"评分表“{row.label}”的折算分 {row.converted} 与评分 {row.score} 不同（规则：折算分即评分），请核对。")
    if sub and not item.aggregate:
        context.ask(table, f"评分表“{row.label}”按片区写出，但规则集的“{item.name}”不按片区评分，请核对。")


def computed_row(label: str, ruleset: RuleSet | None) -> bool:
    """A row the rules compute (an item with a formula, a 加分项 or 扣分项 as score_rows labels it): no record scores it."""
    if ruleset is None:
        return False
    items = {name for i in ruleset.items.values() if i.computed for name in (i.name, i.label)}
    adjustments = {f"{'加分' if a.bonus else '扣分'}：{a.label or a.name}" for a in ruleset.adjustments}
    return label in items or label in adjustments


def score_item(name: str, ruleset: RuleSet | None):
    if ruleset is None:
        return None
    return next((i for i in ruleset.items.values() if not i.computed and name in (i.name, i.label)), None)


def is_number(text: str | None) -> bool:
    return bool(text) and re.fullmatch(r"[0-9]+(\.[0-9]+)?", text or "") is not None


# --- 五、结语 -------------------------------------------------------------------------------------------------------


def read_conclusion(chapter: Chapter | None, context: Context) -> None:
    if chapter is not None:
        context.report["conclusion"] = "\n\n".join(b.text for b in chapter.blocks if isinstance(b, Paragraph))


# --- ids and assembly ------------------------------------------------------------------------------------------


def fill_ids(context: Context, root: Path) -> None:
    """Sub-districts from the score table's labels and the 二（五） headings; the district's name from the office that
    commissioned the evaluation; the station's and district's ids from an existing record of the same station."""
    declare_sub_districts(context)
    office = context.evaluation.get("commissioned_by", "")
    district = re.match(r"^(.+?区)", office)
    context.station["district"] = {"name": district.group(1)} if district else {}
    purchaser = context.evaluation.get("purchaser", "")
    if purchaser.endswith("办事处"):
        context.station["street"] = purchaser.removesuffix("办事处")
    known = known_station(root, context.station.get("name", ""))
    if known:
        context.station["id"], context.station["district"]["id"] = known
        context.notes.append(f"站点编号与区编号取自已有记录：{known[1]}/{known[0]}。")


NUMERALS = str.maketrans("123456789", "一二三四五六七八九")


def sub_district_key(label: str) -> str:
    """东1片区, 东一片区 and 东一片 name the same sub-district; 西片区 and 西片片区 too."""
    return re.sub(r"片|区", "", label.translate(NUMERALS))


def declare_sub_districts(context: Context) -> None:
    headings = context.extra.pop("sub_district_headings", [])
    by_key = {sub_district_key(h["name"]): h for h in headings}
    declared, renamed = [], {}
    for label in context.extra.get("table_labels", []):
        heading = by_key.pop(sub_district_key(label), None)
        identifier = label.translate(NUMERALS)
        entry = {"id": identifier, "name": heading["name"] if heading else identifier, "table_label": label}
        if heading:
            entry["communities"] = heading["communities"]
            renamed[heading["name"]] = identifier
        else:
            context.ask(None, f"评分表有“{label}”，二（五）中没有这个片区的小节，未能写出它的社区，请填写 station.sub_districts。")
        declared.append(entry)
    if not declared:  # no item scored by sub-district: 二（五）'s headings are the sub-districts
        declared = [{"id": h["name"].translate(NUMERALS), "name": h["name"], "communities": h["communities"]} for h in headings]
        renamed = {h["name"]: h["name"].translate(NUMERALS) for h in headings}
        by_key = {}
    for heading in by_key.values():
        context.ask(heading["paragraph"], f"片区“{heading['name']}”在评分表中没有分数，请核对评分表与片区名称。")
    scores = context.extra.get("scores", {})
    for name, value in scores.items():
        if isinstance(value, dict):
            scores[name] = {label.translate(NUMERALS): v for label, v in value.items()}
    for section in context.report.get("sub_districts", []):
        section["sub_district"] = renamed.get(section["sub_district"], section["sub_district"])
    if declared:
        context.station["sub_districts"] = declared


def known_station(root: Path, name: str) -> tuple[str, str] | None:
    """(station id, district id) of an existing record for the station of this name, if there is one."""
    listing = list_sources(root, STATIONS)
    for file in listing.files:
        try:
            content = fast_mapping(read_source_text(root, file)) or {}
        except SiteBuilderError:
            continue
        station = content.get("station") or {}
        if isinstance(station, dict) and station.get("name") == name:
            district = station.get("district") or {}
            return str(station.get("id")), str(district.get("id") if isinstance(district, dict) else "")
    return None


STATION_ORDER = (
    "id",
    "name",
    "short_name",
    "district",
    "street",
    "service_area",
    "addresses",
    "sub_districts",
    "operator",
    "operating_since",
    "service_areas",
)
EVALUATION_ORDER = (
    "period",
    "stage",
    "rules",
    "title",
    "contract",
    "assessed_period",
    "visit_date",
    "duration_days",
    "commissioned_by",
    "purchaser",
    "evaluator",
    "funding_yuan",
)
REPORT_ORDER = (
    "introduction",
    "background",
    "basic_situation",
    "progress",
    "operations",
    "outcomes",
    "sub_districts",
    "purchaser_feedback",
    "supervision_feedback",
    "feedback_round",
    "grade_statement",
    "conclusion",
)


def ordered(mapping: dict, order: tuple[str, ...]) -> dict:
    return {key: mapping[key] for key in order if key in mapping}


def assembled(context: Context, ruleset: RuleSet | None) -> dict:
    """The record in schema order; facts the report does not state are 未核查 with the reason 报告未载明."""
    if ruleset is not None:
        version = {} if context.extra.pop("version_unknown", False) else {"version": ruleset.version}
        context.evaluation["rules"] = {"id": ruleset.id, **version}
    record: dict = {"station": ordered(context.station, STATION_ORDER), "evaluation": ordered(context.evaluation, EVALUATION_ORDER)}
    record["scores"] = context.extra.get("scores", {})
    if context.extra.get("stated"):
        record["stated"] = context.extra["stated"]
    record["facts"] = {name: {"not_checked": NOT_STATED} for name in (ruleset.facts if ruleset else {})}
    if record["facts"]:
        context.notes.append(f"否决事实 {len(record['facts'])} 项报告均未载明，记为未核查（{NOT_STATED}）；核查后请改为实际值。")
    context.extra.pop("standing", None)
    for key in ("indicators", "satisfaction", "community_building", "transcription_notes"):
        if context.extra.get(key):
            record[key] = context.extra[key]
    record["report"] = ordered(context.report, REPORT_ORDER)
    return record


def standing_texts(root: Path, rulesets: list[RuleSet]) -> dict[str, str | None]:
    """Each rule set's standing text (x.rules → x.standing.md), read as every source is."""
    texts: dict[str, str | None] = {}
    for ruleset in rulesets:
        name = Path(ruleset.path).with_suffix(STANDING_SUFFIX).as_posix()
        try:
            texts[ruleset.path] = read_source_text(root, name)
        except SiteBuilderError:
            texts[ruleset.path] = None
    return texts


# --- the record's text ---------------------------------------------------------------------------------------


def record_text(record: dict, relative: Path, source: str) -> str:
    """The record in the canonical layout of `site-builder fmt`: narratives as |- blocks, short lists in brackets."""
    from ruamel.yaml.comments import CommentedMap

    from .authoring import canonical_layout, schema_link
    from .yaml_source import dump_yaml

    document = yaml_node(record, ())
    assert isinstance(document, CommentedMap)
    document.yaml_set_start_comment(
        f"yaml-language-server: $schema={schema_link(relative)}\n由 site-builder import 从 {source} 生成，请按命令列出的复核清单逐项核对。"
    )
    return canonical_layout(dump_yaml(document))


FLOW_KEYS = {"communities", "service_areas", "methods", "not_checked"}


def yaml_node(value, keys: tuple):
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

    from .yaml_source import FLOAT_TAG, INT_TAG, NumberAsWritten

    if isinstance(value, dict):
        node = CommentedMap((k, yaml_node(v, (*keys, k))) for k, v in value.items())
        if "not_checked" in value or keys[-1:] == ("indicators",):
            node.fa.set_flow_style()
        return node
    if isinstance(value, list):
        seq = CommentedSeq(yaml_node(v, keys) for v in value)
        if keys and keys[-1] in FLOW_KEYS:
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, bool) or value is None or isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, Decimal)):
        number = NumberAsWritten(str(value))
        number.tag = FLOAT_TAG if isinstance(value, Decimal) and "." in str(value) else INT_TAG
        return number
    if keys[:1] == ("report",) and not {"sub_district", "title", "figures"} & set(keys):
        return LiteralScalarString(value)
    if keys[-1:] in (("period",), ("version",)) or value.endswith("%"):
        return DoubleQuotedScalarString(value)
    return value
