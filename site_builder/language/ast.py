"""The rule language's syntax tree: frozen dataclasses, each node carrying where it was written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from ..errors import SourcePos

if TYPE_CHECKING:  # the word lists live with the rule set; the tree only holds their members
    from .ruleset import FactType, Function, RoundingMode, UncheckedPolicy, VetoEffect

# --- Expressions -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Number:
    value: Decimal
    text: str
    pos: SourcePos


@dataclass(frozen=True)
class Boolean:
    value: bool
    pos: SourcePos


@dataclass(frozen=True)
class Name:
    name: str
    pos: SourcePos


@dataclass(frozen=True)
class Negate:
    operand: Expr
    pos: SourcePos


@dataclass(frozen=True)
class Binary:
    """Arithmetic: op is one of + - * /, already normalised from × ÷ ＋ －; written is the operator as the author
    wrote it (×, ÷, *), which every rendering echoes, and op_pos where it is (an unrounded ÷ is reported there)."""

    op: str
    left: Expr
    right: Expr
    pos: SourcePos
    written: str | None = None  # None (a node built by hand): op
    op_pos: SourcePos | None = None

    @property
    def shown(self) -> str:
        return self.written or self.op


@dataclass(frozen=True)
class Compare:
    """A comparison chain such as 80 <= 总分 < 90; ops are normalised to >= <= > < = !=."""

    operands: tuple[Expr, ...]
    ops: tuple[str, ...]
    pos: SourcePos
    written: tuple[str, ...] = ()  # the operators as the author wrote them (≥, ＞＝, >=); () for a node built by hand

    @property
    def shown(self) -> tuple[str, ...]:
        return self.written or self.ops


@dataclass(frozen=True)
class Logical:
    """且 (and) / 或 (or), with three-valued logic over unchecked facts."""

    op: str
    left: Expr
    right: Expr
    pos: SourcePos


@dataclass(frozen=True)
class Not:
    operand: Expr
    pos: SourcePos


@dataclass(frozen=True)
class If:
    condition: Expr
    then: Expr
    otherwise: Expr
    pos: SourcePos


@dataclass(frozen=True)
class Call:
    written: str  # as the rule spells it (平均 or mean): messages and explanations quote it
    function: Function | None  # None for a name that is no function, which the checks report
    args: tuple[Expr, ...]
    pos: SourcePos


Expr = Number | Boolean | Name | Negate | Binary | Compare | Logical | Not | If | Call

# --- Declarations ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Citation:
    """【文件简称 条款】: which clause of which declared document a declaration encodes."""

    document: str
    clause: str
    pos: SourcePos


@dataclass(frozen=True)
class Rounding:
    places: int
    mode: RoundingMode | None  # 四舍五入 when none is written; None for a word that is no mode, which the checks report
    written: str | None  # the mode as the rule spells it (四舍五入 or half_up), if it names one
    pos: SourcePos


@dataclass(frozen=True)
class Header:
    id: str
    title: str | None
    pos: SourcePos


@dataclass(frozen=True)
class Version:
    text: str
    pos: SourcePos


@dataclass(frozen=True)
class Document:
    alias: str
    title: str
    pos: SourcePos


@dataclass(frozen=True)
class Effective:
    start: date
    end: date | None
    pos: SourcePos


@dataclass(frozen=True)
class Transition:
    """过渡 至 日期: evaluations on or before until may keep the previous version, if their record says why."""

    until: date
    citation: Citation | None
    pos: SourcePos


@dataclass(frozen=True)
class Stages:
    names: tuple[Name, ...]
    pos: SourcePos


@dataclass(frozen=True)
class Party:
    name: str
    label: str | None
    weight: Decimal
    scaled: bool
    rounding: Rounding | None
    citation: Citation | None
    pos: SourcePos
    weight_pos: SourcePos | None = None  # the weight as written (55%): where a weight sum that is not 100% points


@dataclass(frozen=True)
class Aggregate:
    """按片区 平均 保留 2 位: how an item's sub-district scores become its score."""

    function: Function | None  # None for a word that is no function, which the checks report
    written: Name  # the function as the rule spells it (平均 or mean), where it is written
    rounding: Rounding | None
    pos: SourcePos


@dataclass(frozen=True)
class Item:
    name: str
    label: str | None
    party: Name
    maximum: Decimal
    aggregate: Aggregate | None
    citation: Citation | None
    pos: SourcePos
    formula: Expr | None = None  # = 表达式: a computed item, which no record scores
    rounding: Rounding | None = None  # the formula's 保留 N 位

    @property
    def computed(self) -> bool:
        return self.formula is not None


