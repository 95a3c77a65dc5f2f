"""Run by `make test` before pytest: the system programs and fonts the browser and PDF tests need, or the one command
that installs them. Without this, a machine lacking Debian's Chromium met a Playwright traceback forty tests in.

The same packages as .ci/run installs; exit status 1 when anything is missing.
"""

from __future__ import annotations

import ctypes.util
import shutil
import subprocess
import sys
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"  # site_harness.CHROMIUM: the browser tests drive Debian's build, never a download
INSTALL = "sudo apt-get install -y chromium fonts-noto-cjk poppler-utils libpango-1.0-0 libpangoft2-1.0-0"


def has_cjk_font() -> bool:
    if shutil.which("fc-list") is None:
        return False
    listing = subprocess.run(["fc-list"], capture_output=True, text=True, check=False).stdout
    return "noto sans cjk" in listing.lower()


def missing() -> list[str]:
    """What the tests need and this machine lacks, each with what it is for."""
    checks = [
        (Path(CHROMIUM).exists(), f"Chromium（{CHROMIUM}，浏览器测试）"),
        (all(shutil.which(tool) for tool in ("pdftoppm", "pdftotext", "pdfinfo")), "poppler-utils（pdftoppm 等，PDF 测试）"),
        (has_cjk_font(), "中文字体 Noto Sans CJK（截图与 PDF 中的中文）"),
        (all(ctypes.util.find_library(lib) for lib in ("pango-1.0", "pangoft2-1.0")), "Pango（WeasyPrint 生成 PDF）"),
    ]
    return [what for present, what in checks if not present]


def main() -> int:
    lacking = missing()
    if not lacking:
        return 0
    print("make test 需要以下系统软件，这台机器上没有：", file=sys.stderr)
    for what in lacking:
        print(f"  - {what}", file=sys.stderr)
    print(f"请先安装（Debian/Ubuntu）：\n  {INSTALL}\n然后再运行 make test。", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
