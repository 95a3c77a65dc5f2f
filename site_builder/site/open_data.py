"""Open data: every evaluation as one row of data/results.csv and data/results.json, every score as one row of
data/scores.csv (long form: its columns never depend on the rule version), one JSON file per record beside its report
page, data/datapackage.json (what each file holds, under which licence) and a data-dictionary page (data/index.md).

Numbers are decimal strings exactly as the rules computed them, never floats. Rows are sorted by record key and
columns come in rule-set order, so that one commit always publishes the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from ..language import ast
from ..language.evaluate import NOT_CHECKED, AdjustmentResult, ItemResult, Result, Step, Unchecked, VetoResult
from ..language.formatting import citation_text, plain, rule_location
from ..language.ruleset import RuleSet, VetoStatus
from .pages import urls
from .pages.listings import WIDE, Evaluated, veto_outcome
from .pages.publisher import Publisher, licence_note
from .pages.text import inline

TEXT, DATE, DECIMAL, LIST = "文字", "日期（YYYY-MM-DD）", "小数（写成文字，如 89.76）", "列表（CSV 中以“、”分隔，JSON 中为数组）"
URL = "网址"
LIST_SEPARATOR = "、"
BOM = "\ufeff"  # without it, Excel reads a UTF-8 CSV in the system code page and garbles the Chinese
# A text cell starting so would run as a spreadsheet formula (OWASP, CSV injection): the ASCII characters and the
# full-width and small forms that spreadsheets in Chinese locales may read the same way.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠", "﹦", "﹢", "﹣", "﹫")
OUR_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?\Z")  # what plain() writes; only such a DECIMAL cell is left as it is

Value = str | list[str] | None


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str
    kind: str
    value: Callable[[Evaluated], Value]
    in_csv: bool = True  # False: a figure only results.json and the per-record JSON carry


@dataclass(frozen=True)
class Table:
    columns: list[Column]
    rows: list[Evaluated]  # sorted by record key

    @property
    def csv_columns(self) -> list[Column]:
        return [column for column in self.columns if column.in_csv]

    def values(self, row: Evaluated) -> dict[str, Value]:
        return {column.name: column.value(row) for column in self.columns}


def open_data_files(
    rows: list[Evaluated],
    rulesets: list[RuleSet],
    reasons: dict[str, str] | None = None,
    publisher: Publisher = Publisher(),
    site_url: str | None = None,
) -> dict[str, str | bytes]:
    """Every open-data file of the site by source path, the data-dictionary page included; reasons: why each record's
    rule-set version was chosen (records/project.py ruleset_reason), by record key; site_url: the site's address
    (mkdocs.yml), which the report URL column starts with."""
    table = results_table(rows, rulesets, reasons or {}, site_url)
    licence = licence_json(publisher)
    files: dict[str, str | bytes] = {
        urls.RESULTS_CSV: results_csv(table),
        urls.RESULTS_JSON: results_json(table, licence),
        urls.SCORES_CSV: scores_csv(table),
        urls.SUB_DISTRICT_CSV: sub_district_csv(table),
        urls.DATA_PACKAGE: data_package(table, publisher),
        urls.OPEN_DATA: data_page(table, publisher),
    }
    for row in table.rows:
        files[urls.report_data(row.record)] = record_json(row, table, licence)
    return files


def results_table(rows: list[Evaluated], rulesets: list[RuleSet], reasons: dict[str, str] | None = None, site_url: str | None = None) -> Table:
    ordered = sorted(rows, key=lambda row: row.record.key)
    columns = record_columns(site_url) + item_columns(rulesets) + adjustment_columns(rulesets) + result_columns()
    return Table(columns + json_only_columns(reasons or {}), ordered)


# --- columns -------------------------------------------------------------------------------------------


def record_columns(site_url: str | None = None) -> list[Column]:
    return [
        Column("记录编号", "评估记录的编号：区编号/站点编号/服务年度-阶段，与 stations/ 下记录文件的位置一致", TEXT, lambda r: r.record.key),
        Column("区编号", "所在区的编号", TEXT, lambda r: r.record.district_id),
        Column("区", "所在区的名称", TEXT, lambda r: r.record.station["district"]["name"]),
        Column("街道", "所在镇街", TEXT, lambda r: r.record.station["street"]),
        Column("站点编号", "社工站的编号", TEXT, lambda r: r.record.station_id),
        Column("站点名称", "社工站全称", TEXT, lambda r: r.record.station["name"]),
        Column("服务年度", "评估所属的服务年度", TEXT, lambda r: r.record.period),
        Column("阶段", "评估阶段，如中期、末期", TEXT, lambda r: r.record.stage),
        Column("评估日期", "实地评估日期", DATE, lambda r: r.record.evaluation["visit_date"]),
        Column("规则集", "计算本次评估所用规则集的编号", TEXT, lambda r: r.result.ruleset.id),
        Column("规则版本", "所用规则集的版本", TEXT, lambda r: r.result.ruleset.version),
        Column(
            "报告网址",
            "本评估的报告页；网站未设定网址（mkdocs.yml 的 site_url）时为相对于网站根目录的路径",
            URL,
            lambda r: report_url(r, site_url),
        ),
    ]


def report_url(row: Evaluated, site_url: str | None) -> str:
    path = urls.url_dir(urls.report(row.record)) + "/"
    return (site_url.rstrip("/") + "/" + path) if site_url else path


def result_columns() -> list[Column]:
    return [
        Column("总分", "各评分项折算分之和，按规则取整", DECIMAL, lambda r: plain(r.result.total)),
        Column("按分数等级", "只按总分评定的等级，不考虑一票否决", TEXT, lambda r: r.result.score_grade),
        Column("等级", "最终等级：触发一票否决时为规则规定的否决等级；规则要求暂缓评级时为“暂缓评级”", TEXT, lambda r: r.grade),
        Column(
            "否决结果",
            "等级由一票否决决定时，否决对等级的作用：“评为”某一等级、“等级最高评为”某一等级，或“暂缓评级”（所需事实未核查）；由分数等级决定时为空",
            TEXT,
            lambda r: veto_outcome(r.result),
        ),
        Column(
            "决定等级的否决",
            "决定等级的一票否决情形的名称（否决结果的原因）；由分数等级决定时为空",
            LIST,
            lambda r: list(r.result.decided_by),
        ),
        Column("触发的否决", "触发了的一票否决情形的名称；没有则为空", LIST, lambda r: r.result.fired),
        Column("未核查的否决", "记录未载明所需事实、因而未核查的一票否决情形的名称；没有则为空", LIST, lambda r: r.result.unchecked),
    ]


def json_only_columns(reasons: dict[str, str]) -> list[Column]:
    """What the JSON files add to the CSV's columns: why this rule-set version."""
    return [
        Column(
            "选用版本的依据",
            "为什么用这个规则版本：实地评估日期所在的生效期，或记录写明的版本及理由",
            TEXT,
            lambda r: reasons.get(r.record.key),
            in_csv=False,
        ),
    ]


