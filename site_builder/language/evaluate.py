"""Rule set + a station's inputs → scores, grade and vetoes, with a trace of how each figure came about.

Pure: no I/O. Every evaluation terminates, because the checks forbid reference cycles and the language
has no loops. Arithmetic is decimal.Decimal throughout; rounding happens only where the rules say.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, DecimalException, DivisionByZero, InvalidOperation, localcontext
from typing import Any

from ..errors import EvaluationError, raise_if_any
from . import ast
from .formatting import approximate, percent, plain
from .ruleset import (
    DEFAULT_ROUNDING,
    DEFAULT_SCALE,
    NOT_GRADED,
    ROUNDING_MODES,
    WITHHOLD,
    FactType,
    Function,
    RuleSet,
    VetoEffect,
    VetoStatus,
    outcome_words,
    round_decimal,
    scaled_score,
    wording,
)


@dataclass(frozen=True)
class Unchecked:
    """A fact the evaluators did not check; the reason says why. Never treated as yes or no."""

    reason: str = ""

    def __str__(self) -> str:
        return VetoStatus.NOT_CHECKED.value


UNKNOWN = Unchecked()
FIRED, NOT_FIRED, NOT_CHECKED = VetoStatus.FIRED, VetoStatus.NOT_FIRED, VetoStatus.NOT_CHECKED


@dataclass(frozen=True)
class Inputs:
    """What a station record supplies: the stage, item scores (per sub-district where aggregated), facts."""

    stage: str
    scores: dict[str, Decimal | dict[str, Decimal]]
    facts: dict[str, object]


@dataclass(frozen=True)
class Step:
    """One line of an explanation: what was computed, the formula with values put in, and where the rule is."""

    subject: str
    formula: str
    pos: ast.SourcePos | None
    citation: ast.Citation | None = None
    also: tuple[ast.SourcePos, ...] = ()  # further statements that decided it: a veto's outcome line (否决等级 不合格)


@dataclass(frozen=True)
class ItemResult:
    name: str
    label: str
    party: str
    maximum: Decimal
    score: Decimal
    sub_scores: dict[str, Decimal]
    converted: Decimal


@dataclass(frozen=True)
class AdjustmentResult:
    """A 加分项 or 扣分项: its expression's value, and the points applied after clamping to [0, 上限]."""

    name: str
    label: str
    bonus: bool
    value: Decimal
    applied: Decimal
    cap: Decimal | None
    citation: ast.Citation | None


@dataclass(frozen=True)
class VetoResult:
    name: str
    label: str
    status: VetoStatus
    facts_read: dict[str, object]
    withholds_grade: bool
    citation: ast.Citation | None
    effect: VetoEffect = VetoEffect.FORCE  # what it does when fired: force its grade (评为) or cap at it (最高)
    outcome_grade: str | None = None  # the grade it forces or caps at (None: a rule set without 否决等级 or outcome)

    @property
    def outcome(self) -> str:
        """评为不合格, 等级最高评为合格: the outcome in words."""
        return outcome_words(self.effect, self.outcome_grade or "")


@dataclass(frozen=True)
class Result:
    ruleset: RuleSet
    stage: str
    items: tuple[ItemResult, ...]
    total: Decimal
    score_grade: str
    grade: str | None
    vetoes: tuple[VetoResult, ...]
    steps: tuple[Step, ...] = field(default=())
    adjustments: tuple[AdjustmentResult, ...] = ()

    @property
    def fired(self) -> list[str]:
        return [v.name for v in self.vetoes if v.status == FIRED]

    @property
    def unchecked(self) -> list[str]:
        return [v.name for v in self.vetoes if v.status == NOT_CHECKED]

    @property
    def decided_by(self) -> tuple[str, ...]:
        """The vetoes that set the final grade instead of the bands (none when the bands decided)."""
        return decide(self.ruleset, self.score_grade, self.vetoes).decided_by


@dataclass(frozen=True)
class GradeDecision:
    """The final grade and what set it: the bands, forcing vetoes, unchecked vetoes that withhold it, or caps."""

    grade: str | None
    decided_by: tuple[str, ...]  # the vetoes that set it; () when the bands did
    kind: str  # BY_BANDS, BY_FORCE, BY_WITHHOLDING or BY_CAP


BY_BANDS, BY_FORCE, BY_WITHHOLDING, BY_CAP = "bands", "force", "withhold", "cap"


def decide(rules: RuleSet, score_grade: str, vetoes: tuple[VetoResult, ...]) -> GradeDecision:
    """The precedence of outcomes (docs/rule-language.md, 否决): a fired forcing veto beats everything, several
    force the worst of their grades; else an unchecked veto that withholds the grade withholds it (as before caps
    existed); else fired caps lower the banded grade to the lowest cap, and never raise it."""
    rank = {band.name: index for index, band in enumerate(rules.bands)}  # best first
    fired = [v for v in vetoes if v.status == FIRED and v.outcome_grade in rank]
    forced = [v for v in fired if v.effect is VetoEffect.FORCE]
    if forced:
        grade = rules.bands[max(rank[str(v.outcome_grade)] for v in forced)].name
        return GradeDecision(grade, tuple(v.name for v in forced if v.outcome_grade == grade), BY_FORCE)
    withheld = tuple(v.name for v in vetoes if v.withholds_grade)
    if withheld:
        return GradeDecision(None, withheld, BY_WITHHOLDING)
    if score_grade not in rank:  # the graded 定义 is unchecked: no grade to cap
        return GradeDecision(None, (), BY_BANDS)
    caps = [v for v in fired if v.effect is VetoEffect.CAP]
    lowest = max((rank[str(v.outcome_grade)] for v in caps), default=-1)
    if lowest > rank[score_grade]:
        grade = rules.bands[lowest].name
        return GradeDecision(grade, tuple(v.name for v in caps if v.outcome_grade == grade), BY_CAP)
    return GradeDecision(score_grade, (), BY_BANDS)


