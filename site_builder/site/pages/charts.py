"""Charts as static inline SVG, drawn at build time from the same evaluated results as the tables.

Pure functions: results in, an SVG string out; no plotting library, no script, nothing fetched. Each chart
is a <figure> holding an <svg role="img"> whose <title> and <desc> give every figure in words. Every label
sits beside its bar or dot as text, so nothing is told by colour alone, and colours come from classes
styled in docs/assets/extra.css with the theme's variables (so a dark scheme works too).

Sizes are in viewBox units. The viewBox is about as wide as a 390 px phone's text column, so 14-unit text
shows at about 14 px there; on wider screens extra.css caps the width so text stays near body size.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import NamedTuple

from ...language.evaluate import Result, completion_rate
from ...language.formatting import percent_figure, plain, share_of
from ...language.ruleset import RuleSet, round_decimal
from .text import escaped

WIDTH = 360  # viewBox width
FONT = 14  # text size in viewBox units
BAR_ROW = 42  # a label line, then a bar beneath it
DOT_ROW = 28  # a label, a dot and its value on one line
CAP = Decimal(200)  # completion bars stop here; the label still gives the real rate


# --- drawing ---------------------------------------------------------------------------------------


def num(value) -> str:
    """A coordinate with at most two decimals, written the same way on every machine."""
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def text_width(text: str) -> float:
    """Roughly how wide text is at FONT: Chinese characters (and ·, “”) are square, the rest about half as wide."""
    return sum(FONT if unicodedata.east_asian_width(c) in "WFA" else FONT * 0.6 for c in text)


def fit(text: str, room: float) -> str:
    """text, cut with … to fit in room units; <desc> always carries it whole."""
    if text_width(text) <= room:
        return text
    while text and text_width(text + "…") > room:
        text = text[:-1]
    return text + "…"


def label(x, y, content: str, cls: str = "", anchor: str = "start") -> str:
    classes = f' class="{cls}"' if cls else ""
    anchored = f' text-anchor="{anchor}"' if anchor != "start" else ""
    return f'<text x="{num(x)}" y="{num(y)}"{classes}{anchored}>{escaped(content)}</text>'


def rect(x, y, width, height, cls: str) -> str:
    return f'<rect class="{cls}" x="{num(x)}" y="{num(y)}" width="{num(max(width, 0))}" height="{num(height)}"/>'


def line(x1, y1, x2, y2, cls: str) -> str:
    return f'<line class="{cls}" x1="{num(x1)}" y1="{num(y1)}" x2="{num(x2)}" y2="{num(y2)}"/>'


def figure(chart_id: str, caption: str, desc: str, height: float, body: list[str]) -> str:
    """The chart in a figure: visible caption, and an image role labelled by its own title and description."""
    ids = f"{chart_id}-title {chart_id}-desc"
    return (
        f'<figure class="chart" id="{escaped(chart_id)}"><figcaption>{escaped(caption)}</figcaption>'
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{escaped(ids)}" '
        f'viewBox="0 0 {WIDTH} {num(height)}" width="100%" font-size="{FONT}">'
        f'<title id="{escaped(chart_id)}-title">{escaped(caption)}</title><desc id="{escaped(chart_id)}-desc">{escaped(desc)}</desc>'
        + "".join(body)
        + "</svg></figure>"
    )


def bar_rows(rows: list[tuple[str, float, str]], top: float = 0) -> list[str]:
    """One row per (name, filled fraction of the track, value): name and value on a line, the bar beneath."""
    body = []
    for index, (name, fraction, value) in enumerate(rows):
        y = top + index * BAR_ROW
        body += [
            label(0, y + 15, fit(name, WIDTH - text_width(value) - 10)),
            label(WIDTH, y + 15, value, anchor="end"),
            rect(0, y + 21, WIDTH, 12, "track"),
            rect(0, y + 21, WIDTH * min(max(fraction, 0.0), 1.0), 12, "bar"),
        ]
    return body


# --- a report: score breakdown, indicator completion ------------------------------------------------


def ratio(part: Decimal, whole: Decimal) -> float:
    return float(part / whole) if whole > 0 else 0.0


def score_chart(result: Result) -> str:
    """Each item's converted score as a bar on a track as long as the item's maximum."""
    rules = result.ruleset
    items = [(item.label, item.converted, rules.converted_maximum(rules.items[item.name])) for item in result.items]
    rows = [(name, ratio(score, maximum), f"{plain(score)} / {plain(maximum)}") for name, score, maximum in items]
    desc = "；".join(f"{name} {plain(score)} 分（满分 {plain(maximum)} 分）" for name, score, maximum in items)
    desc += f"；总分 {plain(result.total)} 分（满分 {plain(rules.maximum_total)} 分）。"
    return figure("chart-scores", "各项得分（折算分 / 满分）", desc, len(rows) * BAR_ROW, bar_rows(rows))


def indicator_rate(indicator: dict, rules: RuleSet) -> Decimal | None:
    """Completion in percent: by the rule file's formula where a target is given, else as the report states it."""
    if "target" in indicator:
        rate = completion_rate(rules, indicator["actual"], indicator["target"])
        if rate is not None:
            return rate
    stated = indicator.get("stated_percent")
    return Decimal(stated.rstrip("%")) if stated else None