def adjustment_columns(rulesets: list[RuleSet]) -> list[Column]:
    """Each 加分项 / 扣分项: the points it added to or took from the total (after its 上限); none for rule sets without."""
    columns: dict[str, Column] = {}
    for rules in rulesets:
        for adjustment in rules.adjustments:
            added = "加上" if adjustment.bonus else "减去"
            meaning = (
                f"{adjustment.keyword}“{adjustment.label or adjustment.name}”给总分{added}的分数（已限定在 0 到上限之间），"
                f"{rules.title} {rules.version}；所用规则没有此项时为空"
            )
            columns.setdefault(adjustment.name, Column(adjustment.name, meaning, DECIMAL, applied_points(adjustment.name)))
    return list(columns.values())


def applied_points(name: str) -> Callable[[Evaluated], Value]:
    def value(row: Evaluated) -> Value:
        adjustment = next((a for a in row.result.adjustments if a.name == name), None)
        return plain(adjustment.applied) if adjustment else None

    return value


def item_columns(rulesets: list[RuleSet]) -> list[Column]:
    """Each item's converted score; an item several versions share is one column.

    Sub-district scores go to their own long table (sub-district-scores.csv): every station names its own
    sub-districts, so as columns they would multiply with the number of stations.
    """
    columns: dict[str, Column] = {}
    for rules in rulesets:
        for item in rules.items.values():
            columns.setdefault(item.name, Column(item.name, item_meaning(rules, item), DECIMAL, converted_score(item.name)))
    return list(columns.values())


