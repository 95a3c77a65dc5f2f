"""`site-builder new` and `site-builder fmt`: start a station record from the schema, keep every record in one layout.

`new` writes a record skeleton whose fields, order and comments all come from record_schema.yaml and
the chosen rule set, so that staff fill in blanks instead of copying an old report and missing a field.
`fmt` rewrites records into the canonical layout of yaml_source.dump_yaml, refusing any rewrite that
would change a value or lose a comment.
"""

from __future__ import annotations

import datetime
import difflib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import jsonschema
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString
from ruamel.yaml.tokens import ScalarToken

from ..errors import Problems, RecordError, RecordWarning, SiteBuilderError, SourcePos, did_you_mean
from ..language.evaluate import scored_facts
from ..language.formatting import effective_period
from ..language.ruleset import FactType, RuleSet
from .project import (
    NoneInForce,
    PinnedNotInForce,
    Project,
    SeveralInForce,
    UnknownRuleset,
    UnknownVersion,
    choose_ruleset,
    listed_sources,
    load_rulesets,
)
from .schema import SCHEMA_FILE, expanded, properties_of, record_schema, resolve, schema_node
from .source_files import RULES, STATIONS, STATIONS_DIR, decode_source, list_sources, read_source
from .yaml_source import dump_yaml, load_yaml, to_plain

NOT_CHECKED_PLACEHOLDER = "待核查"  # written in a new record until the evaluator fills the fact in (evaluate's 未核查 is a result)
SUB_DISTRICT_PLACEHOLDER = "片区编号"
FACT_HINTS = {FactType.YES_NO: "是填 true，否填 false", FactType.COUNT: "填数字，如 0", FactType.RATIO: '填百分比，如 "85%"'}


def add_command(commands) -> None:
    new = commands.add_parser("new", help="按记录结构与规则集生成一份待填写的站点记录")
    new.add_argument("--district", required=True, metavar="区编号", help="如 panyu")
    new.add_argument("--district-name", required=True, metavar="区名", help="如 番禺区")
    new.add_argument("--station", required=True, metavar="站点编号", help="如 shiqiao-dongxi")
    new.add_argument("--name", required=True, metavar="全称", help="如 市桥街东西片社工服务站")
    new.add_argument("--period", required=True, metavar="服务年度", help="如 2025-2026")
    new.add_argument("--stage", required=True, metavar="阶段", help="如 中期、末期（须是规则集声明的阶段）")
    new.add_argument("--rules", metavar="规则集编号", help="如 广州市社工站评估；省略时选用评估日期当天有效的规则集")
    new.add_argument("--version", metavar="版本", help="规则集版本，如 2024；须与 --rules 一起使用")
    new.add_argument("--date", metavar="YYYY-MM-DD", help="实地评估日期：用来选用规则版本，并写入 evaluation.visit_date；省略时按今天选用")
    new.set_defaults(command=run_new)
    fmt = commands.add_parser("fmt", help="把站点记录整理为统一格式（保留注释与全部内容）")
    fmt.add_argument("paths", nargs="*", metavar="PATH", help="记录文件或目录；省略时整理 stations/ 下的全部记录")
    fmt.add_argument("--check", action="store_true", help="只检查并显示差异，不写入；有需要整理的文件时退出码为 1")
    fmt.set_defaults(command=run_fmt)


# --- new ----------------------------------------------------------------------------------------------


def run_new(args) -> int:
    answers, ruleset = checked_options(args)
    if args.rules:
        answers["evaluation"]["rules"] = {"id": ruleset.id, "version": DoubleQuotedScalarString(args.version)} if args.version else {"id": ruleset.id}
    relative = Path(STATIONS_DIR, args.district, args.station, f"{args.period}-{args.stage}.yaml")
    target = Path(args.root) / relative
    text = scaffold_text(ruleset, answers, schema_link(relative))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8", newline="\n")
    print(f"已生成 {target}（规则集：{ruleset.id} 版本 {ruleset.version}，{len(ruleset.items)} 个评分项、{len(ruleset.facts)} 个否决事实）。")
    print(
        "下一步：按文件中的注释填写每个留空的字段，否决事实核查后把“待核查”改为实际值；"
        "然后运行 site-builder check，它会逐一指出还没有填写或写错的地方。"
    )
    return 0