@dataclass(frozen=True)
class StagedValue:
    stage: Name
    value: Number | Boolean
    pos: SourcePos


@dataclass(frozen=True)
class Parameter:
    """A named constant; when staged, one value per evaluation stage (中期 5、末期 10)."""

    name: str
    value: Number | Boolean | None
    staged: tuple[StagedValue, ...]
    citation: Citation | None
    pos: SourcePos


@dataclass(frozen=True)
class Fact:
    """An input read from the station record: 是否 (yes/no), 数值 (number) or 比例 (percentage)."""

    name: str
    type: FactType
    label: str | None
    citation: Citation | None
    pos: SourcePos


@dataclass(frozen=True)
class Definition:
    name: str
    expr: Expr
    citation: Citation | None
    pos: SourcePos
    rounding: Rounding | None = None  # 定义 x = a ÷ b 保留 2 位


@dataclass(frozen=True)
class Total:
    rounding: Rounding | None
    citation: Citation | None
    pos: SourcePos
    scale: Number | None = None  # 满分 1000: the scale of the total; 100 when not written


@dataclass(frozen=True)
class Adjustment:
    """加分项 / 扣分项: points added to or taken from the total, clamped to [0, 上限]."""

    bonus: bool  # True: 加分项, False: 扣分项
    name: str
    label: str | None
    expr: Expr
    cap: Number | None
    citation: Citation | None
    pos: SourcePos

    @property
    def keyword(self) -> str:
        return "加分项" if self.bonus else "扣分项"


@dataclass(frozen=True)
class Bound:
    value: Decimal
    inclusive: bool
    pos: SourcePos


@dataclass(frozen=True)
class Band:
    """A grade band over the total (or another declared number): lower and upper bounds, either of which may be open-ended."""

    name: str
    lower: Bound | None
    upper: Bound | None
    citation: Citation | None
    pos: SourcePos
    quantity: Name | None = None  # what the band tests, where it is written; None (as built by hand) is 总分

    @property
    def graded(self) -> str:
        """The name of the number the band tests: 总分, a 定义 or a 评分项."""
        return self.quantity.name if self.quantity is not None else "总分"


@dataclass(frozen=True)
class VetoGrade:
    name: Name
    pos: SourcePos


@dataclass(frozen=True)
class VetoOutcome:
    """评为 不合格 (forces that grade) or 最高 合格 (caps the grade at that level), written after a veto's condition."""

    effect: VetoEffect
    grade: Name
    pos: SourcePos


@dataclass(frozen=True)
class Veto:
    """一票否决: when the condition holds, the grade is forced (评为, or the 否决等级) or capped (最高) whatever the score."""

    name: str
    label: str | None
    condition: Expr
    unchecked: UncheckedPolicy | None
    citation: Citation | None
    pos: SourcePos
    outcome: VetoOutcome | None = None  # None: the rule set's 否决等级


@dataclass(frozen=True)
class UncheckedDefault:
    policy: UncheckedPolicy
    pos: SourcePos


@dataclass(frozen=True)
class Completion:
    """How an indicator's completion rate is computed from 实际 and 目标."""

    expr: Expr
    citation: Citation | None
    pos: SourcePos


Declaration = (
    Header
    | Version
    | Document
    | Effective
    | Transition
    | Stages
    | Party
    | Item
    | Parameter
    | Fact
    | Definition
    | Total
    | Band
    | VetoGrade
    | Veto
    | UncheckedDefault
    | Completion
    | Adjustment
)


@dataclass(frozen=True)
class RuleFile:
    """A parsed rule file: its declarations in the order written."""

    path: str
    source: str
    declarations: tuple[Declaration, ...]

    def written(self, pos: SourcePos) -> str:
        """The text between pos and its end exactly as the author wrote it (× ÷ ≥ and all), on one line: how pages
        quote a formula, so that it reads like the rule file."""
        lines = self.source.splitlines()[pos.line - 1 : pos.end_line or pos.line]
        if pos.end_col is not None:
            lines[-1] = lines[-1][: pos.end_col - 1]  # the end first: on a one-line span the start cut would shift it
        lines[0] = lines[0][pos.col - 1 :]
        return " ".join(line.strip() for line in lines if line.strip())
