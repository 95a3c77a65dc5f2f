"""A rule set's page: its weights, items, bands, parameters and vetoes, readably, and its highlighted source."""

from __future__ import annotations

from pygments import highlight
from pygments.formatters import HtmlFormatter

from ...language import ast
from ...language.evaluate import render
from ...language.formatting import citation_text, effective_period, percent, plain, rounding_words
from ...language.highlight import RuleLanguageLexer
from ...language.ruleset import RuleSet, VetoEffect, outcome_words
from . import urls
from .changes import changes
from .explain import band_words, literal_text, total_is_plain, total_words
from .text import code, inline, link


def citation_cell(citation: ast.Citation | None) -> str:
    return inline(citation_text(citation)) if citation else ""


def cited_after(citation: ast.Citation | None) -> str:
    """（办法 第八条） after a statement, or nothing: a rule without a citation gets no empty brackets."""
    return f"（{citation_cell(citation)}）" if citation else ""


def ruleset_page(rules: RuleSet, versions: list[RuleSet]) -> str:
    current = urls.ruleset(rules)
    effective = f"{rules.effective.start} 起" + (f"，至 {rules.effective.end} 止" if rules.effective.end else "")
    if rules.transition is not None:  # 过渡 至 日期: see records/project.py transition_keeping
        effective += f"（过渡：{rules.transition.until} 及以前的评估，记录写明理由的，可沿用上一版本）"
    parts = [
        f"# {inline(rules.title)}（{inline(rules.version)}）",
        f"规则集编号：{code(rules.id)} · 版本：{inline(rules.version)} · 生效：{effective} · 评估阶段：{inline('、'.join(rules.stages))} · "
        f"规则文件：{code(rules.path)}",
        "## 依据文件",
        "\n".join(f"- {inline(d.alias)}：{inline(d.title)}" for d in rules.documents.values()),
        "## 评估方与评分项",
        items_table(rules),
        *definitions_section(rules),
        *adjustments_section(rules),
        *total_section(rules),
        "## 评估等级",
        "\n".join(f"- {band_words(b)}：**{inline(b.name)}**{cited_after(b.citation)}" for b in rules.bands),
        *vetoes_section(rules),
        "## 参数",
        parameters_table(rules),
        "## 版本",
        versions_list(rules, versions, current),
        "## 规则原文",
        highlighted_source(rules.source.source),
    ]
    return "\n\n".join(parts) + "\n"


def items_table(rules: RuleSet) -> str:
    lines = ["| 评估方 | 权重 | 评分项 | 满分 | 计分方式 | 依据 |", "|---|--:|---|--:|---|---|"]
    for party in rules.parties.values():
        for item in (i for i in rules.items.values() if i.party.name == party.name):
            how = "按百分制折算" if party.scaled else "直接计入"
            if item.aggregate:
                rounding = f"，保留 {item.aggregate.rounding.places} 位" if item.aggregate.rounding else ""
                how += f"；各片区取{inline(item.aggregate.written.name)}{rounding}"
            if item.formula is not None:
                how += f"；由规则按公式计算：{formula_code(rules, item.formula)}" + (f"，{rounding_words(item.rounding)}" if item.rounding else "")
            lines.append(
                f"| {inline(party.label or party.name)} | {percent(party.weight)} | {inline(item.label or item.name)} | "
                f"{plain(item.maximum)} | {how} | {citation_cell(item.citation)} |"
            )
    return "\n".join(lines)


def formula_code(rules: RuleSet, expr: ast.Expr) -> str:
    """A formula as the rule file writes it (200 × 个案完成比例), in code type."""
    return code(rules.source.written(expr.pos))


def definitions_section(rules: RuleSet) -> list[str]:
    """Each 定义 with its formula as written: the names other rules read."""
    if not rules.definitions:
        return []
    lines = [f"- {inline(d.name)} = {formula_code(rules, d.expr)}{cited_after(d.citation)}" for d in rules.definitions.values()]
    return ["## 定义", "\n".join(lines)]


def adjustments_section(rules: RuleSet) -> list[str]:
    """加分项 and 扣分项: how each is computed, its 上限, and how it enters the total (evaluate.Evaluation.adjustment)."""
    if not rules.adjustments:
        return []
    lines = ["| 类别 | 项目 | 计算 | 上限 | 依据 |", "|---|---|---|--:|---|"]
    for adjustment in rules.adjustments:
        kind = "加分" if adjustment.bonus else "扣分"
        cap = f"{plain(adjustment.cap.value)} 分" if adjustment.cap is not None else "不设上限"
        lines.append(
            f"| {kind} | {inline(adjustment.label or adjustment.name)} | {formula_code(rules, adjustment.expr)} | {cap} | "
            f"{citation_cell(adjustment.citation)} |"
        )
    note = "每项加分、扣分按公式算出后，先限定在 0 分到该项上限之间（不设上限的只限定不低于 0 分），再计入总分。"
    return ["## 加分与扣分", note, "\n".join(lines)]


