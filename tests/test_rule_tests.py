"""`site-builder test`: the seed repository's rule tests pass, a changed rule fails exactly the cases it should,
and every mistake in a test file is reported in Chinese at its line and column, never as a traceback."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from site_harness import ROOT, SEED_REPO

from site_builder.commands.cli import main
from site_builder.records.rule_tests import EXPECT_LABELS, EXPECTED_READERS
from site_builder.records.yaml_source import load_yaml

RULES = "rules/guangzhou/sgz-2024.rules"
TESTS = "rules/guangzhou/sgz-2024.tests.yaml"

# A small valid test file; the validation tests change one line of it. Line numbers are given in comments.
VALID = """\
defaults:
  stage: 中期
  scores:
    服务监测: 9.82
    服务成效: 12.3
    运营管理: 9.1
    服务质量:
      东一片区: 15
      东二片区: 15.26
      西片区: 15
    购买方评分: 20
    督导中心评分: 14.65
    监督方评分: 8.8
  facts:
    保洁安保占用社工名额: false
    社工缺少人次: 0
    持证社工缺少人次: 0
    人员费用支出比例: "85%"
    整改不到位: false
    专业评估不合格: false
    财务评估不合格: false
    严重违法违规: false
cases:
  - name: 市桥中期
    expect:
      total: 89.76
      grade: 良好
"""
# line 2: stage, 4: 服务监测, 6: 运营管理, 7–10: 服务质量, 13: 监督方评分, 16: 社工缺少人次,
# 18: 人员费用支出比例, 19: 整改不到位, 21: 财务评估不合格, 24: the case, 25–27: expect


def run(capsys, root: Path, *args) -> tuple[int, str, str]:
    code = main(["--root", str(root), "test", *args])
    out, err = capsys.readouterr()
    return code, out, err


def failed_cases(out: str) -> set[str]:
    return {m[1] for m in re.finditer(r"^  ✗ (.+)（rules/\S+:\d+）$", out, re.M)}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the seed repository's rules/ only: rule tests need nothing else."""
    shutil.copytree(SEED_REPO / "rules", tmp_path / "rules")
    return tmp_path


def with_tests(repo: Path, text: str) -> Path:
    (repo / TESTS).write_text(text, encoding="utf-8")
    return repo


# --- the seed repository's cases (the live ones are run by `make check-data`) ---------------------------


def test_the_seed_rule_tests_all_pass(repo, capsys):
    cases = load_yaml((repo / TESTS).read_text(encoding="utf-8"), TESTS)["cases"]
    code, out, err = run(capsys, repo)
    assert (code, err) == (0, "")
    assert "✗" not in out
    assert out.count("  ✓ ") == len(cases) >= 30
    assert out.strip().splitlines()[-1] == f"规则测试：{len(cases)} 通过，0 失败。"


def test_a_rule_file_path_runs_the_tests_beside_it(repo, capsys):
    code, out, _ = run(capsys, repo, str(repo / RULES))
    assert code == 0
    assert out.startswith(f"{TESTS}（测试 {RULES}，")


def test_good_from_85_fails_exactly_the_case_at_80(repo, capsys):
    rules = repo / RULES
    text = rules.read_text(encoding="utf-8")
    text = text.replace("等级 良好   当 80 <= 总分 < 90", "等级 良好   当 85 <= 总分 < 90")
    text = text.replace("等级 合格   当 60 <= 总分 < 80", "等级 合格   当 60 <= 总分 < 85")
    rules.write_text(text, encoding="utf-8")
    band_line = next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith("等级 合格"))
    cases = load_yaml((repo / TESTS).read_text(encoding="utf-8"), TESTS)["cases"]

    code, out, _ = run(capsys, repo)

    assert code == 1
    assert failed_cases(out) == {"总分 80.00 为良好的下限"}
    assert "      等级：应为 良好，实际为 合格" in out
    assert "按分数评定的等级：总分 80.00 满足 60 <= 总分 < 85，等级为合格" in out
    assert f"规则：{RULES}:{band_line}  等级 合格   当 60 <= 总分 < 85" in out
    assert out.strip().splitlines()[-1] == f"规则测试：{len(cases) - 1} 通过，1 失败。"


