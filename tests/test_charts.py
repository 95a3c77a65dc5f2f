"""Charts: inline SVG drawn from the evaluated results, in unit tests, a real build and a phone-width Chromium."""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from decimal import Decimal
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from site_harness import ARTIFACTS, Watch, serve

from site_builder.language.evaluate import evaluate
from site_builder.site.pages import charts
from site_builder.site.pages.listings import Evaluated

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script>&amp;'
REPORT = "/reports/panyu/shiqiao-dongxi/2024-2025-中期/"
REPORT_CHARTS = ("chart-history", "chart-indicators", "chart-scores")
LISTING_CHARTS = ("chart-grades", "chart-totals")


def svg_of(figure: str) -> ET.Element:
    """The chart's <svg>, parsed as XML (which fails on anything not well-formed)."""
    return ET.fromstring(figure).find(f"{SVG}svg")


def rects(svg: ET.Element, cls: str) -> list[ET.Element]:
    return [r for r in svg.iter(f"{SVG}rect") if r.get("class") == cls]


def texts(svg: ET.Element) -> list[str]:
    return [t.text for t in svg.iter(f"{SVG}text")]


def alternative(svg: ET.Element) -> str:
    """The chart's text alternative, checked to be wired up: role img, labelled by its own title and desc."""
    assert svg.get("role") == "img"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    return desc.text


@pytest.fixture
def seed_result(ruleset, seed_inputs):
    return evaluate(ruleset, seed_inputs())


def row(result, key: str, date: str, short_name: str = "市桥街东西片社工站", stage: str = "中期") -> Evaluated:
    """An evaluated row with just what the charts read from a record."""
    station_id = key.split("/")[1]
    record = SimpleNamespace(
        key=key,
        visit_date=datetime.date.fromisoformat(date),
        stage=stage,
        station_id=station_id,
        evaluation={"visit_date": date},
        station={"short_name": short_name},
    )
    return Evaluated(record, result)


# --- score breakdown ---------------------------------------------------------------------------------


def test_score_chart_has_one_bar_per_item_as_long_as_score_over_maximum(seed_result, ruleset):
    svg = svg_of(charts.score_chart(seed_result))
    bars, tracks = rects(svg, "bar"), rects(svg, "track")
    assert len(bars) == len(tracks) == len(seed_result.items) == 7
    for item, bar, track in zip(seed_result.items, bars, tracks):
        maximum = ruleset.converted_maximum(ruleset.items[item.name])
        assert float(track.get("width")) == charts.WIDTH
        assert float(bar.get("width")) == pytest.approx(charts.WIDTH * float(item.converted / maximum), abs=0.01)
        assert f"{item.converted} / {maximum}" in texts(svg)
    quality = bars[3]  # 服务质量 15.09 of 20
    assert float(quality.get("width")) == pytest.approx(271.62)


def test_score_chart_text_alternative_gives_every_figure(seed_result):
    desc = alternative(svg_of(charts.score_chart(seed_result)))
    assert "服务质量 15.09 分（满分 20 分）" in desc and "总分 89.76 分（满分 100 分）" in desc
    assert all(f"{item.label} {item.converted} 分" in desc for item in seed_result.items)


def test_hostile_item_label_is_escaped_and_kept_as_text(seed_result):
    hostile = replace(seed_result, items=(replace(seed_result.items[0], label=HOSTILE),) + seed_result.items[1:])
    figure = charts.score_chart(hostile)
    assert "<script" not in figure and "&#60;script&#62;" in figure and "&#38;amp;" in figure
    svg = svg_of(figure)
    assert texts(svg)[0] == HOSTILE and HOSTILE in alternative(svg)


# --- indicator completion ----------------------------------------------------------------------------


def indicators(*rates: str) -> list[dict]:
    return [{"group": "小组", "name": f"指标{i}", "unit": "个", "actual": Decimal(1), "stated_percent": rate} for i, rate in enumerate(rates, 1)]


def marks(svg: ET.Element) -> set[float]:
    return {float(line.get("x1")) for line in svg.iter(f"{SVG}line") if line.get("class") == "mark"}


def test_the_100_percent_line_sits_at_the_track_end_when_nothing_exceeds_it(ruleset):
    svg = svg_of(charts.indicator_chart(indicators("62.50%", "100.00%"), ruleset))
    assert marks(svg) == {charts.WIDTH}
    assert [float(b.get("width")) for b in rects(svg, "bar")] == [225, 360]


