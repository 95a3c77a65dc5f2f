"""Static checks on a parsed rule file, run when it loads: names, types, weights, bands, stages, cycles.

Every check appends its own error; all of them are raised together, then a RuleSet is built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext

from ..errors import (
    BandError,
    CycleError,
    DuplicateName,
    HeaderError,
    RuleTypeError,
    RuleWarning,
    SiteBuilderError,
    SourcePos,
    StageError,
    UndefinedName,
    WeightError,
    raise_if_any,
)
from . import ast
from .formatting import percent, plain
from .ruleset import (
    AGGREGATES,
    BOOLEAN,
    DEFAULT_ROUNDING,
    DEFAULT_SCALE,
    FACT_VALUE_TYPES,
    FUNCTIONS,
    NUMBER,
    ROUNDING_MODES,
    SHOW_ONLY,
    FactType,
    Function,
    RoundingMode,
    RuleSet,
    ValueType,
    VetoEffect,
    round_decimal,
    scaled_score,
    total_scale,
    wording,
)
from .vocabulary import reserved_words

SINGLE_HEADERS = {ast.Header: "规则集", ast.Version: "版本", ast.Effective: "生效", ast.Stages: "阶段"}
COMPLETION_NAMES = ("实际", "目标")
TOTAL_NAME = "总分"
MAX_PLACES = 10  # more decimal places than any score needs, and within Decimal's 40-digit precision


def check_rules(rule_file: ast.RuleFile) -> RuleSet:
    """Check a parsed rule file and build its RuleSet, raising Problems with every mistake found."""
    return Checker(rule_file).run()


class Checker:
    def __init__(self, rule_file: ast.RuleFile):
        self.file = rule_file
        self.errors: list[SiteBuilderError] = []
        # every name an expression can read → its declaration
        self.values: dict[str, ast.Item | ast.Parameter | ast.Fact | ast.Definition] = {}

    def of(self, kind) -> list:
        return [d for d in self.file.declarations if isinstance(d, kind)]

    def run(self) -> RuleSet:
        headers = self.check_headers()
        documents = self.unique(self.of(ast.Document), "alias")
        stages = self.stage_names(headers.get(ast.Stages))
        parties = self.unique(self.of(ast.Party), "name")
        items = self.unique(self.of(ast.Item), "name")
        self.declare_values()
        adjustments = self.unique_adjustments()
        self.check_citations(documents)
        self.check_items(items, parties)
        self.check_scale()
        self.check_weights(parties, items)
        self.check_parameters(stages)
        definitions = {d.name: d for d in self.of(ast.Definition)}
        if self.check_cycles(definitions, items):  # typing follows definitions, so only along chains of bounded length
            self.check_expressions(definitions)
            self.check_formulas(items, adjustments, definitions)
        bands = self.check_bands(parties, items)
        if not any(isinstance(error, CycleError) for error in self.errors):  # following definitions needs no cycles
            self.check_unrounded_divisions(items, adjustments, definitions, bands)
        veto_grade = self.check_veto_grade(bands)
        raise_if_any(self.errors)  # from here on, every statement a rule set needs is there, and only once
        header = headers.get(ast.Header)
        return RuleSet(
            source=self.file,
            id=header.id if header else "",
            title=(header.title or header.id) if header else "",
            version=headers[ast.Version].text if ast.Version in headers else "",
            documents=documents,
            effective=headers[ast.Effective],
            stages=stages,
            parties=parties,
            items=items,
            parameters={p.name: p for p in self.of(ast.Parameter)},
            facts={f.name: f for f in self.of(ast.Fact)},
            definitions=definitions,
            total=next(iter(self.of(ast.Total)), None),
            bands=bands,
            veto_grade=veto_grade,
            vetoes=tuple(self.unique(self.of(ast.Veto), "name").values()),
            unchecked_default=next((u.policy for u in self.of(ast.UncheckedDefault)), SHOW_ONLY),
            completion=next(iter(self.of(ast.Completion)), None),
            adjustments=tuple(adjustments.values()),
        )

    # --- header and names ----------------------------------------------------------------------------

    def file_start(self) -> SourcePos:
        first_line = self.file.source.split("\n", 1)[0]  # lines end at \n only, as the parser counts them
        return SourcePos(self.file.path, 1, 1, line_text=first_line)

    def check_headers(self) -> dict:
        headers = {}
        for kind, keyword in SINGLE_HEADERS.items():
            found = self.of(kind)
            if not found:
                self.errors.append(HeaderError(self.file_start(), f"规则文件缺少“{keyword}”语句。", HEADER_EXAMPLES[keyword]))
            for extra in found[1:]:
                self.errors.append(HeaderError(extra.pos, f"“{keyword}”语句只能写一次，第一次在第 {found[0].pos.line} 行。"))
            if found:
                headers[kind] = found[0]
        for kind, keyword in (
            (ast.Total, "总分"),
            (ast.VetoGrade, "否决等级"),
            (ast.Completion, "完成率"),
            (ast.UncheckedDefault, "未核查默认"),
            (ast.Transition, "过渡"),
        ):
            for extra in self.of(kind)[1:]:
                self.errors.append(HeaderError(extra.pos, f"“{keyword}”语句只能写一次，第一次在第 {self.of(kind)[0].pos.line} 行。"))
        effective = headers.get(ast.Effective)
        if effective and effective.start and effective.end and effective.end < effective.start:
            self.errors.append(HeaderError(effective.pos, "生效的结束日期早于开始日期。", "生效 2024-01-01 至 2025-12-31"))
        self.check_transition(effective)
        return headers

    def check_transition(self, effective: ast.Effective | None) -> None:
        """A transitional clause lets evaluations after this version starts keep the previous one: it must end after the start."""
        for transition in self.of(ast.Transition)[:1]:
            if effective and transition.until < effective.start:
                self.errors.append(
                    HeaderError(
                        transition.pos,
                        f"过渡期的结束日期 {transition.until} 早于本版本的生效日期 {effective.start}：过渡条款说的是本版本施行以后"
                        "哪些评估仍可沿用上一版本，应在生效日期以后结束。",
                        f"过渡 至 {effective.start.year}-12-31",
                    )
                )

    def stage_names(self, stages: ast.Stages | None) -> tuple[str, ...]:
        if stages is None:
            return ()
        return tuple(self.unique(list(stages.names), "name"))

    def unique(self, declarations: list, attribute: str) -> dict:
        seen: dict = {}
        for declaration in declarations:
            name = getattr(declaration, attribute)
            if name in seen:
                self.errors.append(DuplicateName(declaration.pos, name, seen[name].pos))
            else:
                seen[name] = declaration
        return seen

    def declare_values(self) -> None:
        """Items, parameters, facts and definitions share one namespace: expressions read them by name."""
        kinds = (ast.Item, ast.Parameter, ast.Fact, ast.Definition)
        declarations = [d for d in self.file.declarations if isinstance(d, kinds)]
        for declaration in declarations:
            if declaration.name in reserved_words():  # an expression would read the name as the keyword
                self.errors.append(RuleTypeError(declaration.pos, f"“{declaration.name}”是规则语言的关键词，不能用作名称。", "事实 整改不到位 是否"))
            if declaration.name in self.values and self.values[declaration.name] is not declaration:
                first = self.values[declaration.name]
                if not isinstance(first, ast.Item) or not isinstance(declaration, ast.Item):
                    self.errors.append(DuplicateName(declaration.pos, declaration.name, first.pos))
                continue
            self.values[declaration.name] = declaration

    def unique_adjustments(self) -> dict[str, ast.Adjustment]:
        """加分项 and 扣分项 have names of their own, unique among every name the file declares."""
        adjustments: dict[str, ast.Adjustment] = {}
        for adjustment in self.of(ast.Adjustment):
            first = adjustments.get(adjustment.name) or self.values.get(adjustment.name)
            if adjustment.name in reserved_words():
                self.errors.append(RuleTypeError(adjustment.pos, f"“{adjustment.name}”是规则语言的关键词，不能用作名称。", ADJUSTMENT_EXAMPLE))
            elif first is not None:
                self.errors.append(DuplicateName(adjustment.pos, adjustment.name, first.pos))
            else:
                adjustments[adjustment.name] = adjustment
        return adjustments

    def check_citations(self, documents: dict) -> None:
        for declaration in self.file.declarations:
            citation = getattr(declaration, "citation", None)
            if citation is not None and citation.document not in documents:
                self.errors.append(
                    UndefinedName(
                        citation.pos,
                        citation.document,
                        documents,
                        kind="文件简称",
                        example="先声明：文件 评估办法 “《广州市社工站购买服务项目评估办法》”，再写 【评估办法 第五条】",
                    )
                )

    # --- parties, items, weights ----------------------------------------------------------------------

    def check_items(self, items: dict, parties: dict) -> None:
        for item in items.values():
            if item.party.name not in parties:
                self.errors.append(
                    UndefinedName(item.party.pos, item.party.name, parties, kind="评估方", example="评估方 第三方 “第三方评估机构” 权重 55%")
                )
            if item.aggregate is not None:
                if item.aggregate.function not in AGGREGATES:
                    written = item.aggregate.written
                    self.errors.append(UndefinedName(written.pos, written.name, AGGREGATES, kind="汇总方式", example="按片区 平均 保留 2 位"))
            if item.aggregate is not None and item.computed:
                self.errors.append(
                    RuleTypeError(
                        item.aggregate.pos,
                        f"评分项“{item.name}”由公式计算，不能再“按片区”评分：两者只能选一个。",
                        f"评分项 {item.name} 属于 {item.party.name} 满分 {plain(item.maximum)} = …（去掉“按片区 …”）",
                    )
                )
            for rounding in (item.aggregate.rounding if item.aggregate else None, item.rounding):
                self.check_rounding(rounding)
            self.check_item_maximum_on_grid(item)
        for party in parties.values():
            self.check_rounding(party.rounding)
        for total in self.of(ast.Total):
            self.check_rounding(total.rounding)
            self.check_maximum_on_grid(total_scale(total), total.rounding, "总分", total_rounded(total))

    def check_item_maximum_on_grid(self, item: ast.Item) -> None:
        """A computed or sub-district score is rounded by its own 保留: its 满分 must survive that rounding."""
        if item.computed:
            head = f"评分项 {item.name} 属于 {item.party.name} 满分 {plain(item.maximum)} = … 保留 {{places}} 位"
            self.check_maximum_on_grid(item.maximum, item.rounding, f"评分项“{item.name}”", head + with_mode(item.rounding))
        elif item.aggregate is not None:
            head = f"评分项 {item.name} 属于 {item.party.name} 满分 {plain(item.maximum)} 按片区 {item.aggregate.written.name} 保留 {{places}} 位"
            self.check_maximum_on_grid(item.maximum, item.aggregate.rounding, f"评分项“{item.name}”", head + with_mode(item.aggregate.rounding))

    def check_maximum_on_grid(self, maximum: Decimal, rounding: ast.Rounding | None, what: str, statement: str) -> None:
        """A score rounded to fewer decimals than its 满分 has can round past it (满分 99.5 保留 0 位 进一: a full score
        becomes 100) or never reach it (去尾: 99): the 满分 must be a value the rounded score can take."""
        if rounding is None or rounding.mode is None or rounding.places > MAX_PLACES:  # those are reported at the 保留
            return
        needed = decimal_places(maximum)
        if needed <= rounding.places:
            return
        with localcontext() as context:
            context.prec = max(context.prec, maximum.adjusted() + needed + 2)
            full = round_decimal(maximum, rounding.places, rounding.mode)
        effect = "高于满分" if full > maximum else "达不到满分"
        fewer = "整数" if rounding.places == 0 else f"最多 {rounding.places} 位小数的数"
        message = (
            f"{what}的满分 {plain(maximum)} 有 {needed} 位小数，却只保留 {rounding.places} 位（{rounding.written or rounding.mode}）："
            f"得满分时 {plain(maximum)} 分会取为 {plain(full)} 分，{effect}。请保留至少 {needed} 位，或把满分改为{fewer}。"
        )
        self.errors.append(RuleTypeError(rounding.pos, message, statement.format(places=needed)))

    def check_rounding(self, rounding: ast.Rounding | None) -> None:
        if rounding is not None and rounding.places > MAX_PLACES:
            self.errors.append(
                RuleTypeError(rounding.pos, f"保留的位数应在 0 到 {MAX_PLACES} 之间，这里是 {rounding.places}。", "保留 2 位 四舍五入")
            )
        if rounding is not None and rounding.mode is None:
            self.errors.append(UndefinedName(rounding.pos, rounding.written, ROUNDING_MODES, kind="取整方式", example="保留 2 位 四舍五入"))

    def scale(self) -> Decimal:
        return total_scale(next(iter(self.of(ast.Total)), None))

    def check_scale(self) -> None:
        for total in self.of(ast.Total):
            if total.scale is not None and total.scale.value <= 0:
                self.errors.append(RuleTypeError(total.scale.pos, "总分的满分应大于 0。", "总分 满分 1000 保留 0 位"))

    def check_weights(self, parties: dict, items: dict) -> None:
        scale = self.scale()
        weight_sum = sum((p.weight for p in parties.values()), Decimal(0))
        if parties and weight_sum != 1:
            self.errors.append(weight_sum_error(list(parties.values()), weight_sum, items, scale))
        for party in parties.values():
            maxima = items_maxima(party, items)
            expected = DEFAULT_SCALE if party.scaled else party.weight * scale
            if maxima != expected and scale > 0:
                self.errors.append(WeightError(party.pos, *weight_message(party, maxima, expected, scale, self.of(ast.Total))))

    # --- parameters ---------------------------------------------------------------------------------

    def check_parameters(self, stages: tuple[str, ...]) -> None:
        for parameter in self.of(ast.Parameter):
            given = [s.stage for s in parameter.staged]
            for stage in given:
                if stages and stage.name not in stages:  # without a 阶段 statement, that is the error
                    self.errors.append(UndefinedName(stage.pos, stage.name, stages, kind="评估阶段", example="阶段 中期、末期"))
            names = [s.name for s in given]
            for stage in given:
                if names.count(stage.name) > 1 and stage is not given[names.index(stage.name)]:
                    self.errors.append(StageError(stage.pos, f"参数“{parameter.name}”的阶段“{stage.name}”写了两次。"))
            missing = [s for s in stages if parameter.staged and s not in names]
            if missing:
                self.errors.append(
                    StageError(parameter.pos, f"参数“{parameter.name}”缺少阶段“{'、'.join(missing)}”的取值。", "参数 缺员上限 = 中期 5、末期 10")
                )
            kinds = {type(v.value) for v in parameter.staged}
            if len(kinds) > 1:
                self.errors.append(
                    RuleTypeError(parameter.pos, f"参数“{parameter.name}”各阶段的取值类型不一致：有的是{wording(NUMBER)}，有的是{wording(BOOLEAN)}。")
                )

    # --- expressions and types ------------------------------------------------------------------------

    def check_expressions(self, definitions: dict) -> None:
        typer = Typer(self)
        for definition in definitions.values():
            found = typer.type_of(definition.expr)
            self.check_rounding(definition.rounding)
            if definition.rounding is not None and found == BOOLEAN:
                message = f"定义“{definition.name}”得出是或否，不能“保留”位数：保留位数只用于数值。"
                self.errors.append(RuleTypeError(definition.rounding.pos, message, f"定义 {definition.name} = 完成数 ÷ 目标数 保留 2 位"))
        for veto in self.of(ast.Veto):
            typer.expect(veto.condition, BOOLEAN, f"否决条件“{veto.name}”应得出是或否", "当 社工缺少人次 >= 缺员上限")
        for completion in self.of(ast.Completion):
            typer.expect(
                completion.expr, NUMBER, "完成率应得出一个数值", "完成率 = 取整(实际 ÷ 目标 × 100, 2)", extra=dict.fromkeys(COMPLETION_NAMES, NUMBER)
            )
            self.check_completion_names(completion)

    def check_completion_names(self, completion: ast.Completion) -> None:
        """A completion rate is worked out per indicator, apart from any station's scores, facts or stage."""
        for name in name_nodes(completion.expr):
            declaration = self.values.get(name.name)
            fixed = isinstance(declaration, ast.Parameter) and declaration.value is not None
            if name.name not in COMPLETION_NAMES and not fixed and (declaration or name.name == TOTAL_NAME):
                self.errors.append(
                    RuleTypeError(
                        name.pos, f"完成率公式只能用“实际”“目标”、数字和不分阶段的参数，不能用“{name.name}”。", "完成率 = 取整(实际 ÷ 目标 × 100, 2)"
                    )
                )

    def check_cycles(self, definitions: dict, items: dict) -> bool:
        """Report reference cycles and over-long chains; True when definitions can be walked safely.
        A computed item is a node like a definition: its formula may read definitions that read it."""
        formulas = {name: d.expr for name, d in definitions.items()} | {name: i.formula for name, i in items.items() if i.computed}
        graph = {name: names_in(expr) & formulas.keys() for name, expr in formulas.items()}
        nodes = definitions | {name: item for name, item in items.items() if item.computed}
        cycles = find_cycles(graph)
        for cycle in cycles:
            first = nodes[cycle[0]]
            path = " → ".join(cycle + [cycle[0]])
            if all(name in definitions for name in cycle):
                self.errors.append(CycleError(first.pos, f"定义之间循环引用：{path}。定义不能直接或间接引用自己。"))
            else:
                self.errors.append(CycleError(first.pos, f"定义与计算的评分项之间循环引用：{path}。公式不能直接或间接引用自己。"))
        return not cycles and self.check_chain_length(graph, nodes)

    def check_formulas(self, items: dict, adjustments: dict, definitions: dict) -> None:
        """A computed item's formula and an adjustment's expression give a number, and are worked out before the total."""
        typer = Typer(self)
        for item in (i for i in items.values() if i.computed):
            example = f"评分项 {item.name} 属于 {item.party.name} 满分 10 = 10 × 最小(1, 完成数 ÷ 目标数)"
            typer.expect(item.formula, NUMBER, f"评分项“{item.name}”的公式应得出一个分数", example)
            self.check_before_total(item.formula, f"评分项“{item.name}”的公式", definitions, items)
        for adjustment in adjustments.values():
            typer.expect(adjustment.expr, NUMBER, f"{adjustment.keyword}“{adjustment.name}”应得出一个分数", ADJUSTMENT_EXAMPLE)
            self.check_before_total(adjustment.expr, f"{adjustment.keyword}“{adjustment.name}”", definitions, items)
            self.check_cap(adjustment)

    def check_before_total(self, expr, what: str, definitions: dict, items: dict) -> None:
        """The total is the sum of the items and adjustments: neither can read it, directly or through a definition."""
        seen, pending = set(), [expr]
        while pending:
            for name in name_nodes(pending.pop()):
                if name.name == TOTAL_NAME:
                    self.errors.append(RuleTypeError(name.pos, f"{what}不能引用总分：总分由各评分项与加分、扣分合计而来。", ADJUSTMENT_EXAMPLE))
                    return
                formula = definitions[name.name].expr if name.name in definitions else getattr(items.get(name.name), "formula", None)
                if formula is not None and name.name not in seen:
                    seen.add(name.name)
                    pending.append(formula)

    def check_cap(self, adjustment: ast.Adjustment) -> None:
        if adjustment.cap is None and adjustment.bonus:
            example = f"加分项 {adjustment.name} = … 上限 3"
            self.errors.append(RuleTypeError(adjustment.pos, f"加分项“{adjustment.name}”没有写上限：加分项要写明最多加几分。", example))
        elif adjustment.cap is not None and adjustment.cap.value <= 0:
            example = f"{adjustment.keyword} {adjustment.name} = … 上限 {'3' if adjustment.bonus else '20'}"
            message = f"{adjustment.keyword}“{adjustment.name}”的上限应大于 0，这里是 {adjustment.cap.text}。"
            self.errors.append(RuleTypeError(adjustment.cap.pos, message, example))

    def check_chain_length(self, graph: dict[str, set[str]], definitions: dict) -> bool:
        """Evaluation follows definitions recursively; a bound on how far one leads keeps it within the stack."""
        for name, length in chain_lengths(graph).items():
            if length > MAX_DEFINITION_CHAIN:
                self.errors.append(
                    CycleError(definitions[name].pos, f"定义“{name}”经由其他定义层层引用，超过 {MAX_DEFINITION_CHAIN} 层。请合并中间的定义。")
                )
                return False
        return True

    # --- unrounded divisions -----------------------------------------------------------------------------

    def check_unrounded_divisions(self, items: dict, adjustments: dict, definitions: dict, bands: tuple[ast.Band, ...]) -> None:
        """A ÷ or 平均 whose value reaches a published figure (a computed item's score, a 加分/扣分, the total) or
        the graded number without any rounding on the way gives a 40-digit figure (1 ÷ 3): an error at the
        operator asking for 保留 N 位. Rounding on the way is 取整(…), a 定义's or item's 保留, and for what reaches
        only the total, the total's own 保留; a division that is compared (a veto's 支出 ÷ 收入 < 80%) reaches nothing."""
        reported: set[SourcePos] = set()
        tracer = DivisionTracer(definitions)
        for item in (i for i in items.values() if i.computed and i.rounding is None):
            fix = f"评分项 {item.name} 属于 {item.party.name} 满分 {plain(item.maximum)} = … 保留 2 位"
            self.report_divisions(tracer, tracer.unrounded(item.formula), f"评分项“{item.name}”的分数", fix, reported)
        for adjustment in adjustments.values():  # 加分、扣分 are shown on the report: rounded in the formula, by 取整
            fix = f"{adjustment.keyword} {adjustment.name} = 取整(…, 2)" + (f" 上限 {adjustment.cap.text}" if adjustment.cap else "")
            self.report_divisions(tracer, tracer.unrounded(adjustment.expr), f"{adjustment.keyword}“{adjustment.name}”的分数", fix, reported)
        graded = definitions.get(bands[0].graded) if bands else None
        if graded is not None and definition_rounding(graded)[0] is None:
            fix = f"定义 {graded.name} = … 保留 2 位"
            self.report_divisions(tracer, tracer.unrounded(graded.expr), f"评定等级所用的“{graded.name}”", fix, reported)
        for item in (i for i in items.values() if i.aggregate is not None and i.aggregate.rounding is None):
            if averaged(item) and not item.computed:  # a computed item scored per sub-district is an error of its own
                fix = f"评分项 {item.name} 属于 {item.party.name} 满分 {plain(item.maximum)} 按片区 {item.aggregate.written.name} 保留 2 位"
                self.report_divisions(tracer, [item.aggregate.written], f"评分项“{item.name}”的分数", fix, reported)

    def report_divisions(self, tracer: DivisionTracer, found: list, reaches: str, fix: str, reported: set[SourcePos]) -> None:
        for node in found:
            pos = division_pos(node)
            if pos in reported:
                continue
            reported.add(pos)
            operator = node.shown if isinstance(node, ast.Binary) else node.written if isinstance(node, ast.Call) else node.name
            home = tracer.home(node)
            where = f"（在定义“{home}”中）" if home else ""
            example = f"定义 {home} = … 保留 2 位，或 {fix}" if home else fix
            message = (
                f"“{operator}”的结果{where}没有保留位数，直接成为{reaches}：除法与平均常得出无尽的小数（如 10 ÷ 3 = 3.333…），"
                "公布的分数会有几十位。请写明保留几位（保留 N 位，或 取整(…, N)）。"
            )
            self.errors.append(RuleTypeError(pos, message, example))

    # --- grade bands ----------------------------------------------------------------------------------

    def check_bands(self, parties: dict, items: dict) -> tuple[ast.Band, ...]:
        bands = list(self.unique(self.of(ast.Band), "name").values())
        for band in bands:
            if not band.name.strip():
                self.errors.append(BandError(band.pos, "等级的名称不能是空白。", "等级 “5A” 当 总分 >= 900"))
        if not bands:
            self.errors.append(BandError(self.file_start(), "规则文件没有任何“等级”语句。", "等级 优秀 当 总分 >= 90"))
            return ()
        best_first = tuple(reversed(sorted(bands, key=lower_key)))  # the grade order: the band with the highest range first
        graded = self.graded_range(bands, parties, items)
        if graded is None:  # the bands grade different numbers, or one that cannot be graded: reported already
            return best_first
        reachable = [band for band in bands if self.reachable(band, graded)]
        if reachable:  # an unreachable band is reported once, not again as an overlap or a gap
            self.check_band_coverage(sorted(reachable, key=lower_key), graded)
        return best_first

    def graded_range(self, bands: list[ast.Band], parties: dict, items: dict) -> GradedRange | None:
        """What every band grades and the values it can take (see GradedRange); None, reported, when the bands
        grade different numbers (at the first band that differs) or one that is not a number a grade can rest on."""
        first = bands[0]
        for band in bands[1:]:
            if band.graded != first.graded:
                self.errors.append(mixed_quantity_error(band, first))
                return None
        name, declaration = first.graded, self.values.get(first.graded)
        if name == TOTAL_NAME:
            total = next(iter(self.of(ast.Total)), None)
            rounding = total.rounding if total else None
            return GradedRange(name, Decimal(0), self.total_ceiling(parties, items), *declared_rounding(rounding), total_rounded(total))
        if isinstance(declaration, ast.Item):  # a band reads the item's converted score, as every expression does
            rounding, round_as = item_rounding(declaration, parties.get(declaration.party.name))
            return GradedRange(name, Decimal(0), self.total_ceiling(parties, {name: declaration}), *declared_rounding(rounding), round_as)
        if isinstance(declaration, ast.Definition) and self.definition_is_number(declaration):  # its range assumed: as the total
            round_as = f"定义 {declaration.name} = … 保留 {{places}} 位"
            return GradedRange(name, Decimal(0), self.total_ceiling(parties, items), *definition_rounding(declaration), round_as)
        known = [TOTAL_NAME] + [n for n, d in self.values.items() if isinstance(d, (ast.Item, ast.Definition))]
        self.errors.append(ungradable_error(first, declaration, known))
        return None

    def definition_is_number(self, definition: ast.Definition) -> bool:
        """Whether a definition yields a number; a definition that does not type is reported by check_expressions,
        so the errors this look finds are dropped here (and a cycle, reported by check_cycles, is not followed)."""
        if any(isinstance(error, CycleError) for error in self.errors):
            return True
        reported = len(self.errors)
        found = Typer(self).definition_type(definition)
        del self.errors[reported:]
        return found != BOOLEAN

    def reachable(self, band: ast.Band, graded: GradedRange) -> bool:
        lower, upper = band.lower, band.upper
        if lower and upper and (lower.value, not lower.inclusive) > (upper.value, upper.inclusive):
            self.errors.append(BandError(band.pos, f"等级“{band.name}”的下限高于上限，任何{graded.name}都达不到。"))
            return False
        if (lower and (lower.value, not lower.inclusive) > (graded.high, False)) or (upper and (upper.value, upper.inclusive) < (graded.low, True)):
            self.errors.append(BandError(band.pos, f"等级“{band.name}”在 {graded.low} 到 {graded.high} 分之外，任何{graded.name}都达不到。"))
            return False
        if graded.span(band_interval(band, graded)) is None:  # 89.2 <= 总分 < 89.8 on a whole-number total
            message = f"等级“{band.name}”的范围内没有{graded.name}能取到的值：{graded.name}{graded.precision_words()}。"
            self.errors.append(BandError(band.pos, message, f"等级 {written_grade(band.name)} 当 {band_condition(band)}"))
            return False
        return True

    def total_ceiling(self, parties: dict, items: dict) -> Decimal:
        total, scale = Decimal(0), self.scale()
        for item in items.values():
            party = parties.get(item.party.name)
            total += scaled_score(item.maximum, party.weight, scale) if party and party.scaled else item.maximum
        return total

    def check_band_coverage(self, ordered: list[ast.Band], graded: GradedRange) -> None:
        """Bands must tile the graded number's range (GradedRange: 0 to the highest total): no overlap, no gap.
        The one home of coverage: every value the graded number can take falls in exactly one band."""
        name, bottom, top = graded.name, ordered[0], ordered[-1]
        lowest, highest = bottom.lower, top.upper
        if lowest and graded.span((graded.low, True, lowest.value, not lowest.inclusive)) is not None:
            beyond = f"{name}低于 {plain(lowest.value)} 分" if lowest.inclusive else f"{name} {plain(lowest.value)} 分及以下"
            message = f"{beyond}时不属于任何等级。" + end_advice(bottom, "最低")
            self.errors.append(BandError(bottom.pos, message, f"等级 {written_grade(bottom.name)} 当 {band_condition(replace(bottom, lower=None))}"))
        for below, above in zip(ordered, ordered[1:]):
            self.check_band_seam(below, above, graded, ordered)
        if highest and graded.span((highest.value, not highest.inclusive, graded.high, True)) is not None:
            beyond = score_range(highest.value, not highest.inclusive, None, True, name)  # 总分高于 95 分, 总分 95 分及以上
            message = f"{beyond}时不属于任何等级（最高可得 {plain(graded.high)} 分）。" + end_advice(top, "最高")
            self.errors.append(BandError(top.pos, message, f"等级 {written_grade(top.name)} 当 {band_condition(replace(top, upper=None))}"))

    def check_band_seam(self, below: ast.Band, above: ast.Band, graded: GradedRange, bands: list[ast.Band]) -> None:
        """Neighbouring bands must meet exactly on the values the graded number can take (after its declared
        rounding, GradedRange.span). An overlap or a gap is reported at both bounds that meet, since either may be
        the one the author changed, each with the fix for its own line (the other bound kept); where rounding the
        number instead would also close it, that reading is offered too, with what each does to an example score."""
        high, low = below.upper, above.lower
        if high is None or low is None or high.value > low.value or (high.value == low.value and high.inclusive and low.inclusive):
            interval = overlap_interval(below, above, graded)
            span = graded.span(interval)
            if span is None:  # no value the number can take lies in both
                return
            scores = graded.span_words(span) if graded.by_values(span) else overlap_range(below, above, graded)
            what = f"等级“{below.name}”与“{above.name}”的分数范围重叠：{scores}同时属于“{below.name}”和“{above.name}”。"
            example = span[0]
        elif high.value < low.value or not (high.inclusive or low.inclusive):
            interval = (high.value, not high.inclusive, low.value, not low.inclusive)
            span = graded.span(interval)
            if span is None:  # the gap holds no value the number can take: 89 and 90 meet when it is a whole number
                return
            example = gap_example(high, low, span, graded)
            scores = graded.gap_words(span, example) if graded.by_values(span) else gap_range(high, low, graded.name, example)
            what = f"等级“{below.name}”与“{above.name}”之间有空档：{scores}。"
        else:
            return
        reading = rounding_reading(graded, interval, example, bands)
        fixes = seam_fixes(below, above)
        for fix in fixes:
            advice = fix.advice() + (fix_effect(fix, bands, example) + reading if reading else "")
            self.errors.append(BandError(fix.at, what + advice, f"等级 {written_grade(fix.band.name)} 当 {band_condition(fix.fixed_band())}"))
        if not fixes:  # each band reaches past the other at both ends: no single bound can fix it
            self.errors.append(BandError(above.pos, what + reading, f"等级 良好 当 80 <= {graded.name} < 90，等级 优秀 当 {graded.name} >= 90"))

    def check_veto_grade(self, bands: tuple[ast.Band, ...]) -> str | None:
        """否决等级 is the outcome of every veto that writes none; each grade an outcome names must be a band's."""
        self.check_outcome_grades(bands)
        grades = self.of(ast.VetoGrade)
        if not grades:
            without_outcome = [veto for veto in self.of(ast.Veto) if veto.outcome is None]
            if without_outcome:
                example = "否决等级 不合格，或在否决条件后写明结果：评为 不合格 或 最高 合格"
                self.errors.append(HeaderError(without_outcome[0].pos, "有“否决”语句，但没有声明否决后的等级。", example))
            return None
        name = grades[0].name
        if name.name not in {b.name for b in bands}:
            self.errors.append(UndefinedName(name.pos, name.name, [b.name for b in bands], kind="等级", example="否决等级 不合格"))
        return name.name

    def check_outcome_grades(self, bands: tuple[ast.Band, ...]) -> None:
        names = [band.name for band in bands]
        for veto in self.of(ast.Veto):
            if veto.outcome is not None and veto.outcome.grade.name not in names:
                grade, effect = veto.outcome.grade, veto.outcome.effect
                example = f"否决 {veto.name} 当 … {effect} {written_grade(names[-1]) if names else '不合格'}"
                self.errors.append(UndefinedName(grade.pos, grade.name, names, kind="等级", example=example))


