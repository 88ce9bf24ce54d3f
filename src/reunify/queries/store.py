"""Facts about the store itself, checked at start-up."""

from __future__ import annotations

from django.db import connection


class StoreNotDurable(RuntimeError):
    """The database is not set up so that a committed batch survives power loss."""


def check_durability() -> dict[str, str]:
    """On SQLite, insist on ``journal_mode=WAL`` and ``synchronous=FULL``; return what was found."""
    if connection.vendor != "sqlite":
        return {"vendor": connection.vendor}
    with connection.cursor() as cur:
        journal = cur.execute("PRAGMA journal_mode").fetchone()[0].lower()
        synchronous = cur.execute("PRAGMA synchronous").fetchone()[0]
    # PRAGMA synchronous answers a number: 2 is FULL, 3 is EXTRA (stricter, also fine).
    if journal != "wal" or int(synchronous) < 2:
        raise StoreNotDurable(
            f"SQLite store runs with journal_mode={journal}, synchronous={synchronous}; "
            "expected journal_mode=wal and synchronous=2 (FULL)"
        )
    return {"vendor": "sqlite", "journal_mode": journal, "synchronous": "FULL"}