def evaluate(ruleset: RuleSet, inputs: Inputs) -> Result:
    raise_if_any(input_errors(ruleset, inputs))
    with decimal_context():
        return Evaluation(ruleset, inputs).result()


def completion_rate(ruleset: RuleSet, actual: Decimal | int, target: Decimal | int) -> Decimal | None:
    """An indicator's completion rate by the rule file's 完成率 formula; None without a formula or a target.

    Records keep whole numbers as int (the schema's integers); the formula needs Decimals to round.
    """
    if ruleset.completion is None or not target:
        return None
    with decimal_context():
        extra = {"实际": Decimal(actual), "目标": Decimal(target)}
        evaluation = Evaluation(ruleset, Inputs("", {}, {}), extra=extra)
        return evaluation.value(ruleset.completion.expr)


def definition_value(result: Result, inputs: Inputs, name: str) -> tuple[object, Step]:
    """A 定义's value for the inputs that gave result, and the step showing how (its expression, the values it read).

    The evaluation works out only the definitions its vetoes read; a rule test may assert any other, so it is worked
    out here, after the fact, from the same items and total (a 定义 may read both).
    """
    from .checks import names_in

    definition = result.ruleset.definitions[name]
    with decimal_context():
        evaluation = Evaluation(result.ruleset, inputs)
        evaluation.items, evaluation.total_value = {item.name: item for item in result.items}, result.total
        value = evaluation.read_name(name)
        shown = compared_names(definition.expr)
        read = "、".join(
            f"{n} = {named_value(result.ruleset, n, evaluation.read_name(n), inputs.stage)}" for n in sorted(names_in(definition.expr) - shown)
        )
        condition = render(definition.expr, valued=evaluation.operand_value)
    formula = condition + (f"；其中 {read}" if read else "") + rounding_words_of(definition.rounding) + f"；结果：{show(value)}"
    return value, Step(f"定义：{name}", formula, definition.pos, definition.citation)


def rounding_words_of(rounding: ast.Rounding | None) -> str:
    """A 定义's own rounding, said in its step: ，保留 2 位（四舍五入）."""
    return "" if rounding is None else f"，保留 {rounding.places} 位（{rounding.written or rounding.mode}）"


@contextmanager
def decimal_context():
    """40 digits, and any arithmetic Decimal cannot carry out becomes the project's EvaluationError."""
    with localcontext() as context:
        context.prec = 40
        context.traps[DivisionByZero] = context.traps[InvalidOperation] = True
        try:
            yield
        except DecimalException as error:  # a last resort: Evaluation.statement locates every one it computes
            raise EvaluationError(None, out_of_range(error)) from None


def out_of_range(error: DecimalException) -> str:
    return f"数值超出了可计算的范围（{type(error).__name__}）：请检查规则文件与记录中过大的数字。"


def input_errors(ruleset: RuleSet, inputs: Inputs) -> list[EvaluationError]:
    """Inputs the evaluation cannot use: an unknown stage, a missing or misshapen score, a fact of the wrong kind."""
    errors = []
    if ruleset.stages and inputs.stage not in ruleset.stages:
        stages = next((d for d in ruleset.source.declarations if isinstance(d, ast.Stages)), None)
        errors.append(EvaluationError(stages.pos if stages else None, f"规则集没有“{inputs.stage}”阶段，只有{'、'.join(ruleset.stages)}。"))
    for item in ruleset.items.values():
        message = computed_score_problem(item) if item.computed else score_problem(item, inputs.scores.get(item.name))
        if item.computed and item.name not in inputs.scores:
            message = None
        errors += [EvaluationError(item.pos, message)] if message else []
    for fact in ruleset.facts.values():
        value = inputs.facts.get(fact.name, UNKNOWN)
        wanted = (lambda v: isinstance(v, bool)) if fact.type == FactType.YES_NO else is_number
        if not (isinstance(value, Unchecked) or wanted(value)):
            errors.append(EvaluationError(fact.pos, f"事实“{fact.name}”的类型是“{fact.type}”，这里给的是“{show(value)}”。", facts=(fact.name,)))
    return errors


def computed_score_problem(item: ast.Item) -> str:
    """A score given for an item the rules compute: the one wording, for records, rule tests and evaluate."""
    return f"评分项“{item.name}”由规则计算（{item.pos.file}:{item.pos.line} 行），不能在记录中给出评分，请删去这一行。"


def score_problem(item: ast.Item, given) -> str | None:
    if given is None:
        return f"缺少评分项“{item.name}”的评分。"
    if item.aggregate and not (isinstance(given, dict) and given and all(map(is_number, given.values()))):
        return f"评分项“{item.name}”按片区评分，应给出各片区的分数。"
    if not item.aggregate and not is_number(given):
        return f"评分项“{item.name}”应是一个分数，这里是“{show(given)}”。"
    return None