def checked_options(args) -> tuple[dict, RuleSet]:
    """The record's known values and its rule set, or every option that is wrong, reported together. The rule
    set is chosen only once the options it depends on (--date, --rules with --version) are right."""
    problems: list[SiteBuilderError] = []
    day = gathered(problems, lambda: given_date(args.date))
    answers = checked_answers(args, day, problems)
    if args.version and not args.rules:
        problems.append(SiteBuilderError(None, "--version 须与 --rules 一起使用，如 --rules 广州市社工站评估 --version 2024。"))
    ruleset: RuleSet | None = None
    date_read, version_paired = args.date is None or day is not None, bool(args.rules) or not args.version
    if date_read and version_paired:
        ruleset = gathered(problems, lambda: chosen_ruleset(loaded_rulesets(args.root), args.rules, args.version, day or datetime.date.today()))
    if ruleset is not None:
        gathered(problems, lambda: check_stage(ruleset, args.stage))
    target = Path(args.root) / STATIONS_DIR / args.district / args.station / f"{args.period}-{args.stage}.yaml"
    if target.exists():
        problems.append(SiteBuilderError(None, f"{target} 已存在，不会覆盖。如要重新生成，请先把原文件改名或删除。"))
    if len(problems) == 1:
        raise problems[0]
    if problems or ruleset is None:
        raise Problems(problems)
    return answers, ruleset


def gathered(problems: list[SiteBuilderError], action):
    """action's value, or None with the errors it raised added to problems."""
    try:
        return action()
    except Problems as raised:
        problems += raised.errors
    except SiteBuilderError as error:
        problems.append(error)
    return None


def given_date(text: str | None) -> datetime.date | None:
    if text is None:
        return None
    try:
        if field_problem(resolve("#/$defs/date"), text) is None:
            return datetime.date.fromisoformat(text)
    except ValueError:
        pass
    raise SiteBuilderError(None, f"--date：日期“{text}”写法不对或不存在，应写作 2025-02-20。")


def checked_answers(args, day: datetime.date | None, problems: list[SiteBuilderError]) -> dict:
    """What the command line already says about the record; each value that does not fit its schema field adds to problems."""
    answers = {
        "station": {"id": args.station, "name": args.name, "district": {"id": args.district, "name": args.district_name}},
        "evaluation": {"period": DoubleQuotedScalarString(args.period), "stage": args.stage},
    }
    if day is not None:
        answers["evaluation"]["visit_date"] = day
    options = {
        ("station", "id"): "--station",
        ("station", "name"): "--name",
        ("station", "district", "id"): "--district",
        ("station", "district", "name"): "--district-name",
        ("evaluation", "period"): "--period",
    }
    for keys, option in options.items():
        gathered(problems, lambda keys=keys, option=option: check_option(option, schema_node(keys), nested(answers, keys)))
    return answers


def check_option(option: str, field: dict, value: str) -> None:
    problem = field_problem(field, value)
    if problem is None:
        return
    hint = field.get("description", "")
    examples = "、".join(str(e) for e in field.get("examples", []))
    raise SiteBuilderError(None, f"{option}：{field.get('title', '')}“{value}”{problem}。{hint}".rstrip(), examples or None)


def field_problem(field: dict, value) -> str | None:
    """Why value does not fit the schema field, in Chinese, or None when it fits."""
    # The field may refer to shared definitions ("#/$defs/…"), which live at the schema's root.
    standalone = {**field, "$defs": record_schema()["$defs"]}
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(standalone).iter_errors(value))
    if error is None:
        return None
    return "不能为空" if error.validator == "minLength" else "的格式不对"


def nested(mapping: dict, keys: tuple):
    for key in keys:
        mapping = mapping[key]
    return mapping


def loaded_rulesets(root: str) -> list[RuleSet]:
    project = Project(Path(root))
    rulesets = load_rulesets(project, listed_sources(project, RULES))
    if project.errors:  # a record built on a broken rule file would be checked against the wrong items
        raise Problems(project.errors)
    if not rulesets:
        raise SiteBuilderError(None, f"{Path(root) / 'rules'} 下没有规则文件，无法确定评分项与否决事实。")
    return rulesets


