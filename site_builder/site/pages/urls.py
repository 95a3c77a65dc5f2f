"""Where each generated page lives (its source path inside the site), and relative links between them."""

from __future__ import annotations

import posixpath

from ...language.ruleset import RuleSet
from ...records.record import StationRecord

HOME = "index.md"
ALL_REPORTS = "reports/index.md"
DATA_DICTIONARY = "reference/record-fields.md"
OPEN_DATA = "data/index.md"
RESULTS_CSV = "data/results.csv"
RESULTS_JSON = "data/results.json"
SUB_DISTRICT_CSV = "data/sub-district-scores.csv"
SCORES_CSV = "data/scores.csv"
DATA_PACKAGE = "data/datapackage.json"


def report(record: StationRecord) -> str:
    return f"reports/{record.key}.md"


def report_data(record: StationRecord) -> str:
    """A record's open data sits beside its report: reports/<key>.md → reports/<key>.json."""
    return f"reports/{record.key}.json"


def district(district_id: str) -> str:
    return f"districts/{district_id}.md"


def station(station_id: str) -> str:
    return f"stations/{station_id}.md"


def ruleset(rules: RuleSet) -> str:
    """A rule set's page mirrors its file: rules/guangzhou/sgz-2024.rules → rules/guangzhou/sgz-2024.md."""
    return posixpath.splitext(rules.path)[0] + ".md"


def relative(target: str, current: str) -> str:
    """A Markdown link from page current to page target, which MkDocs then checks and rewrites."""
    return posixpath.relpath(target, posixpath.dirname(current) or ".")


def url_dir(src: str) -> str:
    """The folder a page is served from: reports/index.md → reports, districts/panyu.md → districts/panyu."""
    stem, name = posixpath.splitext(src)[0], posixpath.basename(src)
    return posixpath.dirname(src) if name == "index.md" else stem


def href(target: str, current: str) -> str:
    """A link for raw HTML, which MkDocs does not rewrite: from page current's URL to page target's URL."""
    return posixpath.relpath(url_dir(target) or ".", url_dir(current) or ".") + "/"