def test_bars_over_100_percent_extend_past_the_line(ruleset):
    svg = svg_of(charts.indicator_chart(indicators("50.00%", "138.69%"), ruleset))
    hundred = charts.WIDTH * 100 / 150  # the track ends at the next 25% step, 150%
    assert marks(svg) == {hundred}
    short, over = (float(b.get("width")) for b in rects(svg, "bar"))
    assert short == pytest.approx(hundred / 2) and over == pytest.approx(charts.WIDTH * 138.69 / 150, abs=0.01)
    assert over > hundred
    assert {"0%", "100%", "150%", "138.69%"} <= set(texts(svg))


def test_bars_are_capped_at_200_percent_with_a_label(ruleset):
    svg = svg_of(charts.indicator_chart(indicators("80.00%", "350.00%"), ruleset))
    assert marks(svg) == {charts.WIDTH / 2}
    assert float(rects(svg, "bar")[1].get("width")) == charts.WIDTH
    assert "350.00%（图中截至200%）" in texts(svg)
    assert "350.00%" in alternative(svg)


def test_completion_uses_the_rule_formula_when_a_target_is_given(ruleset):
    given = [
        {"name": "个案数", "unit": "个", "actual": Decimal(25), "target": Decimal(40), "stated_percent": "60.00%"},
        {"name": "家访", "unit": "人次", "actual": Decimal(1035)},
    ]  # no rate at all: no bar
    svg = svg_of(charts.indicator_chart(given, ruleset))
    assert len(rects(svg, "bar")) == 1
    assert "62.50%" in texts(svg) and "个案数 62.50%" in alternative(svg)
    assert charts.indicator_chart(given[1:], ruleset) == ""


def test_hostile_indicator_name_is_escaped(ruleset):
    given = [{"group": HOSTILE, "name": "<img src=x onerror=alert(1)>", "unit": "个", "actual": Decimal(1), "stated_percent": "50%"}]
    figure = charts.indicator_chart(given, ruleset)
    assert "<script" not in figure and "<img" not in figure
    assert HOSTILE in alternative(svg_of(figure))


def test_long_names_are_cut_to_fit_beside_their_value_but_kept_whole_in_the_description(ruleset):
    name = "很长的指标名称" * 8
    svg = svg_of(charts.indicator_chart([{"name": name, "unit": "个", "actual": Decimal(1), "stated_percent": "50%"}], ruleset))
    shown = next(t for t in texts(svg) if t.startswith("很长"))
    assert shown.endswith("…") and charts.text_width(shown) + charts.text_width("50%") < charts.WIDTH
    assert name in alternative(svg)


def test_a_mid_term_chart_marks_the_share_of_the_contract_gone_by(ruleset):
    """The seed's mid-term: a 12-month contract (2024-08-26 to 2025-08-25) assessed to 2025-01-31, 159 of 365 days."""
    evaluation = {"contract": {"start": "2024-08-26", "end": "2025-08-25"}, "assessed_period": {"start": "2024-08-26", "end": "2025-01-31"}}
    elapsed = charts.contract_elapsed(evaluation)
    assert (elapsed.days, elapsed.contract_days, elapsed.words) == (159, 365, "43.6%")
    figure = charts.indicator_chart(indicators("40%", "120%"), ruleset, elapsed)
    svg = svg_of(figure)
    (dashed,) = [line for line in svg.iter(f"{SVG}line") if line.get("class") == "mark elapsed"]
    hundred = min(marks(svg))
    assert float(dashed.get("x1")) == pytest.approx(hundred * 159 / 365, abs=0.01)
    assert "合同期已过43.6%" in texts(svg)
    assert "虚线为考核期末（2025-01-31）合同期（2024-08-26至2025-08-25）已过的比例 43.6%（已过 159 天，共 365 天）" in alternative(svg)
    assert "虚线为考核期末合同期已过的比例" in ET.fromstring(figure).find("figcaption").text


def test_an_end_of_term_chart_has_only_the_100_percent_line():
    evaluation = {"contract": {"start": "2024-08-26", "end": "2025-08-25"}, "assessed_period": {"start": "2024-08-26", "end": "2025-08-25"}}
    assert charts.contract_elapsed(evaluation) is None


# --- history, grade distribution, totals by station ---------------------------------------------------


def dots(svg: ET.Element) -> list[ET.Element]:
    return list(svg.iter(f"{SVG}circle"))


