"""A checked rule set, ready to evaluate, and the language's fixed vocabulary (functions, rounding modes, types)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal
from enum import StrEnum

from . import ast

# The language's closed word lists. Each value is the word the rule file and every output use, so a member
# prints, compares and serialises as that word; WORDING (below) holds the few that a sentence writes otherwise.


class RoundingMode(StrEnum):
    """How a figure is rounded: 保留 2 位 四舍五入; 四舍五入 unless the rule names another."""

    HALF_UP = "四舍五入"
    DOWN = "去尾"
    UP = "进一"
    HALF_EVEN = "四舍六入五成双"


class Function(StrEnum):
    """The functions a rule may call; all but 取整 are aggregates, which 按片区 also takes."""

    MIN = "最小"
    MAX = "最大"
    SUM = "求和"
    MEAN = "平均"
    ROUND = "取整"


class FactType(StrEnum):
    """What a fact holds: 事实 名称 是否 | 数值 | 比例."""

    YES_NO = "是否"
    COUNT = "数值"
    RATIO = "比例"


class ValueType(StrEnum):
    """What an expression yields, as the checks infer it."""

    NUMBER = "数值"
    BOOLEAN = "是否"


class UncheckedPolicy(StrEnum):
    """What an unchecked veto does to the grade: 未核查时 暂缓评级 | 仅提示."""

    WITHHOLD_GRADE = "暂缓评级"
    SHOW_ONLY = "仅提示"


class VetoEffect(StrEnum):
    """What a fired veto does to the grade: 评为 X forces grade X; 最高 X caps the grade at X (never raises it)."""

    FORCE = "评为"
    CAP = "最高"


def outcome_words(effect: VetoEffect, grade: str) -> str:
    """A veto's outcome in words, as pages and explanations say it: 评为不合格, 等级最高评为合格."""
    return f"评为{grade}" if effect is VetoEffect.FORCE else f"等级最高评为{grade}"


class VetoStatus(StrEnum):
    """A veto's outcome for one record; an unchecked fact is never read as yes or no."""

    FIRED = "触发"
    NOT_FIRED = "未触发"
    NOT_CHECKED = "未核查"


# Every word a rule file may write for a mode or a function → its member: the English words are aliases.
ROUNDING_MODES = {
    "四舍五入": RoundingMode.HALF_UP,
    "half_up": RoundingMode.HALF_UP,
    "去尾": RoundingMode.DOWN,
    "down": RoundingMode.DOWN,
    "进一": RoundingMode.UP,
    "up": RoundingMode.UP,
    "四舍六入五成双": RoundingMode.HALF_EVEN,
    "half_even": RoundingMode.HALF_EVEN,
}
FUNCTIONS = {
    "最小": Function.MIN,
    "min": Function.MIN,
    "最大": Function.MAX,
    "max": Function.MAX,
    "求和": Function.SUM,
    "sum": Function.SUM,
    "平均": Function.MEAN,
    "mean": Function.MEAN,
    "取整": Function.ROUND,
    "round": Function.ROUND,
}
DEFAULT_ROUNDING = RoundingMode.HALF_UP
AGGREGATES = frozenset({Function.MIN, Function.MAX, Function.SUM, Function.MEAN})

NUMBER, BOOLEAN = ValueType.NUMBER, ValueType.BOOLEAN
FACT_VALUE_TYPES = {FactType.YES_NO: BOOLEAN, FactType.COUNT: NUMBER, FactType.RATIO: NUMBER}
WITHHOLD, SHOW_ONLY = UncheckedPolicy.WITHHOLD_GRADE, UncheckedPolicy.SHOW_ONLY
NOT_GRADED = str(UncheckedPolicy.WITHHOLD_GRADE)  # how a grade withheld by an unchecked veto (None) is shown

# How a word reads in a sentence where that differs from the word itself: the one display table. The type 是否
# alone reads as 'whether', so a sentence writes “是/否”; the values yes and no read 是 and 否 however written.
# Keyed by type as well: 是否 is a ValueType and a FactType (equal strings), and True equals 1.
WORDING: dict[tuple[type, object], str] = {
    (ValueType, ValueType.BOOLEAN): "“是/否”",
    (bool, True): "是",
    (bool, False): "否",
}


