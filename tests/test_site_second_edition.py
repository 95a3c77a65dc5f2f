"""A real `mkdocs build --strict` of a second-edition regime (tests/fixtures/regimes/second-edition-site): a 1000-point
total, a computed item, 加分/扣分, letter grades in quotes, a forcing veto and two caps. The built pages must say each
construct in words: the rule-set page, the score table, the grade and the veto that decided it, the open data."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from site_harness import ARTIFACTS, Watch, build_site, serve

from site_builder.language.checks import check_rules
from site_builder.language.parser import parse_rules
from site_builder.site.escaped_text import ESCAPED_END, ESCAPED_START
from site_builder.site.pages.explain import veto_conditions

pytestmark = pytest.mark.slow
REGIME = Path(__file__).parent / "fixtures" / "regimes" / "second-edition-site"
RULES_PAGE = "rules/demo/second-2025/index.html"
ALPHA, BETA, GAMMA, DELTA = "demo/alpha/2025-2026-抽查", "demo/beta/2025-2026-抽查", "demo/gamma/2025-2026-终期", "demo/delta/2025-2026-终期"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The regime's rules and four records with this repository's docs/ and mkdocs.yml, built once; read only."""
    repo = tmp_path_factory.mktemp("second-edition")
    shutil.copytree(REGIME, repo, dirs_exist_ok=True)
    return build_site(repo)


def page_html(site: Path, path: str) -> str:
    return (site / path).read_text(encoding="utf-8")


def report_html(site: Path, key: str) -> str:
    return page_html(site, f"reports/{key}/index.html")


