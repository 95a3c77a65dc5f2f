"""Dated versions of a rule set standing side by side: which version evaluates a record, and how the site shows them.

The older version here is a test fixture made from the seed repository's copy of the real file; no regulation is
invented in rules/.
"""

from __future__ import annotations

import datetime
import html
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from site_harness import SEED_RECORD, SEED_REPO, build_site, copy_seed_repo

from site_builder.commands.cli import main
from site_builder.errors import SiteBuilderError
from site_builder.language.checks import check_rules
from site_builder.language.parser import parse_rules
from site_builder.records.project import NoRulesetApplies, choose_ruleset, load_project, period_problems, versions_of
from site_builder.site.assembly import BulkPages
from site_builder.site.escaped_text import ESCAPED_END, ESCAPED_START
from site_builder.site.pages.ruleset_page import rules_index
from site_builder.site.provenance import Provenance

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


def test_a_named_version_in_force_on_the_visit_date_is_used_and_says_so(repo):
    edit_seed(repo, ('version: "2024"', 'version: "2023"'), ("visit_date: 2025-02-20", "visit_date: 2024-03-01"))
    project = load_project(repo)
    assert project.ruleset_of[KEY].version == "2023"
    assert project.ruleset_reason[KEY] == "记录指定了版本 2023，实地评估日期 2024-03-01 在其生效期（2023-01-01 至 2024-08-25）内"


def test_a_named_version_no_longer_in_force_is_an_error_at_the_version_line(repo):
    edit_seed(repo, ('version: "2024"', 'version: "2023"'))
    [error] = load_project(repo).errors
    assert (error.pos.file, error.pos.line, error.pos.col) == (SEED, 42, 14)
    assert error.message == (
        "evaluation.rules.version：记录指定的版本 2023 的生效期是 2023-01-01 至 2024-08-25，实地评估日期 2025-02-20 不在其内；"
        "当天生效的是版本 2024（生效 2024-08-26 起）。改法：删去 version，按实地评估日期选用版本 2024；"
        "若新办法允许沿用原办法，先在新版本的规则文件中写明过渡条款（过渡 至 日期），再在 version 下一行写明理由 reason。"
    )


def test_a_date_in_no_version_is_rejected(repo):
    edit_seed(repo, UNNAMED_VERSION, ("visit_date: 2025-02-20", "visit_date: 2022-06-01"))
    [error] = load_project(repo).errors
    assert error.message == "evaluation.visit_date：评估日期 2022-06-01 不在任何规则集版本的生效期内。"


def test_two_versions_in_force_on_the_same_days_are_an_error_on_the_later_rule_file(repo):
    (repo / OLDER_RULES).write_text(older_version(until="起"), encoding="utf-8")
    edit_seed(repo, UNNAMED_VERSION)
    [error] = load_project(repo).errors
    assert (error.pos.file, error.pos.line, error.pos.col) == (REAL_RULES, 10, 1)
    assert error.message.startswith(
        "规则集“广州市社工站评估”的版本 2024 与版本 2023（生效 2023-01-01 起，rules/guangzhou/sgz-2023.rules:10）的生效期重叠："
        "2024-08-26 起的每一天两个版本同时生效"
    )


@pytest.mark.slow
def test_the_site_lists_versions_with_their_changes_and_reports_link_their_version(repo):
    site = build_site(repo)
    newer = (site / "rules/guangzhou/sgz-2024/index.html").read_text(encoding="utf-8")
    assert "等级“优秀”：89.5分及以上 → 90分及以上。" in newer
    assert 'href="../sgz-2023/"' in newer
    report = (site / f"reports/{KEY}/index.html").read_text(encoding="utf-8")
    assert 'href="../../../../rules/guangzhou/sgz-2024/"' in report


# --- the versioned regime: two versions of one rule set, 2024 (至 2025-06-30) and 2025 (2025-07-01 起, 过渡 至 2025-12-31) ---

