"""`site-builder serve`: preview the site while editing records; a saved record's page is back in about a second.

`mkdocs serve` rebuilds the whole site after every save, which at a thousand records takes longer than anyone
wants to wait to see one page. Here, when only existing station records changed, the repository is read again
(unchanged records come from the record cache), just those records' report and station pages are rendered
again, and the browser reloads. A full build then follows in the background, so listings, rankings and the
search index catch up. Any other change (rules, docs, mkdocs.yml, a record added or removed) gets a full build
straight away. A record with errors is reported in Chinese, as by `site-builder check`, in the terminal and in a banner
on its pages (on every page when a full build fails), which stay as they were until a build succeeds again.
"""

from __future__ import annotations

import errno
import logging
import re
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort, ConfigurationError, PluginError
from mkdocs.livereload import LiveReloadServer
from watchdog.events import FileSystemEventHandler
from watchdog.observers import Observer

from ..errors import Problems, SiteBuilderError
from ..records.project import Project, load_project
from ..records.source_files import RULES_DIR, STATIONS_DIR
from .assembly import BulkPages
from .pages import urls
from .pages.text import escaped
from .plugin import SiteBuilderPlugin, plugin_of

log = logging.getLogger("mkdocs.plugins.site_builder.preview")


def add_command(commands) -> None:
    command = commands.add_parser("serve", help="本地预览网站；保存一份记录后约一秒即可看到更新后的报告页")
    command.add_argument("--config", default="mkdocs.yml", metavar="文件", help="MkDocs 配置文件，默认 mkdocs.yml")
    command.add_argument("--host", default="127.0.0.1", metavar="地址", help="监听的地址，默认 127.0.0.1（只有本机能访问）")
    command.add_argument("--port", type=int, default=8000, metavar="端口", help="监听的端口，默认 8000；被占用时换一个，如 8001")
    command.set_defaults(command=run_serve)


def run_serve(args) -> int:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(ChineseLogFormatter())
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    check_port_free(args.host, args.port)  # before the first build, which takes a while
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    preview = Preview(Path(args.root).resolve(), Path(args.root).resolve() / args.config)
    try:
        preview.serve(args.host, args.port)
    except KeyboardInterrupt:  # Ctrl+C or SIGTERM before the server started
        log.info("预览已结束")
    finally:
        preview.close()
    return 0


# MkDocs' own lines during a preview, in Chinese: the log is read by station and policy staff, not only developers.
# Patterns, not a gettext catalogue (MkDocs ships none); a line not listed here is shown as MkDocs wrote it.
MKDOCS_LINES = [
    (re.compile(r"Cleaning site directory"), "清空预览目录"),
    (re.compile(r"Building documentation to directory: (.*)"), r"生成网站到 \1"),
    (re.compile(r"Documentation built in ([\d.]+) seconds"), r"网站生成用时 \1 秒"),
    (re.compile(r"(\[[\d:]+\] )?Watching paths for changes: (.*)"), r"\1监视这些位置的改动：\2"),
    (re.compile(r"(\[[\d:]+\] )?Serving on (.*)"), r"\1预览服务已启动：\2"),
    (re.compile(r"(\[[\d:]+\] )?Detected file changes"), r"\1发现文件有改动"),
    (re.compile(r"(\[[\d:]+\] )?Reloading browsers"), r"\1刷新浏览器中的页面"),
    (re.compile(r"(\[[\d:]+\] )?Shutting down\.*"), r"\1正在结束预览"),
]
LEVELS = {"DEBUG": "调试", "INFO": "信息", "WARNING": "警告", "ERROR": "错误", "CRITICAL": "严重错误"}


class ChineseLogFormatter(logging.Formatter):
    """“信息：生成网站到 …” rather than “INFO: Building documentation to directory: …”."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        for pattern, chinese in MKDOCS_LINES:
            if pattern.fullmatch(message):
                message = pattern.sub(chinese, message)
                break
        return f"{LEVELS.get(record.levelname, record.levelname)}：{message}"


def stop_on_sigterm(signum, frame) -> None:
    """`kill`, a service manager or a CI job's timeout ends the preview as Ctrl+C does: its temporary folders go too."""
    raise KeyboardInterrupt


