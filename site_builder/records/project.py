"""The whole repository at once: every rule file and every station record, checked together.

This is what `site-builder check` and the MkDocs plugin share: load everything, report all errors
in one run, keep warnings apart, and give each record the rule-set version that evaluates it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path

from ..errors import (
    EvaluationError,
    HeaderError,
    Problems,
    RecordError,
    RecordWarning,
    RuleWarning,
    SiteBuilderError,
    SourcePos,
    capped_per_file,
    did_you_mean,
    sort_key,
)
from ..language.checks import check_rules, rule_warnings
from ..language.evaluate import Result, completion_rate, evaluate
from ..language.formatting import effective_period, rule_location
from ..language.parser import parse_rules
from ..language.ruleset import NOT_GRADED, RuleSet
from . import jobs, narrative, source_files
from .privacy import masked_error, privacy_problems, published_text_problems
from .record import StationRecord, checked_against_rules, path_errors, read_record, schema_errors
from .record_cache import RecordCache, cache_enabled
from .source_files import STATIONS_DIR, decode_source
from .yaml_source import RoundTrip


@dataclass
class Project:
    root: Path
    rulesets: list[RuleSet] = field(default_factory=list)
    records: list[StationRecord] = field(default_factory=list)
    rule_files: int = 0  # files found under rules/, loaded or not
    ruleset_of: dict[str, RuleSet] = field(default_factory=dict)
    ruleset_reason: dict[str, str] = field(default_factory=dict)  # why that version: explain and the report page say it
    version_changes: dict[str, list[VersionChange]] = field(default_factory=dict)  # changes the record's periods span
    malformed: set[str] = field(default_factory=set)  # paths of records that failed the schema
    results: dict[str, Result] = field(default_factory=dict)
    errors: list[SiteBuilderError] = field(default_factory=list)
    warnings: list[SiteBuilderError] = field(default_factory=list)

    def raise_errors(self) -> None:
        if self.errors:
            raise Problems(self.errors)

    def record(self, key: str) -> StationRecord:
        return next(r for r in self.records if r.key == key)


def load_project(root: Path | str = ".", cache: bool | None = None) -> Project:
    """Load and check everything under root; errors and warnings are collected, never raised here.

    cache=False (or SITE_BUILDER_NO_CACHE=1) reads every record afresh instead of reusing clean ones (record_cache).
    """
    project = Project(Path(root))
    rule_sources = listed_sources(project, source_files.RULES)
    project.rulesets = load_rulesets(project, rule_sources)
    rules_broken = bool(project.errors)
    screen_published_texts(project, rule_sources)  # after rules_broken: personal data in a rule file does not stop evaluation
    project.records = load_records(project, cache_enabled() if cache is None else cache)
    check_duplicates(project)
    if not rules_broken:  # with a broken rule file, every record would also report its rule set as missing
        reading_errors, project.errors = project.errors, []
        for record in project.records:
            assign_and_evaluate(project, record)
        # Rules-pass errors go first: where the schema and the rules pass object to one value (a score written
        # "8.6"), one_per_position keeps the first, and the rules pass knows the item and the fact's type.
        project.errors += reading_errors
    project.errors = capped_per_file(one_per_position(project.errors))
    project.warnings = capped_per_file(project.warnings)
    # Other checks quote what they refuse (a value, its line): no message may repeat personal data unmasked.
    project.errors, project.warnings = [masked_error(e) for e in project.errors], [masked_error(w) for w in project.warnings]
    return project


def one_per_position(errors: list[SiteBuilderError]) -> list[SiteBuilderError]:
    """The schema and the rules pass may both object to one value; the reader needs the first only."""
    seen, kept = set(), []
    for error in sorted(errors, key=sort_key):
        where = (error.pos.file, error.pos.line, error.pos.col) if error.pos else id(error)
        if where not in seen:
            seen.add(where)
            kept.append(error)
    return kept


def collect(project: Project, action):
    """Run one loading step, keeping whatever errors it raises with the project's."""
    try:
        return action()
    except Problems as problems:
        project.errors += problems.errors
    except SiteBuilderError as error:
        project.errors.append(error)
    return None