class Typer:
    """Infers 数值 or 是否 for each expression and reports names, functions and types that do not fit."""

    def __init__(self, checker: Checker):
        self.checker = checker
        self.extra: dict[str, ValueType] = {}
        self.definition_types: dict[str, ValueType | None] = {}

    def error(self, error: SiteBuilderError) -> None:
        self.checker.errors.append(error)

    def expect(self, expr, wanted: ValueType, what: str, example: str, extra: dict | None = None) -> None:
        self.extra = extra or {}
        found = self.type_of(expr)
        self.extra = {}
        if found is not None and found != wanted:
            self.error(RuleTypeError(expr.pos, f"{what}，这里得出的是{wording(found)}。", example))

    def need(self, expr, wanted: ValueType, context: str) -> None:
        found = self.type_of(expr)
        if found is not None and found != wanted:
            self.error(RuleTypeError(expr.pos, f"{context}需要{wording(wanted)}，这里是{wording(found)}。", TYPE_EXAMPLES[wanted]))

    def type_of(self, expr) -> ValueType | None:
        return TYPE_OF[type(expr)](self, expr)  # keyed by the AST class: a renamed class fails loudly, here

    def type_number(self, expr):
        return NUMBER

    def type_boolean(self, expr):
        return BOOLEAN

    def type_name(self, expr: ast.Name):
        if expr.name in self.extra:
            return self.extra[expr.name]
        if expr.name == TOTAL_NAME:
            return NUMBER
        declaration = self.checker.values.get(expr.name)
        if declaration is None:
            known = list(self.checker.values) + list(self.extra) + [TOTAL_NAME]
            self.error(UndefinedName(expr.pos, expr.name, known, example="先声明：事实 社工缺少人次 数值，或 参数 缺员上限 = 中期 5、末期 10"))
            return None
        return self.declared_type(declaration)

    def declared_type(self, declaration) -> ValueType | None:
        if isinstance(declaration, ast.Item):
            return NUMBER
        if isinstance(declaration, ast.Fact):
            return FACT_VALUE_TYPES[declaration.type]
        if isinstance(declaration, ast.Parameter):
            value = declaration.value or (declaration.staged[0].value if declaration.staged else None)
            return BOOLEAN if isinstance(value, ast.Boolean) else NUMBER
        return self.definition_type(declaration)

    def definition_type(self, definition: ast.Definition) -> ValueType | None:
        if definition.name not in self.definition_types:
            self.definition_types[definition.name] = None  # a cycle reads as unknown; check_cycles reports it
            saved, self.extra = self.extra, {}
            self.definition_types[definition.name] = self.type_of(definition.expr)
            self.extra = saved
        return self.definition_types[definition.name]

    def type_negate(self, expr: ast.Negate):
        self.need(expr.operand, NUMBER, "负号")
        return NUMBER

    def type_binary(self, expr: ast.Binary):
        self.need(expr.left, NUMBER, f"“{expr.op}”的左边")
        self.need(expr.right, NUMBER, f"“{expr.op}”的右边")
        return NUMBER

    def type_compare(self, expr: ast.Compare):
        types = [self.type_of(o) for o in expr.operands]
        for op, left, right, operand in zip(expr.ops, types, types[1:], expr.operands[1:]):
            if op in ("=", "!=") and left is not None and right is not None and left != right:
                self.error(RuleTypeError(operand.pos, f"不能比较{wording(left)}与{wording(right)}。", "人员费用支出比例 < 80%"))
            elif op not in ("=", "!=") and BOOLEAN in (left, right):
                self.error(RuleTypeError(operand.pos, f"“{op}”只能比较{wording(NUMBER)}，不能比较{wording(BOOLEAN)}。", "社工缺少人次 >= 缺员上限"))
        return BOOLEAN

    def type_logical(self, expr: ast.Logical):
        self.need(expr.left, BOOLEAN, f"“{expr.op}”的左边")
        self.need(expr.right, BOOLEAN, f"“{expr.op}”的右边")
        return BOOLEAN

    def type_not(self, expr: ast.Not):
        self.need(expr.operand, BOOLEAN, "“非”")
        return BOOLEAN

    def type_if(self, expr: ast.If):
        self.need(expr.condition, BOOLEAN, "“如果”的条件")
        then, otherwise = self.type_of(expr.then), self.type_of(expr.otherwise)
        if then is not None and otherwise is not None and then != otherwise:
            self.error(
                RuleTypeError(
                    expr.otherwise.pos,
                    f"“则”与“否则”两边的类型应一致：一边是{wording(then)}，一边是{wording(otherwise)}。",
                    "如果 费用不足 则 1 否则 0",
                )
            )
        return then or otherwise

    def type_call(self, expr: ast.Call):
        if expr.function is None:
            self.error(UndefinedName(expr.pos, expr.written, FUNCTIONS, kind="函数", example="取整(x, 2)、平均(a, b, c)"))
            return None
        if expr.function is Function.ROUND:
            return self.type_round(expr)
        if not expr.args:
            self.error(RuleTypeError(expr.pos, f"“{expr.written}”至少需要一个数值。", f"{expr.written}(a, b)"))
        for arg in expr.args:
            self.need(arg, NUMBER, f"“{expr.written}”")
        return NUMBER

    def type_round(self, expr: ast.Call):
        example = "取整(x, 2) 或 取整(x, 2, 四舍五入)"
        if not 2 <= len(expr.args) <= 3:
            self.error(RuleTypeError(expr.pos, "“取整”需要两到三个参数：数值、保留位数、取整方式（可省略，默认四舍五入）。", example))
            return NUMBER
        self.need(expr.args[0], NUMBER, "“取整”")
        places = expr.args[1]
        if not (isinstance(places, ast.Number) and places.value == places.value.to_integral_value() and places.value <= MAX_PLACES):
            self.error(RuleTypeError(places.pos, f"“取整”的第二个参数应是保留的位数：0 到 {MAX_PLACES} 之间的整数。", example))
        if len(expr.args) == 3:
            mode = expr.args[2]
            if not (isinstance(mode, ast.Name) and mode.name in ROUNDING_MODES):
                name = mode.name if isinstance(mode, ast.Name) else "?"
                self.error(UndefinedName(mode.pos, name, ROUNDING_MODES, kind="取整方式", example=example))
        return NUMBER


