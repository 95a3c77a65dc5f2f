"""`site-builder build`: build the site beside the published one and swap it in only when all of it succeeded.

Readers never see a half-written site: a failed or interrupted build leaves the previous site untouched.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort, ConfigurationError, PluginError

from .errors import SiteBuilderError


def add_command(commands) -> None:
    command = commands.add_parser("build", help="检查并生成网站；全部成功后才替换已发布的网站目录")
    command.add_argument("--config", default="mkdocs.yml", help="MkDocs 配置文件，默认 mkdocs.yml")
    command.add_argument("--site-dir", default="site", help="发布目录，默认 site/")
    command.add_argument("--pdf", action="store_true", help="同时为每份报告生成 PDF（reports/…/<年度>-<阶段>.pdf），报告页上出现“下载 PDF”")
    command.set_defaults(command=run_build)


def run_build(args) -> int:
    root = Path(args.root)
    publish_atomically(root / args.config, root / args.site_dir, pdf=args.pdf)
    print(f"网站已生成：{args.site_dir}/index.html")
    return 0


def publish_atomically(config_file: Path, site_dir: Path, pdf: bool = False) -> None:
    """Build into a fresh folder next to site_dir, then rename it into place."""
    site_dir = site_dir.resolve()
    remove_leftovers(site_dir)
    staging = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}-new-", dir=site_dir.parent))
    try:
        build_into(config_file, staging, pdf)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    swap_in(staging, site_dir)


def build_into(config_file: Path, staging: Path, pdf: bool = False):
    """Build the site into staging; returns the MkDocs configuration the build ran with."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s", stream=sys.stderr)
    try:
        config = load_config(str(config_file), site_dir=str(staging), strict=True)
        if pdf:  # the PDFs are part of the build: a failed one leaves the published site as it was
            config.plugins["site-builder"].config.pdf = True
        config.plugins.on_startup(command="build", dirty=False)
        try:
            build(config)
        finally:
            config.plugins.on_shutdown()
        return config
    except (PluginError, ConfigurationError, Abort) as error:
        raise SiteBuilderError(None, f"网站未生成，已发布的网站保持不变。\n{error}") from None


def remove_leftovers(site_dir: Path) -> None:
    """A build killed mid-way cannot clean up after itself; the next one does."""
    for leftover in site_dir.parent.glob(f".{site_dir.name}-*-*"):
        shutil.rmtree(leftover, ignore_errors=True)


def swap_in(staging: Path, site_dir: Path) -> None:
    """Two renames on one filesystem: the old site is in place until the new one takes its name."""
    retired = site_dir.with_name(f".{site_dir.name}-old-{os.getpid()}")
    if site_dir.exists():
        site_dir.rename(retired)
    staging.rename(site_dir)
    shutil.rmtree(retired, ignore_errors=True)