def test_failure_shows_expected_and_actual_total_with_the_total_rule(repo, capsys):
    with_tests(repo, VALID.replace("total: 89.76", "total: 89.75"))
    code, out, _ = run(capsys, repo)
    assert code == 1
    assert f"  ✗ 市桥中期（{TESTS}:24）" in out
    assert "      总分：应为 89.75，实际为 89.76" in out
    assert "服务质量（各片区平均）：平均(东一片区 15、东二片区 15.26、西片区 15)" in out
    assert f"规则：{RULES}:" in out and "依据：【评估办法 评估结果说明】" in out
    assert out.strip().splitlines()[-1] == "规则测试：0 通过，1 失败。"


def test_veto_lists_compare_regardless_of_order_and_failures_name_the_veto(repo, capsys):
    text = VALID.replace("    整改不到位: false", "    整改不到位: true").replace("    社工缺少人次: 0", "    社工缺少人次: 5")
    with_tests(repo, text.replace("      grade: 良好\n", "      grade: 不合格\n      vetoes: [整改不到位, 社工人员配备不足]\n"))
    assert run(capsys, repo)[0] == 0
    with_tests(repo, text.replace("      grade: 良好\n", "      vetoes: [整改不到位]\n"))
    code, out, _ = run(capsys, repo)
    assert code == 1
    assert "      触发的否决：应为 整改不到位，实际为 社工人员配备不足、整改不到位" in out
    assert "■ 否决：社工人员配备不足：社工缺少人次 5 >= 社工缺少人次上限 5（中期）；结果：触发" in out


def test_the_example_on_the_docs_page_passes(repo, capsys):
    page = (ROOT / "docs/rule-tests.md").read_text(encoding="utf-8")
    example = re.search(r"一个完整的小例子：\n\n```yaml\n(.*?)```", page, re.S)[1]
    code, out, _ = run(capsys, with_tests(repo, example))
    assert code == 0
    assert out.strip().splitlines()[-1] == "规则测试：4 通过，0 失败。"


# --- mistakes in a test file --------------------------------------------------------------------------


def test_the_valid_example_passes(repo, capsys):
    code, out, _ = run(capsys, with_tests(repo, VALID))
    assert code == 0
    assert "  ✓ 市桥中期" in out


SERVICE_QUALITY = "    服务质量:\n      东一片区: 15\n      东二片区: 15.26\n      西片区: 15\n"


