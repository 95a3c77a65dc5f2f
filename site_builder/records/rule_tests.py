"""Rule tests: named cases in YAML beside each rule file, run through the evaluator (`site-builder test`).

In the manner of OpenFisca's YAML tests and `opa test`: rules/<folder>/<stem>.tests.yaml holds cases for
rules/<folder>/<stem>.rules. Each case gives a stage, scores and facts (over a shared `defaults` section)
and the results it expects. Policy staff write these files, so every mistake in one is reported at its
file:line:col in Chinese, and a failing case shows how the evaluator reached the figure it did.

The keys are English, like the station records' (scores, facts, not_checked):

    defaults: {stage, scores, facts}                      shared by every case; a case overrides per name
    cases:
      - name, stage, scores, facts                        scores of a 按片区 item: {片区: 分数}, replaced whole
        expect: {total, grade, score_grade, vetoes, unchecked,       the whole result
                 items: {评分项: 分数 | {raw, converted}},            an item's score (raw) and converted score
                 definitions: {定义: 值}, decided_by: [否决, …]}     a 定义's value; the vetoes that set the grade
        expect: {refused: 提示中的一段文字}                         the case's inputs must be refused with that message

It lives in records/, not language/: it reads files through source_files (inside rules/ only), YAML through
yaml_source and shows values as records do (record.dotted, record.shown); records/ is the lowest layer holding all
of these, and nothing in it needs site/ or commands/.
"""

from __future__ import annotations

import difflib
import re
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..errors import Problems, RecordError, SiteBuilderError, SourcePos, did_you_mean, raise_if_any
from ..language import formatting
from ..language.checks import check_rules
from ..language.evaluate import UNKNOWN, Inputs, Result, Step, Unchecked, definition_value, evaluate, show
from ..language.formatting import plain
from ..language.parser import parse_rules
from ..language.ruleset import NOT_GRADED, RuleSet
from .inputs import FACT_EXAMPLES, as_percentage, inputs_from, written
from .quoted import listed
from .record import dotted
from .source_files import RULES_DIR, decode_source, read_source
from .yaml_source import Positions, load_yaml, to_plain

TESTS_SUFFIX, RULES_SUFFIX = ".tests.yaml", ".rules"
TOP_KEYS = ("defaults", "cases")
DEFAULT_KEYS = ("stage", "scores", "facts")
CASE_KEYS = ("name", "stage", "scores", "facts", "expect")
EXPECT_LABELS = {
    "total": "总分",
    "score_grade": "按分数评定的等级",
    "grade": "等级",
    "vetoes": "触发的否决",
    "unchecked": "未核查的否决",
    "items": "评分项的分数",
    "definitions": "定义的值",
    "decided_by": "决定等级的否决",
    "refused": "应被拒绝",
}
WHOLE_RESULT = ("total", "score_grade", "grade", "vetoes", "unchecked")  # compared with the result as a whole
ITEM_PARTS = {"raw": "评分", "converted": "折算分"}
EXPECT_EXAMPLES = {
    "total": "total: 89.76",
    "score_grade": "score_grade: 良好",
    "grade": "grade: 良好",
    "vetoes": "vetoes: [整改不到位]",
    "unchecked": "unchecked: [持证社工比例不达标]",
    "items": "items:\n        服务质量: 15.09                           # 评分\n        购买方评分: {raw: 20, converted: 20}    # 评分与折算分",
    "definitions": "definitions:\n        费用不足: false",
    "decided_by": "decided_by: [整改不到位]",
    "refused": "refused: 超出范围",
}
INVALID = object()  # a value already reported as wrong; kept so that it is not also reported as missing

NUMBER_TEXT = re.compile(r"-?\d+(\.\d+)?")


class RuleTestError(RecordError):
    """A mistake in a rule-test file; the message starts with the path inside the file."""


def add_command(commands) -> None:
    test = commands.add_parser("test", help="运行规则测试：rules/ 下的 *.tests.yaml，逐个用例核对计算结果")
    test.add_argument("paths", nargs="*", metavar="PATH", help="规则测试文件、规则文件或目录；不写则运行 rules/ 下的全部规则测试")
    test.set_defaults(command=run_tests)


# --- the test file ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """An expected item score or 定义 value, and where it is written: a failure names that line:col."""

    name: str  # the item's or the 定义's
    part: str  # a key of ITEM_PARTS, or DEFINITION
    value: object  # a Decimal; for a 定义 also True, False or UNKNOWN (未核查)
    pos: SourcePos


