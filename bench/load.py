"""Loading and checking the station records alone: site_builder.records.project.load_project, cold and warm.

    .venv/bin/python bench/load.py REPO [--cache | --no-cache] [--serial] [--clear]

Prints one JSON object: wall and CPU seconds (this process and its pool workers), records per second, peak RSS.
--no-cache reads every record afresh (a cold load); --cache (the default) reuses REPO/.cache/site-builder,
and --clear empties it first, so `--clear` then a second run gives the cold and the warm figure.
--serial raises the pool threshold past the number of records, to compare with the pool.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import time
from pathlib import Path

import site_builder.records.project as project_module
from site_builder.records.record_cache import CACHE_DIR


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("root", type=Path)
    parser.add_argument("--no-cache", dest="cache", action="store_false")
    parser.add_argument("--cache", dest="cache", action="store_true", default=True)
    parser.add_argument("--serial", action="store_true")
    parser.add_argument("--clear", action="store_true")
    args = parser.parse_args()
    if args.clear:
        shutil.rmtree(args.root / CACHE_DIR, ignore_errors=True)
    if args.serial:
        project_module.POOL_THRESHOLD = float("inf")
    started, cpu = time.perf_counter(), cpu_seconds()
    project = project_module.load_project(args.root, cache=args.cache)
    wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    print(
        json.dumps(
            {
                "records": len(project.records),
                "results": len(project.results),
                "errors": len(project.errors),
                "warnings": len(project.warnings),
                "cache": args.cache,
                "serial": args.serial,
                "wall_s": round(wall, 2),
                "cpu_s": round(cpu, 2),
                "records_per_s": round(len(project.records) / wall, 1),
                "peak_rss_mb": round(peak / 1024, 1),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