def item_meaning(rules: RuleSet, item: ast.Item) -> str:
    party = rules.parties[item.party.name]
    return (
        f"评分项“{item.label or item.name}”的折算分（计入总分的分数），由{party.label or party.name}评分，"
        f"满分 {plain(item.maximum)}（{rules.title} {rules.version}）；所用规则没有此项时为空"
    )


def item_of(result: Result, name: str) -> ItemResult | None:
    return next((item for item in result.items if item.name == name), None)


def converted_score(name: str) -> Callable[[Evaluated], Value]:
    def value(row: Evaluated) -> Value:
        item = item_of(row.result, name)
        return plain(item.converted) if item else None

    return value


# --- files ---------------------------------------------------------------------------------------------


def csv_cell(value: Value, kind: str) -> str:
    """A cell as the CSV holds it: a number we computed stays a number; any other text that a spreadsheet would
    run as a formula gets a leading apostrophe, which shows it as text."""
    text = LIST_SEPARATOR.join(value) if isinstance(value, list) else value or ""
    if kind == DECIMAL and OUR_NUMBER.match(text):
        return text
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(columns: list[tuple[str, str]], rows: Iterable[list[Value]]) -> bytes:
    """The one writer of every CSV file: columns are (name, kind), and every cell, the header's too, goes through
    csv_cell, so that no CSV can carry a formula whatever a record or rule file names things."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180 line ends, as Excel writes them
    writer.writerow([csv_cell(name, TEXT) for name, _ in columns])
    writer.writerows([csv_cell(value, kind) for value, (_, kind) in zip(row, columns, strict=True)] for row in rows)
    return (BOM + buffer.getvalue()).encode("utf-8")


def results_csv(table: Table) -> bytes:
    columns = table.csv_columns
    return csv_bytes([(column.name, column.kind) for column in columns], ([column.value(row) for column in columns] for row in table.rows))


SUB_DISTRICT_COLUMNS = [
    ("记录编号", "与 results.csv 的记录编号相同", TEXT),
    ("评分项", "按片区评分的评分项", TEXT),
    ("片区编号", "记录中声明的片区编号", TEXT),
    ("片区名称", "报告评分表中的片区名称", TEXT),
    ("评分", "该片区的评分（未折算；results.csv 中该评分项一列是按规则汇总后的折算分）", DECIMAL),
]


def sub_district_csv(table: Table) -> bytes:
    """One row per record, item and sub-district, for the items the rules score per sub-district."""
    rows: Iterable[list[Value]] = (
        [row.record.key, item.name, sub_district, row.record.table_label(sub_district), plain(score)]
        for row in table.rows
        for item in row.result.items
        for sub_district, score in item.sub_scores.items()
    )
    return csv_bytes([(name, kind) for name, _, kind in SUB_DISTRICT_COLUMNS], rows)


SCORE_COLUMNS = [
    ("记录编号", "与 results.csv 的记录编号相同", TEXT),
    ("规则集", "计算所用规则集的编号", TEXT),
    ("规则版本", "所用规则集的版本", TEXT),
    ("类别", "评分项、加分项或扣分项", TEXT),
    ("名称", "评分项（加分项、扣分项）在规则文件中的名称", TEXT),
    ("显示名称", "报告评分表中的名称", TEXT),
    ("评估方", "评分的一方（评分项才有）", TEXT),
    ("片区编号", "按片区评分的项在该片区的评分一行；整项一行为空", TEXT),
    ("片区名称", "报告评分表中的片区名称；整项一行为空", TEXT),
    ("满分", "评分项的满分；加分项、扣分项的上限（没有上限时为空）", DECIMAL),
    ("评分", "评估方给出的分数（片区一行是该片区的评分；加分项、扣分项是按公式算得的分数），未折算", DECIMAL),
    ("折算分", "计入总分的分数（整项一行才有）", DECIMAL),
]


def scores_csv(table: Table) -> bytes:
    """Every score of every evaluation, one row each (long form), so that the columns stay the same whatever items a
    rule version has or renames: an item's whole row, then a row per sub-district it is scored in; then each
    加分项 / 扣分项."""
    rows: list[list[Value]] = []
    for row in table.rows:
        rules = [row.record.key, row.result.ruleset.id, row.result.ruleset.version]
        for item in row.result.items:
            rows.append(
                [*rules, "评分项", item.name, item.label, item.party, None, None, plain(item.maximum), plain(item.score), plain(item.converted)]
            )
            rows += [
                [*rules, "评分项", item.name, item.label, item.party, sub, row.record.table_label(sub), None, plain(score), None]
                for sub, score in item.sub_scores.items()
            ]
        for a in row.result.adjustments:
            cap = plain(a.cap) if a.cap is not None else None
            rows.append([*rules, "加分项" if a.bonus else "扣分项", a.name, a.label, None, None, None, cap, plain(a.value), plain(a.applied)])
    return csv_bytes([(name, kind) for name, _, kind in SCORE_COLUMNS], rows)


def licence_json(publisher: Publisher) -> dict:
    """The licence every JSON file carries, so that a file passed on alone still says under which terms."""
    return {"名称": publisher.licence, "网址": publisher.licence_url or None, "发布单位": publisher.name, "联系方式": publisher.contact}


FIELD_TYPES = {TEXT: "string", DATE: "date", DECIMAL: "number", LIST: "string", URL: "string"}


def data_package(table: Table, publisher: Publisher) -> str:
    """data/datapackage.json (Frictionless Data Package): each file, its columns and the licence, machine-readable."""

    def fields(columns: Iterable[tuple[str, str, str]]) -> list[dict]:
        return [{"name": name, "type": FIELD_TYPES[kind], "description": meaning} for name, meaning, kind in columns]

    def resource(name: str, path: str, title: str, columns: Iterable[tuple[str, str, str]]) -> dict:
        return {
            "name": name,
            "path": path,
            "title": title,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8-sig",
            "schema": {"fields": fields(columns)},
        }

    results = [(column.name, column.meaning, column.kind) for column in table.csv_columns]
    return dumps(
        {
            "name": "social-work-station-evaluations",
            "title": "社工站评估结果",
            "licenses": [{"title": publisher.licence, **({"path": publisher.licence_url} if publisher.licence_url else {})}],
            "contributors": [{"title": publisher.name, "role": "publisher", "contact": publisher.contact}],
            "resources": [
                resource("results", "results.csv", "全部评估，一份评估一行", results),
                resource("scores", "scores.csv", "全部评分，一项（一个片区）一行", SCORE_COLUMNS),
                resource("sub-district-scores", "sub-district-scores.csv", "各片区评分", SUB_DISTRICT_COLUMNS),
                {"name": "results-json", "path": "results.json", "title": "全部评估（JSON）", "format": "json", "mediatype": "application/json"},
            ],
        }
    )


def dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def results_json(table: Table, licence: dict | None = None) -> str:
    return dumps({"字段": [column.name for column in table.columns], "评估": [table.values(row) for row in table.rows], "许可": licence})


def record_json(row: Evaluated, table: Table, licence: dict | None = None) -> str:
    result = row.result
    return dumps(
        {
            "评估": table.values(row),
            "许可": licence,
            "记录文件": row.record.path,
            "评分项明细": [item_json(item) for item in result.items],
            **({"加分与扣分": [adjustment_json(a) for a in result.adjustments]} if result.adjustments else {}),
            "一票否决": [veto_json(veto) for veto in result.vetoes],
            "计算过程": [step_json(step) for step in result.steps],
        }
    )


def item_json(item: ItemResult) -> dict:
    return {
        "名称": item.name,
        "显示名称": item.label,
        "评估方": item.party,
        "满分": plain(item.maximum),
        "评分": plain(item.score),
        "片区评分": {k: plain(v) for k, v in item.sub_scores.items()},
        "折算分": plain(item.converted),
    }


def adjustment_json(adjustment: AdjustmentResult) -> dict:
    return {
        "名称": adjustment.name,
        "显示名称": adjustment.label,
        "类别": "加分" if adjustment.bonus else "扣分",
        "按公式": plain(adjustment.value),
        "上限": plain(adjustment.cap) if adjustment.cap is not None else None,
        "计入总分": plain(adjustment.applied),
        "依据": citation_text(adjustment.citation) if adjustment.citation else None,
    }


def veto_json(veto: VetoResult) -> dict:
    return {
        "名称": veto.name,
        "情形": veto.label,
        "结果": veto.status,
        "读取的事实": {name: fact_json(value) for name, value in veto.facts_read.items()},
        "依据": citation_text(veto.citation) if veto.citation else None,
        **({"结果说明": veto.outcome} if veto.outcome_grade else {}),
    }


def fact_json(value) -> object:
    """Yes/no stays a JSON boolean, a number becomes a decimal string, an unchecked fact keeps its reason."""
    if isinstance(value, Unchecked):
        return {str(NOT_CHECKED): value.reason}
    if isinstance(value, Decimal):
        return plain(value)
    return value if isinstance(value, bool) or value is None else str(value)


def step_json(step: Step) -> dict:
    return {
        "项目": step.subject,
        "公式": step.formula,
        "规则位置": rule_location(step.pos) if step.pos else None,
        "依据": citation_text(step.citation) if step.citation else None,
    }


# --- pages ---------------------------------------------------------------------------------------------


def report_downloads(record) -> str:
    """The download line of a report page: its own JSON, everything as CSV, and what the columns mean."""
    src = urls.report(record)
    return "**下载数据**：" + " · ".join(
        [
            f"[本评估（JSON）]({urls.relative(urls.report_data(record), src)})",
            f"[全部评估（CSV）]({urls.relative(urls.RESULTS_CSV, src)})",
            f"[数据说明]({urls.relative(urls.OPEN_DATA, src)})",
        ]
    )


def data_page(table: Table, publisher: Publisher = Publisher()) -> str:
    src = urls.OPEN_DATA
    return (
        WIDE
        + "\n\n".join(
            [
                "# 开放数据",
                "本网站全部评估结果都可以下载，供核对、研究与再利用。数据与报告页同源：每次生成网站时由规则文件对评估记录重新计算，不经手工整理。",
                licence_note(publisher),
                "## 下载",
                downloads_list(table, src),
                f"共 {len(table.rows)} 份评估、{len(table.csv_columns)} 列。",
                "## 字段说明（results.csv 与 results.json）",
                columns_table(table),
                "## 全部评分（scores.csv）",
                "一项评分一行（长表）：无论规则版本有哪些评分项、评分项怎样改名，列都不变，适合跨年度、跨规则版本汇总。",
                "\n".join(["| 字段 | 含义 |", "|---|---|"] + [f"| {name} | {meaning} |" for name, meaning, _ in SCORE_COLUMNS]),
                "## 各片区评分（sub-district-scores.csv）",
                "\n".join(["| 字段 | 含义 |", "|---|---|"] + [f"| {name} | {meaning} |" for name, meaning, _ in SUB_DISTRICT_COLUMNS]),
                "## 单份评估的 JSON",
                RECORD_JSON_KEYS,
                "## 约定",
                CONVENTIONS,
            ]
        )
        + "\n"
    )


def downloads_list(table: Table, src: str) -> str:
    lines = [
        f"- [results.csv]({urls.relative(urls.RESULTS_CSV, src)})：全部评估，一份评估一行；UTF-8 编码，带 BOM，Excel 可直接打开中文。",
        f"- [results.json]({urls.relative(urls.RESULTS_JSON, src)})：同样的行，JSON 格式：`字段` 是列名的列表，`评估` 是各行（键为列名）；"
        "另有只在 JSON 中的字段（见下表）。",
        f"- [scores.csv]({urls.relative(urls.SCORES_CSV, src)})：全部评分，一份评估的一个评分项（或一个片区、一个加分扣分项）一行；"
        "列不随规则版本变化。",
        f"- [sub-district-scores.csv]({urls.relative(urls.SUB_DISTRICT_CSV, src)})：按片区评分的评分项在各片区的评分，一份评估的一个片区一行。",
        f"- [datapackage.json]({urls.relative(urls.DATA_PACKAGE, src)})：数据包说明（Frictionless Data Package）：各文件的字段、类型、含义与许可，"
        "供程序读取。",
    ]
    if table.rows:
        example = table.rows[0].record
        lines.append(
            f"- 每份评估另有一个 JSON 文件，与报告页同址，扩展名为 `.json`，如 "
            f"[{inline(example.key)}.json]({urls.relative(urls.report_data(example), src)})；"
            "各报告页底部都有下载链接。"
        )
    return "\n".join(lines)


def columns_table(table: Table) -> str:
    lines = ["| 字段 | 含义 | 类型 | 示例 |", "|---|---|---|---|"]
    for column in table.columns:
        meaning = column.meaning if column.in_csv else f"{column.meaning}（只在 JSON 中）"
        lines.append(f"| {inline(column.name)} | {inline(meaning)} | {inline(column.kind)} | {inline(example_value(table, column))} |")
    return "\n".join(lines)


def example_value(table: Table, column: Column) -> str:
    """The first row's value that is not empty, so every column shows what it holds."""
    for row in table.rows:
        text = csv_cell(column.value(row), column.kind)
        if text:
            return text
    return ""


