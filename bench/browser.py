"""Bytes a reader's browser fetches from the built site, with a cold cache: one report page, one first search.

The site is served by http.server on 127.0.0.1 and opened in Debian's Chromium through Playwright; every
response's body size (Content-Length, else the body itself) is summed, worker requests included.
"""

from __future__ import annotations

import functools
import http.server
import threading
from contextlib import contextmanager
from pathlib import Path
from time import perf_counter

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"]
KB = 1024


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextmanager
def serve(site: Path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def body_size(response) -> int:
    length = response.headers.get("content-length")
    if length is not None:
        return int(length)
    try:
        return len(response.body())
    except PlaywrightError:
        return 0


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
        sizes = {response.url: body_size(response) for response in self.responses}
        largest = sorted(sizes.items(), key=lambda item: -item[1])[:3]
        return {"kb": round(sum(sizes.values()) / KB, 1), "requests": len(sizes), "seconds": round(seconds, 2),
                "largest": {url.split("/", 3)[-1]: round(size / KB, 1) for url, size in largest},
                "page_errors": sorted(set(self.errors)), **extra}


def report_page(browser, url: str) -> dict:
    context = browser.new_context(locale="zh-CN")
    fetches, start = Fetches(context), perf_counter()
    fetches.page(context).goto(url, wait_until="networkidle", timeout=0)  # 10,000 reports: an 800 MB index
    summary = fetches.summary(perf_counter() - start)
    context.close()
    return summary


def first_search(browser, url: str, query: str, timeout_ms: float) -> dict:
    """Open the home page, type a Chinese query like an input method does, wait for the first result."""
    context = browser.new_context(locale="zh-CN")
    context.set_default_timeout(timeout_ms)
    fetches = Fetches(context)
    page, start = fetches.page(context), perf_counter()
    page.goto(url)
    page.locator("label.md-search__icon, .md-search__input").first.click()
    meta = page.locator(".md-search-result__meta")
    try:
        expect(meta).not_to_have_text("正在初始化搜索引擎", timeout=timeout_ms)  # the worker has the index
        box = page.locator("input.md-search__input")
        box.fill(query)
        box.press("End")  # an input method ends with a key release; the theme searches on keyup
        page.locator(".md-search-result__item").first.wait_for(state="visible")
        outcome = {"results": meta.inner_text()}
    except (PlaywrightTimeout, AssertionError):
        outcome = {"results": f"超时（{timeout_ms / 1000:.0f} 秒内没有结果）"}
    summary = fetches.summary(perf_counter() - start, **outcome)
    context.close()
    return summary


def browser_bytes(site: Path, report_path: str, query: str, timeout_s: float) -> dict:
    with serve(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            return {"report_page": report_page(browser, f"{base}/{report_path}"),
                    "first_search": first_search(browser, base + "/", query, timeout_s * 1000)}
        finally:
            browser.close()