def test_history_with_a_single_evaluation_shows_one_dot_and_says_so(seed_result):
    only = row(seed_result, "panyu/shiqiao-dongxi/2024-2025-中期", "2025-02-20")
    figure = charts.history_chart([only], only.record.key)
    svg = svg_of(figure)
    assert len(dots(svg)) == 1 and svg.find(f"{SVG}polyline") is None
    assert {"40", "60", "80", "90", "100", "不合格", "合格", "良好", "优秀"} <= set(texts(svg))  # the scale, bands named
    assert "目前只有这一次" in ET.fromstring(figure).find("figcaption").text
    desc = alternative(svg)
    assert "只有这一次评估" in desc and "2025-02-20 中期：总分 89.76，良好" in desc and "60、80、90" in desc


def test_history_puts_evaluations_in_date_order_against_the_grade_bands(seed_result, ruleset, seed_inputs, scores_totalling):
    earlier = evaluate(ruleset, seed_inputs(scores=scores_totalling(Decimal("78.5"))))
    rows = [row(seed_result, "panyu/a/2024-2025-中期", "2025-02-20"), row(earlier, "panyu/a/2023-2024-末期", "2024-07-01", stage="末期")]
    svg = svg_of(charts.history_chart(rows, "panyu/a/2024-2025-中期"))
    first, second = dots(svg)
    assert float(first.get("cy")) < float(second.get("cy"))  # oldest first
    assert float(first.get("cx")) < float(second.get("cx"))  # 78.5 left of 89.76
    assert second.get("class") == "dot current"
    assert svg.find(f"{SVG}polyline") is not None
    bands = sorted(float(line.get("x1")) for line in svg.iter(f"{SVG}line") if line.get("class") == "band")
    assert len(bands) == 3 and bands[0] < float(first.get("cx")) < bands[1] < float(second.get("cx")) < bands[2]
    assert "2024-07-01 末期：总分 78.50，合格；2025-02-20 中期：总分 89.76，良好" in alternative(svg)


def vetoed_seed(ruleset, seed_inputs):
    """The seed's scores (89.76, 良好 by the bands) with 社工人员配备不足 fired at 中期: the veto sets 不合格."""
    return evaluate(ruleset, seed_inputs(facts={"社工缺少人次": Decimal(6)}))


def test_history_draws_a_vetoed_evaluation_as_a_cross_labelled_with_the_veto(seed_result, ruleset, seed_inputs):
    earlier = vetoed_seed(ruleset, seed_inputs)
    rows = [row(earlier, "panyu/a/2023-2024-中期", "2024-02-20"), row(seed_result, "panyu/a/2024-2025-中期", "2025-02-20")]
    svg = svg_of(charts.history_chart(rows, "panyu/a/2024-2025-中期"))
    assert len(dots(svg)) == 1  # the graded one is a dot; the vetoed one is not
    crosses = [p for p in svg.iter(f"{SVG}path") if "vetoed" in p.get("class", "")]
    assert len(crosses) == 1
    assert "89.76 一票否决：不合格" in texts(svg)
    desc = alternative(svg)
    assert "2024-02-20 中期：总分 89.76，一票否决：社工人员配备不足（评为不合格）" in desc and "画作叉号" in desc


def test_totals_chart_lists_a_station_whose_grade_a_veto_set_apart_after_the_ranked(seed_result, ruleset, seed_inputs, scores_totalling):
    low = evaluate(ruleset, seed_inputs(scores=scores_totalling(Decimal(65))))
    rows = [
        row(vetoed_seed(ruleset, seed_inputs), "panyu/a/2024-2025-中期", "2025-02-20", "甲站"),
        row(low, "panyu/b/2024-2025-中期", "2025-02-20", "乙站"),
    ]
    svg = svg_of(charts.totals_chart(rows))
    assert [t for t in texts(svg) if t in ("甲站", "乙站")] == ["乙站", "甲站"]  # 89.76 is not ranked above 65
    desc = alternative(svg)
    assert "从高到低：乙站 65.00 分，合格。" in desc
    assert "另列在后（画作叉号，不按总分排列）：甲站 89.76 分，一票否决：社工人员配备不足（评为不合格）" in desc


def test_grade_chart_says_how_many_of_a_count_a_veto_set(seed_result, ruleset, seed_inputs):
    rows = [row(vetoed_seed(ruleset, seed_inputs), "panyu/a/2024-2025-中期", "2025-02-20"), row(seed_result, "panyu/b/2024-2025-中期", "2025-02-20")]
    svg = svg_of(charts.grade_chart(rows, [ruleset]))
    assert "1 份（1 份由否决评定）" in texts(svg)
    assert max(float(r.get("x")) + float(r.get("width")) for r in rects(svg, "bar")) + charts.text_width("1 份（1 份由否决评定）") < charts.WIDTH
    assert alternative(svg) == "优秀 0 份，良好 1 份，合格 0 份，不合格 1 份（1 份由否决评定）；共 2 份。"


