"""Pages that list evaluations: the home-page summary, all evaluations, one per district, one per station."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ...language.evaluate import BY_BANDS, BY_WITHHOLDING, FIRED, Result, decide
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

    @property
    def vetoed(self) -> bool:
        return vetoed(self.result)

    @property
    def verdict(self) -> str:
        return veto_verdict(self.result)


def vetoed(result: Result) -> bool:
    """The grade was set by a fired veto (forced or capped), not by the total's band: such a report is not ranked by
    its total, since its total does not say its grade."""
    return bool(result.fired) and decide(result.ruleset, result.score_grade, result.vetoes).kind not in (BY_BANDS, BY_WITHHOLDING)


def veto_outcome(result: Result) -> str:
    """What the deciding vetoes did to the grade: 评为不合格, 等级最高评为合格, 暂缓评级; "" when the total's band set it."""
    decision = decide(result.ruleset, result.score_grade, result.vetoes)
    if decision.kind == BY_BANDS:
        return ""
    if decision.kind == BY_WITHHOLDING:
        return NOT_GRADED
    return next(veto.outcome for veto in result.vetoes if veto.name in decision.decided_by and veto.status == FIRED)


def veto_verdict(result: Result) -> str:
    """How vetoes set the grade, in words for a summary box, a listing row or a chart: 一票否决：社工人员配备不足（评为不合格）,
    or 否决事实未核查：…（暂缓评级）; "" when the total's band set it. Plain text: callers escape it for where it lands."""
    outcome = veto_outcome(result)
    if not outcome:
        return ""
    names = "、".join(result.decided_by)
    return f"否决事实未核查：{names}（{outcome}）" if outcome == NOT_GRADED else f"一票否决：{names}（{outcome}）"


def newest_first(rows: list[Evaluated]) -> list[Evaluated]:
    return sorted(rows, key=lambda row: (row.record.visit_date, row.record.key), reverse=True)


COLUMNS = ("区", "街道", "社工站", "服务年度", "阶段", "评估日期", "总分", "等级")
STATION_COLUMNS = ("服务年度", "阶段", "评估日期", "总分", "等级", "报告")  # a station's own page: its history
FILTERED = ("区", "街道", "服务年度", "阶段", "等级")
# A filter whose choices follow another's: once a 区 is chosen, the 街道 filter offers only that district's streets.
FOLLOWS = {"街道": "区"}


VETO_COLUMN = "一票否决"  # shown only where a row of the table has a grade set by a veto: never a column empty on every row


def evaluations_table(rows: list[Evaluated], current: str, table_id: str, columns: tuple[str, ...] = COLUMNS, controls: bool = False) -> str:
    """A table of evaluations, rows in the order given; a listing of stations is sortable, and with controls tables.js
    adds filters, the 每站最新一次 view and paging (without JavaScript, the whole table reads). The grade cell stays the
    grade alone (the filter matches it whole); a veto that set it is said in a column of its own. Every cell carries
    its column's name (data-label): on a phone, extra.css lays each row out as a card, which names a bare number."""
    if any(row.verdict for row in rows):
        columns = columns[:-1] + (VETO_COLUMN, columns[-1]) if columns[-1] == "报告" else columns + (VETO_COLUMN,)
    head = "".join(header_cell(name, controls) for name in columns)
    latest = latest_per_station(rows)
    body = "\n".join(evaluation_row(row, current, columns, row.record.key in latest) for row in rows)
    listing = "社工站" in columns  # a station's own history is short and in time order: no sorting
    caption = f"评估一览（共 {len(rows)} 份，点击表头排序）" if listing else f"历次评估（共 {len(rows)} 份）"
    attributes = (" data-sortable" if listing else "") + (" data-controls" if controls else "")
    return (
        f'<div class="evaluations"><table id="{escaped(table_id)}"{attributes}>\n'
        f"<caption>{caption}</caption>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table></div>"
    )


def header_cell(name: str, controls: bool) -> str:
    attributes = " data-filter" if controls and name in FILTERED else ""
    attributes += f' data-follows="{FOLLOWS[name]}"' if controls and name in FOLLOWS else ""
    attributes += " data-numeric" if name == "总分" else ""
    return f'<th scope="col"{attributes}>{name}</th>'