def indicator_name(indicator: dict) -> str:
    group = indicator.get("group", "")
    return f"{group}·{indicator['name']}" if group and group != indicator["name"] else indicator["name"]


def rate_scale(highest: Decimal) -> Decimal:
    """The track's end: 100% when nothing exceeds it, else the next 25% step, at most CAP."""
    if highest <= 100:
        return Decimal(100)
    return min(CAP, (highest / 25).to_integral_value(rounding=ROUND_CEILING) * 25)


class Elapsed(NamedTuple):
    """How far into its contract an evaluation's assessed period ends: a mid-term's completion reads against this."""

    days: int
    contract_days: int
    until: str  # the assessed period's last day
    contract: str  # the contract period, 2024-08-26至2025-08-25

    @property
    def percent(self) -> Decimal:
        return Decimal(self.days) * 100 / Decimal(self.contract_days)

    @property
    def words(self) -> str:
        return share_of(self.days, self.contract_days)


def contract_elapsed(evaluation: dict) -> Elapsed | None:
    """The share of the contract period gone by at the end of the assessed period (both days counted), or None when
    the assessed period runs to the contract's end (an end-of-term evaluation: 100% is then the only reference)."""
    contract, assessed = evaluation.get("contract"), evaluation.get("assessed_period")
    if not contract or not assessed:
        return None
    start, end, until = (date.fromisoformat(str(day)) for day in (contract["start"], contract["end"], assessed["end"]))
    days, contract_days = (until - start).days + 1, (end - start).days + 1
    if not 0 < days < contract_days:
        return None
    return Elapsed(days, contract_days, str(until), f"{start}至{end}")


def indicator_chart(indicators: list[dict], rules: RuleSet, elapsed: Elapsed | None = None) -> str:
    """A bar per indicator that has a completion rate, with a mark at 100%; bars past it show over-completion. At a
    mid-term (elapsed given) a dashed line marks the share of the contract gone by, labelled, as a second reference."""
    rates = [(indicator_name(i), rate) for i in indicators if (rate := indicator_rate(i, rules)) is not None]
    if not rates:
        return ""
    scale, top = rate_scale(max(rate for _, rate in rates)), 24 if elapsed is None else 42
    hundred = WIDTH * 100 / float(scale)
    rows = [(name, float(min(rate, CAP) / scale), percent_figure(rate) + ("（图中截至200%）" if rate > CAP else "")) for name, rate in rates]
    body = [label(0, 15, "0%", "muted"), label(hundred, 15, "100%", "muted", "end" if scale == 100 else "middle")]
    if scale > 100:
        body.append(label(WIDTH, 15, percent_figure(scale), "muted", "end"))
    body += bar_rows(rows, top)
    body += [line(hundred, top + index * BAR_ROW + 18, hundred, top + index * BAR_ROW + 36, "mark") for index in range(len(rows))]
    over = sum(1 for _, rate in rates if rate > 100)
    desc = "；".join(f"{name} {percent_figure(rate)}" for name, rate in rates)
    desc += f"。竖线为100%，{over} 项超过100%。" if over else "。竖线为100%，没有超过100%的指标。"
    caption = "指标完成率（竖线为100%）"
    if elapsed is not None:
        body += elapsed_marks(elapsed, float(scale), top, len(rows))
        caption = "指标完成率（竖线为100%，虚线为考核期末合同期已过的比例）"
        desc += (
            f"虚线为考核期末（{elapsed.until}）合同期（{elapsed.contract}）已过的比例 {elapsed.words}"
            f"（已过 {elapsed.days} 天，共 {elapsed.contract_days} 天）。"
        )
    return figure("chart-indicators", caption, desc, top + len(rows) * BAR_ROW, body)


