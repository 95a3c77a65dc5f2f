"""A real `mkdocs build --strict` of the seed repository, and a build that must stop on invalid data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from site_harness import SEED_RECORD, copy_seed_repo

pytestmark = pytest.mark.slow
SEED = SEED_RECORD


def copy_repository(target: Path) -> Path:
    """The seed repository and the site's code (docs/, mkdocs.yml), for a test that changes them and builds."""
    return copy_seed_repo(target, site=True)


def build(repo: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(repo / "site")], cwd=repo, capture_output=True, text=True
    )


def test_site_builds_strict_with_the_generated_field_reference(seed_site):
    reference = (seed_site / "reference/record-fields/index.html").read_text(encoding="utf-8")
    assert "scores" in reference and "实地评估日期" in reference
    assert "fonts.googleapis.com" not in (seed_site / "index.html").read_text(encoding="utf-8")


def test_invalid_record_stops_the_build_with_the_check_message(tmp_path):
    repo = copy_repository(tmp_path)
    seed = repo / SEED
    seed.write_text(seed.read_text(encoding="utf-8").replace("服务监测: 9.82", "服务监测: 12.5"), encoding="utf-8")
    done = build(repo)
    assert done.returncode != 0
    assert f"{SEED}:63:9: 错误：scores.服务监测：评分 12.5 超出范围" in done.stderr
    assert "Traceback" not in done.stderr
