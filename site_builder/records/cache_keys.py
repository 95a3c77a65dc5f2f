"""What both caches (record_cache.py, page_cache.py) put in their keys about the code that made an entry.

Every installed distribution with its version, not a list of the ones that seem to matter: a list is kept up to
date by hand, and the output also depends on packages nobody thinks of (Jinja2 renders the theme, the YAML
reader's C half, the helpers of jsonschema's format checks). Python's own version too: its date parsing decides
what the schema's `format: date` accepts. Installing or upgrading any package empties the caches once; the lock
files keep that rare. Then this package's own files, every one of them, for the same reason.
"""

from __future__ import annotations

import hashlib
import sys
import sysconfig
from functools import cache
from importlib import metadata
from pathlib import Path

PACKAGE = Path(__file__).parent.parent  # site_builder, not only records/


@cache
def environment() -> str:
    """Python's version and every installed distribution's (computed once per process: about 0.1 second)."""
    digest = hashlib.sha256(f"python {sys.version}\0".encode())
    for line in sorted(f"{dist.metadata['Name']}=={dist.version}" for dist in metadata.distributions()):
        digest.update(line.encode() + b"\0")
    return digest.hexdigest()


@cache
def package_digest() -> str:
    """Every file of this package (code, grammar, record schema), read once per process."""
    return files_digest(PACKAGE)


def installed(path: Path) -> bool:
    """Whether a file belongs to Python, an installed distribution or this package: their versions say what it holds."""
    homes = {Path(p).resolve() for key, p in sysconfig.get_paths().items() if key in ("stdlib", "platstdlib", "purelib", "platlib")}
    resolved = path.resolve()
    return any(home in resolved.parents for home in homes | {PACKAGE.resolve()})


def files_digest(folder: Path) -> str:
    """The names and bytes of every file under a folder (a theme's custom_dir, say), compiled Python aside."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.relative_to(folder).parts:
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
