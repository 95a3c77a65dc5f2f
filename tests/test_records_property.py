"""Property tests: however a station record is mangled, checking it ends in the project's own errors, never a crash."""

from __future__ import annotations

import os
import shutil

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from site_harness import SEED_RECORD, SEED_REPO

from site_builder.errors import SiteBuilderError
from site_builder.records.project import load_project

pytestmark = pytest.mark.slow  # 150 mangled records, each checked in full: more than 10 s
SEED = SEED_RECORD
SEED_TEXT = (SEED_REPO / SEED).read_text(encoding="utf-8")
EXAMPLES = int(os.environ.get("RECORDS_PROPERTY_EXAMPLES", "150"))
YAML_PIECES = [
    ":",
    " ",
    "\n",
    "- ",
    "  ",
    "\t",
    "{",
    "}",
    "[",
    "]",
    "&a",
    "*a",
    "!!python/object:os.system",
    "'",
    '"',
    "|",
    ">",
    "#",
    "null",
    "true",
    "1e999",
    "-1",
    "99999999999999999999",
    "2025-02-30",
    "~",
    "服务质量",
    "\ufeff",
    "\u202e",
    "../",
    "not_checked",
    "%",
]

mutation = st.tuples(
    st.integers(min_value=0, max_value=len(SEED_TEXT)), st.integers(min_value=0, max_value=40), st.sampled_from(YAML_PIECES) | st.text(max_size=6)
)


def mutate(text: str, edits) -> str:
    for position, removed, inserted in edits:
        text = text[:position] + inserted + text[position + removed :]
    return text


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(mutation, min_size=1, max_size=4))
# Found by CI: the station's district or id cut away, and the version's reason filed under the record's key.
@example(edits=[(280, 24, "")])
@example(edits=[(272, 0, ":")])
def test_a_mangled_record_gives_located_errors_or_passes_never_a_crash(tmp_path_factory, edits):
    repo = tmp_path_factory.mktemp("repo")
    shutil.copytree(SEED_REPO / "rules", repo / "rules")
    (repo / SEED).parent.mkdir(parents=True)
    (repo / SEED).write_bytes(mutate(SEED_TEXT, edits).encode("utf-8", "surrogatepass"))
    project = load_project(repo)  # anything but SiteBuilderError escaping here fails the test
    for error in project.errors + project.warnings:
        assert isinstance(error, SiteBuilderError)
        assert error.format()
        assert error.pos is None or error.pos.line >= 1
