"""`site-builder export RECORD.yaml [--out FILE.docx]`: a report as an editable Word document (site/word_export.py).

The document is written whole or not at all (a temporary file beside it, then one rename); by default beside the
record, with the record's name and the extension .docx. The same record and rules give the same bytes.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..errors import SiteBuilderError
from ..language.formatting import plain
from ..language.ruleset import NOT_GRADED
from ..site.assembly import standing_text
from ..site.word_export import docx_bytes


def add_command(commands) -> None:
    command = commands.add_parser("export", help="把一份记录的评估报告导出为可编辑的 Word 文档（.docx，A4，版式同正式报告）")
    command.add_argument("path", metavar="记录文件", help="站点记录文件，如 stations/panyu/shiqiao-dongxi/2024-2025-中期.yaml")
    command.add_argument("--out", metavar="FILE.docx", help="写到这里；省略时写在记录旁边，文件名同记录、扩展名 .docx")
    command.set_defaults(command=run_export)


def run_export(args) -> int:
    from .cli import loaded_record  # cli lists this module: imported when the command runs, not at import time

    project, key = loaded_record(args)
    record, result = project.record(key), project.results[key]
    target = Path(args.out) if args.out else (project.root / record.path).with_suffix(".docx")
    if target.suffix.lower() != ".docx":
        raise SiteBuilderError(None, f"--out 应是 .docx 文件，现在是 {target}。请写成如 --out 报告/{target.stem}.docx。")
    write_whole(target, docx_bytes(record, result, standing_text(project, result.ruleset)))
    print(f"已写入 {target}（{record.station['name']} {record.stage}，总分 {plain(result.total)}，等级 {result.grade or NOT_GRADED}）。")
    return 0


def write_whole(target: Path, data: bytes) -> None:
    """A reader never sees half a document: written beside the target, then renamed over it."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".export-", suffix=".tmp")
    except OSError as error:
        raise SiteBuilderError(None, f"无法写入 {target}（{error.strerror}）。请检查目录与权限，或用 --out 写到别处。") from None
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
