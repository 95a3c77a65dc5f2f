"""Hypothesis strategies for the rule language, second edition: random rule files built from every construct of the
grammar (that the checks must accept), and random station inputs that fit a checked rule set.

A program is drawn statement by statement, and each statement in one of the spellings the grammar accepts (full-width
punctuation, English aliases, ≥ ＞＝ >=, quoted or bare labels), so that the checks and the evaluation meet every
construct in every spelling. The numbers are chosen so that the rule file is valid: weights add up to 100%, each party's
items add up to its share of the scale, bands tile the graded range, computed scores stay within their 满分 and every
division has a divisor of at least 1. Inputs are drawn from the checked RuleSet, so they also fit mutated programs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from hypothesis import strategies as st

from site_builder.language.evaluate import Inputs, Unchecked
from site_builder.language.ruleset import FactType, RuleSet

PARTY_NAMES = ["第三方", "街道", "主管部门"]
ITEM_NAMES = ["服务监测", "服务成效", "运营管理", "服务质量", "满意度", "内部治理", "基础条件", "档案管理", "指标完成"]
COUNT_FACTS = ["个案完成数", "个案目标数", "报道次数", "事故起数", "缺员人次"]
RATIO_FACTS = ["支出比例", "覆盖比例"]
YES_NO_FACTS = ["重大事故", "台账不全", "整改到位", "违法违规"]
ADJUSTMENT_NAMES = ["媒体报道", "创新项目", "安全事故", "投诉扣分"]
VETO_NAMES = ["事故否决", "台账否决", "缺员否决", "比例否决", "违规否决"]
LABEL_SETS = [
    ["优秀", "良好", "合格", "基本合格", "不合格"],
    ["“5A”", "“4A”", "“3A”", "“2A”", "“1A”"],
    ["“A+”", "“A”", "“A−”", "B", "C"],
    ["一等", "“二 等”", "三等", "“不合格”", "“等级 五”"],
]
MODES = ["四舍五入", "去尾", "进一", "四舍六入五成双", "half_up", "down"]
SUB_DISTRICTS = ["东片区", "西片区", "南片区"]


@dataclass(frozen=True)
class Graded:
    """A number bands may grade: the highest value it can take, and the decimals it is rounded to (None: any)."""

    high: Decimal
    places: int | None


def places_of(statement: str) -> int | None:
    """The places of the last 保留 N 位 or 取整(…, N) in a statement the strategies wrote; None when it rounds nothing."""
    found = re.findall(r"保留 (\d+) 位|(?:取整|round)[(（].*[,，、] (\d+)[)）]", statement)
    return int(next(p for p in found[-1] if p)) if found else None


@dataclass
class Names:
    """What the program declared so far, by what an expression may read it as."""

    numbers: list[str] = field(default_factory=list)  # count and ratio facts, numeric parameters, numeric 定义
    booleans: list[str] = field(default_factory=list)  # yes/no facts and parameters, yes/no 定义
    counts: list[str] = field(default_factory=list)  # facts known to be whole numbers >= 0 (formulas divide by them)
    ratios: list[str] = field(default_factory=list)  # facts within 0 and 1
    after_total: list[str] = field(default_factory=list)  # yes/no 定义 that read 总分: only vetoes may read them
    scores: list[str] = field(default_factory=list)  # items declared so far: a computed item may read their scores


# --- spellings ----------------------------------------------------------------------------------------


def spelled(draw, *choices: str) -> str:
    return draw(st.sampled_from(choices))


def equals(draw) -> str:
    return spelled(draw, "=", "＝")


def separator(draw) -> str:
    return spelled(draw, "、", ",", "，")


def call(draw, function: str, args: list[str]) -> str:
    aliases = {"最小": ("最小", "min"), "最大": ("最大", "max"), "平均": ("平均", "mean"), "求和": ("求和", "sum"), "取整": ("取整", "round")}
    opening, closing = spelled(draw, "()", "（）")
    return f"{spelled(draw, *aliases[function])}{opening}{(separator(draw) + ' ').join(args)}{closing}"


def parenthesised(draw, text: str) -> str:
    opening, closing = spelled(draw, "()", "（）")
    return f"{opening}{text}{closing}"


def times(draw) -> str:
    return spelled(draw, "×", "*")


def compare(draw, op: str) -> str:
    return {
        ">=": spelled(draw, ">=", "≥", "＞＝"),
        "<=": spelled(draw, "<=", "≤", "＜＝"),
        ">": spelled(draw, ">", "＞"),
        "<": spelled(draw, "<", "＜"),
        "=": spelled(draw, "=", "==", "＝"),
        "!=": spelled(draw, "!=", "≠"),
    }[op]


def number(draw, low: int = 0, high: int = 20, places: int = 1) -> str:
    value = Decimal(draw(st.integers(low * 10**places, high * 10**places))).scaleb(-places)
    return format(value.normalize() if value else Decimal(0), "f")


def citation(draw, documents: bool) -> str:
    return draw(st.sampled_from(["", " 【办法 第三条】", " 【办法 第十条（二）】"])) if documents else ""


def rounding(draw, places_max: int = 3, places_min: int = 0) -> str:
    """保留 N 位 [mode]; places_min keeps a 满分 of that many decimals a value the rounded score can take."""
    mode = draw(st.sampled_from(["", *MODES]))
    return f" 保留 {draw(st.integers(places_min, places_max))} 位" + (f" {mode}" if mode else "")


# --- expressions --------------------------------------------------------------------------------------


def number_expr(draw, names: Names, depth: int = 2) -> str:
    """Any number: arithmetic, calls, conditionals over the declared numbers; divisors are at least 1."""
    leaves = [lambda: number(draw)] + ([lambda: draw(st.sampled_from(names.numbers))] if names.numbers else [])
    if depth <= 0:
        return draw(st.sampled_from(leaves))()
    forms = [
        *leaves,
        lambda: f"{number_expr(draw, names, depth - 1)} {spelled(draw, '+', '-', '＋', '－')} {number_expr(draw, names, depth - 1)}",
        lambda: f"{number_expr(draw, names, depth - 1)} {times(draw)} {number_expr(draw, names, depth - 1)}",
        lambda: f"{number_expr(draw, names, depth - 1)} {spelled(draw, '÷', '/')} {call(draw, '最大', ['1', number_expr(draw, names, 0)])}",
        lambda: call(
            draw,
            draw(st.sampled_from(["最小", "最大", "平均", "求和"])),
            [number_expr(draw, names, depth - 1) for _ in range(draw(st.integers(1, 3)))],
        ),
        lambda: call(
            draw,
            "取整",
            [number_expr(draw, names, depth - 1), str(draw(st.integers(0, 4)))] + draw(st.sampled_from([[], [draw(st.sampled_from(MODES))]])),
        ),
        lambda: f"-{parenthesised(draw, number_expr(draw, names, depth - 1))}",
        lambda: parenthesised(draw, number_expr(draw, names, depth - 1)),
        lambda: parenthesised(draw, conditional(draw, names, depth - 1)),  # 如果 binds loosest: an operand needs brackets
    ]
    return draw(st.sampled_from(forms))()


def conditional(draw, names: Names, depth: int) -> str:
    condition, then, otherwise = boolean_expr(draw, names, depth), number_expr(draw, names, depth), number_expr(draw, names, depth)
    return f"{spelled(draw, '如果', 'if')} {condition} {spelled(draw, '则', 'then')} {then} {spelled(draw, '否则', 'else')} {otherwise}"


def boolean_expr(draw, names: Names, depth: int = 2) -> str:
    """Any yes/no: comparisons (chained too), 且/或/非 in every spelling, the declared yes/no names, 是/否."""
    leaves = [
        lambda: (
            f"{number_expr(draw, names, 0)} {compare(draw, draw(st.sampled_from(['>=', '<=', '>', '<', '=', '!='])))} {number_expr(draw, names, 0)}"
        ),
        lambda: spelled(draw, "是", "否", "yes", "no"),
    ] + ([lambda: draw(st.sampled_from(names.booleans))] if names.booleans else [])
    if depth <= 0:
        return draw(st.sampled_from(leaves))()
    forms = [
        *leaves,
        lambda: f"{boolean_expr(draw, names, depth - 1)} {spelled(draw, '且', '并且', 'and')} {boolean_expr(draw, names, depth - 1)}",
        lambda: f"{boolean_expr(draw, names, depth - 1)} {spelled(draw, '或', '或者', 'or')} {boolean_expr(draw, names, depth - 1)}",
        lambda: f"{spelled(draw, '非', 'not')} {parenthesised(draw, boolean_expr(draw, names, depth - 1))}",
        lambda: f"{number(draw)} {compare(draw, '<=')} {number_expr(draw, names, 0)} {compare(draw, '<')} {number(draw, 20, 40)}",
        lambda: parenthesised(draw, boolean_expr(draw, names, depth - 1)),
    ]
    return draw(st.sampled_from(forms))()


def bounded_formula(draw, names: Names, maximum: str) -> str:
    """A computed item's formula whose value stays within 0 and 满分 for every input the strategies draw."""
    nonnegative = names.counts + names.ratios + names.scores + [number(draw)]
    numerator, divisor = draw(st.sampled_from(nonnegative)), draw(st.sampled_from(nonnegative))
    share = f"{numerator} {spelled(draw, '÷', '/')} {call(draw, '最大', ['1', divisor])}"
    forms = [
        lambda: f"{maximum} {times(draw)} {call(draw, '最小', ['1', share])}",
        lambda: call(draw, "最小", [maximum, f"{numerator} {times(draw)} 0.5"]),
        lambda: (
            f"{spelled(draw, '如果', 'if')} {boolean_expr(draw, names, 1)} {spelled(draw, '则', 'then')} {maximum} {spelled(draw, '否则', 'else')} 0"
        ),
    ]
    if names.ratios:
        forms.append(lambda: f"{maximum} {times(draw)} {draw(st.sampled_from(names.ratios))}")
    return draw(st.sampled_from(forms))()


