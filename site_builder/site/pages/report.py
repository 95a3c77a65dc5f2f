"""One evaluation report page, following the structure of the official report section by section."""

from __future__ import annotations

import re
from decimal import Decimal

from ...language.evaluate import FIRED, NOT_CHECKED, NOT_FIRED, Result, completion_rate
from ...language.formatting import percent_figure, plain
from ...language.ruleset import NOT_GRADED, RuleSet
from ...records.narrative import without_comments
from ...records.record import SUPERVISION_TITLE, StationRecord
from ..open_data import report_downloads
from ..provenance import BUILT_FROM_MARKER, Provenance
from . import urls
from .charts import contract_elapsed, history_chart, indicator_chart, score_chart
from .comparison import Comparisons, comparison_section
from .downloads import PDF, WORD
from .explain import (
    chinese_number,
    report_title,
    result_explanation,
    rule_figures,
    score_table_html,
    stage_title,
    trace,
    veto_checklist,
    veto_conditions,
    weights_and_bands,
)
from .listings import verdict_span
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
    background_text, grade_text = standing_parts(standing_text)
    parts = [
        title_block(record, result, src),
        narrative(record.content["report"].get("introduction")),
        background(record, result.ruleset, background_text),
        summary(record, result),
        feedback_round(record),
        grade_section(record, result, grade_text),
        f"## {CHAPTERS['conclusion']}\n\n{narrative(record.content['report']['conclusion'])}",
        transcription_note(record),
        site_findings(record, result, provenance, comparisons, history, version_note),
    ]
    return "\n\n".join(p for p in parts if p) + "\n"


# The site's own checks and notes, after the official text and left out of print and PDF (print.css hides this
# heading and everything after it): the printed report is the official report.
SITE_SECTION = "网站核对与说明"


def site_findings(
    record: StationRecord,
    result: Result,
    provenance: Provenance,
    comparisons: Comparisons | None,
    history: list | None,
    version_note: tuple[str, ...],
) -> str:
    """What the site computes or checks beyond the official report, worded as facts about the report."""
    score_steps = [s for s in result.steps if not s.subject.startswith("否决")]
    veto_steps = [s for s in result.steps if s.subject.startswith("否决") or s.subject == "最终等级"]
    parts = [
        f"## {SITE_SECTION}",
        '<p class="site-findings-note">本节是本网站对上述报告的核对与说明，不是评估报告的内容；打印与 PDF 不含本节。</p>',
        history_chart(history, record.key) if history else "",
        comparison_section(record, result, comparisons),
        veto_findings(result, record.stage),
        trace(score_steps, "计算过程：评分与等级"),
        trace(veto_steps, "计算过程：一票否决"),
        provenance_note(record, result, provenance, version_note),
        report_downloads(record),
    ]
    return "\n\n".join(p for p in parts if p)


def veto_findings(result: Result, stage: str) -> str:
    """The site's check of every veto against what the report states; a fact the report does not state is 未核查."""
    if not result.vetoes:
        return ""
    unchecked = (
        f"原报告未载明以下否决事实，本站记为“{NOT_CHECKED}”，没有当作“{NOT_FIRED}”：{inline('、'.join(result.unchecked))}。"
        if result.unchecked
        else ""
    )
    return "\n\n".join(
        p
        for p in [
            "### 一票否决核查",
            "下表按规则文件逐项核对原报告载明的事实；“未核查”指原报告未载明该事实，不是评估人员未做检查。",
            veto_checklist(result),
            unchecked,
            veto_conditions(result.ruleset, stage),
        ]
        if p
    )


def transcription_note(record: StationRecord) -> str:
    """转录说明: each obvious slip of the source that the page corrects, as the record lists it (visible, and printed)."""
    notes = record.content.get("transcription_notes", [])
    if not notes:
        return ""
    items = "".join(f"<li>{narrative_html(note)}</li>" for note in notes)
    return f'<div class="transcription-note"><p><strong>转录说明</strong></p><ul>{items}</ul></div>'