@pytest.mark.parametrize(
    "old, new, expected",
    [
        (
            "    服务监测: 9.82",
            "    服务监督: 9.82",
            "4:5: 错误：defaults.scores.服务监督：规则集中没有评分项“服务监督”。你是不是想写“服务监测”、“服务质量”、“服务成效”？",
        ),
        ("  stage: 中期", "  stage: 中旬", "2:10: 错误：defaults.stage：规则集没有“中旬”阶段，只有中期、末期。你是不是想写“中期”？"),
        (
            "    整改不到位: false",
            "    整改不道位: false",
            "19:5: 错误：defaults.facts.整改不道位：规则集中没有事实“整改不道位”。你是不是想写“整改不到位”？",
        ),
        (
            "    整改不到位: false",
            "    整改不到位: 否",
            "19:12: 错误：defaults.facts.整改不到位：事实“整改不到位”应为是否，这里是“否”。",
        ),
        ("    社工缺少人次: 0", "    社工缺少人次: 很多", "16:13: 错误：defaults.facts.社工缺少人次：事实“社工缺少人次”应为数值，这里是“很多”。"),
        (
            '    人员费用支出比例: "85%"',
            "    人员费用支出比例: 0.85",
            "18:15: 错误：defaults.facts.人员费用支出比例：事实“人员费用支出比例”应为比例，这里是“0.85”。"
            '比例写成带百分号的文字并加引号：写成 "85%"。',
        ),
        (
            "    财务评估不合格: false",
            "    财务评估不合格: {not_checked: }",
            "21:14: 错误：defaults.facts.财务评估不合格：未核查的事实应写成 {not_checked: 原因}，并写明原因。",
        ),
        ("    运营管理: 9.1", "    运营管理: 12", "6:11: 错误：defaults.scores.运营管理：评分 12 超出范围：应在 0 到满分 10 之间。"),
        ("    运营管理: 9.1", "    运营管理: 九", "6:11: 错误：defaults.scores.运营管理：评分应为数字，这里是“九”。"),
        (SERVICE_QUALITY, "    服务质量: 15\n", "7:11: 错误：defaults.scores.服务质量：“服务质量”按片区评分，应写成各片区的分数。"),
        (
            "    监督方评分: 8.8\n",
            "",
            "3:3: 错误：defaults.scores：缺少评分项“监督方评分”的评分（满分 10）：用例“市桥中期”没有写，defaults.scores 中也没有。",
        ),
        (
            "    严重违法违规: false\n",
            "",
            "14:3: 错误：defaults.facts：缺少否决事实“严重违法违规”（是否有违反国家法律法规及有关规定、情节严重的情形）："
            "用例“市桥中期”没有写，defaults.facts 中也没有。",
        ),
        ("  stage: 中期\n", "", "23:5: 错误：cases[0]：用例“市桥中期”没有写阶段（stage），defaults 中也没有。"),
        ("    expect:\n      total: 89.76\n      grade: 良好\n", "", "24:5: 错误：cases[0]：用例“市桥中期”缺少 expect（预期结果）。"),
        (
            "    expect:\n      total: 89.76\n      grade: 良好\n",
            "    expect: {}\n",
            "25:13: 错误：cases[0].expect：expect 中至少写一项："
            "total、score_grade、grade、vetoes、unchecked、items、definitions、decided_by、refused。",
        ),
        ("  - name: 市桥中期\n", "  - stage: 中期\n", "24:5: 错误：cases[0]：用例缺少名称（name）：用一句中文说明它测试什么。"),
        (
            "      grade: 良好",
            "      grades: 良好",
            "27:7: 错误：cases[0].expect.grades：未知字段“grades”。你是不是想写“grade”、“score_grade”、“refused”？",
        ),
        (
            "      grade: 良好",
            "      grade: 好",
            "27:14: 错误：cases[0].expect.grade：规则集中没有等级“好”，只有优秀、良好、合格、不合格、暂缓评级。你是不是想写“良好”？",
        ),
        (
            "      grade: 良好",
            "      score_grade: 暂缓评级",
            "27:20: 错误：cases[0].expect.score_grade：规则集中没有等级“暂缓评级”，只有优秀、良好、合格、不合格。",
        ),
        ("      total: 89.76", "      total: 八十九", "26:14: 错误：cases[0].expect.total：预期总分应为数字，这里是“八十九”。"),
        (
            "      grade: 良好",
            "      vetoes: 整改不到位",
            "27:15: 错误：cases[0].expect.vetoes：应写成否决名称的列表，这里是“整改不到位”；一个也没有时写 []。",
        ),
        (
            "      grade: 良好",
            "      unchecked: [整改不到位, 整改不道位]",
            "27:26: 错误：cases[0].expect.unchecked[1]：规则集中没有否决“整改不道位”。你是不是想写“整改不到位”？",
        ),
        ("cases:\n", "case:\n", "23:1: 错误：case：未知字段“case”。你是不是想写“cases”？"),
        ("    expect:\n", "    expected:\n", "25:5: 错误：cases[0].expected：未知字段“expected”。你是不是想写“expect”？"),
    ],
)
def test_each_mistake_is_reported_at_its_line_and_column(repo, capsys, old, new, expected):
    assert old in VALID
    code, out, err = run(capsys, with_tests(repo, VALID.replace(old, new)))
    assert code == 1
    assert f"{TESTS}:{expected}" in out.splitlines()
    assert "Traceback" not in out + err
    assert out.strip().splitlines()[-1] == "规则测试：0 通过，0 失败；1 个测试文件有错误，未能运行。"


