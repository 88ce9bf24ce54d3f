"""The process's heap while a large part of the store is held in it.

CPython's cyclic garbage collector runs whenever enough container objects were allocated,
and every so often it walks every object the process holds (a full collection). Families
build and the register's computation read the whole store into millions of tuples, dicts and
dataclasses — none of them in reference cycles, all freed by their reference counts — so each
full collection walks a heap that only grows, for nothing: at 146,804 person-records it was
7.1 of the build's 17.8 s of computation (docs/benchmarks.md, "famfast"), and each full
collection's walk grows with the store.

``collection_paused`` turns the cyclic collector off for such a block. Reference counting
still frees everything that is not in a cycle, at once; the few cycles made meanwhile are
collected when the collector runs again after the block.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collection_paused() -> Iterator[None]:
    """Run the block with the cyclic garbage collector off, and turn it back on after (unless
    it was off already: then, as in a nested block, it is left as it was).

    The collector is one per process: another thread's block paused at the same time is
    resumed by whichever ends first — it only collects again, nothing else changes."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
