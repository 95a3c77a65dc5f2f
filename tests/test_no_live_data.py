"""The code tests never read the live rules/ and stations/: the guard in conftest.py (site_harness.LiveDataGuard)
sees such a read, and no test module reads them while pytest collects it (a parametrize over live files, say)."""

from __future__ import annotations

import subprocess
import sys

from site_harness import LIVE_DATA_GUARD, ROOT


def test_the_guard_sees_a_read_of_a_live_record_and_a_listing_of_the_live_rules(request):
    next((ROOT / "stations").rglob("*.yaml")).read_bytes()
    list((ROOT / "rules").iterdir())
    reads = LIVE_DATA_GUARD.take(request.node.nodeid)  # taken here, so that the guard does not fail this test
    assert any(read.startswith("open: ") and read.endswith(".yaml") for read in reads), reads
    assert f"os.listdir: {ROOT / 'rules'}" in reads


def test_the_guard_sees_a_command_naming_the_live_data_or_run_in_the_live_repository(request):
    subprocess.run([sys.executable, "-c", "pass", str(ROOT / "stations")], check=True)
    subprocess.run([sys.executable, "-m", "site_builder", "--help"], cwd=ROOT, check=True, capture_output=True)
    reads = LIVE_DATA_GUARD.take(request.node.nodeid)
    assert len(reads) == 2 and all(read.startswith("subprocess.Popen: ") for read in reads), reads


def test_reads_allowed_on_purpose_are_not_recorded(request):
    with LIVE_DATA_GUARD.allowed():
        list((ROOT / "stations").iterdir())
    assert LIVE_DATA_GUARD.take(request.node.nodeid) == []


def test_no_test_module_reads_the_live_data_when_it_is_collected():
    """Run with the whole suite, this sees every module's import; run alone, only its own."""
    assert LIVE_DATA_GUARD.take(LIVE_DATA_GUARD.OUTSIDE_TESTS) == []