# --- the program --------------------------------------------------------------------------------------


@st.composite
def programs(draw) -> str:
    """A valid rule file using the constructs of the second edition, statements in random order after the header."""
    names = Names()
    documents = draw(st.booleans())
    scale = draw(st.sampled_from([Decimal(100), Decimal(100), Decimal(1000), Decimal(150), Decimal(10)]))
    stages = draw(st.sampled_from([["年度"], ["中期", "末期"], ["初期", "中期", "末期"]]))
    header = header_statements(draw, stages, documents)
    body: list[str] = []
    body += fact_statements(draw, names, documents)
    body += parameter_statements(draw, names, stages, documents)
    definitions, graded_definition = definition_statements(draw, names, documents, scale)
    body += definitions
    items, converted_maxima = party_and_item_statements(draw, names, scale, documents)
    body += items
    body += adjustment_statements(draw, names, documents)
    labels = draw(st.sampled_from(LABEL_SETS))[: draw(st.integers(1, 5))]
    total = total_statements(draw, scale, documents)
    body += total
    ranges = {"总分": Graded(scale, places_of(total[0]) if total else None), **graded_definition, **converted_maxima}
    graded = draw(st.sampled_from(["总分"] * 3 + sorted(ranges)))
    bands, labels = band_statements(draw, labels, graded, ranges[graded], documents)
    body += bands
    body += veto_statements(draw, names, labels, documents)
    body += completion_statements(draw, documents)
    body = draw(st.permutations(body)) if draw(st.booleans()) else body
    return "\n".join(header + [comment(draw)] + body) + "\n"