def title_block(record: StationRecord, result: Result, src: str) -> str:
    evaluation, station = record.evaluation, record.station
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
        f'# {inline(report_title(record))}\n\n<p class="report-period">{period}</p>\n\n'
        f'<div class="result-card" role="group" aria-label="评估结果">'
        f"<span>总分 <strong data-total>{plain(result.total)}</strong></span>"
        f"<span>等级 <strong data-grade>{escaped(grade)}</strong></span>{verdict_span(result)}"
        f"<span>{escaped(stage_title(record.stage))} · {chinese_date(evaluation['visit_date'])}</span></div>\n\n{links}{PDF.marker}{WORD.marker}"
    )


# In a rule set's standing text, a level-2 heading “## 评估等级” starts the paragraph that 四、评估等级 states.
GRADE_PART = re.compile(r"^##[ \t]+评估等级[ \t]*$", re.M)


def standing_parts(standing_text: str | None) -> tuple[str | None, str | None]:
    """The standing text for 一 (评估依据 … 评估结果说明) and the paragraph for 四, each None when it has none."""
    if not standing_text:
        return None, None
    text = without_comments(standing_text)
    found = GRADE_PART.search(text)
    if not found:
        return text, None
    return text[: found.start()], text[found.end() :]


def fill_standing(template: str, record: StationRecord, rules: RuleSet) -> str:
    """The rule set's standing text with this record's names and the rule set's figures (rule_figures) in its
    placeholders; only these placeholders exist."""
    return standing(template, standing_values(record, rules))


def standing_values(record: StationRecord, rules: RuleSet) -> dict[str, str]:
    """What the standing text's placeholders stand for in this record's report (the page and the Word export)."""
    station, evaluation = record.station, record.evaluation
    # What a record leaves out is named by its role, not by Guangzhou's offices (区民政部门): any regime's text reads.
    values = {
        "站点全称": station["name"],
        "站点简称": station["short_name"],
        "阶段": record.stage,
        "评估阶段": stage_title(record.stage),
        "组织评估的部门": evaluation.get("commissioned_by", "主管部门"),
        "评估机构": evaluation.get("evaluator", {}).get("organisation", "评估机构"),
        "购买方": evaluation.get("purchaser", station["street"]),
    }
    return values | rule_figures(rules)


# A standing text that words 评估结果说明 itself (its figures as placeholders) replaces the generated one.
EXPLAINED = re.compile(r"^#{1,6}[ \t].*评估结果说明[ \t]*$", re.M)


# Around the rule set's standing text (and 评估结果说明): invisible, so that the search index takes these words once per
# rule set instead of once per report (site/search_index.py). Comments pass through Markdown as they are.
STANDING_START = "<!-- standing-text -->"
STANDING_END = "<!-- /standing-text -->"


def background(record: StationRecord, rules: RuleSet, standing_text: str | None) -> str:
    report = record.content["report"]
    parts = [f"## {background_heading(record.stage)}", narrative(report["background"]), STANDING_START]
    if standing_text and standing_text.strip():
        parts.append(fill_standing(standing_text, record, rules))
    if not (standing_text and EXPLAINED.search(standing_text)):
        number = chinese_number(len(re.findall(r"^###[ \t]", standing_text or "", re.M)) + 1)
        parts += [f"### （{number}）评估结果说明", result_explanation(rules, record.stage)]
    return "\n\n".join([*parts, STANDING_END])


def summary(record: StationRecord, result: Result) -> str:
    """二、评估总结: the sections the record holds, numbered in order (a regime without sub-district scoring or without
    a supervision centre has no such section)."""
    report = record.content["report"]
    bodies = {
        "basic_situation": [narrative(report["basic_situation"]), station_facts(record)],
        "progress": [narrative(report["progress"]), indicator_table(record, result), progress_chart(record, result)],
        "operations": [findings(report["operations"])],
        "outcomes": [findings(report["outcomes"]), people_tables(record)],
        "sub_districts": [sub_district_sections(record)],
        "purchaser_feedback": [findings(report.get("purchaser_feedback", {}))],
        "supervision_feedback": [findings(report.get("supervision_feedback", {}))],
    }
    sections = [(heading, bodies[key]) for key, heading in summary_headings(record)]
    present = [(heading, [part for part in parts if part]) for heading, parts in sections if any(parts)]
    lines = [f"## {CHAPTERS['summary']}"]
    for index, (heading, shown) in enumerate(present, 1):
        lines += [f"### （{chinese_number(index)}）{inline(heading)}", *shown]
    return "\n\n".join(lines)