def test_duplicate_case_names_point_at_the_first(repo, capsys):
    second = "  - name: 市桥中期\n    expect:\n      grade: 良好\n"
    _, out, _ = run(capsys, with_tests(repo, VALID + second))
    assert f"{TESTS}:28:11: 错误：cases[1].name：用例名称“市桥中期”与第 24 行的用例重复，每个用例的名称应各不相同。" in out


def test_a_test_file_without_its_rule_file_is_reported(repo, capsys):
    (repo / "rules/guangzhou/other.tests.yaml").write_text(VALID, encoding="utf-8")
    code, out, _ = run(capsys, repo, str(repo / "rules/guangzhou/other.tests.yaml"))
    assert code == 1
    assert (
        "rules/guangzhou/other.tests.yaml:1:1: 错误：找不到被测试的规则文件 rules/guangzhou/other.rules："
        "测试文件 <名称>.tests.yaml 测试的是同一目录下的 <名称>.rules。"
    ) in out


def test_a_broken_rule_file_is_reported_instead_of_running_cases(repo, capsys):
    rules = repo / RULES
    rules.write_text(rules.read_text(encoding="utf-8").replace("总分 保留 2 位", "总分 保留 2 为"), encoding="utf-8")
    code, out, _ = run(capsys, with_tests(repo, VALID))
    assert code == 1
    assert f"{RULES}:" in out and "错误：这里不应出现“为”。" in out
    assert f"被测试的规则文件 {RULES} 有错误，用例未运行" in out
    assert "✓" not in out


def test_malformed_yaml_gives_a_located_chinese_error_without_traceback(repo, capsys):
    broken = VALID.replace("      grade: 良好", "     grade: 良好")
    code, out, err = run(capsys, with_tests(repo, broken))
    assert code == 1
    assert f"{TESTS}:27:6: 错误：YAML 格式有误：缩进不一致。" in out.splitlines()
    assert "Traceback" not in out + err


def test_an_unknown_path_is_a_chinese_error(repo, capsys):
    code, out, err = run(capsys, repo, "rules/guangzhou/nothing.tests.yaml")
    assert code == 1
    assert err.startswith("错误：找不到规则测试文件“rules/guangzhou/nothing.tests.yaml”")


def test_every_expect_field_has_a_reader():
    assert set(EXPECTED_READERS) == set(EXPECT_LABELS)


# --- items, definitions, the deciding veto, refused cases (the fixture regime rule-test-assertions) --------------

ASSERTIONS = ROOT / "tests/fixtures/regimes/rule-test-assertions"
DEMO_TESTS, DEMO_RULES = "rules/demo/demo-2025.tests.yaml", "rules/demo/demo-2025.rules"


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    shutil.copytree(ASSERTIONS / "rules", tmp_path / "rules")
    return tmp_path


def edit(root: Path, name: str, *replacements: tuple[str, str]) -> None:
    path = root / name
    text = path.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")


def test_the_assertions_regime_passes(demo, capsys):
    code, out, err = run(capsys, demo)
    assert (code, err) == (0, "")
    assert out.strip().splitlines()[-1] == "规则测试：5 通过，0 失败。"