def wording(word: StrEnum | bool) -> str:
    """A member of the vocabulary, or yes/no, as a sentence writes it: 数值, “是/否”, 是, 仅提示."""
    return WORDING.get((type(word), word), str(word))


# Each rounding mode → the decimal module's constant (test_evaluate checks that every mode has one).
DECIMAL_ROUNDING = {
    RoundingMode.HALF_UP: ROUND_HALF_UP,
    RoundingMode.DOWN: ROUND_DOWN,
    RoundingMode.UP: ROUND_UP,
    RoundingMode.HALF_EVEN: ROUND_HALF_EVEN,
}


def round_decimal(value: Decimal, places: int, mode: RoundingMode = DEFAULT_ROUNDING) -> Decimal:
    """Round to a number of decimal places with a named mode; 四舍五入 unless another is named."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=DECIMAL_ROUNDING[mode])


DEFAULT_SCALE = Decimal(100)


def total_scale(total: ast.Total | None) -> Decimal:
    return total.scale.value if total is not None and total.scale is not None else DEFAULT_SCALE


def scaled_score(score: Decimal, weight: Decimal, scale: Decimal) -> Decimal:
    """A score out of 100 in a party 按百分制折算: score × weight, times 满分 ÷ 100 on another scale than 100
    (on 100, exactly score × weight, so the digits stay those of today's totals)."""
    converted = score * weight
    return converted if scale == DEFAULT_SCALE else converted * scale / DEFAULT_SCALE


@dataclass(frozen=True)
class RuleSet:
    """Everything a rule file declares, checked: names resolve, weights add up, bands tile the scale."""

    source: ast.RuleFile
    id: str
    title: str
    version: str
    documents: dict[str, ast.Document]
    effective: ast.Effective
    stages: tuple[str, ...]
    parties: dict[str, ast.Party]
    items: dict[str, ast.Item]
    parameters: dict[str, ast.Parameter]
    facts: dict[str, ast.Fact]
    definitions: dict[str, ast.Definition]
    total: ast.Total | None
    bands: tuple[ast.Band, ...]
    veto_grade: str | None
    vetoes: tuple[ast.Veto, ...]
    unchecked_default: UncheckedPolicy
    completion: ast.Completion | None
    adjustments: tuple[ast.Adjustment, ...] = ()  # 加分项 and 扣分项, in the order written

    @property
    def path(self) -> str:
        return self.source.path

    @property
    def scale(self) -> Decimal:
        """The total's 满分: declared by 总分 满分 N, else 100."""
        return total_scale(self.total)

    @property
    def maximum_total(self) -> Decimal:
        """The highest total: the scale (the checks make the items' converted maxima add up to it)."""
        return self.scale

    def converted_maximum(self, item: ast.Item) -> Decimal:
        party = self.parties[item.party.name]
        return scaled_score(item.maximum, party.weight, self.scale) if party.scaled else item.maximum

    @property
    def veto_grade_pos(self) -> ast.SourcePos | None:
        """Where 否决等级 is written: the outcome line an explanation cites for a veto that writes no outcome of its own."""
        return next((d.pos for d in self.source.declarations if isinstance(d, ast.VetoGrade)), None)

    @property
    def transition(self) -> ast.Transition | None:
        """过渡 至 日期, if written: until that day an evaluation may keep the previous version (records/project.py)."""
        return next((d for d in self.source.declarations if isinstance(d, ast.Transition)), None)

    def in_force_on(self, day: date) -> bool:
        start, end = self.effective.start, self.effective.end
        return start <= day and (end is None or day <= end)

    def parameter_value(self, name: str, stage: str):
        parameter = self.parameters[name]
        if parameter.value is not None:
            return parameter.value.value
        return next(s.value.value for s in parameter.staged if s.stage.name == stage)