VERSIONED = Path(__file__).parent / "fixtures" / "regimes" / "versioned"
OLD_RULES, NEW_RULES = "rules/demo/demo-2024.rules", "rules/demo/demo-2025.rules"
PINNED_WITHOUT_REASON = "stations/demo/beta/2025-2026-中期.yaml"
PINNED_WITH_REASON = "stations/demo/gamma/2025-2026-中期.yaml"
SPANNING = "stations/demo/delta/2024-2025-末期.yaml"


@pytest.fixture
def versioned(tmp_path: Path) -> Path:
    shutil.copytree(VERSIONED, tmp_path, dirs_exist_ok=True)
    return tmp_path


def edit_file(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def unescaped(markdown: str) -> str:
    """The page's text as a reader sees it: record and rule text reach pages escaped (site/pages/text.py)."""
    return html.unescape(markdown.replace(ESCAPED_START, "").replace(ESCAPED_END, ""))


def where(problem) -> tuple[str, int, int]:
    return problem.pos.file, problem.pos.line, problem.pos.col


def test_each_record_is_evaluated_by_the_version_its_date_or_its_transitional_reason_gives(versioned):
    project = load_project(versioned)
    versions = {key: rules.version for key, rules in project.ruleset_of.items()}
    assert versions == {
        "demo/alpha/2024-2025-中期": "2024",
        "demo/alpha/2025-2026-中期": "2025",
        "demo/gamma/2025-2026-中期": "2024",
        "demo/delta/2024-2025-末期": "2025",
    }
    # 87 points: 良好 under 2024 (优秀 from 90), 优秀 under 2025 (优秀 from 85)
    grades = {key: result.grade for key, result in project.results.items()}
    assert grades["demo/alpha/2024-2025-中期"] == grades["demo/gamma/2025-2026-中期"] == "良好"
    assert grades["demo/alpha/2025-2026-中期"] == grades["demo/delta/2024-2025-末期"] == "优秀"


def test_the_choice_names_its_reason(versioned):
    reasons = load_project(versioned).ruleset_reason
    assert reasons["demo/alpha/2024-2025-中期"] == "实地评估日期 2025-02-20 在版本 2024 的生效期（2024-08-26 至 2025-06-30）内"
    assert reasons["demo/alpha/2025-2026-中期"] == "实地评估日期 2026-01-15 在版本 2025 的生效期（2025-07-01 起）内"
    assert reasons["demo/gamma/2025-2026-中期"] == (
        "记录指定了版本 2024：实地评估日期 2025-09-10 已过其生效期（2024-08-26 至 2025-06-30），"
        "按版本 2025 的过渡条款（过渡 至 2025-12-31，rules/demo/demo-2025.rules:7）沿用，理由：合同在 2025 版施行前签订，按过渡条款沿用 2024 版"
    )


def test_a_pinned_version_out_of_force_without_a_reason_is_an_error_offering_both_fixes(versioned):
    [error] = load_project(versioned).errors
    assert where(error) == (PINNED_WITHOUT_REASON, 22, 14)
    assert error.message == (
        "evaluation.rules.version：记录指定的版本 2024 的生效期是 2024-08-26 至 2025-06-30，实地评估日期 2025-09-10 不在其内；"
        "当天生效的是版本 2025（生效 2025-07-01 起）。改法二选一：删去 version，按实地评估日期选用版本 2025；或者，"
        "本次评估若按版本 2025 的过渡条款（rules/demo/demo-2025.rules:7 过渡 至 2025-12-31）沿用版本 2024，在 version 下一行写明理由 reason。"
    )
    assert error.example == 'reason: "合同在新版本施行前签订，按过渡条款沿用原版本"'


def test_a_reason_does_not_keep_a_version_after_the_transitional_clause_ends(versioned):
    edit_file(versioned / PINNED_WITH_REASON, "visit_date: 2025-09-10", "visit_date: 2026-01-10")
    errors = [e for e in load_project(versioned).errors if e.pos.file == PINNED_WITH_REASON]
    assert [where(e) for e in errors] == [(PINNED_WITH_REASON, 22, 14)]
    assert "实地评估日期 2026-01-10 不在其内；当天生效的是版本 2025（生效 2025-07-01 起）。" in errors[0].message
    assert "记录写明了理由（reason），但没有一个较新版本的过渡条款（过渡 至 日期）允许 2026-01-10 的评估沿用版本 2024。" in errors[0].message


def test_a_contract_spanning_a_change_of_version_is_a_warning_naming_the_day_and_both_versions(versioned):
    project = load_project(versioned)
    [warning] = project.warnings
    assert where(warning) == (SPANNING, 22, 3)
    assert warning.message == (
        "evaluation.contract：合同期（2024-10-01 至 2025-09-30）与考核期（2024-10-01 至 2025-09-30）跨越了规则集版本的更替："
        "2025-07-01 起，版本 2024 改为版本 2025；本次评估按版本 2025。"
    )
    assert [change.sentence for change in project.version_changes["demo/delta/2024-2025-末期"]] == [warning.message.split("：", 1)[1]]


def test_overlapping_periods_are_an_error_at_the_later_versions_effective_line(versioned):
    edit_file(versioned / OLD_RULES, "生效 2024-08-26 至 2025-06-30", "生效 2024-08-26 至 2025-07-31")
    project = load_project(versioned)
    [error] = project.errors
    assert where(error) == (NEW_RULES, 6, 1)
    assert error.message == (
        "规则集“版本示例”的版本 2025 与版本 2024（生效 2024-08-26 至 2025-07-31，rules/demo/demo-2024.rules:6）的生效期重叠："
        "2025-07-01 至 2025-07-31（共 31 天）两个版本同时生效，这些日期的评估记录无法按日期选定版本。"
        "若本版本自 2025-07-01 起施行，把版本 2024 的生效改为“生效 2024-08-26 至 2025-06-30”；否则改本行的日期。"
    )
    assert error.example == "生效 2024-08-26 至 2025-06-30（写在 rules/demo/demo-2024.rules）"
    assert project.results == {}  # a broken rule set evaluates no record


def test_a_gap_between_periods_is_a_warning_at_the_later_versions_effective_line(versioned):
    edit_file(versioned / OLD_RULES, "生效 2024-08-26 至 2025-06-30", "生效 2024-08-26 至 2025-06-20")
    gaps = [w for w in load_project(versioned).warnings if w.pos.file == NEW_RULES]
    assert [where(w) for w in gaps] == [(NEW_RULES, 6, 1)]
    assert gaps[0].message == (
        "规则集“版本示例”的版本 2024（生效 2024-08-26 至 2025-06-20，rules/demo/demo-2024.rules:6）与版本 2025（生效 2025-07-01 起）之间有空档："
        "2025-06-21 至 2025-06-30（共 10 天）没有生效的版本，这些日期的评估记录须写明版本。"
        "若两版相接，把本行改为“生效 2025-06-21 起”，或把版本 2024 的结束日期改为 2025-06-30。"
    )


def test_a_transitional_clause_ending_before_its_version_starts_is_an_error(versioned):
    edit_file(versioned / NEW_RULES, "过渡 至 2025-12-31", "过渡 至 2025-06-30")
    [error] = load_project(versioned).errors
    assert where(error) == (NEW_RULES, 7, 1)
    assert error.message.startswith("过渡期的结束日期 2025-06-30 早于本版本的生效日期 2025-07-01")
    assert error.example == "过渡 至 2025-12-31"


def test_explain_names_the_version_and_why(versioned, capsys):
    (versioned / PINNED_WITHOUT_REASON).unlink()
    assert main(["--root", str(versioned), "explain", str(versioned / "stations/demo/alpha/2025-2026-中期.yaml")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == [
        "规则集：版本更替的评估示例（版本 2025，rules/demo/demo-2025.rules）",
        "选用版本的依据：实地评估日期 2026-01-15 在版本 2025 的生效期（2025-07-01 起）内。",
    ]


def test_new_refuses_a_version_not_in_force_on_the_date(versioned, capsys):
    args = ["--district", "demo", "--district-name", "示例区", "--station", "epsilon", "--name", "示例戊社工服务站"]
    args += ["--period", "2025-2026", "--stage", "中期", "--rules", "版本示例", "--version", "2024", "--date", "2025-09-10"]
    assert main(["--root", str(versioned), "new", *args]) == 1
    assert "--version：版本“2024”的生效期是 2024-08-26 至 2025-06-30，实地评估日期 2025-09-10 不在其内。" in capsys.readouterr().err


def test_the_rules_index_shows_each_versions_full_period(versioned):
    index = rules_index(load_project(versioned).rulesets)
    assert "| 2024-08-26 至 2025-06-30 |" in index
    assert "| 2025-07-01 至今 |" in index


def test_the_report_page_says_why_its_version_and_notes_a_spanned_change(versioned):
    (versioned / PINNED_WITHOUT_REASON).unlink()  # a site is built only from a project without errors
    project = load_project(versioned)
    pages = BulkPages(project, Provenance())
    markdown = {row.record.key: pages.markdown(index) for index, row in enumerate(pages.rows)}
    assert "选用规则版本的依据：实地评估日期 2025-10-15 在版本 2025 的生效期（2025-07-01 起）内。" in unescaped(markdown["demo/delta/2024-2025-末期"])
    assert "跨越了规则集版本的更替：2025-07-01 起，版本 2024 改为版本 2025；本次评估按版本 2025。" in unescaped(markdown["demo/delta/2024-2025-末期"])
    assert "跨越了规则集版本的更替" not in unescaped(markdown["demo/alpha/2025-2026-中期"])


def test_the_rule_language_page_shows_these_messages_as_check_prints_them(versioned):
    page = (Path(__file__).parents[1] / "docs" / "rule-language.md").read_text(encoding="utf-8")
    [pinned] = load_project(versioned).errors
    edit_file(versioned / OLD_RULES, "生效 2024-08-26 至 2025-06-30", "生效 2024-08-26 至 2025-07-31")
    [overlap] = load_project(versioned).errors
    for error in (pinned, overlap):
        assert error.format() in page


# --- random periods, transitional clauses, pins and visit dates: a choice or a project error, never a traceback --------

PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DAYS = st.dates(min_value=datetime.date(2024, 1, 1), max_value=datetime.date(2026, 12, 31))


def version_text(base: str, start: datetime.date, end: datetime.date | None, until: datetime.date | None) -> str:
    effective = f"生效 {start} 起" if end is None else f"生效 {start} 至 {end}"
    text = re.sub(r"生效 [^\n]*", effective, base, count=1)
    text = re.sub(r"过渡 至 [^\n]*\n", "", text)
    return text if until is None else text.replace(effective, f"{effective}\n过渡 至 {until}", 1)


@PROPERTY
@given(
    periods=st.lists(st.tuples(DAYS, st.none() | DAYS, st.none() | DAYS), min_size=2, max_size=2),
    visit=DAYS,
    pin=st.sampled_from([None, "2024", "2025"]),
    reason=st.sampled_from([None, "合同在新版本施行前签订"]),
)
def test_any_periods_and_pins_give_a_version_in_force_a_kept_one_or_a_project_error(periods, visit, pin, reason):
    rulesets = []
    for (start, end, until), path in zip(periods, (OLD_RULES, NEW_RULES)):
        base = (VERSIONED / path).read_text(encoding="utf-8")
        try:
            rulesets.append(check_rules(parse_rules(version_text(base, start, end, until), path)))
        except SiteBuilderError:
            return  # an end before the start, a clause ending before its version starts: reported on the rule file
    assert all(isinstance(problem, SiteBuilderError) for problem in period_problems(versions_of(rulesets, "版本示例")))
    try:
        choice = choose_ruleset(rulesets, "版本示例", pin, lambda: visit, reason)
    except NoRulesetApplies:
        return  # worded by select_ruleset or site-builder new
    # a version out of force on the visit date only ever evaluates a record that states why
    assert choice.ruleset.in_force_on(visit) or (reason is not None and choice.reason.endswith(f"理由：{reason}"))
