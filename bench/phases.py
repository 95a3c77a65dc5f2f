"""The plugin's own work, timed outside a build: load and check (cold and warm), evaluate, generate Markdown.

    .venv/bin/python bench/phases.py REPO [--write-docs DOCS]

Prints one JSON object. The cold load reads every record afresh (cache off); the warm load reads them
from the record cache that a first load filled. Evaluation is timed again on its own over every record.
Page generation makes every page's Markdown: the few pages MkDocs renders and every report and station page.
With --write-docs, also writes every generated page as a Markdown file, for the stock-MkDocs baseline.
The caches are emptied at the end, so that the build measured next starts cold.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
from collections import Counter
from pathlib import Path
from time import perf_counter, process_time

from mkdocs.config import load_config

from site_builder.language.evaluate import evaluate
from site_builder.records.project import load_project
from site_builder.records.record import checked_against_rules
from site_builder.records.record_cache import CACHE_DIR as RECORD_CACHE
from site_builder.records.schema_doc import field_reference
from site_builder.site.assembly import BulkPages, evaluated, generated_pages
from site_builder.site.page_cache import CACHE_DIR as PAGE_CACHE
from site_builder.site.pages.listings import home_summary
from site_builder.site.provenance import read_provenance


def timed(action):
    """The action's value, wall seconds and CPU seconds of this process and its finished children."""

    def cpu() -> float:
        return process_time() + sum(getattr(resource.getrusage(resource.RUSAGE_CHILDREN), f) for f in ("ru_utime", "ru_stime"))

    start, used = perf_counter(), cpu()
    value = action()
    return value, round(perf_counter() - start, 2), round(cpu() - used, 2)


def clear_caches(root: Path) -> None:
    for folder in (RECORD_CACHE, PAGE_CACHE):
        shutil.rmtree(root / folder, ignore_errors=True)


def all_pages(project, root: Path) -> dict[str, str]:
    pages = BulkPages(project, read_provenance(root))
    found = {"reference/record-fields.md": field_reference(), **generated_pages(project, pages.rows)}
    found.update((src, pages.markdown(index)) for index, src in enumerate(pages.sources))
    return found


def write_docs(pages: dict[str, str | bytes], project, docs: Path) -> None:
    """The generated pages as files, and the home page with the plugin's summary filled in."""
    for src, content in pages.items():
        target = docs / src
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    home = docs / "index.md"
    summary = home_summary(evaluated(project), project.rulesets)
    home.write_text(home.read_text(encoding="utf-8").replace("<!-- site-builder: 首页统计 -->", summary), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("root", type=Path)
    parser.add_argument("--write-docs", type=Path)
    args = parser.parse_args()
    load_config(str(args.root / "mkdocs.yml"))  # the configuration must load, as in a build
    clear_caches(args.root)
    project, cold_s, cold_cpu = timed(lambda: load_project(args.root, cache=False))
    load_project(args.root)  # fills the record cache
    _, warm_s, warm_cpu = timed(lambda: load_project(args.root))
    ruleset_of = project.ruleset_of
    inputs = {r.key: checked_against_rules(r, ruleset_of[r.key])[0] for r in project.records}
    _, evaluate_s, evaluate_cpu = timed(lambda: [evaluate(ruleset_of[key], inputs[key]) for key in inputs])
    pages, pages_s, pages_cpu = timed(lambda: all_pages(project, args.root))
    if args.write_docs:
        write_docs(pages, project, args.write_docs)
    clear_caches(args.root)
    results = project.results.values()
    print(
        json.dumps(
            {
                "records": len(project.records),
                "errors": len(project.errors),
                "warnings": len(project.warnings),
                "fired": sum(1 for r in results if r.fired),
                "with_unchecked": sum(1 for r in results if r.unchecked),
                "grades": Counter(r.grade or "暂缓评级" for r in results),
                "load_cold_s": cold_s,
                "load_cold_cpu_s": cold_cpu,
                "load_warm_s": warm_s,
                "load_warm_cpu_s": warm_cpu,
                "evaluate_s": evaluate_s,
                "evaluate_cpu_s": evaluate_cpu,
                "generate_pages_s": pages_s,
                "generate_pages_cpu_s": pages_cpu,
                "pages": len(pages),
                "markdown_bytes": sum(len(c if isinstance(c, bytes) else c.encode("utf-8")) for c in pages.values()),
                "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
