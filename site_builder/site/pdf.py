"""A PDF of every report page, for printing and stamping: the built page with its own print stylesheet, by WeasyPrint.

Off by default (about 1 CPU-second a report; the site stays quick to build); on with the plugin option
`pdf: true`, SITE_BUILDER_PDF=1, or `site-builder build --pdf`. Each report's PDF is written beside its page
(reports/<区>/<站点>/<年度>-<阶段>.pdf) and the page links to it only when PDFs are produced.

Why WeasyPrint and not Chromium's print-to-PDF (measured on the 市桥 report, docs/print.md):
the Chinese fonts are embedded as real CID font subsets (Chromium's Skia writes Noto CJK as Type 3 glyph
procedures), the bytes are the same on every build (Chromium stamps the time), the PDFs are tagged (PDF/UA-1),
and no browser is needed to publish the site. Chromium needs about a fifth less CPU per report (0.75 s against
0.94 s); both render the same print stylesheet, so Ctrl+P in a browser and the PDF look alike.
"""

from __future__ import annotations

import logging
import os
import posixpath
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

from ..errors import SiteBuilderError
from ..records.jobs import LOST, WorkerLost, WorkerPool
from .pages.downloads import PDF
from .pausing import pause_point

JOBS_ENV = "SITE_BUILDER_PDF_JOBS"
REPORTS_PER_WORKER = 100
REPORTS_PER_TASK = 5
PDF_VARIANT = "pdf/ua-1"  # tagged, with the document's language and title: readable by screen readers too

_STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)"\s*/?>')
_RELATIVE_LINK = re.compile(r'(<a\b[^>]*?)\shref="(?![a-z][a-z0-9+.-]*:|#|/)([^"]*)"', re.I)


@dataclass(frozen=True)
class Timing:
    reports: int
    seconds: float
    jobs: int

    def summary(self) -> str:
        each = self.seconds / self.reports if self.reports else 0.0
        return f"已生成 {self.reports} 份报告的 PDF，用时 {self.seconds:.1f} 秒（{self.jobs} 个进程，平均每份 {each:.2f} 秒）"


def default_jobs() -> int:
    if os.environ.get(JOBS_ENV, "").isdigit() and int(os.environ[JOBS_ENV]) > 0:
        return int(os.environ[JOBS_ENV])
    return max(1, min(os.cpu_count() or 1, 4))


def render_reports(site_dir: Path, report_srcs: list[str], jobs: int | None = None, site_url: str | None = None) -> Timing:
    """Render each report page of a built site (reports/<key>/index.html) to reports/<key>.pdf.

    Links between pages become links to the published site when its address (site_url) is known, and plain
    text otherwise: a PDF is read away from the site, and the build folder's path must not end up in it.
    """
    check_renderer()
    jobs = jobs or default_jobs()
    base = site_url.rstrip("/") + "/" if site_url else None
    tasks = [
        (str(site_dir / posixpath.splitext(src)[0] / "index.html"), str(site_dir / PDF.path(src)), base and base + posixpath.splitext(src)[0] + "/")
        for src in report_srcs
    ]
    started = time.perf_counter()
    try:
        _render_all(tasks, jobs)
    except RenderError as error:
        raise SiteBuilderError(None, f"生成 PDF 失败：{error}") from None
    except WorkerLost:
        raise SiteBuilderError(None, f"生成 PDF 的{LOST}，网站未生成。可用 SITE_BUILDER_PDF_JOBS=1 在单个进程中生成。") from None
    return Timing(len(tasks), time.perf_counter() - started, jobs)


class RenderError(Exception):
    """A page that WeasyPrint could not render, named by its file."""