def test_grade_chart_bars_are_proportional_to_counts(seed_result, ruleset, seed_inputs, scores_totalling):
    fair = evaluate(ruleset, seed_inputs(scores=scores_totalling(Decimal(70))))
    rows = [row(seed_result, f"panyu/s{i}/2024-2025-中期", "2025-02-20") for i in range(3)]
    rows.append(row(fair, "panyu/s9/2024-2025-中期", "2025-02-20"))
    svg = svg_of(charts.grade_chart(rows, [ruleset]))
    widths = [float(b.get("width")) for b in rects(svg, "bar")]
    assert len(widths) == 4  # 优秀 良好 合格 不合格, in the rule file's order
    assert widths[0] == widths[3] == 0 and widths[2] == pytest.approx(widths[1] / 3)
    assert ["优秀", "0 份", "良好", "3 份", "合格", "1 份", "不合格", "0 份"] == texts(svg)
    assert alternative(svg) == "优秀 0 份，良好 3 份，合格 1 份，不合格 0 份；共 4 份。"


def test_totals_chart_has_one_row_per_station_latest_evaluation_highest_first(seed_result, ruleset, seed_inputs, scores_totalling):
    low = evaluate(ruleset, seed_inputs(scores=scores_totalling(Decimal(65))))
    rows = [
        row(low, "panyu/a/2023-2024-末期", "2024-07-01", "甲站"),
        row(seed_result, "panyu/a/2024-2025-中期", "2025-02-20", "甲站"),
        row(low, "panyu/b/2024-2025-中期", "2025-03-01", HOSTILE),
    ]
    figure = charts.totals_chart(rows)
    assert "<script" not in figure
    svg = svg_of(figure)
    names = [t for t in texts(svg) if t.startswith(("甲站", "<script"))]
    assert names == ["甲站", '<script>alert("x…']  # cut to the name column; whole in the description
    assert len(dots(svg)) == 2
    assert {"60", "80", "90", "不合格", "合格", "良好", "优秀"} <= set(texts(svg))  # every band edge and name
    assert f"2 个社工站最近一次评估的总分，从高到低：甲站 89.76 分，良好；{HOSTILE} 65.00 分，合格。" in alternative(svg)


def test_every_chart_is_deterministic_and_well_formed(seed_result, ruleset):
    only = row(seed_result, "panyu/a/2024-2025-中期", "2025-02-20")
    made = [
        charts.score_chart(seed_result),
        charts.indicator_chart(indicators("40%", "120%"), ruleset),
        charts.history_chart([only], only.record.key),
        charts.listing_charts([only], [ruleset]),
    ]
    again = [
        charts.score_chart(seed_result),
        charts.indicator_chart(indicators("40%", "120%"), ruleset),
        charts.history_chart([only], only.record.key),
        charts.listing_charts([only], [ruleset]),
    ]
    assert made == again
    for figure in made[:3] + made[3].split("\n\n"):
        svg = svg_of(figure)
        assert re.fullmatch(r"0 0 360 \d+(\.\d+)?", svg.get("viewBox")) and svg.get("width") == "100%"
        assert int(svg.get("font-size")) * 358 / charts.WIDTH >= 12  # at a 390 px phone's 358 px column


# --- a real build, and the charts in Chromium at phone width -----------------------------------------


@pytest.fixture(scope="module")
def site(seed_site):
    """The seed repository, built once per session (conftest.py); read only."""
    return seed_site


def figures(page: str) -> dict[str, ET.Element]:
    found = re.finditer(r'<figure class="chart" id="([a-z-]+)">.*?</figure>', page, flags=re.S)
    return {match.group(1): svg_of(match.group(0)) for match in found}


@pytest.mark.slow
def test_built_report_has_three_charts_and_the_home_and_district_pages_two(site):
    report = figures((site / REPORT.strip("/") / "index.html").read_text(encoding="utf-8"))
    assert sorted(report) == sorted(REPORT_CHARTS)
    assert len(rects(report["chart-scores"], "bar")) == 7
    assert len(rects(report["chart-indicators"], "bar")) == 11  # the seed's indicators with a stated rate
    assert "89.76" in alternative(report["chart-history"]) and "只有这一次" in alternative(report["chart-history"])
    for path in ("index.html", "districts/panyu/index.html"):
        listing = figures((site / path).read_text(encoding="utf-8"))
        assert sorted(listing) == sorted(LISTING_CHARTS)
        assert "良好 1 份" in alternative(listing["chart-grades"])
        assert "市桥街东西片社工站 89.76 分" in alternative(listing["chart-totals"])


