"""site-builder import: the 市桥 report as Word (tests/make_docx_fixture.py) back to a record that evaluates as the
committed one does, its variants with the right review items, and every bad input refused in Chinese with nothing written."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import make_docx_fixture
import pytest

from site_builder.commands.cli import main
from site_builder.records.yaml_source import load_yaml, to_plain

FIXTURES = Path(__file__).parent / "fixtures"
SEED_REPO = FIXTURES / "seed-repo"
RECORD = Path("stations/panyu/shiqiao-dongxi/2024-2025-中期.yaml")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The seed repository without its 市桥 record, so that the import writes where the ids say."""
    root = tmp_path / "repo"
    shutil.copytree(SEED_REPO, root)
    (root / RECORD).unlink()
    return root


def run_import(root: Path, report: Path, capsys, *extra: str) -> tuple[int, str, str]:
    status = main(["--root", str(root), "import", str(report), "--district", "panyu", "--station", "shiqiao-dongxi", *extra])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def variant(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.docx"
    path.write_bytes(make_docx_fixture.build(name))
    return path


def test_the_committed_docx_is_what_the_script_builds():
    assert make_docx_fixture.FIXTURE.read_bytes() == make_docx_fixture.build()


def test_import_of_the_fixture_evaluates_to_8976_good(repo, capsys, monkeypatch):
    status, out, _ = run_import(repo, make_docx_fixture.FIXTURE, capsys)
    assert status == 1  # the two heading slips and the indicators need a person
    assert (repo / RECORD).exists()
    monkeypatch.chdir(repo)
    assert main(["check"]) == 0
    assert "0 处错误，0 条警告" in capsys.readouterr().out
    assert main(["evaluate", str(RECORD), "--json"]) == 0
    result = capsys.readouterr().out
    assert '"total": "89.76"' in result and '"grade": "良好"' in result
    assert re.search(r'"name": "服务质量",.*?"converted": "15.09"', result, re.S)


def imported_and_committed(repo: Path, capsys, report: Path = make_docx_fixture.FIXTURE) -> tuple[dict, dict]:
    run_import(repo, report, capsys)
    imported = to_plain(load_yaml((repo / RECORD).read_text(encoding="utf-8"), str(RECORD)))
    committed = to_plain(load_yaml((SEED_REPO / RECORD).read_text(encoding="utf-8"), str(RECORD)))
    return imported, committed


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[。；！？])|\n+", text) if s.strip()]


def narratives(node) -> list[str]:
    if isinstance(node, dict):
        return [t for key, value in node.items() if key not in ("sub_district", "figures", "title") for t in narratives(value)]
    if isinstance(node, list):
        return [t for value in node for t in narratives(value)]
    return [node] if isinstance(node, str) else []


def test_every_narrative_sentence_of_the_committed_record_is_imported(repo, capsys):
    imported, committed = imported_and_committed(repo, capsys)
    text = re.sub(r"\s+", "", "".join(narratives(imported["report"])))
    missing = [s for n in narratives(committed["report"]) for s in sentences(n) if re.sub(r"(^\d+\.)|\s+", "", s) not in text]
    assert missing == []


def test_communities_figures_and_station_facts_match_the_committed_record(repo, capsys):
    imported, committed = imported_and_committed(repo, capsys)
    assert imported["scores"] == committed["scores"]
    assert imported["stated"] == committed["stated"]
    assert imported["satisfaction"] == committed["satisfaction"]
    assert imported["community_building"] == committed["community_building"]
    assert imported["transcription_notes"] == committed["transcription_notes"]
    assert imported["station"]["sub_districts"] == committed["station"]["sub_districts"]
    for key in ("name", "short_name", "street", "service_area", "addresses", "operator", "operating_since", "service_areas"):
        assert imported["station"][key] == committed["station"][key], key
    assert imported["evaluation"] == committed["evaluation"]
    assert [s.get("figures") for s in imported["report"]["sub_districts"]] == [s.get("figures") for s in committed["report"]["sub_districts"]]
    assert all(fact == {"not_checked": "报告未载明"} for fact in imported["facts"].values())
    assert imported["facts"].keys() == committed["facts"].keys()


