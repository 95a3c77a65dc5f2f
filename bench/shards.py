"""Two shards on one machine: the national design of docs/scale-out.md, shown at N synthetic reports.

    .venv/bin/python bench/shards.py --reports 2000 [--out bench/shards-DATE.json]

Builds the same repository three ways, each cold (no caches): one `site-builder build`; then two
`site-builder shard build` runs, each with half of the districts; then `site-builder shard merge`. Prints wall
and CPU time and peak memory of each step, the critical path of the sharded build (the slower shard, then the
merge, as when the shards run as parallel CI jobs), and whether the merged site is byte for byte the single one.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from measure import run_measured
from run import BENCH, code_under_test, log, prepare_repo


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def site_builder(repo: Path, code, *args: str, name: str) -> dict:
    shutil.rmtree(repo / ".cache", ignore_errors=True)  # every step cold, as on a fresh CI runner
    command = [sys.executable, "-c", "import sys; from site_builder.commands.cli import main; sys.exit(main())", "--root", str(repo), *args]
    result = run_measured(command, repo, 7200, repo / f"{name}.log", code.env)
    if not result["ok"]:
        raise SystemExit(f"{name} 失败：\n" + (repo / f"{name}.log").read_text(errors="replace")[-3000:])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description="两个分片的构建与合并（合成报告）")
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--code", choices=["head", "worktree"], default="head")
    parser.add_argument("--out", type=Path, default=BENCH / f"shards-{datetime.date.today()}.json")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-shards-"))
    try:
        code = code_under_test(args.code, workdir)
        repo = workdir / "repo"
        log(f"{args.reports} 份：生成合成记录")
        prepare_repo(repo, args.reports, args.seed, code)
        districts = sorted(p.name for p in (repo / "stations").iterdir() if p.is_dir())
        halves = [districts[::2], districts[1::2]]
        steps = {}
        log("单次构建")
        steps["single"] = site_builder(repo, code, "build", "--site-dir", "single", name="single")
        for number, half in enumerate(halves):
            log(f"分片 {number + 1}：{','.join(half)}")
            steps[f"shard_{number + 1}"] = site_builder(
                repo, code, "shard", "build", "--districts", ",".join(half), "--out", str(workdir / f"shard-{number + 1}"), name=f"shard-{number + 1}"
            )
        log("合并")
        steps["merge"] = site_builder(
            repo, code, "shard", "merge", str(workdir / "shard-1"), str(workdir / "shard-2"), "--site-dir", "merged", name="merge"
        )
        same = tree(repo / "single") == tree(repo / "merged")
        critical = max(steps["shard_1"]["wall_s"], steps["shard_2"]["wall_s"]) + steps["merge"]["wall_s"]
        result = {
            "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "code": code.name,
            "reports": args.reports,
            "cpus": os.cpu_count(),
            "shards": [",".join(h) for h in halves],
            "steps": steps,
            "sharded_critical_path_s": round(critical, 2),
            "merged_equals_single": same,
        }
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(json.dumps(result, ensure_ascii=False, indent=2))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
