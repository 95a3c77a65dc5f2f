"""One evaluation report page, following the structure of the official report section by section."""

from __future__ import annotations

from ...language.evaluate import FIRED, NOT_CHECKED, NOT_FIRED, Result, completion_rate
from ...language.formatting import percent_figure, plain
from ...language.ruleset import NOT_GRADED, RuleSet
from ...records.record import StationRecord
from ..open_data import report_downloads
from ..pdf import PDF_MARKER
from ..provenance import BUILT_FROM_MARKER, Provenance
from . import urls
from .charts import history_chart, indicator_chart, score_chart
from .comparison import Comparisons, comparison_section
from .explain import result_explanation, score_table_html, trace, veto_checklist, weights_and_bands
from .text import chinese_date, code, escaped, inline, link, narrative, narrative_html, number, numbered, standing


def report_page(
    record: StationRecord,
    result: Result,
    standing_text: str | None,
    provenance: Provenance = Provenance(),
    comparisons: Comparisons | None = None,
    history: list | None = None,
    version_note: tuple[str, ...] = (),
) -> str:
    """version_note: why this rule-set version, and any change of version the record's periods span (records/project.py)."""
    src = urls.report(record)
    parts = [
        title_block(record, result, src),
        history_chart(history, record.key) if history else "",
        narrative(record.content["report"].get("introduction")),
        background(record, result.ruleset, standing_text),
        summary(record, result),
        feedback_round(record),
        grade_section(record, result),
        comparison_section(record, result, comparisons),
        f"## 五、结语\n\n{narrative(record.content['report']['conclusion'])}",
        provenance_note(record, result, provenance, version_note),
        report_downloads(record),
    ]
    return "\n\n".join(p for p in parts if p) + "\n"


def title_block(record: StationRecord, result: Result, src: str) -> str:
    evaluation, station = record.evaluation, record.station
    title = evaluation.get("title") or f"{station['name']}{record.stage}评估报告"
    contract = evaluation["contract"]
    period = f"（{chinese_date(contract['start'])}—{chinese_date(contract['end'])}）"
    grade = result.grade or NOT_GRADED
    links = " · ".join(
        [
            link(inline(station["district"]["name"]), urls.relative(urls.district(record.district_id), src)),
            link(f"{inline(station['short_name'])}的全部评估", urls.relative(urls.station(record.station_id), src)),
            link(f"规则：{inline(result.ruleset.title)} {inline(result.ruleset.version)}", urls.relative(urls.ruleset(result.ruleset), src)),
        ]
    )
    return (
        f'# {inline(title)}\n\n<p class="report-period">{period}</p>\n\n'
        f'<div class="result-card" role="group" aria-label="评估结果">'
        f"<span>总分 <strong data-total>{plain(result.total)}</strong></span>"
        f"<span>等级 <strong data-grade>{escaped(grade)}</strong></span>"
        f"<span>{escaped(record.stage)}评估 · {chinese_date(evaluation['visit_date'])}</span></div>\n\n{links}{PDF_MARKER}"
    )


def fill_standing(template: str, record: StationRecord) -> str:
    """The rule set's standing text with this record's names in its placeholders; only these placeholders exist."""
    station, evaluation = record.station, record.evaluation
    values = {
        "站点全称": station["name"],
        "站点简称": station["short_name"],
        "阶段": record.stage,
        "组织评估的部门": evaluation.get("commissioned_by", "区民政部门"),
        "评估机构": evaluation.get("evaluator", {}).get("organisation", "评估机构"),
        "购买方": evaluation.get("purchaser", station["street"]),
    }
    return standing(template, values)


def background(record: StationRecord, rules: RuleSet, standing_text: str | None) -> str:
    report = record.content["report"]
    parts = [f"## 一、{inline(record.stage)}评估背景", narrative(report["background"])]
    if standing_text:
        parts.append(fill_standing(standing_text, record))
    parts += ["### （五）评估结果说明", result_explanation(rules, record.stage)]
    return "\n\n".join(parts)


def summary(record: StationRecord, result: Result) -> str:
    report = record.content["report"]
    return "\n\n".join(
        [
            "## 二、评估总结",
            "### （一）社工站基本情况",
            narrative(report["basic_situation"]),
            station_facts(record),
            "### （二）各项目服务进度情况",
            narrative(report["progress"]),
            indicator_table(record, result),
            indicator_chart(record.content.get("indicators", []), result.ruleset),
            people_tables(record),
            "### （三）项目运营管理",
            findings(report["operations"]),
            "### （四）服务成效和服务监测情况",
            findings(report["outcomes"]),
            "### （五）服务质量情况",
            sub_district_sections(record),
            "### （六）购买方反馈情况",
            findings(report["purchaser_feedback"]),
            "### （七）市督导中心反馈",
            findings(report["supervision_feedback"]),
        ]
    )


