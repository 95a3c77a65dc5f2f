"""A site built as shards and merged is the same site, byte for byte; an incomplete set of shards publishes nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from site_harness import copy_site_code, file_digests, synthetic_records

from site_builder.commands.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    path = copy_site_code(synthetic_records(tmp_path_factory.mktemp("shards"), 40, seed_record=True))
    assert main(["--root", str(path), "build", "--site-dir", "single"]) == 0
    return path


def districts(repo: Path) -> list[str]:
    return sorted(p.name for p in (repo / "stations").iterdir() if p.is_dir())


def build_shards(repo: Path, groups: list[list[str]]) -> list[Path]:
    outs = []
    for number, group in enumerate(groups):
        out = repo / f"shard-{number}"
        assert main(["--root", str(repo), "shard", "build", "--districts", ",".join(group), "--out", str(out)]) == 0
        outs.append(out)
    return outs


def test_two_shards_merged_give_the_same_site_as_one_build(repo):
    names = districts(repo)
    assert len(names) >= 2
    shards = build_shards(repo, [names[::2], names[1::2]])
    assert main(["--root", str(repo), "shard", "merge", *map(str, shards), "--site-dir", "merged"]) == 0
    single, merged = file_digests(repo / "single"), file_digests(repo / "merged")
    assert merged == single
    assert any(path.startswith("reports/panyu/shiqiao-dongxi/") for path in merged)


def test_a_missing_shard_publishes_nothing(repo, capsys):
    names = districts(repo)
    shards = build_shards(repo, [names[:1]])
    (repo / "published").mkdir()
    (repo / "published" / "index.html").write_text("旧网站", encoding="utf-8")
    assert main(["--root", str(repo), "shard", "merge", *map(str, shards), "--site-dir", "published"]) == 1
    assert "分片不齐" in capsys.readouterr().err
    assert file_digests(repo / "published") == {"index.html": hashlib.sha256("旧网站".encode()).hexdigest()}


def test_overlapping_shards_are_refused(repo, capsys):
    names = districts(repo)
    shards = build_shards(repo, [names, names[:1]])
    assert main(["--root", str(repo), "shard", "merge", *map(str, shards), "--site-dir", "overlap"]) == 1
    assert "不能重叠" in capsys.readouterr().err
    assert not (repo / "overlap").exists()


def test_a_manifest_cannot_copy_from_outside_the_shard(repo, capsys):
    fake = repo / "fake-shard"
    fake.mkdir()
    (fake / "shard.json").write_text('{"districts": [], "pages": ["../../etc/passwd"]}', encoding="utf-8")
    assert main(["--root", str(repo), "shard", "merge", str(fake), "--site-dir", "evil"]) == 1
    assert "无效" in capsys.readouterr().err


@pytest.mark.parametrize("out", [".", "docs", "stations", ".."])
def test_a_shard_over_or_inside_the_sources_is_refused_before_anything_is_touched(repo, capsys, monkeypatch, out):
    monkeypatch.chdir(repo)  # --out is relative to the current folder
    before = sorted(str(p.relative_to(repo)) for p in repo.rglob("*"))
    names = districts(repo)
    assert main(["--root", str(repo), "shard", "build", "--districts", names[0], "--out", out]) == 1
    assert "不能发布到" in capsys.readouterr().err
    assert sorted(str(p.relative_to(repo)) for p in repo.rglob("*")) == before


def test_a_shard_out_folder_that_is_not_a_shard_is_kept_not_deleted(repo, capsys):
    out = repo / "notes"
    out.mkdir()
    (out / "plan.md").write_text("计划", encoding="utf-8")
    names = districts(repo)
    assert main(["--root", str(repo), "shard", "build", "--districts", names[0], "--out", str(out)]) == 0
    assert out.is_symlink() and (out / "shard.json").is_file()
    [kept] = (repo / ".notes-builds").glob("previous-*")
    assert (kept / "plan.md").read_text(encoding="utf-8") == "计划"
    assert "已原样移到" in capsys.readouterr().err
