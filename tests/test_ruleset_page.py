"""The rule-set page states every rule in plain Chinese (issue 17 part 2): the total and its rounding before grading,
each 定义, each veto's condition as a sentence with each stage's threshold, never None, empty brackets or a code
operator in the prose; the rule file itself stays below, under 规则原文."""

from __future__ import annotations

import re
from pathlib import Path

from site_builder.site.pages.ruleset_page import condition_words, ruleset_page

REGIMES = Path(__file__).parent / "fixtures" / "regimes"
CODE_OPERATORS = (">=", "<=", "!=", " < ", " > ", " = ", " 且 ", " 或 ", "最小(", "取整(", "None", "（）", "&gt;", "&lt;")


def prose(page: str) -> str:
    """The page above 规则原文, without the markers around escaped rule text (site/pages/text.py)."""
    return page.split("## 规则原文", 1)[0].replace("\x0e", "").replace("\x0f", "")


def test_the_seed_vetoes_read_as_sentences_with_each_stage_threshold(ruleset):
    page = prose(ruleset_page(ruleset, [ruleset]))
    assert "| 社工人员配备不足的 | 中期：社工人员配备累计缺少的人次达到5人次或以上；末期：社工人员配备累计缺少的人次达到10人次或以上 |" in page
    assert "| 年度服务期内人员费用支出比例低于规定比例的 | 年度服务期内人员费用支出占比低于80% |" in page
    assert "| 保洁、安保等人员占用社工名额的 | “保洁、安保等人员是否占用社工名额”为“是” |" in page
    for operator in CODE_OPERATORS:
        assert operator not in page, operator


def test_the_seed_page_says_how_the_total_is_rounded_before_it_is_graded(ruleset):
    page = prose(ruleset_page(ruleset, [ruleset]))
    assert "## 总分\n\n总分满分 100 分，为各评分项折算分之和，不低于 0 分、不高于 100 分；先合计，再四舍五入保留 2 位小数，" in page
    assert "## 评估等级\n\n按四舍五入保留 2 位小数后的总分评定等级；出现下文“一票否决”中的情形时，等级按该情形的结果评定。" in page


def test_the_rule_source_stays_below_highlighted(ruleset):
    page = ruleset_page(ruleset, [ruleset])
    source = page.split("## 规则原文", 1)[1]
    assert source.lstrip().startswith('<div class="language-sgzrules">')
    assert "社工缺少人次 &gt;= 社工缺少人次上限" in re.sub(r"<[^>]+>", "", source)


def test_a_rule_set_without_vetoes_or_parameters_prints_neither_section(load_rules):
    rules = load_rules((REGIMES / "bonus-penalty" / "rules" / "demo" / "adjust-2025.rules").read_text(encoding="utf-8"))
    page = prose(ruleset_page(rules, [rules]))
    assert not rules.vetoes and not rules.parameters  # the premise
    assert "一票否决" not in page and "## 参数" not in page
    assert "按四舍五入保留 2 位小数后的总分评定等级：" in page
    for operator in CODE_OPERATORS:
        assert operator not in page, operator


def test_letter_grades_and_caps_are_stated_in_words(load_rules):
    for regime, fragment in (("letter-grades", "**A+**"), ("grade-caps", "等级最高评为合格")):
        path = next((REGIMES / regime / "rules" / "demo").glob("*.rules"))
        rules = load_rules(path.read_text(encoding="utf-8"))
        page = prose(ruleset_page(rules, [rules]))
        assert fragment in page
        for operator in CODE_OPERATORS:
            assert operator not in page, (regime, operator)


def test_a_definition_and_a_formula_read_in_words(load_rules):
    path = REGIMES / "second-edition-site" / "rules" / "demo" / "second-2025.rules"
    rules = load_rules(path.read_text(encoding="utf-8"))
    page = prose(ruleset_page(rules, [rules]))
    assert "- **个案完成比例**：个案服务完成数 ÷ 协议约定的个案服务数，最多为 1（办法 第四条）" in page
    assert "由规则按公式计算：200 × 个案完成比例，四舍五入保留 2 位小数" in page
    veto = next(v for v in rules.vetoes if v.name == "社工缺员")
    said = condition_words(veto.condition, rules)
    assert said == "抽查：社工人员配备累计缺少的人次达到5人次或以上；终期：社工人员配备累计缺少的人次达到10人次或以上"