@dataclass(frozen=True)
class Placed:
    """An expected value (decided_by's veto names, refused's text) and where it is written."""

    value: object
    pos: SourcePos


DEFINITION = "definition"


@dataclass(frozen=True)
class RuleTestCase:
    name: str
    pos: SourcePos
    inputs: Inputs
    # key of EXPECT_LABELS → expected value: Decimal, str, None or frozenset of veto names for the WHOLE_RESULT keys;
    # a tuple of Figures for items and definitions; a Placed for decided_by and refused
    expect: dict
    refusals: tuple[SiteBuilderError, ...] = ()  # the case's inputs as refused, when it expects a refusal


@dataclass(frozen=True)
class RuleTestFile:
    path: str
    ruleset: RuleSet
    cases: tuple[RuleTestCase, ...]


@dataclass
class Draft:
    """A case as written, its values checked one by one, before defaults are merged in."""

    index: int
    name: str
    stage: object  # a stage name; None when not written; INVALID when written wrongly
    scores: dict
    facts: dict
    expect: dict
    refusals: list[SiteBuilderError]


def load_test_file(path: Path, name: str, rules_name: str) -> RuleTestFile:
    """Read and check one test file and the rule file it tests; raises Problems with every mistake."""
    text = read_text(path, name)
    document = load_yaml(text, name)
    positions = Positions(name, text, document)
    if not isinstance(document, dict):
        raise RuleTestError(
            positions.of(()),
            "",
            "规则测试文件应由 defaults 与 cases 两部分组成。",
            "先写 defaults:（基准），再写 cases:（用例列表），见 docs/rule-tests.md",
        )
    ruleset = tested_ruleset(rules_path_of(path), rules_name, positions)
    return Reader(positions, to_plain(document), ruleset).test_file(name)


def read_text(path: Path, name: str) -> str:
    """Read as check reads every source (source_files): a link, a special file or an oversized one is refused."""
    try:
        data = read_source(path.parent, path.name)
    except RecordError as error:
        raise RuleTestError(SourcePos(name, 1, 1), "", error.message) from None
    return decode_source(data, name)


def rules_path_of(test_path: Path) -> Path:
    return test_path.with_name(test_path.name[: -len(TESTS_SUFFIX)] + RULES_SUFFIX)


def tested_ruleset(path: Path, name: str, positions: Positions) -> RuleSet:
    start = positions.of(())
    if not path.is_file():
        raise RuleTestError(start, "", f"找不到被测试的规则文件 {name}：测试文件 <名称>{TESTS_SUFFIX} 测试的是同一目录下的 <名称>{RULES_SUFFIX}。")
    try:
        return check_rules(parse_rules(read_text(path, name), name))
    except Problems as problems:
        notice = RuleTestError(start, "", f"被测试的规则文件 {name} 有错误，用例未运行：先改正规则文件中的错误（运行 site-builder check 也可查看）。")
        raise Problems([notice, *problems.errors]) from None