def elapsed_marks(elapsed: Elapsed, scale: float, top: float, count: int) -> list[str]:
    """The elapsed share's dashed line through every row, and its label on the line under the scale's."""
    x = WIDTH * float(elapsed.percent) / scale
    words = f"合同期已过{elapsed.words}"
    width = text_width(words)
    anchor = "start" if x - width / 2 < 0 else "end" if x + width / 2 > WIDTH else "middle"
    return [line(x, top - 6, x, top + count * BAR_ROW, "mark elapsed"), label(x, 31, words, "muted", anchor)]


# --- totals as dots against the grade bands -------------------------------------------------------


def boundaries(rules: RuleSet) -> list[Decimal]:
    return sorted({bound.value for band in rules.bands for bound in (band.lower, band.upper) if bound})


def span(totals: list[Decimal], rules: RuleSet) -> tuple[Decimal, Decimal]:
    """The range the dots are drawn over: from a round ten well below everything shown (room for the lowest
    band's name) to the maximum total."""
    lowest = min(totals + boundaries(rules))
    low = max(Decimal(0), ((lowest - 15) / 10).to_integral_value(rounding=ROUND_FLOOR) * 10)
    return low, max([rules.maximum_total] + totals)


class Dot(NamedTuple):
    """One line of a dot chart: a total and its grade; current is this page's evaluation; vetoed, that a veto set the
    grade (its total did not), so the dot is drawn as a cross and its label says so."""

    name: str
    total: Decimal
    grade: str
    current: bool = False
    vetoed: bool = False

    @property
    def value(self) -> str:
        return f"{plain(self.total)} 一票否决：{self.grade}" if self.vetoed else f"{plain(self.total)} {self.grade}"


def marker(px: float, py: float, current: bool, vetoed: bool) -> str:
    """A dot at the total; a cross when a veto set the grade, so that it does not read as graded by its band."""
    if not vetoed:
        return f'<circle class="dot{" current" if current else ""}" cx="{num(px)}" cy="{num(py)}" r="{6 if current else 5}"/>'
    r = 6 if current else 5
    d = f"M{num(px - r)} {num(py - r)}L{num(px + r)} {num(py + r)}M{num(px - r)} {num(py + r)}L{num(px + r)} {num(py - r)}"
    return f'<path class="dot vetoed{" current" if current else ""}" d="{d}"/>'


def dot_chart(rows: list[Dot], rules: RuleSet, trend: bool = False) -> tuple[list[str], float]:
    """One line per Dot: a dot at the total, its value beside it, band edges dashed."""
    totals = [dot.total for dot in rows]
    low, high = span(totals, rules)
    left = min(max(text_width(dot.name) for dot in rows), 150) + 10
    top, bottom = 24, 24 + len(rows) * DOT_ROW

    def x(value: Decimal) -> float:
        return left + (WIDTH - left - 8) * ratio(value - low, high - low)

    body = [line(x(edge), top - 4, x(edge), bottom, "band") for edge in boundaries(rules) if low < edge < high]
    body += band_names(rules, low, high, x) + axis(low, high, rules, x, bottom + 17)
    points = [(x(dot.total), top + index * DOT_ROW + DOT_ROW / 2) for index, dot in enumerate(rows)]
    if trend and len(points) > 1:
        body.append('<polyline class="trend" points="' + " ".join(f"{num(px)},{num(py)}" for px, py in points) + '"/>')
    for dot, (px, py) in zip(rows, points):
        right = px + 8 + text_width(dot.value) <= WIDTH
        value_class = "value" + (" current" if dot.current else "") + (" vetoed" if dot.vetoed else "")
        body += [
            label(0, py + 5, fit(dot.name, left - 10), "current" if dot.current else ""),
            marker(px, py, dot.current, dot.vetoed),
            label(px + 9 if right else px - 9, py + 5, dot.value, value_class, "start" if right else "end"),
        ]
    return body, bottom + 24