def chosen_ruleset(rulesets: list[RuleSet], rules_id: str | None, version: str | None, day: datetime.date) -> RuleSet:
    """The version project.choose_ruleset gives a record naming these, or the reason worded for the command's options."""
    try:
        return choose_ruleset(rulesets, rules_id or None, version or None, lambda: day).ruleset
    except UnknownRuleset as missing:
        hint = did_you_mean(missing.rules_id, missing.known)
        raise SiteBuilderError(None, f"--rules：没有编号为“{rules_id}”的规则集。{hint}现有规则集：{'、'.join(missing.known)}。") from None
    except UnknownVersion as missing:
        raise SiteBuilderError(None, f"--version：规则集“{rules_id}”没有版本“{version}”，现有版本：{'、'.join(missing.versions)}。") from None
    except PinnedNotInForce as pinned:
        raise SiteBuilderError(
            None,
            f"--version：版本“{version}”的生效期是 {effective_period(pinned.pinned.effective)}，实地评估日期 {day} 不在其内。"
            "请删去 --version，按 --date 选用当天生效的版本，或改正 --date；"
            "按过渡条款沿用原版本的，生成后在记录的 rules 下写明 version 与理由 reason。",
        ) from None
    except NoneInForce:
        raise SiteBuilderError(
            None, f"{day} 没有生效的规则集版本。请用 --date 写明实地评估日期（省略时按今天），或用 --rules 与 --version 指明规则集。"
        ) from None
    except SeveralInForce as several:
        names = "、".join(f"{r.id} {r.version}" for r in several.found)
        raise SiteBuilderError(None, f"{day} 同时有多个规则集版本生效：{names}。请用 --rules 与 --version 指明。") from None


def check_stage(ruleset: RuleSet, stage: str) -> None:
    if stage not in ruleset.stages:
        raise SiteBuilderError(
            None,
            f"--stage：规则集“{ruleset.id}”（版本 {ruleset.version}）没有“{stage}”阶段，"
            f"只有{'、'.join(ruleset.stages)}。{did_you_mean(stage, ruleset.stages)}",
        )


def schema_link(relative: Path) -> str:
    """The editor's schema, relative to the record's folder, so the link works wherever the repository lives."""
    return Path(os.path.relpath(SCHEMA_FILE, relative.parent)).as_posix()


# --- the skeleton, built from the schema ----------------------------------------------------------------


def scaffold_text(ruleset: RuleSet, answers: dict, link: str) -> str:
    known = {**answers, "scores": score_skeleton(ruleset), "facts": fact_skeleton(ruleset)}
    document = object_skeleton(record_schema(), known, top_level=True)
    schema = record_schema()
    document.yaml_set_start_comment(
        "\n".join(
            [
                f"yaml-language-server: $schema={link}",
                f"{schema['title']}：{schema['description']}",
                "由 site-builder new 生成：每个字段上方的注释说明它的含义；冒号后留空的，请空一格后填写。",
                "填写后运行 site-builder check，它会指出每一处还没有填写或写错的地方。",
                optional_note(schema, known),
            ]
        )
    )
    return canonical_layout(dump_yaml(document))


def object_skeleton(schema: dict, known: dict, top_level: bool = False, first_comment: bool = True) -> CommentedMap:
    """The schema's required fields (and any already known), in schema order, each under its comment."""
    node = CommentedMap()
    required = set(schema.get("required", []))
    for key, field in properties_of(schema).items():
        if key not in required and key not in known:
            continue
        node[key] = value_skeleton(expanded(field), known.get(key))
        if node.keys() != {key} or first_comment:
            node.yaml_set_comment_before_after_key(key, before=("\n" if top_level else "") + key_comment(schema, key, known))
    return node


def key_comment(schema: dict, key: str, known: dict) -> str:
    field = expanded(properties_of(schema)[key])
    return "\n".join(filter(None, [field_comment(field), optional_note(field, known.get(key) or {})]))


def value_skeleton(field: dict, known):
    if isinstance(known, CommentedMap):  # built elsewhere (scores, facts), already with its comments
        return known
    if field.get("type") == "object":
        return object_skeleton(field, known or {})
    if known is not None:
        return known
    if field.get("type") == "array":
        return list_skeleton(expanded(field.get("items", {})))
    return None  # left blank for staff; `check` reports each blank as a field still to fill


def list_skeleton(item: dict) -> CommentedSeq:
    """A list of records gets one blank entry to show its shape; a list of words starts empty: []."""
    if item.get("type") == "object":
        entry = object_skeleton(item, {}, first_comment=False)
        entries = CommentedSeq([entry])
        # above the "- " rather than between it and the first key, where it would push the key onto its own line
        entries.yaml_set_comment_before_after_key(0, before=key_comment(item, next(iter(entry)), {}))
        return entries
    empty = CommentedSeq()
    empty.fa.set_flow_style()
    return empty


def score_skeleton(ruleset: RuleSet) -> CommentedMap:
    scores = CommentedMap()
    for item in (i for i in ruleset.items.values() if not i.computed):  # the rules compute the others from facts
        scores[item.name] = CommentedMap({SUB_DISTRICT_PLACEHOLDER: None}) if item.aggregate else None
        note = f"{item.label or item.name}（满分 {item.maximum}）"
        if item.aggregate:
            note += (
                f"：按片区评分，每个片区一行“片区编号: 分数”；把“{SUB_DISTRICT_PLACEHOLDER}”换成 "
                "station.sub_districts 中各片区的 id，有几个片区写几行"
            )
        scores.yaml_set_comment_before_after_key(item.name, before=note)
    return scores


