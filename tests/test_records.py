"""Station records: each validation error with its exact message and position, audits, and round-trips."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from site_harness import SEED_RECORD, SEED_REPO, copy_seed_repo

from site_builder.records.project import load_project
from site_builder.records.record import read_record
from site_builder.records.yaml_source import dump_yaml

SEED = SEED_RECORD


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the seed repository's rules and record that a test may break."""
    return copy_seed_repo(tmp_path)


def edit(repo: Path, old: str, new: str, path: str = SEED) -> None:
    target = repo / path
    text = target.read_text(encoding="utf-8")
    assert old in text, f"the seed record no longer contains {old!r}"
    target.write_text(text.replace(old, new, 1), encoding="utf-8")


def only_error(repo: Path):
    project = load_project(repo)
    assert len(project.errors) == 1, [e.format() for e in project.errors]
    return project.errors[0]


def line_of(repo: Path, fragment: str, path: str = SEED) -> int:
    lines = (repo / path).read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if fragment in line)


def test_seed_repository_checks_clean(repo):
    project = load_project(repo)
    assert project.errors == []
    assert len(project.records) >= 1


def test_unknown_key_is_named_with_did_you_mean(repo):
    edit(repo, "  short_name:", "  shortname:")
    project = load_project(repo)
    messages = [e.message for e in project.errors]
    assert "station.shortname：未知字段“shortname”。你是不是想写“short_name”、“name”、“street”？" in messages
    unknown = next(e for e in project.errors if "未知字段" in e.message)
    assert (unknown.pos.line, unknown.pos.col) == (line_of(repo, "shortname:"), 3)


def test_missing_required_field_points_at_its_parent(repo):
    edit(repo, "  short_name:", "  shortname:")
    project = load_project(repo)
    missing = next(e for e in project.errors if "缺少必填字段" in e.message)
    assert missing.message == "station：缺少必填字段“short_name”（简称）。"
    assert (missing.pos.line, missing.pos.col) == (line_of(repo, "station:"), 1)


def test_wrong_type_names_the_field_in_chinese(repo):
    edit(repo, "funding_yuan: 2400000", "funding_yuan: 二百四十万")
    error = only_error(repo)
    assert error.message == "evaluation.funding_yuan：评估期限内服务经费（元）应为数字，这里是“二百四十万”。"
    assert (error.pos.line, error.pos.col) == (line_of(repo, "funding_yuan"), 17)


def test_score_above_its_maximum(repo):
    edit(repo, "服务监测: 9.82", "服务监测: 12.5")
    error = only_error(repo)
    assert error.message == "scores.服务监测：评分 12.5 超出范围：应在 0 到满分 10 之间。"
    assert (error.pos.line, error.pos.col) == (line_of(repo, "服务监测: 12.5"), 9)


def test_score_below_zero(repo):
    edit(repo, "西片区: 15", "西片区: -1")
    error = only_error(repo)
    assert error.message == "scores.服务质量.西片区：评分 -1 超出范围：应在 0 到满分 20 之间。"


def test_sub_district_the_station_does_not_declare(repo):
    edit(repo, "东二片区: 15.26", "东三片区: 15.26")
    project = load_project(repo)
    undeclared, missing = sorted(project.errors, key=lambda e: "缺少" in e.message)
    assert undeclared.message.startswith("scores.服务质量.东三片区：站点没有声明片区“东三片区”")
    assert "你是不是想写“东二片区”" in undeclared.message
    assert (undeclared.pos.line, undeclared.pos.col) == (line_of(repo, "东三片区: 15.26"), 5)
    assert missing.message.startswith("scores.服务质量：缺少片区“东二片区”的评分")


def test_a_declared_sub_district_without_a_score_is_an_error_not_left_out_of_the_average(repo):
    edit(repo, "    东二片区: 15.26\n", "")
    error = only_error(repo)
    assert error.message.startswith("scores.服务质量：缺少片区“东二片区”的评分")
    assert (error.pos.line, error.pos.col) == (line_of(repo, "  服务质量:"), 3)


def test_a_number_is_read_from_its_text_with_every_digit(repo):
    edit(repo, "服务监测: 9.82", "服务监测: 9.8249999999999999999")
    project = load_project(repo, cache=False)
    assert project.errors == []
    assert project.records[0].content["scores"]["服务监测"] == Decimal("9.8249999999999999999")


def test_a_hexadecimal_amount_is_refused_at_the_value_with_its_plain_equivalent(repo):
    edit(repo, "funding_yuan: 2400000", "funding_yuan: 0x337A3F3CE")
    error = only_error(repo)
    assert error.message == (
        "evaluation.funding_yuan：数字“0x337A3F3CE”是十六进制写法：分数、数量与金额只能写成普通的十进制数。若这里本应是文字，请加上引号。"
    )
    assert error.example == "funding_yuan: 13818393550"
    assert (error.pos.line, error.pos.col) == (line_of(repo, "funding_yuan:"), 17)
    assert error.pos.end_col - error.pos.col == len("0x337A3F3CE")


def test_unknown_rule_set(repo):
    edit(repo, "id: 广州市社工站评估", "id: 广州社工站评估")
    error = only_error(repo)
    assert error.message == "evaluation.rules.id：没有编号为“广州社工站评估”的规则集。你是不是想写“广州市社工站评估”？"