def visible_text(markup: str) -> str:
    """What a reader sees of a page's article: tags dropped, entities decoded, the highlighted rule source left out
    (it is the rule file verbatim, code operators and all)."""
    article = markup.split("<article", 1)[1].split("</article>", 1)[0]
    article = re.sub(r'<div class="language-sgzrules">.*?</div>', "", article, flags=re.S)
    article = re.sub(r"<(script|style|svg)\b.*?</\1>", "", article, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", article))


def score_table(markup: str) -> list[tuple[str, ...]]:
    """The score table's body rows as the reader sees each cell."""
    table = markup.split('<div class="score-table"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)
    return [
        tuple(html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S))
        for row in rows
    ]


# --- the rule-set page -----------------------------------------------------------------------------------------


def test_the_rule_set_page_says_the_total_the_formulas_and_the_adjustments_in_words(site):
    text = visible_text(page_html(site, RULES_PAGE))
    assert (
        "总分满分 1000 分，为各评分项折算分之和，加上加分，减去扣分，不低于 0 分、不高于 1000 分；"
        "先合计，再四舍五入取整，按取整后的总分评定等级（办法 第七条）。"
    ) in text
    assert "由规则按公式计算：200 × 个案完成比例，四舍五入保留 2 位小数" in text
    assert "个案完成比例：个案服务完成数 ÷ 协议约定的个案服务数，最多为 1（办法 第四条）" in text
    assert "先限定在 0 分到该项上限之间" in text
    rows = [
        tuple(cell.strip() for cell in row)
        for row in re.findall(r"<tr>\s*<td>(加分|扣分)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td[^>]*>(.*?)</td>", page_html(site, RULES_PAGE))
    ]
    cells = [tuple(html.unescape(re.sub(r"<[^>]+>", "", cell)) for cell in row) for row in rows]
    assert cells == [
        ("加分", "媒体报道加分", "市级以上媒体正面报道的次数 × 10", "30 分"),
        ("扣分", "安全事故扣分", "发生安全责任事故的起数 × 50", "不设上限"),
    ]


def test_the_rule_set_page_names_letter_grades_and_outcomes_and_prints_no_empty_brackets(site):
    text = visible_text(page_html(site, RULES_PAGE))
    assert "900分及以上：5A（办法 第八条）" in text
    assert "600分以下（不含600分）：不合格\n" in text  # the band written without a citation
    assert "（）" not in text and "None" not in text
    assert "评为不合格" in text and "等级最高评为3A" in text and "等级最高评为4A" in text


def test_the_rule_set_page_states_vetoes_and_stage_thresholds_as_sentences_with_the_source_below(site):
    markup = page_html(site, RULES_PAGE)
    text = visible_text(markup)
    assert "按四舍五入取整后的总分评定等级；出现下文“一票否决”中的情形时，等级按该情形的结果评定。" in text
    assert "抽查：社工人员配备累计缺少的人次达到5人次或以上；终期：社工人员配备累计缺少的人次达到10人次或以上" in text
    assert "“是否发生重大安全责任事故”为“是”" in text
    for operator in (">=", "<=", " < ", " > ", "&gt;", "&lt;", "&amp;", " 且 ", "最小("):
        assert operator not in text, operator  # code operators stay in the rule source
    source = markup.split('<h2 id="规则原文">', 1)[1]
    assert '<div class="language-sgzrules">' in source and "社工缺少人次 &gt;= 社工缺少人次上限" in re.sub(r"<[^>]+>", "", source)


# --- report pages ----------------------------------------------------------------------------------------------


def test_the_score_table_shows_the_computed_item_the_adjustments_and_the_rounding(site):
    assert score_table(report_html(site, BETA)) == [
        ("服务指标完成情况（由规则计算）", "200", "200.00", "200.00"),
        ("服务质量", "500", "430", "430"),
        ("街道评价", "100", "85.5", "256.50"),
        ("加分：媒体报道加分", "上限 30", "10", "+10"),
        ("扣分：安全事故扣分", "不设上限", "50", "−50"),
        ("总分（合计 846.50，四舍五入取整得 847）", "", "", "847"),
    ]


def test_the_score_table_shows_a_capped_bonus_and_a_total_kept_at_zero(site):
    alpha = score_table(report_html(site, ALPHA))
    assert ("加分：媒体报道加分（超过上限 30，取 30）", "上限 30", "50", "+30") in alpha
    assert alpha[-1] == ("总分", "", "", "940")  # the sum is the total: no note
    assert score_table(report_html(site, DELTA))[-1] == ("总分（合计 -20.00，低于 0 分，取 0）", "", "", "0")


def test_the_grade_and_the_veto_that_decided_it_are_said_in_words(site):
    beta = visible_text(report_html(site, BETA))
    assert "按分数为“4A”，因一票否决情形“台账不全”（等级最高评为3A），等级确定为“3A”。" in beta
    gamma = report_html(site, GAMMA)
    assert re.search(r"data-grade>不合格<", gamma)
    assert "“重大事故”（评为不合格）" in visible_text(gamma)
    assert "评为某一等级的否决优先于限定最高等级的否决（“社工缺员”不起作用）" in visible_text(gamma)


@pytest.mark.parametrize("key", [ALPHA, BETA, GAMMA, DELTA])
def test_report_pages_show_the_1000_point_scale_and_no_code_leftovers(site, key):
    markup = report_html(site, key)
    text = visible_text(markup)
    assert "总分满分 1000 分" in text
    assert "None" not in text and "100分" not in text and "满分 100 分" not in text
    assert "&#" not in text and "&gt;" not in text and "&lt;" not in text  # nothing escaped twice
    assert "\ue000" not in markup and "\x02" not in markup and "\x03" not in markup  # no escaping marker left over


# --- open data and the command line -------------------------------------------------------------------------------


def test_open_data_carries_adjustments_and_the_deciding_vetoes(site):
    csv_rows = list(csv.DictReader(io.StringIO((site / "data/results.csv").read_text(encoding="utf-8-sig"), newline="")))
    beta = next(row for row in csv_rows if row["记录编号"] == BETA)
    assert (beta["指标完成"], beta["媒体报道"], beta["安全事故"], beta["总分"], beta["等级"]) == ("200.00", "10", "50", "847", "3A")
    data = json.loads((site / "data/results.json").read_text(encoding="utf-8"))
    by_key = {row["记录编号"]: row for row in data["评估"]}
    assert by_key[BETA]["决定等级的否决"] == ["台账不全"] and by_key[GAMMA]["决定等级的否决"] == ["重大事故"]
    assert by_key[ALPHA]["决定等级的否决"] == [] and by_key[ALPHA]["选用版本的依据"].startswith("实地评估日期 2025-12-20")
    detail = json.loads((site / f"reports/{ALPHA}.json").read_text(encoding="utf-8"))
    bonus = next(a for a in detail["加分与扣分"] if a["类别"] == "加分")
    assert (bonus["按公式"], bonus["上限"], bonus["计入总分"]) == ("50", "30", "30")


def test_evaluate_json_has_the_deciding_vetoes_and_the_adjustments(tmp_path):
    repo = shutil.copytree(REGIME, tmp_path / "repo")
    done = subprocess.run(
        [sys.executable, "-m", "site_builder", "--root", str(repo), "evaluate", str(repo / f"stations/{BETA}.yaml"), "--json"],
        capture_output=True,
        text=True,
        env={"SITE_BUILDER_NO_CACHE": "1", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["total"], result["score_grade"], result["grade"], result["decided_by"]) == ("847", "4A", "3A", ["台账不全"])
    assert [(a["kind"], a["value"], a["cap"], a["applied"]) for a in result["adjustments"]] == [
        ("bonus", "10", "30", "10"),
        ("penalty", "50", None, "50"),
    ]


# --- in a browser ----------------------------------------------------------------------------------------------


@pytest.mark.browser
def test_a_report_page_in_chromium_shows_the_adjusted_score_table(site, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    watch = Watch(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with serve(site) as url:
        page.goto(f"{url}/reports/{BETA}/")
        assert page.locator(".result-card [data-grade]").inner_text() == "3A"
        page.locator(".score-table").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "second-edition-score-table.png"))
        page.goto(f"{url}/{RULES_PAGE.removesuffix('index.html')}")
        page.screenshot(path=str(ARTIFACTS / "second-edition-rules.png"), full_page=True)
    context.close()
    assert watch.problems == []
    assert (ARTIFACTS / "second-edition-score-table.png").stat().st_size > 10_000


# --- a by-stage switch (issue 17: “抽查评估 (否 且 社工缺少人次 >= 0)” was printed) -----------------------------


def switched_rules():
    """The regime with 台账不全 judged only at 终期, through a yes/no parameter that differs by stage."""
    path = REGIME / "rules/demo/second-2025.rules"
    text = path.read_text(encoding="utf-8").replace(
        "参数 社工缺少人次上限 = 抽查 5、终期 10 【办法 第十三条】",
        "参数 社工缺少人次上限 = 抽查 5、终期 10 【办法 第十三条】\n参数 终期核查台账 = 抽查 否、终期 是",
    )
    return check_rules(parse_rules(text.replace("当 台账不全 最高", "当 终期核查台账 且 台账不全 最高"), path.as_posix()))


def test_a_condition_a_stage_switch_settles_is_said_in_words_and_the_rest_keeps_its_thresholds():
    said = html.unescape(veto_conditions(switched_rules(), "抽查").replace(ESCAPED_START, "").replace(ESCAPED_END, ""))
    assert "| 服务台账不全的 | 抽查评估 本阶段不判定此项（本次）；终期评估 <code>台账不全 = 是</code> |" in said
    assert "| 社工人员配备不足的 | 抽查评估 <code>社工缺少人次 >= 5</code>（本次）；终期评估 <code>社工缺少人次 >= 10</code> |" in said
    assert "否 且" not in said and "是 且" not in said


def test_the_rule_set_page_says_a_stage_switch_in_words():
    from site_builder.site.pages.ruleset_page import condition_words

    rules = switched_rules()
    veto = next(v for v in rules.vetoes if v.name == "台账不全")
    assert condition_words(veto.condition, rules) == "抽查：本阶段不判定此项；终期：“服务台账是否不全”为“是”"
