"""Dated versions of a rule set standing side by side: which version evaluates a record, and how the site shows them.

The older version here is a test fixture made from the seed repository's copy of the real file; no regulation is
invented in rules/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from site_harness import SEED_RECORD, SEED_REPO, build_site, copy_seed_repo

from site_builder.records.project import load_project

REAL_RULES = "rules/guangzhou/sgz-2024.rules"
OLDER_RULES = "rules/guangzhou/sgz-2023.rules"
SEED = SEED_RECORD
KEY = "panyu/shiqiao-dongxi/2024-2025-中期"


def older_version(until: str = "至 2024-08-25") -> str:
    """A fixture version: in force before the real one, with 优秀 starting at 89.5 instead of 90."""
    text = (SEED_REPO / REAL_RULES).read_text(encoding="utf-8")
    for old, new in (
        ("版本 “2024”", "版本 “2023”"),
        ("生效 2024-08-26 起", f"生效 2023-01-01 {until}"),
        ("等级 优秀   当 总分 >= 90", "等级 优秀   当 总分 >= 89.5"),
        ("等级 良好   当 80 <= 总分 < 90", "等级 良好   当 80 <= 总分 < 89.5"),
    ):
        assert old in text
        text = text.replace(old, new)
    return text


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    copy_seed_repo(tmp_path)
    (tmp_path / OLDER_RULES).write_text(older_version(), encoding="utf-8")
    return tmp_path


def edit_seed(repo: Path, *replacements: tuple[str, str]) -> None:
    path = repo / SEED
    text = path.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")


UNNAMED_VERSION = ('  rules:\n    id: 广州市社工站评估\n    version: "2024"\n', "  rules:\n    id: 广州市社工站评估\n")


def test_the_version_in_force_on_the_visit_date_is_used(repo):
    edit_seed(repo, UNNAMED_VERSION)
    project = load_project(repo)
    assert project.errors == []
    assert project.ruleset_of[KEY].version == "2024"
    assert project.results[KEY].grade == "良好"


def test_an_earlier_visit_date_is_evaluated_by_the_earlier_version(repo):
    edit_seed(repo, UNNAMED_VERSION, ("visit_date: 2025-02-20", "visit_date: 2024-03-01"))
    project = load_project(repo)
    assert project.ruleset_of[KEY].version == "2023"
    assert project.results[KEY].grade == "优秀"  # 89.76 ≥ 89.5 under the fixture version


def test_a_named_version_wins_over_the_date(repo):
    edit_seed(repo, ('version: "2024"', 'version: "2023"'))
    project = load_project(repo)
    assert project.ruleset_of[KEY].version == "2023"


def test_a_date_in_no_version_is_rejected(repo):
    edit_seed(repo, UNNAMED_VERSION, ("visit_date: 2025-02-20", "visit_date: 2022-06-01"))
    [error] = load_project(repo).errors
    assert error.message == "evaluation.visit_date：评估日期 2022-06-01 不在任何规则集版本的生效期内。"


def test_a_date_in_two_versions_is_rejected(repo):
    (repo / OLDER_RULES).write_text(older_version(until="起"), encoding="utf-8")
    edit_seed(repo, UNNAMED_VERSION)
    [error] = load_project(repo).errors
    assert error.message.startswith("evaluation.visit_date：评估日期 2025-02-20 同时落在多个规则集版本的生效期内")
    assert "sgz-2023.rules" in error.message and "sgz-2024.rules" in error.message


@pytest.mark.slow
def test_the_site_lists_versions_with_their_changes_and_reports_link_their_version(repo):
    site = build_site(repo)
    newer = (site / "rules/guangzhou/sgz-2024/index.html").read_text(encoding="utf-8")
    assert "等级“优秀”：89.5分及以上 → 90分及以上。" in newer
    assert 'href="../sgz-2023/"' in newer
    report = (site / f"reports/{KEY}/index.html").read_text(encoding="utf-8")
    assert 'href="../../../../rules/guangzhou/sgz-2024/"' in report