def fact_skeleton(ruleset: RuleSet) -> CommentedMap:
    facts, scoring = CommentedMap(), scored_facts(ruleset)
    for fact in ruleset.facts.values():
        facts[fact.name] = flow_map({"not_checked": NOT_CHECKED_PLACEHOLDER})
        note = f"{fact.label or fact.name}（{fact.type}：{FACT_HINTS[fact.type]}）"
        if fact.name in scoring:
            note += f"；{'、'.join(scoring[fact.name])}按它计算，必须填写，不能记为未核查"
        facts.yaml_set_comment_before_after_key(fact.name, before=note)
    return facts


def flow_map(values: dict) -> CommentedMap:
    node = CommentedMap(values)
    node.fa.set_flow_style()
    return node


def field_comment(field: dict) -> str:
    """The comment above a field: its title, examples and description, as record_schema.yaml gives them."""
    examples = "、".join(str(e) for e in field.get("examples", []))
    text = field.get("title", "") + (f"（例：{examples}）" if examples else "")
    if field.get("description"):
        text += "：" + field["description"]
    if field.get("type") == "array" and expanded(field.get("items", {})).get("type") == "object":
        text += ("" if text.endswith("。") else "。") + "每项以“- ”开头，有几项写几项。"
    return text


def optional_note(schema: dict, known: dict) -> str:
    """Optional fields are not in the skeleton (a blank would fail the check); this line says they exist."""
    if schema.get("type") == "array":
        schema = expanded(schema.get("items", {}))
    required = set(schema.get("required", []))
    optional = [
        f"{key}（{expanded(field).get('title', key)}）" for key, field in properties_of(schema).items() if key not in required and key not in known
    ]
    return f"可另加：{'、'.join(optional)}" if optional else ""


# --- fmt --------------------------------------------------------------------------------------------------


def run_fmt(args) -> int:
    paths, errors = record_paths(args)
    changed = []
    for path in paths:
        try:
            text = read_text(path)
            canonical = canonical_text(text, str(path))
        except SiteBuilderError as error:
            errors.append(error)
            continue
        if canonical == text:
            continue
        changed.append(path)
        if args.check:
            print(layout_diff(str(path), text, canonical))
        else:
            path.write_text(canonical, encoding="utf-8", newline="\n")
            print(f"已整理格式：{path}")
    for problem in errors:
        print(problem.format() + "\n", file=sys.stderr)
    print(fmt_summary(args.check, len(paths), len(changed), len(errors)))
    return 1 if errors or (args.check and changed) else 0


def record_paths(args) -> tuple[list[Path], list[SiteBuilderError]]:
    """The records to lay out, and the errors of what was refused on the way (links, special files…)."""
    if not args.paths:  # the records check reads, never a link: fmt writes where it read
        root = Path(args.root)
        listing = list_sources(root, STATIONS)
        return [root / name for name in listing.files], [p for p in listing.problems if not isinstance(p, RecordWarning)]
    found = []
    for name in args.paths:
        path = Path(name)
        if path.is_dir():
            found += sorted(path.rglob("*.yaml"))
        elif path.is_file():
            found.append(path)
        else:
            raise SiteBuilderError(None, f"找不到文件或目录 {name}。")
    return found, []


def read_text(path: Path) -> str:
    """The file exactly as stored: line endings kept, so that CRLF files are reported as not canonical.
    A link is refused (source_files), so fmt never rewrites a file outside the repository through one."""
    return decode_source(read_source(path.parent, path.name), str(path), keep_bom=True)


def layout_diff(name: str, text: str, canonical: str) -> str:
    header = f"—— {name} 不是统一格式；运行 site-builder fmt 会做如下改动（- 现在，+ 整理后）——"
    if "\r" in text:
        header += "\n（文件用的是 Windows 换行符 CRLF，整理后改为 LF。）"
    lines = difflib.unified_diff(
        text.replace("\r\n", "\n").splitlines(keepends=True),
        canonical.splitlines(keepends=True),
        fromfile=f"{name}（现在）",
        tofile=f"{name}（整理后）",
    )
    return header + "\n" + "".join(lines).rstrip("\n") + "\n"


def fmt_summary(check: bool, total: int, changed: int, failed: int) -> str:
    failures = f"{failed} 个文件无法读取（见上）。" if failed else ""
    if check:
        if changed:
            return f"检查了 {total} 个文件：{changed} 个需要整理格式，运行 site-builder fmt 即可自动整理。{failures}"
        return f"检查了 {total} 个文件：格式都已统一。{failures}"
    return f"检查了 {total} 个文件：整理了 {changed} 个。{failures}"


