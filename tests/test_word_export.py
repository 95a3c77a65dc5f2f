"""site-builder export: a record's official report as .docx (site/word_export.py), read back by python-docx and by
`site-builder import`: the round trip gives the record back, the bytes are reproducible, the score table's 折算分
cell is merged over the sub-district rows, the styles set a CJK font, and nothing of the site's own sections is in it."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from site_harness import copy_seed_repo

from site_builder.commands.cli import main
from site_builder.language.score_rows import score_rows
from site_builder.records.project import load_project
from site_builder.records.word_import import MERGED, Table, import_report, read_document, record_text
from site_builder.records.yaml_source import load_yaml, to_plain
from site_builder.site.assembly import standing_text
from site_builder.site.pages.report import SITE_SECTION, grade_statement
from site_builder.site.word_export import EAST_ASIAN_FONT, docx_bytes

FIXTURES = Path(__file__).parent / "fixtures"
SEED_REPO = FIXTURES / "seed-repo"
SEED = Path("stations/panyu/shiqiao-dongxi/2024-2025-中期.yaml")
FIXTURE_ROOTS = [SEED_REPO, *sorted(p.parent for p in (FIXTURES / "regimes").glob("*/stations"))]

# What a Word report cannot carry back, so the round trip leaves it out of the comparison:
# - facts: the report states no veto facts, so the import marks each 未核查 with the reason 报告未载明 (the record's
#   own, more precise reasons and any checked value are not in the report);
# - indicators: the import leaves the progress figures in the narrative (it would have to make up their names);
# - transcription_notes: the export prints the corrected headings, so there is no slip left to note.
NOT_CARRIED = ("facts", "indicators", "transcription_notes")


def exported(root: Path, key: str | None = None) -> tuple[bytes, object, object]:
    project = load_project(root)
    record = project.record(key) if key else project.records[0]
    result = project.results[record.key]
    return docx_bytes(record, result, standing_text(project, result.ruleset)), record, result


def round_trip(root: Path, record_path: Path, tmp_path: Path) -> tuple[dict, dict, list[str]]:
    """(the committed record, the record imported from its export, the review list), both as plain data."""
    project = load_project(root)
    record = next(r for r in project.records if r.path == record_path.as_posix())
    result = project.results[record.key]
    document = tmp_path / "export.docx"
    document.write_bytes(docx_bytes(record, result, standing_text(project, result.ruleset)))
    imported = import_report(document, read_document(document), project.rulesets, root)
    text = record_text(imported.record, record_path, document.name)  # as `site-builder import` writes it
    back = to_plain(load_yaml(text, str(record_path)))
    committed = to_plain(load_yaml((root / record_path).read_text(encoding="utf-8"), str(record_path)))
    return committed, back, [item.text() for item in imported.review]


def without(record: dict, keys=NOT_CARRIED) -> dict:
    return {key: value for key, value in record.items() if key not in keys}


def test_the_seed_record_comes_back_from_its_word_export(tmp_path):
    committed, back, review = round_trip(SEED_REPO, SEED, tmp_path)
    assert without(back) == without(committed)
    assert set(back["facts"]) == set(committed["facts"])  # every fact, each 未核查 (报告未载明)
    assert {value["not_checked"] for value in back["facts"].values()} == {"报告未载明"}
    # The one review item: the progress figures stay in the narrative, as for the original report.
    assert len(review) == 1 and "indicators" in review[0]


NARRATIVE = st.text(alphabet="社工站服务居民开展活动良好完善提升需求关注持续加强，。；", min_size=2, max_size=60).filter(
    lambda text: text[0] not in "，。；"
)


# Each example loads a repository twice: few examples, and no shrinking (a failure prints its example as found).
@settings(
    max_examples=30, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate], suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    conclusion=NARRATIVE,
    positives=st.lists(NARRATIVE, min_size=1, max_size=4),
    concerns=st.lists(NARRATIVE, min_size=1, max_size=3),
    quality=st.lists(st.integers(min_value=0, max_value=2000), min_size=3, max_size=3),
    purchaser=st.integers(min_value=0, max_value=20),
    communities=st.lists(st.sampled_from(["德兴社区", "沙圩一村", "东丽社区", "西郊村", "桥福社区", "新村"]), min_size=1, max_size=4, unique=True),
)
def test_generated_records_come_back_from_their_word_export(tmp_path, conclusion, positives, concerns, quality, purchaser, communities):
    """The seed record with other narratives, other scores within their maxima and other communities."""
    work = Path(tempfile.mkdtemp(dir=tmp_path))  # one per example: hypothesis reuses tmp_path
    root = work / "repo"
    shutil.copytree(SEED_REPO, root)
    path = root / SEED
    record = to_plain(load_yaml(path.read_text(encoding="utf-8"), str(SEED)))
    record["report"]["conclusion"] = conclusion
    record["report"]["operations"]["positives"] = positives
    record["report"]["outcomes"]["concerns"] = concerns
    for sub_district, score in zip(record["scores"]["服务质量"], quality):
        record["scores"]["服务质量"][sub_district] = Decimal(score) / 100
    record["scores"]["购买方评分"] = purchaser
    record["station"]["sub_districts"][1]["communities"] = communities
    # The evaluation changes with the scores, and the export (like the report page) states the computed result: the
    # original report's total and grade, and its sentence 经过评估…等级为“良好”（89.76分）, no longer hold.
    record.pop("stated")
    record["report"].pop("grade_statement")
    path.write_text(record_text(record, SEED, "hypothesis"), encoding="utf-8")
    committed, back, _ = round_trip(root, SEED, work)
    project = load_project(root)
    record_read, result = project.records[0], project.results[project.records[0].key]
    statement = back["report"].pop("grade_statement")
    assert without(back, (*NOT_CARRIED, "stated")) == without(committed, (*NOT_CARRIED, "stated"))
    assert back["stated"] == {"total": result.total, "grade": result.grade}
    assert statement == grade_statement(record_read, result, str)
    shutil.rmtree(work)


REGIME_RECORDS = [
    (root, Path(path.relative_to(root).as_posix())) for root in FIXTURE_ROOTS[1:] for path in sorted((root / "stations").rglob("*.yaml"))
]


@pytest.mark.parametrize(("root", "record_path"), REGIME_RECORDS, ids=lambda p: p.as_posix().replace("/", "_") if isinstance(p, Path) else "")
def test_regime_records_come_back_with_their_rule_set_scores_and_narrative(root, record_path, tmp_path):
    """Rule sets without standing text (or whose text the report does not repeat) are recognised by the score table's
    items. What these small records' documents do not state stays behind: their background names no visit date,
    evaluator or assessed period, and the station's street, district name and operator are in no report section."""
    project = load_project(root)
    if not any(r.path == record_path.as_posix() and r.key in project.results for r in project.records):
        pytest.skip("an erroneous fixture record: it has no evaluation to export")
    committed, back, review = round_trip(root, record_path, tmp_path)
    assert back["evaluation"]["rules"]["id"] == committed["evaluation"]["rules"]["id"]
    assert back["scores"] == committed["scores"]
    # The narrative, the sub-districts with their communities, and the short name (from the grade sentence) come back.
    assert without(back["report"], ("grade_statement",)) == without(committed["report"], ("grade_statement",))
    assert back["station"]["short_name"] == committed["station"]["short_name"]
    if committed["report"].get("sub_districts"):
        assert back["station"]["sub_districts"] == committed["station"]["sub_districts"]
    # Every row is placed: the export's converted scores hold, a party's converted to the total's scale (90 of 100 → 270)
    # included, and each row names an item of the rule set.
    assert [item for item in review if "折算分" in item or "不是规则集的评分项" in item] == []
    # Rows the rules compute (a formula item, 加分项, 扣分项) are named as such, with the figure, for the facts behind them.
    assert all("由规则按事实计算" in item for item in review if "评分表的" in item)