class Reader:
    """Checks one loaded test file against its rule set; every mistake is kept, none stops the reading."""

    def __init__(self, positions: Positions, content: dict, ruleset: RuleSet):
        self.positions, self.content, self.rules = positions, content, ruleset
        self.errors: list[SiteBuilderError] = []

    def error(self, keys: tuple, message: str, example: str | None = None, key: bool = False) -> None:
        self.errors.append(self.located(keys, message, example, key))

    def located(self, keys: tuple, message: str, example: str | None = None, key: bool = False) -> RuleTestError:
        return RuleTestError(self.positions.of(keys, key=key), dotted(keys), message, example)

    def test_file(self, name: str) -> RuleTestFile:
        self.check_keys((), self.content, TOP_KEYS)
        defaults = self.defaults()
        drafts = self.drafts(defaults)
        self.check_complete(defaults, drafts)
        raise_if_any(self.errors)
        return RuleTestFile(name, self.rules, tuple(self.case(defaults, draft) for draft in drafts))

    def case(self, defaults: Draft, draft: Draft) -> RuleTestCase:
        stage = draft.stage or defaults.stage or ""
        assert isinstance(stage, str)  # a stage written wrongly (INVALID) was reported, and test_file stopped before the cases
        inputs = Inputs(stage, {**defaults.scores, **draft.scores}, {**defaults.facts, **draft.facts})
        pos = self.positions.of(("cases", draft.index, "name"))
        return RuleTestCase(draft.name, pos, inputs, draft.expect, tuple(draft.refusals))

    def check_keys(self, keys: tuple, mapping: dict, allowed: tuple, examples: dict | None = None) -> None:
        """Every key of mapping is one of allowed; examples: each allowed key's example, shown for the nearest one."""
        for name in mapping:
            if name not in allowed:
                hint = did_you_mean(str(name), allowed) or f"可用的字段有：{'、'.join(allowed)}。"
                self.error(keys + (name,), f"未知字段“{written(name)}”。{hint}", nearest_example(name, examples), key=True)

    def mapping(self, keys: tuple, value, what: str, example: str) -> dict:
        """The value at keys if it is a mapping; anything else is reported and read as empty."""
        if isinstance(value, dict):
            return value
        self.error(keys, f"{what}应写成若干行“名称: 值”，这里是“{written(value)}”。", example)
        return {}

    # --- defaults and cases ---------------------------------------------------------------------------

    def defaults(self) -> Draft:
        raw = self.mapping(
            ("defaults",), self.content.get("defaults", {}), "defaults（基准）", "defaults:\n    stage: 中期\n    scores:\n      服务监测: 9.82"
        )
        self.check_keys(("defaults",), raw, DEFAULT_KEYS)
        return self.values(("defaults",), raw, -1, "")

    def values(self, keys: tuple, raw: dict, index: int, name: str, refusing: bool = False) -> Draft:
        """The stage, scores and facts written at keys; refusing: the case expects its inputs to be refused, so what
        a record would be refused for is kept as the case's outcome, not reported as a mistake in the test file."""
        stage = self.stage(keys + ("stage",), raw["stage"]) if "stage" in raw else None
        read = inputs_from(raw, self.rules)  # as station records read theirs: the same syntax, the same messages
        problems: list[SiteBuilderError] = [self.located(keys + p.keys, p.message, p.example, key=p.key) for p in read.problems]
        if not refusing:
            self.errors += problems
        return Draft(index, name, stage, read.scores, read.facts, {}, problems if refusing else [])

    def drafts(self, defaults: Draft) -> list[Draft]:
        if "cases" not in self.content:
            self.error((), "缺少 cases（用例列表）。", "cases:\n  - name: 总分 80.00 为良好的下限")
            return []
        cases = self.content["cases"]
        if not isinstance(cases, list) or not cases:
            self.error(("cases",), "cases 应是用例列表，每个用例以“- name: …”开头。", "cases:\n  - name: 总分 80.00 为良好的下限")
            return []
        drafts = [self.draft(index, raw, defaults) for index, raw in enumerate(cases)]
        found = [d for d in drafts if d is not None]
        self.check_unique_names(found)
        return found

    def draft(self, index: int, raw, defaults: Draft) -> Draft | None:
        keys = ("cases", index)
        if not isinstance(raw, dict):
            self.error(keys, "每个用例应由 name、stage、scores、facts、expect 等字段组成。", "- name: 总分 80.00 为良好的下限")
            return None
        self.check_keys(keys, raw, CASE_KEYS)
        refusing = isinstance(raw.get("expect"), dict) and "refused" in raw["expect"]
        draft = self.values(keys, raw, index, self.case_name(keys, raw), refusing)
        if draft.stage is None and defaults.stage is None and self.rules.stages:
            self.error(keys, f"用例“{draft.name}”没有写阶段（stage），defaults 中也没有。", "stage: 中期")
        draft.expect = self.expect(keys, raw, draft.name)
        return draft

    def case_name(self, keys: tuple, raw: dict) -> str:
        name = raw.get("name")
        if isinstance(name, str) and name.strip():
            return name.strip()
        if "name" not in raw:
            self.error(keys, "用例缺少名称（name）：用一句中文说明它测试什么。", "name: 总分 80.00 为良好的下限")
        else:
            self.error(keys + ("name",), f"用例名称应为一句文字，这里是“{written(name)}”。", "name: 总分 80.00 为良好的下限")
        return f"第 {keys[-1] + 1} 个用例"

    def check_unique_names(self, drafts: list[Draft]) -> None:
        first: dict[str, Draft] = {}
        for draft in drafts:
            if draft.name in first:
                line = self.positions.of(("cases", first[draft.name].index, "name")).line
                self.error(("cases", draft.index, "name"), f"用例名称“{draft.name}”与第 {line} 行的用例重复，每个用例的名称应各不相同。")
            first.setdefault(draft.name, draft)

    def stage(self, keys: tuple, value):
        if value in self.rules.stages:
            return value
        stages = "、".join(self.rules.stages) or "（未声明阶段）"
        self.error(
            keys,
            f"规则集没有“{written(value)}”阶段，只有{stages}。{did_you_mean(str(value), self.rules.stages)}",
            f"stage: {self.rules.stages[0] if self.rules.stages else '中期'}",
        )
        return INVALID  # not None: a stage written wrongly is not also reported as missing

    def check_complete(self, defaults: Draft, drafts: list[Draft]) -> None:
        """Every case needs every score and fact; a name missing from defaults is reported once, naming the cases."""
        for item in (i for i in self.rules.items.values() if not i.computed):  # the rules compute the others
            lacking = [d.name for d in drafts if item.name not in d.scores]
            if item.name not in defaults.scores and lacking:
                self.missing("scores", f"评分项“{item.name}”的评分（满分 {plain(item.maximum)}）", lacking, score_example(item))
        for fact in self.rules.facts.values():
            lacking = [d.name for d in drafts if fact.name not in d.facts]
            if fact.name not in defaults.facts and lacking:
                self.missing("facts", f"否决事实“{fact.name}”（{fact.label or fact.type}）", lacking, f"{fact.name}: {FACT_EXAMPLES[fact.type]}")

    def missing(self, section: str, what: str, lacking: list[str], example: str) -> None:
        self.error(
            ("defaults", section),
            f"缺少{what}：{cases_text(lacking)}没有写，defaults.{section} 中也没有。",
            f"defaults:\n    {section}:\n      {example}",
            key=True,
        )

    # --- expected results -------------------------------------------------------------------------------

    def expect(self, keys: tuple, raw: dict, name: str) -> dict:
        example = "expect:\n      total: 89.76\n      grade: 良好"
        if "expect" not in raw:
            self.error(keys, f"用例“{name}”缺少 expect（预期结果）。", example)
            return {}
        given = self.mapping(keys + ("expect",), raw["expect"], "expect（预期结果）", example)
        if isinstance(raw["expect"], dict) and not given:
            self.error(keys + ("expect",), f"expect 中至少写一项：{'、'.join(EXPECT_LABELS)}。", example)
        self.check_keys(keys + ("expect",), given, tuple(EXPECT_LABELS), EXPECT_EXAMPLES)
        if "refused" in given:
            self.check_refusal_alone(keys + ("expect",), given)
        found = {}
        for name in (f for f in EXPECT_LABELS if f in given):
            value = EXPECTED_READERS[name](self, keys + ("expect", name), given[name])
            if value is not INVALID:
                found[name] = value
        return found

    def check_refusal_alone(self, keys: tuple, given: dict) -> None:
        """A case whose inputs must be refused has no result to compare: refused is its only expectation."""
        for name in (f for f in given if f != "refused" and f in EXPECT_LABELS):
            self.error(
                keys + (name,),
                f"写了 refused（应被拒绝）的用例不计算结果，不能再写 {name}：把对结果的预期写成另一个用例。",
                EXPECT_EXAMPLES["refused"],
                key=True,
            )

    def expected_total(self, keys: tuple, value):
        number = as_number(value)
        if number is None:
            self.error(keys, f"预期总分应为数字，这里是“{written(value)}”。", 'total: 89.76　或　total: "89.76"')
            return INVALID
        return number

    def expected_grade(self, keys: tuple, value):
        if value is None or value == NOT_GRADED:  # a withheld grade is written as it is shown
            return None
        return self.grade_name(keys, value, self.grades() + [NOT_GRADED])

    def expected_score_grade(self, keys: tuple, value):
        return self.grade_name(keys, value, [band.name for band in self.rules.bands])

    def grades(self) -> list[str]:
        names = [band.name for band in self.rules.bands]
        veto_grade = self.rules.veto_grade
        return names + [veto_grade] if veto_grade is not None and veto_grade not in names else names

    def grade_name(self, keys: tuple, value, known: list[str]):
        if value in known:
            return value
        self.error(keys, f"规则集中没有等级“{written(value)}”，只有{'、'.join(known)}。{did_you_mean(str(value), known)}", f"{keys[-1]}: {known[0]}")
        return INVALID

    def expected_vetoes(self, keys: tuple, value):
        known = [veto.name for veto in self.rules.vetoes]
        if not isinstance(value, list):
            self.error(keys, f"应写成否决名称的列表，这里是“{written(value)}”；一个也没有时写 []。", f"{keys[-1]}: [{known[0] if known else ''}]")
            return INVALID
        for index, name in enumerate(value):
            if name not in known:
                self.error(keys + (index,), f"规则集中没有否决“{written(name)}”。{did_you_mean(str(name), known)}", f"可用的否决：{'、'.join(known)}")
        return INVALID if any(name not in known for name in value) else frozenset(value)

    def expected_items(self, keys: tuple, value):
        figures = []
        for name, expected in self.mapping(keys, value, "items（评分项的分数）", EXPECT_EXAMPLES["items"]).items():
            if name not in self.rules.items:
                self.unknown_name(keys + (name,), "评分项", name, self.rules.items)
            elif isinstance(expected, dict):
                figures += self.item_parts(keys + (name,), name, expected)
            else:  # the short form: the item's score as the record gives it (or its formula computes it)
                figures += self.figures(keys + (name,), name, {"raw": expected})
        return INVALID if not figures else tuple(figures)

    def item_parts(self, keys: tuple, name: str, parts: dict) -> list[Figure]:
        examples = {part: f"{name}: {{{part}: 15.09}}" for part in ITEM_PARTS}
        self.check_keys(keys, parts, tuple(ITEM_PARTS), examples)
        if not parts:
            self.error(keys, f"“{name}”的预期至少写 raw（评分）或 converted（折算分）中的一项。", f"{name}: {{raw: 85, converted: 17}}")
        return self.figures(keys, name, {part: parts[part] for part in ITEM_PARTS if part in parts}, nested=True)

    def figures(self, keys: tuple, name: str, parts: dict, nested: bool = False) -> list[Figure]:
        figures = []
        for part, written_value in parts.items():
            where = keys + (part,) if nested else keys
            number = as_number(written_value)
            if number is None:
                example = f"{name}: {{{part}: 15.09}}" if nested else f"{name}: 15.09"
                self.error(where, f"预期的{ITEM_PARTS[part]}应为数字，这里是“{written(written_value)}”。", example)
            else:
                figures.append(Figure(name, part, number, self.positions.of(where)))
        return figures

    def expected_definitions(self, keys: tuple, value):
        figures = []
        for name, expected in self.mapping(keys, value, "definitions（定义的值）", EXPECT_EXAMPLES["definitions"]).items():
            if name not in self.rules.definitions:
                self.unknown_name(keys + (name,), "定义", name, self.rules.definitions)
                continue
            read = definition_expected(expected)
            if read is None:
                yes_no = "“是/否”写成 true（是）或 false（否）。" if expected in ("是", "否") else ""
                self.error(
                    keys + (name,),
                    f"预期的定义值应为数字、比例（带百分号并加引号）、true、false 或 未核查，这里是“{written(expected)}”。{yes_no}",
                    f'{name}: 0.85　或　{name}: "85%"　或　{name}: true　或　{name}: 未核查',
                )
            else:
                figures.append(Figure(name, DEFINITION, read, self.positions.of(keys + (name,))))
        return INVALID if not figures else tuple(figures)

    def unknown_name(self, keys: tuple, kind: str, name, known: dict) -> None:
        if not known:
            self.error(keys, f"规则集中没有任何{kind}，这里写了“{written(name)}”。", f"规则文件中写了{kind}，这里才能写它的预期值。", key=True)
            return
        hint = did_you_mean(str(name), known)
        self.error(keys, f"规则集中没有{kind}“{written(name)}”。{hint}", f"可用的{kind}：{listed(list(known))}", key=True)

    def expected_decided_by(self, keys: tuple, value):
        """One veto's name, or a list of them ([] when the bands decided the grade)."""
        known = [veto.name for veto in self.rules.vetoes]
        if isinstance(value, str) and value not in known:
            self.error(keys, f"规则集中没有否决“{written(value)}”。{did_you_mean(value, known)}", f"可用的否决：{'、'.join(known)}")
            return INVALID
        names = frozenset([value]) if isinstance(value, str) else self.expected_vetoes(keys, value)
        return names if names is INVALID else Placed(names, self.positions.of(keys))

    def expected_refusal(self, keys: tuple, value):
        if not isinstance(value, str) or not value.strip():
            self.error(keys, f"refused 应写提示信息中的一段文字，这里是“{written(value)}”。", EXPECT_EXAMPLES["refused"])
            return INVALID
        return Placed(value.strip(), self.positions.of(keys))


