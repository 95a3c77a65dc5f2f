"""The rows of the score table, as the evaluation report lays them out: one row per item, or one per sub-district
for an item scored by sub-district, whose rows share the item's one converted score; then one row per 加分项 and
扣分项 before the total.

The terminal (site-builder evaluate) and the report page both render these rows; only the rendering differs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from .evaluate import AdjustmentResult, Result, adjusted_sum
from .formatting import plain, rounding_words

SCORE_COLUMNS = ("评估内容", "标准分", "评分", "折算分")
TOTAL_LABEL = "总分"
COMPUTED_NOTE = "由规则计算"  # an item no record scores: its score comes from the rule's formula


@dataclass(frozen=True)
class ScoreRow:
    """One row: an item, one sub-district of an item scored by sub-district, or a 加分项 / 扣分项."""

    label: str  # the item's label
    sub_district: str | None  # the sub-district as the table names it; None on an item's own row
    maximum: Decimal | None  # the item's 满分; an adjustment's 上限 (None: it has none)
    score: Decimal  # the item's score; an adjustment's value as its formula gives it
    converted: Decimal  # what enters the total: the converted score, or the points an adjustment adds or takes
    # How many rows share this row's converted score: 1 on an item's own row, n on the first of n sub-district
    # rows (the cell spans them), 0 on the others (the cell above covers them).
    merged_rows: int
    note: str = ""  # 由规则计算 on a computed item; on an adjustment, the clamp when it changed the points
    sign: str = ""  # "+" on a 加分项's row, "−" on a 扣分项's: its points are added to or taken from the total

    @property
    def maximum_text(self) -> str:
        if not self.sign:
            return plain(self.maximum) if self.maximum is not None else ""
        return f"上限 {plain(self.maximum)}" if self.maximum is not None else "不设上限"

    @property
    def converted_text(self) -> str:
        return self.sign + plain(self.converted)


def score_rows(result: Result, table_label: Callable[[str], str] = lambda sub_district: sub_district) -> list[ScoreRow]:
    """The table's rows in the rule file's item order, then the adjustments; table_label names a sub-district as the
    report does."""
    rows = []
    computed = {item.name for item in result.ruleset.items.values() if item.computed}
    for item in result.items:
        if not item.sub_scores:
            rows.append(ScoreRow(item.label, None, item.maximum, item.score, item.converted, 1, COMPUTED_NOTE if item.name in computed else ""))
            continue
        for index, (sub_district, score) in enumerate(item.sub_scores.items()):
            merged = len(item.sub_scores) if index == 0 else 0
            rows.append(ScoreRow(item.label, table_label(sub_district), item.maximum, score, item.converted, merged))
    return rows + [adjustment_row(adjustment) for adjustment in result.adjustments]


def adjustment_row(adjustment: AdjustmentResult) -> ScoreRow:
    kind, sign = ("加分", "+") if adjustment.bonus else ("扣分", "−")
    note = ""
    if adjustment.applied != adjustment.value:  # evaluate clamped it to [0, 上限]
        limit = "低于 0" if adjustment.value < 0 else f"超过上限 {plain(adjustment.cap or Decimal(0))}"
        note = f"{limit}，取 {plain(adjustment.applied)}"
    return ScoreRow(f"{kind}：{adjustment.label}", None, adjustment.cap, adjustment.value, adjustment.applied, 1, note, sign)


def total_note(result: Result) -> str:
    """What happened between the sum and the total, when anything did: the clamp to [0, 满分] and the rounding
    (合计 −20，低于 0 分，取 0; 合计 846.50，四舍五入取整得 847). Nothing when the total is the sum."""
    adjusted, scale = adjusted_sum(result.items, result.adjustments), result.ruleset.scale
    clamped = min(max(adjusted, Decimal(0)), scale)
    said = f"合计 {plain(adjusted)}"
    if clamped != adjusted:
        said += "，低于 0 分，取 0" if adjusted < 0 else f"，超过满分 {plain(scale)} 分，取 {plain(scale)}"
    if result.total != clamped:
        rounding = result.ruleset.total.rounding if result.ruleset.total else None
        assert rounding is not None  # only a declared rounding changes the total
        said += f"，{rounding_words(rounding)}得 {plain(result.total)}"
    return "" if said == f"合计 {plain(adjusted)}" else said
