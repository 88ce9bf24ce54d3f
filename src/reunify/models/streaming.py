"""Reading a large part of the store in chunks that really stream.

``QuerySet.iterator()`` reads through a server-side cursor on PostgreSQL. Outside a
transaction Django declares that cursor ``WITH HOLD``, and PostgreSQL then runs the whole
query and writes every row to a temporary file before the first chunk comes back (22.7 MB for
the 287,201 events of a season of 20,000 families, measured with ``pg_stat_database``), for
every such read. Inside a transaction the cursor is ``WITHOUT HOLD``: rows come as they are
produced, the server producing the next chunk while this process works on the last, and no
temporary file is written.

SQLite has no server-side cursor, and a transaction there takes the write lock at ``BEGIN``
(``transaction_mode=IMMEDIATE``, settings): it would stop every writer for as long as the
reads last. So nothing is done on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def streaming_reads() -> Iterator[None]:
    """Run the block's chunked reads as streams: on PostgreSQL inside a transaction (a
    read-only one: the block must write nothing), unless one is already open."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        yield
