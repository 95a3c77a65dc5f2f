"""Report pages compare an evaluation with its district's others of the same period and stage, and with the
station's previous evaluation: a real build with a peer station and an earlier evaluation of the seed station."""

from __future__ import annotations

import datetime
import html
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sample_evaluations import (
    EARLIER,
    EARLIER_SCORES,
    FIRED_EARLIER,
    KEYS,
    PEER,
    PEER_SCORES,
    SEED,
    SEED_SCORES,
    converted,
    signed,
    total,
)
from site_harness import ARTIFACTS, Watch, serve

from site_builder.language.formatting import share_of
from site_builder.site.pages.comparison import Comparisons, veto_changes
from site_builder.site.pages.text import inline

HEADING = "与同区同期及上次评估的比较"


@pytest.fixture(scope="module")
def site(sample_site):
    """The seed repository with a peer and an earlier evaluation, built once per session (conftest.py); read only."""
    return sample_site


def section(site, path: str) -> str:
    """The comparison subsection of a report page (in 网站核对与说明), up to the next heading of its level or above."""
    page = (site / "reports" / KEYS[path] / "index.html").read_text(encoding="utf-8")
    start = page.index(f'<h3 id="{HEADING}">')
    after = re.search(r"<h[23][ >]|</article>", page[start + 1 :])
    assert after is not None
    return page[start : start + 1 + after.start()]


def text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", fragment)))


def table_rows(fragment: str) -> dict[str, list[str]]:
    rows = [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S) for row in re.findall(r"<tr>(.*?)</tr>", fragment, re.S)]
    return {text(cells[0]): [text(c) for c in cells[1:]] for cells in rows[1:]}


@pytest.mark.slow
def test_the_higher_total_ranks_first_of_two_and_the_lower_second(site):
    assert total(SEED_SCORES) > total(PEER_SCORES)  # the test's premise, from the scores written
    seed, peer = text(section(site, SEED)), text(section(site, PEER))
    assert "第 1 名，共 2 份" in seed and "高于本区同期其余评估的 100%（其余 1 份中有 1 份总分低于本次）" in seed
    assert "第 2 名，共 2 份" in peer and "高于本区同期其余评估的 0%（其余 1 份中有 0 份总分低于本次）" in peer
    assert f"本次总分 {total(SEED_SCORES)} 分" in seed


@pytest.mark.slow
def test_a_vetoed_evaluation_is_not_ranked_by_its_total(site):
    """The earlier evaluation's grade was set by 社工人员配备不足: its total is shown for reference, never ranked."""
    vetoed = text(section(site, EARLIER))
    assert f"本次等级由一票否决评定（一票否决：{FIRED_EARLIER}（评为不合格）），不按总分参加番禺区 2023-2024 年度中期评估的排名" in vetoed
    assert f"总分 {total(EARLIER_SCORES)} 分只作参考" in vetoed
    assert "名，共" not in vetoed


@pytest.mark.slow
def test_the_change_since_the_previous_evaluation_is_signed_and_itemised(site):
    fragment = section(site, SEED)
    words = text(fragment)
    before, now = total(EARLIER_SCORES), total(SEED_SCORES)
    assert f"<li>总分：{before} → {now}（{signed(now - before)}）</li>" in fragment  # a list, not run into the sentence
    assert signed(now - before).startswith("+")
    assert "等级：不合格 → 良好" in words
    assert f"“{FIRED_EARLIER}”不再触发（本次：未触发）" in words
    assert 'href="../2023-2024-%E4%B8%AD%E6%9C%9F/"' in fragment
    rows = table_rows(fragment)
    old, new = converted(EARLIER_SCORES), converted(SEED_SCORES)
    label = {"购买方评分": "购买方", "督导中心评分": "督导中心", "监督方评分": "监督方"}
    for name in SEED_SCORES:
        assert rows[label.get(name, name)] == [f"{old[name]:f}", f"{new[name]:f}", signed(new[name] - old[name])]
    assert rows["服务质量"][2] == signed(new["服务质量"] - old["服务质量"]) != "0"  # the sub-district mean moved


@pytest.mark.slow
def test_without_a_previous_evaluation_the_page_says_so(site):
    for path in (EARLIER, PEER):
        assert "本网站没有本站评估日期早于本次的评估，无从比较" in text(section(site, path))


