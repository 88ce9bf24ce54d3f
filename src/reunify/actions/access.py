"""The access log: every read of a person's record, every read refused, every read an auditor
makes, and every person a command-line read or export revealed.

Reads are logged in their own table, not the ledger: a read changes no state of the record, and
the log must keep up with every page view. Rows hold ids, never names. A read inside a
transaction is logged in that transaction; any other goes through ``access_queue`` (a spool
file and a background writer), so a page never waits for a write lock to log it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.db import connection
from django.utils import timezone

from reunify.actions.access_queue import QUEUE, insert_rows
from reunify.models import AccessLog

#: The role recorded for reads made on the command line (by whoever runs the command).
CLI_ROLE = "cli"


def record_reads(
    what: str, object_ids: Iterable[str], *, actor: str, role: str, route: str,
    outcome: str = AccessLog.READ,
) -> int:
    """Log that ``actor`` (holding ``role``) read — or, with ``outcome="denied"``, tried to
    read — each of ``object_ids`` (of kind ``what``) through ``route``; returns how many rows
    were logged."""
    now = timezone.now()
    rows = [
        AccessLog(at=now, user=actor[:200], role=role[:32], what=what[:64],
                  object_id=str(object_id)[:64], route=route[:200], outcome=outcome[:16],
                  key=secrets.token_hex(16))
        for object_id in dict.fromkeys(object_ids)
    ]
    if not rows:
        return 0
    if connection.in_atomic_block:
        insert_rows(rows)  # commits or rolls back with the caller's transaction
    else:
        QUEUE.submit(rows)
    return len(rows)


def record_cli_reads(command: str, person_ids: Iterable[str], *, actor: str) -> int:
    """Log the persons (``P…`` ids) a command-line read or export revealed, synchronously (a
    command is short-lived: it waits for its log rather than leaving it to a thread)."""
    ids = list(dict.fromkeys(str(p) for p in person_ids))
    now = timezone.now()
    rows = [AccessLog(at=now, user=actor[:200], role=CLI_ROLE, what="person", object_id=p[:64],
                      route=f"cli:{command}"[:200], key=secrets.token_hex(16)) for p in ids]
    if rows:
        insert_rows(rows)
    return len(rows)