def load_rulesets(project: Project, rule_sources: list[str]) -> list[RuleSet]:
    """The rule sets of the rule files among rule_sources (the files of rules/ that get read)."""
    rulesets = []
    names = [name for name in rule_sources if name.endswith(source_files.RULES_SUFFIX)]
    project.rule_files = len(names)
    for name in names:
        ruleset = collect(project, partial(read_ruleset, project.root, name))
        if ruleset is not None:
            rulesets.append(ruleset)
            project.warnings += rule_warnings(ruleset)
    check_versions(project, rulesets)
    return rulesets


def screen_published_texts(project: Project, rule_sources: list[str]) -> None:
    """Personal data in rule files and standing text, which the site prints whole (privacy.py)."""
    for name in rule_sources:
        if name.endswith((source_files.RULES_SUFFIX, source_files.STANDING_SUFFIX)):
            text = collect(project, partial(source_files.read_source_text, project.root, name))
            project.errors += published_text_problems(name, text) if text is not None else []
            if text is not None and name.endswith(source_files.STANDING_SUFFIX):
                project.errors += standing_text_problems(name, text)


def standing_text_problems(name: str, text: str) -> list[SiteBuilderError]:
    """Standing text is shown as a narrative (narrative.py): lists nested past the limit are refused at their line."""
    line = narrative.too_deep_at(text)
    if line is None:
        return []
    lines = text.splitlines()
    shown = lines[line] if line < len(lines) else ""
    return [SiteBuilderError(SourcePos(name, line + 1, 1, line_text=shown), narrative.TOO_DEEP, narrative.TOO_DEEP_EXAMPLE)]


def read_ruleset(root: Path, name: str) -> RuleSet:
    return check_rules(parse_rules(source_files.read_source_text(root, name), name))


def listed_sources(project: Project, folder: source_files.Folder) -> list[str]:
    """The files of rules/ or stations/ that get read; links, special files and stray names are reported."""
    listing = source_files.list_sources(project.root, folder)
    file_problems(project, listing.problems)
    return listing.files


def check_versions(project: Project, rulesets: list[RuleSet]) -> None:
    seen: dict[tuple, RuleSet] = {}
    for ruleset in rulesets:
        key = (ruleset.id, ruleset.version)
        if key in seen:
            project.errors.append(
                RecordError(ruleset.source.declarations[0].pos, "", f"规则集“{ruleset.id}”的版本“{ruleset.version}”已在 {seen[key].path} 中定义。")
            )
        seen[key] = ruleset
    for rules_id in sorted({r.id for r in rulesets}):
        for problem in period_problems(versions_of(rulesets, rules_id)):
            (project.warnings if isinstance(problem, RuleWarning) else project.errors).append(problem)


def versions_of(rulesets: list[RuleSet], rules_id: str) -> list[RuleSet]:
    """The versions of one rule set, earliest 生效 first."""
    return sorted((r for r in rulesets if r.id == rules_id), key=lambda r: (r.effective.start, r.path))


def period_problems(versions: list[RuleSet]) -> list[SiteBuilderError]:
    """Every day should have exactly one version in force from the first start on: two is an error (a record on
    that day cannot be given a version by its date), none a warning (such a record must name its version).
    Both are reported at the 生效 line of the later version, naming the days."""
    problems: list[SiteBuilderError] = []
    for index, later in enumerate(versions):
        earlier_ones = versions[:index]
        problems += [overlap_error(earlier, later) for earlier in earlier_ones if shared_days(earlier, later)]
        covered_to = max((e.effective.end or datetime.date.max for e in earlier_ones), default=None)
        if covered_to is not None and covered_to < datetime.date.max and covered_to + ONE_DAY < later.effective.start:
            problems.append(gap_warning(next(e for e in earlier_ones if e.effective.end == covered_to), later))
    return problems