def is_number(value) -> bool:
    return isinstance(value, (int, Decimal)) and not isinstance(value, bool)


class Evaluation:
    def __init__(self, ruleset: RuleSet, inputs: Inputs, extra: dict | None = None):
        self.rules, self.inputs = ruleset, inputs
        self.extra = extra or {}
        self.steps: list[Step] = []
        self.items: dict[str, ItemResult] = {}
        self.definitions: dict[str, object] = {}
        self.total_value: Decimal | None = None
        self.adjustment_results: dict[str, AdjustmentResult] = {}

    def result(self) -> Result:
        items = tuple(self.item_result(item) for item in self.rules.items.values())
        total = self.total(items)
        score_grade = self.band(total)
        vetoes = tuple(self.veto(v) for v in self.rules.vetoes)
        grade = self.final_grade(score_grade, vetoes)
        adjustments = tuple(self.adjustment_results.values())
        return Result(self.rules, self.inputs.stage, items, total, score_grade, grade, vetoes, tuple(self.steps), adjustments)

    def step(self, subject: str, formula: str, node, citation=None) -> None:
        self.steps.append(Step(subject, formula, node.pos, citation if citation is not None else getattr(node, "citation", None)))

    # --- scores --------------------------------------------------------------------------------------

    def item_result(self, item: ast.Item) -> ItemResult:
        """An item's result, worked out once when first needed: a computed item may read items declared after it
        (the checks rule out cycles)."""
        if item.name not in self.items:
            with self.statement(item, item.formula):
                self.items[item.name] = self.item(item)
        return self.items[item.name]

    @contextmanager
    def statement(self, node, expr=None):
        """Arithmetic Decimal cannot carry out in a statement outside its expressions (a sum, a conversion: numbers too
        large for it) as an EvaluationError at that statement, naming the facts it reads."""
        try:
            yield
        except DecimalException as error:
            raise EvaluationError(node.pos, out_of_range(error), facts=self.facts_of(expr)) from None

    def facts_of(self, expr) -> tuple[str, ...]:
        """The record's facts an expression reads, directly or through definitions, in the rule file's order."""
        read = fact_names(expr, self.rules) if expr is not None else set()
        return tuple(name for name in self.rules.facts if name in read)

    def item(self, item: ast.Item) -> ItemResult:
        if item.formula is not None:
            sub_scores, score = {}, self.computed_score(item, item.formula)
        elif isinstance(given := self.inputs.scores[item.name], dict):
            assert item.aggregate is not None  # input_errors: sub-district scores are given for aggregated items only
            sub_scores, score = dict(given), self.aggregate(item, item.aggregate, given)
        else:
            sub_scores, score = {}, given
        party = self.rules.parties[item.party.name]
        converted = self.convert(item, party, score)
        return ItemResult(item.name, item.label or item.name, party.name, item.maximum, score, sub_scores, converted)

    def computed_score(self, item: ast.Item, formula) -> Decimal:
        raw = self.number_of(formula, f"评分项“{item.name}”", item)
        score = self.rounded(raw, item.rounding)
        self.step(f"{item.name}（按公式计算）", f"{self.worked(formula)} = {approximate(raw)}{rounding_note(item.rounding, score)}", item)
        if not 0 <= score <= item.maximum:
            message = f"评分项“{item.name}”按公式算得 {plain(score)}，超出了 0 到满分 {plain(item.maximum)} 的范围：{self.worked(formula)}。"
            raise EvaluationError(item.pos, message + "请核对记录中的事实，或规则中的公式。", facts=self.facts_of(formula))
        return score

    def number_of(self, expr, what: str, node) -> Decimal:
        """A formula's number; an unchecked fact leaves none, which records report at the fact (computed_problems)."""
        value = self.value(expr)
        if isinstance(value, Unchecked):
            unchecked = [name for name in sorted(fact_names(expr, self.rules)) if isinstance(self.read_name(name), Unchecked)]
            message = f"{what}要用到未核查的事实“{'、'.join(unchecked)}”，无法计算。请在记录中写明这些事实。"
            raise EvaluationError(node.pos, message, facts=tuple(name for name in unchecked if name in self.rules.facts))
        assert isinstance(value, Decimal)  # checks.py: the formula is a number
        return value

    def worked(self, expr) -> str:
        """The formula as written, then the values of the names it reads: 10 × 最小(1, 完成数 ÷ 目标数)；其中 完成数 = 45、…"""
        names = sorted(names_read(expr, self.rules) - compared_names(expr))
        read = "、".join(f"{n} = {named_value(self.rules, n, self.read_name(n), self.inputs.stage)}" for n in names)
        return render(expr, valued=self.operand_value) + (f"（其中 {read}）" if read else "")

    def operand_value(self, expr, as_percent: bool = False) -> str | None:
        """What a compared operand came to, as a comparison shows it beside the operand (社工缺少人次上限 5（中期））;
        None for a literal, which shows itself, or an operand that cannot be worked out (a branch not taken).
        as_percent: the other side is a percentage (50%), so a ratio is shown as one too (45%, not 0.45)."""
        if isinstance(expr, (ast.Number, ast.Boolean)):
            return None
        try:
            value = self.value(expr)
        except (EvaluationError, DecimalException):  # e.g. a division by zero the condition's 如果 guards against
            return None
        if not isinstance(expr, ast.Name):
            return percent(value) if as_percent and is_number(value) else approximate_value(value)
        parameter = self.rules.parameters.get(expr.name)
        staged = parameter is not None and parameter.value is None
        shown = named_value(self.rules, expr.name, value, self.inputs.stage)
        if as_percent and is_number(value) and not is_percent(shown):
            shown = percent(value)
        return shown + (f"（{self.inputs.stage}）" if staged else "")

    def aggregate(self, item: ast.Item, aggregate: ast.Aggregate, sub_scores: dict[str, Decimal]) -> Decimal:
        function = aggregate.function
        assert function is not None  # checks.py: 按片区 names an aggregate
        values = list(sub_scores.values())
        raw = AGGREGATE_OF[function](values)
        rounded = self.rounded(raw, aggregate.rounding)
        listing = "、".join(f"{k} {plain(v)}" for k, v in sub_scores.items())
        formula = f"{function}({listing})"
        if function is Function.MEAN:
            formula += f" = ({' + '.join(plain(v) for v in values)}) ÷ {len(values)}"
        self.step(
            f"{item.name}（各片区{function}）",
            f"{formula} = {approximate(raw)}{rounding_note(aggregate.rounding, rounded)}",
            aggregate,
            item.citation,
        )
        return rounded

    def convert(self, item: ast.Item, party: ast.Party, score: Decimal) -> Decimal:
        if not party.scaled:
            self.step(
                f"{item.name} 折算分", f"评分 {plain(score)} 直接计入（{party.name}权重 {percent(party.weight)}，满分 {plain(item.maximum)}）", item
            )
            return score
        scale = self.rules.scale
        raw = scaled_score(score, party.weight, scale)
        converted = self.rounded(raw, party.rounding)
        on_scale = "" if scale == DEFAULT_SCALE else f" × {plain(scale)} ÷ 100"
        formula = f"{plain(score)} × {percent(party.weight)}{on_scale} = {plain(raw)}{rounding_note(party.rounding, converted)}"
        self.step(f"{item.name} 折算分", formula, party)
        return converted

    def total(self, items: tuple[ItemResult, ...]) -> Decimal:
        """Σ converted item scores + Σ 加分 − Σ 扣分, kept within [0, 满分], then rounded as 总分 says."""
        node = self.rules.total or next(iter(self.rules.items.values()))
        adjustments = [self.adjustment(a) for a in self.rules.adjustments]
        with self.statement(node):
            raw = sum((i.converted for i in items), Decimal(0))
            adjusted = adjusted_sum(items, adjustments)
        clamped = min(max(adjusted, Decimal(0)), self.rules.scale)
        rounding = self.rules.total.rounding if self.rules.total else None
        total = self.rounded(clamped, rounding)
        formula = " + ".join(plain(i.converted) for i in items) + f" = {plain(raw)}"
        if adjustments:
            terms = " ".join(f"{'+' if a.bonus else '−'} {plain(a.applied)}（{a.label}）" for a in adjustments)
            formula += f"；{plain(raw)} {terms} = {plain(adjusted)}"
        if clamped != adjusted:
            formula += f"；总分应在 0 到满分 {plain(self.rules.scale)} 之间，取 {plain(clamped)}"
        self.step("总分", formula + rounding_note(rounding, total), node)
        self.total_value = total
        return total

    def adjustment(self, adjustment: ast.Adjustment) -> AdjustmentResult:
        value = self.number_of(adjustment.expr, f"{adjustment.keyword}“{adjustment.name}”", adjustment)
        cap = adjustment.cap.value if adjustment.cap is not None else None
        applied = max(value, Decimal(0)) if cap is None else min(max(value, Decimal(0)), cap)
        clamp = ""
        if applied != value:  # the clamp is shown only when it changed the points
            clamp = f"，不低于 0，取 {plain(applied)}" if cap is None else f"，限定在 0 到上限 {plain(cap)} 之间，取 {plain(applied)}"
        self.step(f"{adjustment.keyword}：{adjustment.name}", f"{self.worked(adjustment.expr)} = {plain(value)}{clamp}", adjustment)
        result = AdjustmentResult(adjustment.name, adjustment.label or adjustment.name, adjustment.bonus, value, applied, cap, adjustment.citation)
        self.adjustment_results[adjustment.name] = result
        return result

    def rounded(self, value: Decimal, rounding: ast.Rounding | None) -> Decimal:
        if rounding is None:
            return value
        assert rounding.mode is not None  # checks.py: a rounding names a mode, or none (四舍五入)
        try:
            return round_decimal(value, rounding.places, rounding.mode)
        except DecimalException as error:  # a value with more digits than Decimal keeps: 1E+45 保留 2 位
            raise EvaluationError(rounding.pos, out_of_range(error)) from None

    def band(self, total: Decimal) -> str:
        """The grade the bands give the number they test (总分, or a 定义 or 评分项); 暂缓评级 when that is unchecked."""
        graded = self.rules.bands[0].graded  # checks.py: every band tests the same number
        value = total if graded == "总分" else self.read_name(graded)
        if isinstance(value, Unchecked):
            self.step("按分数评定的等级", f"{graded} {show(value)}，{NOT_GRADED}", self.rules.bands[0])
            return NOT_GRADED
        for band in self.rules.bands:
            if in_band(value, band):
                self.step("按分数评定的等级", f"{graded} {plain(value)} 满足 {band_text(band)}，等级为{band.name}", band)  # the band that matched
                return band.name
        raise self.ungraded(graded, value)

    def ungraded(self, graded: str, value: Decimal) -> EvaluationError:
        """A graded 定义 outside every band (the checks assume it ranges as the total does): at the 定义, naming the bands."""
        declaration = self.rules.definitions.get(graded) or self.rules.items.get(graded) or self.rules.bands[0]
        expr = getattr(declaration, "expr", None) or getattr(declaration, "formula", None)
        lines = sorted(band.pos.line for band in self.rules.bands)
        message = (
            f"{graded} 算得 {plain(value)}，不属于任何等级：等级（第 {lines[0]}–{lines[-1]} 行）没有包含这个值。"
            "请核对记录中的数据；若这个值是可能的，请让等级包含它，或改写这条定义使它落在等级的范围内。"
        )
        return EvaluationError(declaration.pos, message, facts=self.facts_of(expr))

    # --- vetoes --------------------------------------------------------------------------------------

    def veto(self, veto: ast.Veto) -> VetoResult:
        value = self.value(veto.condition)
        status = NOT_CHECKED if isinstance(value, Unchecked) else FIRED if value else NOT_FIRED
        policy = veto.unchecked or self.rules.unchecked_default
        read = {name: self.read_name(name) for name in sorted(fact_names(veto.condition, self.rules))}
        compared = compared_names(veto.condition)  # shown beside the comparison already: 社工缺少人次 6 >= 社工缺少人次上限 5（中期）
        shown = "、".join(f"{k} = {named_value(self.rules, k, v, self.inputs.stage)}" for k, v in read.items() if k not in compared)
        effect, grade = (veto.outcome.effect, veto.outcome.grade.name) if veto.outcome else (VetoEffect.FORCE, self.rules.veto_grade)
        outcome = f"（{outcome_words(effect, grade or '')}）" if veto.outcome and status == FIRED else ""
        condition = render(veto.condition, valued=self.operand_value) + (f"；其中 {shown}" if shown else "")
        self.step(f"否决：{veto.name}", f"{condition}；结果：{status}{outcome}", veto)
        withholds = status == NOT_CHECKED and policy == WITHHOLD
        return VetoResult(veto.name, veto.label or veto.name, status, read, withholds, veto.citation, effect, grade)

    def final_grade(self, score_grade: str, vetoes: tuple[VetoResult, ...]) -> str | None:
        """The grade after the vetoes (decide holds the precedence), and the step that says what set it."""
        decision = decide(self.rules, score_grade, vetoes)
        fired = [v for v in vetoes if v.status == FIRED]
        if decision.kind == BY_FORCE and all(self.rules_veto(v).outcome is None for v in fired):  # all take 否决等级
            said = f"否决条件“{'、'.join(v.name for v in fired)}”{FIRED}，等级为{decision.grade}"
            self.step_cited("最终等级", said, self.rules_veto(fired[0]))
        elif decision.kind == BY_FORCE:
            deciding = "、".join(decision.decided_by)
            self.outcome_step(decision, f"否决条件“{deciding}”{FIRED}，{outcome_words(VetoEffect.FORCE, str(decision.grade))}", fired)
        elif decision.kind == BY_WITHHOLDING:
            withholding = next(v for v in self.rules.vetoes if v.name in decision.decided_by)
            self.step("最终等级", f"否决条件“{'、'.join(decision.decided_by)}”{NOT_CHECKED}，{NOT_GRADED}", withholding)
        elif decision.kind == BY_CAP:
            deciding = "、".join(decision.decided_by)
            said = f"按分数评定为{score_grade}；否决条件“{deciding}”{FIRED}，等级最高评为{decision.grade}，故等级为{decision.grade}"
            self.outcome_step(decision, said, fired)
        elif any(v.effect is VetoEffect.CAP for v in fired):  # caps fired at or below the banded grade: they change nothing
            caps = [v for v in fired if v.effect is VetoEffect.CAP]
            names, outcomes = "、".join(v.name for v in caps), "；".join(v.outcome for v in caps)
            said = f"否决条件“{names}”{FIRED}，{outcomes}；按分数评定的{score_grade}不高于此，等级仍为{score_grade}"
            self.step_cited("最终等级", said, self.rules_veto(caps[0]))
        return decision.grade

    def rules_veto(self, veto: VetoResult) -> ast.Veto:
        return next(v for v in self.rules.vetoes if v.name == veto.name)

    def step_cited(self, subject: str, formula: str, veto: ast.Veto) -> None:
        """A grade a veto decided, citing the veto and the line that says its outcome: its own 评为/最高 when that
        is written on another line of the statement, else the rule set's 否决等级."""
        outcome = veto.outcome.pos if veto.outcome is not None else self.rules.veto_grade_pos
        also = (outcome,) if outcome is not None and outcome.line != veto.pos.line else ()
        self.steps.append(Step(subject, formula, veto.pos, veto.citation, also))

    def outcome_step(self, decision: GradeDecision, said: str, fired: list[VetoResult]) -> None:
        """The final grade set by a veto's outcome, citing that veto, with the precedence that left out the others."""
        others = [v for v in fired if v.name not in decision.decided_by]
        overruled_caps = [v.name for v in others if v.effect is VetoEffect.CAP and decision.kind == BY_FORCE]
        milder = [v.name for v in others if v.name not in overruled_caps]
        if overruled_caps:
            said += f"；评为某一等级的否决优先于限定最高等级的否决（“{'、'.join(overruled_caps)}”不起作用）"
        if milder:
            said += f"；同时触发的“{'、'.join(milder)}”给出的等级较高，取最低的{decision.grade}"
        self.step_cited("最终等级", said, self.rules_veto(next(v for v in fired if v.name in decision.decided_by)))

    # --- expressions ---------------------------------------------------------------------------------

    def value(self, expr):
        try:
            return VALUE_OF[type(expr)](self, expr)  # keyed by the AST class: a renamed class fails loudly, here
        except DecimalException as error:  # raised by this expression itself: an inner one would be an EvaluationError
            raise EvaluationError(expr.pos, out_of_range(error), facts=self.facts_of(expr)) from None

    def value_number(self, expr: ast.Number):
        return expr.value

    def value_boolean(self, expr: ast.Boolean):
        return expr.value

    def value_name(self, expr: ast.Name):
        return self.read_name(expr.name)

    def read_name(self, name: str):
        if name in self.extra:
            return self.extra[name]
        if name == "总分":
            return self.total_value
        if name in self.rules.items:
            return self.item_result(self.rules.items[name]).converted
        if name in self.rules.parameters:
            return self.rules.parameter_value(name, self.inputs.stage)
        if name in self.rules.facts:
            return self.inputs.facts.get(name, UNKNOWN)
        if name not in self.definitions:
            definition = self.rules.definitions[name]
            value = self.value(definition.expr)
            rounded = definition.rounding is not None and is_number(value)  # 保留 N 位 on a number (the checks: never a yes/no)
            self.definitions[name] = self.rounded(Decimal(value), definition.rounding) if rounded else value
        return self.definitions[name]

    def value_negate(self, expr: ast.Negate):
        operand = self.value(expr.operand)
        return operand if isinstance(operand, Unchecked) else -operand

    def value_binary(self, expr: ast.Binary):
        left, right = self.value(expr.left), self.value(expr.right)
        if isinstance(left, Unchecked) or isinstance(right, Unchecked):
            return UNKNOWN
        if expr.op == "/" and right == 0:
            raise EvaluationError(expr.pos, f"除数为零：{render(expr)}。请检查记录中的数据。", facts=self.facts_of(expr.right))
        return ARITHMETIC[expr.op](left, right)

    def value_compare(self, expr: ast.Compare):
        values = [self.value(o) for o in expr.operands]
        if any(isinstance(v, Unchecked) for v in values):
            return UNKNOWN
        return all(COMPARISONS[op](a, b) for op, a, b in zip(expr.ops, values, values[1:]))

    def value_logical(self, expr: ast.Logical):
        # Kleene's three-valued logic: 是 或 未核查 is 是; 否 且 未核查 is 否; otherwise 未核查 stays.
        left, right = self.value(expr.left), self.value(expr.right)
        decisive = expr.op == "或"
        if left is decisive or right is decisive:
            return decisive
        if isinstance(left, Unchecked) or isinstance(right, Unchecked):
            return UNKNOWN
        return left or right if decisive else left and right

    def value_not(self, expr: ast.Not):
        operand = self.value(expr.operand)
        return operand if isinstance(operand, Unchecked) else not operand

    def value_if(self, expr: ast.If):
        condition = self.value(expr.condition)
        if isinstance(condition, Unchecked):
            return UNKNOWN
        return self.value(expr.then if condition else expr.otherwise)

    def value_call(self, expr: ast.Call):
        assert expr.function is not None  # checks.py: every call names a function
        return CALL_OF[expr.function](self, expr)  # keyed by the function: one that nothing computes fails loudly, here

    def call_round(self, expr: ast.Call):
        number, places = self.value(expr.args[0]), expr.args[1]
        mode = expr.args[2] if len(expr.args) == 3 else None
        # checks.py: the places are a whole number written as such, the optional mode a rounding mode's name
        assert isinstance(places, ast.Number) and (mode is None or isinstance(mode, ast.Name))
        rounding = DEFAULT_ROUNDING if mode is None else ROUNDING_MODES[mode.name]
        return number if isinstance(number, Unchecked) else round_decimal(number, int(places.value), rounding)

    def call_aggregate(self, expr: ast.Call):
        assert expr.function is not None  # value_call's
        values = [self.value(a) for a in expr.args]
        if any(isinstance(v, Unchecked) for v in values):
            return UNKNOWN
        return AGGREGATE_OF[expr.function](values)


