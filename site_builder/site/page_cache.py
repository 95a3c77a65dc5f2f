"""Rendered pages kept between builds, so a page whose inputs have not changed is not rendered again.

A page's key is a hash of everything its HTML depends on: its source path, its Markdown, and the site's
fingerprint (site_fingerprint: the effective configuration, the build or serve mode, the navigation, the code
and every installed package). Two more things are kept in the entry, because the key cannot hold them:
- the warnings logged while rendering it, which a hit logs again, so that `--strict` fails on a cached page
  exactly as on a rendered one;
- where each of its links led (the page's own Markdown is in the key, but the files it links to are not):
  a hit counts only if every link still finds the same file at the same URL, or, as before, no file at all.

Entries are compressed files under .cache/site-builder-pages/<fingerprint>/, written atomically; one that cannot
be read is simply rendered again. The cache holds our own output only, never anything that is executed.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import shutil
import sys
import types
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mkdocs.plugins import BasePlugin
from mkdocs.theme import Theme

from ..records.cache_keys import environment, files_digest, installed, package_digest

CACHE_DIR = Path(".cache") / "site-builder-pages"  # beside the record cache, which clears its own folder
DISABLE_ENV = "SITE_BUILDER_NO_CACHE"
ENTRY_SUFFIX = ".json.z"

# Settings that provably do not reach a page's HTML, left out so that they do not empty the cache. Everything
# else in the configuration is in the key, including settings added later.
NOT_IN_PAGES = {
    "config_file_path",  # where mkdocs.yml lies; what it says is the rest of the configuration
    "docs_dir",  # an absolute path; pages link by relative URLs, and the files they link to are checked per entry
    "site_dir",  # a fresh staging folder for every build; nothing in a page names it
    "dev_addr",  # where `mkdocs serve` listens; what that changes in pages (site_url) is in the key
    "watch",  # folders `mkdocs serve` watches
    "remote_branch",
    "remote_name",  # only for `mkdocs gh-deploy`
}


def page_key(fingerprint: str, src_uri: str, markdown: str) -> str:
    digest = hashlib.sha256(fingerprint.encode())
    digest.update(b"\0" + src_uri.encode() + b"\0" + markdown.encode())
    return digest.hexdigest()


def site_fingerprint(config, nav, mode: str) -> str:
    """Everything besides a page's own Markdown and the files it links to that its HTML depends on.

    mode is the command MkDocs started the plugins with (build, serve): plugins may act on it, and serve
    rewrites site_url, which the canonical link of every page shows.
    """
    digest = hashlib.sha256()
    for part in (environment(), package_digest(), mode, stable_text(effective_config(config)), stable_text(nav_outline(nav))):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()


def effective_config(config) -> dict:
    """The configuration the build runs with (after the command line and the plugins' on_config), as plain data."""
    settings = {key: canonical_or_unique(value) for key, value in config.items() if key not in NOT_IN_PAGES}
    settings["markdown_extension_code"] = [local_code(name) for name in config.get("markdown_extensions") or () if isinstance(name, str)]
    return settings


def nav_outline(nav) -> list:
    """Every page shows the navigation: sections, titles (some read from the pages themselves) and URLs."""

    def outline(item) -> list:
        return [type(item).__name__, item.title, getattr(item, "url", None), [outline(child) for child in item.children or ()]]

    return [outline(item) for item in nav.items]


def stable_text(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def canonical_or_unique(value):
    try:
        return canonical(value)
    except RecursionError:  # a value holding itself (a YAML alias inside its own anchor): no entry is ever found again
        return f"unrepresentable {os.urandom(8).hex()}"


def canonical(value):
    """A configuration value as plain data whose text is the same in every process: no memory addresses, no sets
    in hash order, and code named by where it comes from (with its bytes, when no version says what it holds)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, Theme):
        return {"theme": canonical(dict(value)), "templates": [local_templates(Path(folder)) for folder in value.dirs]}
    if isinstance(value, Mapping):
        return {str(key): canonical(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [canonical(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return sorted(stable_text(canonical(item)) for item in value)
    if isinstance(value, BasePlugin):
        return {"plugin": qualified_name(type(value)), "config": canonical(value.config)}
    if isinstance(value, functools.partial):
        return {"partial": canonical(value.func), "args": canonical(value.args), "keywords": canonical(value.keywords)}
    if isinstance(value, types.ModuleType):
        return {"module": value.__name__, "code": module_code(value)}
    if isinstance(value, (type, types.FunctionType, types.BuiltinFunctionType, types.MethodType)):
        return {"code": qualified_name(value), "module": module_code(getattr(value, "__module__", None))}
    text = repr(value)
    if " at 0x" in text and hasattr(value, "__dict__"):
        return {"object": qualified_name(type(value)), "state": canonical(vars(value))}
    return text  # an address left in it only means that no later process finds the entry: a miss, never a lie


def qualified_name(code) -> str:
    return f"{getattr(code, '__module__', '?')}.{getattr(code, '__qualname__', repr(code))}"


def module_code(module) -> str | None:
    """A module's bytes when it lies outside Python, the installed packages and this package (a hook, a local
    Markdown extension): nothing else says what it holds."""
    if isinstance(module, str):
        module = sys.modules.get(module)
    location = getattr(module, "__file__", None)
    if not location or installed(Path(location)):
        return None
    return hashlib.sha256(Path(location).read_bytes()).hexdigest()


def local_code(extension: str) -> str | None:
    """A Markdown extension named in mkdocs.yml, by its module's bytes when it is local (see module_code)."""
    try:
        spec = importlib.util.find_spec(extension.split(":")[0])
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not Path(spec.origin).is_file() or installed(Path(spec.origin)):
        return None
    return hashlib.sha256(Path(spec.origin).read_bytes()).hexdigest()


def local_templates(folder: Path) -> str | None:
    """A theme folder's files when they are the site's own (custom_dir); an installed theme's are named by its version."""
    return None if installed(folder) else files_digest(folder)


@dataclass
class Entry:
    """A rendered page as kept: its HTML, what rendering it logged, and where its links led."""

    html: str
    warnings: list[tuple[str, int, str]]
    links: dict[str, str | None]  # each path a link was looked up by → the URL of the file found, None for no file

    def links_lead_as_before(self, targets: LinkTargets) -> bool:
        return all(targets.url(path) == url for path, url in self.links.items())

    # One line of JSON, then the HTML as it is: decoding the HTML from a JSON string took nearly twice as long.
    def to_bytes(self) -> bytes:
        header = json.dumps({"warnings": self.warnings, "links": self.links})  # ASCII, with no line break
        return zlib.compress(header.encode() + b"\n" + self.html.encode("utf-8", errors="surrogatepass"), 1)

    @classmethod
    def from_bytes(cls, data: bytes) -> Entry | None:
        """An entry as written by to_bytes, or None for anything else (another version's entry, a damaged file)."""
        try:
            header, _, html = zlib.decompress(data).partition(b"\n")
            stored = json.loads(header)
            warnings = [(str(name), int(level), str(message)) for name, level, message in stored["warnings"]]
            entry = cls(html.decode("utf-8", errors="surrogatepass"), warnings, stored["links"])
        except (zlib.error, UnicodeDecodeError, ValueError, KeyError, TypeError, RecursionError):
            return None
        well_formed = isinstance(entry.links, dict) and all(isinstance(url, (str, type(None))) for url in entry.links.values())
        return entry if well_formed else None


def url_of(file) -> str | None:
    return None if file is None else file.url


class LinkTargets:
    """The site's files by path, each looked up once per build: the pages share most of their link targets."""

    def __init__(self, files):
        self.files, self.urls = files, {}

    def url(self, path: str) -> str | None:
        if path not in self.urls:
            self.urls[path] = url_of(self.files.get_file_from_path(path))
        return self.urls[path]


class LinkLookups:
    """The site's files as one page's links see them: each lookup is noted with what it found (Entry.links).

    MkDocs resolves a page's links through Files.get_file_from_path alone. Anything else asked of the files
    (a plugin walking all of them, say) makes the page depend on the whole set, which is not noted: such a
    page is then rendered every time rather than cached (complete is False).
    """

    def __init__(self, files):
        self.files, self.found, self.complete = files, {}, True

    def get_file_from_path(self, path: str):
        file = self.files.get_file_from_path(path)
        self.found[path] = url_of(file)
        return file

    def __getattr__(self, name: str):
        self.complete = False
        return getattr(self.files, name)

    def __iter__(self):
        self.complete = False
        return iter(self.files)

    def __len__(self) -> int:
        self.complete = False
        return len(self.files)


class PageCache:
    """Entries by key, in one folder per site fingerprint (a generation): two configurations used in turn (`serve`
    and `build`, PDFs on and off) do not empty each other's entries, and the cache holds at most GENERATIONS."""

    GENERATIONS = 2  # the fingerprint in use and the one used last before it

    def __init__(self, root: Path, enabled: bool = True):
        self.base = root / CACHE_DIR
        self.folder = self.base / "unnamed"  # until use() names the generation
        self.enabled = enabled and os.environ.get(DISABLE_ENV, "") in ("", "0")  # as the record cache reads it

    def use(self, fingerprint: str) -> None:
        self.folder = self.base / fingerprint[:16]

    def path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key[2:]}{ENTRY_SUFFIX}"

    def get(self, key: str) -> Entry | None:
        if not self.enabled:
            return None
        try:
            return Entry.from_bytes(self.path(key).read_bytes())
        except OSError:
            return None

    def put(self, key: str, entry: Entry) -> None:
        if not self.enabled:
            return
        target = self.path(key)
        temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(entry.to_bytes())
            os.replace(temporary, target)
        except OSError:
            temporary.unlink(missing_ok=True)  # a full disk or a read-only checkout costs speed, not the build

    def keep_only(self, keys: set[str]) -> None:
        """Drop the entries this build did not use, and all but the last other generation, so that the cache does
        not grow with every change."""
        if not (self.enabled and self.folder.is_dir()):
            return
        for entry in self.folder.glob("*/*"):
            if not entry.name.endswith(".tmp") and entry.parent.name + entry.name.removesuffix(ENTRY_SUFFIX) not in keys:
                entry.unlink(missing_ok=True)
        try:
            os.utime(self.folder)  # the generation last used is the one last touched
            others = sorted(
                (f for f in self.base.iterdir() if f.is_dir() and f != self.folder), key=lambda folder: folder.stat().st_mtime_ns, reverse=True
            )
        except OSError:
            return
        for stale in others[self.GENERATIONS - 1 :]:
            shutil.rmtree(stale, ignore_errors=True)
