"""Measuring one `mkdocs build`: wall and CPU time, peak memory of the whole process tree, and the site it wrote."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from statistics import mean
from time import perf_counter

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
MB = 1024 * 1024


def busy_cpu_seconds() -> float:
    """CPU seconds all processes on the machine have used since boot (the "cpu" line of /proc/stat)."""
    user, nice, system, idle, iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def wait_until_quiet(max_busy_cores: float = 0.5, give_up_after: float = 300, window: float = 3) -> float:
    """Wait until other processes use less than max_busy_cores; returns the seconds waited (give up after a while)."""
    start = perf_counter()
    while perf_counter() - start < give_up_after:
        before = busy_cpu_seconds()
        threading.Event().wait(window)
        if (busy_cpu_seconds() - before) / window < max_busy_cores:
            break
    return round(perf_counter() - start, 1)


def parent_of(pid: str) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])  # after "(comm)": state, ppid, …


def process_tree(root: int) -> list[int]:
    """root and all its descendants, from /proc."""
    parents = {int(pid): parent_of(pid) for pid in os.listdir("/proc") if pid.isdigit()}
    tree, frontier = [root], [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        tree += children
        frontier = children
    return tree


def resident_bytes(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE
    except OSError:
        return 0


def proportional_bytes(pid: int) -> int:
    """PSS: each shared page counted once over the processes sharing it (forked workers share the parent's)."""
    try:
        line = next(line for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines() if line.startswith("Pss:"))
        return int(line.split()[1]) * 1024
    except (OSError, StopIteration, ValueError):
        return 0


class TreeMemory(threading.Thread):
    """Samples the summed resident memory of a process tree every `interval` seconds; keeps the peak."""

    def __init__(self, root: int, interval: float = 0.05):
        super().__init__(daemon=True)
        self.root, self.interval = root, interval
        self.peak_bytes, self.peak_pss_bytes, self.most_processes = 0, 0, 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            tree = process_tree(self.root)
            self.peak_bytes = max(self.peak_bytes, sum(resident_bytes(pid) for pid in tree))
            self.peak_pss_bytes = max(self.peak_pss_bytes, sum(proportional_bytes(pid) for pid in tree))
            self.most_processes = max(self.most_processes, len(tree))
            self.done.wait(self.interval)

    def stop(self) -> None:
        self.done.set()
        self.join()


def build(folder: Path, timeout: float, log: Path, env: dict) -> dict:
    """Run `mkdocs build --strict` in folder and measure it."""
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(folder / "site")]
    return run_measured(command, folder, timeout, log, env)


def run_measured(command: list[str], folder: Path, timeout: float, log: Path, env: dict) -> dict:
    """Run a command in folder as a child; its rusage comes from wait4, its tree's memory from /proc."""
    start, machine_busy = perf_counter(), busy_cpu_seconds()
    with open(log, "w") as output:
        child = subprocess.Popen(command, cwd=folder, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    memory = TreeMemory(child.pid)
    memory.start()
    killer = threading.Timer(timeout, os.killpg, (child.pid, signal.SIGKILL))
    killer.start()
    _, status, usage = os.wait4(child.pid, 0)
    wall, machine_busy = perf_counter() - start, busy_cpu_seconds() - machine_busy
    killer.cancel()
    memory.stop()
    child.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return {
        "ok": child.returncode == 0,
        "timed_out": child.returncode == -signal.SIGKILL,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "other_processes_cpu_s": round(max(machine_busy - cpu, 0), 1),  # contention from the rest of the machine
        "max_rss_one_process_mb": round(usage.ru_maxrss / 1024, 1),  # what /usr/bin/time -v reports
        "peak_rss_tree_mb": round(memory.peak_bytes / MB, 1),
        "peak_pss_tree_mb": round(memory.peak_pss_bytes / MB, 1),
        "processes": memory.most_processes,
    }


def report_pages(site: Path) -> list[Path]:
    """site/reports/<district>/<station>/<period>-<stage>/index.html"""
    return sorted(site.glob("reports/*/*/*/index.html"))


def site_sizes(site: Path) -> dict:
    files = [path for path in site.rglob("*") if path.is_file()]
    reports = [path.stat().st_size for path in report_pages(site)]
    return {
        "files": len(files),
        "site_mb": round(sum(path.stat().st_size for path in files) / MB, 1),
        "site_on_disk_mb": round(sum(path.stat().st_blocks * 512 for path in files) / MB, 1),
        "report_html_mean_kb": round(mean(reports) / 1024, 1) if reports else None,
        "report_html_max_kb": round(max(reports) / 1024, 1) if reports else None,
        # Material's one file (the baseline) or our sharded index: everything under search/
        "search_index_mb": round(sum(p.stat().st_size for p in (site / "search").rglob("*") if p.is_file()) / MB, 1),
    }