# Each expression class → the method that infers its type (test_checks checks that every class has one).
TYPE_OF = {
    ast.Number: Typer.type_number,
    ast.Boolean: Typer.type_boolean,
    ast.Name: Typer.type_name,
    ast.Negate: Typer.type_negate,
    ast.Binary: Typer.type_binary,
    ast.Compare: Typer.type_compare,
    ast.Logical: Typer.type_logical,
    ast.Not: Typer.type_not,
    ast.If: Typer.type_if,
    ast.Call: Typer.type_call,
}


def names_in(expr) -> set[str]:
    """Every name an expression reads, at any depth."""
    return {name.name for name in name_nodes(expr)}


def name_nodes(expr):
    if isinstance(expr, ast.Name):
        yield expr
    for child in children(expr):
        yield from name_nodes(child)


def children(expr) -> tuple:
    if isinstance(expr, (ast.Negate, ast.Not)):
        return (expr.operand,)
    if isinstance(expr, (ast.Binary, ast.Logical)):
        return (expr.left, expr.right)
    if isinstance(expr, ast.Compare):
        return expr.operands
    if isinstance(expr, ast.If):
        return (expr.condition, expr.then, expr.otherwise)
    if isinstance(expr, ast.Call):
        # A rounding mode is a word, not a value: 取整(x, 2, 四舍五入).
        return expr.args[:2] if expr.function is Function.ROUND else expr.args
    return ()


