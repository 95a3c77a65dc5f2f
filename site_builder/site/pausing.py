"""A test hook: make a build stop at a named step, so that a test can run a second build or kill this one right there.

SITE_BUILDER_PAUSE_AT=<step> and SITE_BUILDER_PAUSE_FILE=<path>: the first process to reach that step creates the
file, writes its process id into it and waits until the file is removed (at most PAUSE_LIMIT seconds; then it goes
on). Other processes reaching the step while the file exists do not wait. Unset (always, outside tests), it costs
one look at the environment. Steps: see publish.py (locked, building, built, linked, switched) and pdf.py (pdf).
"""

from __future__ import annotations

import os
import time

PAUSE_AT_ENV, PAUSE_FILE_ENV = "SITE_BUILDER_PAUSE_AT", "SITE_BUILDER_PAUSE_FILE"
PAUSE_LIMIT = 120  # seconds: a forgotten pause never hangs a build for good


def pause_point(step: str) -> None:
    if os.environ.get(PAUSE_AT_ENV) != step or not os.environ.get(PAUSE_FILE_ENV):
        return
    path = os.environ[PAUSE_FILE_ENV]
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "w") as file:
        file.write(str(os.getpid()))
    deadline = time.monotonic() + PAUSE_LIMIT
    while os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.02)
