"""`site-builder check | evaluate | explain | schema | …`: the command policy staff and CI run.

Commands with more than a few lines of their own live in their own module, which provides
`add_command(commands)`; they are listed in COMMAND_MODULES.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ..errors import SiteBuilderError, did_you_mean, error_count
from ..language.evaluate import Result
from ..language.formatting import plain, step_lines
from ..language.ruleset import NOT_GRADED
from ..language.score_rows import SCORE_COLUMNS, TOTAL_LABEL, score_rows, total_note
from ..records import authoring, rule_tests
from ..records.project import Project, load_project
from ..records.schema import SCHEMA_FILE, json_schema_text
from ..site import preview, publish, shards
from . import exporting, impact, importing
from .arguments import ChineseArgumentParser


def main(argv: list[str] | None = None) -> int:
    try:
        status = run_command(argv)
        sys.stdout.flush()  # inside the try: a pipe closed under buffered output breaks here, not at exit
        return status
    except BrokenPipeError:
        return reader_went_away()


def run_command(argv: list[str] | None) -> int:
    args = argument_parser().parse_args(argv)
    try:
        return args.command(args)
    except SiteBuilderError as error:  # bad input never ends in a traceback
        print(error.format(), file=sys.stderr)
        return 1


SIGPIPE_STATUS = 128 + 13  # what a shell reports for a command ended by SIGPIPE


def reader_went_away() -> int:
    """The reader of our output closed it (`site-builder evaluate … --json | head`): stop quietly, as Unix tools do.
    Python's documented recipe: point stdout at /dev/null, so that the flush at exit does not fail a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout without a file descriptor (captured in tests)
        pass
    return SIGPIPE_STATUS


def argument_parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(prog="site-builder", description="社工站评估：检查规则与记录、计算评估结果。")
    parser.add_argument("--root", default=".", metavar="目录", help="仓库根目录（含 rules/ 与 stations/），默认当前目录")
    commands = parser.add_subparsers(required=True, metavar="命令")
    check = commands.add_parser("check", help="检查所有规则文件与站点记录")
    check.add_argument(
        "--format", choices=["text", "github"], default="text", help="text：供人阅读（默认）；github：输出 GitHub Actions 注释（::error file=…）"
    )
    check.set_defaults(command=run_check)
    evaluate = commands.add_parser("evaluate", help="计算一份记录的评分表、总分、等级与否决情况")
    evaluate.add_argument("path", metavar="记录文件", help="站点记录文件，如 stations/panyu/shiqiao-dongxi/2024-2025-中期.yaml")
    evaluate.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    evaluate.set_defaults(command=run_evaluate)
    schema = commands.add_parser("schema", help=f"生成编辑器用的 JSON Schema（{SCHEMA_FILE}）")
    schema.add_argument("--check", action="store_true", help="只检查文件是否最新，不写入")
    schema.set_defaults(command=run_schema)
    explain = commands.add_parser("explain", help="逐项说明一份记录的每个数字是怎样算出来的")
    explain.add_argument("path", metavar="记录文件", help="站点记录文件，如 stations/panyu/shiqiao-dongxi/2024-2025-中期.yaml")
    explain.set_defaults(command=run_explain)
    for module in COMMAND_MODULES:
        module.add_command(commands)
    return parser


COMMAND_MODULES: tuple = (impact, publish, preview, shards, rule_tests, authoring, importing, exporting)


def run_check(args) -> int:
    project = load_project(args.root)
    emit = github_annotation if args.format == "github" else text_block
    for error in project.errors:
        print(emit(error, "error"))
    if project.warnings:
        print("\n—— 以下为警告，不影响发布 ——" if args.format == "text" else "", file=sys.stdout)
        for warning in project.warnings:
            print(emit(warning, "warning"))
    summary = (
        f"检查了 {project.rule_files} 个规则文件、{len(project.records)} 份站点记录："
        f"{error_count(project.errors)} 处错误，{error_count(project.warnings)} 条警告。"
    )
    print(summary if args.format == "text" else f"::notice::{workflow_data(summary)}")
    return 1 if project.errors else 0


def text_block(error: SiteBuilderError, _level: str) -> str:
    return error.format() + "\n"


def github_annotation(error: SiteBuilderError, level: str) -> str:
    """One workflow command per line, escaped as GitHub requires, so that no text can end it and start another
    (a file name with a newline followed by ::add-mask:: or ::error, say)."""
    message = workflow_data(error.format())
    if error.pos is None:
        return f"::{level}::{message}"
    properties = ",".join(
        f"{key}={workflow_property(str(value))}" for key, value in (("file", error.pos.file), ("line", error.pos.line), ("col", error.pos.col))
    )
    return f"::{level} {properties}::{message}"


def workflow_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def workflow_property(text: str) -> str:
    return workflow_data(text).replace(":", "%3A").replace(",", "%2C")


def loaded_record(args) -> tuple[Project, str]:
    project = load_project(args.root)
    project.raise_errors()
    wanted = Path(args.path).resolve()
    for record in project.records:
        if (project.root / record.path).resolve() == wanted:
            return project, record.key
    raise record_not_found(args.path, project)


