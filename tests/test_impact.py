"""`site-builder diff`: a change to a rule file or a record is reported with the records whose results it moves.

Each test works in a throwaway git repository holding a copy of the seed repository's rules/ and stations/
(tests/fixtures/seed-repo), committed on main, with a feature branch checked out, as a contributor's clone would be.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from site_harness import SEED_RECORD, copy_seed_repo

from site_builder.commands.cli import main

SEED = SEED_RECORD
SEED_KEY = "panyu/shiqiao-dongxi/2024-2025-中期"
RULES = "rules/guangzhou/sgz-2024.rules"
COPY = "stations/nansha/test-copy/2024-2025-中期.yaml"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with the seed rules and record committed on main and a feature branch checked out."""
    git(tmp_path, "init", "--quiet", "--initial-branch=main")
    git(tmp_path, "config", "user.name", "测试")
    git(tmp_path, "config", "user.email", "test@example.invalid")
    git(tmp_path, "config", "commit.gpgsign", "false")
    copy_seed_repo(tmp_path)
    git(tmp_path, "add", "rules", "stations")
    git(tmp_path, "commit", "--quiet", "-m", "规则与记录")
    git(tmp_path, "checkout", "--quiet", "-b", "feature")
    return tmp_path


def edit(repo: Path, path: str, change) -> None:
    file = repo / path
    before = file.read_text(encoding="utf-8")
    after = change(before)
    assert after != before, f"the edit did not apply to {path}"
    file.write_text(after, encoding="utf-8")


def excellent_from_89_5(text: str) -> str:
    """Move the 优秀/良好 boundary from 90 down to 89.5; the bands still tile."""
    text = re.sub(r"(等级 优秀\s+当 总分 >= )90\b", r"\g<1>89.5", text)
    return re.sub(r"(等级 良好\s+当 80 <= 总分 < )90\b", r"\g<1>89.5", text)


