"""Bytes a reader's browser fetches from the built site, with a cold cache: one report page, one first search.

The site is served by http.server on 127.0.0.1 and opened in Debian's Chromium through Playwright; every
response's body size (Content-Length, else the body itself) is summed, worker requests included. http.server
does not compress, so each text response is also gzipped here (level 6, as nginx and most hosts do by default)
to give the bytes a compressing server would send; files that are already compressed count as they are.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path
from time import perf_counter

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from site_harness import CHROMIUM, CHROMIUM_FLAGS, serve  # noqa: E402 (the tests' server and browser settings)

KB = 1024


TEXT_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml", "application/xml")


def body_sizes(response) -> tuple[int, int]:
    """The response's size as served, and as a gzip-compressing server would send it."""
    try:
        body = response.body()
    except PlaywrightError:
        return 0, 0
    kind = response.headers.get("content-type", "")
    compressed = len(gzip.compress(body, 6)) if kind.startswith(TEXT_TYPES) else len(body)
    return len(body), compressed


class Fetches:
    """Every response a browser context receives, from pages and workers alike, and the pages' script errors."""

    def __init__(self, context):
        self.responses, self.errors = [], []
        context.on("response", lambda response: self.responses.append(response))

    def page(self, context):
        page = context.new_page()
        page.on("pageerror", lambda error: self.errors.append(str(error)[:200]))
        return page

    def summary(self, seconds: float, **extra) -> dict:
        sizes = {response.url: body_sizes(response) for response in self.responses}
        largest = sorted(sizes.items(), key=lambda item: -item[1][1])[:3]
        return {
            "kb": round(sum(raw for raw, _ in sizes.values()) / KB, 1),
            "kb_compressed": round(sum(sent for _, sent in sizes.values()) / KB, 1),
            "requests": len(sizes),
            "seconds": round(seconds, 2),
            "largest_compressed": {url.split("/", 3)[-1]: round(sent / KB, 1) for url, (_, sent) in largest},
            "page_errors": sorted(set(self.errors)),
            **extra,
        }


def report_page(browser, url: str) -> dict:
    context = browser.new_context(locale="zh-CN")
    fetches, start = Fetches(context), perf_counter()
    fetches.page(context).goto(url, wait_until="networkidle", timeout=0)  # 10,000 reports: an 800 MB index
    summary = fetches.summary(perf_counter() - start)
    context.close()
    return summary


def first_search(browser, url: str, query: str, timeout_ms: float) -> dict:
    """Type a Chinese query in the home page's search box, as a reader does; wait for the results.

    Our site's box sends the reader to the search page; the stock baseline's box is Material's own overlay.
    """
    context = browser.new_context(locale="zh-CN")
    context.set_default_timeout(timeout_ms)
    fetches = Fetches(context)
    page, start = fetches.page(context), perf_counter()
    page.goto(url)
    try:
        stock = page.locator(".md-search__input").count() > 0
        outcome = {"results": (material_search if stock else our_search)(page, query, timeout_ms)}
    except (PlaywrightTimeout, AssertionError) as error:
        outcome = {"results": f"没有得到结果（{timeout_ms / 1000:.0f} 秒内）：{str(error)[:200]}"}
    summary = fetches.summary(perf_counter() - start, **outcome)
    context.close()
    return summary


def our_search(page, query: str, timeout_ms: float) -> str:
    box = page.get_by_role("search").get_by_role("searchbox").first
    box.fill(query)
    box.press("Enter")
    count = page.locator("#search-count")
    expect(count).to_contain_text("结果", timeout=timeout_ms)
    page.wait_for_load_state("networkidle")
    return count.inner_text()


def material_search(page, query: str, timeout_ms: float) -> str:
    page.locator("label.md-search__icon, .md-search__input").first.click()
    meta = page.locator(".md-search-result__meta")
    expect(meta).not_to_have_text("正在初始化搜索引擎", timeout=timeout_ms)  # the worker has the index
    box = page.locator("input.md-search__input")
    box.fill(query)
    box.press("End")  # an input method ends with a key release; the theme searches on keyup
    page.locator(".md-search-result__item").first.wait_for(state="visible")
    return meta.inner_text()


def browser_bytes(site: Path, report_path: str, query: str, timeout_s: float) -> dict:
    with serve(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            return {
                "report_page": report_page(browser, f"{base}/{report_path}"),
                "first_search": first_search(browser, base + "/", query, timeout_s * 1000),
            }
        finally:
            browser.close()