def review_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if re.match(r"\s+\d+\. 第", line) or re.match(r"\s+\d+\. 文档", line)]


def test_the_fixture_review_list_names_what_it_could_not_place(repo, capsys):
    _, out, _ = run_import(repo, make_docx_fixture.FIXTURE, capsys)
    review = review_lines(out)
    assert len(review) == 3
    assert "第 53 段“（―）社工站基本情况”" in review[0]
    assert "（7） 市督导中心反馈" in review[1]
    assert "未写入 indicators" in review[2]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("reordered", ["（1）、（3）、（2）"]),
        ("blank-paragraphs", []),
        ("split-table", ["评分表分成了 2 个表格"]),
        ("full-width-digits", ["（４）在服务评价中", "（２）东二片社工"]),
        ("missing-section", ["没有“三、评估反馈”一节"]),
    ],
)
def test_variants_import_with_the_right_review_items(repo, capsys, tmp_path, name, expected):
    baseline = 3
    status, out, _ = run_import(repo, variant(tmp_path, name), capsys)
    review = review_lines(out)
    assert status == 1
    assert len(review) == baseline + len(expected)
    extra = review[baseline:] if name != "reordered" else review
    for words in expected:
        assert any(words in line for line in extra), (words, review)
    imported = to_plain(load_yaml((repo / RECORD).read_text(encoding="utf-8"), str(RECORD)))
    committed = to_plain(load_yaml((SEED_REPO / RECORD).read_text(encoding="utf-8"), str(RECORD)))
    assert imported["scores"] == committed["scores"]
    if name == "full-width-digits":
        assert imported["satisfaction"] == committed["satisfaction"]


def encrypted_docx() -> bytes:
    """An OLE2 container holding an EncryptedPackage stream, as Office writes a password-protected .docx."""
    return make_docx_fixture_ole2(b"\x00" * 64 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 64)


def make_docx_fixture_ole2(body: bytes) -> bytes:
    return bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504 + body


def plain_zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "你好")


def other_document() -> bytes:
    import io

    import docx

    document = docx.Document()
    document.add_paragraph("会议纪要")
    document.add_paragraph("一、会议内容")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("file_name", "make", "words"),
    [
        ("报告.doc", lambda p: p.write_bytes(make_docx_fixture_ole2(b"WordDocument")), "libreoffice --headless --convert-to docx"),
        ("报告.wps", lambda p: p.write_bytes(make_docx_fixture_ole2(b"WPS")), "WPS 文字的 .wps 文件"),
        ("报告.docx", lambda p: p.write_bytes(encrypted_docx()), "已加密"),
        ("报告.docx", plain_zip, "其中没有 Word 正文"),
        ("报告.docx", lambda p: p.write_text("不是文档", encoding="utf-8"), "不是 Word 文档"),
        ("纪要.docx", lambda p: p.write_bytes(other_document()), "没有找到评估报告的结构"),
        ("报告.docx", lambda p: p.write_bytes(make_docx_fixture.build("no-score-table")), "没有评分表"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_is_written(repo, capsys, tmp_path, file_name, make, words):
    report = tmp_path / file_name
    make(report)
    before = sorted(p.relative_to(repo) for p in repo.rglob("*"))
    status, out, err = run_import(repo, report, capsys)
    assert status == 1
    assert words in err and err.startswith("错误：") and "Traceback" not in err
    assert sorted(p.relative_to(repo) for p in repo.rglob("*")) == before


def test_a_folder_is_imported_as_a_table(repo, capsys, tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(make_docx_fixture.FIXTURE, folder / "市桥.docx")
    (folder / "旧.doc").write_bytes(make_docx_fixture_ole2(b"WordDocument"))
    status, out, _ = run_import(repo, folder, capsys)
    assert status == 1
    assert re.search(r"市桥\.docx\s+市桥街东西片社工服务站\s+中期\s+需复核\s+3 处需复核", out)
    assert re.search(r"旧\.doc\s+拒绝\s+.*\.doc 文件", out)
    assert "共 2 份：已导入 0 份，需复核 1 份，拒绝 1 份。" in out
