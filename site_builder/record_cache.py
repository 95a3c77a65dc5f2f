"""Checked records kept between runs: a record whose bytes, path and checking code are unchanged is not read again.

Only records that came out of the YAML, schema, path and privacy checks without an error or a warning are kept,
so a record with a problem is always checked afresh and reported with the same message. The rules pass and the
evaluation are cheap and depend on the rule files; they always run.

The cache lives in <root>/.cache/site-builder/<fingerprint>/, one JSON file per record, written atomically.
JSON, not pickle: CI may restore a cache directory saved by another branch, and loading it must not run code.
Anything unreadable is ignored and rebuilt. SITE_BUILDER_NO_CACHE=1 turns the cache off.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from decimal import Decimal
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

CACHE_DIR = Path(".cache") / "site-builder"
PACKAGE = Path(__file__).parent
# What decides whether a record comes out clean, and what its content is.
CHECKING_CODE = ("yaml_source.py", "records.py", "privacy.py", "schema.py", "errors.py", "project.py",
                 "record_cache.py", "record_schema.yaml")
LIBRARIES = ("site-builder", "ruamel.yaml", "ruamel.yaml.clib", "jsonschema")


def cache_enabled() -> bool:
    return os.environ.get("SITE_BUILDER_NO_CACHE", "") in ("", "0")


@cache
def fingerprint() -> str:
    """Changes whenever the code or libraries that check a record change, which empties the cache."""
    digest = hashlib.sha256()
    for name in CHECKING_CODE:
        digest.update(name.encode() + b"\0" + (PACKAGE / name).read_bytes() + b"\0")
    for library in LIBRARIES:
        try:
            digest.update(f"{library}=={version(library)}\0".encode())
        except PackageNotFoundError:
            digest.update(f"{library} missing\0".encode())
    return digest.hexdigest()[:16]


class RecordCache:
    """Clean records' content, keyed by the record's path and the sha256 of its bytes."""

    def __init__(self, root: Path):
        self.base = root / CACHE_DIR
        self.directory = self.base / fingerprint()
        self.stale_cleared = False

    def key(self, path: str, data: bytes) -> str:
        return hashlib.sha256(path.encode() + b"\0" + hashlib.sha256(data).digest()).hexdigest()

    def get(self, path: str, data: bytes) -> dict | None:
        """The content stored for these bytes at this path, or None: missing and unreadable look the same."""
        try:
            stored = json.loads((self.directory / self.entry(path, data)).read_text(encoding="utf-8"),
                                parse_float=Decimal)
        except (OSError, ValueError, RecursionError):
            return None
        if not isinstance(stored, dict) or stored.get("path") != path or not isinstance(stored.get("content"), dict):
            return None
        return stored["content"]

    def put(self, path: str, data: bytes, content: dict) -> None:
        """Keep a clean record's content; a cache that cannot be written is simply not there next time."""
        try:
            text = json.dumps({"path": path, "content": content}, ensure_ascii=False, allow_nan=False,
                              default=as_float)
        except (ValueError, TypeError, RecursionError):
            return
        try:
            self.clear_stale()
            write_atomically(self.directory / self.entry(path, data), text)
        except (OSError, ValueError):  # ValueError: text that UTF-8 cannot encode, such as a lone surrogate
            pass

    def entry(self, path: str, data: bytes) -> str:
        key = self.key(path, data)
        return f"{key[:2]}/{key}.json"

    def clear_stale(self) -> None:
        """Entries made by other versions of the checking code can never be read again."""
        if self.stale_cleared:
            return
        self.stale_cleared = True
        if self.base.is_dir():
            for other in self.base.iterdir():
                if other.name != self.directory.name and other.is_dir():
                    shutil.rmtree(other, ignore_errors=True)


def as_float(value):
    """A record's decimals are the shortest text of a float (yaml_source.to_plain), so the float written as JSON
    reads back with parse_float=Decimal as the very same Decimal; anything else is not cached."""
    if isinstance(value, Decimal) and value.is_finite() and Decimal(repr(float(value))) == value \
            and str(Decimal(repr(float(value)))) == str(value):
        return float(value)
    raise TypeError(f"not cached: {type(value).__name__}")


def write_atomically(target: Path, text: str) -> None:
    """Readers see the old entry or the new one, never half of one, even with builds running side by side."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