ONE_DAY = datetime.timedelta(days=1)


def shared_days(earlier: RuleSet, later: RuleSet) -> tuple[datetime.date, datetime.date | None] | None:
    """The first and last day both are in force (None for the last: no end), or None when they share no day."""
    first = max(earlier.effective.start, later.effective.start)
    ends = [e for e in (earlier.effective.end, later.effective.end) if e is not None]
    last = min(ends) if ends else None
    return (first, last) if last is None or first <= last else None


def days_text(first: datetime.date, last: datetime.date | None) -> str:
    if last is None:
        return f"{first} 起的每一天"
    if first == last:
        return f"{first} 这一天"
    return f"{first} 至 {last}（共 {(last - first).days + 1} 天）"


def version_at(ruleset: RuleSet) -> str:
    """A version with its period and the line that declares it: 版本 2024（生效 2024-08-26 起，rules/…/sgz-2024.rules:10）."""
    return f"版本 {ruleset.version}（生效 {effective_period(ruleset.effective)}，{rule_location(ruleset.effective.pos)}）"


def overlap_error(earlier: RuleSet, later: RuleSet) -> SiteBuilderError:
    first, last = shared_days(earlier, later) or (later.effective.start, None)
    message = (
        f"规则集“{later.id}”的版本 {later.version} 与{version_at(earlier)}的生效期重叠：{days_text(first, last)}两个版本同时生效，"
        f"这些日期的评估记录无法按日期选定版本。"
    )
    if earlier.effective.start < later.effective.start:
        closing = f"生效 {earlier.effective.start} 至 {later.effective.start - ONE_DAY}"
        message += f"若本版本自 {later.effective.start} 起施行，把版本 {earlier.version} 的生效改为“{closing}”；否则改本行的日期。"
        return HeaderError(later.effective.pos, message, f"{closing}（写在 {earlier.path}）")
    message += "两个版本不能同一天开始生效：改本行的开始日期，或删去其中一个版本。"
    return HeaderError(later.effective.pos, message, f"生效 {last + ONE_DAY} 起" if last else None)


def gap_warning(earlier: RuleSet, later: RuleSet) -> SiteBuilderError:
    assert earlier.effective.end is not None  # a gap follows a version that ends
    first, last = earlier.effective.end + ONE_DAY, later.effective.start - ONE_DAY
    starting = f"生效 {first} 起" if later.effective.end is None else f"生效 {first} 至 {later.effective.end}"
    return RuleWarning(
        later.effective.pos,
        f"规则集“{later.id}”的{version_at(earlier)}与版本 {later.version}（生效 {effective_period(later.effective)}）之间有空档："
        f"{days_text(first, last)}没有生效的版本，这些日期的评估记录须写明版本。若两版相接，把本行改为“{starting}”，"
        f"或把版本 {earlier.version} 的结束日期改为 {later.effective.start - ONE_DAY}。",
        starting,
    )


def load_records(project: Project, use_cache: bool = True) -> list[StationRecord]:
    """Every record under stations/, in path order; unchanged clean records come from the cache."""
    cache = RecordCache(project.root) if use_cache else None
    # Read before the cache is asked: a file refused here never reaches it, whatever was stored for its bytes.
    files = [
        (name, data)
        for name in listed_sources(project, source_files.STATIONS)
        if (data := collect(project, partial(source_files.read_source, project.root, name))) is not None
    ]
    clean = {name: content for name, data in files if cache and (content := cache.get(name, data)) is not None}
    misses = [(name, data) for name, data in files if name not in clean]
    if len(misses) >= POOL_THRESHOLD:
        clean |= screened_in_pool(misses, cache)
    records = []
    for name, data in files:
        record = clean_record(name, data, clean[name]) if name in clean else checked_record(project, name, data, cache)
        if record is not None:
            records.append(record)
    return records


