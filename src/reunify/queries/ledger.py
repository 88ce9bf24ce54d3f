"""Reading the ledger: finding entries, and streaming it as stored for verification and proofs."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Q

from reunify.models import Checkpoint, Identity, LedgerEntry
from reunify.models.ledger import LedgerSubject


@dataclass(frozen=True)
class EntryFilter:
    """What to look for; every given field must match."""

    actor: str | None = None  # who acted in reunify, or the official a source says decided
    authority: str | None = None
    type: str | None = None  # exact, or a prefix ending in "." (``reported.``)
    person: str | None = None  # SOURCE:RECORD_ID: entries about any record of that person
    subject: str | None = None  # an exact subject
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def person_subjects(person: str) -> list[str]:
    """The subjects of every record resolved to the same person as ``SOURCE:RECORD_ID``."""
    source, _, record_id = person.partition(":")
    identity = Identity.objects.filter(source=source, record_id=record_id).first()
    if identity is None:
        return [person]
    records = Identity.objects.filter(person_id=identity.person_id).values_list("source",
                                                                                  "record_id")
    return sorted({person, *(f"{s}:{r}" for s, r in records)})


def find_entries(where: EntryFilter, *, limit: int = 50, offset: int = 0) -> tuple[int, list[dict]]:
    """How many entries match, and up to ``limit`` of them in ledger order (decoded bodies)."""
    rows = LedgerEntry.objects.all()
    if where.actor:
        rows = rows.filter(Q(actor=where.actor) | Q(decided_by=where.actor))
    if where.authority:
        rows = rows.filter(authority=where.authority)
    if where.type:
        rows = (rows.filter(type__startswith=where.type) if where.type.endswith(".")
                else rows.filter(type=where.type))
    subjects = []
    if where.person:
        subjects.extend(person_subjects(where.person))
    if where.subject:
        subjects.append(where.subject)
    if subjects:
        rows = rows.filter(seq__in=LedgerSubject.objects.filter(subject__in=subjects)
                           .values("entry_id"))
    if where.since:
        rows = rows.filter(recorded_at__gte=where.since)
    if where.until:
        rows = rows.filter(recorded_at__lt=where.until)
    total = rows.count()
    page = rows.order_by("seq").values_list("body", flat=True)[offset : offset + limit]
    return total, [json.loads(body) for body in page]


def stored_entries() -> Iterator[tuple[int, bytes, str]]:
    """Every entry as stored, in seq order: (seq, body bytes, recorded leaf hash hex)."""
    rows = LedgerEntry.objects.order_by("seq").values_list("seq", "body", "leaf_hash")
    for seq, body, stored in rows.iterator(chunk_size=20_000):
        yield seq, body.encode("utf-8"), stored


def entry_count() -> int:
    """How many entries the store holds."""
    last = LedgerEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    return 0 if last is None else last + 1


def checkpoint_notes() -> list[str]:
    """Every checkpoint's signed note, by tree size."""
    return list(Checkpoint.objects.order_by("tree_size").values_list("note", flat=True))


def latest_checkpoint() -> Checkpoint | None:
    """The checkpoint of the largest tree."""
    return Checkpoint.objects.order_by("-tree_size").first()


def leaf_hashes(size: int) -> list[bytes]:
    """The recorded leaf hashes of entries 0..size-1 (for proofs, which are checked anyway)."""
    rows = LedgerEntry.objects.filter(seq__lt=size).order_by("seq").values_list("leaf_hash",
                                                                                flat=True)
    return [bytes.fromhex(h) for h in rows.iterator(chunk_size=50_000)]


def entry_body(seq: int) -> bytes | None:
    """The stored body of entry ``seq``."""
    body = LedgerEntry.objects.filter(seq=seq).values_list("body", flat=True).first()
    return None if body is None else body.encode("utf-8")
