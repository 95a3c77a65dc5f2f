"""The parts of a report that are generated from the rule file, so the page can never disagree with it."""

from __future__ import annotations

from dataclasses import replace

from ...language import ast
from ...language.evaluate import FIRED, NOT_CHECKED, NOT_FIRED, Result, Step, named_value, render
from ...language.formatting import citation_text, percent, plain, rounding_words
from ...language.ruleset import DEFAULT_SCALE, RuleSet, VetoEffect, wording
from ...language.score_rows import SCORE_COLUMNS, TOTAL_LABEL, ScoreRow, score_rows, total_note
from ...records.record import StationRecord
from .text import code, escaped, inline

CHINESE_DIGITS = "零一二三四五六七八九"


def stage_title(stage: str) -> str:
    """A stage as a report names it: 中期 → 中期评估; 抽查评估 and 绩效评价 already say so and stay as they are."""
    return stage if stage.endswith(("评估", "评价")) else f"{stage}评估"


def report_title(record: StationRecord) -> str:
    """A report's title: the one its record gives, else the station's name and the stage as a report names it."""
    return record.evaluation.get("title") or f"{record.station['name']}{stage_title(record.stage)}报告"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一: enough for any list of vetoes."""
    if n < 10:
        return CHINESE_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CHINESE_DIGITS[tens]) + "十" + (CHINESE_DIGITS[ones] if ones else "")


def count_word(n: int) -> str:
    """A count before a measure word, as Chinese says it: 两方 (not 二方), 四方, 十二方."""
    return "两" if n == 2 else chinese_number(n)


def band_words(band: ast.Band) -> str:
    """A band as the regulation words it: 90分及以上, 80分至90分（不含90分）, 60分以下（不含60分）; bands on another
    number than the total name it first (综合得分90分及以上)."""
    graded = "" if band.graded == "总分" else band.graded
    return graded + band_range_words(band)


def band_range_words(band: ast.Band) -> str:
    lower, upper = band.lower, band.upper
    if lower and upper:
        notes = [] if lower.inclusive else [f"不含{plain(lower.value)}分"]
        notes += [f"{'含' if upper.inclusive else '不含'}{plain(upper.value)}分"]
        return f"{plain(lower.value)}分至{plain(upper.value)}分（{'，'.join(notes)}）"
    if lower:
        return f"{plain(lower.value)}分{'及以上' if lower.inclusive else '以上（不含' + plain(lower.value) + '分）'}"
    assert upper is not None  # the grammar gives every band a bound: here, only the upper one
    return f"{plain(upper.value)}分{'及以下' if upper.inclusive else '以下（不含' + plain(upper.value) + '分）'}"


def total_is_plain(rules: RuleSet) -> bool:
    """A total as the first edition knew it: the items' sum on 100 points, no 加分/扣分 (its pages stay as they were)."""
    return rules.scale == DEFAULT_SCALE and not rules.adjustments


def total_words(rules: RuleSet) -> str:
    """How the total is made, in words (one sentence, its full stop left to the caller): its 满分, the adjustments,
    the clamp, and the rounding before grading."""
    scale = plain(rules.scale)
    kinds = [
        words
        for words, present in (("加上加分", any(a.bonus for a in rules.adjustments)), ("减去扣分", any(not a.bonus for a in rules.adjustments)))
        if present
    ]
    made = "，".join(["为各评分项折算分之和", *kinds])
    said = f"总分满分 {scale} 分，{made}，不低于 0 分、不高于 {scale} 分"
    rounding = rules.total.rounding if rules.total else None
    graded_on_total = rules.bands[0].graded == "总分"
    if rounding is not None:
        after = "取整后" if rounding.places == 0 else "保留后"
        return said + f"；先合计，再{rounding_words(rounding)}" + (f"，按{after}的总分评定等级" if graded_on_total else "")
    return said + "；总分不取整" + ("，按算得的总分评定等级" if graded_on_total else "")


def literal_text(literal) -> str:
    """A parameter value as the rule file wrote it: 5, 80%, 是."""
    if literal is None:
        return ""
    return literal.text if isinstance(literal, ast.Number) else wording(literal.value)


def parameter_values(rules: RuleSet, stage: str) -> dict[str, str]:
    """Each parameter's value at this stage, as the rule file writes it (percentages as percentages)."""
    return {
        name: literal_text(parameter.value or next(s.value for s in parameter.staged if s.stage.name == stage))
        for name, parameter in rules.parameters.items()
    }


def veto_condition(veto: ast.Veto, rules: RuleSet, stage: str) -> str:
    if isinstance(veto.condition, ast.Name):  # a yes/no fact on its own reads better spelt out
        return f"{veto.condition.name} = 是"
    return render(veto.condition, parameter_values(rules, stage))


# A condition that a stage's yes/no parameters settle, in words instead of a formula such as (否 且 社工缺少人次 >= 0).
SETTLED_WORDS = {False: "本阶段不判定此项", True: "本阶段一律成立"}


