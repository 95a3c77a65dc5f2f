"""Checked records kept between runs: a record is not read again while its bytes, its path, the code, the libraries
and the date it was checked on are the same.

Only records that came out of the YAML, schema, path and privacy checks without an error or a warning are kept,
so a record with a problem is always checked afresh and reported with the same message. The rules pass and the
evaluation are cheap and depend on the rule files; they always run. The checks read nothing else: not the rule
files, not mkdocs.yml, no environment variable.

The date is there because the privacy check reads the clock: a resident ID number's birth date may not lie in the
future (plausible_birth_date, privacy_rules.py), so an 18-digit number that is no ID today is one on its birth date, and a
record clean today may not be clean then. The cache therefore starts afresh each day.

The cache lives in <root>/.cache/site-builder/<fingerprint>-<date>/, one JSON file per record, written atomically.
JSON, not pickle: CI may restore a cache directory saved by another branch, and loading it must not run code.
Anything unreadable is ignored and rebuilt. SITE_BUILDER_NO_CACHE=1 turns the cache off.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

from .cache_keys import environment, package_digest
from .record import values_in

CACHE_DIR = Path(".cache") / "site-builder"


def cache_enabled() -> bool:
    return os.environ.get("SITE_BUILDER_NO_CACHE", "") in ("", "0")


def fingerprint() -> str:
    """Changes whenever the code, the libraries or the day change; entries made under another are never read."""
    digest = hashlib.sha256(f"{environment()}\0{package_digest()}".encode())
    return f"{digest.hexdigest()[:16]}-{checking_date().isoformat()}"


def checking_date() -> datetime.date:
    """The day the privacy check judges birth dates against: the same clock it reads (datetime.date.today()).

    Taken before any record is checked: a record checked just after midnight is then kept under the day before,
    which is safe, since a later day only turns more numbers into ID numbers and a record clean later was clean before.
    """
    return datetime.date.today()


class RecordCache:
    """Clean records' content, keyed by the record's path and the sha256 of its bytes."""

    def __init__(self, root: Path):
        self.base = root / CACHE_DIR
        self.directory = self.base / fingerprint()  # once per load: every record of one run is judged on one day
        self.stale_cleared = False

    def key(self, path: str, data: bytes) -> str:
        return hashlib.sha256(path.encode() + b"\0" + hashlib.sha256(data).digest()).hexdigest()

    def get(self, path: str, data: bytes) -> dict | None:
        """The content stored for these bytes at this path, or None: missing and unreadable look the same."""
        try:
            stored = json.loads((self.directory / self.entry(path, data)).read_text(encoding="utf-8"), parse_float=Decimal)
        except (OSError, ValueError, RecursionError):
            return None
        if not isinstance(stored, dict) or stored.get("path") != path or not isinstance(stored.get("content"), dict):
            return None
        return stored["content"]

    def put(self, path: str, data: bytes, content: dict) -> None:
        """Keep a clean record's content; a cache that cannot be written is simply not there next time."""
        text = as_json({"path": path, "content": content})
        if text is None:
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


# A Decimal goes into the JSON as the very digits it holds (2.50 stays 2.50, which a float cannot carry), and comes
# back as the same Decimal through parse_float. json writes no bare number text of its own, so each Decimal is first
# written as a string between two private-use characters that are then taken off with its quotes.
_MARK = "\ue000"
_MARKED_DECIMAL = re.compile(f'"{_MARK}(-?[0-9.E+-]+){_MARK}"')


def as_json(entry: dict) -> str | None:
    """The entry as JSON with exact decimals; None for content that is not kept (a record holding the mark)."""
    if any(isinstance(value, str) and _MARK in value for _, _, value in values_in(entry)):
        return None
    try:
        text = json.dumps(entry, ensure_ascii=False, allow_nan=False, default=marked_decimal)
    except (ValueError, TypeError, RecursionError):
        return None
    return _MARKED_DECIMAL.sub(r"\1", text)


def marked_decimal(value) -> str:
    if isinstance(value, Decimal) and value.is_finite():
        return f"{_MARK}{value}{_MARK}"
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
