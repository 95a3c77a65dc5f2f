"""Open data: a real build publishes data/results.csv and .json, one JSON per record beside its report, and a
data-dictionary page; report, home and all-reports pages link to them."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from sample_evaluations import EARLIER, EARLIER_STAFF_SHORTFALL, FIRED_EARLIER, KEYS, SEED
from site_harness import copy_seed_repo

from site_builder.records.project import load_project
from site_builder.site.assembly import evaluated
from site_builder.site.open_data import DECIMAL, FORMULA_STARTS, OUR_NUMBER, TEXT, csv_cell, open_data_files
from site_builder.site.pages import urls

BOM = b"\xef\xbb\xbf"


@pytest.fixture(scope="module")
def site(sample_site):
    """The seed repository with a peer and an earlier evaluation, built once per session (conftest.py); read only."""
    return sample_site


@pytest.fixture(scope="module")
def table(site) -> list[dict[str, str]]:
    raw = (site / "data/results.csv").read_bytes()
    assert raw.startswith(BOM)
    return list(csv.DictReader(io.StringIO(raw[len(BOM) :].decode("utf-8"), newline="")))


def header(site) -> list[str]:
    return next(csv.reader(io.StringIO((site / "data/results.csv").read_text(encoding="utf-8-sig"))))


def by_key(rows: list[dict]) -> dict[str, dict]:
    return {row["记录编号"]: row for row in rows}


@pytest.mark.slow
def test_csv_has_one_row_per_record_in_key_order_with_the_seed_figures(table):
    assert [row["记录编号"] for row in table] == sorted(KEYS.values())
    seed = by_key(table)[KEYS[SEED]]
    assert (seed["总分"], seed["服务质量"], seed["等级"]) == ("89.76", "15.09", "良好")
    assert (seed["区"], seed["站点编号"], seed["规则集"], seed["规则版本"]) == ("番禺区", "shiqiao-dongxi", "广州市社工站评估", "2024")
    assert by_key(table)[KEYS[EARLIER]]["触发的否决"] == FIRED_EARLIER


@pytest.mark.slow
def test_csv_says_which_veto_set_a_grade_and_what_it_did(table):
    """The earlier evaluation scores 良好 by its total, but 社工人员配备不足 fired: its row names the veto and its outcome."""
    earlier, seed = by_key(table)[KEYS[EARLIER]], by_key(table)[KEYS[SEED]]
    assert (earlier["按分数等级"], earlier["等级"]) == ("良好", "不合格")
    assert (earlier["否决结果"], earlier["决定等级的否决"]) == ("评为不合格", FIRED_EARLIER)
    assert (seed["否决结果"], seed["决定等级的否决"]) == ("", "")


@pytest.mark.slow
def test_csv_header_keeps_record_fields_then_items_then_results(site):
    columns = header(site)
    assert columns[:12] == [
        "记录编号",
        "区编号",
        "区",
        "街道",
        "站点编号",
        "站点名称",
        "服务年度",
        "阶段",
        "评估日期",
        "规则集",
        "规则版本",
        "报告网址",
    ]
    assert columns[12:16] == ["服务监测", "服务成效", "运营管理", "服务质量"]
    assert columns[-7:] == ["总分", "按分数等级", "等级", "否决结果", "决定等级的否决", "触发的否决", "未核查的否决"]


def as_csv(value) -> str:
    return "、".join(value) if isinstance(value, list) else value or ""


@pytest.mark.slow
def test_json_parses_and_matches_the_csv(site, table):
    data = json.loads((site / "data/results.json").read_text(encoding="utf-8"))
    csv_fields = header(site)
    assert data["字段"] == csv_fields + ["选用版本的依据"]  # the CSV's columns, then the JSON's own
    assert [{k: as_csv(row[k]) for k in csv_fields} for row in data["评估"]] == table
    seed = next(row for row in data["评估"] if row["记录编号"] == KEYS[SEED])
    assert seed["决定等级的否决"] == [] and "实地评估日期 2025-02-20" in seed["选用版本的依据"]
    assert data["评估"][0]["未核查的否决"] and isinstance(data["评估"][0]["未核查的否决"], list)


@pytest.mark.slow
def test_each_record_has_its_json_beside_its_report_with_details_and_trace(site):
    rows = by_key(json.loads((site / "data/results.json").read_text(encoding="utf-8"))["评估"])
    for key in KEYS.values():
        assert (site / "reports" / key / "index.html").exists()
        detail = json.loads((site / "reports" / f"{key}.json").read_text(encoding="utf-8"))
        assert detail["评估"] == rows[key]
        assert detail["记录文件"] == f"stations/{key}.yaml"
        assert {item["名称"] for item in detail["评分项明细"]} >= {"服务质量", "购买方评分"}
        assert all(re.fullmatch(r"rules/guangzhou/sgz-2024\.rules:\d+", step["规则位置"]) for step in detail["计算过程"])
        assert any(step["项目"] == "总分" for step in detail["计算过程"])
    earlier = json.loads((site / "reports" / f"{KEYS[EARLIER]}.json").read_text(encoding="utf-8"))
    veto = next(v for v in earlier["一票否决"] if v["名称"] == FIRED_EARLIER)
    assert veto["结果"] == "触发" and veto["读取的事实"]["社工缺少人次"] == str(EARLIER_STAFF_SHORTFALL)
    unchecked = next(v for v in earlier["一票否决"] if v["结果"] == "未核查")
    assert all("未核查" in value for value in unchecked["读取的事实"].values() if isinstance(value, dict))


def hrefs(page: Path) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]+)"', page.read_text(encoding="utf-8"))]


def resolves(page: Path, link: str) -> Path:
    target = (page.parent / unquote(link)).resolve()
    return target / "index.html" if target.is_dir() else target


@pytest.mark.slow
def test_report_page_links_its_own_json_and_the_csv(site):
    page = site / "reports" / KEYS[SEED] / "index.html"
    targets = {resolves(page, link) for link in hrefs(page)}
    assert (site / "reports" / f"{KEYS[SEED]}.json").resolve() in targets
    assert (site / "data/results.csv").resolve() in targets
    assert (site / "data/index.html").resolve() in targets


@pytest.mark.slow
@pytest.mark.parametrize("page", ["index.html", "reports/index.html"])
def test_home_and_all_reports_link_the_downloads(site, page):
    targets = {resolves(site / page, link) for link in hrefs(site / page)}
    assert {(site / "data/results.csv").resolve(), (site / "data/results.json").resolve()} <= targets


def data_page_rows(site) -> list[list[str]]:
    page = (site / "data/index.html").read_text(encoding="utf-8")
    rows = (re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in re.findall(r"<tr>(.*?)</tr>", page, re.S))
    return [[html.unescape(re.sub(r"<[^>]+>", "", c)) for c in cells] for cells in rows if cells]


@pytest.mark.slow
def test_data_page_describes_every_csv_column_with_an_example_from_the_data(site, table):
    columns = header(site)
    described = data_page_rows(site)[: len(columns)]
    assert [row[0] for row in described] == columns
    assert all(meaning and kind for _, meaning, kind, _ in described)
    examples = {row[0]: row[3] for row in described}
    assert all(examples[name] == next((r[name] for r in table if r[name]), "") for name in columns)


@pytest.mark.slow
def test_data_page_is_in_the_nav_and_links_the_downloads(site):
    home = site / "index.html"
    assert (site / "data/index.html").resolve() in {resolves(home, link) for link in hrefs(home)}
    page = site / "data/index.html"
    targets = {resolves(page, link) for link in hrefs(page)}
    assert {
        (site / "data/results.csv").resolve(),
        (site / "data/results.json").resolve(),
        (site / "reports" / f"{sorted(KEYS.values())[0]}.json").resolve(),
    } <= targets


def test_text_that_a_spreadsheet_would_run_as_a_formula_is_neutralised_but_numbers_are_not():
    assert csv_cell('=HYPERLINK("x")', TEXT) == '\'=HYPERLINK("x")'
    assert csv_cell(["@a", "b"], TEXT) == "'@a、b"
    assert csv_cell("-1.5", DECIMAL) == "-1.5"
    assert csv_cell(None, DECIMAL) == ""


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠", "﹦", "﹣"])
def test_every_formula_start_is_neutralised_even_in_a_decimal_column_when_it_is_not_a_number(start):
    assert csv_cell(start + "SUM(A1)", TEXT) == "'" + start + "SUM(A1)"
    assert csv_cell(start + "SUM(A1)", DECIMAL) == "'" + start + "SUM(A1)"


SUB_DISTRICT_PAYLOADS = {"东一片区": """'=HYPERLINK("http://x","点我")'""", "东二片区": "'@SUM(1+1)'", "西片区": "'＝1+1'"}


def test_every_csv_file_guards_record_text_and_keeps_computed_numbers(tmp_path):
    """sub-district-scores.csv wrote sub-district ids raw; now every CSV goes through one writer."""
    copy_seed_repo(tmp_path)
    record = tmp_path / SEED
    text = record.read_text(encoding="utf-8").replace("      table_label: 东1片区\n", "").replace("      table_label: 东2片区\n", "")
    for plain_id, payload in SUB_DISTRICT_PAYLOADS.items():
        text = re.sub(
            rf"(?m)^(\s*(?:- id: |- sub_district: )?){plain_id}(:?)( 15| 15.26)?$",
            lambda found, payload=payload: found.group(1) + payload + found.group(2) + (found.group(3) or ""),
            text,
        )
    record.write_text(text, encoding="utf-8")
    project = load_project(tmp_path, cache=False)
    assert project.errors == [], [e.format() for e in project.errors]
    files = open_data_files(evaluated(project), project.rulesets)
    for name in (urls.RESULTS_CSV, urls.SUB_DISTRICT_CSV):
        cells = [cell for row in csv.reader(io.StringIO(files[name].decode("utf-8-sig"))) for cell in row]
        assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS) and not OUR_NUMBER.match(cell)], name
    rows = list(csv.DictReader(io.StringIO(files[urls.SUB_DISTRICT_CSV].decode("utf-8-sig"))))
    assert {row["片区编号"] for row in rows} == {'\'=HYPERLINK("http://x","点我")', "'@SUM(1+1)", "'＝1+1"}
    assert {row["评分"] for row in rows} == {"15", "15.26"}


@pytest.mark.slow
def test_sub_district_scores_are_a_long_table_so_columns_do_not_grow_with_stations(site):
    text = (site / "data/sub-district-scores.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    seed = {row["片区编号"]: (row["片区名称"], row["评分"]) for row in rows if row["记录编号"] == KEYS[SEED] and row["评分项"] == "服务质量"}
    assert seed == {"东一片区": ("东1片区", "15"), "东二片区": ("东2片区", "15.26"), "西片区": ("西片区", "15")}
    assert not any("（" in column for column in header(site))


SCORE_HEADER = ["记录编号", "规则集", "规则版本", "类别", "名称", "显示名称", "评估方", "片区编号", "片区名称", "满分", "评分", "折算分"]


def scores_of(files: dict) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(files[urls.SCORES_CSV].decode("utf-8-sig"))))


@pytest.mark.slow
def test_scores_csv_is_a_long_table_with_each_item_and_each_sub_district_of_the_seed(site):
    rows = list(csv.DictReader(io.StringIO((site / "data/scores.csv").read_text(encoding="utf-8-sig"))))
    assert list(rows[0]) == SCORE_HEADER
    seed = [row for row in rows if row["记录编号"] == KEYS[SEED]]
    whole = {row["名称"]: (row["评分"], row["折算分"]) for row in seed if not row["片区编号"]}
    assert whole["服务监测"] == ("9.82", "9.82") and whole["服务质量"][1] == "15.09"
    quality = {row["片区名称"]: row["评分"] for row in seed if row["名称"] == "服务质量" and row["片区编号"]}
    assert quality == {"东1片区": "15", "东2片区": "15.26", "西片区": "15"}


@pytest.mark.parametrize("regime", ["second-edition-site", "other-shape"])
def test_scores_csv_columns_never_depend_on_the_rule_version(regime):
    """results.csv gains a column per item (and per 加分项/扣分项); scores.csv keeps its columns for every rule set."""
    project = load_project(Path(__file__).parent / "fixtures" / "regimes" / regime, cache=False)
    assert project.errors == []
    files = open_data_files(evaluated(project), project.rulesets)
    rows = scores_of(files)
    assert rows and list(rows[0]) == SCORE_HEADER
    names = {row["名称"] for row in rows}
    assert names >= {item.name for result in project.results.values() for item in result.items}


@pytest.mark.slow
def test_results_csv_links_each_report_and_the_json_files_carry_the_licence_in_readable_utf8(site, table):
    seed = by_key(table)[KEYS[SEED]]
    assert seed["报告网址"] == f"reports/{KEYS[SEED]}/"
    assert (site / seed["报告网址"] / "index.html").exists()
    raw = (site / "reports" / f"{KEYS[SEED]}.json").read_text(encoding="utf-8")
    assert "\\u" not in raw and "市桥街东西片社工服务站" in raw  # readable Chinese, as results.json
    for data in (json.loads(raw), json.loads((site / "data/results.json").read_text(encoding="utf-8"))):
        assert data["许可"]["名称"] == "知识共享署名 4.0 国际许可协议（CC BY 4.0）" and data["许可"]["发布单位"] == "测试区民政局"


@pytest.mark.slow
def test_datapackage_describes_every_csv_column_and_the_licence(site):
    package = json.loads((site / "data/datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"] == [{"title": "知识共享署名 4.0 国际许可协议（CC BY 4.0）"}]
    resources = {resource["path"]: resource for resource in package["resources"]}
    for path in ("results.csv", "scores.csv", "sub-district-scores.csv", "results.json"):
        assert (site / "data" / path).exists()
    assert [field["name"] for field in resources["results.csv"]["schema"]["fields"]] == header(site)
    assert [field["name"] for field in resources["scores.csv"]["schema"]["fields"]] == SCORE_HEADER
    page = (site / "data/index.html").read_text(encoding="utf-8")
    assert "知识共享署名 4.0 国际许可协议（CC BY 4.0）" in page and "scores.csv" in page and "datapackage.json" in page
