"""How many processes the build may use: one per core, or SITE_BUILDER_JOBS (1 keeps everything in one process)."""

from __future__ import annotations

import os

JOBS_ENV = "SITE_BUILDER_JOBS"


def workers() -> int:
    try:
        chosen = int(os.environ.get(JOBS_ENV, "0"))
    except ValueError:
        chosen = 0
    return max(1, chosen or os.cpu_count() or 1)
