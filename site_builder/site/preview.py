"""`site-builder serve`: preview the site while editing records; a saved record's page is back in about a second.

`mkdocs serve` rebuilds the whole site after every save, which at a thousand records takes longer than anyone
wants to wait to see one page. Here, when only existing station records changed, the repository is read again
(unchanged records come from the record cache), just those records' report and station pages are rendered
again, and the browser reloads. A full build then follows in the background, so listings, rankings and the
search index catch up. Any other change (rules, docs, mkdocs.yml, a record added or removed) gets a full build
straight away. A record with errors is reported in Chinese, as by `site-builder check`, and the page stays as it was.
"""

from __future__ import annotations

import logging
import shutil
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

from ..errors import Problems
from ..records.project import load_project
from ..records.source_files import RULES_DIR, STATIONS_DIR
from .assembly import BulkPages
from .pages import urls

log = logging.getLogger("mkdocs.plugins.site_builder.preview")


def add_command(commands) -> None:
    command = commands.add_parser("serve", help="本地预览网站；保存一份记录后约一秒即可看到更新后的报告页")
    command.add_argument("--config", default="mkdocs.yml", metavar="文件", help="MkDocs 配置文件，默认 mkdocs.yml")
    command.add_argument("--host", default="127.0.0.1", metavar="地址", help="监听的地址，默认 127.0.0.1（只有本机能访问）")
    command.add_argument("--port", type=int, default=8000, metavar="端口", help="监听的端口，默认 8000；被占用时换一个，如 8001")
    command.set_defaults(command=run_serve)


def run_serve(args) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s", stream=sys.stderr)
    preview = Preview(Path(args.root).resolve(), Path(args.root).resolve() / args.config)
    try:
        preview.serve(args.host, args.port)
    finally:
        preview.close()
    return 0


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
        self.plugin = None

    def serve(self, host: str, port: int) -> None:
        self.full_build()
        server = LiveReloadServer(builder=self.rebuild, host=host, port=port, root=str(self.site_dir))
        observer = Observer()
        for folder in (self.root / STATIONS_DIR, self.root / RULES_DIR):
            observer.schedule(self.changed, str(folder), recursive=True)
        observer.start()
        for watched in (self.root / STATIONS_DIR, self.root / RULES_DIR, self.root / "docs", self.config_file, self.follow_up):
            server.watch(str(watched))
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
            log.info(f"已更新 {len(changed)} 份记录的页面，用时 {time.perf_counter() - started:.2f} 秒；稍后完整重建列表与搜索")
            (self.follow_up / "next").touch()
            return
        self.full_build()
        log.info(f"完整重建用时 {time.perf_counter() - started:.2f} 秒")

    def full_build(self) -> None:
        try:
            config = load_config(str(self.config_file), site_dir=str(self.site_dir))
            config.plugins.on_startup(command="serve", dirty=False)
            build(config)
            self.plugin = config.plugins["site-builder"]
        except (PluginError, ConfigurationError, Abort) as error:
            log.error(f"网站未能重建，预览保持上一次的内容：\n{error}")

    def quick_update(self, changed: set[Path]) -> bool:
        """Re-render the pages of changed records only; False when the change needs a full build."""
        plugin, changed = self.plugin, {p for p in changed if not self.is_scratch_file(p)}
        if plugin is None or plugin.renderer is None or not changed or not all(self.is_known_record(p) for p in changed):
            return False
        project = load_project(self.root)
        if project.errors:
            log.error("记录有错误，页面未更新：\n\n" + Problems(project.errors).format())
            return True
        pages = BulkPages(project, plugin.provenance)
        if pages.sources != plugin.bulk.sources:
            return False
        paths = {p.relative_to(self.root).as_posix() for p in changed}
        wanted = [urls.report(r) for r in project.records if r.path in paths]
        wanted += [urls.station(r.station_id) for r in project.records if r.path in paths]
        plugin.project, plugin.bulk, plugin.renderer.pages = project, pages, pages
        plugin.renderer.render([pages.sources.index(src) for src in dict.fromkeys(wanted)])
        return True

    def is_scratch_file(self, path: Path) -> bool:
        """Editors and `sed -i` save through temporary files beside the record; those are not records."""
        return path.suffix != ".yaml" and (self.root / STATIONS_DIR) in path.parents

    def is_known_record(self, path: Path) -> bool:
        try:
            relative = path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return False
        known = {record.path for record in self.plugin.project.records}
        return relative in known and path.is_file()

    def close(self) -> None:
        shutil.rmtree(self.site_dir, ignore_errors=True)
        shutil.rmtree(self.follow_up, ignore_errors=True)
