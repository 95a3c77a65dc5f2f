"""PDFs of the reports: `site-builder build --pdf` writes one beside each report page, A4, numbered, with the
computed result in real (embedded, searchable) Chinese text; every page is rendered to PNG for a person to look at
(tests/artifacts/pdf-page-NN.png). Without --pdf there are no PDFs and no link to one."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from site_harness import ARTIFACTS, copy_seed_repo

from site_builder.commands.cli import main
from site_builder.site.pdf import render_reports

pytestmark = [pytest.mark.pdf, pytest.mark.slow]
REPORT = "reports/panyu/shiqiao-dongxi/2024-2025-中期"
A4 = (595.28, 841.89)  # points


def copy_inputs(repo: Path) -> Path:
    return copy_seed_repo(repo, site=True)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    repo = copy_inputs(tmp_path_factory.mktemp("repo"))
    assert main(["--root", str(repo), "build", "--pdf"]) == 0
    return repo / "site"


@pytest.fixture(scope="module")
def pdf(site) -> Path:
    return site / f"{REPORT}.pdf"


def poppler(*args: str) -> str:
    return subprocess.run(list(args), capture_output=True, text=True, check=True).stdout


def info(pdf: Path) -> dict[str, str]:
    return dict(line.split(":", 1) for line in poppler("pdfinfo", str(pdf)).splitlines() if ":" in line)


def test_the_pdf_is_beside_the_report_page_and_the_page_links_to_it(site, pdf):
    assert pdf.read_bytes().startswith(b"%PDF-")
    page = (site / REPORT / "index.html").read_text(encoding="utf-8")
    link = re.search(r'<a class="pdf-download" href="([^"]+)"[^>]*>下载 PDF</a>', page)
    assert link and (site / REPORT / link.group(1)).resolve() == pdf.resolve()


def test_the_pdf_is_a4_with_several_pages_tagged_and_its_fonts_embedded(pdf):
    meta = info(pdf)
    assert int(meta["Pages"]) >= 2
    width, height = (float(x) for x in re.findall(r"[\d.]+", meta["Page size"])[:2])
    assert abs(width - A4[0]) < 1 and abs(height - A4[1]) < 1, meta["Page size"]
    assert meta["Tagged"].strip() == "yes"  # PDF/UA-1: headings, tables and reading order for screen readers
    fonts = poppler("pdffonts", str(pdf)).splitlines()[2:]
    assert fonts and all(" yes " in line for line in fonts)  # every font embedded …
    assert not [line for line in fonts if "Type 3" in line]  # … as a font, not as drawn glyphs
    assert any("CJK" in line for line in fonts)


def test_the_pdf_is_the_official_report_without_the_sites_own_section(pdf):
    text = re.sub(r"\s+", "", poppler("pdftotext", str(pdf), "-"))  # pdftotext breaks lines where the page does
    assert "市桥街东西片社工服务站中期评估报告" in text
    assert "89.76" in text and "良好" in text
    # 四、评估等级 as the source words it, and the transcription note, which belongs to the printed report
    assert "四、评估等级评估总分为100分，其中，第三方评估机构占比55%、街道办事处（镇人民政府）占比20%" in text
    assert "转录说明" in text
    for site_only in ("网站核对与说明", "一票否决核查", "计算过程", "数据来源", "与同区同期及上次评估的比较"):
        assert site_only not in text, site_only  # the site's own checks and notes are left out of print
    assert "下载PDF" not in text and "跳转至" not in text and "搜索" not in text  # no site chrome


def test_every_page_is_numbered(pdf):
    pages = int(info(pdf)["Pages"])
    for number in range(1, pages + 1):
        text = poppler("pdftotext", "-f", str(number), "-l", str(number), str(pdf), "-")
        assert f"第 {number} 页，共 {pages} 页" in text, f"page {number} has no page number"


def test_pages_render_to_png_for_a_person_to_look_at(pdf):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("pdf-page-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(ARTIFACTS / "pdf-page")], check=True)
    pngs = sorted(ARTIFACTS.glob("pdf-page-*.png"))
    assert len(pngs) == int(info(pdf)["Pages"])
    assert all(png.stat().st_size > 5_000 for png in pngs)  # not blank


def test_the_same_page_gives_the_same_pdf_bytes(site, pdf, tmp_path):
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    (copy / f"{REPORT}.pdf").unlink()
    render_reports(copy, [f"{REPORT}.md"], jobs=1)
    assert (copy / f"{REPORT}.pdf").read_bytes() == pdf.read_bytes()


def test_without_the_option_there_is_no_pdf_and_no_link(tmp_path, monkeypatch):
    monkeypatch.delenv("SITE_BUILDER_PDF", raising=False)
    repo = copy_inputs(tmp_path / "repo")
    assert main(["--root", str(repo), "build"]) == 0
    site = repo / "site"
    assert list(site.rglob("*.pdf")) == []
    page = (site / REPORT / "index.html").read_text(encoding="utf-8")
    assert "下载 PDF" not in page and "site-builder: PDF" not in page


def test_links_in_a_pdf_go_to_the_published_site_or_nowhere():
    from site_builder.site.pdf import absolute_links

    html = '<a href="../../../../districts/panyu/">番禺区</a> <a href="#一票否决核查">核查</a> <a href="https://example.org/x">x</a>'
    assert absolute_links(html, "https://sgz.example.cn/reports/panyu/shiqiao-dongxi/2024-2025-中期/") == (
        '<a href="https://sgz.example.cn/districts/panyu/">番禺区</a> <a href="#一票否决核查">核查</a> <a href="https://example.org/x">x</a>'
    )
    assert absolute_links(html, None).startswith('<a data-pdf-href="../../../../districts/panyu/">番禺区</a> <a href="#一票否决核查">')


def test_a_page_that_cannot_be_rendered_stops_the_build_with_a_chinese_message(site, tmp_path):
    from site_builder.errors import SiteBuilderError

    copy = tmp_path / "site"
    shutil.copytree(site / "assets", copy / "assets")
    with pytest.raises(SiteBuilderError, match="生成 PDF 失败：.*index.html"):
        render_reports(copy, [f"{REPORT}.md", "reports/panyu/missing/2024-2025-中期.md"], jobs=2)