def station_facts(record: StationRecord) -> str:
    station, evaluation = record.station, record.evaluation
    rows = [("全称", station["name"]), ("简称", station["short_name"]), ("所在区、街道", f"{station['district']['name']} {station['street']}")]
    rows += [(address["name"], address["address"]) for address in station.get("addresses", [])]
    if "operator" in station:
        since = f"（{station['operating_since']}年起）" if "operating_since" in station else ""
        rows.append(("承接机构", station["operator"] + since))
    if station.get("service_areas"):
        rows.append(("服务板块", "、".join(station["service_areas"])))
    rows.append(("项目合同期", f"{chinese_date(evaluation['contract']['start'])}至{chinese_date(evaluation['contract']['end'])}"))
    assessed = evaluation["assessed_period"]
    months = f"，考核{assessed['months']}个月" if "months" in assessed else ""
    rows.append(("本次考核期", f"{chinese_date(assessed['start'])}至{chinese_date(assessed['end'])}{months}"))
    if "funding_yuan" in evaluation:
        rows.append(("评估期限内服务经费", f"{number(evaluation['funding_yuan'])} 元"))
    evaluator = evaluation.get("evaluator", {})
    if evaluator:
        people = "、".join(
            filter(
                None,
                [
                    f"评委 {evaluator['experts']} 名" if "experts" in evaluator else "",
                    f"工作人员 {evaluator['staff']} 名" if "staff" in evaluator else "",
                ],
            )
        )
        rows.append(("评估机构", evaluator["organisation"] + (f"（{people}）" if people else "")))
    rows.append(("实地评估日期", chinese_date(evaluation["visit_date"])))
    table = ["| 项目 | 内容 |", "|---|---|"] + [f"| {inline(k)} | {inline(v)} |" for k, v in rows]
    return "\n".join(table)


def indicator_table(record: StationRecord, result: Result) -> str:
    indicators = record.content.get("indicators", [])
    if not indicators:
        return ""
    lines = ["| 服务 | 指标 | 实际完成 | 协议指标量 | 完成率（报告） | 完成率（按规则计算） |", "|---|---|--:|--:|--:|--:|"]
    for indicator in indicators:
        actual = f"{number(indicator['actual'])} {indicator['unit']}"
        target = f"{number(indicator['target'])} {indicator['unit']}" if "target" in indicator else "报告未载明"
        computed = ""
        if "target" in indicator:
            rate = completion_rate(result.ruleset, indicator["actual"], indicator["target"])
            computed = percent_figure(rate) if rate is not None else ""
        lines.append(
            f"| {inline(indicator.get('group', ''))} | {inline(indicator['name'])} | {inline(actual)} | {inline(target)} "
            f"| {inline(indicator.get('stated_percent', ''))} | {computed or '—'} |"
        )
    return "\n".join(lines)


def people_tables(record: StationRecord) -> str:
    rows = []
    survey = record.content.get("satisfaction", {})
    if survey:
        threshold = f"（满意度{survey['satisfied_threshold']}以上）" if "satisfied_threshold" in survey else ""
        rows.append(("满意度调查", f"受访 {survey.get('surveyed', '—')} 人，满意{threshold} {survey.get('satisfied', '—')} 人"))
    labels = {
        "community_organisations": "社区社会组织",
        "volunteer_teams": "志愿者队伍",
        "active_volunteer_teams": "活跃志愿者队伍",
        "volunteer_leaders": "志愿者骨干",
        "volunteers": "志愿者",
    }
    building = record.content.get("community_building", {})
    rows += [(labels[key], str(value)) for key, value in building.items()]
    if not rows:
        return ""
    return "\n".join(["| 满意度与社区培育 | 数量 |", "|---|---|"] + [f"| {inline(k)} | {inline(v)} |" for k, v in rows])


def findings(section: dict, level: str = "####") -> str:
    parts = [narrative(section.get("intro"))]
    for key, heading in (("positives", "1. 值得肯定的地方"), ("concerns", "2. 需要关注的地方")):
        if key in section:
            parts += [f"{level} {heading}", narrative(section.get(f"{key}_intro")), numbered(section[key])]
    return "\n\n".join(p for p in parts if p)