# Each expression class → the method that computes its value (test_evaluate checks that every class has one).
VALUE_OF: dict[type, Callable[[Evaluation, Any], object]] = {
    ast.Number: Evaluation.value_number,
    ast.Boolean: Evaluation.value_boolean,
    ast.Name: Evaluation.value_name,
    ast.Negate: Evaluation.value_negate,
    ast.Binary: Evaluation.value_binary,
    ast.Compare: Evaluation.value_compare,
    ast.Logical: Evaluation.value_logical,
    ast.Not: Evaluation.value_not,
    ast.If: Evaluation.value_if,
    ast.Call: Evaluation.value_call,
}
# Each function → how a call to it is computed (test_evaluate checks that every function has one).
CALL_OF: dict[Function, Callable[[Evaluation, ast.Call], object]] = {
    Function.MIN: Evaluation.call_aggregate,
    Function.MAX: Evaluation.call_aggregate,
    Function.SUM: Evaluation.call_aggregate,
    Function.MEAN: Evaluation.call_aggregate,
    Function.ROUND: Evaluation.call_round,
}
# Each aggregate → its value over a list of numbers, in a call and over an item's sub-districts (checked likewise).
AGGREGATE_OF: dict[Function, Callable[[list[Decimal]], Decimal]] = {
    Function.MIN: min,
    Function.MAX: max,
    Function.SUM: lambda values: sum(values, Decimal(0)),
    Function.MEAN: lambda values: sum(values, Decimal(0)) / len(values),
}
ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
COMPARISONS = {
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def adjusted_sum(items: Iterable[ItemResult], adjustments: Iterable[AdjustmentResult]) -> Decimal:
    """Σ converted item scores + Σ 加分 − Σ 扣分: the total before it is kept within [0, 满分] and rounded."""
    points = sum((a.applied if a.bonus else -a.applied for a in adjustments), Decimal(0))
    return sum((i.converted for i in items), Decimal(0)) + points


def in_band(total: Decimal, band: ast.Band) -> bool:
    lower, upper = band.lower, band.upper
    above = lower is None or total > lower.value or (lower.inclusive and total == lower.value)
    below = upper is None or total < upper.value or (upper.inclusive and total == upper.value)
    return above and below


def band_text(band: ast.Band) -> str:
    """A band's condition as its line writes it (80 <= 总分 < 90, 总分 ≥ 90: operators and order as the author wrote
    them); rebuilt as 80 <= 总分 < 90 for a band built by hand or written across lines."""
    parts = [bound.pos for bound in (band.lower, band.upper) if bound] + ([band.quantity.pos] if band.quantity else [])
    first, last = min(parts, key=lambda pos: pos.col), max(parts, key=lambda pos: pos.end_col or pos.col)
    if band.quantity and all(pos.line == first.line and pos.end_col for pos in parts) and first.line_text:
        return first.line_text[first.col - 1 : (last.end_col or last.col) - 1]
    lower, upper = band.lower, band.upper
    shown = [f"{plain(lower.value)} {'<=' if lower.inclusive else '<'} "] if lower else []
    shown.append(band.graded)
    if upper:
        shown.append(f" {'<=' if upper.inclusive else '<'} {plain(upper.value)}")
    return "".join(shown)


def fact_names(expr, rules: RuleSet) -> set[str]:
    """The facts a condition reads, directly or through definitions and computed items."""
    from .checks import names_in

    found = set()
    for name in names_in(expr):
        if name in rules.facts:
            found.add(name)
        elif name in rules.definitions:
            found |= fact_names(rules.definitions[name].expr, rules)
        elif name in rules.items and rules.items[name].formula is not None:
            found |= fact_names(rules.items[name].formula, rules)
        elif name in rules.parameters:
            found.add(name)
    return found


def names_read(expr, rules: RuleSet) -> set[str]:
    """The names a formula reads directly, but the keyword 总分 and a rounding mode (取整(x, 2, 四舍五入))."""
    from .checks import names_in

    return {name for name in names_in(expr) if name in rules.facts or name in rules.parameters or name in rules.items or name in rules.definitions}


@dataclass(frozen=True)
class ComputedProblem:
    """A computed item or an adjustment that cannot be worked out from a record: the facts it read, and why."""

    facts: tuple[str, ...]  # the facts the formula reads, in the rule file's order: where a record shows the problem
    message: str


def formulas_of(ruleset: RuleSet) -> list[tuple[str, object, ast.Item | ast.Adjustment]]:
    """Every formula that a record's facts feed into a score: computed items and 加分项/扣分项, with what each is called."""
    formulas: list[tuple[str, object, ast.Item | ast.Adjustment]] = []
    formulas += [(f"评分项“{i.name}”", i.formula, i) for i in ruleset.items.values() if i.formula is not None]
    formulas += [(f"{a.keyword}“{a.name}”", a.expr, a) for a in ruleset.adjustments]
    return formulas


def scored_facts(ruleset: RuleSet) -> dict[str, list[str]]:
    """Each fact a formula reads → what it scores (评分项“服务成效”): such a fact cannot be left unchecked."""
    found: dict[str, list[str]] = {}
    for what, formula, _node in formulas_of(ruleset):
        for fact in (f for f in ruleset.facts if f in fact_names(formula, ruleset)):
            found.setdefault(fact, []).append(what)
    return found


def computed_problems(ruleset: RuleSet, inputs: Inputs, complete: bool = True) -> list[ComputedProblem]:
    """What a record gets wrong for the rules' formulas: a fact they need left unchecked, and, when the inputs are
    otherwise complete and well formed, a computed score outside 0 to its 满分. Records report these at the facts."""
    problems = []
    for what, formula, node in formulas_of(ruleset):
        facts = tuple(f for f in ruleset.facts if f in fact_names(formula, ruleset))
        unchecked = [f for f in facts if isinstance(inputs.facts.get(f), Unchecked)]
        for fact in unchecked:
            problems.append(ComputedProblem((fact,), f"{what}由规则按公式计算，要用到事实“{fact}”，它不能记为未核查：未核查的事实算不出分数。"))
        if unchecked or not complete or not isinstance(node, ast.Item):
            continue
        try:
            with decimal_context():
                Evaluation(ruleset, inputs).item(node)
        except EvaluationError as error:
            problems.append(ComputedProblem(facts, error.message))
    return problems


def render(expr, names: dict[str, str] | None = None, valued: Callable[..., str | None] | None = None) -> str:
    """The expression as the rule file spells it: its operators as the author wrote them (×, ÷, ≥, ＞＝), brackets
    only where the order of operations needs them. names may replace names by values (a page's thresholds);
    valued, given, shows beside each side of a comparison what it came to (社工缺少人次 6 >= 社工缺少人次上限 5（中期））."""
    return Renderer(names or {}, valued).text(expr)


# How tightly each expression binds, as grammar.lark nests them: a child binding more loosely than its place needs
# is bracketed (a + b in a product, a comparison in a sum, 如果 anywhere but at the top).
PRECEDENCE = {ast.If: 0, ast.Not: 3, ast.Compare: 4, ast.Negate: 7}
OPERATOR_PRECEDENCE = {"或": 1, "且": 2, "+": 5, "-": 5, "*": 6, "/": 6}
ATOM = 8


def precedence(expr) -> int:
    if isinstance(expr, (ast.Binary, ast.Logical)):
        return OPERATOR_PRECEDENCE[expr.op]
    return PRECEDENCE.get(type(expr), ATOM)


@dataclass(frozen=True)
class Renderer:
    names: dict[str, str]
    valued: Callable[..., str | None] | None

    def text(self, expr, needed: int = 0) -> str:
        shown = self.bare(expr)
        return f"({shown})" if precedence(expr) < needed else shown

    def bare(self, expr) -> str:
        if isinstance(expr, ast.Number):
            return expr.text
        if isinstance(expr, ast.Boolean):
            return wording(expr.value)
        if isinstance(expr, ast.Name):
            return self.names.get(expr.name, expr.name)
        if isinstance(expr, ast.Negate):
            return f"-{self.text(expr.operand, ATOM - 1)}"
        if isinstance(expr, (ast.Binary, ast.Logical)):  # left-associative: the right side one step tighter
            level = precedence(expr)
            shown = expr.shown if isinstance(expr, ast.Binary) else expr.op
            return f"{self.text(expr.left, level)} {shown} {self.text(expr.right, level + 1)}"
        if isinstance(expr, ast.Compare):
            sides = [self.operand(operand) for operand in expr.operands]
            if any(is_percent(side) for side in sides):  # 比例 < 50%: the other side as a percentage too
                sides = [side if is_percent(side) else self.operand(operand, as_percent=True) for side, operand in zip(sides, expr.operands)]
            parts = [sides[0]]
            for op, side in zip(expr.shown, sides[1:]):
                parts += [op, side]
            return " ".join(parts)
        if isinstance(expr, ast.Not):
            return f"非 {self.text(expr.operand, PRECEDENCE[ast.Not])}"
        if isinstance(expr, ast.If):
            return f"如果 {self.text(expr.condition)} 则 {self.text(expr.then)} 否则 {self.text(expr.otherwise)}"
        return f"{expr.written}({', '.join(self.text(a) for a in expr.args)})"

    def operand(self, expr, as_percent: bool = False) -> str:
        """One side of a comparison, with what it came to when values are shown: a name then its value, anything
        longer then （= value）; as_percent when the other side is a percentage."""
        shown = self.text(expr, PRECEDENCE[ast.Compare] + 1)
        value = (self.valued(expr, as_percent) if as_percent else self.valued(expr)) if self.valued is not None else None
        if value is None:
            return shown
        return f"{shown} {value}" if isinstance(expr, ast.Name) else f"{shown}（= {value}）"


def compared_names(expr) -> set[str]:
    """The names a comparison in expr has as one of its sides: a valued rendering shows their values there."""
    from .checks import expression_nodes

    return {o.name for node in expression_nodes(expr) if isinstance(node, ast.Compare) for o in node.operands if isinstance(o, ast.Name)}


def show(value) -> str:
    if isinstance(value, Unchecked):
        return f"{NOT_CHECKED}（{value.reason}）" if value.reason else str(NOT_CHECKED)
    if isinstance(value, bool):
        return wording(value)
    return plain(value) if isinstance(value, Decimal) else str(value)


def named_value(rules: RuleSet, name: str, value, stage: str) -> str:
    """A value read by name, as the rule file writes such a value: a parameter as written (80%), a 比例 fact as a
    percentage (0.835 → 83.5%), anything else as approximate_value() writes it."""
    parameter = rules.parameters.get(name)
    if parameter is not None:
        written = parameter.value or next(s.value for s in parameter.staged if s.stage.name == stage)
        if isinstance(written, ast.Number):
            return written.text
    fact = rules.facts.get(name)
    if fact is not None and fact.type is FactType.RATIO and isinstance(value, Decimal):
        return percent(value)
    return approximate_value(value)


def is_percent(shown: str) -> bool:
    """Whether a value is shown as a percentage: 50%, 83.5%, 人员费用支出比例下限 80%（中期）."""
    return bool(re.search(r"[%％](（[^）]*）)?$", shown))


def approximate_value(value) -> str:
    """A value as an explanation shows it: a long quotient shortened (8.333333…), anything else as show() writes it."""
    return approximate(value) if isinstance(value, Decimal) else show(value)


def rounding_note(rounding: ast.Rounding | None, rounded: Decimal) -> str:
    if rounding is None:
        return ""
    return f"，保留 {rounding.places} 位（{rounding.written or rounding.mode}）得 {plain(rounded)}"
