"""`site-builder new` and `site-builder fmt`: the skeleton follows the schema and the rule set, fmt keeps every comment."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from site_harness import SEED_RECORD, copy_seed_repo

from site_builder.commands.cli import main
from site_builder.records.authoring import NOT_CHECKED_PLACEHOLDER, SUB_DISTRICT_PLACEHOLDER, canonical_text
from site_builder.records.schema import record_schema
from site_builder.records.yaml_source import dump_yaml, load_yaml, new_yaml, to_plain

SEED = SEED_RECORD
NEW = "stations/panyu/shiqiao-dongxi/2025-2026-末期.yaml"
NEW_ARGS = (
    "new",
    "--district",
    "panyu",
    "--district-name",
    "番禺区",
    "--station",
    "shiqiao-dongxi",
    "--name",
    "市桥街东西片社工服务站",
    "--period",
    "2025-2026",
    "--stage",
    "末期",
    "--date",
    "2026-02-20",
)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return copy_seed_repo(tmp_path)


def run(capsys, root: Path, *args) -> tuple[int, str, str]:
    code = main(["--root", str(root), *args])
    out, err = capsys.readouterr()
    return code, out, err


def scaffolded(capsys, repo: Path) -> str:
    code, out, err = run(capsys, repo, *NEW_ARGS)
    assert (code, err) == (0, "")
    assert f"已生成 {repo / NEW}" in out and "site-builder check" in out
    return (repo / NEW).read_text(encoding="utf-8")


# --- new ------------------------------------------------------------------------------------------------


def test_new_writes_every_item_and_fact_of_the_rule_set_at_the_records_path(capsys, repo, ruleset):
    text = scaffolded(capsys, repo)
    content = to_plain(load_yaml(text, NEW))
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../../../schema/station-record.schema.json"
    assert list(content["scores"]) == list(ruleset.items)
    assert content["scores"]["服务质量"] == {SUB_DISTRICT_PLACEHOLDER: None}
    assert content["facts"] == {name: {"not_checked": NOT_CHECKED_PLACEHOLDER} for name in ruleset.facts}
    assert (
        content["station"]["id"],
        content["station"]["district"],
        content["evaluation"]["period"],
        content["evaluation"]["stage"],
        content["evaluation"]["visit_date"],
    ) == ("shiqiao-dongxi", {"id": "panyu", "name": "番禺区"}, "2025-2026", "末期", "2026-02-20")
    for fact in ruleset.facts.values():
        assert f"  # {fact.label}（{fact.type}：" in text


def test_new_lays_out_the_schemas_required_sections_in_order_under_their_titles(capsys, repo):
    text = scaffolded(capsys, repo)
    schema = record_schema()
    assert list(load_yaml(text, NEW)) == [key for key in schema["properties"] if key in schema["required"]]
    for key in schema["required"]:
        assert f"\n# {schema['properties'][key]['title']}" in text
    station = schema["properties"]["station"]["properties"]
    assert f"  # {station['id']['title']}（例：shiqiao-dongxi）：{station['id']['description']}\n  id: shiqiao-dongxi" in text
    assert "sub_districts" in text and "# 可另加：table_label（评分表中的名称）" in text


def test_check_points_at_each_blank_left_to_fill(capsys, repo):
    text = scaffolded(capsys, repo)
    code, out, _ = run(capsys, repo, "check")
    line = text.splitlines().index("  short_name:") + 1
    assert code == 1
    assert f"{NEW}:{line}:3: 错误：station.short_name：简称还没有填写。" in out
    assert "report.conclusion：结语还没有填写。" in out
    assert SEED not in out


def test_a_filled_skeleton_passes_the_check(capsys, repo):
    scaffolded(capsys, repo)
    document = load_yaml((repo / NEW).read_text(encoding="utf-8"), NEW)
    fill_blanks(document, load_yaml((repo / SEED).read_text(encoding="utf-8"), SEED))
    (repo / NEW).write_text(dump_yaml(document), encoding="utf-8")
    code, out, _ = run(capsys, repo, "check")
    assert code == 0, out
    assert "2 份站点记录：0 处错误" in out


def fill_blanks(node: dict, source: dict) -> None:
    """Fill every blank of the skeleton from the seed record, as staff would from their report."""
    for key, value in node.items():
        if not has_blank(value):
            continue
        if isinstance(value, dict) and isinstance(source[key], dict) and set(value) <= set(source[key]):
            fill_blanks(value, source[key])
        else:
            node[key] = source[key]


def has_blank(value) -> bool:
    if isinstance(value, dict):
        return SUB_DISTRICT_PLACEHOLDER in value or any(has_blank(v) for v in value.values())
    if isinstance(value, list):
        return not value or any(has_blank(v) for v in value)
    return value is None


def test_new_refuses_to_overwrite_a_record(capsys, repo):
    before = (repo / SEED).read_bytes()
    args = [a if a not in ("2025-2026", "末期") else {"2025-2026": "2024-2025", "末期": "中期"}[a] for a in NEW_ARGS]
    code, _, err = run(capsys, repo, *args)
    assert code == 1
    assert "已存在，不会覆盖" in err
    assert (repo / SEED).read_bytes() == before


@pytest.mark.parametrize(
    ("changed", "message"),
    [
        (("--stage", "终期"), "--stage：规则集“广州市社工站评估”（版本 2024）没有“终期”阶段，只有中期、末期。"),
        (("--rules", "广州社工站"), "--rules：没有编号为“广州社工站”的规则集。你是不是想写“广州市社工站评估”？"),
        (("--rules", "广州市社工站评估", "--version", "2030"), "--version：规则集“广州市社工站评估”没有版本“2030”"),
        (("--date", "2020-01-01"), "2020-01-01 没有生效的规则集版本。"),
        (("--date", "2025-02-30"), "--date：日期“2025-02-30”写法不对或不存在"),
        (("--station", "Shiqiao East"), "--station：站点编号“Shiqiao East”的格式不对。"),
        (("--period", "2025"), "--period：服务年度“2025”的格式不对。"),
    ],
)
def test_new_with_a_wrong_option_says_what_is_wrong_in_chinese(capsys, repo, changed, message):
    code, _, err = run(capsys, repo, *NEW_ARGS, *changed)
    assert code == 1
    assert err.startswith("错误：") and message in err
    assert "Traceback" not in err
    assert not (repo / "stations/panyu/shiqiao-dongxi").joinpath(f"2025-2026-{changed[1]}.yaml").exists()


def test_a_fresh_skeleton_is_already_canonical(capsys, repo):
    text = scaffolded(capsys, repo)
    assert canonical_text(text, NEW) == text
    code, out, _ = run(capsys, repo, "fmt", "--check")
    assert code == 0
    assert "格式都已统一" in out


# --- fmt ------------------------------------------------------------------------------------------------


def test_fmt_check_passes_on_the_seed_repository(capsys, repo):
    code, out, _ = run(capsys, repo, "fmt", "--check")
    assert code == 0, out


def four_space_copy(text: str) -> str:
    """The seed as someone indenting by four spaces would write it, comments lined up with the line below."""
    yaml = new_yaml()
    yaml.indent(mapping=4, sequence=6, offset=4)
    stream = io.StringIO()
    yaml.dump(load_yaml(text, SEED), stream)
    lines, below = stream.getvalue().splitlines(keepends=True), 0
    for index in reversed(range(len(lines))):
        stripped = lines[index].lstrip(" ")
        if stripped.startswith("#"):
            lines[index] = " " * below + stripped
        elif stripped.strip():
            below = len(lines[index]) - len(stripped)
    return "".join(lines).replace("2400000  #", "2400000    #")


def test_fmt_check_shows_the_diff_of_a_four_space_record_and_fmt_restores_the_seed(capsys, repo):
    seed = (repo / SEED).read_bytes()
    four = four_space_copy(seed.decode("utf-8"))
    assert to_plain(load_yaml(four, SEED)) == to_plain(load_yaml(seed.decode("utf-8"), SEED))
    assert "\n        # 二（三）1（1）" not in four and "\n    # 二（三）1（1）" in four
    (repo / SEED).write_text(four, encoding="utf-8")
    code, out, _ = run(capsys, repo, "fmt", "--check")
    assert code == 1
    assert f"—— {repo / SEED} 不是统一格式" in out
    assert "\n-    id: shiqiao-dongxi\n" in out and "\n+  id: shiqiao-dongxi\n" in out
    assert "需要整理格式" in out
    assert (repo / SEED).read_text(encoding="utf-8") == four  # --check writes nothing
    code, out, _ = run(capsys, repo, "fmt")
    assert code == 0
    assert f"已整理格式：{repo / SEED}" in out
    assert (repo / SEED).read_bytes() == seed


COMMENTED = """\
# 文件开头的注释
station:
    # 缩进四格的注释
    id: a-b   # 行尾注释
    list:
    - x
        # 列表项之间的注释
    - y
    text: |-
        # 这是正文，不是注释
        正文
