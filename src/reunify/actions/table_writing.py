"""Writing many derived rows into one table at once, without a model object per row.

Families build and the register's intervals write hundreds of thousands of rows that nothing
reads back before the transaction commits. Django's ``bulk_create`` builds a model object per
row and prepares each value through its field; at that size that costs more than the
computation. Here PostgreSQL gets one ``COPY``, SQLite ``executemany`` by batches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection

_BATCH = 5000


def write_table_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert ``rows`` (values in the order of ``columns``, already adapted to the database:
    see ``connection.ops.adapt_datefield_value`` and a field's ``get_db_prep_save``) into
    ``table``; returns how many. Call inside the caller's transaction."""
    names = ", ".join(columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        statement = (f"INSERT INTO {table} ({names}) "  # noqa: S608 # nosec B608 - names
                     f"VALUES ({', '.join(['%s'] * len(columns))})")
        batch: list[Sequence] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= _BATCH:
                cursor.executemany(statement, batch)
                count += len(batch)
                batch.clear()
        if batch:
            cursor.executemany(statement, batch)
            count += len(batch)
    return count