def comment(draw) -> str:
    return draw(st.sampled_from(["", "# 注释", "＃ 全角注释 = 等级 当"]))


def header_statements(draw, stages: list[str], documents: bool) -> list[str]:
    title = spelled(draw, " “随机生成的规则”", ' "随机生成的规则"', "")
    lines = [f"规则集 随机规则{title}", "版本 " + spelled(draw, "“2025”", "2025", '"v2"', "第二版")]
    lines.append(spelled(draw, "生效 2025-01-01 起", "生效 2025-01-01 至 2026-12-31"))
    if draw(st.booleans()):
        lines.append(f"过渡 至 {spelled(draw, '2025-01-01', '2025-06-30')}{citation(draw, documents)}")
    lines.append(f"阶段 {(separator(draw)).join(stages)}")
    if documents:
        lines.append("文件 办法 " + spelled(draw, "“《评估办法》”", '"评估办法"'))
    return lines


def fact_statements(draw, names: Names, documents: bool) -> list[str]:
    lines = []
    for name in draw(st.lists(st.sampled_from(COUNT_FACTS), min_size=1, max_size=3, unique=True)):
        lines.append(f"事实 {name} 数值 “{name}的说明”{citation(draw, documents)}")
        names.numbers.append(name)
        names.counts.append(name)
    for name in draw(st.lists(st.sampled_from(RATIO_FACTS), max_size=2, unique=True)):
        lines.append(f"事实 {name} 比例{citation(draw, documents)}")
        names.numbers.append(name)
        names.ratios.append(name)
    for name in draw(st.lists(st.sampled_from(YES_NO_FACTS), max_size=3, unique=True)):
        lines.append(f"事实 {name} 是否 “{name}？”")
        names.booleans.append(name)
    return lines