def stage_condition(veto: ast.Veto, rules: RuleSet, stage: str) -> str:
    """The condition at one stage, for the page: in words when the stage's yes/no parameters settle it, else the
    formula with the stage's thresholds put in (code type)."""
    settled = folded(veto.condition, yes_no_parameters(rules, stage))
    if isinstance(settled, bool):
        return inline(SETTLED_WORDS[settled])
    return code(veto_condition(replace(veto, condition=settled), rules, stage))


def yes_no_parameters(rules: RuleSet, stage: str) -> dict[str, bool]:
    """The parameters that are 是 or 否 at this stage (a by-stage switch such as 抽查评估 否、终期评估 是)."""
    values = {name: p.value or next((s.value for s in p.staged if s.stage.name == stage), None) for name, p in rules.parameters.items()}
    return {name: value.value for name, value in values.items() if isinstance(value, ast.Boolean)}


def folded(expr: ast.Expr, known: dict[str, bool]) -> ast.Expr | bool:
    """expr with the known yes/no names put in and 且/或/非/如果 worked out where that settles them: True or False when
    the whole expression is settled; otherwise what is left to decide (the seed's conditions come back as written)."""
    if isinstance(expr, ast.Name) and expr.name in known:
        return known[expr.name]
    if isinstance(expr, ast.Not):
        operand = folded(expr.operand, known)
        return (not operand) if isinstance(operand, bool) else replace(expr, operand=operand)
    if isinstance(expr, ast.Logical):
        left, right, decisive = folded(expr.left, known), folded(expr.right, known), expr.op == "或"
        if left is decisive or right is decisive:
            return decisive
        if isinstance(left, bool) or isinstance(right, bool):  # the other side is all that is left to decide
            return right if isinstance(left, bool) else left
        return replace(expr, left=left, right=right)
    if isinstance(expr, ast.If):
        condition = folded(expr.condition, known)
        if isinstance(condition, bool):
            return folded(expr.then if condition else expr.otherwise, known)
    return expr


def weights_and_bands(rules: RuleSet) -> str:
    """How the total is made up and how it maps to a grade, worded as the regulation words it (for a rule set whose
    standing text does not state it in its own words)."""
    bands = "，".join(f"{band_words(band)}为{inline(band.name)}" for band in rules.bands)
    names = "、".join(inline(band.name) for band in rules.bands)
    total = "" if total_is_plain(rules) else total_words(rules) + "。"
    return f"{parties_sentence(rules)}{total}评估等级分为{names}{chinese_number(len(rules.bands))}个等级，{bands}。"


def parties_sentence(rules: RuleSet) -> str:
    """由四方评估分数的总和确定。其中，…占比55%… ; with one party there is no sum and no share to state."""
    parties = list(rules.parties.values())
    if len(parties) == 1:
        return f"评估分值由{inline(parties[0].label or parties[0].name)}评估确定。"
    shares = "、".join(f"{inline(party.label or party.name)}评估分值占比{percent(party.weight)}" for party in parties)
    return f"评估分值由{count_word(len(parties))}方评估分数的总和确定。其中，{shares}。"


def rule_figures(rules: RuleSet) -> dict[str, str]:
    """The figures a rule set's standing text may quote, by placeholder name, in the words the regulation uses:
    {满分} 100, {评估方数} 四, {权重:第三方} 55 (its text writes the ％ it uses), {下限:良好} 80 and {上限:良好} 90,
    {否决等级} 不合格, {参数:人员费用支出比例下限} 80% and {参数:社工缺少人次上限:中期} 5 (as the rule file writes them)."""
    figures = {"满分": plain(rules.scale), "评估方数": count_word(len(rules.parties)), "否决等级": rules.veto_grade or ""}
    figures |= {f"权重:{name}": plain((party.weight * 100).normalize()) for name, party in rules.parties.items()}
    for band in rules.bands:
        figures |= {f"{side}:{band.name}": plain(bound.value) for side, bound in (("下限", band.lower), ("上限", band.upper)) if bound}
    for name, parameter in rules.parameters.items():
        if parameter.value is not None:
            figures[f"参数:{name}"] = literal_text(parameter.value)
        figures |= {f"参数:{name}:{staged.stage.name}": literal_text(staged.value) for staged in parameter.staged}
    return figures


def result_explanation(rules: RuleSet, stage: str) -> str:
    """一（五）评估结果说明, generated from the parties, bands and vetoes of the rule file."""
    text = weights_and_bands(rules)
    numbered = list(enumerate(rules.vetoes, 1))
    groups = "\n\n".join(
        f"评估中若发现有下列情形之一的，{outcome_sentence(effect, grade)}：\n\n"
        + "\n".join(veto_line(index, veto) for index, veto in numbered if veto_outcome(veto, rules) == (effect, grade))
        for effect, grade in dict.fromkeys(veto_outcome(veto, rules) for veto in rules.vetoes)
    )
    return text + groups


