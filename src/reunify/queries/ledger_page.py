"""The ledger as its page shows it: size, latest entries, and the verification verdict.

Verification is the one ``reunify ledger verify`` runs on the store (bodies, sequence,
checkpoint signatures and roots), with the key the checkpoints are signed with.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from reunify.models import LedgerEntry
from reunify.models.ledger_keys import public_key
from reunify.queries.ledger import checkpoint_notes, entry_count, stored_entries
from reunify.rules.ledger_verify import verify_ledger


@dataclass
class LedgerPage:
    """The newest entries, how many there are, and whether the whole ledger verifies."""

    size: int
    entries: list[LedgerEntry]
    verified: bool
    message: str
    problems: list[str]


def ledger_page(*, limit: int = 100) -> LedgerPage:
    """The ledger's newest ``limit`` entries and the verdict of a full verification."""
    entries = list(LedgerEntry.objects.order_by("-seq")[:limit])
    size = entry_count()
    try:
        key = public_key()
    except ImproperlyConfigured as missing:
        return LedgerPage(size, entries, False, str(missing), [])
    verdict = verify_ledger(stored_entries(), checkpoint_notes(), key)
    problems = [str(p) for p in verdict.problems]
    if verdict.ok:
        head = verdict.latest
        signed = f"; latest signed head: size {head.size}" if head else "; no checkpoint yet"
        message = f"{verdict.entries} entries, {verdict.checkpoints} checkpoints{signed}"
    else:
        message = f"{len(problems)} problem(s); first bad entry: {verdict.first_bad_entry}"
    return LedgerPage(size, entries, verdict.ok, message, problems)
