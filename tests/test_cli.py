"""The site-builder command as staff and CI run it: the golden case, JSON output, exit codes, annotations.

Every command runs on a copy of the seed repository (tests/fixtures/seed-repo), never on the live data.
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from site_harness import SEED_RECORD, copy_seed_repo

from site_builder.commands.cli import main, score_table_text
from site_builder.language.evaluate import Inputs, evaluate
from site_builder.records.project import load_project

SEED = SEED_RECORD


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """The seed repository, read by the tests that do not change it."""
    return copy_seed_repo(tmp_path_factory.mktemp("seed-repo"))


@pytest.fixture
def run(repo, capsys):
    def run(*args) -> tuple[int, str, str]:
        code = main(["--root", str(repo), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_golden_seed_report_is_computed_from_the_yaml_through_the_rules(repo):
    project = load_project(repo)
    result = project.results["panyu/shiqiao-dongxi/2024-2025-中期"]
    quality = next(i for i in result.items if i.name == "服务质量")
    assert quality.converted == Decimal("15.09")
    assert result.total == Decimal("89.76")
    assert result.grade == "良好"
    assert result.fired == []


def test_evaluate_prints_the_score_table_total_and_grade(run, repo):
    code, out, _ = run("evaluate", str(repo / SEED))
    assert code == 0
    assert "服务质量（东1片区）" in out and "15.09" in out
    assert next(line for line in out.splitlines() if line.startswith("总分")).split() == ["总分", "89.76"]
    assert "等级：良好" in out
    assert "[未触发] 社工人员配备不足的" in out


def test_evaluate_prints_no_veto_heading_for_a_rule_set_without_vetoes(load_rules):
    rules_file = Path(__file__).parent / "fixtures" / "regimes" / "formula-items" / "rules" / "demo" / "formula-2025.rules"
    rules = load_rules(rules_file.read_text(encoding="utf-8"))
    assert rules.vetoes == ()
    facts = {name: Decimal(10) for name in rules.facts}
    table = score_table_text(evaluate(rules, Inputs("年度", {"服务质量": Decimal(55), "街道评价": Decimal(27)}, facts)))
    assert "一票否决" not in table
    assert table.splitlines()[-1] == "等级：优秀（按分数：优秀）"


def test_evaluate_json_has_the_promised_fields(run, repo):
    code, out, _ = run("evaluate", str(repo / SEED), "--json")
    report = json.loads(out)
    assert code == 0
    assert (report["station"], report["stage"], report["total"], report["grade"], report["vetoes"]) == ("shiqiao-dongxi", "中期", "89.76", "良好", [])
    assert report["rules"] == {"id": "广州市社工站评估", "version": "2024"}
    quality = next(i for i in report["items"] if i["name"] == "服务质量")
    assert (quality["max"], quality["score"], quality["converted"]) == ("20", "15.09", "15.09")
    assert all(isinstance(i["score"], str) for i in report["items"])


def test_check_passes_on_the_seed_repository(run):
    code, out, _ = run("check")
    assert code == 0
    assert out.strip().endswith("0 处错误，0 条警告。")


@pytest.fixture
def broken_repo(tmp_path: Path) -> Path:
    copy_seed_repo(tmp_path)
    seed = tmp_path / SEED
    seed.write_text(seed.read_text(encoding="utf-8").replace("服务监测: 9.82", "服务监测: 12.5"), encoding="utf-8")
    return tmp_path


def test_check_fails_with_status_1_and_a_located_chinese_message(broken_repo, capsys):
    code = main(["--root", str(broken_repo), "check"])
    out = capsys.readouterr().out
    assert code == 1
    assert f"{SEED}:63:9: 错误：scores.服务监测：评分 12.5 超出范围" in out
    assert "^^^^" in out


def test_check_github_format_prints_annotations(broken_repo, capsys):
    main(["--root", str(broken_repo), "check", "--format", "github"])
    out = capsys.readouterr().out
    assert f"::error file={SEED},line=63,col=9::" in out


def test_broken_input_never_shows_a_traceback(broken_repo):
    (broken_repo / SEED).write_text("station: [unclosed\n", encoding="utf-8")
    (broken_repo / "rules/guangzhou/sgz-2024.rules").write_text("规则集 @@@ “", encoding="utf-8")
    for command in (["check"], ["evaluate", SEED], ["schema", "--check"]):
        done = subprocess.run(
            [sys.executable, "-m", "site_builder", "--root", str(broken_repo), *command], capture_output=True, text=True, cwd=broken_repo
        )
        assert done.returncode == 1
        assert "Traceback" not in done.stderr + done.stdout
        assert "错误" in done.stderr + done.stdout


def test_schema_check_fails_until_the_schema_is_written_and_then_passes(tmp_path, capsys):
    repo = copy_seed_repo(tmp_path)
    assert main(["--root", str(repo), "schema", "--check"]) == 1
    assert "不是最新的，请运行 site-builder schema 重新生成" in capsys.readouterr().err
    assert main(["--root", str(repo), "schema"]) == 0
    assert main(["--root", str(repo), "schema", "--check"]) == 0
    assert "是最新的" in capsys.readouterr().out
