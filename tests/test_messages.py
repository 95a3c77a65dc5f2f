"""Messages a non-programmer can act on (issue 15, part 3): one test per mistake station staff or policy staff make,
asserting the message, the line:col the author changed, and the example of the fix."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from site_builder.commands.cli import main
from site_builder.errors import RecordError
from site_builder.records.project import load_project
from site_builder.records.record import read_record, schema_errors
from site_builder.records.schema import expanded, properties_of, record_schema
from site_builder.records.yaml_source import load_yaml

SEED_REPO = Path(__file__).resolve().parent / "fixtures" / "seed-repo"
SEED_RECORD = "stations/panyu/shiqiao-dongxi/2024-2025-中期.yaml"
SEED_TEXT = (SEED_REPO / SEED_RECORD).read_text(encoding="utf-8")


def seed_with(old: str, new: str) -> str:
    assert old in SEED_TEXT
    return SEED_TEXT.replace(old, new, 1)


def line_of(text: str, fragment: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if fragment in line)


def reading_error(text: str) -> str:
    with pytest.raises(RecordError) as raised:
        load_yaml(text, "r.yaml")
    return raised.value.format()


def project_with(tmp_path: Path, record_text: str):
    shutil.copytree(SEED_REPO, tmp_path / "repo")
    (tmp_path / "repo" / SEED_RECORD).write_text(record_text, encoding="utf-8")
    return load_project(tmp_path / "repo", cache=False)


# --- YAML layout ------------------------------------------------------------------------------------------


def test_a_full_width_colon_after_a_score_is_reported_at_its_own_line_with_the_half_width_fix():
    text = seed_with("  服务监测: 9.82", "  服务监测：9.82")
    report = reading_error(text)
    assert report.startswith(f"r.yaml:{line_of(text, '服务监测：')}:7: 错误：“服务监测”后面是中文冒号“：”")
    assert "YAML 只认英文冒号“:”，冒号后还要留一个空格" in report
    assert "示例：“服务监测: 9.82”（英文冒号，后面一个空格）" in report


def test_a_full_width_colon_after_a_parent_key_is_reported_at_that_key():
    report = reading_error(seed_with("  contract:\n", "  contract：\n"))
    assert report.startswith(f"r.yaml:{line_of(SEED_TEXT, '  contract:')}:11: 错误：“contract”后面是中文冒号")
    assert "示例：“contract:”（英文冒号）" in report


def test_a_full_width_colon_in_a_list_item_keeps_the_dash_in_the_fix():
    report = reading_error("station:\n  addresses:\n    - name：东片社工站\n      address: 某路\n")
    assert report.startswith("r.yaml:3:11: 错误：“name”后面是中文冒号")
    assert "示例：“- name: 东片社工站”" in report


def test_a_full_width_colon_inside_a_value_is_not_mistaken_for_a_key():
    assert load_yaml("title: 报告：中期\nnote: 一、服务：好\n", "r.yaml") == {"title": "报告：中期", "note": "一、服务：好"}


def test_a_key_dedented_to_column_0_is_reported_at_its_own_line_with_the_indent_to_add():
    text = seed_with("  服务成效: 12.3", "服务成效: 12.3")
    report = reading_error(text)
    assert report.startswith(f"r.yaml:{line_of(text, '服务成效: 12.3')}:1: 错误：这一行的缩进比上下两行少（行首 0 个空格，上下两行是 2 个）")
    assert "离开了上面的“scores”那一层" in report
    assert "示例：在行首补 2 个空格，与上一行一样用空格缩进：“  服务成效: 12.3”" in report


def test_check_and_its_github_annotation_point_at_the_full_width_colon(tmp_path):
    text = seed_with("  服务监测: 9.82", "  服务监测：9.82")
    project = project_with(tmp_path, text)
    [error] = project.errors
    assert (error.pos.file, error.pos.line, error.pos.col) == (SEED_RECORD, line_of(text, "服务监测："), 7)


FULL_WIDTH = "“{}”后面是中文冒号“：”（中文输入法常会打出它）：YAML 只认英文冒号“:”，冒号后还要留一个空格。"


def with_only_score(entry: str) -> str:
    """The seed record with its scores block reduced to one line."""
    start = SEED_TEXT.index("scores:\n") + len("scores:\n")
    end = SEED_TEXT.index("\n\n", start) + 1
    return SEED_TEXT[:start] + entry + "\n" + SEED_TEXT[end:]


def test_a_block_whose_only_entry_has_a_full_width_colon_is_told_so_at_that_line(tmp_path):
    text = with_only_score("  服务监测：9.82")  # no YAML error: the block reads as the text “服务监测：9.82”
    [error] = project_with(tmp_path, text).errors
    assert (error.pos.line, error.pos.col) == (line_of(text, "服务监测："), 3)
    assert error.message == "scores：" + FULL_WIDTH.format("服务监测") + "所以这一行被读成了一段文字，而不是“名称: 值”。"
    assert error.example == "scores:\n    服务监测: 9.82"


def test_the_schema_pass_alone_names_the_full_width_colon_of_a_lone_entry_too():
    """Without a rule set (the schema pass only), the same message, not “应为若干字段”."""
    text = with_only_score("  服务监测：9.82")
    [error] = schema_errors(read_record(SEED_RECORD, text))
    assert (error.pos.line, error.pos.col) == (line_of(text, "服务监测："), 3)
    assert error.message == "scores：" + FULL_WIDTH.format("服务监测") + "所以这一行被读成了一段文字，而不是“名称: 值”。"


@pytest.mark.parametrize("rules", [True, False], ids=["with rules", "schema pass only"])
def test_not_checked_with_a_full_width_colon_names_the_colon(tmp_path, rules):
    line = "  整改不到位: {not_checked: 报告未载明限期整改及其落实情况}"
    text = seed_with(line, line.replace("not_checked: ", "not_checked："))
    [error] = project_with(tmp_path, text).errors if rules else schema_errors(read_record(SEED_RECORD, text))
    assert (error.pos.line, error.pos.col) == (line_of(text, "not_checked："), line.index("{") + 1)
    assert error.message == "facts.整改不到位：" + FULL_WIDTH.format("not_checked") + "所以花括号里读不出“名称: 值”。"
    assert error.example == "整改不到位: {not_checked: 报告未载明限期整改及其落实情况}"


@pytest.mark.parametrize(
    "line, block, kind",
    [("  监督方评分: 8.8", "scores", "评分项"), ("  严重违法违规: {not_checked: ", "facts", "否决事实"), ("  grade: 良好", "stated", "字段")],
)
def test_the_last_key_of_a_block_dedented_to_column_0_is_told_it_lost_its_indent(tmp_path, line, block, kind):
    text = seed_with(line, line.lstrip())  # no YAML error: the key becomes a top-level field
    [error] = project_with(tmp_path, text).errors  # not also “缺少评分项” at scores:
    name = line.split(":")[0].strip()
    assert (error.pos.line, error.pos.col) == (line_of(text, line.lstrip()), 1)
    assert error.message == (
        f"{name}：“{name}”很可能丢了缩进：它是上面“{block}”里的{kind}；少了缩进，它就离开了“{block}”，成了记录最外层的一个未知字段。"
    )
    assert error.example.startswith(f"在行首补 2 个空格，与上一行一样用空格缩进：“  {name}: ")


def test_a_dedented_key_that_belongs_to_no_block_above_is_an_unknown_field(tmp_path):
    text = seed_with("  监督方评分: 8.8\n", "  监督方评分: 8.8\n备注: 无\n")
    [error] = project_with(tmp_path, text).errors
    assert (error.pos.line, error.pos.col) == (line_of(text, "备注: 无"), 1)
    assert error.message.startswith("备注：未知字段“备注”。")


# --- the record `site-builder new` writes -----------------------------------------------------------------

EXAMPLE = re.compile(r"（例：([^、）]+)")
MAXIMUM = re.compile(r"（满分 ([0-9.]+)）")
FACT_EXAMPLE = re.compile(r"(?:是填|如) ([^，）]+)")
UNCHECKED_FORM = re.compile(r"写成 (\{not_checked[^}]*原因\})")
BLANK = re.compile(r"^(?P<lead>\s*(?:- )?)(?P<key>[^\s:#][^:]*):(?P<rest>\s*(?:\{not_checked: 待核查\}|\[\]|\{\})?)$")


def filled_per_comments(template: str) -> str:
    """Every blank of a generated record filled the way the comment above it says: its example, the item's
    maximum for a score, the hinted value for a fact (the first one left unchecked as the facts' comment shows), one
    sub-district for lists and placeholders, and text for the narratives (which have nothing to give an example of)."""
    sub_district = "西片区"  # the example the comment above station.sub_districts[].id gives
    # the first fact is left unchecked, written the way the comment above facts: shows
    unchecked = UNCHECKED_FORM.search(template)[1].replace("原因", "报告未载明")
    template = template.replace("{not_checked: 待核查}", unchecked, 1)
    lines = template.splitlines()
    filled, comment = [], ""
    for index, line in enumerate(lines):
        if line.lstrip().startswith("#"):
            comment = line
        elif not opens_a_block(line, lines[index + 1 :]):
            line = filled_line(line, comment, sub_district)
        filled.append(line)
    return "\n".join(filled) + "\n"


def opens_a_block(line: str, below: list[str]) -> bool:
    """A key with nothing after its colon whose next field is indented further (station:, contract:)."""
    following = next((other for other in below if other.strip() and not other.lstrip().startswith("#")), "")
    indent = len(line) - len(line.lstrip(" -"))
    return len(following) - len(following.lstrip(" -")) > indent


def filled_line(line: str, comment: str, sub_district: str) -> str:
    blank = BLANK.match(line)
    if not blank:
        return line
    lead, key, rest = blank["lead"], blank["key"], blank["rest"].strip()
    if key == "片区编号":  # the placeholder the comment above 服务质量 says to replace with a sub-district's id
        return f"{lead}{sub_district}: 15"
    if key == "sub_district":
        return f"{lead}{key}: {sub_district}"
    if rest == "{not_checked: 待核查}":
        return f"{lead}{key}: {FACT_EXAMPLE.search(comment)[1]}"
    if rest == "[]":
        return f"{lead}{key}: [{sub_district}的社区]"
    if rest == "{}":
        return f"{lead}{key}: {{intro: 照录报告原文的一段文字。}}"
    for pattern in (MAXIMUM, EXAMPLE):
        found = pattern.search(comment)
        if found:
            return f"{lead}{key}: {found[1]}"
    return f"{lead}{key}: 照录报告原文的一段文字。"


def test_a_new_record_filled_as_its_comments_say_passes_check(tmp_path, capsys):
    repo = tmp_path / "repo"
    shutil.copytree(SEED_REPO, repo)
    arguments = ["--district", "panyu", "--district-name", "番禺区", "--station", "dashi", "--name", "大石街社工服务站"]
    arguments += ["--period", "2024-2025", "--stage", "末期", "--date", "2025-08-01"]
    assert main(["--root", str(repo), "new", *arguments]) == 0
    record = repo / "stations/panyu/dashi/2024-2025-末期.yaml"
    record.write_text(filled_per_comments(record.read_text(encoding="utf-8")), encoding="utf-8")
    capsys.readouterr()
    status = main(["--root", str(repo), "check"])
    out = capsys.readouterr()
    assert "0 处错误" in out.out and status == 0, out.out + out.err + record.read_text(encoding="utf-8")


# --- every error in one run -------------------------------------------------------------------------------


def test_a_mistyped_date_does_not_hide_a_score_above_its_maximum(tmp_path):
    """The record names no rule-set version, so its date would choose one; with only one version there is no choice."""
    text = seed_with('  rules:\n    id: 广州市社工站评估\n    version: "2024"\n', "")
    text = text.replace("  visit_date: 2025-02-20", "  visit_date: 2025-02-30").replace("  服务监测: 9.82", "  服务监测: 12")
    errors = [(e.pos.line, e.pos.col, e.message) for e in project_with(tmp_path, text).errors]
    assert errors == [
        (line_of(text, "visit_date:"), 15, "evaluation.visit_date：实地评估日期的格式不对：“2025-02-30”。"),
        (line_of(text, "服务监测: 12"), 9, "scores.服务监测：评分 12 超出范围：应在 0 到满分 10 之间。"),
    ]


def test_new_reports_every_wrong_option_at_once(tmp_path, capsys):
    repo = tmp_path / "repo"
    shutil.copytree(SEED_REPO, repo)
    arguments = ["--district", "panyu", "--district-name", "番禺区", "--station", "Shiqiao East", "--name", "某社工站"]
    assert main(["--root", str(repo), "new", *arguments, "--period", "2025", "--stage", "终期"]) == 1
    err = capsys.readouterr().err
    assert "错误：--station：站点编号“Shiqiao East”的格式不对。" in err
    assert "错误：--period：服务年度“2025”的格式不对。" in err
    assert "错误：--stage：规则集“广州市社工站评估”（版本 2024）没有“终期”阶段，只有中期、末期。" in err
    assert err.rstrip().endswith("共发现 3 处错误。")
    assert not (repo / "stations/panyu/Shiqiao East").exists()


# --- the schema's words and the file a command is given ----------------------------------------------------

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def schema_fields(node, path: tuple = ()):
    """(path, field) for every property the record schema declares, at any depth, through $ref, lists and maps."""
    node = expanded(node)
    for key, field in properties_of(node).items():
        yield path + (key,), expanded(field)
        yield from schema_fields(field, path + (key,))
    if node.get("type") == "array":
        yield from schema_fields(node.get("items", {}), path + ("[]",))
    if isinstance(node.get("additionalProperties"), dict):
        yield from schema_fields(node["additionalProperties"], path + ("*",))
    for part in node.get("oneOf", []) + node.get("anyOf", []):
        yield from schema_fields(part, path)


def test_every_field_of_the_record_schema_has_a_chinese_title():
    fields = list(schema_fields(record_schema()))
    assert len(fields) > 50
    assert [".".join(path) for path, field in fields if not CHINESE.search(field.get("title", ""))] == []


def test_a_blank_contract_date_is_named_in_chinese(tmp_path):
    text = seed_with("    start: 2024-08-26\n    end: 2025-08-25", "    start:\n    end: 2025-08-25")
    [error] = project_with(tmp_path, text).errors
    assert (error.pos.line, error.message) == (line_of(text, "    start:"), "evaluation.contract.start：合同开始日期还没有填写。")


def test_evaluate_with_a_mistyped_file_name_says_the_file_is_not_there_and_suggests_the_record(tmp_path, capsys, monkeypatch):
    shutil.copytree(SEED_REPO, tmp_path / "repo")
    monkeypatch.chdir(tmp_path / "repo")
    assert main(["evaluate", SEED_RECORD.replace("中期", "终期")]) == 1
    err = capsys.readouterr().err
    assert f"错误：找不到文件 {SEED_RECORD.replace('中期', '终期')}：请检查路径与文件名" in err
    assert f"你是不是想写“{SEED_RECORD}”？" in err and "应在 stations/<区>/<站点>/ 下" not in err


def test_evaluate_with_a_file_outside_stations_says_where_records_live(tmp_path, capsys, monkeypatch):
    shutil.copytree(SEED_REPO, tmp_path / "repo")
    monkeypatch.chdir(tmp_path / "repo")
    assert main(["evaluate", "rules/guangzhou/sgz-2024.rules"]) == 1
    assert "rules/guangzhou/sgz-2024.rules 不是站点记录：记录文件应在 stations/<区>/<站点>/ 下" in capsys.readouterr().err


# --- rule files -------------------------------------------------------------------------------------------

RULES = "rules/guangzhou/sgz-2024.rules"
RULES_TEXT = (SEED_REPO / RULES).read_text(encoding="utf-8")


def project_with_rules(tmp_path: Path, old: str, new: str):
    assert old in RULES_TEXT
    shutil.copytree(SEED_REPO, tmp_path / "repo")
    (tmp_path / "repo" / RULES).write_text(RULES_TEXT.replace(old, new, 1), encoding="utf-8")
    return load_project(tmp_path / "repo", cache=False)


def test_a_ratio_threshold_written_without_percent_is_warned_at_the_parameter_with_the_fix(tmp_path):
    project = project_with_rules(tmp_path, "参数 人员费用支出比例下限 = 80%", "参数 人员费用支出比例下限 = 80")
    assert project.errors == []
    [warning] = project.warnings
    report = warning.format()
    assert report.startswith(f"{RULES}:{line_of(RULES_TEXT, '参数 人员费用支出比例下限')}:17: 警告：“80”与比例“人员费用支出比例”比较：")
    assert "所以这个比较对每个站点都成立（或都不成立）。要写百分比，请加上“%”。" in report
    assert "示例：参数 人员费用支出比例下限 = 80% 【评估办法 一票否决情形（四）】" in report


def test_a_ratio_compared_with_a_bare_number_in_a_veto_is_warned_at_the_number(tmp_path):
    condition = "  当 人员费用支出比例 < 人员费用支出比例下限"
    project = project_with_rules(tmp_path, condition, "  当 人员费用支出比例 < 80")
    [warning] = project.warnings
    assert (warning.pos.line, warning.pos.col) == (line_of(RULES_TEXT, condition), 16)
    assert warning.example == "当 人员费用支出比例 < 80% 【评估办法 一票否决情形（四）】"


def test_a_ratio_compared_with_a_percentage_or_a_fraction_is_not_warned(tmp_path):
    condition = "  当 人员费用支出比例 < 人员费用支出比例下限"
    assert project_with_rules(tmp_path, condition, "  当 人员费用支出比例 < 0.8 或 人员费用支出比例 > 95%").warnings == []


def test_a_misspelt_sub_districts_key_does_not_hide_a_score_above_its_maximum(tmp_path):
    text = seed_with("  sub_districts:\n    - id: 东一片区", "  sub_distric:\n    - id: 东一片区").replace("  服务监测: 9.82", "  服务监测: 12")
    errors = [(e.pos.line, e.message) for e in project_with(tmp_path, text).errors]
    assert (line_of(text, "sub_distric:"), "station.sub_distric：未知字段“sub_distric”。你是不是想写“sub_districts”、“district”？") in errors
    assert (line_of(text, "服务监测: 12"), "scores.服务监测：评分 12 超出范围：应在 0 到满分 10 之间。") in errors