def _render_all(tasks: list[tuple[str, str, str | None]], jobs: int) -> None:
    if len(tasks) < 2:
        for task in tasks:
            _render(task)
        return
    # Workers come from a fork server that has loaded only this module and WeasyPrint, not from the build
    # process: forked from the build, each worker soon copied the build's whole heap (300–600 MB private
    # for 1,000 reports). WeasyPrint's caches grow by about 1 MB a report, so a pool renders about
    # REPORTS_PER_WORKER reports a worker and the next batch gets fresh workers (the executor's own
    # max_tasks_per_child deadlocks on Python 3.11, cpython issue 115634).
    batch = jobs * REPORTS_PER_WORKER
    for start in range(0, len(tasks), batch):
        chunks = [tasks[i : i + REPORTS_PER_TASK] for i in range(start, min(start + batch, len(tasks)), REPORTS_PER_TASK)]
        with WorkerPool(jobs, start="forkserver", preload=(__name__, "weasyprint")) as pool:
            pool.results([pool.submit(_render_chunk, chunk) for chunk in chunks])


def check_renderer() -> None:
    """Fail before rendering anything if WeasyPrint, Pango or a Chinese font is missing: no PDFs of empty boxes."""
    try:
        import weasyprint  # noqa: F401  (imports Pango through cffi)
    except (ImportError, OSError) as error:
        raise SiteBuilderError(
            None,
            "生成 PDF 需要 WeasyPrint 与 Pango，没有生成任何 PDF。\n"
            "WeasyPrint 是可选的依赖，make site 不安装它；请安装：.venv/bin/pip install --require-hashes -r requirements/pdf.lock，"
            "Debian/Ubuntu 上再安装：apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk\n"
            f"（{error}）",
        ) from None
    if shutil.which("fc-list"):
        fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
        if not fonts.strip():
            raise SiteBuilderError(
                None, "生成 PDF 需要中文字体，本机没有（fc-list :lang=zh 为空），没有生成任何 PDF。\nDebian/Ubuntu：apt-get install fonts-noto-cjk"
            )


# --- inside a worker process -------------------------------------------------------------------------------

_stylesheets: dict[str, object] = {}
_fonts = None


def absolute_links(html: str, page_url: str | None) -> str:
    """Relative links → the published page they point to, or no link at all when the site's address is unknown."""
    if page_url:
        return _RELATIVE_LINK.sub(lambda m: f'{m.group(1)} href="{urljoin(page_url, m.group(2))}"', html)
    return _RELATIVE_LINK.sub(lambda m: f'{m.group(1)} data-pdf-href="{m.group(2)}"', html)  # kept for print.css


def _render_chunk(tasks: list[tuple[str, str, str | None]]) -> None:
    for task in tasks:
        _render(task)


def _render(task: tuple[str, str, str | None]) -> None:
    """One page to one PDF. The site's stylesheets are parsed once per process, not once per report."""
    pause_point("pdf")  # a test stops a worker here to kill it (pausing.py)
    try:
        _write_pdf(Path(task[0]), Path(task[1]), task[2])
    except Exception as error:  # reported in Chinese by render_reports, with the page it happened on
        raise RenderError(f"{task[0]}：{type(error).__name__}: {error}") from None


def _write_pdf(html_file: Path, pdf_file: Path, page_url: str | None) -> None:
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    global _fonts
    if _fonts is None:
        _fonts = FontConfiguration()
        # Material's stylesheet is written for browsers: WeasyPrint names every property it skips. Not our errors.
        logging.getLogger("weasyprint").setLevel(logging.ERROR)
    html = absolute_links(html_file.read_text(encoding="utf-8"), page_url)
    sheets = []
    for href in _STYLESHEET.findall(html):
        css_file = str((html_file.parent / href).resolve())
        if css_file not in _stylesheets:
            _stylesheets[css_file] = weasyprint.CSS(filename=css_file, font_config=_fonts)
        sheets.append(_stylesheets[css_file])
    document = weasyprint.HTML(string=_STYLESHEET.sub("", html), base_url=str(html_file))
    pdf_file.write_bytes(document.write_pdf(stylesheets=sheets, font_config=_fonts, pdf_variant=PDF_VARIANT))