def record_not_found(path: str, project: Project) -> SiteBuilderError:
    """Why the path names no record: no such file (a typo, most often), or a file that is not under stations/."""
    known = [record.path for record in project.records]
    if not Path(path).exists():
        hint = did_you_mean(Path(path).as_posix(), known) or "现有的记录：" + "、".join(known[:5]) + ("等。" if len(known) > 5 else "。")
        return SiteBuilderError(None, f"找不到文件 {path}：请检查路径与文件名（服务年度-阶段.yaml）。{hint}")
    return SiteBuilderError(None, f"{path} 不是站点记录：记录文件应在 stations/<区>/<站点>/ 下，名为 <服务年度>-<阶段>.yaml。")


def run_evaluate(args) -> int:
    project, key = loaded_record(args)
    result = project.results[key]
    record = project.record(key)
    print(json.dumps(result_json(key, project, result), ensure_ascii=False, indent=2) if args.json else score_table_text(result, record.table_label))
    return 0


def result_json(key: str, project: Project, result: Result) -> dict:
    record = project.record(key)
    return {
        "record": key,
        "station": record.station_id,
        "stage": result.stage,
        "rules": {"id": result.ruleset.id, "version": result.ruleset.version},
        "total": plain(result.total),
        "score_grade": result.score_grade,
        "grade": result.grade,
        "vetoes": result.fired,
        "unchecked_vetoes": result.unchecked,
        "decided_by": list(result.decided_by),
        "adjustments": [
            {
                "name": a.name,
                "label": a.label,
                "kind": "bonus" if a.bonus else "penalty",
                "value": plain(a.value),
                "cap": plain(a.cap) if a.cap is not None else None,
                "applied": plain(a.applied),
            }
            for a in result.adjustments
        ],
        "items": [
            {
                "name": i.name,
                "label": i.label,
                "party": i.party,
                "max": plain(i.maximum),
                "score": plain(i.score),
                "sub_scores": {k: plain(v) for k, v in i.sub_scores.items()},
                "converted": plain(i.converted),
            }
            for i in result.items
        ],
    }


def score_table_text(result: Result, table_label=lambda sub_district: sub_district) -> str:
    """The score table for the terminal, in aligned columns; a sub-district row under the first shows 〃 for the shared score."""
    rows = [SCORE_COLUMNS]
    for row in score_rows(result, table_label):
        label = row.label if row.sub_district is None else f"{row.label}（{row.sub_district}）"
        label += f"（{row.note}）" if row.note else ""
        rows.append((label, row.maximum_text, plain(row.score), row.converted_text if row.merged_rows else "〃"))
    note = total_note(result)
    rows.append((TOTAL_LABEL + (f"（{note}）" if note else ""), "", "", plain(result.total)))
    lines = [aligned(row, column_widths(rows)) for row in rows]
    lines.insert(1, "-" * max(display(line) for line in lines))
    lines += ["", f"等级：{result.grade or NOT_GRADED}（按分数：{result.score_grade}）"]
    if result.vetoes:  # a rule set without vetoes prints no empty heading
        lines += ["", "一票否决：", *(f"  [{v.status}] {v.label}" for v in result.vetoes)]
    return "\n".join(lines)


def display(text: str) -> int:
    from ..errors import display_width

    return display_width(text)


def column_widths(rows: list[tuple]) -> tuple[int, ...]:
    """26, 8, 8, 8 columns, each widened where a cell (a label with its note, 不设上限) needs more."""
    return tuple(max([width] + [display(row[index]) + 2 for row in rows]) for index, width in enumerate((26, 8, 8, 8)))


def aligned(row: tuple, widths: tuple[int, ...] = (26, 8, 8, 8)) -> str:
    return "".join(cell + " " * max(width - display(cell), 1) for cell, width in zip(row, widths)).rstrip()


def run_explain(args) -> int:
    project, key = loaded_record(args)
    print(explanation(project.results[key], project.ruleset_reason.get(key)))
    return 0


def explanation(result: Result, reason: str | None = None) -> str:
    """Every computed figure: the formula with values put in, the rule line it came from, and its citation;
    first, the version and why it was chosen (records/project.py choose_ruleset)."""
    lines = [f"规则集：{result.ruleset.title}（版本 {result.ruleset.version}，{result.ruleset.path}）"]
    lines += [f"选用版本的依据：{reason}。"] if reason else []
    lines += [f"阶段：{result.stage}", ""]
    for step in result.steps:
        lines += [*step_lines(step, result.ruleset.documents, formula_apart=True), ""]
    return "\n".join(lines).rstrip()


def run_schema(args) -> int:
    project = load_project(args.root)
    project.raise_errors()
    target = Path(args.root) / SCHEMA_FILE
    text = json_schema_text(project.rulesets)
    if args.check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{SCHEMA_FILE} 不是最新的，请运行 site-builder schema 重新生成。", file=sys.stderr)
            return 1
        print(f"{SCHEMA_FILE} 是最新的。")
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"已写入 {SCHEMA_FILE}。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