MAX_DEFINITION_CHAIN = 50


def chain_lengths(graph: dict[str, set[str]]) -> dict[str, int]:
    """For an acyclic graph: the longest chain of references starting at each node, computed without recursion."""
    lengths: dict[str, int] = {}
    for start in sorted(graph):
        stack = [start]
        while stack:
            node = stack[-1]
            pending = [n for n in graph[node] if n not in lengths]
            if pending:
                stack += pending
                continue
            stack.pop()
            lengths[node] = 1 + max((lengths[n] for n in graph[node]), default=0)
    return lengths


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Reference cycles, each reported once; an iterative depth-first search, linear in the graph's size."""
    cycles, finished, on_path = [], set(), []
    for start in sorted(graph):
        if start in finished:
            continue
        stack = [(start, iter(sorted(graph.get(start, ()))))]
        on_path.append(start)
        while stack:
            node, successors = stack[-1]
            successor = next(successors, None)
            if successor is None:
                stack.pop()
                on_path.pop()
                finished.add(node)
            elif successor in on_path:
                cycles.append(on_path[on_path.index(successor) :])
            elif successor not in finished:
                stack.append((successor, iter(sorted(graph.get(successor, ())))))
                on_path.append(successor)
    return cycles


def lower_key(band: ast.Band):
    if band.lower is None:
        return (Decimal("-Infinity"), False)
    return (band.lower.value, not band.lower.inclusive)


