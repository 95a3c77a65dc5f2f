"""Quick preview: how long after saving a record `site-builder serve` shows the updated report page.

    .venv/bin/python bench/preview.py --reports 1000 [--edits 5] [--out bench/preview-DATE.json]

Generates N synthetic records, starts `site-builder serve` on a free port and waits for the first full build.
Then, several times: changes one sentence in one record (as an editor saving the file would) and polls the
served report page every 50 ms until the new sentence appears. Prints each latency and the median.
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

from run import BENCH, code_under_test, log, prepare_repo


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8", errors="replace")
    except (urllib.error.URLError, OSError):
        return ""


def wait_for(condition, timeout: float, every: float = 0.05) -> float | None:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if condition():
            return time.perf_counter() - start
        time.sleep(every)
    return None


def page_url(base: str, record: Path, stations: Path) -> str:
    return base + quote("reports/" + record.relative_to(stations).with_suffix("").as_posix() + "/")


def edit(record: Path, marker: str) -> None:
    """Put the marker into the record's conclusion, as one save in an editor."""
    text = record.read_text(encoding="utf-8")
    changed = re.sub(r"(\n  conclusion: (?:[|>]-?\n    )?)", rf"\g<1>{marker}", text, count=1)
    if changed == text:
        raise SystemExit(f"{record} 中没有找到 conclusion 段")
    record.write_text(changed, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description="预览：保存记录后多久能看到更新后的报告页")
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--code", choices=["head", "worktree"], default="head")
    parser.add_argument("--out", type=Path, default=BENCH / f"preview-{datetime.date.today()}.json")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-preview-"))
    code = code_under_test(args.code, workdir)
    repo = workdir / "repo"
    log(f"{args.reports} 份：生成合成记录")
    prepare_repo(repo, args.reports, 1, code)
    port, stations = free_port(), repo / "stations"
    base = f"http://127.0.0.1:{port}/"
    command = [
        sys.executable,
        "-c",
        "import sys; from site_builder.commands.cli import main; sys.exit(main())",
        "--root",
        str(repo),
        "serve",
        "--port",
        str(port),
    ]
    started = time.perf_counter()
    with open(workdir / "serve.log", "w") as output:
        server = subprocess.Popen(command, env=code.env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        records = sorted(stations.rglob("*.yaml"))[:: max(1, args.reports // args.edits)][: args.edits]
        first = wait_for(lambda: "评估" in fetch(page_url(base, records[0], stations)), timeout=3600, every=1)
        log(f"首次完整构建并开始预览：{first:.1f} 秒")
        latencies = []
        for number, record in enumerate(records):
            time.sleep(8)  # let the follow-up full build of the previous edit finish, as between two real edits
            marker = f"预览测量第{number + 1}次修改。"
            edit(record, marker)
            seen = wait_for(lambda marker=marker, record=record: marker in fetch(page_url(base, record, stations)), timeout=120)
            latencies.append(round(seen, 2) if seen is not None else None)
            log(f"{record.relative_to(repo)}：{latencies[-1]} 秒")
        shown = [value for value in latencies if value is not None]
        result = {
            "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "code": code.name,
            "reports": args.reports,
            "first_build_s": round(first, 1),
            "latencies_s": latencies,
            "median_s": round(statistics.median(shown), 2) if shown else None,
            "log_tail": (workdir / "serve.log").read_text(errors="replace").splitlines()[-12:],
        }
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(json.dumps(result, ensure_ascii=False, indent=2))
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log(f"用时 {time.perf_counter() - started:.0f} 秒")


if __name__ == "__main__":
    main()