def clean_record(name: str, data: bytes, content: dict) -> StationRecord:
    """A record already known to pass the YAML, schema, path and privacy checks."""
    text = decode_source(data, name)
    return StationRecord(name, text, content, RoundTrip(name, text))


def checked_record(project: Project, name: str, data: bytes, cache: RecordCache | None) -> StationRecord | None:
    """Read and check one record, its errors and warnings going to the project's; kept in the cache if clean."""
    problems_before = len(project.errors) + len(project.warnings)
    record = collect(project, lambda: read_record(name, decode_source(data, name)))
    if record is None:
        return None
    try:
        errors = schema_errors(record)
        if errors:
            project.errors += errors
            project.malformed.add(record.path)
        project.errors += best_effort(lambda: path_errors(record, STATIONS_DIR))
        file_problems(project, privacy_problems(record))  # not best-effort: a malformed record is screened too
    except SiteBuilderError as error:
        # Positions come from the round-trip reader; should it refuse a file the fast reader took, that is the error.
        project.errors.append(error)
        return None
    if cache and len(project.errors) + len(project.warnings) == problems_before:
        cache.put(name, data, record.content)
    return record


# A process pool pays for itself from a few hundred records (forking and passing results cost ~0.1 s).
POOL_THRESHOLD = 200


def screened_in_pool(misses: list[tuple[str, bytes]], cache: RecordCache | None) -> dict[str, dict]:
    """The content of the records that pass the YAML, schema, path and privacy checks, read on every core.

    A record with any problem is left out, to be read again in this process: its messages then come from
    the same code, in the same order, as when reading serially. Without a pool, everything is read serially.
    """
    workers = jobs.workers()
    if workers < 2:
        return {}
    if cache:
        cache.clear_stale()
    try:
        with jobs.WorkerPool(workers, start="fork") as pool:
            screened = pool.map(partial(screen, cache=cache), misses, chunksize=max(1, len(misses) // (workers * 8)))
            return {name: content for name, content in screened if content is not None}
    except Exception:  # noqa: BLE001 -- no fork on this platform, a worker killed (WorkerLost)…: serial reading is the fallback
        return {}


def screen(name_and_data: tuple[str, bytes], cache: RecordCache | None) -> tuple[str, dict | None]:
    """In a worker: the record's content if it is clean, else None; never raises."""
    name, data = name_and_data
    try:
        record = read_record(name, decode_source(data, name))
        if schema_errors(record) or path_errors(record, STATIONS_DIR) or privacy_problems(record):
            return name, None
    except Exception:  # noqa: BLE001 -- whatever went wrong is reported when the main process reads it again
        return name, None
    if cache:
        cache.put(name, data, record.content)
    return name, record.content


def file_problems(project: Project, problems: list[SiteBuilderError]) -> None:
    """Errors stop publishing; warnings are listed for reviewers and do not."""
    for problem in problems:
        (project.warnings if isinstance(problem, RecordWarning) else project.errors).append(problem)


def best_effort(check, fallback: object = ()):
    """Run a check on a record that may have failed the schema: what it cannot read, it skips.

    This way one run also reports a score above its maximum in a file that has a misspelt key elsewhere.
    """
    try:
        return check()
    except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError):
        return [] if fallback == () else fallback


def check_duplicates(project: Project) -> None:
    first: dict[str, StationRecord] = {}
    districts: dict[str, StationRecord] = {}
    for record in project.records:
        if record.path in project.malformed:
            continue
        if record.key in first:
            project.errors.append(
                RecordError(
                    record.at("station", "id"), "station.id", f"与 {first[record.key].path} 重复：同一站点、同一服务年度、同一阶段只能有一份记录。"
                )
            )
        first.setdefault(record.key, record)
        other = districts.setdefault(record.station_id, record)
        if other.district_id != record.district_id:
            project.errors.append(
                RecordError(
                    record.at("station", "id"),
                    "station.id",
                    f"站点编号“{record.station_id}”已被 {other.path}（{other.district_id}）使用，站点编号须全市唯一。",
                )
            )


def note_version(project: Project, record: StationRecord, choice: VersionChoice) -> None:
    """Why this version, and the version changes the record's periods span: for explain, the report page and reviewers."""
    project.ruleset_reason[record.key] = choice.reason
    changes = best_effort(lambda: version_changes(record, choice.ruleset, project.rulesets), [])
    if changes:
        project.version_changes[record.key] = changes
        project.warnings += [period_warning(record, change) for change in changes]


def assign_and_evaluate(project: Project, record: StationRecord) -> None:
    choice = collect(project, lambda: best_effort(lambda: select_ruleset(record, project.rulesets), None))
    if choice is None:
        return
    ruleset = choice.ruleset
    if record.path not in project.malformed:  # a record that failed the schema may have no key to file these under
        note_version(project, record, choice)
    inputs, errors = best_effort(lambda: checked_against_rules(record, ruleset), (None, []))
    project.errors += errors
    if inputs is None or errors or record.path in project.malformed:
        return
    project.ruleset_of[record.key] = ruleset
    result = collect(project, lambda: evaluated(record, ruleset, inputs))
    if result is not None:
        project.results[record.key] = result
        project.warnings += audit(record, result)


def evaluated(record: StationRecord, ruleset: RuleSet, inputs) -> Result:
    """The record's result; a computation its data makes impossible (a division by zero, a number too large) is an
    error at the record, at the first fact the failing rule reads, naming that rule's line."""
    try:
        return evaluate(ruleset, inputs)
    except EvaluationError as error:
        keys = ("facts", error.facts[0]) if error.facts else ()
        rule = f"（规则 {rule_location(error.pos)}）" if error.pos else ""
        raise RecordError(record.at(*keys), ".".join(keys), f"按规则算不出这份记录的结果{rule}：{error.message}", error.example) from None


def select_ruleset(record: StationRecord, rulesets: list[RuleSet]) -> VersionChoice:
    """The rule-set version that evaluates the record and why (choose_ruleset), or the reason as an error at the field to change."""
    wanted = record.evaluation.get("rules") or {}
    try:
        return choose_ruleset(rulesets, wanted.get("id"), wanted.get("version"), lambda: record.visit_date, wanted.get("reason"))
    except UnknownRuleset as missing:
        raise RecordError(
            record.at("evaluation", "rules", "id"),
            "evaluation.rules.id",
            f"没有编号为“{missing.rules_id}”的规则集。{did_you_mean(missing.rules_id, missing.known)}",
            "、".join(missing.known) or None,
        ) from None
    except UnknownVersion as missing:
        versions = "、".join(missing.versions)
        whose = f"规则集“{missing.rules_id}”" if missing.rules_id is not None else "规则集"
        raise RecordError(
            record.at("evaluation", "rules", "version"),
            "evaluation.rules.version",
            f"{whose}没有版本“{missing.version}”，现有版本：{versions}。",
            f'version: "{missing.versions[0] if missing.versions else ""}"',
        ) from None
    except PinnedNotInForce as pinned:
        raise RecordError(record.at("evaluation", "rules", "version"), "evaluation.rules.version", pinned.message(), pinned.example()) from None
    except NoneInForce as missing:
        raise RecordError(
            record.at("evaluation", "visit_date"),
            "evaluation.visit_date",
            f"评估日期 {missing.day} 不在任何规则集版本的生效期内。",
            "在 evaluation.rules 中写明规则集编号与版本",
        ) from None
    except SeveralInForce as several:
        names = "、".join(f"{r.id} {r.version}（{r.path}）" for r in several.found)
        raise RecordError(
            record.at("evaluation", "visit_date"),
            "evaluation.visit_date",
            f"评估日期 {several.day} 同时落在多个规则集版本的生效期内：{names}。",
            '在 evaluation.rules 中写明版本，如 version: "2024"',
        ) from None


# --- choosing the rule-set version: the one home for records and `site-builder new` -------------------
#
# The day is the 实地评估日期 (a record's evaluation.visit_date, the --date of `site-builder new`): the version in
# force that day evaluates the record, unless the record names its version (which must then be in force that day,
# or be kept by the newer version's transitional clause, 过渡 至 日期, with the record's reason).


@dataclass(frozen=True)
class VersionChoice:
    ruleset: RuleSet
    reason: str  # why this version, in one clause: shown by explain and on the report page


class NoRulesetApplies(Exception):
    """No single rule-set version applies; each caller words the reason for its own input (a record field, an option)."""


@dataclass(eq=False)
class UnknownRuleset(NoRulesetApplies):
    rules_id: str
    known: list[str]  # every rule-set id, sorted


@dataclass(eq=False)
class UnknownVersion(NoRulesetApplies):
    rules_id: str | None
    version: str
    versions: list[str]  # the versions there are (of the named rule set, if one is named), sorted


@dataclass(eq=False)
class NoneInForce(NoRulesetApplies):
    day: datetime.date


@dataclass(eq=False)
class SeveralInForce(NoRulesetApplies):
    day: datetime.date
    found: list[RuleSet]


@dataclass(eq=False)
class PinnedNotInForce(NoRulesetApplies):
    """The named version is not in force on the day, and no transitional clause with a stated reason keeps it."""

    pinned: RuleSet
    day: datetime.date
    in_force: list[RuleSet]  # the versions of the same rule set in force that day
    keeping: RuleSet | None  # the newer version whose 过渡 would keep the pinned one, given a reason
    reason: str | None  # the reason the record states, if any

    def message(self) -> str:
        now = "、".join(f"版本 {r.version}（生效 {effective_period(r.effective)}）" for r in self.in_force)
        text = (
            f"记录指定的版本 {self.pinned.version} 的生效期是 {effective_period(self.pinned.effective)}，"
            f"实地评估日期 {self.day} 不在其内；{f'当天生效的是{now}' if now else '当天没有生效的版本'}。"
        )
        drop_pin = f"删去 version，按实地评估日期选用{f'版本 {self.in_force[0].version}' if len(self.in_force) == 1 else '当天生效的版本'}"
        if self.keeping is not None and self.keeping.transition is not None:
            clause = f"{rule_location(self.keeping.transition.pos)} 过渡 至 {self.keeping.transition.until}"
            return text + (
                f"改法二选一：{drop_pin}；或者，本次评估若按版本 {self.keeping.version} 的过渡条款（{clause}）沿用版本 {self.pinned.version}，"
                "在 version 下一行写明理由 reason。"
            )
        if self.reason is not None:
            text += f"记录写明了理由（reason），但没有一个较新版本的过渡条款（过渡 至 日期）允许 {self.day} 的评估沿用版本 {self.pinned.version}。"
        if self.pinned.effective.end is not None and self.pinned.effective.end < self.day:
            keep = "若新办法允许沿用原办法，先在新版本的规则文件中写明过渡条款（过渡 至 日期），再在 version 下一行写明理由 reason"
            return text + f"改法：{drop_pin}；{keep}。"
        return text + f"改法：{drop_pin}，或改正实地评估日期。"

    def example(self) -> str:
        if self.keeping is not None:
            return 'reason: "合同在新版本施行前签订，按过渡条款沿用原版本"'
        return f"rules 下只写 id: {self.pinned.id}，不写 version"


def choose_ruleset(
    rulesets: list[RuleSet], rules_id: str | None, version: str | None, day: Callable[[], datetime.date], reason: str | None = None
) -> VersionChoice:
    """The named version, else the version of the named rule set (or of any) in force on the day; and why.

    A named version must be in force on the day, or be kept by a newer version's transitional clause with a reason.
    When day cannot be read (ValueError, TypeError: a date that does not exist, or a blank), a named version or the
    only version there is applies, so that a record with a mistyped date still has its scores checked in the same run.
    """
    candidates = rulesets
    if rules_id is not None:
        candidates = [r for r in rulesets if r.id == rules_id]
        if not candidates:
            raise UnknownRuleset(rules_id, sorted({r.id for r in rulesets}))
    if version is not None:
        named = [r for r in candidates if r.version == version]
        if not named:
            raise UnknownVersion(rules_id, version, sorted(r.version for r in candidates))
        return pinned_choice(rulesets, named[0], day, reason)
    try:
        on = day()
    except (ValueError, TypeError):
        if len(candidates) == 1:
            return VersionChoice(candidates[0], f"规则集只有版本 {candidates[0].version}")
        raise
    found = [r for r in candidates if r.in_force_on(on)]
    if not found:
        raise NoneInForce(on)
    if len(found) > 1:
        raise SeveralInForce(on, found)
    return VersionChoice(found[0], f"实地评估日期 {on} 在版本 {found[0].version} 的生效期（{effective_period(found[0].effective)}）内")


def pinned_choice(rulesets: list[RuleSet], pinned: RuleSet, day: Callable[[], datetime.date], reason: str | None) -> VersionChoice:
    said = f"记录指定了版本 {pinned.version}"
    try:
        on = day()
    except (ValueError, TypeError):
        return VersionChoice(pinned, said)
    period = effective_period(pinned.effective)
    if pinned.in_force_on(on):
        return VersionChoice(pinned, f"{said}，实地评估日期 {on} 在其生效期（{period}）内")
    keeping = transition_keeping(rulesets, pinned, on)
    if keeping is None or keeping.transition is None or not reason:
        in_force = [r for r in rulesets if r.id == pinned.id and r.in_force_on(on)]
        raise PinnedNotInForce(pinned, on, in_force, keeping, reason or None)
    clause = f"过渡 至 {keeping.transition.until}，{rule_location(keeping.transition.pos)}"
    return VersionChoice(
        pinned, f"{said}：实地评估日期 {on} 已过其生效期（{period}），按版本 {keeping.version} 的过渡条款（{clause}）沿用，理由：{reason}"
    )


def transition_keeping(rulesets: list[RuleSet], pinned: RuleSet, on: datetime.date) -> RuleSet | None:
    """The newer version in force on the day whose 过渡 lets that day's evaluations keep pinned, its previous version."""
    for newer in versions_of(rulesets, pinned.id):
        clause = newer.transition
        if clause is not None and newer.in_force_on(on) and on <= clause.until and previous_version(rulesets, newer) is pinned:
            return newer
    return None


def previous_version(rulesets: list[RuleSet], ruleset: RuleSet) -> RuleSet | None:
    earlier = [r for r in versions_of(rulesets, ruleset.id) if r.effective.start < ruleset.effective.start]
    return earlier[-1] if earlier else None


# --- a contract or assessed period that spans a change of version ------------------------------------

PERIODS = (("contract", "合同期"), ("assessed_period", "考核期"))


@dataclass(frozen=True)
class VersionChange:
    """A day a new version takes over that falls inside the record's contract or assessed period (after its first day)."""

    day: datetime.date
    before: RuleSet
    after: RuleSet
    used: RuleSet  # the version that evaluates the record
    periods: tuple[tuple[str, str, datetime.date, datetime.date], ...]  # (field, label, start, end) of each period spanning it

    @property
    def sentence(self) -> str:
        spans = "与".join(f"{label}（{start} 至 {end}）" for _, label, start, end in self.periods)
        return (
            f"{spans}跨越了规则集版本的更替：{self.day} 起，版本 {self.before.version} 改为版本 {self.after.version}；"
            f"本次评估按版本 {self.used.version}。"
        )


def version_changes(record: StationRecord, used: RuleSet, rulesets: list[RuleSet]) -> list[VersionChange]:
    periods = [(key, label, *record_period(record, key)) for key, label in PERIODS if key in record.evaluation]
    versions = versions_of(rulesets, used.id)
    changes = []
    for before, after in zip(versions, versions[1:]):
        day = after.effective.start
        spanning = tuple(p for p in periods if p[2] < day <= p[3])
        if spanning:
            changes.append(VersionChange(day, before, after, used, spanning))
    return changes


def period_warning(record: StationRecord, change: VersionChange) -> RecordWarning:
    """At the key of the first period that spans the change (contract:, else assessed_period:)."""
    field_name = change.periods[0][0]
    return RecordWarning(record.at("evaluation", field_name, key=True), f"evaluation.{field_name}", change.sentence)


def record_period(record: StationRecord, key: str) -> tuple[datetime.date, datetime.date]:
    period = record.evaluation[key]
    return datetime.date.fromisoformat(str(period["start"])), datetime.date.fromisoformat(str(period["end"]))


# --- audits: warnings, not failures ---------------------------------------------------------------


def audit(record: StationRecord, result: Result) -> list[SiteBuilderError]:
    return stated_result_warnings(record, result) + indicator_warnings(record, result) + count_warnings(record)


def warning(record: StationRecord, keys: tuple, message: str) -> RecordWarning:
    from .record import dotted

    return RecordWarning(record.at(*keys), dotted(keys), message)


def stated_result_warnings(record: StationRecord, result: Result) -> list[SiteBuilderError]:
    stated = record.content.get("stated", {})
    found: list[SiteBuilderError] = []
    if "total" in stated and Decimal(stated["total"]) != result.total:
        found.append(warning(record, ("stated", "total"), f"报告写明总分 {stated['total']}，按规则计算为 {result.total}。"))
    if "grade" in stated and stated["grade"] != result.grade:
        found.append(warning(record, ("stated", "grade"), f"报告写明等级“{stated['grade']}”，按规则评定为“{result.grade or NOT_GRADED}”。"))
    return found


def indicator_warnings(record: StationRecord, result: Result) -> list[SiteBuilderError]:
    found: list[SiteBuilderError] = []
    for index, indicator in enumerate(record.content.get("indicators", [])):
        if "target" not in indicator or "stated_percent" not in indicator:
            continue
        rate = completion_rate(result.ruleset, Decimal(indicator["actual"]), Decimal(indicator["target"]))
        stated = Decimal(indicator["stated_percent"].rstrip("%"))
        if rate is not None and rate != stated:
            found.append(
                warning(
                    record,
                    ("indicators", index, "stated_percent"),
                    f"“{indicator['name']}”写明完成率 {stated}%，按 {indicator['actual']} ÷ {indicator['target']} 计算为 {rate}%。",
                )
            )
    return found


def count_warnings(record: StationRecord) -> list[SiteBuilderError]:
    found: list[SiteBuilderError] = []
    satisfaction = record.content.get("satisfaction", {})
    if satisfaction.get("satisfied", 0) > satisfaction.get("surveyed", float("inf")):
        found.append(warning(record, ("satisfaction", "satisfied"), "满意人数多于受访人数。"))
    for index, section in enumerate(record.content["report"].get("sub_districts", [])):
        figures = section.get("figures", {})
        visits = figures.get("home_visits", 0) + figures.get("phone_visits", 0)
        if "person_times" in figures and visits > figures["person_times"]:
            found.append(
                warning(
                    record,
                    ("report", "sub_districts", index, "figures", "person_times"),
                    f"入户探访与电访合计 {visits} 人次，多于服务总人次 {figures['person_times']}。",
                )
            )
    return found
