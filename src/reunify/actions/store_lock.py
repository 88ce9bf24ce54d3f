"""One named lock per store, held by the runs that rebuild what the others read.

Link, families build and ingest each read a large part of the store, compute for a while and
then write; two of them interleaved would write from stale reads (two link runs both creating
the identity of one new record, say). Each takes this lock *before* reading what it will
write and holds it until it has committed: on PostgreSQL a session-level advisory lock; on
SQLite an exclusive ``flock`` on a file beside the database (``STORE.sqlite3.rebuild.lock``) —
not SQLite's own write lock, which would stop every review decision and upload for the
minutes a link run scores. Both are released by the operating system or the server when the
process dies. The lock is re-entrant within a process (a demo run nests nothing, but an upload
that ingests and then links may).
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

#: The advisory lock id of the rebuild lock on PostgreSQL ("rebd").
REBUILD_LOCK_ID = 0x72656264

_held = threading.local()


def _sqlite_lock_file() -> Path | None:
    name = str(connection.settings_dict["NAME"])
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(f"{name}.rebuild.lock")


@contextmanager
def rebuild_lock() -> Iterator[None]:
    """Hold the store's rebuild lock (waiting for it) for the duration of the block."""
    depth = getattr(_held, "depth", 0)
    if depth:
        _held.depth = depth + 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [REBUILD_LOCK_ID])
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0
            if connection.connection is not None and connection.is_usable():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [REBUILD_LOCK_ID])
        return
    path = _sqlite_lock_file()
    handle = path.open("a") if path is not None else None
    try:
        if handle is not None:
            path.chmod(0o600)
            fcntl.flock(handle, fcntl.LOCK_EX)
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0
    finally:
        if handle is not None:
            handle.close()  # releases the flock
