"""`site-builder import REPORT.docx | DIR`: a Word evaluation report → a draft station record and its review list.

The reading and mapping live in records/word_import.py; this module chooses where the record goes, writes it whole
or not at all (a temporary file in the same folder, then one rename), and prints what a person must check. The exit
status is 1 when anything needs a person (a review item or a refusal), 0 when the record is ready for `check`.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import SiteBuilderError
from ..records.authoring import loaded_rulesets
from ..records.source_files import STATIONS_DIR
from ..records.word_import import Imported, import_report, read_document, record_text

IMPORTED, NEEDS_REVIEW, REFUSED = "已导入", "需复核", "拒绝"


def add_command(commands) -> None:
    command = commands.add_parser("import", help="把 Word 评估报告（.docx）导入为站点记录草稿，并列出需要复核的地方")
    command.add_argument("path", metavar="报告", help="一份 .docx 评估报告，或一个目录（导入其中所有 .docx）")
    command.add_argument(
        "--out", metavar="PATH", help="记录写到这里（只用于单个文件）；省略时按记录中的编号写到 stations/<区>/<站点>/<服务年度>-<阶段>.yaml"
    )
    command.add_argument("--district", metavar="区编号", help="报告中没有拼音编号：已有同名站点的记录时自动取用，否则用此项写明，如 panyu")
    command.add_argument("--station", metavar="站点编号", help="同上，如 shiqiao-dongxi")
    command.set_defaults(command=run_import)


def run_import(args) -> int:
    source = Path(args.path)
    if source.is_dir():
        if args.out:
            raise SiteBuilderError(None, "--out 只能用于导入单个文件；导入目录时，每份记录按其编号写到 stations/ 下。")
        return import_folder(source, args)
    if not source.exists():
        raise SiteBuilderError(None, f"找不到文件 {source}。请检查路径，如 site-builder import 报告/市桥中期.docx。")
    outcome = import_one(source, args)
    print_outcome(outcome)
    return 0 if outcome.status == IMPORTED else 1


@dataclass
class Outcome:
    source: Path
    status: str
    reason: str = ""
    target: Path | None = None
    imported: Imported | None = None


def import_one(source: Path, args) -> Outcome:
    """Read, map and write one report; a refusal becomes an Outcome, nothing written."""
    root = Path(args.root)
    try:
        blocks = read_document(source)
        imported = import_report(source, blocks, loaded_rulesets(args.root), root)
        target = Path(args.out) if args.out else root / record_path(imported, args)
        text = record_text(imported.record, target.relative_to(root) if target.is_relative_to(root) else Path(target.name), source.name)
        write_whole(target, text)
    except SiteBuilderError as error:
        return Outcome(source, REFUSED, error.message)
    status = NEEDS_REVIEW if imported.review else IMPORTED
    reason = f"{len(imported.review)} 处需复核" if imported.review else "可以运行 site-builder check"
    return Outcome(source, status, reason, target, imported)


def record_path(imported: Imported, args) -> Path:
    station, evaluation = imported.record["station"], imported.record["evaluation"]
    station_id = station.get("id") or args.station
    district_id = station.get("district", {}).get("id") or args.district
    station["id"], station.setdefault("district", {})["id"] = station_id, district_id
    if not station_id or not district_id:
        raise SiteBuilderError(
            None,
            f"报告中只有中文名称“{station.get('name', '')}”，仓库里也没有这个站点的记录，无法确定站点编号与区编号。"
            "请用 --district 与 --station 写明（小写拼音，用连字符分隔），或用 --out 指定记录文件。",
            "site-builder import 报告.docx --district panyu --station shiqiao-dongxi",
        )
    if not evaluation.get("period") or not evaluation.get("stage"):
        raise SiteBuilderError(
            None, "报告中没有找到服务年度或评估阶段，无法确定记录的文件名。请用 --out 指定记录文件，导入后填写 evaluation.period 与 stage。"
        )
    return Path(STATIONS_DIR, district_id, station_id, f"{evaluation['period']}-{evaluation['stage']}.yaml")


def write_whole(target: Path, text: str) -> None:
    """The record appears complete or not at all: written beside its target, then renamed over nothing."""
    if target.exists():
        raise SiteBuilderError(None, f"{target} 已存在，不会覆盖。请用 --out 写到别处，比较后再合并。")
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".import-", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def print_outcome(outcome: Outcome) -> None:
    if outcome.status == REFUSED:
        print(f"错误：{outcome.reason}", file=sys.stderr)
        return
    assert outcome.imported is not None
    print(f"已写入 {outcome.target}（{outcome.imported.station} {outcome.imported.stage}）。")
    for note in outcome.imported.notes:
        print(f"说明：{note}")
    if outcome.imported.review:
        print(f"\n需要复核（{len(outcome.imported.review)} 处）：")
        for number, item in enumerate(outcome.imported.review, 1):
            print(f"  {number}. {item.text()}")
    print("\n下一步：逐项核对后运行 site-builder check，再提交拉取请求。")


def import_folder(folder: Path, args) -> int:
    reports = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in (".docx", ".doc", ".wps"))
    outcomes = [import_one(path, args) for path in reports]
    rows = [("文件", "站点", "阶段", "结果", "原因")]
    for outcome in outcomes:
        imported = outcome.imported
        rows.append(
            (
                str(outcome.source.relative_to(folder)),
                imported.station if imported else "",
                imported.stage if imported else "",
                outcome.status,
                outcome.reason,
            )
        )
    print(table_text(rows))
    counts = {status: sum(1 for o in outcomes if o.status == status) for status in (IMPORTED, NEEDS_REVIEW, REFUSED)}
    print(f"\n共 {len(outcomes)} 份：" + "，".join(f"{status} {count} 份" for status, count in counts.items()) + "。")
    return 0 if counts[IMPORTED] == len(outcomes) else 1


def table_text(rows: Sequence[tuple[str, ...]]) -> str:
    from ..errors import display_width

    widths = [max(display_width(row[i]) for row in rows) + 2 for i in range(len(rows[0]) - 1)]
    return "\n".join("".join(cell + " " * (width - display_width(cell)) for cell, width in zip(row, widths)) + row[-1] for row in rows)
