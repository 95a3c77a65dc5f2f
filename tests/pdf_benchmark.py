"""What the PDFs cost at scale: N valid copies of the seed record, the site built, every report rendered to PDF.

    .venv/bin/python tests/pdf_benchmark.py --reports 1000 --jobs 2 [--keep /tmp/pdf-bench]

Each copy is the 市桥 record under its own station id, name and path (stations/panyu/bench-0001/…), so it passes
`site-builder check` and gets its own report page. The site is built once without PDFs (as `mkdocs build` does by
default), then site_builder.site.pdf renders every report page, exactly as the build's PDF step does; only that step is
timed for the per-report cost. Nothing is extrapolated: every report is rendered.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from site_harness import SEED_RECORD, SEED_REPO, copy_site_code  # beside this script

SEED = SEED_REPO / SEED_RECORD


def make_repo(repo: Path, reports: int) -> None:
    shutil.copytree(SEED_REPO / "rules", repo / "rules")
    copy_site_code(repo)
    seed = SEED.read_text(encoding="utf-8")
    for index in range(1, reports + 1):
        station = f"bench-{index:04d}"
        text = (
            seed.replace("id: shiqiao-dongxi", f"id: {station}", 1)
            .replace("name: 市桥街东西片社工服务站", f"name: 测试{index:04d}号社工服务站", 1)
            .replace("short_name: 市桥街东西片社工站", f"short_name: 测试{index:04d}号社工站", 1)
        )
        target = repo / "stations" / "panyu" / station / SEED.name
        target.parent.mkdir(parents=True)
        target.write_text(text, encoding="utf-8")


class WorkerMemory(threading.Thread):
    """The largest resident memory of any rendering worker, sampled every second from /proc.

    (getrusage's figure for children is no use here: a child forked for `git` starts with the build's whole RSS.)
    """

    def __init__(self):
        super().__init__(daemon=True)
        self.largest_mb, self.done = 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(1):
            processes = {}
            for status in Path("/proc").glob("[0-9]*/status"):
                try:
                    fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
                except OSError:
                    continue
                processes[int(status.parent.name)] = (int(fields["PPid"]), fields.get("VmRSS", "0 kB"))
            servers = {pid for pid, (parent, _) in processes.items() if parent == os.getpid()}
            for parent, rss in processes.values():
                if parent in servers:  # a worker: forked by the fork server this process started
                    self.largest_mb = max(self.largest_mb, int(rss.split()[0]) // 1024)


def stop_fork_server() -> None:
    from multiprocessing import forkserver

    if getattr(forkserver, "_forkserver", None) and hasattr(forkserver._forkserver, "_stop"):
        forkserver._forkserver._stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="build here and keep it (default: a temporary folder, removed)")
    args = parser.parse_args()

    from site_builder.records.project import load_project
    from site_builder.site.pages import urls
    from site_builder.site.pdf import render_reports
    from site_builder.site.publish import build_into

    repo = args.keep or Path(tempfile.mkdtemp(prefix="pdf-bench-"))
    try:
        make_repo(repo, args.reports)
        started = time.perf_counter()
        build_into(repo / "mkdocs.yml", repo / "site")
        build_seconds = time.perf_counter() - started
        project = load_project(repo)
        assert not project.errors and len(project.records) == args.reports, project.errors[:3]
        memory = WorkerMemory()
        memory.start()
        timing = render_reports(repo / "site", [urls.report(r) for r in project.records], jobs=args.jobs)
        memory.done.set()
        pdfs = sorted((repo / "site" / "reports").rglob("*.pdf"))
        sizes = [p.stat().st_size for p in pdfs]
        stop_fork_server()  # so that its workers' CPU time and memory are counted below
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        print(
            json.dumps(
                {
                    "reports": args.reports,
                    "jobs": timing.jobs,
                    "site_build_without_pdf_s": round(build_seconds, 1),
                    "pdf_step_s": round(timing.seconds, 1),
                    "pdf_per_report_s": round(timing.seconds / args.reports, 3),
                    "pdf_cpu_s_per_report": round((children.ru_utime + children.ru_stime) / args.reports, 3),
                    "pdfs": len(pdfs),
                    "pdf_mb_total": round(sum(sizes) / 2**20, 1),
                    "pdf_kb_each": round(sum(sizes) / len(sizes) / 1024),
                    "largest_worker_rss_mb": memory.largest_mb,
                    "build_process_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                },
                ensure_ascii=False,
                indent=1,
            )
        )
        return 0 if len(pdfs) == args.reports else 1
    finally:
        if not args.keep:
            shutil.rmtree(repo, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
