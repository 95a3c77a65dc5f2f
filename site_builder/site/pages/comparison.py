"""A report's comparisons: its rank among the district's evaluations of the same period and stage, and what
changed since the station's previous evaluation.

The groups are indexed once per build (Comparisons), so that thousands of reports do not each scan every other.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from decimal import Decimal

from ...language.evaluate import Result
from ...language.formatting import plain, share_of
from ...language.ruleset import NOT_GRADED
from ...records.record import StationRecord
from . import urls
from .explain import stage_title
from .listings import Evaluated, veto_verdict, vetoed
from .text import inline

HEADING = "### 与同区同期及上次评估的比较"


class Comparisons:
    """Every evaluation of the build, grouped by district, period and stage, and by station in visit order."""

    def __init__(self, rows: list[Evaluated]):
        self.peers: dict[tuple, list[Evaluated]] = {}
        self.visits: dict[str, list[Evaluated]] = {}
        for row in rows:
            self.peers.setdefault(peer_group(row.record), []).append(row)
            self.visits.setdefault(row.record.station_id, []).append(row)
        # Ascending totals of the reports graded by their total, so that bisect counts how many are below or above a
        # total; a report whose grade a veto set is listed apart, not ranked by a total that did not decide it.
        self.totals = {group: sorted(r.result.total for r in members if not r.vetoed) for group, members in self.peers.items()}
        self.set_apart = {group: [r for r in members if r.vetoed] for group, members in self.peers.items()}
        for members in self.visits.values():
            members.sort(key=lambda r: (r.record.visit_date, r.record.key))

    def previous(self, record: StationRecord) -> Evaluated | None:
        """The station's evaluation with the latest visit date before this one's."""
        earlier = [r for r in self.visits.get(record.station_id, []) if r.record.visit_date < record.visit_date]
        return earlier[-1] if earlier else None

    def standing(self, record: StationRecord, total: Decimal) -> Standing:
        totals = self.totals.get(peer_group(record)) or [total]
        below, not_above = bisect_left(totals, total), bisect_right(totals, total)
        return Standing(rank=len(totals) - not_above + 1, count=len(totals), below=below, tied=not_above - below - 1)


@dataclass(frozen=True)
class Standing:
    """Where a total stands in its group: equal totals share a rank; tied counts the others with the same total."""

    rank: int
    count: int
    below: int
    tied: int


def peer_group(record: StationRecord) -> tuple[str, str, str]:
    return record.district_id, record.period, record.stage


def comparison_section(record: StationRecord, result: Result, comparisons: Comparisons | None) -> str:
    if comparisons is None:
        return ""
    return "\n\n".join([HEADING, rank_paragraph(record, result, comparisons), change_since(record, result, comparisons.previous(record))])


def rank_paragraph(record: StationRecord, result: Result, comparisons: Comparisons) -> str:
    group = f"{inline(record.station['district']['name'])} {inline(record.period)} 年度{inline(stage_title(record.stage))}"
    set_apart = [r for r in comparisons.set_apart.get(peer_group(record), []) if r.record.key != record.key]
    if vetoed(result):
        return (
            f"**同区同期排名**：本次等级由一票否决评定（{inline(veto_verdict(result))}），不按总分参加{group}的排名；"
            f"总分 {plain(result.total)} 分只作参考。" + apart_note(set_apart)
        )
    standing = comparisons.standing(record, result.total)
    if standing.count == 1:
        only = "按总分评定等级的评估只有本站这一份" if set_apart else "目前只有本站这一份"
        return f"**同区同期排名**：{group}{only}，没有可以比较的其他评估。" + apart_note(set_apart)
    others = standing.count - 1
    tie_note = f"（与另 {standing.tied} 份同分并列）" if standing.tied else ""
    return (
        f"**同区同期排名**：在{group}中，本次总分 {plain(result.total)} 分排**第 {standing.rank} 名，"
        f"共 {standing.count} 份**{tie_note}；高于本区同期其余评估的 {share_of(standing.below, others)}"
        f"（其余 {others} 份中有 {standing.below} 份总分低于本次）。"
        "名次按总分从高到低排列，同分同名次；百分比 = 总分低于本次的其余评估份数 ÷ 其余评估份数，同分不计入。" + apart_note(set_apart)
    )


def apart_note(set_apart: list[Evaluated]) -> str:
    """The group's other reports whose grade a veto set: named apart, with the veto, and left out of the ranking."""
    if not set_apart:
        return ""
    named = "；".join(f"{inline(r.record.station['short_name'])}（总分 {plain(r.result.total)} 分，{inline(r.verdict)}）" for r in set_apart)
    return f"另有 {len(set_apart)} 份等级由一票否决评定，另列，不参加排名：{named}。"