@pytest.mark.parametrize("root", FIXTURE_ROOTS, ids=lambda p: p.name)
def test_every_fixture_record_exports_a_document_that_opens(root, tmp_path):
    project = load_project(root)
    for record in (r for r in project.records if r.key in project.results):  # the fixture's erroneous records have none
        result = project.results[record.key]
        data = docx_bytes(record, result, standing_text(project, result.ruleset))
        document = docx.Document(io.BytesIO(data))
        texts = [p.text for p in document.paragraphs]
        assert texts[0] == (record.evaluation.get("title") or texts[0]) and texts[0].endswith("报告")
        assert any(f"（{result.total:f}分）" in t or f"（{result.total}分）" in t for t in texts)
        table = document.tables[0]
        assert len(table.rows) == len(score_rows(result, record.table_label)) + 2  # header, rows, 总分
        assert table.rows[-1].cells[0].text == "总分" and table.rows[-1].cells[-1].text == str(result.total)


def test_no_site_only_material_in_the_document():
    data, _, _ = exported(SEED_REPO)
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    for site_only in (SITE_SECTION, "一票否决核查", "计算过程", "数据来源", "转录说明", "下载 PDF", "对评估结果有异议"):
        assert site_only not in text
    assert "五、结语" in text and "以下是详细的评分情况：" in text