def test_item_and_definition_failures_name_the_expectation_and_show_its_steps(demo, capsys):
    edit(
        demo,
        DEMO_TESTS,
        ("服务质量: 26.63 ", "服务质量: 26.62 "),
        ("converted: 34}", "converted: 34.5}"),
        ("第三方得分率: 88.55", "第三方得分率: 88.5 "),
    )
    code, out, _ = run(capsys, demo)
    assert code == 1
    assert failed_cases(out) == {"基准：总分 87.13，良好"}
    lines = out.splitlines()
    assert f"      服务质量 评分：应为 26.62，实际为 26.63（{DEMO_TESTS}:21:15）" in lines
    assert f"      街道评分 折算分：应为 34.5，实际为 34.00（{DEMO_TESTS}:22:36）" in lines
    assert f"      定义 第三方得分率：应为 88.5，实际为 88.55（{DEMO_TESTS}:25:17）" in lines
    assert "        ■ 服务质量（各片区平均）：平均(东片区 27、西片区 26.25) = (27 + 26.25) ÷ 2 = 26.625，保留 2 位（四舍五入）得 26.63" in lines
    assert "        ■ 街道评分 折算分：85 × 40% = 34.00，保留 2 位（四舍五入）得 34.00" in lines
    definition_step = next(n for n, line in enumerate(lines) if line.startswith("        ■ 定义：第三方得分率："))
    assert "其中 服务成效 = 26.5、服务质量 = 26.63；结果：88.55" in lines[definition_step]
    assert lines[definition_step + 1].startswith(f"          规则：{DEMO_RULES}:36  定义 第三方得分率 = ")
    assert lines[definition_step + 2] == "          依据：【评估办法 第四条】 《示例街道社工站评估办法》"
    assert "■ 总分" not in out  # the total was right: only the steps behind the wrong figures are shown


def test_a_yes_no_definition_is_never_equal_to_a_number(demo, capsys):
    edit(demo, DEMO_TESTS, ("        经费不足: false\n", "        经费不足: 0\n"))
    _, out, _ = run(capsys, demo)
    assert f"      定义 经费不足：应为 0，实际为 否（{DEMO_TESTS}:24:15）" in out.splitlines()


def test_decided_by_names_the_vetoes_that_set_the_grade(demo, capsys):
    edit(demo, DEMO_TESTS, ("      decided_by: []", "      decided_by: [安全事故]"), ("      decided_by: 经费执行不足", "      decided_by: []"))
    _, out, _ = run(capsys, demo)
    lines = out.splitlines()
    assert failed_cases(out) == {"基准：总分 87.13，良好", "经费执行率 79% 触发否决，由它决定等级"}
    assert f"      决定等级的否决：应为 安全事故，实际为 无（按分数评定）（{DEMO_TESTS}:26:19）" in lines
    assert f"      决定等级的否决：应为 无（按分数评定），实际为 经费执行不足（{DEMO_TESTS}:35:19）" in lines
    assert "        ■ 否决：安全事故：安全事故；其中 安全事故 = 否；结果：未触发" in lines
    assert "        ■ 最终等级：否决条件“经费执行不足”触发，等级为不合格" in lines


def test_a_refused_case_fails_with_both_messages_when_refused_otherwise(demo, capsys):
    edit(demo, DEMO_TESTS, ("refused: 超出范围", "refused: 超出了满分"))
    code, out, _ = run(capsys, demo)
    assert code == 1
    lines = out.splitlines()
    at = lines.index(f"      应被拒绝：提示应含“超出了满分”，实际的提示不含这段文字（{DEMO_TESTS}:50:16）：")
    assert lines[at + 1] == f"        {DEMO_TESTS}:48:13: 错误：cases[3].scores.街道评分：评分 105 超出范围：应在 0 到满分 100 之间。"
    assert lines[at + 2 : at + 5] == ["           48 |       街道评分: 105", "              |                 ^^^", "          示例：街道评分: 100"]


def test_a_refused_case_that_is_accepted_fails_showing_the_result(demo, capsys):
    edit(demo, DEMO_TESTS, ("      有效投诉: 两件\n", "      有效投诉: 2\n"))
    _, out, _ = run(capsys, demo)
    assert failed_cases(out) == {"有效投诉写成文字，记录会被拒绝"}
    assert f"      应被拒绝：提示应含“应为数值”，实际被接受：总分 87.13，等级 良好（{DEMO_TESTS}:56:16）" in out.splitlines()