def averaged(item: ast.Item) -> bool:
    return item.aggregate is not None and item.aggregate.function is Function.MEAN


def division_pos(node) -> SourcePos:
    """Where an unrounded division is reported: the ÷ itself, the 平均 of a call or of 按片区."""
    if isinstance(node, ast.Binary) and node.op_pos is not None:
        return node.op_pos
    if isinstance(node, ast.Call):  # the function's name, not its arguments
        return replace(node.pos, end_line=node.pos.line, end_col=node.pos.col + len(node.written))
    return node.pos


class DivisionTracer:
    """Finds the ÷ and 平均 whose value an expression passes on as a number without rounding it: not inside
    取整(…), not under a comparison (which makes a yes/no of it), and through definitions that do not round."""

    def __init__(self, definitions: dict):
        self.definitions = definitions
        self.of_definition: dict[str, list] = {}
        self.homes: dict[SourcePos, str] = {}  # a division found in a 定义 → that 定义's name, for the message

    def home(self, node) -> str | None:
        return self.homes.get(division_pos(node))

    def unrounded(self, expr) -> list:
        if isinstance(expr, ast.Binary):  # the outermost ÷ only: rounding it rounds whatever it divides
            return [expr] if expr.op == "/" else self.unrounded(expr.left) + self.unrounded(expr.right)
        if isinstance(expr, ast.Negate):
            return self.unrounded(expr.operand)
        if isinstance(expr, ast.If):  # the condition is a yes/no; either branch's number is passed on
            return self.unrounded(expr.then) + self.unrounded(expr.otherwise)
        if isinstance(expr, ast.Call):
            if expr.function is Function.ROUND:
                return []
            if expr.function is Function.MEAN:
                return [expr]
            return [node for arg in expr.args for node in self.unrounded(arg)]
        if isinstance(expr, ast.Name) and expr.name in self.definitions:
            return self.through_definition(self.definitions[expr.name])
        return []  # a number, a fact, an item (rounded or reported on its own), or a yes/no

    def through_definition(self, definition: ast.Definition) -> list:
        if definition.name not in self.of_definition:
            self.of_definition[definition.name] = []  # the checks ran for cycles; this only guards the walk
            found = [] if definition_rounding(definition)[0] is not None else self.unrounded(definition.expr)
            for node in found:
                self.homes.setdefault(division_pos(node), definition.name)
            self.of_definition[definition.name] = found
        return self.of_definition[definition.name]


