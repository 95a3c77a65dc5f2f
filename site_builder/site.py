"""Every generated page of the site, by source path: the project's evaluated results turned into Markdown."""

from __future__ import annotations

from pathlib import Path

from .open_data import open_data_files
from .pages import urls
from .pages.comparison import Comparisons
from .pages.listings import Evaluated, all_reports_page, district_page, districts_index, home_summary, station_page
from .pages.report import report_page
from .pages.ruleset_page import rules_index, ruleset_page
from .project import Project
from .provenance import Provenance
from .ruleset import RuleSet


def evaluated(project: Project) -> list[Evaluated]:
    return [Evaluated(record, project.results[record.key]) for record in project.records]


def standing_text(project: Project, rules: RuleSet) -> str | None:
    """The regime's standing report text, kept once beside its rule file (x.rules → x.standing.md)."""
    path = project.root / Path(rules.path).with_suffix(".standing.md")
    return path.read_text(encoding="utf-8") if path.exists() else None


def generated_pages(project: Project, provenance: Provenance) -> dict[str, str | bytes]:
    rows = evaluated(project)
    pages = {urls.ALL_REPORTS: all_reports_page(rows), "districts/index.md": districts_index(rows),
             "rules/index.md": rules_index(project.rulesets)}
    comparisons = Comparisons(rows)
    by_station = group(rows, lambda r: r.record.station_id)
    for row in rows:
        pages[urls.report(row.record)] = report_page(row.record, row.result, standing_text(project, row.result.ruleset),
                                                     provenance, comparisons, history=by_station[row.record.station_id])
    for district_id, members in group(rows, lambda r: r.record.district_id).items():
        pages[urls.district(district_id)] = district_page(district_id, members)
    for station_id, members in group(rows, lambda r: r.record.station_id).items():
        pages[urls.station(station_id)] = station_page(station_id, members)
    for rules in project.rulesets:
        versions = [other for other in project.rulesets if other.id == rules.id]
        pages[urls.ruleset(rules)] = ruleset_page(rules, versions)
    pages.update(open_data_files(rows, project.rulesets))  # data/results.csv, .json, one JSON per report, data/index.md
    return pages


def group(rows: list[Evaluated], key) -> dict[str, list[Evaluated]]:
    groups: dict[str, list[Evaluated]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    return groups


def home_summary_for(project: Project) -> str:
    return home_summary(evaluated(project), project.rulesets)