# Each expect field → the method that checks and reads its value (test_rule_tests checks that every field has one).
EXPECTED_READERS = {
    "total": Reader.expected_total,
    "score_grade": Reader.expected_score_grade,
    "grade": Reader.expected_grade,
    "vetoes": Reader.expected_vetoes,
    "unchecked": Reader.expected_vetoes,
    "items": Reader.expected_items,
    "definitions": Reader.expected_definitions,
    "decided_by": Reader.expected_decided_by,
    "refused": Reader.expected_refusal,
}


def nearest_example(name, examples: dict | None) -> str | None:
    """The example of the allowed key nearest to a misspelt one (as did_you_mean finds it), else none."""
    close = difflib.get_close_matches(str(name), list(examples or {}), n=1, cutoff=0.4)
    return examples[close[0]] if close and examples else None


def definition_expected(value):
    """A 定义's expected value: a number (plain or quoted), a percentage ("85%"), yes or no, or 未核查."""
    if isinstance(value, bool):
        return value
    if value == str(UNKNOWN):
        return UNKNOWN
    return as_percentage(value.strip()) if isinstance(value, str) and value.strip().endswith("%") else as_number(value)


def score_example(item) -> str:
    if item.aggregate:
        return f"{item.name}:\n        东一片区: {plain(item.maximum)}"
    return f"{item.name}: {plain(item.maximum)}"