Interval = tuple[Decimal, bool, Decimal | None, bool]  # start, start included, end (None: no end), end included


@dataclass(frozen=True)
class GradedRange:
    """The number the bands grade and the values it can take, which the bands must cover once each: 总分 from 0 to
    its highest total; a 评分项 from 0 to its converted maximum; a 定义 is assumed to range as the total does
    (0 to the highest total; its range is not inferred from its formula). After a declared rounding (保留 N 位) it
    takes only values with N decimals: with 保留 0 位, 89 and 90 are neighbours and nothing lies between them."""

    name: str
    low: Decimal
    high: Decimal
    places: int | None = None  # 保留 N 位 on the number (or on the way to it); None: any number
    mode: RoundingMode = DEFAULT_ROUNDING
    round_as: str | None = None  # the statement that declares its rounding, with {places}; None: it cannot be rounded

    def __post_init__(self) -> None:
        # The highest value is the highest unrounded one after rounding: 33.3 × 33% = 10.989 保留 1 位 (四舍五入 or 进一)
        # is 11.0, which a band ending at 10.989 would leave ungraded.
        if self.places is None or self.places > MAX_PLACES:  # too many places is reported at the 保留
            return
        with localcontext() as context:
            context.prec = max(context.prec, self.high.adjusted() + self.places + 2)  # exact, however large the scale
            top = round_decimal(self.high, self.places, self.mode)
        if top != self.high:
            object.__setattr__(self, "high", top)

    def span(self, interval: Interval, places: int | None = None) -> tuple[Decimal, Decimal] | None:
        """The lowest and highest values the number can take within the interval (clipped to its range), on the
        grid of `places` decimals (its own rounding by default); None when it takes none there."""
        places = self.places if places is None else places
        start, start_in, end, end_in = interval
        if start < self.low or (start == self.low and not start_in):
            start, start_in = (self.low, True) if start < self.low else (start, start_in)
        if end is None or end > self.high:
            end, end_in = self.high, True
        if places is None:  # any real number: the interval itself, when it holds any
            return (start, end) if start < end or (start == end and start_in and end_in) else None
        step = Decimal(1).scaleb(-places)
        first = on_grid(start, places, ROUND_CEILING)
        first += step if first == start and not start_in else 0
        last = on_grid(end, places, ROUND_FLOOR)
        last -= step if last == end and not end_in else 0
        return (first, last) if first <= last else None

    def by_values(self, span: tuple[Decimal, Decimal]) -> bool:
        """Whether a range is best named by the values it holds (总分 90 至 94（只取整数）, 总分恰好 90 分) rather than
        by its bounds: for a whole-number total, or a single value; with decimals the bounds read more easily."""
        return self.places == 0 or (self.places is not None and span[0] == span[1])

    def precision_words(self) -> str:
        return "保留 0 位，只取整数" if self.places == 0 else f"保留 {self.places} 位小数"

    def span_words(self, span: tuple[Decimal, Decimal]) -> str:
        """The values a rounded number takes in a range, both ends included: 总分 85 至 89（保留 0 位，只取整数）."""
        first, last = span
        if first == last:
            return f"{self.name}恰好 {plain(first)} 分"
        return f"{self.name} {plain(first)} 至 {plain(last)}（{self.precision_words()}，含两端）"

    def gap_words(self, span: tuple[Decimal, Decimal], example: Decimal) -> str:
        said = self.span_words(span) + "不属于任何等级"
        return said if span[0] == span[1] else f"{said}，如 {plain(example)} 分"


def on_grid(value: Decimal, places: int, rounding: str) -> Decimal:
    """The value rounded to `places` decimals (ROUND_CEILING or ROUND_FLOOR), exactly: a bound written with more digits
    than Decimal's 28 (89.99999999999999999999999999999999) must not round to 90 on the way."""
    step = Decimal(1).scaleb(-places)
    with localcontext() as context:
        context.prec = max(context.prec, len(value.as_tuple().digits) + places + 2)
        return (value / step).to_integral_value(rounding) * step


def decimal_places(value: Decimal) -> int:
    """How many decimals a number needs: 99.5 → 1, 100 and 1E+3 → 0."""
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def with_mode(rounding: ast.Rounding | None) -> str:
    return f" {rounding.written}" if rounding is not None and rounding.written else ""


def declared_rounding(rounding: ast.Rounding | None) -> tuple[int | None, RoundingMode]:
    if rounding is None:
        return None, DEFAULT_ROUNDING
    return rounding.places, rounding.mode or DEFAULT_ROUNDING


def total_rounded(total: ast.Total | None) -> str:
    """总分 [满分 1000] 保留 {places} 位 [四舍五入]: the total's statement with the rounding a reading asks for."""
    scale = f" 满分 {total.scale.text}" if total is not None and total.scale is not None else ""
    mode = f" {total.rounding.written}" if total is not None and total.rounding is not None and total.rounding.written else ""
    return f"总分{scale} 保留 {{places}} 位{mode}"


def item_rounding(item: ast.Item, party: ast.Party | None) -> tuple[ast.Rounding | None, str | None]:
    """The rounding of an item's converted score (the party's when it is converted from 100 points, else the item's
    formula's or its 按片区's), and how its statement declares one; a score typed into the record cannot be rounded."""
    if party is not None and party.scaled:
        return party.rounding, f"评估方 {party.name} 权重 {percent(party.weight)} 按百分制折算 保留 {{places}} 位"
    head = f"评分项 {item.name} 属于 {item.party.name} 满分 {plain(item.maximum)}"
    if item.computed:
        return item.rounding, head + " = … 保留 {places} 位"
    if item.aggregate is not None:
        return item.aggregate.rounding, head + f" 按片区 {item.aggregate.written.name} 保留 {{places}} 位"
    return None, None


def definition_rounding(definition: ast.Definition) -> tuple[int | None, RoundingMode]:
    """A 定义's own 保留 N 位, or a formula that is one 取整(…, N) call."""
    if definition.rounding is not None:
        return declared_rounding(definition.rounding)
    expr = definition.expr
    if isinstance(expr, ast.Call) and expr.function is Function.ROUND and len(expr.args) >= 2 and isinstance(expr.args[1], ast.Number):
        mode = expr.args[2] if len(expr.args) == 3 else None
        rounding_mode = ROUNDING_MODES.get(mode.name, DEFAULT_ROUNDING) if isinstance(mode, ast.Name) else DEFAULT_ROUNDING
        return int(expr.args[1].value), rounding_mode
    return None, DEFAULT_ROUNDING


def band_interval(band: ast.Band, graded: GradedRange) -> Interval:
    lower, upper = band.lower, band.upper
    start = (lower.value, lower.inclusive) if lower else (graded.low, True)
    return (*start, upper.value if upper else None, upper.inclusive if upper else True)