def sub_district_sections(record: StationRecord) -> str:
    declared = {s["id"]: s for s in record.station["sub_districts"]}
    parts = []
    for section in record.content["report"]["sub_districts"]:
        sub_district = declared[section["sub_district"]]
        communities = "、".join(sub_district["communities"])
        parts += [
            f"#### {inline(sub_district.get('name', sub_district['id']))}：{inline(communities)}",
            figures_table(section.get("figures", {})),
            findings(section, level="#####"),
        ]
    return "\n\n".join(p for p in parts if p)


FIGURE_LABELS = {
    "households": ("困难群众和特殊群体", "户"),
    "people": ("困难群众和特殊群体", "人"),
    "coverage": ("建档覆盖率", ""),
    "person_times": ("服务", "人次"),
    "home_visits": ("入户探访", "人次"),
    "phone_visits": ("电访", "人次"),
    "cases": ("个案", "个"),
    "resources_yuan": ("链接资源价值", "元"),
}


def figures_table(figures: dict) -> str:
    if not figures:
        return ""
    rows = [f"| {FIGURE_LABELS[k][0]} | {inline(number(v))} {FIGURE_LABELS[k][1]} |" for k, v in figures.items()]
    return "\n".join(["| 片区数据 | 数值 |", "|---|--:|"] + rows)


def feedback_round(record: StationRecord) -> str:
    round_ = record.content["report"]["feedback_round"]
    answers = "".join(
        f"<li>{narrative_html(round_[key], lead=label)}</li>" for key, label in (("on_site", "现场反馈："), ("draft", "对评估报告初稿的反馈："))
    )
    return "\n\n".join(p for p in ["## 三、评估反馈", narrative(round_.get("introduction")), f'<ol class="feedback-round">{answers}</ol>'] if p)


def fired_outcomes(result: Result) -> str:
    """“整改不到位” when every veto takes the 否决等级; else each with its outcome: “台账不全”（等级最高评为合格）."""
    fired = [veto for veto in result.vetoes if veto.status == FIRED]
    explicit = {veto.name for veto in result.ruleset.vetoes if veto.outcome is not None}
    if not explicit & {veto.name for veto in fired}:
        return f"“{inline('、'.join(result.fired))}”"
    return "、".join(f"“{inline(veto.name)}”（{inline(veto.outcome)}）" for veto in fired)


def grade_section(record: StationRecord, result: Result) -> str:
    rules = result.ruleset
    score_steps = [s for s in result.steps if not s.subject.startswith("否决")]
    veto_steps = [s for s in result.steps if s.subject.startswith("否决") or s.subject == "最终等级"]
    grade = f"“{inline(result.grade)}”" if result.grade else NOT_GRADED
    statement = f"经过评估，{inline(record.station['short_name'])}本次{inline(record.stage)}评估的等级为{grade}（{plain(result.total)}分）。"
    if result.fired:
        statement += f"按分数为“{inline(result.score_grade)}”，因一票否决情形{fired_outcomes(result)}，等级确定为{grade}。"
    unchecked = (
        (
            f'\n\n!!! warning "{NOT_CHECKED}"\n'
            f"    报告未载明以下否决事实，本页显示为“{NOT_CHECKED}”，没有当作“{NOT_FIRED}”：{inline('、'.join(result.unchecked))}。"
        )
        if result.unchecked
        else ""
    )
    return "\n\n".join(
        [
            "## 四、评估等级",
            weights_and_bands(rules),
            statement,
            "以下是详细的评分情况：",
            score_chart(result),
            score_table_html(result, record.table_label),
            trace(score_steps, "计算过程：评分与等级"),
            "### 一票否决核查",
            veto_checklist(result) + unchecked,
            trace(veto_steps, "计算过程：一票否决"),
        ]
    )


def provenance_note(record: StationRecord, result: Result, provenance: Provenance, version_note: tuple[str, ...] = ()) -> str:
    """Where this page comes from, so anyone can check it against the repository; then why this version of the rules."""
    url = provenance.source_url(record.path)
    source = link(code(record.path), url) if url else code(record.path)
    change = provenance.last_changes.get(record.path)
    changed = f"，最后修改于 {change.date}（提交 `{change.commit[:12]}`）" if change else ""
    return (
        f'!!! info "数据来源"\n    评估记录 {source}{changed}；规则 {code(result.ruleset.path)}'
        f"（{inline(result.ruleset.title)}，版本 {inline(result.ruleset.version)}）；本页由 {BUILT_FROM_MARKER} 生成。"
    ) + "".join(f"\n\n    {inline(sentence)}" for sentence in version_note)