def cases_text(names: list[str]) -> str:
    shown_names = "、".join(f"“{n}”" for n in names[:3])
    return f"用例{shown_names}" + (f"等 {len(names)} 个用例" if len(names) > 3 else "")


def as_number(value) -> Decimal | None:
    """An expected total written plainly or in quotes ("89.76"); yes/no and anything else is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)):
        number = Decimal(value)
        return number if number.is_finite() else None
    if isinstance(value, str) and NUMBER_TEXT.fullmatch(value.strip()):
        return Decimal(value.strip())
    return None


# --- running ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mismatch:
    text: str  # 总分：应为 89.75，实际为 89.76
    detail: tuple[str, ...] = ()  # lines shown under it: the message a case was refused with


def differs(label: str, expected: str, actual: str, pos: SourcePos | None = None) -> Mismatch:
    """Expected against actual; pos, where the expectation is written (the items, definitions, decided_by and refused
    expectations name theirs: a case may assert many figures)."""
    return Mismatch(f"{label}：应为 {expected}，实际为 {actual}" + (f"（{pos}）" if pos else ""))


@dataclass(frozen=True)
class CaseOutcome:
    case: RuleTestCase
    mismatches: tuple[Mismatch, ...] = ()
    steps: tuple[Step, ...] = ()  # how the actual figures were computed, in the evaluator's order
    error: str | None = None

    @property
    def passed(self) -> bool:
        return not self.mismatches and self.error is None


def run_case(ruleset: RuleSet, case: RuleTestCase) -> CaseOutcome:
    if "refused" in case.expect:
        return refusal_outcome(ruleset, case, case.expect["refused"])
    try:
        result = evaluate(ruleset, case.inputs)
        definitions = [(f, *definition_value(result, case.inputs, f.name)) for f in case.expect.get("definitions", ())]
    except SiteBuilderError as error:  # e.g. a division by zero in a definition: the case fails, the run goes on
        return CaseOutcome(case, error=error.format())
    comparison = Comparison()
    comparison.whole_result(case.expect, result)
    comparison.items(case.expect.get("items", ()), result)
    comparison.definitions(definitions)
    if "decided_by" in case.expect:
        comparison.decided_by(case.expect["decided_by"], result)
    steps = [s for s in result.steps if s.subject in comparison.subjects] + comparison.own_steps
    return CaseOutcome(case, tuple(comparison.mismatches), tuple(steps))


@dataclass
class Comparison:
    """A case's expectations against its result: what differs, in the order of EXPECT_LABELS, and which calculation
    steps explain the actual figures (the result's, by Step.subject; a 定义's own, which the result does not hold)."""

    mismatches: list[Mismatch] = field(default_factory=list)
    subjects: set[str] = field(default_factory=set)
    own_steps: list[Step] = field(default_factory=list)

    def whole_result(self, expect: dict, result: Result) -> None:
        actual = actual_values(result)
        for name in (f for f in WHOLE_RESULT if f in expect and expect[f] != actual[f]):
            self.mismatches.append(differs(EXPECT_LABELS[name], shown_value(expect[name], result), shown_value(actual[name], result)))
            self.subjects |= step_subjects(name, expect[name], actual[name], result)

    def items(self, figures: tuple[Figure, ...], result: Result) -> None:
        for figure in figures:
            actual = item_figure(result, figure)
            if figure.value != actual:
                self.mismatches.append(differs(f"{figure.name} {ITEM_PARTS[figure.part]}", show(figure.value), plain(actual), figure.pos))
                self.subjects |= {s.subject for s in result.steps if is_step_of_item(s.subject, figure.name)}

    def definitions(self, values: list[tuple[Figure, object, Step]]) -> None:
        for figure, actual, step in values:
            if not same_value(figure.value, actual):
                self.mismatches.append(differs(f"定义 {figure.name}", show(figure.value), show(actual), figure.pos))
                self.own_steps.append(step)

    def decided_by(self, expected: Placed, result: Result) -> None:
        assert isinstance(expected.value, frozenset)  # Reader.expected_decided_by
        actual = deciding_vetoes(result)
        if expected.value != actual:
            label = EXPECT_LABELS["decided_by"]
            self.mismatches.append(differs(label, decided_text(expected.value, result), decided_text(actual, result), expected.pos))
            self.subjects |= {"最终等级"} | {f"否决：{name}" for name in expected.value ^ actual}


def item_figure(result: Result, figure: Figure) -> Decimal:
    item = next(i for i in result.items if i.name == figure.name)
    return item.score if figure.part == "raw" else item.converted


def is_step_of_item(subject: str, name: str) -> bool:
    """服务质量 折算分, 服务质量（各片区平均）: the steps that compute an item's score and converted score."""
    return subject == name or subject.startswith((name + " ", name + "（"))