def parameter_statements(draw, names: Names, stages: list[str], documents: bool) -> list[str]:
    lines = []
    if draw(st.booleans()):
        values = (separator(draw)).join(f"{stage} {number(draw, 0, 10, 0)}" for stage in stages)
        lines.append(f"参数 缺员上限 {equals(draw)} {values}{citation(draw, documents)}")
        names.numbers.append("缺员上限")
    if draw(st.booleans()):
        lines.append(f"参数 比例下限 {equals(draw)} {draw(st.integers(0, 100))}{spelled(draw, '%', '％')}")
        names.numbers.append("比例下限")
    if draw(st.booleans()):
        lines.append(f"参数 需要整改 {equals(draw)} {spelled(draw, '是', '否', 'yes', 'no')}")
        names.booleans.append("需要整改")
    return lines


def definition_statements(draw, names: Names, documents: bool, scale: Decimal) -> tuple[list[str], dict[str, Graded]]:
    """Numeric and yes/no 定义 (each may read the ones before it), and one a band may grade (it reads 总分)."""
    lines = []
    if draw(st.booleans()):
        formula = number_expr(draw, names)
        rounded = rounding(draw) if divides(formula) else draw(st.sampled_from(["", rounding(draw)]))  # it may reach a score
        lines.append(f"定义 综合指数 {equals(draw)} {formula}{rounded}{citation(draw, documents)}")
        names.numbers.append("综合指数")
    if draw(st.booleans()):
        lines.append(f"定义 风险较高 {equals(draw)} {boolean_expr(draw, names)}")
        names.booleans.append("风险较高")
    if draw(st.booleans()):
        lines.append(f"定义 总分偏低 {equals(draw)} 总分 {compare(draw, '<')} {number(draw, 0, int(scale), 0)}")
        names.after_total.append("总分偏低")
    graded = {}
    if draw(st.booleans()):  # a 定义 within 0 and the scale, rounded: what a band may grade instead of 总分
        share = f"总分 {times(draw)} {number(draw, 0, 1, 2)}"
        formula = draw(st.sampled_from([call(draw, "取整", [share, "2"]), share + rounding(draw)]))
        lines.append(f"定义 折算得分 {equals(draw)} {formula}")
        graded["折算得分"] = Graded(scale, places_of(formula))
    return lines, graded


