"""Pagefind (extended, 1.5.2) on the labelled query set, beside our own index: recall, results for absent words,
index time, peak RSS, bytes a cold search fetches.

    .venv/bin/pip install "pagefind[extended]==1.5.2"        # not a project dependency
    .venv/bin/python bench/pagefind_compare.py --reports 1000

Every report becomes one HTML page (<main data-pagefind-body>, title in <h1>, facets as data-pagefind-filter) with
exactly the text our index gets (report_search_doc). Pagefind's CLI indexes the folder; its own JavaScript API runs
in Debian's Chromium (Playwright), one fresh browser context per query, so every search starts with a cold cache.
Expected results come from plain substring search (tests/test_search_index.py's oracle).
"""

from __future__ import annotations

import argparse
import html
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "bench")]

from search_bench import search_docs  # noqa: E402


def write_pages(docs, site: Path) -> None:
    for doc in docs:
        folder = site / doc.url
        folder.mkdir(parents=True, exist_ok=True)
        filters = "".join(f'<span data-pagefind-filter="{html.escape(k)}">{html.escape(v)}</span>' for k, v in doc.facets.items())
        body = "".join(f"<p>{html.escape(line)}</p>" for line in doc.text.split("\n"))
        (folder / "index.html").write_text(
            f'<!doctype html><html lang="zh-cn"><head><meta charset="utf-8"><title>{html.escape(doc.title)}</title></head>'
            f"<body><main data-pagefind-body><h1>{html.escape(doc.title)}</h1><div hidden>{filters}</div>{body}</main></body></html>",
            encoding="utf-8",
        )


def index_with_pagefind(site: Path) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pagefind", "--site", str(site)], capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert done.returncode == 0, done.stderr[-2000:]
    index = site / "pagefind"
    return {
        "wall_s": round(time.perf_counter() - wall, 1),
        "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
        "peak_rss_mb": round(after.ru_maxrss / 1024),
        "index_mb": round(sum(p.stat().st_size for p in index.rglob("*") if p.is_file()) / 2**20, 1),
    }


SEARCH_JS = """async (query) => {
  const pagefind = await import('/pagefind/pagefind.js');
  await pagefind.init();
  const search = await pagefind.search(query);
  const first = await Promise.all(search.results.slice(0, 20).map(r => r.data()));
  const urls = [];
  for (const r of search.results) urls.push((await r.data()).url);
  return {count: search.results.length, urls, first: first.map(d => d.url)};
}"""


def query_in_chromium(site: Path, queries: list[str]) -> dict:
    from browser import CHROMIUM, CHROMIUM_FLAGS, serve
    from playwright.sync_api import sync_playwright

    out = {}
    with serve(site) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        for query in queries:
            context = browser.new_context()
            page = context.new_page()
            fetched = []
            page.on("requestfinished", fetched.append)
            page.goto(url + "/")
            found = page.evaluate(SEARCH_JS, query)
            # Bytes of the search itself and the first 20 results' fragments (what a results page shows).
            cold = sum(
                len(r.response().body())
                for r in fetched
                if r.response()
                and "/pagefind/" in r.url
                and not ("/fragment/" in r.url and r.url.split("/")[-1] not in {f.split("/")[-1] for f in found["first"]})
            )
            out[query] = {"urls": set(u.strip("/") + "/" for u in found["urls"]), "cold_kb": round(cold / 1024, 1)}
            context.close()
        browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=1000)
    args = parser.parse_args()
    import yaml
    from test_search_index import expected

    labelled = yaml.safe_load((REPO / "tests" / "search_queries.yaml").read_text(encoding="utf-8"))["queries"]
    with tempfile.TemporaryDirectory() as tmp:
        repo, site = Path(tmp) / "repo", Path(tmp) / "site"
        subprocess.run(
            [sys.executable, str(REPO / "bench" / "synthetic.py"), "--reports", str(args.reports), "--out", str(repo)],
            check=True,
            capture_output=True,
        )
        docs = [doc for doc, _ in search_docs(repo)]
        write_pages(docs, site)
        indexing = index_with_pagefind(site)
        stations = sorted({d.title[:-6] for d in docs})[:3]
        queries = [q["query"] for q in labelled] + stations
        found = query_in_chromium(site, queries)
        rows = []
        for query in queries:
            truth = {d.url for d in docs} & expected(docs, query)
            got = {u.removeprefix("/") for u in found[query]["urls"]}
            rows.append(
                {
                    "query": query,
                    "expected": len(truth),
                    "returned": len(got),
                    "recall": round(len(got & truth) / len(truth), 3) if truth else None,
                    "false_positives": len(got - truth),
                    "cold_kb": found[query]["cold_kb"],
                }
            )
        print(json.dumps({"reports": args.reports, "pagefind": indexing, "queries": rows}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