def axis(low: Decimal, high: Decimal, rules: RuleSet, x, y: float) -> list[str]:
    """The scale's ends and the band edges under the dots, leaving out any that would run into the one before."""
    ticks, last_end = [], -WIDTH
    for value in [low] + [edge for edge in boundaries(rules) if low < edge < high] + [high]:
        value, anchor = value.normalize(), "end" if value == high else "middle"
        width = text_width(plain(value))
        start = x(value) - (width if anchor == "end" else width / 2)
        if start >= last_end + 2:
            ticks.append(label(x(value), y, plain(value), "muted", anchor))
            last_end = start + width
    return ticks


def band_names(rules: RuleSet, low: Decimal, high: Decimal, x) -> list[str]:
    """Each grade's name over its stretch of the scale, where there is room for it."""
    names = []
    for band in rules.bands:
        start = max(low, band.lower.value if band.lower else low)
        end = min(high, band.upper.value if band.upper else high)
        if end > start and x(end) - x(start) >= text_width(band.name):
            names.append(label((x(start) + x(end)) / 2, 15, band.name, "muted", "middle"))
    return names


def bands_words(rules: RuleSet) -> str:
    return "、".join(plain(edge) for edge in boundaries(rules))


def history_chart(rows: list, current_key: str) -> str:
    """A station's totals and grades over its evaluations (Evaluated rows), oldest first, this one marked."""
    rows = sorted(rows, key=lambda row: (row.record.visit_date, row.record.key))
    rules = next(row.result.ruleset for row in rows if row.record.key == current_key)
    points = [
        Dot(f"{row.record.evaluation['visit_date']} {row.record.stage}", row.result.total, row.grade, row.record.key == current_key, row.vetoed)
        for row in rows
    ]
    body, height = dot_chart(points, rules, trend=True)
    words = "；".join(f"{dot.name}：总分 {plain(dot.total)}，{row.verdict if dot.vetoed else dot.grade}" for dot, row in zip(points, rows))
    if any(dot.vetoed for dot in points):
        words += "（一票否决评定的等级画作叉号：等级由否决决定，不按总分所在的区间）"
    if len(rows) == 1:
        caption, desc = "本站历次评估（目前只有这一次）", f"本站目前只有这一次评估，图中只有一个点。{words}。"
    else:
        caption, desc = f"本站历次评估（共 {len(rows)} 次）", f"本站共 {len(rows)} 次评估，按日期先后：{words}。"
    return figure("chart-history", caption, desc + f"虚线为等级分界 {bands_words(rules)} 分。", height, body)


# --- listings: grade distribution, totals by station -----------------------------------------------


def grade_counts(rows: list, rules: list[RuleSet]) -> list[tuple[str, int]]:
    """Evaluations per grade (Evaluated rows): every grade of the rule sets in their order, then any other."""
    counts = Counter(row.grade for row in rows)
    names = dict.fromkeys([band.name for ruleset in rules for band in ruleset.bands] + sorted(counts))
    return [(name, counts.get(name, 0)) for name in names]


