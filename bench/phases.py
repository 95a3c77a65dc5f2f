"""The plugin's own work, timed outside a build: load and check, evaluate, generate the pages' Markdown.

    .venv/bin/python bench/phases.py REPO [--write-docs DOCS]

Prints one JSON object. Calls the site-builder plugin's own hooks on REPO/mkdocs.yml (on_config,
on_pre_build = load_project, on_files = page generation), so it follows the plugin as it changes.
The load is split into phases by wrapping the functions site_builder.project calls (YAML reading,
schema pass, rules pass, evaluation, audits). With --write-docs, also writes every generated page
as a Markdown file, for the stock-MkDocs baseline.
"""

from __future__ import annotations

import argparse
import json
import resource
from collections import Counter
from pathlib import Path
from time import perf_counter, process_time

from mkdocs.config import load_config
from mkdocs.structure.files import Files

import site_builder.project as project_module

PHASES = ("read_record", "schema_errors", "record_rule_errors", "evaluate", "audit")


class PhaseTimer:
    """Replaces module functions by timed wrappers; seconds[name] accumulates over all calls."""

    def __init__(self, module, names):
        self.seconds = {name: 0.0 for name in names if hasattr(module, name)}
        for name in self.seconds:
            setattr(module, name, self.timed(name, getattr(module, name)))

    def timed(self, name, function):
        def wrapper(*args, **kwargs):
            start = perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[name] += perf_counter() - start
        return wrapper


def timed(action):
    """The action's value, wall seconds and CPU seconds (on a shared machine, CPU is the steadier figure)."""
    start, cpu = perf_counter(), process_time()
    value = action()
    return value, perf_counter() - start, process_time() - cpu


def write_pages(plugin, config, files: Files, docs: Path) -> None:
    """The generated pages as files, and the home page with the plugin's summary filled in."""
    for file in files:
        target = docs / file.src_uri
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(file.content_string, encoding="utf-8")
    home = docs / "index.md"
    home.write_text(plugin.on_page_markdown(home.read_text(encoding="utf-8"), None, config, None), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("root", type=Path)
    parser.add_argument("--write-docs", type=Path)
    args = parser.parse_args()
    timer = PhaseTimer(project_module, PHASES)
    config = load_config(str(args.root / "mkdocs.yml"))
    plugin = config.plugins["site-builder"]
    config = config.plugins.on_config(config)  # the events as `mkdocs build` sends them, to every plugin
    _, load_seconds, load_cpu = timed(lambda: config.plugins.on_pre_build(config=config))
    files, pages_seconds, pages_cpu = timed(lambda: config.plugins.on_files(Files([]), config=config))
    if args.write_docs:
        write_pages(plugin, config, files, args.write_docs)
    project = plugin.project
    results = project.results.values()
    print(json.dumps({
        "records": len(project.records), "errors": len(project.errors), "warnings": len(project.warnings),
        "fired": sum(1 for r in results if r.fired), "with_unchecked": sum(1 for r in results if r.unchecked),
        "grades": Counter(r.grade or "暂缓评级" for r in results),
        "load_project_s": round(load_seconds, 2), "load_project_cpu_s": round(load_cpu, 2),
        "phases_s": {k: round(v, 2) for k, v in timer.seconds.items()},
        "generate_pages_s": round(pages_seconds, 2), "generate_pages_cpu_s": round(pages_cpu, 2), "pages": len(files),
        "markdown_bytes": sum(len(file.content_bytes) for file in files),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
