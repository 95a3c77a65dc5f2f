"""Rule tests: named cases in YAML beside each rule file, run through the evaluator (`site-builder test`).

In the manner of OpenFisca's YAML tests and `opa test`: rules/<folder>/<stem>.tests.yaml holds cases for
rules/<folder>/<stem>.rules. Each case gives a stage, scores and facts (over a shared `defaults` section)
and the results it expects. Policy staff write these files, so every mistake in one is reported at its
file:line:col in Chinese, and a failing case shows how the evaluator reached the figure it did.

The keys are English, like the station records' (scores, facts, not_checked):

    defaults: {stage, scores, facts}                      shared by every case; a case overrides per name
    cases:
      - name, stage, scores, facts                        scores of a 按片区 item: {片区: 分数}, replaced whole
        expect: {total, grade, score_grade, vetoes, unchecked}

It lives in records/, not language/: it reads files through source_files (inside rules/ only), YAML through
yaml_source and shows values as records do (record.dotted, record.shown); records/ is the lowest layer holding all
of these, and nothing in it needs site/ or commands/.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from ..errors import Problems, RecordError, SiteBuilderError, SourcePos, did_you_mean, raise_if_any
from ..language import formatting
from ..language.checks import check_rules
from ..language.evaluate import Inputs, Result, Step, evaluate
from ..language.formatting import plain
from ..language.parser import parse_rules
from ..language.ruleset import NOT_GRADED, RuleSet
from .inputs import FACT_EXAMPLES, inputs_from, written
from .record import dotted
from .source_files import RULES_DIR, decode_source, read_source
from .yaml_source import Positions, load_yaml, to_plain

TESTS_SUFFIX, RULES_SUFFIX = ".tests.yaml", ".rules"
TOP_KEYS = ("defaults", "cases")
DEFAULT_KEYS = ("stage", "scores", "facts")
CASE_KEYS = ("name", "stage", "scores", "facts", "expect")
EXPECT_LABELS = {"total": "总分", "score_grade": "按分数评定的等级", "grade": "等级", "vetoes": "触发的否决", "unchecked": "未核查的否决"}
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
class RuleTestCase:
    name: str
    pos: SourcePos
    inputs: Inputs
    expect: dict  # key of EXPECT_LABELS → expected value (Decimal, str, None or frozenset of veto names)


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
        self.errors.append(RuleTestError(self.positions.of(keys, key=key), dotted(keys), message, example))

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
        return RuleTestCase(draft.name, self.positions.of(("cases", draft.index, "name")), inputs, draft.expect)

    def check_keys(self, keys: tuple, mapping: dict, allowed: tuple) -> None:
        for name in mapping:
            if name not in allowed:
                hint = did_you_mean(name, allowed) or f"可用的字段有：{'、'.join(allowed)}。"
                self.error(keys + (name,), f"未知字段“{name}”。{hint}", key=True)

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

    def values(self, keys: tuple, raw: dict, index: int, name: str) -> Draft:
        stage = self.stage(keys + ("stage",), raw["stage"]) if "stage" in raw else None
        read = inputs_from(raw, self.rules)  # as station records read theirs: the same syntax, the same messages
        for problem in read.problems:
            self.error(keys + problem.keys, problem.message, problem.example, key=problem.key)
        return Draft(index, name, stage, read.scores, read.facts, {})

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
        draft = self.values(keys, raw, index, self.case_name(keys, raw))
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
        for item in self.rules.items.values():
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
        self.check_keys(keys + ("expect",), given, tuple(EXPECT_LABELS))
        found = {}
        for field in (f for f in EXPECT_LABELS if f in given):
            value = EXPECTED_READERS[field](self, keys + ("expect", field), given[field])
            if value is not INVALID:
                found[field] = value
        return found

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


# Each expect field → the method that checks and reads its value (test_rule_tests checks that every field has one).
EXPECTED_READERS = {
    "total": Reader.expected_total,
    "score_grade": Reader.expected_score_grade,
    "grade": Reader.expected_grade,
    "vetoes": Reader.expected_vetoes,
    "unchecked": Reader.expected_vetoes,
}


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
    field: str
    expected: str
    actual: str


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
    try:
        result = evaluate(ruleset, case.inputs)
    except SiteBuilderError as error:  # e.g. a division by zero in a definition: the case fails, the run goes on
        return CaseOutcome(case, error=error.format())
    actual = actual_values(result)
    wrong = [field for field, expected in case.expect.items() if expected != actual[field]]
    mismatches = tuple(Mismatch(f, shown_value(case.expect[f], result), shown_value(actual[f], result)) for f in wrong)
    subjects = set().union(*(step_subjects(f, case.expect[f], actual[f], result) for f in wrong))
    return CaseOutcome(case, mismatches, tuple(s for s in result.steps if s.subject in subjects))


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
    lines += [f"      {EXPECT_LABELS[m.field]}：应为 {m.expected}，实际为 {m.actual}" for m in outcome.mismatches]
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
