"""Rendered pages kept between builds, so a page whose inputs have not changed is not rendered again.

A page's key is a hash of everything its HTML depends on: its source path, its Markdown, and the
site's fingerprint (code, theme and configuration; see render.py). Entries are compressed HTML files
under .cache/site-builder-pages/, written atomically; one that cannot be read is simply rendered again.
The cache holds our own output only, never anything that is executed.
"""

from __future__ import annotations

import hashlib
import os
import zlib
from pathlib import Path

CACHE_DIR = Path(".cache") / "site-builder-pages"  # beside the record cache, which clears its own folder
DISABLE_ENV = "SITE_BUILDER_NO_CACHE"


def page_key(fingerprint: str, src_uri: str, markdown: str) -> str:
    digest = hashlib.sha256(fingerprint.encode())
    digest.update(b"\0" + src_uri.encode() + b"\0" + markdown.encode())
    return digest.hexdigest()


class PageCache:
    def __init__(self, root: Path, enabled: bool = True):
        self.folder = root / CACHE_DIR
        self.enabled = enabled and os.environ.get(DISABLE_ENV, "") in ("", "0")  # as the record cache reads it

    def path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key[2:]}.html.z"

    def get(self, key: str) -> str | None:
        if not self.enabled:
            return None
        try:
            return zlib.decompress(self.path(key).read_bytes()).decode("utf-8")
        except (OSError, zlib.error, UnicodeDecodeError):
            return None

    def put(self, key: str, html: str) -> None:
        if not self.enabled:
            return
        target = self.path(key)
        temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(zlib.compress(html.encode("utf-8"), 1))
            os.replace(temporary, target)
        except OSError:
            temporary.unlink(missing_ok=True)  # a full disk or a read-only checkout costs speed, not the build

    def keep_only(self, keys: set[str]) -> None:
        """Drop the entries this build did not use, so the cache does not grow with every change."""
        if not (self.enabled and self.folder.is_dir()):
            return
        for entry in self.folder.glob("*/*.html.z"):
            if entry.parent.name + entry.name.removesuffix(".html.z") not in keys:
                entry.unlink(missing_ok=True)