# The official report's chapter headings after 一 (whose title names the stage: background_heading).
CHAPTERS = {"summary": "二、评估总结", "feedback": "三、评估反馈", "grade": "四、评估等级", "conclusion": "五、结语"}


def background_heading(stage: str, quote=inline) -> str:
    """一's heading names the stage as the report does: 一、中期评估背景."""
    return f"一、{quote(stage_title(stage))}背景"


def summary_headings(record: StationRecord) -> list[tuple[str, str]]:
    """二's sections as (report key, heading), in the official report's order; the supervision centre's section is
    titled as the record titles it."""
    supervision = record.content["report"].get("supervision_feedback", {}).get("title", SUPERVISION_TITLE)
    return [
        ("basic_situation", "社工站基本情况"),
        ("progress", "各项目服务进度情况"),
        ("operations", "项目运营管理"),
        ("outcomes", "服务成效和服务监测情况"),
        ("sub_districts", "服务质量情况"),
        ("purchaser_feedback", "购买方反馈情况"),
        ("supervision_feedback", supervision),
    ]


def progress_chart(record: StationRecord, result: Result) -> str:
    return indicator_chart(record.content.get("indicators", []), result.ruleset, contract_elapsed(record.evaluation))


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
        rows.append(("评估期限内服务经费", money(evaluation["funding_yuan"])))
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


def money(yuan) -> str:
    """An amount as reports write it: whole ten-thousands in 万元 (2400000 → 240万元), anything else in 元."""
    if yuan and yuan % 10000 == 0:
        return f"{number(Decimal(yuan) / 10000)}万元"
    return f"{number(yuan)}元"


def indicator_table(record: StationRecord, result: Result) -> str:
    """The progress figures; a column empty on every row (no 协议指标量 stated, say) is left out."""
    indicators = record.content.get("indicators", [])
    if not indicators:
        return ""
    columns = ["服务", "指标", "实际完成", "协议指标量", "完成率（报告）", "完成率（按规则计算）"]
    rows = [indicator_cells(indicator, result) for indicator in indicators]
    kept = [i for i in range(len(columns)) if any(row[i] for row in rows)]
    align = ["---", "---", "--:", "--:", "--:", "--:"]
    lines = ["| " + " | ".join(columns[i] for i in kept) + " |", "|" + "|".join(align[i] for i in kept) + "|"]
    lines += ["| " + " | ".join(row[i] for i in kept) + " |" for row in rows]
    return "\n".join(lines)


def indicator_cells(indicator: dict, result: Result) -> list[str]:
    actual = f"{number(indicator['actual'])} {indicator['unit']}"
    target, computed = "", ""
    if "target" in indicator:
        target = inline(f"{number(indicator['target'])} {indicator['unit']}")
        rate = completion_rate(result.ruleset, indicator["actual"], indicator["target"])
        computed = percent_figure(rate) if rate is not None else ""
    stated = indicator.get("stated_percent", "")
    return [inline(indicator.get("group", "")), inline(indicator["name"]), inline(actual), target, inline(stated) if stated else "", computed]


def people_tables(record: StationRecord) -> str:
    """The satisfaction survey and community building figures of 二（四）, with the source's own labels."""
    rows = []
    survey = record.content.get("satisfaction", {})
    if "surveyed" in survey:
        rows.append(("接受满意度调查", f"{survey['surveyed']}人"))
    if "satisfied" in survey:
        rows.append((f"满意度{survey.get('satisfied_threshold', '')}以上", f"{survey['satisfied']}人"))
    labels = {
        "community_organisations": ("社区社会组织", "个"),
        "volunteer_teams": ("志愿者队伍", "支"),
        "volunteer_leaders": ("志愿者骨干", "名"),
        "volunteers": ("志愿者", "名"),
        "active_volunteer_teams": ("活跃志愿者队伍", "支"),
    }
    building = record.content.get("community_building", {})
    rows += [(labels[key][0], f"{value}{labels[key][1]}") for key, value in building.items()]
    if not rows:
        return ""
    return "\n".join(["| 服务评价与社区培育 | 数量 |", "|---|--:|"] + [f"| {inline(k)} | {inline(v)} |" for k, v in rows])