def check_port_free(host: str, port: int) -> None:
    """Bind the address as the server will (reusing it, as http.server does), to say in Chinese why it cannot serve."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as error:
        raise address_error(host, port, error) from None


def address_error(host: str, port: int, error: OSError) -> SiteBuilderError:
    if error.errno == errno.EADDRINUSE:
        return SiteBuilderError(
            None,
            f"无法在 {host}:{port} 上启动预览：端口 {port} 已被占用（可能另一个 site-builder serve 或 mkdocs serve 还在运行）。"
            "请结束它，或换一个端口。",
            f"site-builder serve --port {port + 1}",
        )
    if error.errno == errno.EACCES:
        message = f"无法在 {host}:{port} 上启动预览：没有使用端口 {port} 的权限（1024 以下的端口需要管理员权限）。"
        return SiteBuilderError(None, message, "site-builder serve --port 8000")
    message = f"无法在 {host}:{port} 上启动预览：{error.strerror or error}。请检查 --host 与 --port。"
    return SiteBuilderError(None, message, "site-builder serve --host 127.0.0.1 --port 8000")


class PreviewServer(LiveReloadServer):
    """MkDocs' server, bound once: Preview binds it before serve() does, to report a taken address in Chinese."""

    bound = False

    def server_bind(self) -> None:
        if not self.bound:
            super().server_bind()
            self.bound = True


class ChangedFiles(FileSystemEventHandler):
    """Which files changed since the last build (MkDocs' server only says that something did)."""

    def __init__(self):
        self.lock, self.paths = threading.Lock(), set()

    # Reading a file is an event too (opened, closed without writing): a build would otherwise "change" every file.
    WRITES = {"modified", "created", "deleted", "moved", "closed"}

    def on_any_event(self, event) -> None:
        if event.is_directory or event.event_type not in self.WRITES:
            return
        with self.lock:
            self.paths.update(Path(p) for p in (event.src_path, getattr(event, "dest_path", "")) if p)

    def take(self) -> set[Path]:
        with self.lock:
            paths, self.paths = self.paths, set()
        return paths


class Preview:
    def __init__(self, root: Path, config_file: Path):
        self.root, self.config_file = root, config_file
        self.site_dir = Path(tempfile.mkdtemp(prefix="site-builder-serve-"))
        self.follow_up = Path(tempfile.mkdtemp(prefix="site-builder-serve-next-"))  # touched to ask for a full build
        self.changed = ChangedFiles()
        self.plugin: SiteBuilderPlugin | None = None  # the last good build's, which quick updates carry on from
        self.banners = ErrorBanners()

    def serve(self, host: str, port: int) -> None:
        self.full_build()
        server = PreviewServer(builder=self.rebuild, host=host, port=port, root=str(self.site_dir))
        observer = Observer()
        for folder in (self.root / STATIONS_DIR, self.root / RULES_DIR):
            observer.schedule(self.changed, str(folder), recursive=True)
        observer.start()
        for watched in (self.root / STATIONS_DIR, self.root / RULES_DIR, self.root / "docs", self.config_file, self.follow_up):
            server.watch(str(watched))
        try:
            server.server_bind()  # here rather than in server.serve(), to say in Chinese why the address is taken
        except OSError as error:
            observer.stop()
            raise address_error(host, port, error) from None
        log.info(f"预览地址：{server.url}（Ctrl+C 结束）")
        try:
            server.serve()
        except KeyboardInterrupt:
            log.info("预览已结束")
        finally:
            server.shutdown()
            observer.stop()

    def rebuild(self) -> None:
        changed = self.changed.take()
        started = time.perf_counter()
        if self.quick_update(changed):
            if not self.banners.pages:  # else the records have errors, which their pages now show
                log.info(f"已更新 {len(changed)} 份记录的页面，用时 {time.perf_counter() - started:.2f} 秒；稍后完整重建列表与搜索")
                (self.follow_up / "next").touch()
            return
        if self.full_build():
            log.info(f"完整重建用时 {time.perf_counter() - started:.2f} 秒")

    def full_build(self) -> bool:
        """Build the whole site; on failure every page already served shows why, and False."""
        try:
            config = load_config(str(self.config_file), site_dir=str(self.site_dir))
            config.plugins.on_startup(command="serve", dirty=False)
            build(config)
            self.plugin = plugin_of(config)
        except (PluginError, ConfigurationError, Abort) as error:
            log.error(f"网站未能重建，预览保持上一次的内容：\n{error}")
            self.banners.show(self.site_dir.rglob("*.html"), self.build_errors(error))
            return False
        self.banners.clear()
        return True

    def build_errors(self, error: Exception) -> list[SiteBuilderError]:
        """The errors of a failed build, as objects when they are the project's (the banner shows each one)."""
        project = best_effort_project(self.root)
        return project.errors if project is not None and project.errors else [SiteBuilderError(None, str(error))]

    def quick_update(self, changed: set[Path]) -> bool:
        """Re-render the pages of changed records only; False when the change needs a full build. When the records
        have errors, the changed records' pages show them in a banner instead (True: no build would help)."""
        plugin, changed = self.plugin, {p for p in changed if not self.is_scratch_file(p)}
        if plugin is None or plugin.project is None or plugin.bulk is None or plugin.renderer is None:
            return False  # no good build yet
        built = plugin.project
        if not changed or not all(self.is_known_record(p, built) for p in changed):
            return False
        project = load_project(self.root)
        if project.errors:
            log.error("记录有错误，页面未更新：\n\n" + Problems(project.errors).format())
            self.banners.show(self.pages_of(changed, built), project.errors)
            return True
        self.banners.clear()
        pages = BulkPages(project, plugin.provenance, plugin.publisher)
        if pages.sources != plugin.bulk.sources:
            return False
        paths = {p.relative_to(self.root).as_posix() for p in changed}
        wanted = [urls.report(r) for r in project.records if r.path in paths]
        wanted += [urls.station(r.station_id) for r in project.records if r.path in paths]
        plugin.render_again(project, pages, [pages.sources.index(src) for src in dict.fromkeys(wanted)])
        return True

    def pages_of(self, changed: set[Path], built: Project) -> list[Path]:
        """The HTML files of the changed records' report and station pages, as the last good build wrote them."""
        paths = {p.resolve().relative_to(self.root).as_posix() for p in changed}
        records = [r for r in built.records if r.path in paths]
        sources = [urls.report(r) for r in records] + [urls.station(r.station_id) for r in records]
        return [self.site_dir / source.removesuffix(".md") / "index.html" for source in sources]

    def is_scratch_file(self, path: Path) -> bool:
        """Editors and `sed -i` save through temporary files beside the record; those are not records."""
        return path.suffix != ".yaml" and (self.root / STATIONS_DIR) in path.parents

    def is_known_record(self, path: Path, built: Project) -> bool:
        try:
            relative = path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return False
        known = {record.path for record in built.records}
        return relative in known and path.is_file()

    def close(self) -> None:
        shutil.rmtree(self.site_dir, ignore_errors=True)
        shutil.rmtree(self.follow_up, ignore_errors=True)