# --- canonical form -------------------------------------------------------------------------------------


def canonical_text(text: str, path: str) -> str:
    """The file in canonical layout; raises rather than return a text that reads differently or lost a comment."""
    text = text.replace("\r\n", "\n")  # ruamel reads CRLF text but drops its blank lines between sections
    document = load_yaml(text, path)
    if document is None:  # empty or comments only: nothing to lay out, and dumping would write "null"
        return text
    try:
        canonical = canonical_layout(dump_yaml(document))
        unchanged_content(text, canonical, document, path)
    except YAMLError as error:  # the plain scanner refusing what the round-trip reader took: keep the file as it is
        raise RecordError(SourcePos(path, 1, 1), "", f"YAML 无法整理：{error}。文件未改动。") from None
    return canonical


def canonical_layout(dumped: str) -> str:
    """dump_yaml keeps each comment at the column it was read from; canonical comments follow the layout.

    A full-line comment takes the indentation of the line it stands above, and an end-of-line comment
    stands two spaces after its value, so a file re-indented by hand comes out the same as the original.
    """
    lines = dumped.splitlines(keepends=True)
    layout = Layout.of(dumped)
    for index, line in enumerate(lines):
        if index in layout.inside_values:
            continue
        if line.lstrip().startswith("#"):
            lines[index] = " " * next_indent(lines, index, layout) + line.strip() + "\n"
        elif index in layout.value_ends and line[layout.value_ends[index] :].strip().startswith("#"):
            end = layout.value_ends[index]
            lines[index] = line[:end].rstrip() + "  " + line[end:].strip() + "\n"
    return "".join(lines)


def next_indent(lines: list[str], index: int, layout: Layout) -> int:
    for later in range(index + 1, len(lines)):
        line = lines[later]
        if line.strip() and (later in layout.inside_values or not line.lstrip().startswith("#")):
            return len(line) - len(line.lstrip(" "))
    return 0


@dataclass
class Layout:
    """Where the YAML content lies in a text, from the scanner's tokens, so comments can be told apart from text.

    inside_values: lines that belong to a value spanning several lines (a '#' there is text, not a comment);
    value_ends: for every other line with content, the column where its last token ends.
    """

    inside_values: set[int]
    value_ends: dict[int, int]

    @classmethod
    def of(cls, text: str) -> Layout:
        inside: set[int] = set()
        ends: dict[int, int] = {}
        for token in scanned(text):
            start, end = token.start_mark, token.end_mark
            if (start.line, start.column) == (end.line, end.column):
                continue  # tokens that mark structure take no room on the line
            last = end.line - 1 if end.column == 0 and end.line > start.line else end.line
            if isinstance(token, ScalarToken) and last > start.line:
                inside.update(range(start.line, last + 1))
            else:
                ends[end.line] = max(ends.get(end.line, 0), end.column)
        return cls(inside, ends)


def scanned(text: str):
    """Tokens of the plain scanner, which skips comments where the round-trip one attaches them to values."""
    return YAML(typ="safe", pure=True).scan(text)


@dataclass(frozen=True)
class Comment:
    line: int
    col: int
    text: str


def comments_in(text: str) -> list[Comment]:
    layout = Layout.of(text)
    found = []
    for index, line in enumerate(text.splitlines()):
        if index in layout.inside_values:
            continue
        start = layout.value_ends.get(index, 0) if not line.lstrip().startswith("#") else 0
        column = line.find("#", start)
        if column >= 0 and line[start:column].strip() == "":
            found.append(Comment(index + 1, column + 1, line[column:].strip()))
    return found


def unchanged_content(text: str, canonical: str, document, path: str) -> None:
    if to_plain(load_yaml(canonical, path)) != to_plain(document):
        raise RecordError(SourcePos(path, 1, 1), "", "整理格式会改变文件中的值，文件未改动。请把这个文件交给维护人员查看。")
    before, after = comments_in(text), [c.text for c in comments_in(canonical)]
    for index, comment in enumerate(before):
        if index >= len(after) or after[index] != comment.text:
            line_text = text.splitlines()[comment.line - 1]
            raise RecordError(
                SourcePos(path, comment.line, comment.col, line_text=line_text),
                "",
                "整理格式会丢失这条注释，文件未改动。写在 {…} 或 […] 里面、或写在 --- 之前的注释无法保留。",
                "把注释移到它所说明的字段的上一行，单独成行",
            )
