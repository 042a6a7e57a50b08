"""Interpreter settings for the long-running processes.

Python's cyclic garbage collector, at its default thresholds, ran a full
collection every few hundred requests, walking every object the process holds
(caches of aggregates, the roster, imported modules) while every request waited:
that was most of the API's p99 (118 ms against 42 ms with the settings below, in
``bench/http_bench.py``). What exists at start-up is frozen out of collection,
and collections run after 50,000 net allocations instead of 700. Reference
counting still frees everything that is not in a cycle at once; cycles are still
collected, less often.
"""

from __future__ import annotations

import gc

THRESHOLDS = (50_000, 20, 10)


def tune_garbage_collector() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