def best_effort_project(root: Path):
    try:
        return load_project(root)
    except Exception:  # noqa: BLE001 -- only to list the errors better; the build's own message is the fallback
        return None


# --- the errors, in the browser -----------------------------------------------------------------------------
# Saving a record with a mistake used to leave the browser on the old page, which looked as if the change were in;
# the errors were only in the terminal. Now the pages in question carry a banner with each error and its place,
# until a build succeeds again. The banner is added to the served HTML only: no build output changes.

BANNER_START, BANNER_END = "<!-- site-builder serve: errors -->", "<!-- /site-builder serve: errors -->"
BANNER_STYLE = (
    "position:sticky;top:0;z-index:1000;margin:0;padding:.8em 1.2em;background:#fdecea;color:#5f2120;"
    "border-bottom:3px solid #d32f2f;font-size:.75rem;line-height:1.5"
)
MAX_IN_BANNER = 20
BODY_START = re.compile(r"<body\b[^>]*>", re.IGNORECASE)


def banner_html(errors: list[SiteBuilderError]) -> str:
    """The errors as the terminal shows them, less the caret lines; every text through pages.text.escaped."""
    items = "".join(f"<li>{banner_item(error)}</li>" for error in errors[:MAX_IN_BANNER])
    more = f"<p>{escaped(f'另有 {len(errors) - MAX_IN_BANNER} 处，见终端。')}</p>" if len(errors) > MAX_IN_BANNER else ""
    title = escaped("记录或规则有错误：本页仍是上一次成功生成的内容。改正后保存，页面会自动更新。")
    return f'{BANNER_START}<div role="alert" style="{BANNER_STYLE}"><p><strong>{title}</strong></p><ul>{items}</ul>{more}</div>{BANNER_END}'


def banner_item(error: SiteBuilderError) -> str:
    where = f"{error.pos}: " if error.pos else ""
    text = f"<code>{escaped(where)}</code>{escaped(f'{error.severity}：{error.message}')}" if where else escaped(f"{error.severity}：{error.message}")
    return text + (f"<br>{escaped('示例：' + error.example)}" if error.example else "")


def without_banner(html: str) -> str:
    start = html.find(BANNER_START)
    end = html.find(BANNER_END, start)
    return html if start < 0 or end < 0 else html[:start] + html[end + len(BANNER_END) :]


def with_banner(html: str, banner: str) -> str:
    html = without_banner(html)
    body = BODY_START.search(html)
    return html[: body.end()] + banner + html[body.end() :] if body else banner + html


class ErrorBanners:
    """Which served pages carry the error banner, so that the next good build takes it off every one of them
    (a page the page cache does not rewrite would otherwise keep it)."""

    def __init__(self):
        self.pages: set[Path] = set()

    def show(self, pages, errors: list[SiteBuilderError]) -> None:
        banner = banner_html(errors)
        for page in pages:
            if page.is_file():
                page.write_text(with_banner(page.read_text(encoding="utf-8"), banner), encoding="utf-8")
                self.pages.add(page)

    def clear(self) -> None:
        for page in self.pages:
            if page.is_file():
                html = page.read_text(encoding="utf-8")
                if BANNER_START in html:
                    page.write_text(without_banner(html), encoding="utf-8")
        self.pages = set()