def latest_per_station(rows: list[Evaluated]) -> set[str]:
    """The keys of each station's newest record: the 每站最新一次 view shows only these."""
    newest: dict[str, str] = {}
    for row in newest_first(rows):
        newest.setdefault(row.record.station_id, row.record.key)
    return set(newest.values())


def evaluation_row(row: Evaluated, current: str, columns: tuple[str, ...] = COLUMNS, latest: bool = False) -> str:
    cells = row_cells(row, current)
    tds = "".join(f'<td data-label="{name}"{VETO_CELL if name == VETO_COLUMN else ""}>{cells[name]}</td>' for name in columns)
    vetoed_class = ' class="vetoed"' if row.vetoed else ""
    return f"<tr{vetoed_class}{' data-latest' if latest else ''}>{tds}</tr>"


VETO_CELL = ' class="veto-verdict"'


def row_cells(row: Evaluated, current: str) -> dict[str, str]:
    """Each column's cell of one row, as HTML (record text escaped here, the one place it enters a listing)."""
    record = row.record
    station = record.station
    report = href(urls.href(urls.report(record), current))
    return {
        "区": escaped(station["district"]["name"]),
        "街道": escaped(station["street"]),
        "社工站": f'<a href="{report}">{escaped(station["name"])}</a>',
        "服务年度": escaped(record.period),
        "阶段": escaped(record.stage),
        "评估日期": escaped(str(record.evaluation["visit_date"])),
        "总分": escaped(plain(row.result.total)),
        "等级": escaped(row.grade),
        VETO_COLUMN: veto_marker(row.verdict),
        "报告": f'<a href="{report}">查看报告</a>',
    }


def verdict_span(result: Result) -> str:
    """The summary box's line for a grade that a veto set (the box shows the total beside it, which did not set it)."""
    verdict = veto_verdict(result)
    return f'<span class="veto-verdict" data-veto>{veto_marker(verdict)}</span>' if verdict else ""


def veto_marker(verdict: str) -> str:
    """A verdict with a visible mark before it, as HTML (the words carry the meaning, the mark only draws the eye)."""
    return f'<span class="veto-mark" aria-hidden="true">⚠</span> {escaped(verdict)}' if verdict else ""


def grade_counts(rows: list[Evaluated], rules: list[RuleSet]) -> str:
    """Evaluations per grade, in two scopes said in the header: each station's latest evaluation, and every evaluation
    of every year and stage; where vetoes set some grades, a column says how many of all were set so."""
    latest = latest_per_station(rows)
    counts = Counter(row.grade for row in rows)
    latest_counts = Counter(row.grade for row in rows if row.record.key in latest)
    by_veto = Counter(row.grade for row in rows if row.vetoed)
    order = [band.name for ruleset in rules for band in ruleset.bands]
    names = list(dict.fromkeys(order + sorted(counts)))
    head = f"| 等级 | 每站最新一次（{len(latest)} 份） | 全部评估（各年度、各阶段，{len(rows)} 份） |"
    if not by_veto:
        lines = [head, "|---|--:|--:|"]
        lines += [f"| {inline(name)} | {latest_counts.get(name, 0)} | {counts.get(name, 0)} |" for name in names]
        return "\n".join(lines)
    lines = [head + " 其中由一票否决评定（全部评估） |", "|---|--:|--:|--:|"]
    lines += [f"| {inline(name)} | {latest_counts.get(name, 0)} | {counts.get(name, 0)} | {by_veto.get(name, 0)} |" for name in names]
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
        + evaluations_table(newest_first(rows), urls.ALL_REPORTS, "all-reports", controls=True)
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
        f"社工站：{station_links}\n\n{listing_charts(rows)}\n\n{evaluations_table(newest_first(rows), current, 'district-reports', controls=True)}\n"
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
    ]
    history = sorted(rows, key=lambda row: (row.record.visit_date, row.record.key))
    lines.append(evaluations_table(history, current, "station-reports", STATION_COLUMNS))
    return "\n".join(lines) + "\n"