def total_section(rules: RuleSet) -> list[str]:
    """The total in words (its 满分, the adjustments, the clamp, the rounding before grading), for a rule set whose
    total is more than the sum of its items on 100 points; the first edition's page is left as it was."""
    if total_is_plain(rules):
        return []
    return ["## 总分", total_words(rules) + cited_after(rules.total.citation if rules.total else None) + "。"]


def vetoes_section(rules: RuleSet) -> list[str]:
    """The veto section: none for a rule set without vetoes; the one outcome said once when every veto takes the
    否决等级; otherwise each veto's outcome in words, with the precedence."""
    if not rules.vetoes:
        return []
    if all(veto.outcome is None for veto in rules.vetoes):
        return ["## 一票否决", vetoes_table(rules)]
    return ["## 一票否决", outcomes_table(rules)]


def outcomes_table(rules: RuleSet) -> str:
    lines = [OUTCOME_PRECEDENCE, "", "| 情形 | 条件 | 结果 | 未核查时 | 依据 |", "|---|---|---|---|---|"]
    for veto in rules.vetoes:
        effect, grade = (veto.outcome.effect, veto.outcome.grade.name) if veto.outcome else (VetoEffect.FORCE, rules.veto_grade or "")
        lines.append(
            f"| {inline(veto.label or veto.name)} | {code(render(veto.condition))} | {inline(outcome_words(effect, grade))} | "
            f"{inline(veto.unchecked or rules.unchecked_default)} | {citation_cell(veto.citation)} |"
        )
    return "\n".join(lines)


# The precedence evaluate.decide applies, in the words of the rule-set page and docs/rule-language.md.
OUTCOME_PRECEDENCE = (
    "情形成立时按“结果”一栏评定等级：“评为”某一等级的情形优先于“等级最高评为”的情形；同时成立几个“评为”时取其中最低的等级；"
    "同时成立几个“等级最高评为”时取最低的上限；上限只降低按分数评定的等级，不会提高它。"
)


def vetoes_table(rules: RuleSet) -> str:
    lines = [f"任一情形成立时，等级为 **{inline(rules.veto_grade)}**。", "", "| 情形 | 条件 | 未核查时 | 依据 |", "|---|---|---|---|"]
    for veto in rules.vetoes:
        lines.append(
            f"| {inline(veto.label or veto.name)} | {code(render(veto.condition))} | "
            f"{inline(veto.unchecked or rules.unchecked_default)} | {citation_cell(veto.citation)} |"
        )
    return "\n".join(lines)


def parameters_table(rules: RuleSet) -> str:
    lines = ["| 参数 | " + " | ".join(inline(stage) for stage in rules.stages) + " | 依据 |", "|---|" + "--:|" * len(rules.stages) + "---|"]
    for parameter in rules.parameters.values():
        values = {s.stage.name: s.value for s in parameter.staged}
        shown = [literal_text(values.get(stage, parameter.value)) for stage in rules.stages]
        lines.append(f"| {inline(parameter.name)} | " + " | ".join(inline(value) for value in shown) + f" | {citation_cell(parameter.citation)} |")
    return "\n".join(lines)


def versions_list(rules: RuleSet, versions: list[RuleSet], current: str) -> str:
    """Every version of this rule set, oldest first, each with what changed from the one before."""
    lines, previous = [], None
    for other in sorted(versions, key=lambda r: r.effective.start):
        label = f"{inline(other.version)}（{effective_period(other.effective)}）"
        lines.append(f"- **{label}**（本页）" if other is rules else f"- {link(label, urls.relative(urls.ruleset(other), current))}")
        if previous is not None:
            lines += [f"    - {inline(change)}" for change in changes(previous, other)] or ["    - 与上一版本相比，计分规则没有变化。"]
        previous = other
    return "\n".join(lines)


def rules_index(rulesets: list[RuleSet]) -> str:
    lines = ["# 评估规则", "", "每份报告的评分、等级与一票否决结果都由下列规则文件计算。", "", "| 规则集 | 版本 | 生效 | 阶段 |", "|---|---|---|---|"]
    for rules in sorted(rulesets, key=lambda r: (r.id, r.effective.start)):
        lines.append(
            f"| {link(inline(rules.title), urls.relative(urls.ruleset(rules), 'rules/index.md'))} | {inline(rules.version)} | "
            f"{effective_period(rules.effective, open_end='至今')} | {inline('、'.join(rules.stages))} |"
        )
    return "\n".join(lines) + "\n"


def highlighted_source(source: str) -> str:
    """The rule file, highlighted, as one raw HTML block: a fenced code block could be closed by a line of the file."""
    html = highlight(source.rstrip(), RuleLanguageLexer(), HtmlFormatter(wrapcode=True))
    return html.replace("\n", "&#10;").join(('<div class="language-sgzrules">', "</div>"))