# 末尾的注释
"""

COMMENTED_CANONICAL = """\
# 文件开头的注释
station:
  # 缩进四格的注释
  id: a-b  # 行尾注释
  list:
    - x
    # 列表项之间的注释
    - y
  text: |-
    # 这是正文，不是注释
    正文
# 末尾的注释
"""


def test_comments_survive_fmt_and_take_the_indentation_of_the_line_below(capsys, tmp_path):
    path = tmp_path / "record.yaml"
    path.write_text(COMMENTED, encoding="utf-8")
    code, _, _ = run(capsys, tmp_path, "fmt", str(path))
    assert code == 0
    assert path.read_text(encoding="utf-8") == COMMENTED_CANONICAL
    assert to_plain(load_yaml(COMMENTED_CANONICAL, "x")) == to_plain(load_yaml(COMMENTED, "x"))
    assert canonical_text(COMMENTED_CANONICAL, "x") == COMMENTED_CANONICAL


def test_fmt_keeps_a_file_it_would_lose_a_comment_from(capsys, tmp_path):
    text = "facts:\n  a: {not_checked: 报告未载明,  # 放在花括号里的注释\n      }\n"
    path = tmp_path / "record.yaml"
    path.write_text(text, encoding="utf-8")
    code, _, err = run(capsys, tmp_path, "fmt", str(path))
    assert code == 1
    assert f"{path}:2:" in err and "整理格式会丢失这条注释，文件未改动" in err
    assert path.read_text(encoding="utf-8") == text


def test_fmt_reports_a_yaml_syntax_error_with_its_position(capsys, repo):
    broken = repo / SEED
    broken.write_text(broken.read_text(encoding="utf-8").replace("  stage: 中期", "\tstage: 中期"), encoding="utf-8")
    code, _, err = run(capsys, repo, "fmt", "--check")
    assert code == 1
    assert f"{broken}:39:1: 错误：YAML 格式有误：不能用 Tab 缩进，请改用空格。" in err
    assert "Traceback" not in err


def test_fmt_turns_windows_line_endings_into_the_seeds(capsys, repo):
    seed = (repo / SEED).read_bytes()
    (repo / SEED).write_bytes(seed.replace(b"\n", b"\r\n"))
    code, out, _ = run(capsys, repo, "fmt", "--check")
    assert code == 1 and "CRLF" in out
    run(capsys, repo, "fmt", str(repo / "stations"))
    assert (repo / SEED).read_bytes() == seed


def test_fmt_says_when_a_file_is_not_utf8_or_not_there(capsys, tmp_path):
    path = tmp_path / "record.yaml"
    path.write_bytes("station:\n  name: 市桥\n".encode("gbk"))
    code, _, err = run(capsys, tmp_path, "fmt", str(path))
    assert code == 1 and f"{path}:2:9: 错误：文件不是 UTF-8 编码（第 18 个字节无法识别）" in err
    code, _, err = run(capsys, tmp_path, "fmt", str(tmp_path / "missing.yaml"))
    assert code == 1 and "找不到文件或目录" in err