def veto_outcome(veto: ast.Veto, rules: RuleSet) -> tuple[VetoEffect, str]:
    """What a veto does when it holds: its own 评为/最高, else the rule set's 否决等级."""
    return (veto.outcome.effect, veto.outcome.grade.name) if veto.outcome else (VetoEffect.FORCE, rules.veto_grade or "")


def outcome_sentence(effect: VetoEffect, grade: str) -> str:
    """评估结果也确定为不合格 (as the regulation words a forcing veto), 等级最高评为合格 (a cap)."""
    return f"评估结果也确定为{inline(grade)}" if effect is VetoEffect.FORCE else f"等级最高评为{inline(grade)}"


def veto_line(index: int, veto: ast.Veto) -> str:
    """A veto as the regulation lists it: （二）社工人员配备不足的; its condition is the site's to show (veto_conditions)."""
    return f"（{chinese_number(index)}）{inline(veto.label or veto.name)}  "


def veto_conditions(rules: RuleSet, stage: str) -> str:
    """Each veto's condition as the rule file decides it, with this rule set's thresholds: where a threshold differs
    by stage, every stage, the record's own marked."""
    lines = ["| 情形 | 判定条件（规则文件） |", "|---|---|"]
    for veto in rules.vetoes:
        by_stage = {s: stage_condition(veto, rules, s) for s in rules.stages}
        if len(set(by_stage.values())) == 1:
            condition = by_stage[stage]
        else:
            condition = "；".join(f"{inline(stage_title(s))} {c}" + ("（本次）" if s == stage else "") for s, c in by_stage.items())
        lines.append(f"| {inline(veto.label or veto.name)} | {condition} |")
    return "\n".join(lines)


def score_table_html(result: Result, table_label) -> str:
    """The detailed score table as the seed lays it out, sub-district rows merged into one converted score."""
    rows = [score_row_html(row) for row in score_rows(result, table_label)]
    total = TOTAL_LABEL + score_note_html(total_note(result))
    rows.append(f'<tr class="total"><th scope="row">{total}</th><td></td><td></td><td data-total>{plain(result.total)}</td></tr>')
    header = "".join(f'<th scope="col">{column}</th>' for column in SCORE_COLUMNS)
    # Material styles only tables without a class, so the class sits on a wrapper.
    return (
        '<div class="score-table" markdown="0"><table>\n<caption>详细评分情况</caption>\n'
        f"<thead><tr>{header}</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table></div>"
    )


def score_row_html(row: ScoreRow) -> str:
    """A row of the score table; the first of an item's sub-district rows carries the converted score for all of them."""
    if row.sub_district is None:
        label, converted = escaped(row.label), f"<td>{row.converted_text}</td>"
    else:
        label = f"{escaped(row.label)}（{escaped(row.sub_district)}）"
        converted = f'<td rowspan="{row.merged_rows}">{row.converted_text}</td>' if row.merged_rows else ""
    label += score_note_html(row.note)
    return f'<tr><th scope="row">{label}</th><td>{row.maximum_text}</td><td>{plain(row.score)}</td>{converted}</tr>'


def score_note_html(note: str) -> str:
    """A row's note (由规则计算, a clamp, the total's rounding) under its label; nothing when there is none."""
    return f'<br><span class="score-note">（{escaped(note)}）</span>' if note else ""


VERDICT_MARKS = {FIRED: f"**{FIRED}**", NOT_CHECKED: f"*{NOT_CHECKED}*", NOT_FIRED: str(NOT_FIRED)}


def veto_checklist(result: Result) -> str:
    """Every veto condition, the facts it read, and whether it fired."""
    lines = ["| 情形 | 依据 | 读取的事实 | 结果 |", "|---|---|---|---|"]
    for veto in result.vetoes:
        citation = citation_text(veto.citation) if veto.citation else ""
        facts = "；".join(f"{name}：{named_value(result.ruleset, name, value, result.stage)}" for name, value in veto.facts_read.items())
        verdict = VERDICT_MARKS[veto.status]
        lines.append(f"| {inline(veto.label)} | {inline(citation)} | {inline(facts)} | {verdict} |")
    return "\n".join(lines)


def trace(steps: list[Step], title: str) -> str:
    """A collapsible 计算过程 block: each figure's formula with values, its rule line and citation."""
    lines = [f'??? note "{title}"', ""]
    for step in steps:
        where = f"{inline(step.pos.file)} 第 {step.pos.line} 行" if step.pos else ""
        where += "".join(f"、第 {pos.line} 行" for pos in step.also)  # a veto's outcome line (否决等级 不合格)
        cited = f"，依据【{inline(citation_text(step.citation))}】" if step.citation else ""
        lines.append(f"    - **{inline(step.subject)}**：{inline(step.formula)}（{where}{cited}）")
    return "\n".join(lines)