def test_an_evaluation_error_is_a_refusal_too(demo, capsys):
    edit(demo, DEMO_RULES, ("否决 安全事故", "定义 投诉集中度 = 有效投诉 ÷ 有效投诉\n否决 投诉集中 “投诉集中的” 当 投诉集中度 > 2\n否决 安全事故"))
    refused = "  - name: 没有投诉时投诉集中度无法计算\n    expect:\n      refused: 除数为零\n"
    edit(demo, DEMO_TESTS, ("cases:\n", "cases:\n" + refused))
    code, out, _ = run(capsys, demo)
    assert "  ✓ 没有投诉时投诉集中度无法计算" in out.splitlines()
    assert "  ✗ 基准：总分 87.13，良好（" in out  # an unexpected evaluation error still fails a case
    assert code == 1


DEMO_MISTAKES = [
    (
        "        服务质量: 26.63 ",
        "        服务指量: 26.63 ",
        "21:9: 错误：cases[0].expect.items.服务指量：规则集中没有评分项“服务指量”。你是不是想写“服务质量”、“服务成效”？",
        "  示例：可用的评分项：服务成效、服务质量、街道评分",
    ),
    (
        "{raw: 85, converted: 34}",
        "{raw: 85, convert: 34}",
        "22:25: 错误：cases[0].expect.items.街道评分.convert：未知字段“convert”。你是不是想写“converted”？",
        "  示例：街道评分: {converted: 15.09}",
    ),
    ("{raw: 85, converted: 34}", "{raw: 八十五}", "22:21: 错误：cases[0].expect.items.街道评分.raw：预期的评分应为数字，这里是“八十五”。", None),
    (
        "{raw: 85, converted: 34}",
        "{}",
        "22:15: 错误：cases[0].expect.items.街道评分：“街道评分”的预期至少写 raw（评分）或 converted（折算分）中的一项。",
        "  示例：街道评分: {raw: 85, converted: 17}",
    ),
    (
        "        第三方得分率: 88.55",
        "        第三方得分: 88.55",
        "25:9: 错误：cases[0].expect.definitions.第三方得分：规则集中没有定义“第三方得分”。你是不是想写“第三方得分率”？",
        "  示例：可用的定义：经费不足、第三方得分率",
    ),
    (
        "        经费不足: true",
        "        经费不足: 是",
        "34:15: 错误：cases[1].expect.definitions.经费不足：预期的定义值应为数字、比例（带百分号并加引号）、true、false 或 未核查，"
        "这里是“是”。“是/否”写成 true（是）或 false（否）。",
        None,
    ),
    (
        "      decided_by: 经费执行不足",
        "      decided_by: 经费执行不够",
        "35:19: 错误：cases[1].expect.decided_by：规则集中没有否决“经费执行不够”。你是不是想写“经费执行不足”？",
        "  示例：可用的否决：经费执行不足、投诉过多、安全事故",
    ),
    (
        "      decided_by: []",
        "      decide: []",
        "26:7: 错误：cases[0].expect.decide：未知字段“decide”。你是不是想写“decided_by”、“unchecked”？",
        "  示例：decided_by: [整改不到位]",
    ),
    (
        "      refused: 超出范围",
        "      refused: 超出范围\n      total: 0",
        "51:7: 错误：cases[3].expect.total：写了 refused（应被拒绝）的用例不计算结果，不能再写 total：把对结果的预期写成另一个用例。",
        "  示例：refused: 超出范围",
    ),
    ("      refused: 超出范围", "      refused: 12", "50:16: 错误：cases[3].expect.refused：refused 应写提示信息中的一段文字，这里是“12”。", None),
]


@pytest.mark.parametrize("old, new, expected, example", DEMO_MISTAKES)
def test_each_mistake_in_the_new_expectations_is_located_with_a_hint(demo, capsys, old, new, expected, example):
    edit(demo, DEMO_TESTS, (old, new))
    code, out, err = run(capsys, demo)
    lines = out.splitlines()
    assert code == 1
    assert f"{DEMO_TESTS}:{expected}" in lines
    if example is not None:
        assert lines[lines.index(f"{DEMO_TESTS}:{expected}") + 3] == example
    assert "Traceback" not in out + err
    assert out.strip().splitlines()[-1] == "规则测试：0 通过，0 失败；1 个测试文件有错误，未能运行。"