def change_since(record: StationRecord, result: Result, previous: Evaluated | None) -> str:
    if previous is None:
        return "**与上次评估相比**：本网站没有本站评估日期早于本次的评估，无从比较。"
    before = previous.result
    link = (
        f"[{inline(previous.record.period)} 年度{inline(stage_title(previous.record.stage))}（{previous.record.evaluation['visit_date']}）]"
        f"({urls.relative(urls.report(previous.record), urls.report(record))})"
    )
    lines = [
        f"**与上次评估相比**：上次是 {link}。\n",  # a list needs a blank line before it in Python-Markdown
        f"- 总分：{plain(before.total)} → {plain(result.total)}（{signed(result.total - before.total)}）",
        f"- 等级：{grade_change(before, result)}",
        f"- 一票否决：{veto_changes(before, result)}",
    ]
    if (before.ruleset.id, before.ruleset.version) != (result.ruleset.id, result.ruleset.version):
        lines.append(
            f"- 两次评估依据的规则不同（上次 {inline(before.ruleset.title)} {inline(before.ruleset.version)}，"
            f"本次 {inline(result.ruleset.title)} {inline(result.ruleset.version)}），评分项可能不能一一对应。"
        )
    return "\n".join(lines) + "\n\n" + item_changes(before, result)


def signed(difference: Decimal) -> str:
    """+1.25, -0.5, or 0 when nothing changed (0.00 - 0 is still no change)."""
    if difference == 0:
        return "0"
    return ("+" if difference > 0 else "") + plain(difference)


def grade_text(result: Result) -> str:
    return result.grade or NOT_GRADED


def grade_change(before: Result, now: Result) -> str:
    if grade_text(before) == grade_text(now):
        return f"{inline(grade_text(now))}（未变）"
    return f"{inline(grade_text(before))} → {inline(grade_text(now))}"


def veto_changes(before: Result, now: Result) -> str:
    status_now = {v.name: v.status for v in now.vetoes}
    started = [name for name in now.fired if name not in before.fired]
    stopped = [name for name in before.fired if name not in now.fired]
    parts = [f"新触发“{inline(name)}”" for name in started]
    parts += [f"“{inline(name)}”不再触发（本次：{status_now.get(name, '规则中已没有此项')}）" for name in stopped]
    if parts:
        return "；".join(parts) + "。"
    return "两次都触发了“" + inline("、".join(now.fired)) + "”。" if now.fired else "两次都没有触发否决。"


def item_changes(before: Result, now: Result) -> str:
    """Each item's converted score, matched by name; an item only one rule set has shows — on the other side."""
    previous = {item.name: item for item in before.items}
    current = {item.name: item for item in now.items}
    lines = ["| 评分项 | 上次折算分 | 本次折算分 | 变化 |", "|---|--:|--:|--:|"]
    for name in dict.fromkeys([*current, *previous]):
        old, new = previous.get(name), current.get(name)
        change = signed(new.converted - old.converted) if old and new else "—"
        label = new.label if new else previous[name].label
        lines.append(f"| {inline(label)} | {plain(old.converted) if old else '—'} | {plain(new.converted) if new else '—'} | {change} |")
    return "\n".join(lines)
