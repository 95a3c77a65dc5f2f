"""Every generated page of the site, by source path: the project's evaluated results turned into Markdown."""

from __future__ import annotations

import os
from pathlib import Path

from ..language.ruleset import RuleSet
from ..records.project import Project
from ..records.source_files import STANDING_SUFFIX, read_source_text
from .open_data import open_data_files
from .pages import urls
from .pages.comparison import Comparisons
from .pages.explain import report_title
from .pages.listings import Evaluated, all_reports_page, district_page, districts_index, station_page
from .pages.publisher import Publisher, objection_section
from .pages.report import report_page
from .pages.ruleset_page import rules_index, ruleset_page
from .provenance import Provenance


def evaluated(project: Project) -> list[Evaluated]:
    """Each record beside its result, in the project's order: made once per build (BulkPages.rows) and shared by every page."""
    return [Evaluated(record, project.results[record.key]) for record in project.records]


def standing_text(project: Project, rules: RuleSet) -> str | None:
    """The regime's standing report text, kept once beside its rule file (x.rules → x.standing.md); read as every
    source is (source_files), so a link there is refused, never followed."""
    name = Path(rules.path).with_suffix(STANDING_SUFFIX).as_posix()
    return read_source_text(project.root, name) if os.path.lexists(project.root / name) else None


def generated_pages(
    project: Project, rows: list[Evaluated], publisher: Publisher = Publisher(), site_url: str | None = None
) -> dict[str, str | bytes]:
    """The pages there are a few of, rendered by MkDocs itself: listings, rule sets, open data."""
    pages: dict[str, str | bytes] = {
        urls.ALL_REPORTS: all_reports_page(rows),
        "districts/index.md": districts_index(rows),
        "rules/index.md": rules_index(project.rulesets),
    }
    for district_id, members in group(rows, lambda r: r.record.district_id).items():
        pages[urls.district(district_id)] = district_page(district_id, members)
    for rules in project.rulesets:
        versions = [other for other in project.rulesets if other.id == rules.id]
        pages[urls.ruleset(rules)] = ruleset_page(rules, versions)
    # data/results.csv, .json, scores.csv, datapackage.json, one JSON per report, data/index.md
    pages.update(open_data_files(rows, project.rulesets, project.ruleset_reason, publisher, site_url))
    return pages


class BulkPages:
    """The pages there is one of per report and per station, by source path.

    Their Markdown is made one page at a time, when the renderer (render.py) asks, so that ten thousand
    report pages are never all held in memory at once.
    """

    def __init__(self, project: Project, provenance: Provenance, publisher: Publisher = Publisher()):
        self.project, self.provenance, self.publisher = project, provenance, publisher
        self.rows = evaluated(project)
        self.comparisons = Comparisons(self.rows)
        self.by_station = group(self.rows, lambda r: r.record.station_id)
        self.station_ids = list(self.by_station)
        self.sources = [urls.report(row.record) for row in self.rows] + [urls.station(s) for s in self.station_ids]
        self.source_set = frozenset(self.sources)
        self.standing = {rules.path: standing_text(project, rules) for rules in project.rulesets}

    def markdown(self, index: int) -> str:
        if index < len(self.rows):
            row = self.rows[index]
            page = report_page(
                row.record,
                row.result,
                self.standing[row.result.ruleset.path],
                self.provenance,
                self.comparisons,
                history=self.by_station[row.record.station_id],
                version_note=self.version_note(row.record.key),
            )
            # Last, with the site's own sections (left out of print): the official report has no such section.
            publicity = row.record.evaluation.get("publicity")
            return page + "\n" + objection_section(self.publisher, report_title(row.record), row.record.path, publicity) + "\n"
        station_id = self.station_ids[index - len(self.rows)]
        return station_page(station_id, self.by_station[station_id])

    def version_note(self, key: str) -> tuple[str, ...]:
        """Why the record's rule-set version was chosen, and the version changes its periods span: a sentence each."""
        reason = self.project.ruleset_reason.get(key)
        changes = self.project.version_changes.get(key, [])
        return ((f"选用规则版本的依据：{reason}。",) if reason else ()) + tuple(change.sentence for change in changes)

    def indices_in(self, districts: set[str] | None) -> list[int]:
        """The pages of the given districts' reports and stations (all of them for None): one shard's share."""
        if districts is None:
            return list(range(len(self.sources)))
        reports = [i for i, row in enumerate(self.rows) if row.record.district_id in districts]
        stations = [
            len(self.rows) + i for i, station_id in enumerate(self.station_ids) if self.by_station[station_id][0].record.district_id in districts
        ]
        return reports + stations

    def evaluated(self, index: int) -> Evaluated | None:
        """The record and result behind a report page; None for a station page."""
        return self.rows[index] if index < len(self.rows) else None


def group(rows: list[Evaluated], key) -> dict[str, list[Evaluated]]:
    groups: dict[str, list[Evaluated]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    return groups
