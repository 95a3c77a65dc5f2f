"""The score table's rows, shared by the terminal and the report page (language/score_rows.py)."""

from __future__ import annotations

from decimal import Decimal as D

from site_builder.language.evaluate import evaluate
from site_builder.language.score_rows import score_rows


def test_an_item_scored_by_sub_district_has_a_row_per_sub_district_sharing_one_converted_score(ruleset, seed_inputs):
    result = evaluate(ruleset, seed_inputs())
    quality = next(item for item in result.items if item.sub_scores)
    rows = [row for row in score_rows(result) if row.label == quality.label]
    assert [(row.sub_district, row.score, row.merged_rows) for row in rows] == [
        (sub_district, score, len(quality.sub_scores) if index == 0 else 0) for index, (sub_district, score) in enumerate(quality.sub_scores.items())
    ]
    assert {row.converted for row in rows} == {quality.converted}


def test_an_item_scored_once_has_one_row_of_its_own(ruleset, seed_inputs):
    result = evaluate(ruleset, seed_inputs())
    single = [item for item in result.items if not item.sub_scores]
    rows = [row for row in score_rows(result) if row.sub_district is None]
    assert [(row.label, row.score, row.converted, row.merged_rows) for row in rows] == [(i.label, i.score, i.converted, 1) for i in single]


def test_rows_follow_the_rule_files_item_order_and_name_sub_districts_as_the_report_does(ruleset, seed_inputs):
    result = evaluate(ruleset, seed_inputs())
    rows = score_rows(result, table_label=lambda sub_district: f"{sub_district}·表")
    assert list(dict.fromkeys(row.label for row in rows)) == [item.label for item in result.items]
    assert all(row.sub_district.endswith("·表") for row in rows if row.sub_district is not None)
    assert sum(row.converted for row in rows if row.merged_rows) == sum((i.converted for i in result.items), D(0))