def overlap_interval(below: ast.Band, above: ast.Band, graded: GradedRange) -> Interval:
    """The scores both bands hold: from the upper band's lower bound (or the lowest value) to the nearer upper bound."""
    start = above.lower or ast.Bound(graded.low, True, above.pos)
    uppers = [bound for bound in (below.upper, above.upper) if bound is not None]
    end = min(uppers, key=lambda bound: (bound.value, bound.inclusive), default=None)  # of equal values, < holds less
    return (start.value, start.inclusive, end.value if end else None, end.inclusive if end else True)


def gap_example(high: ast.Bound, low: ast.Bound, span: tuple[Decimal, Decimal], graded: GradedRange) -> Decimal:
    """A score in the gap to talk about: its middle (89.5 between 89 and 90), on the number's grid when it has one."""
    middle = (high.value + low.value) / 2
    if graded.places is None:
        return middle
    return min(max(round_decimal(middle, graded.places), span[0]), span[1]).normalize()  # 89.5, not 89.50


def rounding_reading(graded: GradedRange, interval: Interval, example: Decimal, bands: list[ast.Band]) -> str:
    """The other reading of a gap or an overlap: the bands are right and the number is meant to be rounded first, to
    the finest precision that leaves nothing in between (90分以上、80至89分 on a whole-number total). Said with what
    it does to the example score; empty when no rounding closes it or the number cannot be rounded (a typed score)."""
    from .evaluate import in_band

    finest = MAX_PLACES if graded.places is None else graded.places - 1
    if graded.round_as is None or interval[2] is None:
        return ""
    for places in range(finest, -1, -1):
        if graded.span(interval, places) is None:
            rounded = round_decimal(example, places, graded.mode)
            band = next((b for b in bands if in_band(rounded, b)), None)
            grade = f"评为“{band.name}”" if band else "仍不属于任何等级"
            how, first = ("取整为", "取整") if places == 0 else (f"保留 {places} 位为", f"保留 {places} 位小数")
            statement = graded.round_as.format(places=places)
            return f"若{graded.name}应先{first}再评等级，也可不改等级，写“{statement}”：{plain(example)} 分{how} {plain(rounded)} 分，{grade}。"
    return ""


def end_advice(band: ast.Band, end: str) -> str:
    """How to cover the scores beyond the lowest or highest band: widen that band (the example), or add one."""
    side = "下限" if end == "最低" else "上限"
    return f"请去掉{end}的等级“{band.name}”的{side}，让它包含这些分数；或为这些分数另设一个等级。"


def fix_effect(fix: BandFix, bands: list[ast.Band], example: Decimal) -> str:
    """What the fix at one line does to the example score: 按此改法，89.5 分评为“良好”。"""
    from .evaluate import in_band

    fixed = [fix.fixed_band() if band is fix.band else band for band in bands]
    band = next((b for b in fixed if in_band(example, b)), None)
    return f"按此改法，{plain(example)} 分评为“{band.name}”。" if band else ""


# --- a seam between two neighbouring bands: what it covers twice or not at all, and how either line fixes it ---


@dataclass(frozen=True)
class BandFix:
    """One band's bound moved to meet its neighbour's, the neighbour's kept as written."""

    band: ast.Band  # the band whose line changes
    at: SourcePos  # its bound on that side, or the whole statement when it has none there
    neighbour: ast.Band
    upper: bool  # True: the band's upper bound moves to meet the neighbour's lower bound
    fixed: ast.Bound

    def advice(self) -> str:
        kept = self.neighbour.lower if self.upper else self.neighbour.upper
        assert kept is not None  # a fix is only offered against a bound that is written
        return (
            f"若“{self.neighbour.name}”的{bound_side(not self.upper)}（{bound_text(kept, self.band.graded, upper=not self.upper)}）是对的，"
            f"“{self.band.name}”的{bound_side(self.upper)}应为 {bound_text(self.fixed, self.band.graded, upper=self.upper)}。"
        )

    def fixed_band(self) -> ast.Band:
        return replace(self.band, upper=self.fixed) if self.upper else replace(self.band, lower=self.fixed)


def seam_fixes(below: ast.Band, above: ast.Band) -> list[BandFix]:
    """The fix at the lower band's upper bound and the one at the upper band's lower bound, where either leaves
    its band some scores (inside a band that reaches past it at both ends, a band cannot be fixed by one bound)."""
    fixes = []
    if above.lower is not None:
        fixed = ast.Bound(above.lower.value, not above.lower.inclusive, above.lower.pos)
        if not empty_range(below.lower, fixed):
            fixes.append(BandFix(below, below.upper.pos if below.upper else below.pos, above, True, fixed))
    if below.upper is not None:
        fixed = ast.Bound(below.upper.value, not below.upper.inclusive, below.upper.pos)
        if not empty_range(fixed, above.upper):
            fixes.append(BandFix(above, above.lower.pos if above.lower else above.pos, below, False, fixed))
    return fixes


def empty_range(lower: ast.Bound | None, upper: ast.Bound | None) -> bool:
    if lower is None or upper is None:
        return False
    return lower.value > upper.value or (lower.value == upper.value and not (lower.inclusive and upper.inclusive))


def written_grade(label: str) -> str:
    """A grade as a rule file must write it: 优秀 as it is, “5A” or “A+” in quotes (not a name, or a keyword)."""
    return label if re.fullmatch(r"[^\W\d]\w*", label) and label not in reserved_words() else f"“{label}”"


def bound_side(upper: bool) -> str:
    return "上限" if upper else "下限"


def bound_text(bound: ast.Bound, graded: str = TOTAL_NAME, *, upper: bool) -> str:
    """One bound as a one-sided band writes it: 总分 >= 85, 总分 < 90."""
    if upper:
        return f"{graded} {'<=' if bound.inclusive else '<'} {plain(bound.value)}"
    return f"{graded} {'>=' if bound.inclusive else '>'} {plain(bound.value)}"


def band_condition(band: ast.Band) -> str:
    """A band's condition as a rule file must write it: 80 <= 总分 < 90, and 总分 first when one-sided (总分 >= 90)."""
    lower, upper, graded = band.lower, band.upper, band.graded
    if lower and upper:
        return f"{plain(lower.value)} {'<=' if lower.inclusive else '<'} {graded} {'<=' if upper.inclusive else '<'} {plain(upper.value)}"
    if lower:
        return bound_text(lower, graded, upper=False)
    return bound_text(upper, graded, upper=True) if upper else f"{graded} >= 0"


def overlap_range(below: ast.Band, above: ast.Band, graded: GradedRange) -> str:
    """The scores both bands hold, for a number that takes any value (overlap_interval), in words."""
    start, start_included, end, end_included = overlap_interval(below, above, graded)
    return score_range(start, start_included, end, end_included, graded.name)


def gap_range(high: ast.Bound, low: ast.Bound, graded: str = TOTAL_NAME, example: Decimal | None = None) -> str:
    """The scores between the lower band's upper bound and the upper band's lower bound, with one of them."""
    scores = score_range(high.value, not high.inclusive, low.value, not low.inclusive, graded) + "不属于任何等级"
    example = (high.value + low.value) / 2 if example is None else example
    return scores if high.value == low.value else f"{scores}，如 {plain(example)} 分"


def score_range(start: Decimal, start_included: bool, end: Decimal | None, end_included: bool, graded: str = TOTAL_NAME) -> str:
    """总分 80 至 85（含 80，不含 85）; 总分恰好 90 分; 总分 90 分及以上."""
    if end is None:
        return f"{graded} {plain(start)} 分及以上" if start_included else f"{graded}高于 {plain(start)} 分"
    if start == end:
        return f"{graded}恰好 {plain(start)} 分"
    if start_included == end_included:
        ends = "含两端" if start_included else "不含两端"
    else:
        ends = f"{'含' if start_included else '不含'} {plain(start)}，{'含' if end_included else '不含'} {plain(end)}"
    return f"{graded} {plain(start)} 至 {plain(end)}（{ends}）"


def mixed_quantity_error(band: ast.Band, first: ast.Band) -> BandError:
    """A band that grades another number than the first band: all bands grade one number, or grades cannot be ordered."""
    pos = band.quantity.pos if band.quantity is not None else band.pos
    message = (
        f"等级“{band.name}”按“{band.graded}”划分，而第一个等级“{first.name}”（第 {first.pos.line} 行）按“{first.graded}”划分："
        "所有等级应按同一个数值划分。"
    )
    return BandError(pos, message, f"等级 {written_grade(band.name)} 当 {band_condition(replace(band, quantity=first.quantity))}")


