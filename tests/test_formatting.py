"""One spelling for figures, percentages, citations and calculation steps (language/formatting.py)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from site_builder.errors import SourcePos
from site_builder.language import ast
from site_builder.language.evaluate import Step, evaluate
from site_builder.language.formatting import approximate, citation_text, cited, percent, percent_figure, plain, share_of, step_lines


def test_plain_keeps_the_places_a_figure_carries_and_never_an_exponent():
    assert [plain(D("15.09")), plain(D("20")), plain(D("1E+1")), plain(D("0.50"))] == ["15.09", "20", "10", "0.50"]


def test_approximate_shortens_only_long_quotients():
    assert (approximate(D(181) / 12), approximate(D("15.005"))) == ("15.083333…", "15.005")


def test_percent_writes_a_fraction_as_the_rule_file_does():
    assert [percent(D("0.55")), percent(D("0.125")), percent(D("1.00"))] == ["55%", "12.5%", "100%"]


def test_percent_figure_adds_the_sign_to_a_figure_already_in_percent():
    assert [percent_figure(D("62.50")), percent_figure(D(200))] == ["62.50%", "200%"]


@pytest.mark.parametrize(("part", "whole", "shown"), [(3, 3, "100%"), (2, 3, "66.7%"), (1, 3, "33.3%"), (0, 5, "0%"), (1, 8, "12.5%")])
def test_share_of_rounds_half_up_to_one_place_and_drops_a_zero_place(part, whole, shown):
    assert share_of(part, whole) == shown


POS = SourcePos("rules/x.rules", 7, 1, line_text="  总分 保留 2 位 四舍五入  【评估办法 一（五）】\n")
DOCUMENTS = {"评估办法": ast.Document("评估办法", "《评估办法》", POS)}


def test_a_citation_reads_as_written_and_names_its_documents_title():
    citation = ast.Citation("评估办法", "一（五）", POS)
    assert (citation_text(citation), cited(citation, DOCUMENTS)) == ("评估办法 一（五）", "【评估办法 一（五）】 《评估办法》")


def test_a_citation_without_a_clause_or_a_known_document_has_no_stray_space():
    assert cited(ast.Citation("通知", "", POS), DOCUMENTS) == "【通知】"


def test_a_step_for_explain_puts_the_formula_under_its_subject():
    step = Step("总分", "1 + 2 = 3", POS, ast.Citation("评估办法", "一（五）", POS))
    assert step_lines(step, DOCUMENTS, formula_apart=True) == [
        "■ 总分",
        "  1 + 2 = 3",
        "  规则：rules/x.rules:7  总分 保留 2 位 四舍五入  【评估办法 一（五）】",
        "  依据：【评估办法 一（五）】 《评估办法》",
    ]


def test_a_step_for_rule_tests_keeps_subject_and_formula_on_one_line():
    assert step_lines(Step("总分", "3", None), DOCUMENTS, formula_apart=False) == ["■ 总分：3", "  规则：—"]


def test_every_step_of_the_seed_evaluation_names_its_rule_line(ruleset, seed_inputs):
    result = evaluate(ruleset, seed_inputs())
    for step in result.steps:
        where = step_lines(step, ruleset.documents, formula_apart=True)[2]
        assert where.startswith(f"  规则：{step.pos.file}:{step.pos.line}  ") and where == where.rstrip()
