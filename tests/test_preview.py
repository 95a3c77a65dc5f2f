"""site-builder serve, robust: a busy port, SIGTERM, and a record's errors shown in the browser (site/preview.py).
The quick update itself, on a built site, is tested in test_render.py."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from site_harness import copy_seed_repo

from site_builder.commands.cli import main
from site_builder.errors import SiteBuilderError, SourcePos
from site_builder.site.preview import BANNER_START, ChineseLogFormatter, ErrorBanners, banner_html, with_banner, without_banner

PAGE = '<!doctype html><html><head><title>报告</title></head><body dir="ltr" class="md">\n<main>内容</main></body></html>'


def error_at(message: str, example: str | None = None) -> SiteBuilderError:
    return SiteBuilderError(SourcePos("stations/panyu/x/2024-2025-中期.yaml", 63, 9), message, example)


def test_the_banner_lists_each_error_with_its_place_and_example_right_after_body():
    shown = with_banner(PAGE, banner_html([error_at("scores.服务监测：评分 12 超出范围：应在 0 到满分 10 之间。", "服务监测: 10")]))
    body = shown.index('<body dir="ltr" class="md">') + len('<body dir="ltr" class="md">')
    assert shown[body:].startswith(BANNER_START) and 'role="alert"' in shown
    assert "stations/panyu/x/2024-2025-中期.yaml:63:9" in shown and "超出范围" in shown and "示例" in shown
    assert without_banner(shown) == PAGE


def test_the_banner_escapes_what_the_record_says():
    shown = banner_html([error_at("未知字段“<script>alert(1)</script>”", '<img src=x onerror="alert(1)">')])
    assert "<script" not in shown and "<img" not in shown


def test_a_second_error_replaces_the_banner_and_clear_removes_it(tmp_path):
    page = tmp_path / "index.html"
    page.write_text(PAGE, encoding="utf-8")
    banners = ErrorBanners()
    banners.show([page], [error_at("第一处")])
    banners.show([page], [error_at("第二处")])
    shown = page.read_text(encoding="utf-8")
    assert shown.count(BANNER_START) == 1 and "第二处" in shown and "第一处" not in shown
    banners.clear()
    assert page.read_text(encoding="utf-8") == PAGE


def test_serve_on_a_busy_port_says_so_in_chinese_with_another_port_to_try(tmp_path, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["--root", str(tmp_path), "serve", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"错误：无法在 127.0.0.1:{port} 上启动预览：端口 {port} 已被占用")
    assert f"示例：site-builder serve --port {port + 1}" in err and "Traceback" not in err


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_sigterm_ends_serve_and_removes_its_temporary_folders(tmp_path):
    repo = copy_seed_repo(tmp_path / "repo", site=True)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {**os.environ, "TMPDIR": str(temporary), "NO_MKDOCS_2_WARNING": "1", "SITE_BUILDER_NO_CACHE": "1"}
    command = [sys.executable, "-m", "site_builder", "serve", "--port", str(free_port())]
    server = subprocess.Popen(command, cwd=repo, env=env, stderr=subprocess.PIPE, text=True)
    try:
        log = wait_for_line(server, "预览地址")
        assert [p.name for p in temporary.iterdir() if p.name.startswith("site-builder-serve-")], log
        server.send_signal(signal.SIGTERM)
        _, rest = server.communicate(timeout=60)
    finally:
        server.kill()
    assert server.returncode == 0 and "Traceback" not in log + rest
    assert not [p.name for p in temporary.iterdir() if p.name.startswith("site-builder-serve-")]


def wait_for_line(process: subprocess.Popen, wanted: str, timeout: float = 300) -> str:
    """Standard error up to the line containing wanted (the first build takes a while)."""
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line and process.poll() is not None:
            break
        seen.append(line)
        if wanted in line:
            return "".join(seen)
    raise AssertionError("".join(seen))


@pytest.mark.parametrize(
    ("level", "mkdocs_line", "shown"),
    [
        (logging.INFO, "Building documentation to directory: /tmp/x", "信息：生成网站到 /tmp/x"),
        (logging.INFO, "Documentation built in 0.81 seconds", "信息：网站生成用时 0.81 秒"),
        (logging.INFO, "[07:05:38] Serving on http://127.0.0.1:8123/", "信息：[07:05:38] 预览服务已启动：http://127.0.0.1:8123/"),
        (logging.INFO, "[07:06:21] Detected file changes", "信息：[07:06:21] 发现文件有改动"),
        (logging.WARNING, "Something MkDocs says that is not in the table", "警告：Something MkDocs says that is not in the table"),
    ],
)
def test_the_preview_log_is_in_chinese(level, mkdocs_line, shown):
    record = logging.LogRecord("mkdocs.livereload", level, __file__, 1, mkdocs_line, None, None)
    assert ChineseLogFormatter().format(record) == shown
