"""The rows of the score table, as the evaluation report lays them out: one row per item, or one per sub-district
for an item scored by sub-district, whose rows share the item's one converted score.

The terminal (site-builder evaluate) and the report page both render these rows; only the rendering differs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from .evaluate import Result

SCORE_COLUMNS = ("评估内容", "标准分", "评分", "折算分")
TOTAL_LABEL = "总分"


@dataclass(frozen=True)
class ScoreRow:
    """One row: an item, or one sub-district of an item scored by sub-district."""

    label: str  # the item's label
    sub_district: str | None  # the sub-district as the table names it; None on an item's own row
    maximum: Decimal
    score: Decimal
    converted: Decimal
    # How many rows share this row's converted score: 1 on an item's own row, n on the first of n sub-district
    # rows (the cell spans them), 0 on the others (the cell above covers them).
    merged_rows: int


def score_rows(result: Result, table_label: Callable[[str], str] = lambda sub_district: sub_district) -> list[ScoreRow]:
    """The table's rows in the rule file's item order; table_label names a sub-district as the report does."""
    rows = []
    for item in result.items:
        if not item.sub_scores:
            rows.append(ScoreRow(item.label, None, item.maximum, item.score, item.converted, 1))
            continue
        for index, (sub_district, score) in enumerate(item.sub_scores.items()):
            merged = len(item.sub_scores) if index == 0 else 0
            rows.append(ScoreRow(item.label, table_label(sub_district), item.maximum, score, item.converted, merged))
    return rows
