"""Build benchmark: synthetic reports → `mkdocs build` with the site-builder plugin, against stock MkDocs.

    .venv/bin/python bench/run.py --reports 1000 [--reports 10000] [--baseline | --no-baseline] [--out FILE]

The code measured is a commit (HEAD unless --commit), exported with `git archive` and put first on the
PYTHONPATH of every child process, so that edits in progress in the working tree do not leak in;
--code worktree measures the working tree instead.

For each N: generate N synthetic records (bench/synthetic.py) in a temporary git repository with that
version's rules/, mkdocs.yml and docs/; time the plugin's phases (bench/phases.py); build the site and
measure it (bench/measure.py); measure what a browser fetches (bench/browser.py). The baseline (default:
only for N ≤ 1000) builds the very same pages, written beforehand as Markdown files, with stock MkDocs +
Material + search (jieba) and no site-builder plugin. Figures go to a JSON file (merged by N) and a
Markdown table.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from browser import browser_bytes
from measure import build, report_pages, site_sizes, wait_until_quiet

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
DEFAULT_BASELINE_UP_TO = 1000
MARKED_PROJECT = "爱心汤"  # synthetic.MARKED_PROJECT: in a known share of the records


@dataclass(frozen=True)
class Code:
    """The version of the project being measured: where its files are, and the environment that imports it."""

    source: Path
    env: dict
    name: str

    def python(self, *args, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, *map(str, args)], env=self.env, capture_output=True, text=True, **kwargs)


def code_under_test(choice: str, workdir: Path, revision: str = "HEAD") -> Code:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    commit = git_output("rev-parse", "--short", revision)
    if choice == "worktree":
        return Code(REPO, env, f"{commit}+工作区未提交的改动")
    export = workdir / "code"
    export.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", commit], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(export)], input=archive, check=True)
    return Code(export, {**env, "PYTHONPATH": str(export)}, commit)


def git_output(*args: str) -> str:
    return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True).stdout.strip()


FIGURES = (  # label, path into a site's measurements
    ("加载与校验，冷（无缓存），墙钟（秒）", ("phases", "load_cold_s")),
    ("加载与校验，冷，CPU（秒，含子进程）", ("phases", "load_cold_cpu_s")),
    ("加载与校验，热（记录缓存），墙钟（秒）", ("phases", "load_warm_s")),
    ("评估 evaluate，墙钟（秒）", ("phases", "evaluate_s")),
    ("生成全部页面的 Markdown，墙钟（秒）", ("phases", "generate_pages_s")),
    ("mkdocs build 冷（无缓存），墙钟（秒）", ("build", "wall_s")),
    ("　冷构建 每份报告（毫秒）", ("build", "per_report_ms")),
    ("　冷构建 CPU user+sys，全部进程（秒）", ("build", "cpu_s")),
    ("　冷构建 峰值内存，进程树合计（MB）", ("build", "peak_rss_tree_mb")),
    ("　冷构建 峰值内存，进程树 PSS 合计（MB，共享页只计一次）", ("build", "peak_pss_tree_mb")),
    ("　冷构建 峰值内存，单个进程（MB）", ("build", "max_rss_one_process_mb")),
    ("mkdocs build 热（记录与页面缓存，无改动），墙钟（秒）", ("warm_build", "wall_s")),
    ("　热构建 CPU（秒）", ("warm_build", "cpu_s")),
    ("　热构建 峰值内存，进程树合计（MB）", ("warm_build", "peak_rss_tree_mb")),
    ("构建期间其他进程的 CPU（秒）", ("build", "other_processes_cpu_s")),
    ("网站大小（MB）", ("sizes", "site_mb")),
    ("文件数", ("sizes", "files")),
    ("报告页 HTML 平均（KB）", ("sizes", "report_html_mean_kb")),
    ("搜索索引合计（MB）", ("sizes", "search_index_mb")),
    ("打开一份报告：传输量（KB，gzip，冷缓存）", ("browser", "report_page", "kb_compressed")),
    ("打开一份报告：未压缩（KB）", ("browser", "report_page", "kb")),
    ("打开一份报告：请求数", ("browser", "report_page", "requests")),
    ("首次中文搜索：传输量（KB，gzip，冷缓存）", ("browser", "first_search", "kb_compressed")),
    ("首次中文搜索：未压缩（KB）", ("browser", "first_search", "kb")),
    ("首次中文搜索：到出现结果（秒）", ("browser", "first_search", "seconds")),
)

# The targets at 10,000 reports on this 2-core machine: (label, path, upper bound).
TARGETS = (
    ("完整构建（冷）≤ 60 秒", ("build", "wall_s"), 60),
    ("完整构建（热）≤ 60 秒", ("warm_build", "wall_s"), 60),
    ("构建峰值内存 ≤ 1 GB（1024 MB）", ("build", "peak_rss_tree_mb"), 1024),
    ("首次搜索传输 ≤ 300 KB", ("browser", "first_search", "kb_compressed"), 300),
    ("报告页及资源传输 ≤ 150 KB", ("browser", "report_page", "kb_compressed"), 150),
    ("加载与校验（冷）≤ 10 秒", ("phases", "load_cold_s"), 10),
    ("加载与校验（热）≤ 10 秒", ("phases", "load_warm_s"), 10),
    ("评估 ≤ 2 秒", ("phases", "evaluate_s"), 2),
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="网站生成的基准测试（合成报告）")
    parser.add_argument("--reports", type=int, action="append", required=True, help="报告份数，可重复")
    parser.add_argument(
        "--baseline",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=f"同时构建原版 MkDocs 基线（默认只在 N ≤ {DEFAULT_BASELINE_UP_TO} 时）",
    )
    parser.add_argument("--out", type=Path, default=BENCH / f"results-{datetime.date.today()}.json")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--query", default=MARKED_PROJECT, help="浏览器中搜索的词")
    parser.add_argument("--code", choices=["head", "worktree"], default="head", help="测量一次提交（默认），或工作区中的代码（含未提交的改动）")
    parser.add_argument("--commit", default="HEAD", help="测量哪一次提交（默认 HEAD），便于与旧结果比较")
    parser.add_argument("--build-timeout", type=float, default=3600, help="单次构建的上限（秒）")
    parser.add_argument("--search-timeout", type=float, default=600, help="浏览器搜索的上限（秒）")
    parser.add_argument("--repeat", type=int, default=1, help="每个网站构建几次，取最快的一次")
    parser.add_argument("--quiet-wait", type=float, default=300, help="构建前最多等待多少秒，直到其他进程占用不到半个 CPU（本机与他人共用时）")
    parser.add_argument("--keep", action="store_true", help="保留临时目录（打印其位置）")
    return parser.parse_args()


def log(message: str) -> None:
    print(f"[{datetime.datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# --- preparing the two folders -------------------------------------------------------------------------


def prepare_repo(folder: Path, reports: int, seed: int, code: Code) -> dict:
    """A repository like ours: rules/, N synthetic stations/, docs/, mkdocs.yml, one git commit."""
    done = code.python(BENCH / "synthetic.py", "--reports", reports, "--seed", seed, "--out", folder, "--source", code.source)
    if done.returncode != 0:
        raise SystemExit(f"synthetic.py 失败：\n{done.stderr}")
    shutil.copytree(code.source / "docs", folder / "docs")
    shutil.copy(code.source / "mkdocs.yml", folder / "mkdocs.yml")
    git = ["git", "-C", str(folder), "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "synthetic records"]):
        subprocess.run(git + args, check=True)
    return json.loads(done.stdout)


STOCK_PLUGINS = "plugins:\n  - search:\n      lang: zh\n"  # Material's own search, with jieba for Chinese


def prepare_baseline(folder: Path, code: Code) -> None:
    """Our mkdocs.yml with stock plugins only (Material's search); docs/ gets the generated pages from phases.py."""
    shutil.copytree(code.source / "docs", folder / "docs")
    config = (code.source / "mkdocs.yml").read_text(encoding="utf-8")
    stock = re.sub(r"^plugins:\n(?:[ \t]+.*\n|[ \t]*\n)*", STOCK_PLUGINS, config, count=1, flags=re.M)
    if "- site-builder" in stock or STOCK_PLUGINS not in stock:
        raise SystemExit("mkdocs.yml 的 plugins 段无法替换为原版配置。")
    (folder / "mkdocs.yml").write_text(stock, encoding="utf-8")


def run_phases(repo: Path, baseline_docs: Path | None, code: Code) -> dict:
    extra = ["--write-docs", baseline_docs] if baseline_docs else []
    done = code.python(BENCH / "phases.py", repo, *extra)
    if done.returncode != 0:
        raise SystemExit(f"phases.py 失败：\n{done.stderr}")
    return json.loads(done.stdout)


# --- measuring ---------------------------------------------------------------------------------------------


def quickest_build(folder: Path, args, code: Code) -> dict:
    """Build `repeat` times, each after waiting for the machine to be quiet; keep the quickest, list all times."""
    builds = []
    for _ in range(args.repeat):
        waited = wait_until_quiet(give_up_after=args.quiet_wait)
        builds.append({**build(folder, args.build_timeout, folder / "build.log", code.env), "waited_for_quiet_s": waited})
        if not builds[-1]["ok"]:
            return builds[-1]
    best = min(builds, key=lambda b: b["wall_s"])
    return {**best, "all_wall_s": [b["wall_s"] for b in builds], "all_cpu_s": [b["cpu_s"] for b in builds]}


def measure_site(folder: Path, reports: int, args, code: Code, warm: bool = False) -> dict:
    """A cold build (no caches); with warm, another build of the unchanged repository over the caches it left."""
    shutil.rmtree(folder / ".cache", ignore_errors=True)
    result = {"build": quickest_build(folder, args, code)}
    result["build"]["per_report_ms"] = round(result["build"]["wall_s"] * 1000 / reports, 1)
    if not result["build"]["ok"]:
        result["build"]["log_tail"] = (folder / "build.log").read_text(errors="replace")[-3000:]
        return result
    if warm:
        result["warm_build"] = quickest_build(folder, args, code)
    site = folder / "site"
    result["sizes"] = site_sizes(site)
    report = report_pages(site)[0].parent.relative_to(site).as_posix() + "/"
    result["browser"] = browser_bytes(site, report, args.query, args.search_timeout)
    return result


def measure_scale(reports: int, args, workdir: Path, code: Code) -> dict:
    with_baseline = args.baseline if args.baseline is not None else reports <= DEFAULT_BASELINE_UP_TO
    repo, stock = workdir / "repo", workdir / "baseline"
    log(f"{reports} 份：生成合成记录")
    run = {"reports": reports, "code": code.name, "synthetic": prepare_repo(repo, reports, args.seed, code)}
    if with_baseline:
        prepare_baseline(stock, code)
    log(f"{reports} 份：计时插件各阶段（phases.py）")
    phases = run_phases(repo, stock / "docs" if with_baseline else None, code)
    log(f"{reports} 份：构建（site-builder 插件）")
    run["ours"] = {"phases": phases, **measure_site(repo, reports, args, code, warm=True)}
    run["targets"] = targets(run["ours"])
    if with_baseline:
        log(f"{reports} 份：构建基线（原版 MkDocs，无插件）")
        run["baseline"] = measure_site(stock, reports, args, code)
        run["ratios"] = ratios(run["ours"], run["baseline"])
    return run


def figure(measurements: dict, path: tuple):
    for key in path:
        if not isinstance(measurements, dict) or key not in measurements:
            return None
        measurements = measurements[key]
    return measurements


def ratios(ours: dict, baseline: dict) -> dict:
    found = {}
    for _, path in FIGURES:
        mine, theirs = figure(ours, path), figure(baseline, path)
        if isinstance(mine, (int, float)) and isinstance(theirs, (int, float)) and theirs:
            found[".".join(path)] = round(mine / theirs, 2)
    return found


# --- reporting ---------------------------------------------------------------------------------------------


def shown(value) -> str:
    return "—" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def targets(ours: dict) -> list[dict]:
    return [{"target": label, "value": figure(ours, path), "met": (figure(ours, path) or float("inf")) <= bound} for label, path, bound in TARGETS]


def markdown_table(run: dict) -> str:
    lines = [f"### {run['reports']} 份报告", "", "| 指标 | site-builder | 原版基线 | 比值 |", "|---|--:|--:|--:|"]
    for label, path in FIGURES:
        lines.append(
            f"| {label} | {shown(figure(run['ours'], path))} | {shown(figure(run.get('baseline', {}), path))} "
            f"| {shown(run.get('ratios', {}).get('.'.join(path)))} |"
        )
    lines += ["", "| 目标（按 10,000 份设定） | 测得 | 是否达到 |", "|---|--:|---|"]
    lines += [f"| {t['target']} | {shown(t['value'])} | {'是' if t['met'] else '否'} |" for t in run.get("targets", [])]
    return "\n".join(lines)


def machine() -> dict:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
        platform.processor(),
    )
    return {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3, 1),
        "python": platform.python_version(),
        "versions": {name: version(name) for name in ("mkdocs", "mkdocs-material", "jieba", "playwright")},
    }