# A findings section's two numbered parts, under the section's introduction; each part's items are numbered （1）（2）….
FINDING_PARTS = (("positives", "1. 值得肯定的地方"), ("concerns", "2. 需要关注的地方"))


def findings(section: dict, level: str = "####") -> str:
    parts = [narrative(section.get("intro"))]
    for key, heading in FINDING_PARTS:
        if key in section:
            parts += [f"{level} {heading}", narrative(section.get(f"{key}_intro")), numbered(section[key])]
    return "\n\n".join(p for p in parts if p)


def sub_district_sections(record: StationRecord) -> str:
    declared = {s["id"]: s for s in record.station.get("sub_districts", [])}
    parts = []
    for section in record.content["report"].get("sub_districts", []):
        sub_district = declared[section["sub_district"]]
        communities = "、".join(sub_district.get("communities", []))
        name = sub_district.get("name", sub_district["id"])
        parts += [
            f"#### {inline(name)}：{inline(communities)}" if communities else f"#### {inline(name)}",
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


# 三's two answers, numbered 1. and 2. in the official report.
FEEDBACK_LABELS = (("on_site", "现场反馈："), ("draft", "对评估报告初稿的反馈："))


def feedback_round(record: StationRecord) -> str:
    round_ = record.content["report"]["feedback_round"]
    answers = "".join(f"<li>{narrative_html(round_[key], lead=label)}</li>" for key, label in FEEDBACK_LABELS)
    return "\n\n".join(
        p for p in [f"## {CHAPTERS['feedback']}", narrative(round_.get("introduction")), f'<ol class="feedback-round">{answers}</ol>'] if p
    )


def fired_outcomes(result: Result, quote=inline) -> str:
    """“整改不到位” when every veto takes the 否决等级; else each with its outcome: “台账不全”（等级最高评为合格）.
    quote makes record and rule text safe where it lands (inline for the page; str for a Word document)."""
    fired = [veto for veto in result.vetoes if veto.status == FIRED]
    explicit = {veto.name for veto in result.ruleset.vetoes if veto.outcome is not None}
    if not explicit & {veto.name for veto in fired}:
        return f"“{quote('、'.join(result.fired))}”"
    return "、".join(f"“{quote(veto.name)}”（{quote(veto.outcome)}）" for veto in fired)


def grade_statement(record: StationRecord, result: Result, quote=inline) -> str:
    """四's statement of the grade: 经过评估，…本次中期评估的等级为“良好”（89.76分）。, and the veto that set it."""
    grade = f"“{quote(result.grade)}”" if result.grade else NOT_GRADED
    statement = f"经过评估，{quote(record.station['short_name'])}本次{quote(stage_title(record.stage))}的等级为{grade}（{plain(result.total)}分）。"
    if result.fired:
        statement += f"按分数为“{quote(result.score_grade)}”，因一票否决情形{fired_outcomes(result, quote)}，等级确定为{grade}。"
    return statement


TABLE_LEAD = "以下是详细的评分情况："


def grade_section(record: StationRecord, result: Result, grade_text: str | None) -> str:
    """四、评估等级: the rule set's own paragraph (its figures filled from the rules) or one generated from the rules,
    the statement of the grade, and the score table."""
    rules = result.ruleset
    statement = grade_statement(record, result)
    paragraph = fill_standing(grade_text, record, rules) if grade_text and grade_text.strip() else weights_and_bands(rules)
    return "\n\n".join(
        [f"## {CHAPTERS['grade']}", paragraph, statement, TABLE_LEAD, score_chart(result), score_table_html(result, record.table_label)]
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