def contrast_on_white(colour: str) -> float:
    """WCAG contrast ratio of a computed rgb()/rgba() colour, blended onto the theme's white page."""
    red, green, blue, *alpha = (float(v) for v in re.findall(r"[\d.]+", colour))
    opacity = alpha[0] if alpha else 1.0

    def linear(channel: float) -> float:
        c = (channel * opacity + 255 * (1 - opacity)) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    return 1.05 / (luminance + 0.05)


@pytest.fixture(scope="module")
def site_url(site):
    with serve(site) as url:
        yield url


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("path, chart_ids", [(REPORT, REPORT_CHARTS), ("/", LISTING_CHARTS), ("/districts/panyu/", LISTING_CHARTS)])
def test_charts_fit_a_390_px_phone_legibly_without_errors(browser, site_url, path, chart_ids):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    watch = Watch(page)
    page.goto(site_url + path)
    for chart_id in chart_ids:
        chart = page.locator(f"#{chart_id} svg")
        chart.scroll_into_view_if_needed()
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["height"] > 40
        # the smallest text as drawn, in CSS pixels: its font size scaled by the viewBox
        smallest = page.evaluate(
            """svg => Math.min(...[...svg.querySelectorAll('text')].map(
            t => parseFloat(getComputedStyle(t).fontSize) * svg.getBoundingClientRect().width / svg.viewBox.baseVal.width))""",
            chart.element_handle(),
        )
        assert smallest >= 12
        filled = page.evaluate("svg => [...svg.querySelectorAll('.bar, .dot')].map(e => getComputedStyle(e).fill)", chart.element_handle())
        assert filled and all(colour not in ("none", "rgb(0, 0, 0)") for colour in filled)  # extra.css coloured them
        inks = page.evaluate("svg => [...svg.querySelectorAll('text')].map(t => getComputedStyle(t).fill)", chart.element_handle())
        assert min(contrast_on_white(ink) for ink in inks) >= 4.5  # WCAG AA for text
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
    assert watch.problems == []


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("name, width, height", [("desktop", 1280, 900), ("phone", 390, 844)])
def test_screenshots_of_the_report_charts(browser, site_url, name, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", device_scale_factor=2)
    page = context.new_page()
    watch = Watch(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.goto(site_url + REPORT)
    for chart_id in REPORT_CHARTS:
        page.locator(f"#{chart_id}").screenshot(path=str(ARTIFACTS / f"{chart_id}-{name}.png"))
    page.goto(site_url + "/")
    for chart_id in LISTING_CHARTS:
        page.locator(f"#{chart_id}").screenshot(path=str(ARTIFACTS / f"{chart_id}-{name}.png"))
    context.close()
    assert watch.problems == []
    assert all((ARTIFACTS / f"{chart_id}-{name}.png").stat().st_size > 2_000 for chart_id in REPORT_CHARTS)


def test_with_many_stations_the_listing_shows_district_means_instead_of_one_row_per_station(seed_result, ruleset, seed_inputs):
    lower = evaluate(ruleset, seed_inputs(scores={"购买方评分": Decimal("10")}))
    stations = charts.STATIONS_PER_CHART + 1
    results = [seed_result if i % 2 == 0 else lower for i in range(stations)]
    rows = [row(result, f"d{i % 3}/station-{i}/2024-2025-中期", "2025-02-20", f"站{i}") for i, result in enumerate(results)]
    for index, evaluated in enumerate(rows):
        evaluated.record.station["district"] = {"name": f"第{index % 3}区"}
    svgs = [svg_of(figure) for figure in re.findall(r"<figure.*?</figure>", charts.listing_charts(rows, [ruleset]), re.S)]
    assert [svg.find(f"{SVG}title").text for svg in svgs] == ["各等级评估份数", "各区社工站最近一次评估的平均总分"]
    first_district = [results[i].total for i in range(0, stations, 3)]
    mean = (sum(first_district) / len(first_district)).quantize(Decimal("0.01"))  # exact here: no half to round
    assert f"第0区（{len(first_district)}站）{mean}分" in alternative(svgs[1]).replace(" ", "")
