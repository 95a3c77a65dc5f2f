"""Files written beside each report page on request (build --pdf, build --docx), and their links on the page.

report.py puts each download's marker where its link goes; the plugin fills it with the link when that file is
produced for this build, or drops it, so a page never links to a file that is not there.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass

SWITCHED_ON = ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Download:
    label: str  # 下载 PDF, 下载 Word
    suffix: str
    css_class: str
    media_type: str
    env: str  # the environment variable that switches it on besides the plugin option

    @property
    def marker(self) -> str:
        return f"<!-- site-builder: {self.label} -->"

    def wanted(self, option: bool) -> bool:
        """Produced when the plugin option says so or the environment asks for it."""
        return option or os.environ.get(self.env, "").strip().lower() in SWITCHED_ON

    def path(self, report_src: str) -> str:
        """reports/panyu/shiqiao-dongxi/2024-2025-中期.md → the same path with this download's suffix (beside the page's folder)."""
        return posixpath.splitext(report_src)[0] + self.suffix

    def link(self, report_src: str) -> str:
        """The link for a report page's links line (raw HTML: MkDocs checks only links to pages)."""
        name = posixpath.basename(self.path(report_src))
        return f' · <a class="{self.css_class}" href="../{name}" type="{self.media_type}">下载 {self.label}</a>'

    def fill_marker(self, markdown: str, report_src: str, produced: bool) -> str:
        return markdown.replace(self.marker, self.link(report_src) if produced else "")


PDF = Download("PDF", ".pdf", "pdf-download", "application/pdf", "SITE_BUILDER_PDF")
WORD = Download("Word", ".docx", "docx-download", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "SITE_BUILDER_DOCX")