def grade_chart(rows: list, rules: list[RuleSet]) -> str:
    """A bar per grade, as long as its share of the largest count, the count written after it."""
    counts = grade_counts(rows, rules)
    if not counts:
        return ""
    by_veto = Counter(row.grade for row in rows if row.vetoed)
    counted = {name: f"{count} 份" + (f"（{by_veto[name]} 份由否决评定）" if by_veto[name] else "") for name, count in counts}
    left = max(text_width(name) for name, _ in counts) + 10
    room = max([50.0] + [text_width(words) + 10 for words in counted.values()])  # 50: room for “12 份”
    most = max([count for _, count in counts] + [1])
    body = []
    for index, (name, count) in enumerate(counts):
        y = index * DOT_ROW
        width = (WIDTH - left - room) * count / most
        body += [label(0, y + 19, name), rect(left, y + 6, width, 16, "bar"), label(left + width + 6, y + 19, counted[name])]
    desc = "，".join(f"{name} {counted[name]}" for name, _ in counts) + f"；共 {sum(c for _, c in counts)} 份。"
    return figure("chart-grades", "各等级评估份数", desc, len(counts) * DOT_ROW + 4, body)


def latest_per_station(rows: list) -> list:
    latest: dict[str, object] = {}
    for row in sorted(rows, key=lambda row: (row.record.visit_date, row.record.key)):
        latest[row.record.station_id] = row
    return list(latest.values())


def totals_chart(rows: list) -> str:
    """Each station's latest total (Evaluated rows), highest first, against the newest rule set's grade bands."""
    if not rows:
        return ""
    # Stations whose latest grade a veto set come after the ranked ones, apart: their total did not set their grade.
    ranked = sorted(latest_per_station(rows), key=lambda row: (row.vetoed, -row.result.total, row.record.station["short_name"], row.record.key))
    rules = max(rows, key=lambda row: (row.record.visit_date, row.record.key)).result.ruleset
    points = [Dot(row.record.station["short_name"], row.result.total, row.grade, vetoed=row.vetoed) for row in ranked]
    body, height = dot_chart(points, rules)
    words = "；".join(f"{dot.name} {plain(dot.total)} 分，{dot.grade}" for dot in points if not dot.vetoed)
    apart = "；".join(f"{dot.name} {plain(dot.total)} 分，{row.verdict}" for dot, row in zip(points, ranked) if dot.vetoed)
    desc = f"{len(points)} 个社工站最近一次评估的总分，从高到低：{words}。"
    if apart:
        desc += f"等级由一票否决评定的另列在后（画作叉号，不按总分排列）：{apart}。"
    desc += f"虚线为等级分界 {bands_words(rules)} 分。"
    return figure("chart-totals", "各社工站最近一次评估的总分", desc, height, body)


def district_totals_chart(rows: list) -> str:
    """Each district's mean of its stations' latest totals: the home page's view once stations are too many to list."""
    by_district: dict[str, list] = {}
    for row in latest_per_station(rows):
        by_district.setdefault(row.record.station["district"]["name"], []).append(row)
    means = {name: round_decimal(sum((r.result.total for r in members), Decimal(0)) / len(members), 2) for name, members in by_district.items()}
    rules = max(rows, key=lambda row: (row.record.visit_date, row.record.key)).result.ruleset
    points = [Dot(f"{name}（{len(by_district[name])} 站）", mean, "") for name, mean in sorted(means.items(), key=lambda pair: (-pair[1], pair[0]))]
    body, height = dot_chart(points, rules)
    words = "；".join(f"{dot.name} {plain(dot.total)} 分" for dot in points)
    desc = f"各区社工站最近一次评估总分的平均值，从高到低：{words}。虚线为等级分界 {bands_words(rules)} 分。"
    return figure("chart-district-totals", "各区社工站最近一次评估的平均总分", desc, height, body)


# Beyond this many stations a chart with one row each would run for pages; the home page then shows districts.
STATIONS_PER_CHART = 40


def listing_charts(rows: list, rules: list[RuleSet] | None = None) -> str:
    """The home and district pages' charts: evaluations per grade, then each station's latest total."""
    if rules is None:
        rules = list({(row.result.ruleset.id, row.result.ruleset.version): row.result.ruleset for row in rows}.values())
    many = len({row.record.station_id for row in rows}) > STATIONS_PER_CHART
    totals = district_totals_chart(rows) if many and rows else totals_chart(rows)
    return "\n\n".join(chart for chart in (grade_chart(rows, rules), totals) if chart)
