"""The fast reader (ruamel's C parser, content only) gives exactly what the round-trip reader gives, or steps aside."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from site_harness import SEED_RECORD, SEED_REPO, synthetic_records

from site_builder.errors import RecordError
from site_builder.records.project import load_project
from site_builder.records.record import read_record, read_record_round_trip
from site_builder.records.yaml_source import UnreadNumber, dump_yaml, fast_mapping, load_yaml, to_plain

SEED_PATH = RECORD = SEED_RECORD


def round_trip_content(text: str) -> dict:
    return to_plain(load_yaml(text, "x.yaml"))


def same_as_round_trip(text: str) -> dict:
    """The fast content, which must be the round-trip content to the type and the digit."""
    fast = fast_mapping(text)
    assert fast is not None, "the fast reader should take this text"
    slow = round_trip_content(text)
    assert fast == slow and repr(fast) == repr(slow)
    return fast


@pytest.fixture(scope="module")
def synthetic_repo(tmp_path_factory) -> Path:
    return synthetic_records(tmp_path_factory.mktemp("synthetic"), 60)


def record_texts(root: Path) -> list[str]:
    return [path.read_text(encoding="utf-8-sig") for path in sorted((root / "stations").rglob("*.yaml"))]


def test_fast_reading_of_every_seed_repository_record_equals_round_trip():
    for text in record_texts(SEED_REPO):
        same_as_round_trip(text)


def test_fast_reading_of_synthetic_records_equals_round_trip(synthetic_repo):
    texts = record_texts(synthetic_repo)
    assert len(texts) == 60
    for text in texts:
        same_as_round_trip(text)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("yes", "yes"),
        ("no", "no"),
        ("on", "on"),
        ("off", "off"),
        ("y", "y"),  # YAML 1.2: only true/false are booleans
        ("true", True),
        ("false", False),
        ("~", None),
        ("null", None),
        ("", None),
        ("1:20", "1:20"),
        ("0o14", UnreadNumber("0o14")),
        ("010", UnreadNumber("010")),
        ("0x1F", UnreadNumber("0x1F")),
        ("1_000", UnreadNumber("1_000")),
        ("-7", -7),
        ("0", 0),
        (".nan", UnreadNumber(".nan")),
        ("-.inf", UnreadNumber("-.inf")),
        ("89.995", Decimal("89.995")),
        ("1e3", UnreadNumber("1e3")),
        ("0.1", Decimal("0.1")),
        ("15.26", Decimal("15.26")),
        ("9.8249999999999999999", Decimal("9.8249999999999999999")),
        ("2.50", Decimal("2.50")),
        ("9" * 5000, UnreadNumber("9" * 5000)),
        ("1" * 15, int("1" * 15)),
        ("1" * 16, UnreadNumber("1" * 16)),
        ("2025-03-01", "2025-03-01"),
        ('"2025-03-01"', "2025-03-01"),
        ("13812345678", 13812345678),
        ('"a\\tb\\u4e2d"', "a\tb中"),
        ("'it''s'", "it's"),
        ("这是 **重点** 内容", "这是 **重点** 内容"),
        ("a * b", "a * b"),
        ("85%", "85%"),
    ],
)
def test_scalars_read_the_same_both_ways(value, expected):
    content = same_as_round_trip(f"k: {value}\n")
    assert content["k"] == expected and type(content["k"]) is type(expected)


def test_number_keys_read_as_written_both_ways():
    assert same_as_round_trip("1.50: x\n0x1F: y\n2024: z\n") == {"1.50": "x", "0x1F": "y", "2024": "z"}


def test_numbers_are_written_back_exactly_as_read():
    text = "a: 9.8249999999999999999\nb: [2.50, 0x1F, 1_000, .nan, 007]\nc: -0.0\n"
    assert dump_yaml(load_yaml(text, "x.yaml")) == text


def test_block_scalars_and_markdown_read_the_same_both_ways():
    text = (
        "narrative: |-\n  第一段 **重点**，\n  - 列表项\n\n  第二段\nfolded: >\n  一行\n  两行\n"
        "list:\n  - a\n  - b: 1\n    c: [1, 2.5]\n2024: 年份作键\n"
    )
    assert same_as_round_trip(text)["2024"] == "年份作键"


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\nb: *x\n",  # anchors and aliases: the round-trip reader refuses them
        "- **重点**\n",  # an alias after all, in YAML
        "a: !!python/object/apply:os.system [echo]\n",  # tags
        "a: 2025-02-30\n",  # not a date: kept as text by the round-trip reader
        "a: 2025-03-01 10:00:00+08:00\n",  # date and time
        "a:\n" + "".join(" " * (2 * i + 2) + f"k{i}:\n" for i in range(25)) + " " * 52 + "v: 1\n",  # deep indentation
        "a: [" * 150 + "]" * 150 + "\n",  # deep flow nesting
        "b: 1\nb: 2\n",  # duplicate keys
        "<<: {a: 1}\n",  # merge keys
        "- a\n- b\n",  # not a mapping
        "",
    ],
)
def test_fast_reader_steps_aside_for_what_only_the_round_trip_reader_decides(text):
    assert fast_mapping(text) is None


def error_of(text: str) -> str:
    with pytest.raises(RecordError) as raised:
        read_record("x.yaml", text)
    return raised.value.format()


def test_an_alias_is_refused_with_the_same_message_as_before():
    report = error_of("a: &x [1, 2]\nb: *x\n")
    assert "记录中不能使用 YAML 别名（*名称）：请把内容直接写出来。" in report and "x.yaml:2:4" in report


def test_an_alias_after_a_syntax_error_reports_the_syntax_error_first():
    assert "YAML 格式有误" in error_of("a: b: c\nd: *x\n")


def test_an_alias_in_a_second_document_is_refused_as_an_alias():
    assert "不能使用 YAML 别名" in error_of("a: 1\n---\nb: *x\n")


def test_deep_nesting_is_refused_with_the_same_message_as_before():
    assert "嵌套超过 30 层" in error_of("a: " + "[" * 40 + "]" * 40 + "\n")


def test_an_invalid_date_reads_as_text_and_keeps_its_position():
    text = (SEED_REPO / RECORD).read_text(encoding="utf-8").replace("visit_date: 2025-", "visit_date: 2025-02-30 #", 1)
    record = read_record("r.yaml", text)
    assert record.content == read_record_round_trip("r.yaml", text).content
    assert record.at("evaluation", "visit_date").line == read_record_round_trip("r.yaml", text).at("evaluation", "visit_date").line


def test_a_fast_record_finds_positions_and_document_on_demand():
    text = (SEED_REPO / RECORD).read_text(encoding="utf-8")
    fast, slow = read_record(RECORD, text), read_record_round_trip(RECORD, text)
    assert fast == slow
    assert fast.at("evaluation", "stage") == slow.at("evaluation", "stage")
    assert to_plain(fast.document) == fast.content


def test_project_from_fast_records_equals_project_from_round_trip_records(tmp_path, monkeypatch, synthetic_repo):
    fast = load_project(synthetic_repo, cache=False)
    monkeypatch.setattr("site_builder.records.record.fast_mapping", lambda text: None)
    slow = load_project(synthetic_repo, cache=False)
    assert fast.records == slow.records and fast.results == slow.results
    assert [e.format() for e in fast.errors + fast.warnings] == [e.format() for e in slow.errors + slow.warnings]


def test_a_markdown_star_list_in_a_block_scalar_is_read_the_round_trip_way_with_the_same_content():
    text = "narrative: |-\n  * 列表项\n  **重点**\n"
    assert fast_mapping(text) is None  # a line starting with * could be an alias; the check errs on the safe side
    assert read_record("x.yaml", text).content == {"narrative": "* 列表项\n**重点**"}


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("专业评估不合格: {not_checked:", "专业评估不合格: {n\tot_checked:", "缺少“,”或“}”"),  # libyaml takes this tab
        ("\n  id: shiqiao-dongxi", "\n\tid: shiqiao-dongxi", "不能用 Tab 缩进"),
    ],
)
def test_a_tab_the_fast_reader_might_accept_gives_the_round_trip_error(tmp_path, old, new, message):
    """Found by the record fuzz test: the C parser accepted a tab the round-trip reader refuses, and the error
    then escaped load_project from the schema pass, which asked for positions."""
    shutil.copytree(SEED_REPO / "rules", tmp_path / "rules")
    record = tmp_path / SEED_PATH
    record.parent.mkdir(parents=True)
    text = (SEED_REPO / SEED_PATH).read_text(encoding="utf-8")
    assert old in text
    record.write_text(text.replace(old, new, 1), encoding="utf-8")
    project = load_project(tmp_path, cache=False)
    assert any(message in error.format() for error in project.errors), [e.format() for e in project.errors]
