"""Pages that list evaluations: the home-page summary, all evaluations, one per district, one per station."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ...language.evaluate import Result
from ...language.formatting import plain
from ...language.ruleset import NOT_GRADED, RuleSet
from ...records.record import StationRecord
from . import urls
from .charts import listing_charts
from .text import escaped, href, inline

WIDE = "---\nhide:\n  - toc\n---\n\n"  # listings need the width more than an outline


@dataclass(frozen=True)
class Evaluated:
    """A record with its result: one row of every listing."""

    record: StationRecord
    result: Result

    @property
    def grade(self) -> str:
        return self.result.grade or NOT_GRADED


def newest_first(rows: list[Evaluated]) -> list[Evaluated]:
    return sorted(rows, key=lambda row: (row.record.visit_date, row.record.key), reverse=True)


COLUMNS = ("区", "街道", "社工站", "服务年度", "阶段", "评估日期", "总分", "等级")
FILTERED = ("区", "街道", "服务年度", "阶段", "等级")


def evaluations_table(rows: list[Evaluated], current: str, table_id: str) -> str:
    """A sortable, filterable table of evaluations (tables.js adds the controls; without it, a plain table)."""
    head = "".join(
        f'<th scope="col"{" data-filter" if name in FILTERED else ""}{" data-numeric" if name == "总分" else ""}>{name}</th>' for name in COLUMNS
    )
    body = "\n".join(evaluation_row(row, current) for row in newest_first(rows))
    return (
        f'<div class="evaluations"><table id="{escaped(table_id)}" data-sortable>\n<caption>评估一览（共 {len(rows)} 份，'
        f"点击表头排序）</caption>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table></div>"
    )


def evaluation_row(row: Evaluated, current: str) -> str:
    record = row.record
    station = record.station
    report = urls.href(urls.report(record), current)
    cells = [
        station["district"]["name"],
        station["street"],
        f'<a href="{href(report)}">{escaped(station["name"])}</a>',
        record.period,
        record.stage,
        record.evaluation["visit_date"],
        plain(row.result.total),
        row.grade,
    ]
    return "<tr>" + "".join(f"<td>{c if i == 2 else escaped(c)}</td>" for i, c in enumerate(cells)) + "</tr>"


def grade_counts(rows: list[Evaluated], rules: list[RuleSet]) -> str:
    counts = Counter(row.grade for row in rows)
    order = [band.name for ruleset in rules for band in ruleset.bands]
    names = list(dict.fromkeys(order + sorted(counts)))
    lines = ["| 等级 | 评估份数 |", "|---|--:|"] + [f"| {inline(name)} | {counts.get(name, 0)} |" for name in names]
    return "\n".join(lines)


def home_summary(rows: list[Evaluated], rules: list[RuleSet], latest: int = 10) -> str:
    current = urls.HOME
    return "\n\n".join(
        [
            f"## 按等级统计\n\n共发布 {len(rows)} 份评估报告，涉及 {len({r.record.station_id for r in rows})} 个社工站。",
            grade_counts(rows, rules),
            listing_charts(rows, rules),
            "## 最新评估",
            evaluations_table(newest_first(rows)[:latest], current, "latest"),
            f"[查看全部评估]({urls.relative(urls.ALL_REPORTS, current)})",
        ]
    )


def all_reports_page(rows: list[Evaluated]) -> str:
    here = urls.ALL_REPORTS
    downloads = (
        f"全部评估结果可下载为 [CSV]({urls.relative(urls.RESULTS_CSV, here)}) 或 "
        f"[JSON]({urls.relative(urls.RESULTS_JSON, here)})（[数据说明]({urls.relative(urls.OPEN_DATA, here)})）。"
    )
    return (
        WIDE
        + "# 全部评估\n\n按区、街道、服务年度、阶段、等级筛选，或点击表头按总分等排序。\n\n"
        + downloads
        + "\n\n"
        + evaluations_table(rows, urls.ALL_REPORTS, "all-reports")
        + "\n"
    )


def districts_index(rows: list[Evaluated]) -> str:
    current = "districts/index.md"
    by_district: dict[str, list[Evaluated]] = {}
    for row in rows:
        by_district.setdefault(row.record.district_id, []).append(row)
    lines = ["# 各区", "", "| 区 | 社工站 | 评估份数 |", "|---|--:|--:|"]
    for district_id, members in sorted(by_district.items()):
        name = members[0].record.station["district"]["name"]
        stations = len({m.record.station_id for m in members})
        lines.append(f"| [{inline(name)}]({urls.relative(urls.district(district_id), current)}) | {stations} | {len(members)} |")
    return "\n".join(lines) + "\n"


def district_page(district_id: str, rows: list[Evaluated]) -> str:
    current = urls.district(district_id)
    name = rows[0].record.station["district"]["name"]
    stations = sorted({(r.record.station_id, r.record.station["name"]) for r in rows})
    station_links = "、".join(f"[{inline(label)}]({urls.relative(urls.station(sid), current)})" for sid, label in stations)
    return (
        WIDE + f"# {inline(name)}\n\n本区共有 {len(stations)} 个社工站的 {len(rows)} 份评估报告。\n\n"
        f"社工站：{station_links}\n\n{listing_charts(rows)}\n\n{evaluations_table(rows, current, 'district-reports')}\n"
    )


def station_page(station_id: str, rows: list[Evaluated]) -> str:
    current = urls.station(station_id)
    station = newest_first(rows)[0].record.station
    district = urls.relative(urls.district(station["district"]["id"]), current)
    lines = [
        WIDE + f"# {inline(station['name'])}",
        "",
        f"{inline(station['short_name'])} · [{inline(station['district']['name'])}]({district}) · {inline(station['street'])}"
        + (f" · 承接机构：{inline(station['operator'])}" if "operator" in station else ""),
        "",
        "## 历次评估",
        "",
        "| 服务年度 | 阶段 | 评估日期 | 总分 | 等级 | 报告 |",
        "|---|---|---|--:|---|---|",
    ]
    for row in sorted(rows, key=lambda r: r.record.visit_date):
        record = row.record
        report = urls.relative(urls.report(record), current)
        lines.append(
            f"| {inline(record.period)} | {inline(record.stage)} | {record.evaluation['visit_date']} | "
            f"{plain(row.result.total)} | {inline(row.grade)} | [查看报告]({report}) |"
        )
    return "\n".join(lines) + "\n"
