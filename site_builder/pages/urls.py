"""Where each generated page lives (its source path inside the site), and relative links between them."""

from __future__ import annotations

import posixpath

from ..records import StationRecord
from ..ruleset import RuleSet

HOME = "index.md"
ALL_REPORTS = "reports/index.md"
DATA_DICTIONARY = "reference/record-fields.md"


def report(record: StationRecord) -> str:
    return f"reports/{record.key}.md"


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
