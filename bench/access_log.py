"""How long logging a read takes while a long write holds the store's write lock (SQLite).

Before the access log had its own write path, such a read waited for the lock (up to the 60 s
busy timeout, then HTTP 500). Run it against a store of its own, e.g.:

    REUNIFY_DATABASE_URL=sqlite:////tmp/access-bench/store.sqlite3 \
    REUNIFY_DATA_DIR=/tmp/access-bench/data \
    .venv/bin/python bench/access_log.py --reads 300

Results go in docs/benchmarks.md ("Access log").
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=300)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reunify.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from reunify.actions.access import record_reads
    from reunify.actions.access_queue import QUEUE

    call_command("migrate", verbosity=0, interactive=False)
    other = sqlite3.connect(settings.DATABASES["default"]["NAME"], isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # the long write
    times = []
    for i in range(args.reads):
        started = time.perf_counter()
        record_reads("person", [f"P{i:07d}", "P0000001"], actor="bench", role="caseworker",
                     route="family")
        times.append(time.perf_counter() - started)
    other.execute("ROLLBACK")
    started = time.perf_counter()
    QUEUE.flush()
    flushed = time.perf_counter() - started
    times.sort()
    print(f"{args.reads} reads logged while the write lock was held: median "
          f"{statistics.median(times) * 1000:.2f} ms, p95 {times[int(len(times) * .95)] * 1000:.2f}"
          f" ms, max {times[-1] * 1000:.2f} ms; flushed after the write in {flushed * 1000:.0f} ms")


if __name__ == "__main__":
    main()