def test_a_newly_fired_veto_is_named_on_the_later_page():
    earlier = row("a", "2024-01-01", Decimal("80"), fired=[])
    later = row("a", "2025-01-01", Decimal("50"), fired=["整改不到位"])
    assert veto_changes(earlier.result, later.result) == f"新触发“{inline('整改不到位')}”。"
    assert Comparisons([earlier, later]).previous(later.record) is earlier
    assert Comparisons([earlier, later]).previous(earlier.record) is None


# --- ranking on its own: ties share a rank, the percentage counts only the others strictly below ----------


def row(station: str, visit: str, score: Decimal, fired=(), district: str = "panyu"):
    record = SimpleNamespace(
        district_id=district,
        period="2024-2025",
        stage="中期",
        station_id=station,
        visit_date=datetime.date.fromisoformat(visit),
        key=f"{district}/{station}/{visit}",
    )
    result = SimpleNamespace(total=score, fired=list(fired), vetoes=())
    return SimpleNamespace(record=record, result=result, vetoed=False, verdict="")  # graded by its total: ranked


def test_equal_totals_share_a_rank_and_the_next_rank_skips():
    rows = [row(name, "2025-01-01", Decimal(score)) for name, score in (("a", "90"), ("b", "85"), ("c", "85"), ("d", "70"))]
    other_district = row("e", "2025-01-01", Decimal("99"), district="nansha")
    comparisons = Comparisons(rows + [other_district])
    standings = [comparisons.standing(r.record, r.result.total) for r in rows]
    assert [(s.rank, s.count, s.below, s.tied) for s in standings] == [(1, 4, 3, 0), (2, 4, 1, 1), (2, 4, 1, 1), (4, 4, 0, 0)]
    assert [share_of(s.below, s.count - 1) for s in standings] == ["100%", "33.3%", "33.3%", "0%"]


# --- a vetoed report is identifiable everywhere a reader meets it (issue 17 part 4) ---------------------------


VERDICT = f"一票否决：{FIRED_EARLIER}（评为不合格）"


@pytest.mark.slow
def test_a_vetoed_report_says_the_veto_in_its_summary_box(site):
    page = (site / "reports" / KEYS[EARLIER] / "index.html").read_text(encoding="utf-8")
    card = page[page.index('<div class="result-card"') :]
    card = card[: card.index("</div>")]
    assert "不合格" in text(card) and VERDICT in text(card)
    seed = (site / "reports" / KEYS[SEED] / "index.html").read_text(encoding="utf-8")
    assert "一票否决：" not in text(seed[seed.index('<div class="result-card"') :].split("</div>", 1)[0])


@pytest.mark.slow
def test_listings_mark_the_vetoed_row_with_its_reason_and_count_it_apart(site):
    for listing in ("reports/index.html", "districts/panyu/index.html", "stations/shiqiao-dongxi/index.html"):
        page = (site / listing).read_text(encoding="utf-8")
        rows = [text(r) for r in re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S)]
        vetoed = [r for r in rows if "2023-2024" in r]
        assert len(vetoed) == 1 and "⚠" in vetoed[0] and VERDICT in vetoed[0], listing
        assert all("⚠" not in r for r in rows if "2024-2025" in r), listing
    home = text((site / "index.html").read_text(encoding="utf-8"))
    assert "其中由一票否决评定" in home


@pytest.fixture(scope="module")
def site_url(site):
    with serve(site) as url:
        yield url


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("name, width, height", [("desktop", 1280, 900), ("phone", 390, 844)])
def test_screenshots_of_a_vetoed_report_in_the_listing_and_the_history_chart(browser, site_url, name, width, height):
    """tests/artifacts/vetoed-*.png, looked at: the listing's 一票否决 column and the history chart's cross."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", device_scale_factor=2)
    page = context.new_page()
    watch = Watch(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{site_url}/reports/")
    page.locator("table#all-reports").screenshot(path=str(ARTIFACTS / f"vetoed-listing-{name}.png"))
    page.goto(f"{site_url}/reports/{KEYS[SEED]}/")
    page.locator("#chart-history").screenshot(path=str(ARTIFACTS / f"vetoed-history-{name}.png"))
    page.locator(".result-card").screenshot(path=str(ARTIFACTS / f"summary-{name}.png"))
    page.goto(f"{site_url}/reports/{KEYS[EARLIER]}/")
    page.locator(".result-card").screenshot(path=str(ARTIFACTS / f"vetoed-summary-{name}.png"))
    context.close()
    assert watch.problems == []
    assert all((ARTIFACTS / f"{shot}-{name}.png").stat().st_size > 2_000 for shot in ("vetoed-listing", "vetoed-history", "vetoed-summary"))