def test_definitions_of_a_rule_set_without_any_are_refused(repo, capsys):
    _, out, _ = run(capsys, with_tests(repo, VALID.replace("      grade: 良好\n", "      grade: 良好\n      definitions: {费用不足: false}\n")))
    assert f"{TESTS}:28:21: 错误：cases[0].expect.definitions.费用不足：规则集中没有任何定义，这里写了“费用不足”。" in out.splitlines()


def test_a_case_that_expects_a_refusal_is_not_a_mistake_in_the_file(repo, capsys):
    refused = "  - name: 运营管理超出满分\n    scores:\n      运营管理: 12\n    expect:\n      refused: 超出范围：应在 0 到满分 10 之间\n"
    code, out, _ = run(capsys, with_tests(repo, VALID + refused))
    assert code == 0
    assert "  ✓ 运营管理超出满分" in out.splitlines()


def docs_block(after: str, language: str) -> str:
    page = (ROOT / "docs/rule-tests.md").read_text(encoding="utf-8")
    return re.search(re.escape(after) + r".*?```" + language + r"\n(.*?)```", page, re.S)[1]


def test_the_new_expectations_on_the_docs_page_pass(repo, capsys):
    cases = docs_block("### 核对评分项、定义和决定等级的否决", "yaml") + docs_block("### 应被拒绝的用例", "yaml")
    code, out, _ = run(capsys, with_tests(repo, VALID + cases))
    assert code == 0
    assert out.strip().splitlines()[-1] == "规则测试：4 通过，0 失败。"


def test_the_failure_output_on_the_docs_page_is_a_real_run(demo, capsys):
    edit(
        demo,
        DEMO_TESTS,
        ("服务质量: 26.63 ", "服务质量: 26.62 "),
        ("converted: 34}", "converted: 34.5}"),
        ("第三方得分率: 88.55", "第三方得分率: 88.5 "),
        ("decided_by: []", "decided_by: [安全事故]"),
        ("refused: 超出范围", "refused: 超出了满分"),
        ("      有效投诉: 两件\n", "      有效投诉: 2\n"),
    )
    _, out, _ = run(capsys, demo)
    assert out == docs_block("### 评分项、定义、否决与拒绝对不上时", "text")


def test_computed_items_are_asserted_and_their_refusals_caught(tmp_path, capsys):
    """The formula-items regime (helper L1's): a score typed for a computed item, a zero target and an unchecked fact are
    refused as a record's would be; a wrong computed score fails with the formula's step."""
    shutil.copytree(ROOT / "tests/fixtures/regimes/formula-items/rules", tmp_path / "rules")
    tests = tmp_path / "rules/demo/formula-2025.tests.yaml"
    cases = (
        "\n  - name: 记录给了公式项的评分\n    scores: {指标完成: 9}\n    expect: {refused: 由规则计算}\n"
        "\n  - name: 目标数为 0\n    facts: {个案目标数: 0}\n    expect: {refused: 除数为零}\n"
        "\n  - name: 完成数未核查\n    facts: {个案完成数: {not_checked: 未提供}}\n    expect: {refused: 未核查的事实“个案完成数”}\n"
        "\n  - name: 指标完成 9.2\n    expect: {items: {指标完成: 9.2}}\n"
    )
    tests.write_text(tests.read_text(encoding="utf-8") + cases, encoding="utf-8")
    _, out, _ = run(capsys, tmp_path)
    assert failed_cases(out) == {"指标完成 9.2"}
    assert {"  ✓ 记录给了公式项的评分", "  ✓ 目标数为 0", "  ✓ 完成数未核查"} <= set(out.splitlines())
    assert re.search(r"^      指标完成 评分：应为 9.2，实际为 9.25（rules/demo/formula-2025.tests.yaml:\d+:\d+）$", out, re.M)
    assert "        ■ 指标完成（按公式计算）：" in out