def party_and_item_statements(draw, names: Names, scale: Decimal, documents: bool) -> tuple[list[str], dict[str, Graded]]:
    """Parties whose weights add up to 100%, each with items adding up to its share of the scale (or to 100 when
    按百分制折算). Returns the statements and each item's converted maximum: what a band on that item ranges over."""
    count = draw(st.integers(1, 3))
    weights = split(draw, Decimal(100), count, places=draw(st.sampled_from([0, 0, 1])))
    item_names = iter(draw(st.permutations(ITEM_NAMES)))
    lines, converted_maxima = [], {}
    for party, weight in zip(PARTY_NAMES, weights):
        scaled = draw(st.booleans())
        scaling = f" 按百分制折算{draw(st.sampled_from(['', rounding(draw)]))}" if scaled else ""
        label = spelled(draw, "", f" “{party}评估”")
        lines.append(f"评估方 {party}{label} 权重 {format(weight, 'f')}{spelled(draw, '%', '％')}{scaling}{citation(draw, documents)}")
        share = Decimal(100) if scaled else weight * scale / 100
        for maximum in split(draw, share, draw(st.integers(1, 3)), places=draw(st.sampled_from([0, 1]))):
            name = next(item_names)
            lines.append(item_statement(draw, names, name, party, maximum, documents))
            converted = maximum * weight * scale / 10000 if scaled else maximum
            converted_maxima[name] = Graded(converted, places_of(scaling) if scaled else places_of(lines[-1]))
            names.scores.append(name)  # later formulas may read it: its converted score is never below 0
    return lines, converted_maxima


def item_statement(draw, names: Names, name: str, party: str, maximum: Decimal, documents: bool) -> str:
    written = format(maximum, "f")
    label = spelled(draw, "", f" “{name}”")
    head = f"评分项 {name}{label} 属于 {party} 满分 {written}"
    kind = draw(st.sampled_from(["typed", "typed", "aggregated", "computed"]))
    decimals = max(0, -maximum.normalize().as_tuple().exponent)  # a 满分 of 7.5 is not rounded to 0 places
    if kind == "aggregated":
        function = draw(st.sampled_from(["平均", "最小", "最大", "mean"]))
        rounded = rounding(draw, 3, decimals)
        rounded = rounded if function in ("平均", "mean") else draw(st.sampled_from(["", rounded]))  # an average is rounded
        return f"{head} 按片区 {function}{rounded}{citation(draw, documents)}"
    if kind == "computed":
        formula = bounded_formula(draw, names, written)
        rounded = rounding(draw, 2, decimals)
        rounded = rounded if divides(formula) else draw(st.sampled_from(["", rounded]))  # a quotient is rounded
        return f"{head}\n  {equals(draw)} {formula}{rounded}{citation(draw, documents)}"
    return head + citation(draw, documents)


def divides(formula: str) -> bool:
    return any(sign in formula for sign in ("÷", "/", "平均", "mean"))


def split(draw, whole: Decimal, parts: int, places: int) -> list[Decimal]:
    """whole as `parts` positive numbers with at most `places` decimals (fewer parts when whole is too small)."""
    places = max(places, -whole.normalize().as_tuple().exponent)  # a share of 1000 × 7.5% needs a decimal
    unit = Decimal(1).scaleb(-places)
    steps = int(whole / unit)
    parts = max(1, min(parts, steps))
    cuts = sorted(draw(st.lists(st.integers(1, steps - 1), min_size=parts - 1, max_size=parts - 1, unique=True))) if parts > 1 else []
    bounds = [0, *cuts, steps]
    return [(Decimal(b - a) * unit).normalize() for a, b in zip(bounds, bounds[1:])]


