"""Saving many events in batches: one transaction each, the next built while one is saved."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar
from uuid import UUID

from application.outcomes import ProgressCallback
from domain import errors

Item = TypeVar("Item")


def concurrent_write(ids: Sequence[UUID | str]) -> errors.ConcurrentWrite:
    named = ", ".join(str(i) for i in list(dict.fromkeys(ids))[:3])
    return errors.ConcurrentWrite(
        f"another write changed {named} first; reload and retry", ids=named
    )


class PipelinedWriter:
    """Saves batch k on a thread of its own while the caller builds batch k + 1.

    Building a batch is Python work and saving it is mostly the database's, so on
    two cores the two overlap (``bench/domain_bench.py``). Batches are saved in
    order, one at a time; the first failure stops the writing and is raised.
    """

    def __init__(
        self, save: Callable[[Sequence[Any]], None], progress: ProgressCallback | None
    ) -> None:
        self._save = save
        self._progress = progress
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="batch-writer")
        self._in_flight: tuple[Future[None], int] | None = None

    def __enter__(self) -> PipelinedWriter:
        return self

    def write(self, events: Sequence[Any], *, handled: int) -> None:
        """Queue one transaction's events; wait for the one before it first."""
        self._wait()
        if events:
            self._in_flight = (self._pool.submit(self._save, events), handled)
        elif self._progress is not None and handled:
            self._progress(handled)

    def yielding(self, items: Sequence[Item]) -> Iterator[Item]:
        """``items``, letting the writer thread run every few of them.

        A thread whose query has finished waits for the GIL until the busy thread
        lets go, up to the interpreter's switch interval (5 ms) each time; sleeping
        for 0 s every 32 items lets it in at once.
        """
        for i, item in enumerate(items):
            if self._in_flight is not None and i % 32 == 31:
                time.sleep(0)
            yield item

    def _wait(self) -> None:
        if self._in_flight is not None:
            future, handled = self._in_flight
            self._in_flight = None
            future.result()
            if self._progress is not None and handled:
                self._progress(handled)

    def __exit__(self, *exc_info: object) -> None:
        try:
            if exc_info[0] is None:
                self._wait()
        finally:
            self._pool.shutdown(wait=True)


def batches(items: Sequence[Item], size: int) -> Iterator[Sequence[Item]]:
    """``items`` ``size`` at a time (bulk writes stay under PostgreSQL's parameter limit)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
