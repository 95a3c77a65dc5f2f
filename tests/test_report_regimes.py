"""Report pages shaped by the regime, not by Guangzhou's (issue 17): a real `mkdocs build --strict` of
tests/fixtures/regimes/other-shape — stages named 抽查评估 and 终期评估, one party, a 1000-point total, no sub-district
scoring, no supervision centre, one capping veto on a 比例 fact, its own standing text — must read naturally."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest
from site_harness import build_site

from site_builder.language.checks import check_rules
from site_builder.language.parser import parse_rules
from site_builder.site.escaped_text import ESCAPED_END, ESCAPED_START
from site_builder.site.pages.explain import result_explanation, weights_and_bands

REGIME = Path(__file__).parent / "fixtures" / "regimes" / "other-shape"
RULES_FILE = "rules/shili/spot-2025.rules"
SPOT, FINAL = "shiqu/jia/2025-2026-抽查评估", "shiqu/yi/2025-2026-终期评估"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The regime's rules, standing text and two records with this repository's docs/ and mkdocs.yml, built once."""
    repo = tmp_path_factory.mktemp("other-shape")
    shutil.copytree(REGIME, repo, dirs_exist_ok=True)
    return build_site(repo)


def article_text(markup: str) -> str:
    """What a reader sees of a page's article: tags dropped, entities decoded once, the rule source left out."""
    article = markup.split("<article", 1)[1].split("</article>", 1)[0]
    article = re.sub(r'<div class="language-sgzrules">.*?</div>', "", article, flags=re.S)
    article = re.sub(r"<(script|style|svg)\b.*?</\1>", "", article, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", article))


def report_text(site: Path, key: str) -> str:
    return article_text((site / "reports" / key / "index.html").read_text(encoding="utf-8"))


def headings(site: Path, key: str, level: int) -> list[str]:
    markup = (site / "reports" / key / "index.html").read_text(encoding="utf-8")
    found = re.findall(rf"<h{level}[^>]*>(.*?)</h{level}>", markup, flags=re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", h)).replace("¶", "").strip() for h in found]


def unmarked(markdown: str) -> str:
    """Generated Markdown without the markers around escaped record and rule text (site/escaped_text.py)."""
    return markdown.replace(ESCAPED_START, "").replace(ESCAPED_END, "")


def official_text(text: str) -> str:
    """The official report: everything before the site's own section."""
    return text.split("网站核对与说明", 1)[0]


# --- fast: the generated wording for one party ------------------------------------------------------------------


def test_one_party_is_not_worded_as_a_sum_of_parties():
    rules = check_rules(parse_rules((REGIME / RULES_FILE).read_text(encoding="utf-8"), RULES_FILE))
    paragraph = unmarked(weights_and_bands(rules))
    assert paragraph.startswith("评估分值由评估机构评估确定。")
    assert "一方" not in paragraph and "总和" not in paragraph and "占比" not in paragraph
    assert "总分满分 1000 分" in paragraph and "评估等级分为优秀、合格、不合格三个等级" in paragraph
    explanation = unmarked(result_explanation(rules, "抽查评估"))
    assert "评估中若发现有下列情形之一的，等级最高评为合格：" in explanation
    assert "（一）人员费用支出比例低于规定比例的" in explanation


# --- slow: the built report pages -------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("key", "title", "stage"),
    [(SPOT, "示例甲社工服务站抽查评估报告", "抽查评估"), (FINAL, "示例乙社工服务站终期评估报告", "终期评估")],
)
def test_stage_names_that_say_评估_are_not_doubled(site, key, title, stage):
    assert headings(site, key, 1) == [title]
    assert f"一、{stage}背景" in headings(site, key, 2)
    text = report_text(site, key)
    assert "评估评估" not in text
    assert f"本次{stage}的等级为" in text
    assert f"2025-2026 年度{stage}" in text  # the comparison names the peer group by the stage as the report does


@pytest.mark.slow
@pytest.mark.parametrize("key", [SPOT, FINAL])
def test_nothing_of_guangzhous_shape_is_printed(site, key):
    text = report_text(site, key)
    for absent in ("督导中心", "督导方反馈", "片区", "第三方", "中期", "末期", "四方", "由一方评估分数的总和确定", "评估总分为100分"):
        assert absent not in text, absent
    for garbage in ("None", "（）", "&gt;", "&lt;", "&amp;"):
        assert garbage not in text, garbage
    assert text.count("评估总分为1000分") == 2  # 一（三） and 四, both from the standing text's {满分}


@pytest.mark.slow
def test_the_summary_numbers_only_the_sections_the_record_holds(site):
    assert [h for h in headings(site, SPOT, 3) if h.startswith("（")][-5:] == [
        "（一）社工站基本情况",
        "（二）各项目服务进度情况",
        "（三）项目运营管理",
        "（四）服务成效和服务监测情况",
        "（五）购买方反馈情况",
    ]
    assert [h for h in headings(site, FINAL, 3) if h.startswith("（")][-4:] == [
        "（一）社工站基本情况",
        "（二）各项目服务进度情况",
        "（三）项目运营管理",
        "（四）服务成效和服务监测情况",
    ]
    assert "反馈情况" not in official_text(report_text(site, FINAL)).split("二、评估总结", 1)[1].split("三、评估反馈", 1)[0]


@pytest.mark.slow
def test_the_standing_text_is_filled_from_the_rules_and_the_record(site):
    text = official_text(report_text(site, SPOT))
    assert "示例评估中心受示例区民政局委托，对示例甲社工服务站开展抽查评估：" in text
    assert "850分及以上为优秀，600分至850分（不含850分）为合格，600分以下为不合格。" in text
    assert "（抽查评估低于60%，终期评估低于70%），等级最高评为合格。" in text
    final = official_text(report_text(site, FINAL))
    assert "评估机构受主管部门委托，对示例乙社工服务站开展终期评估：" in final  # the record names neither: their roles
    assert "区民政部门" not in final and "示例街道与示例乙社工站签订的服务协议" in final


@pytest.mark.slow
def test_a_capping_veto_is_stated_with_its_outcome(site):
    text = official_text(report_text(site, FINAL))
    assert "本次终期评估的等级为“合格”（870分）。按分数为“优秀”，因一票否决情形“人员费用支出比例过低”（等级最高评为合格），等级确定为“合格”。" in text


@pytest.mark.slow
def test_ratios_in_the_sites_veto_check_are_percentages(site):
    spot, final = report_text(site, SPOT), report_text(site, FINAL)
    assert "人员费用支出比例：83.5%；人员费用支出比例下限：60%" in spot
    assert "人员费用支出比例 83.5% < 人员费用支出比例下限 60%（抽查评估）；结果：未触发" in spot
    assert "人员费用支出比例：65%；人员费用支出比例下限：70%" in final
    assert "人员费用支出比例 65% < 人员费用支出比例下限 70%（终期评估）；结果：触发" in final
    assert not re.search(r"比例\S* 0\.\d", spot + final) and "：0." not in spot + final


@pytest.mark.slow
def test_the_rule_set_page_reads_naturally(site):
    text = article_text((site / "rules" / "shili" / "spot-2025" / "index.html").read_text(encoding="utf-8"))
    assert "评估阶段：抽查评估、终期评估" in text
    assert "抽查评估：人员费用支出占服务经费的比例低于60%；终期评估：人员费用支出占服务经费的比例低于70%" in text
    for garbage in ("None", "（）", "&gt;", "&lt;", "评估评估", " < ", ">="):
        assert garbage not in text, garbage