def adjustment_statements(draw, names: Names, documents: bool) -> list[str]:
    lines = []
    for name in draw(st.lists(st.sampled_from(ADJUSTMENT_NAMES), max_size=3, unique=True)):
        bonus = draw(st.booleans())
        keyword = "加分项" if bonus else "扣分项"
        cap = f" 上限 {number(draw, 1, 20, 1)}" if bonus or draw(st.booleans()) else ""
        label = spelled(draw, "", f" “{name}{'加分' if bonus else '扣分'}”")
        points = number_expr(draw, names, 1)
        points = call(draw, "取整", [points, "2"]) if divides(points) else points  # points are published: a quotient is rounded
        lines.append(f"{keyword} {name}{label} {equals(draw)} {points}{cap}{citation(draw, documents)}")
    return lines


def total_statements(draw, scale: Decimal, documents: bool) -> list[str]:
    written_scale = f" 满分 {scale}" if scale != 100 or draw(st.booleans()) else ""
    if not written_scale and draw(st.booleans()):
        return []
    return [f"总分{written_scale}{draw(st.sampled_from(['', rounding(draw)]))}{citation(draw, documents)}"]


def band_statements(draw, labels: list[str], graded: str, within: Graded, documents: bool) -> tuple[list[str], list[str]]:
    """Bands tiling 0..high for the graded number, best label first, each seam closed on one side or the other;
    and the labels used (fewer than given when the range has too few cuts). Cuts lie on the number's grid (whole
    numbers when it is rounded to 0 places, else tenths), two steps apart, so that every band holds a value it takes."""
    step = Decimal(1) if within.places == 0 else Decimal("0.1")
    steps = int(within.high / step)
    drawn = sorted(set(draw(st.lists(st.integers(2, max(steps - 1, 2)), min_size=len(labels) - 1, max_size=len(labels) - 1))))
    kept: list[int] = []
    for cut in drawn:
        if cut <= steps - 1 and (not kept or cut - kept[-1] >= 2):
            kept.append(cut)
    cuts = [format((cut * step).normalize(), "f") for cut in kept]
    labels = labels[: len(cuts) + 1]
    closed_below = [draw(st.booleans()) for _ in cuts]  # True: the cut belongs to the band below it
    bottom = "0" if draw(st.booleans()) else None  # the ends may be written: 0 <= 总分 < 60, 90 <= 总分 <= 100
    top = format(highest(within).normalize(), "f") if draw(st.booleans()) else None
    lines = []
    for index, label in enumerate(reversed(labels)):  # worst first
        lower = (cuts[index - 1], not closed_below[index - 1]) if index > 0 else (bottom, True)
        upper = (cuts[index], closed_below[index]) if index < len(cuts) else (top, True)
        lines.append(f"等级 {label} 当 {band_range(draw, graded, lower, upper)}{citation(draw, documents)}")
    return lines, labels


def highest(within: Graded) -> Decimal:
    """The highest value the number can take, or above: its maximum rounded up to its places (10.989 保留 1 位 can be 11.0)."""
    return within.high if within.places is None else within.high.quantize(Decimal(1).scaleb(-within.places), rounding=ROUND_CEILING)


def band_range(draw, graded: str, lower: tuple[str | None, bool], upper: tuple[str | None, bool]) -> str:
    """A band's condition from its bounds (value, included): one-sided, two-sided, or 总分 >= 0 for a lone band."""
    (low, low_in), (high, high_in) = lower, upper
    if low is None and high is None:
        return f"{graded} {compare(draw, '>=')} 0"
    if low is None:
        return f"{graded} {compare(draw, '<=' if high_in else '<')} {high}"
    if high is None:
        return f"{graded} {compare(draw, '>=' if low_in else '>')} {low}"
    return f"{low} {compare(draw, '<=' if low_in else '<')} {graded} {compare(draw, '<=' if high_in else '<')} {high}"


