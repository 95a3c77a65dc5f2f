"""Build tests/fixtures/word/shiqiao-midterm-2025.docx from the seed report's text, the way the original was made.

The only real report we have is a text dump of a .docx (tests/fixtures/seed-report/). This script turns it back into
a Word document that looks like the original to a reader of its structure: plain numbered paragraphs (no Word heading
styles), the score table as a Word table whose 折算分 cell 15.09 spans the three 片区 rows, the 总分 label spanning
three columns, and bookmarks between runs as Word leaves them. The robustness variants that the import tests need
(reordered, blank paragraphs, a split table, full-width digits, a missing section, no table) are built from the same
lines, so anyone can see how each was made.

Run `python tests/make_docx_fixture.py` to rewrite the committed file; the output is byte-reproducible (fixed
core-properties dates and fixed zip timestamps), and a test checks that the committed file is what this script builds.
"""

from __future__ import annotations

import datetime
import io
import sys
import zipfile
from pathlib import Path

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

HERE = Path(__file__).parent
SEED_TEXT = HERE / "fixtures" / "seed-report" / "shiqiao-midterm-report-2025.txt"
FIXTURE = HERE / "fixtures" / "word" / "shiqiao-midterm-2025.docx"
TABLE_LEAD = "以下是详细的评分情况："
FIXED_TIME = datetime.datetime(2025, 3, 1, 9, 0, 0)
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def seed_lines() -> list[str]:
    return SEED_TEXT.read_text(encoding="utf-8").splitlines()


def split_report(lines: list[str]) -> tuple[list[str], list[list[str]], list[str]]:
    """The paragraphs before the score table, the table's rows (tab-separated cells, a blank line after each row),
    and the paragraphs after it."""
    lead = lines.index(TABLE_LEAD) + 1
    end = next(i for i in range(lead, len(lines)) if lines[i] and not lines[i].startswith("\t"))
    rows, row = [], []
    for line in lines[lead:end]:
        if line.startswith("\t"):
            row.append(line[1:])
        elif row:
            rows.append(row)
            row = []
    return [line for line in lines[:lead] if line.strip()], rows, [line for line in lines[end:] if line.strip()]


def add_paragraph(document, text: str, bookmark: int | None = None) -> None:
    """A plain paragraph in the Normal style; a bookmark, when given, sits between two runs as Word writes it."""
    paragraph = document.add_paragraph()
    if bookmark is None or len(text) < 2:
        paragraph.add_run(text)
        return
    paragraph.add_run(text[:1])
    start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
    start.set(qn("w:id"), str(bookmark))
    start.set(qn("w:name"), f"bookmark{bookmark}")
    end.set(qn("w:id"), str(bookmark))
    paragraph._p.append(start)
    paragraph._p.append(end)
    paragraph.add_run(text[1:])


def add_score_table(document, rows: list[list[str]]) -> None:
    """The score table: 4 columns; an empty 折算分 under a filled one continues it (vertical merge), and the 总分
    row's label spans the first three columns."""
    table = document.add_table(rows=len(rows), cols=4)
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        if len(row) == 2:  # 总分 and its value
            label = table.cell(r, 0).merge(table.cell(r, 2))
            label.text, table.cell(r, 3).text = row
            continue
        for c, text in enumerate(row):
            if text:
                table.cell(r, c).text = text
    for r, row in enumerate(rows):
        if len(row) == 4 and not row[3]:
            top = next((t for t in range(r, -1, -1) if rows[t][3]), None)
            if top is not None:  # in the second half of a split table the merge was broken by the page
                table.cell(top, 3).merge(table.cell(r, 3))


def build(variant: str = "original") -> bytes:
    """The fixture, or one of its variants (VARIANTS), as .docx bytes."""
    before, rows, after = split_report(seed_lines())
    before, rows, after = VARIANTS[variant](before, rows, after)
    document = docx.Document()
    for index, text in enumerate(before):
        add_paragraph(document, text, bookmark=index if index % 9 == 4 else None)
    tables = rows if rows and isinstance(rows[0][0], list) else [rows] if rows else []
    for number, part in enumerate(tables):
        if number:
            add_paragraph(document, "")  # a page break's empty paragraph between the two halves
        add_score_table(document, part)
    for text in after:
        add_paragraph(document, text)
    fix_properties(document)
    return reproducible(document)


def fix_properties(document) -> None:
    properties = document.core_properties
    properties.author = properties.last_modified_by = "评估机构"
    properties.title = "评估报告"
    properties.created = properties.modified = properties.last_printed = FIXED_TIME
    properties.revision = 1


def reproducible(document) -> bytes:
    """The saved document with every zip entry's timestamp fixed (python-docx stamps them with the time of saving)."""
    saved = io.BytesIO()
    document.save(saved)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(saved.getvalue())) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=(2025, 3, 1, 9, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(entry.filename))
    return out.getvalue()


# --- variants ------------------------------------------------------------------------------------------------


def original(before, rows, after):
    return before, rows, after


def reordered(before, rows, after):
    """二（三）1's items (2) and (3) swapped."""
    first = before.index(next(line for line in before if line.startswith("（2）重视服务内检")))
    before = list(before)
    before[first], before[first + 1] = before[first + 1], before[first]
    return before, rows, after


def blank_paragraphs(before, rows, after):
    """An empty paragraph after every fifth one, and two before 五、结语, as pressing Enter leaves them."""
    spaced = []
    for index, line in enumerate(before):
        spaced += [line, ""] if index % 5 == 0 else [line]
    return spaced, rows, ["", "", *after]


def split_table(before, rows, after):
    """The score table broken across a page: the header and first four rows, then the rest in a second table."""
    return before, [rows[:5], rows[5:]], after


def full_width_digits(before, rows, after):
    """Full-width digits in two paragraphs, typed with a Chinese input method: 二（四）1（4） and 东二片区 1（2）."""
    changed = []
    for line in before:
        if line.startswith("（4）在服务评价中") or line.startswith("（2）东二片社工对片区"):
            line = line.translate(FULL_WIDTH)
        changed.append(line)
    return changed, rows, after


def missing_section(before, rows, after):
    """Without 三、评估反馈 (its heading and its three paragraphs)."""
    start = before.index("三、评估反馈")
    return before[:start] + before[start + 4 :], rows, after


def no_score_table(before, rows, after):
    return before, [], after


VARIANTS = {
    "original": original,
    "reordered": reordered,
    "blank-paragraphs": blank_paragraphs,
    "split-table": split_table,
    "full-width-digits": full_width_digits,
    "missing-section": missing_section,
    "no-score-table": no_score_table,
}


if __name__ == "__main__":
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_bytes(build())
    print(f"wrote {FIXTURE}", file=sys.stderr)