def deciding_vetoes(result: Result) -> frozenset[str]:
    """The vetoes that set the final grade instead of the bands (evaluate.decide): the forcing ones that gave the
    worst grade, else those that withheld it, else the caps that lowered it; none when the bands decided."""
    return frozenset(result.decided_by)


def decided_text(names: frozenset[str], result: Result) -> str:
    return shown_value(names, result) if names else "无（按分数评定）"


def same_value(expected, actual) -> bool:
    """A 定义's value as expected: 未核查 matches any unchecked value; yes/no is never a number (True == 1 in Python)."""
    if isinstance(expected, Unchecked) or isinstance(actual, Unchecked):
        return isinstance(expected, Unchecked) and isinstance(actual, Unchecked)
    return isinstance(expected, bool) == isinstance(actual, bool) and expected == actual


def refusal_outcome(ruleset: RuleSet, case: RuleTestCase, expected: Placed) -> CaseOutcome:
    """A case that must be refused passes when its inputs, read as a record's, or its evaluation give an error whose
    message holds the expected text; accepted, or refused with other messages, it fails showing both."""
    refusals = list(case.refusals)
    if not refusals:
        try:
            result = evaluate(ruleset, case.inputs)
        except Problems as problems:
            refusals = list(problems.errors)
        except SiteBuilderError as error:
            refusals = [error]
        else:
            accepted = f"实际被接受：总分 {plain(result.total)}，等级 {shown_value(result.grade, result)}"
            return CaseOutcome(case, (Mismatch(f"{EXPECT_LABELS['refused']}：提示应含“{expected.value}”，{accepted}（{expected.pos}）"),))
    if any(str(expected.value) in error.message for error in refusals):
        return CaseOutcome(case)
    detail = tuple(line for error in refusals for line in error.format().splitlines())
    label = EXPECT_LABELS["refused"]
    return CaseOutcome(case, (Mismatch(f"{label}：提示应含“{expected.value}”，实际的提示不含这段文字（{expected.pos}）：", detail),))


