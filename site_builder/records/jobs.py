"""The build's worker processes: how many (one per core, or SITE_BUILDER_JOBS; 1 keeps everything in one process),
and the one pool that loading (project.py), rendering (render.py) and PDFs (pdf.py) all run on.

Why one pool: each of the three needs the same two guarantees, and each once lacked one of them.
- A worker that dies (the kernel's out-of-memory killer, a `kill -9`) fails the work at once instead of leaving the
  build waiting forever for the lost task: concurrent.futures notices a dead worker, multiprocessing.Pool does not.
- On any error the workers are stopped and the garbage collector thawed, so a failed build (or a failed rebuild
  under `mkdocs serve`, which lives on) leaves no process behind and no collector frozen.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Self

JOBS_ENV = "SITE_BUILDER_JOBS"
LOST = "工作进程意外退出（可能是内存不足，或被其他程序结束）"  # callers say which work it was


def workers() -> int:
    try:
        chosen = int(os.environ.get(JOBS_ENV, "0"))
    except ValueError:
        chosen = 0
    return max(1, chosen or os.cpu_count() or 1)


class WorkerLost(Exception):
    """A worker process died before finishing its task; the rest of the pool has been stopped."""


class WorkerPool:
    """Worker processes for one piece of a build's work; use it as a context manager, or call close() / stop().

    start="fork" shares the parent's memory (loading, rendering); share_memory=True then freezes the garbage
    collector until the pool is closed, since a collection in a worker would copy every object it touches.
    start="forkserver" with preload gives workers that hold only those modules (PDFs: forked from the build,
    each worker soon copied the build's whole heap).
    """

    def __init__(self, processes: int, start: str = "fork", preload: tuple[str, ...] = (), share_memory: bool = False):
        self.frozen = share_memory
        if share_memory:
            gc.freeze()
        try:
            self.executor = ProcessPoolExecutor(processes, mp_context=start_context(start, preload))
        except BaseException:
            self.thaw()
            raise

    def submit(self, task: Callable, *args) -> Future:
        return self.executor.submit(task, *args)

    def map(self, task: Callable, items: Iterable, chunksize: int = 1) -> Iterator:
        """Results in the order of items; WorkerLost as soon as a worker dies."""
        return lost_as_error(self.executor.map(task, items, chunksize=chunksize))

    def results(self, futures: list[Future]) -> list:
        return list(lost_as_error(future.result() for future in futures))

    def close(self) -> None:
        """The work is done: let the workers exit."""
        self.executor.shutdown(wait=True)
        self.thaw()

    def stop(self) -> None:
        """The work failed or is abandoned: queued tasks are dropped and running workers ended now, not after their task."""
        processes = list((getattr(self.executor, "_processes", None) or {}).values())  # no public way before 3.14
        manager = getattr(self.executor, "_executor_manager_thread", None)
        self.executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=10)
        if manager is not None:
            manager.join(timeout=10)
        self.thaw()

    def thaw(self) -> None:
        if self.frozen:
            self.frozen = False
            gc.unfreeze()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind, error, trace) -> None:
        if kind is None:
            self.close()
        else:
            self.stop()


def lost_as_error(results: Iterable) -> Iterator:
    try:
        yield from results
    except BrokenProcessPool:
        raise WorkerLost(LOST) from None


def start_context(start: str, preload: tuple[str, ...]):
    """Forkserver where the platform has it (with those modules loaded once, in the server), else the default."""
    if start not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context()
    context = multiprocessing.get_context(start)
    if preload:
        context.set_forkserver_preload(list(preload))
    return context
