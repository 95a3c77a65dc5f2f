"""Where a build's time goes: one `mkdocs build` of N synthetic reports under cProfile.

    .venv/bin/python bench/profile_build.py --reports 1000 [--top 30] [--save build.prof]

Prints the functions with the most own time and the most cumulative time. The build runs in one process with
the caches off, so the profile covers loading, rendering and the search index. cProfile slows Python code
down (roughly 1.5–2×), so read the shares, not the absolute seconds.
"""

from __future__ import annotations

import argparse
import pstats
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from run import code_under_test, prepare_repo


def profile(repo: Path, output: Path, env: dict) -> None:
    # One process and no caches: cProfile sees only its own process, so the rendering workers' share (most of a
    # build) is profiled by rendering in the main process, and every record and page is worked out afresh.
    command = [sys.executable, "-m", "cProfile", "-o", str(output), "-m", "mkdocs", "build", "--strict", "--quiet"]
    subprocess.run(command, cwd=repo, check=True, env={**env, "SITE_BUILDER_JOBS": "1", "SITE_BUILDER_NO_CACHE": "1"})


def main() -> None:
    parser = argparse.ArgumentParser(description="用 cProfile 剖析一次网站构建")
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--save", type=Path, help="保存 .prof 文件（可用 snakeviz 等查看）")
    parser.add_argument("--code", choices=["head", "worktree"], default="head")
    parser.add_argument("--commit", default="HEAD")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-profile-{args.reports}-"))
    try:
        code = code_under_test(args.code, workdir, args.commit)
        print(f"测量的代码：{code.name}", file=sys.stderr)
        prepare_repo(workdir / "repo", args.reports, args.seed, code)
        output = args.save or workdir / "build.prof"
        profile(workdir / "repo", output.resolve(), code.env)
        stats = pstats.Stats(str(output)).strip_dirs()
        stats.sort_stats("tottime").print_stats(args.top)
        stats.sort_stats("cumulative").print_stats(args.top)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