def ungradable_error(band: ast.Band, declaration, known: list[str]) -> SiteBuilderError:
    """Bands on a name that is no number a grade can rest on: undeclared, a fact, a parameter or a yes/no 定义."""
    pos = band.quantity.pos if band.quantity is not None else band.pos
    example = "定义 综合得分 = 服务 + 管理，再写 等级 优秀 当 综合得分 >= 90"
    if declaration is None:
        return UndefinedName(pos, band.graded, known, example=example)
    kind = {ast.Fact: "事实", ast.Parameter: "参数", ast.Definition: "得出是或否的定义"}.get(type(declaration), "名称")
    return RuleTypeError(pos, f"等级只能按总分、评分项或得出数值的定义划分，“{band.graded}”是{kind}。", example)


def weight_sum_error(parties: list[ast.Party], weight_sum: Decimal, items: dict, scale: Decimal = DEFAULT_SCALE) -> WeightError:
    """Weights that do not add up to 100%, reported at the weight most likely changed: the one party whose weight
    no longer matches its own items' maxima (the author changed the weight, not the items), with the weight that
    makes 100%; else at the last party's (where a party left out would be added, and where a reader adding up the
    column ends). The message lists every weight, so that whichever is wrong can be found."""
    terms = " + ".join(f"{p.name} {percent(p.weight)}" for p in parties)
    message = f"各评估方的权重合计为 {percent(weight_sum)}（{terms}），应为 100%。"
    mismatched = [p for p in parties if not p.scaled and p.weight * scale != items_maxima(p, items)]
    party = mismatched[0] if len(mismatched) == 1 else parties[-1]
    fitting = 1 - (weight_sum - party.weight)
    if len(mismatched) != 1 or not 0 < fitting < 1:
        message += "请核对各评估方的权重，或补上漏写的评估方。"
        return WeightError(party.weight_pos or party.pos, message, "评估方 第三方 权重 55%，评估方 街道 权重 20%，……合计 100%")
    message += f"若其他评估方的权重是对的，“{party.name}”的权重应为 {percent(fitting)}。"
    label = f" “{party.label}”" if party.label else ""
    return WeightError(party.weight_pos or party.pos, message, f"评估方 {party.name}{label} 权重 {percent(fitting)}")


def items_maxima(party: ast.Party, items: dict) -> Decimal:
    """The maxima of a party's items added up: its weight in points, unless it is scaled from 100."""
    return sum((i.maximum for i in items.values() if i.party.name == party.name), Decimal(0))


WEIGHT_EXAMPLE = "评估方 街道 权重 20%（其下各评分项满分合计 20），或 评估方 街道 权重 20% 按百分制折算（其下满分合计 100）"


def weight_message(party: ast.Party, maxima: Decimal, expected: Decimal, scale: Decimal, totals: list[ast.Total]) -> tuple[str, str]:
    """Why a party's items do not add up, and the fix that fits the numbers: 按百分制折算 only when they add up to
    100; a 总分 满分 when they add up to the weight of another scale; else the sum the items must reach."""
    if party.scaled:
        return f"评估方“{party.name}”按百分制折算，其下各评分项满分合计应为 100，现为 {points(maxima)}。", WEIGHT_EXAMPLE
    on_scale = "" if scale == DEFAULT_SCALE else f"（总分满分 {points(scale)} × {percent(party.weight)}）"
    message = f"评估方“{party.name}”的权重是 {percent(party.weight)}，其下各评分项满分合计应为 {points(expected)}{on_scale}，现为 {points(maxima)}。"
    if maxima == DEFAULT_SCALE:
        return message + "若各项按百分制打分再按权重折算，请在权重后写“按百分制折算”。", WEIGHT_EXAMPLE
    implied = maxima / party.weight if party.weight else None
    if implied is not None and implied > DEFAULT_SCALE and implied % DEFAULT_SCALE == 0 and all(t.scale is None for t in totals):  # 1000, not 75
        return message + f"若总分的满分是 {points(implied)} 分，请声明“总分 满分 {points(implied)}”。", f"总分 满分 {points(implied)} 保留 0 位"
    example = f"评估方 {party.name} 权重 {percent(party.weight)}（其下各评分项满分合计 {points(expected)}）"
    return message + "请核对该评估方的权重与其下各评分项的满分。", example


ADJUSTMENT_EXAMPLE = "加分项 媒体报道 “媒体报道加分” = 媒体报道次数 × 1 上限 3"


def points(value: Decimal) -> str:
    """A sum of maxima without trailing zeros: 20, not 20.00."""
    return f"{value.normalize():f}"


HEADER_EXAMPLES = {
    "规则集": "规则集 广州市社工站评估 “广州市社工站购买服务项目评估”",
    "版本": "版本 “2024”",
    "生效": "生效 2024-01-01 起",
    "阶段": "阶段 中期、末期",
}
TYPE_EXAMPLES = {NUMBER: "社工缺少人次 + 1", BOOLEAN: "社工缺少人次 >= 缺员上限"}


# --- warnings: rules that pass the checks but are very likely not what was meant ---------------------------


def rule_warnings(ruleset: RuleSet) -> list[SiteBuilderError]:
    """A 比例 fact compared with a number above 1: a record's ratios are fractions (62.5% is 0.625), so
    “人员费用支出比例 < 80” holds for every station and the veto fires everywhere; 80% was meant."""
    warned: dict[SourcePos, RuleWarning] = {}
    conditions = [definition.expr for definition in ruleset.definitions.values()] + [veto.condition for veto in ruleset.vetoes]
    for compare in (node for condition in conditions for node in expression_nodes(condition) if isinstance(node, ast.Compare)):
        for left, right in zip(compare.operands, compare.operands[1:]):
            for ratio, other in ((left, right), (right, left)):
                fact = ratio_fact(ruleset, ratio)
                if fact is not None:
                    for number in numbers_above_one(ruleset, other):
                        warned.setdefault(number.pos, ratio_scale_warning(fact, number))
    return list(warned.values()) + cap_warnings(ruleset)


def cap_warnings(ruleset: RuleSet) -> list[SiteBuilderError]:
    """A cap at the best grade caps nothing: every grade is already at most that (最高 优秀 was likely meant lower)."""
    best = ruleset.bands[0].name
    capping = [veto for veto in ruleset.vetoes if veto.outcome is not None and veto.outcome.effect is VetoEffect.CAP]
    return [
        RuleWarning(
            veto.outcome.grade.pos,
            f"否决“{veto.name}”的结果“最高 {best}”不限定任何等级：“{best}”已是最高的等级。请写应限定到的等级。",
            f"否决 {veto.name} 当 … 最高 {written_grade(ruleset.bands[-2].name if len(ruleset.bands) > 1 else best)}",
        )
        for veto in capping
        if veto.outcome is not None and veto.outcome.grade.name == best
    ]


def expression_nodes(expr):
    yield expr
    for child in children(expr):
        yield from expression_nodes(child)


def ratio_fact(ruleset: RuleSet, expr) -> ast.Fact | None:
    fact = ruleset.facts.get(expr.name) if isinstance(expr, ast.Name) else None
    return fact if fact is not None and fact.type == FactType.RATIO else None


def numbers_above_one(ruleset: RuleSet, expr) -> list[ast.Number]:
    """The numbers written without % that expr stands for (itself, or a parameter's values) and exceed 1."""
    if isinstance(expr, ast.Name) and expr.name in ruleset.parameters:
        parameter = ruleset.parameters[expr.name]
        values = [parameter.value] if parameter.value is not None else [staged.value for staged in parameter.staged]
    else:
        values = [expr]
    return [v for v in values if isinstance(v, ast.Number) and v.value > 1 and not v.text.endswith(("%", "％"))]


def ratio_scale_warning(ratio: ast.Fact, number: ast.Number) -> RuleWarning:
    return RuleWarning(
        number.pos,
        f"“{number.text}”与比例“{ratio.name}”比较：记录中的比例是百分数（62.5% 即 0.625），不会大于 1，"
        f"所以这个比较对每个站点都成立（或都不成立）。要写百分比，请加上“%”。",
        with_percent_sign(number),
    )


def with_percent_sign(number: ast.Number) -> str:
    """The number's line with % after the number (参数 人员费用支出比例下限 = 80%), or the number alone."""
    line, start = number.pos.line_text.strip("\r\n"), number.pos.col - 1
    if line[start : start + len(number.text)] != number.text:
        return f"{number.text}%"
    return " ".join((line[:start] + number.text + "%" + line[start + len(number.text) :]).split())