def scaling(by_size: dict[int, dict]) -> dict | None:
    """Build time per report at the largest N over that at the smallest (the target is ≤ 1.15), wall and CPU."""
    finished = [n for n, run in by_size.items() if figure(run, ("ours", "build", "ok"))]
    if len(finished) < 2:
        return None
    small, large = min(finished), max(finished)
    wall, cpu = (("ours", "build", "per_report_ms"), ("ours", "build", "cpu_s"))
    return {
        "from": small,
        "to": large,
        "per_report_ratio": round(figure(by_size[large], wall) / figure(by_size[small], wall), 2),
        "per_report_cpu_ratio": round(figure(by_size[large], cpu) / large / (figure(by_size[small], cpu) / small), 2),
    }


def save(out: Path, runs: list[dict]) -> None:
    """Merge into out by number of reports, so 1,000 and 10,000 can be run separately."""
    saved = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {"runs": []}
    by_size = {run["reports"]: run for run in saved["runs"]} | {run["reports"]: run for run in runs}
    saved = {"machine": machine(), "runs": [by_size[n] for n in sorted(by_size)], "scaling": scaling(by_size)}
    out.write_text(json.dumps(saved, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        code, runs = code_under_test(args.code, workdir, args.commit), []
        log(f"测量的代码：{code.name}")
        for reports in args.reports:
            runs.append(measure_scale(reports, args, workdir / str(reports), code))
            save(args.out, runs)
            print(markdown_table(runs[-1]) + "\n", flush=True)
    finally:
        if args.keep:
            log(f"临时目录保留在 {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    log(f"结果已写入 {args.out}")


if __name__ == "__main__":
    main()