RECORD_JSON_KEYS = "\n".join(
    [
        "| 键 | 内容 |",
        "|---|---|",
        "| 评估 | 与 results.json 中本评估的一行相同的字段（results.csv 的各列，以及只在 JSON 中的字段） |",
        "| 许可 | 数据的许可协议（名称、网址）、发布单位与联系方式；results.json 顶层也有同样的“许可” |",
        "| 记录文件 | 评估记录在仓库中的位置，如 `stations/<区>/<站点>/<服务年度>-<阶段>.yaml` |",
        "| 评分项明细 | 每个评分项：名称、显示名称、评估方、满分、评分、片区评分（按片区评分的项）、折算分 |",
        "| 加分与扣分 | 规则有加分项或扣分项时：每项的名称、显示名称、类别（加分/扣分）、按公式算得的分数、上限、计入总分的分数、依据 |",
        f"| 一票否决 | 每个否决情形：名称、情形、结果（{'/'.join(VetoStatus)}）、读取的事实（是否为 true/false，数值为文字，"
        "未核查的事实写明原因）、依据（规则文件引用的条款）、结果说明（触发时对等级的作用，如“评为不合格”“等级最高评为合格”） |",
        "| 计算过程 | 报告页“计算过程”中的每一步：项目、公式（代入数值）、规则位置（规则文件:行号）、依据 |",
    ]
)

CONVENTIONS = "\n".join(
    [
        '- 数值一律写成文字（如 `"89.76"`），是规则计算出的准确十进制数，没有经过浮点数转换；读入时请按十进制小数处理。',
        "- 行按记录编号排序；列依次为记录信息、各规则集的评分项（按规则文件中的次序）、总分与等级、否决情形。"
        "各片区的评分另见 sub-district-scores.csv。同一版本的仓库生成的文件逐字节相同。",
        "- 列表在 CSV 中以“、”连接，在 JSON 中为数组；空值在 CSV 中为空，在 JSON 中为 `null`。",
        "- 为防止电子表格把文字当作公式执行，CSV 中以 `=`、`+`、`-`、`@`（或它们的全角形式）、Tab 或回车开头的文字前加了一个 `'`；JSON 保留原文。",
    ]
)