def diff(capsys, repo: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--root", str(repo), "diff", *args])
    out, err = capsys.readouterr()
    return code, out, err


def diff_json(capsys, repo: Path, *args: str) -> dict:
    code, out, err = diff(capsys, repo, *args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_no_change_says_so_in_one_line_and_json_lists_are_empty(repo, capsys):
    code, out, _ = diff(capsys, repo)
    assert code == 0
    assert out.startswith("## 评估结果变化")
    assert "没有变化：1 份记录的总分、等级与触发的否决都与基准相同。" in out
    assert "|" not in out
    report = diff_json(capsys, repo)
    assert (report["changed"], report["added"], report["removed"]) == ([], [], [])
    assert report["base"]["commit"] == git(repo, "rev-parse", "main").strip()


def test_moving_the_excellent_boundary_regrades_shiqiao_from_good_to_excellent(repo, capsys):
    edit(repo, RULES, excellent_from_89_5)
    code, out, _ = diff(capsys, repo, "main")
    assert code == 0
    assert "| 记录 | 总分 | 等级 | 触发的否决 |" in out
    assert f"| {SEED_KEY} | 89.76 | 良好 → 优秀 | 无 |" in out
    [change] = diff_json(capsys, repo, "main")["changed"]
    assert change["record"] == SEED_KEY
    assert (change["old"]["grade"], change["new"]["grade"]) == ("良好", "优秀")
    assert change["old"]["total"] == change["new"]["total"] == "89.76"
    assert change["new"]["rules"] == {"id": "广州市社工站评估", "version": "2024"}


def test_a_committed_change_on_the_branch_is_measured_from_where_it_left_main(repo, capsys):
    edit(repo, RULES, excellent_from_89_5)
    git(repo, "commit", "--quiet", "-am", "优秀从 89.5 分起")
    code, out, _ = diff(capsys, repo)
    assert code == 0
    assert "与 `main` 的分叉点" in out
    assert "良好 → 优秀" in out


def test_a_changed_score_moves_the_total(repo, capsys):
    edit(repo, SEED, lambda text: text.replace("服务监测: 9.82", "服务监测: 8.82"))
    code, out, _ = diff(capsys, repo)
    assert f"| {SEED_KEY} | 89.76 → 88.76 | 良好 | 无 |" in out
    [change] = diff_json(capsys, repo)["changed"]
    assert (change["old"]["total"], change["new"]["total"]) == ("89.76", "88.76")
    assert change["old"]["vetoes"] == change["new"]["vetoes"] == []


def test_a_new_rule_set_version_is_shown_beside_the_results(repo, capsys):
    edit(repo, RULES, lambda text: excellent_from_89_5(text).replace("版本 “2024”", "版本 “2025”"))
    edit(repo, SEED, lambda text: text.replace('version: "2024"', 'version: "2025"'))
    code, out, _ = diff(capsys, repo)
    assert "| 记录 | 总分 | 等级 | 触发的否决 | 规则集版本 |" in out
    assert "广州市社工站评估 2024 → 广州市社工站评估 2025" in out
    [change] = diff_json(capsys, repo)["changed"]
    assert (change["old"]["rules"]["version"], change["new"]["rules"]["version"]) == ("2024", "2025")


def test_a_new_station_is_listed_as_only_on_the_new_side(repo, capsys):
    copy = repo / COPY
    copy.parent.mkdir(parents=True)
    text = (repo / SEED).read_text(encoding="utf-8")
    copy.write_text(text.replace("id: shiqiao-dongxi", "id: test-copy").replace("id: panyu", "id: nansha"), encoding="utf-8")
    code, out, _ = diff(capsys, repo)
    assert code == 0
    assert "### 只在一侧的记录" in out
    assert "| nansha/test-copy/2024-2025-中期 | 只在工作区（新增） | 89.76 | 良好 | 无 |" in out
    report = diff_json(capsys, repo)
    assert report["changed"] == [] and report["removed"] == []
    assert report["added"] == [
        {
            "record": "nansha/test-copy/2024-2025-中期",
            "new": {"total": "89.76", "grade": "良好", "vetoes": [], "rules": {"id": "广州市社工站评估", "version": "2024"}},
        }
    ]


def test_a_deleted_record_is_listed_as_only_on_the_old_side(repo, capsys):
    (repo / SEED).unlink()
    code, out, _ = diff(capsys, repo)
    assert f"| {SEED_KEY} | 只在基准（已删除） | 89.76 | 良好 | 无 |" in out
    assert [r["record"] for r in diff_json(capsys, repo)["removed"]] == [SEED_KEY]


def run_cli(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "site_builder", "--root", str(repo), "diff", *args], capture_output=True, text=True, cwd=repo)


@pytest.mark.parametrize("ref", ["no-such-branch", "--upload-pack=touch hacked", "main;rm -rf ."])
def test_an_invalid_base_is_a_chinese_error_without_traceback(repo, ref):
    done = run_cli(repo, "--", ref)
    assert done.returncode == 1
    assert f"错误：找不到 git 版本“{ref}”" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not (repo / "hacked").exists()


def test_without_a_main_branch_the_default_base_is_explained(repo):
    git(repo, "branch", "--quiet", "-m", "main", "trunk")
    done = run_cli(repo)
    assert done.returncode == 1
    assert "既没有 main 分支，也没有 origin/main" in done.stderr
    assert "Traceback" not in done.stderr


def test_errors_in_the_working_tree_are_reported_and_fail(repo):
    edit(repo, SEED, lambda text: text.replace("服务监测: 9.82", "服务监测: 12.5"))
    done = run_cli(repo)
    assert done.returncode == 1
    assert "工作区有错误，无法比较评估结果" in done.stderr
    assert f"{SEED}:63:9: 错误：scores.服务监测：评分 12.5 超出范围" in done.stderr
    assert "Traceback" not in done.stderr


def test_errors_at_the_base_are_reported_under_its_name(repo):
    edit(repo, SEED, lambda text: text.replace("服务监测: 9.82", "服务监测: 12.5"))
    git(repo, "commit", "--quiet", "-am", "超出满分")
    edit(repo, SEED, lambda text: text.replace("服务监测: 12.5", "服务监测: 9.82"))
    done = run_cli(repo, "HEAD")
    assert done.returncode == 1
    assert "基准版本 HEAD（" in done.stderr and "）有错误" in done.stderr
    assert "Traceback" not in done.stderr


def test_outside_a_git_repository_the_error_says_so(tmp_path):
    done = run_cli(tmp_path)
    assert done.returncode == 1
    assert "不在 git 仓库中" in done.stderr