def actual_values(result: Result) -> dict:
    return {
        "total": result.total,
        "score_grade": result.score_grade,
        "grade": result.grade,
        "vetoes": frozenset(result.fired),
        "unchecked": frozenset(result.unchecked),
    }


def shown_value(value, result: Result) -> str:
    if value is None:
        return NOT_GRADED
    if isinstance(value, frozenset):
        return "、".join(v.name for v in result.vetoes if v.name in value) or "无"
    return plain(value) if isinstance(value, Decimal) else str(value)


# The computation steps that explain each expected figure, by Step.subject.
STEP_SUBJECTS = {"total": ("总分",), "score_grade": ("总分", "按分数评定的等级"), "grade": ("总分", "按分数评定的等级", "最终等级")}


def step_subjects(field: str, expected, actual, result: Result) -> set[str]:
    if field in ("vetoes", "unchecked"):
        return {f"否决：{name}" for name in expected ^ actual}
    subjects = set(STEP_SUBJECTS[field])
    if field == "total":  # a mean over sub-districts feeds the total as much as the sum does
        subjects |= {s.subject for s in result.steps if "（各片区" in s.subject}
    return subjects


# --- output -------------------------------------------------------------------------------------------


@dataclass
class Tally:
    passed: int = 0
    failed: int = 0
    invalid_files: int = 0

    def summary(self) -> str:
        line = f"规则测试：{self.passed} 通过，{self.failed} 失败"
        return line + (f"；{self.invalid_files} 个测试文件有错误，未能运行。" if self.invalid_files else "。")