def veto_statements(draw, names: Names, labels: list[str], documents: bool) -> list[str]:
    """Vetoes forcing a grade, capping it, or taking 否决等级; policies for unchecked facts; 否决等级 when needed."""
    lines, needs_grade = [], False
    names = Names(numbers=names.numbers, booleans=names.booleans + names.after_total)
    for name in draw(st.lists(st.sampled_from(VETO_NAMES), max_size=4, unique=True)):
        outcome = draw(st.sampled_from(["", "评为", "最高"]))
        needs_grade |= outcome == ""
        written = f" {outcome} {same_label(draw, draw(st.sampled_from(labels)))}" if outcome else ""
        policy = spelled(draw, "", " 未核查时 暂缓评级", " 未核查时 仅提示")
        title = spelled(draw, "", f" “{name}的情形”")
        lines.append(f"否决 {name}{title}\n  当 {boolean_expr(draw, names)}{written}{policy}{citation(draw, documents)}")
    if needs_grade or draw(st.booleans()):
        lines.append(f"否决等级 {same_label(draw, draw(st.sampled_from(labels)))}")
    if draw(st.booleans()):
        lines.append(f"未核查默认 {spelled(draw, '暂缓评级', '仅提示')}")
    return lines


def same_label(draw, label: str) -> str:
    """A grade label as another statement may name it: a name may also be written in quotes, and quoted text that
    is a name without quotes (“不合格”)."""
    if not draw(st.booleans()):
        return label
    if label.startswith("“"):
        inner = label[1:-1]
        return inner if inner.isidentifier() and not inner[0].isdigit() else label
    return f"“{label}”"


def completion_statements(draw, documents: bool) -> list[str]:
    if not draw(st.booleans()):
        return []
    formula = spelled(draw, "取整(实际 ÷ 目标 × 100, 2, 四舍五入)", "实际 / 目标", "最小(100, 实际 × 100 ÷ 目标)")
    return [f"完成率 {equals(draw)} {formula}{citation(draw, documents)}"]


# --- inputs -------------------------------------------------------------------------------------------


@st.composite
def inputs_for(draw, ruleset: RuleSet, unchecked: float = 0.08) -> Inputs:
    """A station's inputs for a checked rule set: each typed score within 0 and its 满分 (per sub-district where
    按片区), each fact of its type, some facts 未核查 (with or without a reason)."""
    stage = draw(st.sampled_from(list(ruleset.stages))) if ruleset.stages else "年度"
    scores: dict[str, Decimal | dict[str, Decimal]] = {}
    for item in ruleset.items.values():
        if item.formula is not None:
            continue
        if item.aggregate is not None:
            districts = draw(st.lists(st.sampled_from(SUB_DISTRICTS), min_size=1, max_size=3, unique=True))
            scores[item.name] = {district: score_within(draw, item.maximum) for district in districts}
        else:
            scores[item.name] = score_within(draw, item.maximum)
    facts: dict[str, object] = {}
    for fact in ruleset.facts.values():
        if draw(st.floats(0, 1)) < unchecked:
            facts[fact.name] = Unchecked(draw(st.sampled_from(["", "报告未载明"])))
        else:
            facts[fact.name] = fact_value(draw, fact.type)
    return Inputs(stage, scores, facts)


def score_within(draw, maximum: Decimal) -> Decimal:
    edge = draw(st.sampled_from(["any", "any", "zero", "full"]))
    if edge != "any":
        return Decimal(0) if edge == "zero" else maximum
    return Decimal(draw(st.integers(0, int(maximum * 100)))).scaleb(-2)


def fact_value(draw, kind: FactType) -> object:
    if kind == FactType.YES_NO:
        return draw(st.booleans())
    if kind == FactType.RATIO:
        return Decimal(draw(st.integers(0, 100))).scaleb(-2)
    return Decimal(draw(st.integers(0, 30)))
