"""The score table's rows, shared by the terminal and the report page (language/score_rows.py)."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

from site_builder.language.checks import check_rules
from site_builder.language.evaluate import Inputs, Result, evaluate
from site_builder.language.parser import parse_rules
from site_builder.language.score_rows import COMPUTED_NOTE, score_rows, total_note


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


# --- the second edition: computed items, 加分项/扣分项, the total's clamp and rounding (second-edition-site regime) ---

SECOND_EDITION = Path(__file__).parent / "fixtures" / "regimes" / "second-edition-site" / "rules" / "demo" / "second-2025.rules"


def second_edition(scores: dict, **facts) -> Result:
    path = SECOND_EDITION.as_posix()
    rules = check_rules(parse_rules(SECOND_EDITION.read_text(encoding="utf-8"), path))
    defaults = {"个案完成数": 45, "个案目标数": 50, "媒体报道次数": 0, "安全事故起数": 0, "重大事故": False, "台账不全": False, "社工缺少人次": 0}
    numbers = {name: D(value) if not isinstance(value, bool) else value for name, value in {**defaults, **facts}.items()}
    return evaluate(rules, Inputs("抽查", {name: D(score) for name, score in scores.items()}, numbers))


def test_a_computed_item_is_marked_as_computed_by_the_rules():
    rows = score_rows(second_edition({"服务质量": 460, "街道评价": 90}))
    assert [(row.label, row.note) for row in rows[:3]] == [("服务指标完成情况", COMPUTED_NOTE), ("服务质量", ""), ("街道评价", "")]
    assert rows[0].score == D("180.00")


def test_adjustments_follow_the_items_with_their_cap_and_signed_points():
    rows = score_rows(second_edition({"服务质量": 430, "街道评价": D("85.5")}, 媒体报道次数=5, 安全事故起数=1))
    bonus, penalty = rows[-2:]
    assert (bonus.label, bonus.maximum_text, bonus.score, bonus.converted_text, bonus.note) == (
        "加分：媒体报道加分",
        "上限 30",
        50,
        "+30",
        "超过上限 30，取 30",
    )
    assert (penalty.label, penalty.maximum_text, penalty.score, penalty.converted_text, penalty.note) == (
        "扣分：安全事故扣分",
        "不设上限",
        50,
        "−50",
        "",
    )


def test_the_total_note_says_how_the_sum_became_the_total_and_nothing_when_it_is_the_sum():
    rounded = second_edition({"服务质量": 430, "街道评价": D("85.5")}, 个案完成数=40, 个案目标数=40, 媒体报道次数=1, 安全事故起数=1)
    assert total_note(rounded) == "合计 846.50，四舍五入取整得 847"
    clamped = second_edition({"服务质量": 100, "街道评价": 20}, 个案完成数=5, 安全事故起数=4)
    assert (clamped.total, total_note(clamped)) == (0, "合计 -20.00，低于 0 分，取 0")
    exact = second_edition({"服务质量": 460, "街道评价": 90})
    assert (exact.total, total_note(exact)) == (910, "")


def test_the_seed_total_is_its_sum_so_its_table_gains_no_note(ruleset, seed_inputs):
    result = evaluate(ruleset, seed_inputs())
    assert total_note(result) == "" and all(row.note == "" and row.sign == "" for row in score_rows(result))