def run_tests(args) -> int:
    root = Path(args.root)
    tally = Tally()
    paths = test_file_paths(root, args.paths)
    if not paths:
        print(f"没有找到规则测试文件：规则测试写在 {RULES_DIR}/ 下与规则文件同名的 <名称>{TESTS_SUFFIX} 中。")
    for path in paths:
        print(file_report(root, path, tally))
        print()
    if not args.paths:
        for note in untested_rule_files(root):
            print(note)
    print(tally.summary())
    sys.stdout.flush()
    return 1 if tally.failed or tally.invalid_files else 0


def file_report(root: Path, path: Path, tally: Tally) -> str:
    name, rules_name = display_name(root, path), display_name(root, rules_path_of(path))
    try:
        test_file = load_test_file(path, name, rules_name)
    except SiteBuilderError as error:
        tally.invalid_files += 1
        return f"{name}：测试文件有错误，未运行。\n\n{error.format()}"
    lines = [f"{name}（测试 {rules_name}，{len(test_file.cases)} 个用例）"]
    for case in test_file.cases:
        outcome = run_case(test_file.ruleset, case)
        tally.passed += outcome.passed
        tally.failed += not outcome.passed
        lines += outcome_lines(outcome, test_file.ruleset)
    return "\n".join(lines)


def outcome_lines(outcome: CaseOutcome, ruleset: RuleSet) -> list[str]:
    case = outcome.case
    if outcome.passed:
        return [f"  ✓ {case.name}"]
    lines = [f"  ✗ {case.name}（{case.pos.file}:{case.pos.line}）"]
    if outcome.error:
        return lines + ["      计算出错：" + outcome.error.replace("\n", "\n      ")]
    for mismatch in outcome.mismatches:
        lines += [f"      {mismatch.text}", *(f"        {line}" for line in mismatch.detail)]
    if not outcome.steps:  # a case accepted or refused otherwise than expected: there is no figure to explain
        return lines
    lines.append("      实际结果的计算过程：")
    return lines + [line for step in outcome.steps for line in step_lines(step, ruleset)]


def step_lines(step: Step, ruleset: RuleSet) -> list[str]:
    return ["        " + line for line in formatting.step_lines(step, ruleset.documents, formula_apart=False)]


# --- finding the files --------------------------------------------------------------------------------


def test_file_paths(root: Path, wanted: list[str]) -> list[Path]:
    if not wanted:
        return test_files_under(root / RULES_DIR)
    return [path for text in wanted for path in paths_named(root, text)]


def paths_named(root: Path, text: str) -> list[Path]:
    """A test file, the rule file it tests, or a folder of test files; relative to here, else to --root."""
    path = Path(text)
    if not path.is_absolute() and not path.exists():
        path = root / text
    if path.is_dir():
        return test_files_under(path)
    if path.name.endswith(RULES_SUFFIX):
        path = path.with_name(path.name[: -len(RULES_SUFFIX)] + TESTS_SUFFIX)
    if path.name.endswith(TESTS_SUFFIX) and path.is_file():
        return [path]
    raise SiteBuilderError(
        None,
        f"找不到规则测试文件“{text}”：规则测试文件名以 {TESTS_SUFFIX} 结尾，"
        f"与被测试的规则文件放在同一目录，如 {RULES_DIR}/guangzhou/sgz-2024{TESTS_SUFFIX}。",
    )


def test_files_under(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*" + TESTS_SUFFIX) if path.is_file())


def untested_rule_files(root: Path) -> list[str]:
    notes = []
    for path in sorted((root / RULES_DIR).rglob("*" + RULES_SUFFIX)):
        tests = path.with_name(path.name[: -len(RULES_SUFFIX)] + TESTS_SUFFIX)
        if not tests.exists():
            notes.append(f"提示：{display_name(root, path)} 还没有规则测试（{tests.name}）。")
    return notes


def display_name(root: Path, path: Path) -> str:
    """The path as the rest of the project names files: relative to the repository root."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