def test_the_sub_district_converted_score_is_one_merged_cell(tmp_path):
    data, _, _ = exported(SEED_REPO)
    path = tmp_path / "seed.docx"
    path.write_bytes(data)
    table = next(block for block in read_document(path) if isinstance(block, Table))
    quality = [row for row in table.rows if row[0] and row[0].startswith("服务质量")]
    assert [row[3] for row in quality] == ["15.09", MERGED, MERGED]
    assert table.rows[-1] == ("总分", "89.76")  # the label spans three columns


def test_styles_set_a_cjk_font_with_a_latin_fallback():
    data, _, _ = exported(SEED_REPO)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        styles = archive.read("word/styles.xml").decode("utf-8")
    document = docx.Document(io.BytesIO(data))
    fonts = document.styles["Normal"].element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == EAST_ASIAN_FONT
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}ascii") == "Times New Roman"
    assert styles.count(f'w:eastAsia="{EAST_ASIAN_FONT}"') >= 2  # the document defaults too
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)


def test_the_same_inputs_give_the_same_bytes(monkeypatch):
    # A site built earlier in this process (the plugin's on_config) may have set it; the visit date is the default.
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first, record, _ = exported(SEED_REPO)
    assert exported(SEED_REPO)[0] == first
    properties = docx.Document(io.BytesIO(first)).core_properties
    assert properties.created.date().isoformat() == str(record.evaluation["visit_date"])
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    stamped = exported(SEED_REPO)[0]
    assert stamped != first and exported(SEED_REPO)[0] == stamped
    assert docx.Document(io.BytesIO(stamped)).core_properties.created.year == 2026


def test_the_export_command_writes_beside_the_record_or_to_out(tmp_path, capsys):
    root = tmp_path / "repo"
    shutil.copytree(SEED_REPO, root)
    assert main(["--root", str(root), "export", str(root / SEED)]) == 0
    assert "已写入" in capsys.readouterr().out
    assert (root / SEED).with_suffix(".docx").read_bytes() == exported(SEED_REPO)[0]
    assert main(["--root", str(root), "export", str(root / SEED), "--out", str(tmp_path / "x.txt")]) == 1
    assert "--out 应是 .docx 文件" in capsys.readouterr().err
    assert not (tmp_path / "x.txt").exists()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed; .ci/run does not install it (large)")
def test_libreoffice_renders_the_export(tmp_path):
    data, record, result = exported(SEED_REPO)
    (tmp_path / "seed.docx").write_bytes(data)
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / "seed.docx")], check=True, timeout=180)
    text = subprocess.run(["pdftotext", str(tmp_path / "seed.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    assert record.evaluation["title"] in flat and f"（{result.total}分）" in flat and "15.09" in flat


REPORT = "reports/panyu/shiqiao-dongxi/2024-2025-中期"
DOWNLOAD_WORD = re.compile(r'<a class="docx-download" href="([^"]+)"[^>]*>下载 Word</a>')


@pytest.mark.slow
def test_build_with_docx_puts_the_report_beside_its_page_and_links_it_and_without_it_neither(tmp_path, monkeypatch):
    monkeypatch.delenv("SITE_BUILDER_DOCX", raising=False)
    repo = copy_seed_repo(tmp_path / "repo", site=True)
    assert main(["--root", str(repo), "build", "--docx"]) == 0
    site = repo / "site"
    document = site / f"{REPORT}.docx"
    word = docx.Document(io.BytesIO(document.read_bytes()))
    _, record, result = exported(SEED_REPO)
    assert word.paragraphs[0].text == record.evaluation["title"]
    assert word.tables[0].rows[-1].cells[-1].text == str(result.total) == "89.76"
    link = DOWNLOAD_WORD.search((site / REPORT / "index.html").read_text(encoding="utf-8"))
    assert link and (site / REPORT / link.group(1)).resolve() == document.resolve()
    # Built again without the option, from the same page cache: the cached page with the link must not be reused.
    assert main(["--root", str(repo), "build"]) == 0
    assert list(site.rglob("*.docx")) == []
    page = (site / REPORT / "index.html").read_text(encoding="utf-8")
    assert "下载 Word" not in page and "site-builder: Word" not in page