def test_unknown_rule_set_version(repo):
    edit(repo, 'version: "2024"', 'version: "2019"')
    error = only_error(repo)
    assert error.message == "evaluation.rules.version：规则集“广州市社工站评估”没有版本“2019”，现有版本：2024。"


def test_stage_the_rule_set_does_not_know(repo):
    edit(repo, "stage: 中期", "stage: 初期")
    project = load_project(repo)
    stage = next(e for e in project.errors if "阶段" in e.message and "evaluation.stage" in e.message)
    assert stage.message.startswith("evaluation.stage：规则集“广州市社工站评估”（版本 2024）没有“初期”阶段，只有中期、末期。")
    # the file name no longer matches the stage either, and that is reported in the same run
    assert any("文件位置与记录中的编号不一致" in e.message for e in project.errors)


def test_file_path_must_match_the_ids(repo):
    shutil.move(repo / SEED, repo / "stations/panyu/shiqiao-dongxi/2024-2025-末期.yaml")
    error = only_error(repo)
    assert "文件位置与记录中的编号不一致" in error.message
    assert "应在 stations/panyu/shiqiao-dongxi/2024-2025-中期.yaml" in error.message


def test_duplicate_station_id_in_two_districts(repo):
    other = repo / "stations/nansha/shiqiao-dongxi/2024-2025-中期.yaml"
    other.parent.mkdir(parents=True)
    shutil.copy(repo / SEED, other)
    edit(repo, "id: panyu", "id: nansha", path="stations/nansha/shiqiao-dongxi/2024-2025-中期.yaml")
    error = only_error(repo)
    assert "站点编号“shiqiao-dongxi”已被" in error.message


def test_veto_fact_the_rules_need_but_the_record_lacks(repo):
    text = (repo / SEED).read_text(encoding="utf-8")
    line = next(each for each in text.splitlines(keepends=True) if each.startswith("  财务评估不合格:"))
    (repo / SEED).write_text(text.replace(line, ""), encoding="utf-8")
    error = only_error(repo)
    assert error.message.startswith("facts：缺少否决事实“财务评估不合格”")
    assert "not_checked" in error.example


def test_fact_of_the_wrong_type(repo):
    edit(repo, "社工缺少人次: 0", "社工缺少人次: true")
    error = only_error(repo)
    assert error.message == "facts.社工缺少人次：事实“社工缺少人次”应为数值，这里是“true”。"


def test_invalid_calendar_date_is_an_error_not_a_crash(repo):
    edit(repo, "visit_date: 2025-02-20", "visit_date: 2025-02-30")
    error = only_error(repo)
    assert error.message == "evaluation.visit_date：实地评估日期的格式不对：“2025-02-30”。"
    assert error.pos.end_col - error.pos.col == len("2025-02-30")


def test_yaml_syntax_error_points_at_the_line(repo):
    edit(repo, "  stage: 中期", "\tstage: 中期")
    error = only_error(repo)
    assert error.message.startswith("YAML 格式有误")
    assert error.pos.line == line_of(repo, "\tstage")


def test_every_error_in_every_file_is_reported_in_one_run(repo):
    edit(repo, "服务监测: 9.82", "服务监测: 12.5")
    edit(repo, "  short_name:", "  shortname:")
    edit(repo, "社工缺少人次: 0", "社工缺少人次: true")
    project = load_project(repo)
    assert len(project.errors) == 4  # unknown key, missing key, score range, fact type
    assert [e.pos.line for e in project.errors] == sorted(e.pos.line for e in project.errors)


def test_stated_total_that_differs_is_a_warning_not_an_error(repo):
    edit(repo, "total: 89.76", "total: 89.67")
    project = load_project(repo)
    assert project.errors == []
    assert [w.message for w in project.warnings] == ["stated.total：报告写明总分 89.67，按规则计算为 89.76。"]


def test_stated_percentage_that_differs_from_actual_over_target_is_a_warning(repo):
    edit(repo, 'actual: 25, stated_percent: "62.50%"', 'actual: 25, target: 40, stated_percent: "62.40%"')
    project = load_project(repo)
    assert project.errors == []
    assert any("写明完成率 62.40%，按 25 ÷ 40 计算为 62.50%" in w.message for w in project.warnings)


def test_counts_that_do_not_add_up_are_a_warning(repo):
    edit(repo, "person_times: 1686", "person_times: 1600")
    project = load_project(repo)
    assert project.errors == []
    assert any("入户探访与电访合计 1686 人次，多于服务总人次 1600" in w.message for w in project.warnings)


@pytest.mark.parametrize("path", sorted(p.relative_to(SEED_REPO).as_posix() for p in (SEED_REPO / "stations").rglob("*.yaml")))
def test_loading_and_dumping_a_record_leaves_its_bytes_unchanged(path):
    text = (SEED_REPO / path).read_text(encoding="utf-8")
    assert dump_yaml(read_record(path, text).document) == text


def test_a_broken_rule_file_is_reported_once_not_again_for_every_record(repo):
    rules = repo / "rules/guangzhou/sgz-2024.rules"
    rules.write_text(rules.read_text(encoding="utf-8").replace("满分 10 【指标体系 服务监测】", "满分 【指标体系 服务监测】"), encoding="utf-8")
    project = load_project(repo)
    assert [e.pos.file for e in project.errors] == ["rules/guangzhou/sgz-2024.rules"]
