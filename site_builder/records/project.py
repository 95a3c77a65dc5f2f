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

from ..errors import Problems, RecordError, RecordWarning, SiteBuilderError, SourcePos, capped_per_file, did_you_mean, sort_key
from ..language.checks import check_rules, rule_warnings
from ..language.evaluate import Result, completion_rate, evaluate
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


def assign_and_evaluate(project: Project, record: StationRecord) -> None:
    ruleset = collect(project, lambda: best_effort(lambda: select_ruleset(record, project.rulesets), None))
    if ruleset is None:
        return
    inputs, errors = best_effort(lambda: checked_against_rules(record, ruleset), (None, []))
    project.errors += errors
    if inputs is None or errors or record.path in project.malformed:
        return
    project.ruleset_of[record.key] = ruleset
    result = collect(project, lambda: evaluate(ruleset, inputs))
    if result is not None:
        project.results[record.key] = result
        project.warnings += audit(record, result)


def select_ruleset(record: StationRecord, rulesets: list[RuleSet]) -> RuleSet:
    """The rule-set version that evaluates the record (choose_ruleset), or the reason as an error at the field to change."""
    wanted = record.evaluation.get("rules") or {}
    try:
        return choose_ruleset(rulesets, wanted.get("id"), wanted.get("version"), lambda: record.visit_date)
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


def choose_ruleset(rulesets: list[RuleSet], rules_id: str | None, version: str | None, day: Callable[[], datetime.date]) -> RuleSet:
    """The named version, else the version of the named rule set (or of any) in force on the day.

    day is asked for only when no version is named: a record naming its version is evaluated even if its date is unreadable.
    When day cannot be read (ValueError, TypeError: a date that does not exist, or a blank), the only version there
    is applies, so that a record with a mistyped date still has its scores checked in the same run.
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
        return named[0]
    try:
        on = day()
    except (ValueError, TypeError):
        if len(candidates) == 1:
            return candidates[0]
        raise
    found = [r for r in candidates if r.in_force_on(on)]
    if not found:
        raise NoneInForce(on)
    if len(found) > 1:
        raise SeveralInForce(on, found)
    return found[0]


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
    for index, section in enumerate(record.content["report"]["sub_districts"]):
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
