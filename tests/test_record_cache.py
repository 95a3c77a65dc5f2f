"""Clean records are kept between runs; a cache hit gives the same project as reading everything afresh."""

from __future__ import annotations

import datetime
import re
import shutil
import sys
import types
from pathlib import Path

import pytest
from site_harness import SEED_REPO

import site_builder.records.project as project_module
from site_builder.records import record_cache
from site_builder.records.privacy_rules import id_check_character, plausible_birth_date
from site_builder.records.project import load_project
from site_builder.records.record_cache import CACHE_DIR

RECORD = "stations/panyu/shiqiao-dongxi/2024-2025-中期.yaml"


@pytest.fixture
def repo(tmp_path) -> Path:
    shutil.copytree(SEED_REPO / "rules", tmp_path / "rules")
    shutil.copytree(SEED_REPO / "stations", tmp_path / "stations")
    return tmp_path


def cache_entries(repo: Path) -> list[Path]:
    return sorted((repo / CACHE_DIR).rglob("*.json"))


def same_project(a, b) -> None:
    assert a.records == b.records and a.results == b.results
    assert [e.format() for e in a.errors + a.warnings] == [e.format() for e in b.errors + b.warnings]


def test_a_warm_load_gives_the_same_project_as_a_cold_one_without_reading_yaml(repo, monkeypatch):
    cold = load_project(repo)
    assert len(cache_entries(repo)) == len(cold.records)
    monkeypatch.setattr(project_module, "read_record", lambda *args: pytest.fail("a cached record was read again"))
    warm = load_project(repo)
    same_project(warm, cold)
    assert warm.records[0].at("evaluation", "stage") == cold.records[0].at("evaluation", "stage")


def test_a_changed_file_is_read_again(repo):
    load_project(repo)
    path = repo / RECORD
    path.write_text(path.read_text(encoding="utf-8").replace("  stage: 中期", "  stage: 中间"), encoding="utf-8")
    changed = load_project(repo)
    assert any("中间" in e.format() for e in changed.errors)


def test_a_corrupt_cache_entry_is_ignored(repo):
    cold = load_project(repo)
    for entry in cache_entries(repo):
        entry.write_bytes(b"\xff{not json")
    same_project(load_project(repo), cold)
    assert all(entry.read_bytes().startswith(b"{") for entry in cache_entries(repo))  # rebuilt


def test_an_entry_for_another_path_is_not_used(repo):
    load_project(repo)
    [entry] = cache_entries(repo)
    entry.write_text(entry.read_text(encoding="utf-8").replace('"path": "stations/', '"path": "elsewhere/'), encoding="utf-8")
    same_project(load_project(repo), load_project(repo, cache=False))


def test_a_record_with_an_error_is_not_cached_and_reported_the_same_each_time(repo):
    path = repo / RECORD
    path.write_text(
        path.read_text(encoding="utf-8").replace("13812345678", "x").replace("  stage: 中期", "  stage: 中期\n  contact: 13812345678"),
        encoding="utf-8",
    )
    first = [e.format() for e in load_project(repo).errors]
    assert first and not cache_entries(repo)
    assert [e.format() for e in load_project(repo).errors] == first


def test_the_cache_can_be_turned_off(repo, monkeypatch):
    load_project(repo, cache=False)
    monkeypatch.setenv("SITE_BUILDER_NO_CACHE", "1")
    load_project(repo)
    assert not (repo / CACHE_DIR).exists()


def test_an_unwritable_cache_directory_does_not_stop_the_load(repo):
    (repo / ".cache").write_text("a file where the directory should be", encoding="utf-8")
    assert load_project(repo).records


def test_records_checked_in_a_process_pool_give_the_same_project(repo, monkeypatch):
    for index in range(3):  # more records, so that the pool has several to share out
        twin = repo / "stations" / "panyu" / f"station-{index}" / "2024-2025-中期.yaml"
        twin.parent.mkdir(parents=True)
        text = (repo / RECORD).read_text(encoding="utf-8").replace("shiqiao-dongxi", f"station-{index}")
        if index == 0:  # a schema error and a phone number: read again in the main process
            text = text.replace("  stage: 中期", "  stage: 中期\n  contact: 13812345678")
        twin.write_text(text, encoding="utf-8")
    serial = load_project(repo, cache=False)
    monkeypatch.setattr(project_module, "POOL_THRESHOLD", 1)
    pooled = load_project(repo, cache=False)
    same_project(pooled, serial)
    assert len(pooled.records) == 4 and len(serial.errors) >= 2


def resident_id_born_on(day: datetime.date) -> str:
    """A resident ID number with a correct check character, born on that day."""
    first17 = f"440113{day:%Y%m%d}123"
    return first17 + id_check_character(first17)


def clock_at(monkeypatch, day: datetime.date) -> None:
    """The privacy check and the record cache both read today's date; both read this one instead."""

    class Day(datetime.date):
        @classmethod
        def today(cls) -> datetime.date:
            return day

    clock = types.SimpleNamespace(date=Day)
    monkeypatch.setattr(sys.modules[plausible_birth_date.__module__], "datetime", clock)
    monkeypatch.setattr(record_cache, "datetime", clock)


def test_a_record_clean_yesterday_is_checked_again_on_the_birth_date_of_the_id_number_it_holds(repo, monkeypatch):
    """A birth date may not lie in the future: until today the number was no ID number, from today it is one."""
    today = datetime.date.today()
    path = repo / RECORD
    path.write_text(path.read_text(encoding="utf-8").replace("爱心汤", f"爱心汤（编号 {resident_id_born_on(today)}）", 1), encoding="utf-8")
    with monkeypatch.context() as yesterday:
        clock_at(yesterday, today - datetime.timedelta(days=1))
        assert load_project(repo).errors == [] and cache_entries(repo)  # clean, and kept
    assert any("身份证" in error.format() for error in load_project(repo).errors)


def test_decimals_are_cached_with_every_digit_as_written(repo, monkeypatch):
    path = repo / RECORD
    text = path.read_text(encoding="utf-8")
    score = re.search(r"\n  服务监测: ([0-9.]+)\n", text)
    written = score.group(1) + ("" if "." in score.group(1) else ".") + "00"  # trailing zeros: no float keeps them
    path.write_text(text.replace(score.group(0), f"\n  服务监测: {written}\n"), encoding="utf-8")
    cold = load_project(repo)
    assert len(cache_entries(repo)) == 1
    monkeypatch.setattr(project_module, "read_record", lambda *args: pytest.fail("a cached record was read again"))
    warm = load_project(repo)
    same_project(warm, cold)
    assert str(warm.records[0].content["scores"]["服务监测"]) == written
