"""A rule set's page: its weights, items, bands, parameters and vetoes, readably, and its highlighted source."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pygments import highlight
from pygments.formatters import HtmlFormatter

from ...language import ast
from ...language.formatting import citation_text, effective_period, percent, plain, rounding_words
from ...language.highlight import RuleLanguageLexer
from ...language.ruleset import Function, RuleSet, VetoEffect, outcome_words, wording
from . import urls
from .changes import changes
from .explain import SETTLED_WORDS, band_words, folded, literal_text, total_words, yes_no_parameters
from .text import code, inline, link


def citation_cell(citation: ast.Citation | None) -> str:
    return inline(citation_text(citation)) if citation else ""


def cited_after(citation: ast.Citation | None) -> str:
    """（办法 第八条） after a statement, or nothing: a rule without a citation gets no empty brackets."""
    return f"（{citation_cell(citation)}）" if citation else ""


# --- rules in words -------------------------------------------------------------------------------------------
# The page states every rule as a sentence; code operators (>=, <, 且) stay in the rule source under 规则原文.

COMPARED = {">=": ("达到", "或以上"), ">": ("超过", ""), "<=": ("不超过", ""), "<": ("低于", ""), "=": ("等于", ""), "!=": ("不等于", "")}
ARITHMETIC = {"+": "＋", "-": "−", "*": "×", "/": "÷"}
JOINED = {"且": "，并且", "或": "，或者"}
# A count's measure word, taken from the end of the fact's description (社工人员配备累计缺少的人次 → 人次), so that a
# threshold reads 5 人次; a description ending otherwise gets no unit.
UNIT = re.compile(r"(人次|次数|次|人数|人|起数|起|个数|个|户数|户|天数|天|万元|元)$")


def unit_of(expr: ast.Expr, rules: RuleSet) -> str:
    fact = rules.facts.get(expr.name) if isinstance(expr, ast.Name) else None
    found = UNIT.search(fact.label or "") if fact else None
    return found.group(1).removesuffix("数") if found else ""


@dataclass(frozen=True)
class Words:
    """An expression in words at one stage (its parameters' values there); stage None: a parameter that differs by stage
    is given with every stage's value."""

    rules: RuleSet
    stage: str | None = None

    def text(self, expr: ast.Expr, unit: str = "") -> str:
        if isinstance(expr, ast.Number):
            return expr.text + unit
        if isinstance(expr, ast.Boolean):
            return wording(expr.value)
        if isinstance(expr, ast.Name):
            return self.name(expr.name, unit)
        if isinstance(expr, ast.Negate):
            return "−" + self.text(expr.operand)
        if isinstance(expr, ast.Binary):
            return f"{self.operand(expr.left, expr.op)} {ARITHMETIC.get(expr.op, expr.op)} {self.operand(expr.right, expr.op)}"
        if isinstance(expr, ast.Compare):
            return self.compare(expr)
        if isinstance(expr, (ast.Logical, ast.Not)):
            return self.truth(expr)
        if isinstance(expr, ast.If):
            return f"如果{self.truth(expr.condition)}，为{self.text(expr.then)}，否则为{self.text(expr.otherwise)}"
        return self.call(expr)

    def operand(self, expr: ast.Expr, op: str) -> str:
        """A sum inside a product keeps its brackets: （a ＋ b） × 2."""
        shown = self.text(expr)
        return f"（{shown}）" if op in "*/" and isinstance(expr, ast.Binary) and expr.op in "+-" else shown

    def truth(self, expr: ast.Expr) -> str:
        """A condition: a yes/no fact on its own reads “…”为“是”; 且/或 join sentences; 非 negates one."""
        if isinstance(expr, ast.Name) and expr.name in self.rules.facts:
            return f"“{self.name(expr.name)}”为“{wording(True)}”"
        if isinstance(expr, ast.Not) and isinstance(expr.operand, ast.Name) and expr.operand.name in self.rules.facts:
            return f"“{self.name(expr.operand.name)}”为“{wording(False)}”"
        if isinstance(expr, ast.Not):
            return f"并非“{self.truth(expr.operand)}”"
        if isinstance(expr, ast.Logical):
            return self.truth(expr.left) + JOINED[expr.op] + self.truth(expr.right)
        if isinstance(expr, ast.Name) and expr.name in self.rules.definitions:
            return f"“{expr.name}”为“{wording(True)}”"
        return self.text(expr)

    def name(self, name: str, unit: str = "") -> str:
        rules = self.rules
        if name in rules.facts:
            fact = rules.facts[name]
            return fact.label or name
        if name in rules.items:
            item = rules.items[name]
            return f"评分项“{item.label or item.name}”的得分"
        if name in rules.parameters:
            return self.parameter(rules.parameters[name], unit)
        return name  # a 定义 (listed under 定义), 总分

    def parameter(self, parameter: ast.Parameter, unit: str) -> str:
        """A parameter by its value: 80%; at one stage its value there; across stages 中期 5 人次、末期 10 人次."""
        after = unit
        if parameter.value is not None:
            return literal_text(parameter.value) + after
        values = {s.stage.name: literal_text(s.value) for s in parameter.staged}
        if self.stage is not None:
            return values[self.stage] + after
        return "、".join(f"{stage} {value}{after}" for stage, value in values.items())

    def compare(self, expr: ast.Compare) -> str:
        """a >= b → a达到b或以上; a chain (60 <= 总分 < 80) pairwise: 总分不低于…，并且低于…."""
        unit = next((unit_of(operand, self.rules) for operand in expr.operands if unit_of(operand, self.rules)), "")
        parts = []
        for left, op, right in zip(expr.operands, expr.ops, expr.operands[1:]):
            verb, tail = COMPARED[op]
            parts.append(f"{self.text(left, unit)}{verb}{self.text(right, unit)}{tail}")
        return "，并且".join(parts)

    def bounded(self, expr: ast.Call) -> str:
        """最小(1, a ÷ b) → a ÷ b，最多为 1; without a number among the arguments, a 与 b 中较小者."""
        smaller = expr.function is Function.MIN
        numbers = [arg for arg in expr.args if isinstance(arg, ast.Number)]
        others = [self.text(arg) for arg in expr.args if not isinstance(arg, ast.Number)]
        if len(numbers) == 1 and len(others) == 1:
            return f"{others[0]}，{'最多' if smaller else '最少'}为 {numbers[0].text}"
        return f"{' 与 '.join(self.text(arg) for arg in expr.args)} 中{'较小' if smaller else '较大'}者"

    def call(self, expr: ast.Call) -> str:
        args = [self.text(arg) for arg in expr.args]
        if expr.function in (Function.MIN, Function.MAX):
            return self.bounded(expr)
        if expr.function is Function.SUM:
            return f"{'、'.join(args)}之和"
        if expr.function is Function.MEAN:
            return f"{'、'.join(args)}的平均值"
        if expr.function is Function.ROUND and len(expr.args) >= 2:
            mode = f"，{self.text(expr.args[2])}" if len(expr.args) > 2 else "，四舍五入"
            return f"{args[0]}（保留 {args[1]} 位小数{mode}）"
        return f"{expr.written}（{'，'.join(args)}）"


def condition_words(condition: ast.Expr, rules: RuleSet) -> str:
    """A veto's condition as a sentence: one for every stage when the stages agree; else stage by stage, a stage whose
    yes/no parameters settle it said so (本阶段不判定此项), the others with that stage's thresholds."""
    by_stage = {}
    for stage in rules.stages:
        settled = folded(condition, yes_no_parameters(rules, stage))
        by_stage[stage] = SETTLED_WORDS[settled] if isinstance(settled, bool) else Words(rules, stage).truth(settled)
    if len(set(by_stage.values())) == 1:
        return next(iter(by_stage.values()))
    return "；".join(f"{stage}：{words}" for stage, words in by_stage.items())


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
        bands_lead(rules),
        "\n".join(f"- {band_words(b)}：**{inline(b.name)}**{cited_after(b.citation)}" for b in rules.bands),
        *vetoes_section(rules),
        *parameters_section(rules),
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
                how += f"；由规则按公式计算：{formula_words(rules, item.formula)}" + (f"，{rounding_words(item.rounding)}" if item.rounding else "")
            lines.append(
                f"| {inline(party.label or party.name)} | {percent(party.weight)} | {inline(item.label or item.name)} | "
                f"{plain(item.maximum)} | {how} | {citation_cell(item.citation)} |"
            )
    return "\n".join(lines)


def formula_words(rules: RuleSet, expr: ast.Expr) -> str:
    """A formula in words (200 × 个案完成比例; 1与个案服务完成数 ÷ 协议约定的个案服务数中较小者), for a Markdown place."""
    return inline(Words(rules).text(expr))


def definitions_section(rules: RuleSet) -> list[str]:
    """Each 定义 in words: the names other rules read, and how each is worked out (its rounding too)."""
    if not rules.definitions:
        return []
    lines = [
        f"- **{inline(d.name)}**：{formula_words(rules, d.expr)}"
        + (f"，{rounding_words(d.rounding)}" if d.rounding else "")
        + cited_after(d.citation)
        for d in rules.definitions.values()
    ]
    return ["## 定义", "以下名称在规则中代表一个算得的值：", "\n".join(lines)]


def rounded(rounding: ast.Rounding | None) -> str:
    return f"，{rounding_words(rounding)}" if rounding else ""


def adjustments_section(rules: RuleSet) -> list[str]:
    """加分项 and 扣分项: how each is computed, its 上限, and how it enters the total (evaluate.Evaluation.adjustment)."""
    if not rules.adjustments:
        return []
    lines = ["| 类别 | 项目 | 计算 | 上限 | 依据 |", "|---|---|---|--:|---|"]
    for adjustment in rules.adjustments:
        kind = "加分" if adjustment.bonus else "扣分"
        cap = f"{plain(adjustment.cap.value)} 分" if adjustment.cap is not None else "不设上限"
        lines.append(
            f"| {kind} | {inline(adjustment.label or adjustment.name)} | {formula_words(rules, adjustment.expr)} | {cap} | "
            f"{citation_cell(adjustment.citation)} |"
        )
    note = "每项加分、扣分按公式算出后，先限定在 0 分到该项上限之间（不设上限的只限定不低于 0 分），再计入总分。"
    return ["## 加分与扣分", note, "\n".join(lines)]


def total_section(rules: RuleSet) -> list[str]:
    """The total in words: its 满分, the adjustments, the clamp, and the rounding before grading."""
    return ["## 总分", total_words(rules) + cited_after(rules.total.citation if rules.total else None) + "。"]


def bands_lead(rules: RuleSet) -> str:
    """What the bands grade, and that vetoes may set the grade instead (when the rule set has any)."""
    graded = rules.bands[0].graded
    rounding = rules.total.rounding if rules.total else None
    if graded != "总分":
        said = f"按“{inline(graded)}”评定等级："
    elif rounding is not None:
        said = f"按{rounding_words(rounding)}后的总分评定等级："
    else:
        said = "按算得的总分（不取整）评定等级："
    return said if not rules.vetoes else said.removesuffix("：") + "；出现下文“一票否决”中的情形时，等级按该情形的结果评定。"


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
            f"| {inline(veto.label or veto.name)} | {inline(condition_words(veto.condition, rules))} | {inline(outcome_words(effect, grade))} | "
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
            f"| {inline(veto.label or veto.name)} | {inline(condition_words(veto.condition, rules))} | "
            f"{inline(veto.unchecked or rules.unchecked_default)} | {citation_cell(veto.citation)} |"
        )
    return "\n".join(lines)


def parameters_section(rules: RuleSet) -> list[str]:
    """The parameters by stage; none for a rule set without parameters (no table without rows)."""
    return ["## 参数", parameters_table(rules)] if rules.parameters else []


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
