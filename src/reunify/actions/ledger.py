"""Appending to the decision ledger, inside the caller's transaction, and signing its heads.

Appends are serialised: on PostgreSQL by a transaction-scoped advisory lock, on SQLite by the
write lock every transaction takes at BEGIN (``transaction_mode=IMMEDIATE``), so ``seq`` never
forks and never skips. After a transaction that appended commits, a checkpoint (a signed tree
head) is made for the new size, so every action ends covered by a signature.

That checkpoint runs after the commit, so a crash, a lost connection or a full disk can still
leave entries unsigned. Three things close that gap: every transaction that appends signs what
earlier transactions left unsigned *before* it appends (``_catch_up``); every command signs at
start-up (``sign_pending``, called by ``reunify.cli.main.prepare_store`` and the web server's
start-up); and a checkpoint that failed after the commit is remembered
(``failed_checkpoint``) so the command retries it once and, failing again, exits non-zero.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from reunify.models import Checkpoint, EventRecord, LedgerEntry
from reunify.models.ledger import LedgerSubject
from reunify.models.ledger_keys import salt, salted_hash, signing_key
from reunify.rules import ledger as formats
from reunify.rules import merkle

#: Arbitrary but fixed: the advisory lock that serialises ledger appends on PostgreSQL.
_LEDGER_LOCK_ID = 0x7265756E  # "reun"
#: Rows per INSERT batch when many entries are appended at once.
_BATCH = 2000

log = logging.getLogger(__name__)

#: The last checkpoint that failed after its transaction committed, in this process.
_failures: list[BaseException] = []


class LedgerDamaged(RuntimeError):
    """The stored ledger no longer matches what was signed: refuse to sign over it."""


def leaf_hash(body: bytes) -> str:
    """RFC 9162 leaf hash of a canonical entry body: SHA-256(0x00 || body), hex."""
    return merkle.leaf_hash(body).hex()


def in_transaction() -> transaction.Atomic:
    """The transaction an action runs in (one per action)."""
    return transaction.atomic()


def hold_ledger_lock() -> None:
    """Hold the lock ledger appends take until the surrounding transaction ends (on SQLite the
    transaction's write lock already is that lock): actions that must see every decision
    recorded before they commit take it early."""
    if not connection.in_atomic_block:
        raise RuntimeError("hold_ledger_lock must run inside a transaction")
    _lock()


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_LEDGER_LOCK_ID])


def _next_seq() -> int:
    last = LedgerEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    return 0 if last is None else last + 1


def _timestamp(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _entry(seq: int, now, actor: str, type: str, subjects: Iterable[str],
           payload: dict[str, Any]) -> tuple[LedgerEntry, list[LedgerSubject]]:
    subjects = sorted(set(subjects))
    body = formats.entry_body(
        seq=seq, at=_timestamp(now), actor=actor, type=type, subjects=subjects, payload=payload,
    )
    decided_by, authority = payload.get("decided_by", ""), payload.get("authority", "")
    entry = LedgerEntry(
        seq=seq, recorded_at=now, actor=actor, type=type, body=body.decode("utf-8"),
        leaf_hash=leaf_hash(body),
        decided_by=decided_by[:200] if isinstance(decided_by, str) else "",
        authority=authority[:500] if isinstance(authority, str) else "",
    )
    return entry, [LedgerSubject(entry_id=seq, subject=s[:300]) for s in subjects]


def _checkpoint_scheduled() -> bool:
    pending = getattr(connection, "run_on_commit", [])
    return any(getattr(item[1], "reunify_checkpoint", False) for item in pending)


def _schedule_checkpoint(actor: str) -> None:
    """Sign a checkpoint once the surrounding transaction commits (once per transaction)."""
    if _checkpoint_scheduled():
        return

    def checkpoint_after_commit() -> None:
        # The action has committed: failing now would not undo it. Remember the failure, so
        # the command retries and then exits non-zero; the next write or start-up signs.
        try:
            sign_checkpoint(actor=actor)
        except Exception as exc:
            _failures.append(exc)
            log.error("no checkpoint signed after commit: %s", exc)

    checkpoint_after_commit.reunify_checkpoint = True  # type: ignore[attr-defined]
    transaction.on_commit(checkpoint_after_commit, robust=True)


def unsigned_entries() -> int:
    """How many entries no signed checkpoint covers yet."""
    latest = Checkpoint.objects.order_by("-tree_size").values_list("tree_size", flat=True).first()
    return _next_seq() - (latest or 0)


def _catch_up(actor: str) -> None:
    """Before this transaction's first append: sign what earlier transactions left unsigned
    (their checkpoint failed or their process died after the commit)."""
    if not _checkpoint_scheduled() and unsigned_entries() > 0:
        sign_checkpoint(actor=actor)


def sign_pending(*, actor: str) -> Checkpoint | None:
    """Sign a checkpoint if any entry is unsigned (at start-up); return it, or None."""
    if unsigned_entries() <= 0:
        return None
    return sign_checkpoint(actor=actor)


def failed_checkpoint() -> BaseException | None:
    """The failure of the latest checkpoint this process tried after a commit, if it failed
    (cleared by ``forget_failed_checkpoint``)."""
    return _failures[-1] if _failures else None


def forget_failed_checkpoint() -> None:
    """Clear the remembered failure (after a retry signed the ledger)."""
    _failures.clear()


def _check_append(actor: str) -> None:
    if not actor or not actor.strip():
        raise ValueError("a ledger entry needs an actor")
    if not connection.in_atomic_block:
        raise RuntimeError("append_entry must run inside the transaction of the change it records")
    # Fail before changing anything when no checkpoint could ever be signed (production), and
    # load (or, for an empty ledger in development, create) both secrets before any insert.
    signing_key()
    salt()


def append_entry(
    *,
    actor: str,
    type: str,
    subjects: list[str] | None = None,
    payload: dict[str, Any] | None = None,
) -> LedgerEntry:
    """Append one entry; must run inside the transaction of the change it records.

    ``subjects`` name what the entry is about (``SOURCE:RECORD_ID`` for records); ``payload``
    holds ids and counts only — a person's data goes in as ``salted_hash(...)`` if at all.
    """
    _check_append(actor)
    _lock()
    _catch_up(actor)
    entry, subject_rows = _entry(_next_seq(), timezone.now(), actor, type, subjects or [],
                                 payload or {})
    entry.save(force_insert=True)
    if subject_rows:
        LedgerSubject.objects.bulk_create(subject_rows)
    _schedule_checkpoint(actor)
    return entry


def append_entries(*, actor: str, entries: Iterable[tuple[str, list[str], dict[str, Any]]]) -> int:
    """Append many entries at once (type, subjects, payload each); return how many.

    Bodies and hashes are computed in Python and inserted in batches: for ingests with
    hundreds of thousands of decisions. Must run inside the caller's transaction.
    """
    _check_append(actor)
    _lock()
    _catch_up(actor)
    seq = _next_seq()
    now = timezone.now()
    rows: list[LedgerEntry] = []
    subject_rows: list[LedgerSubject] = []
    count = 0
    for type, subjects, payload in entries:
        entry, subjects_of_entry = _entry(seq + count, now, actor, type, subjects, payload)
        rows.append(entry)
        subject_rows.extend(subjects_of_entry)
        count += 1
        if len(rows) >= _BATCH:
            _insert(rows, subject_rows)
    _insert(rows, subject_rows)
    if count:
        _schedule_checkpoint(actor)
    return count


_ENTRY_COLUMNS = "seq, recorded_at, actor, type, decided_by, authority, body, leaf_hash"
_INSERT_ENTRY = (
    "INSERT INTO reunify_ledger_entry "
    "(seq, recorded_at, actor, type, decided_by, authority, body, leaf_hash) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
)
_INSERT_SUBJECT = "INSERT INTO reunify_ledger_subject (seq, subject) VALUES (%s, %s)"


def _insert(rows: list[LedgerEntry], subject_rows: list[LedgerSubject]) -> None:
    """Insert with COPY (PostgreSQL) or executemany (SQLite): the ORM's bulk_create spends
    more time building SQL than the database spends inserting, at 100,000s of entries."""
    if rows:
        adapt = connection.ops.adapt_datetimefield_value
        entries = [(e.seq, adapt(e.recorded_at), e.actor, e.type, e.decided_by, e.authority,
                    e.body, e.leaf_hash) for e in rows]
        subjects = [(s.entry_id, s.subject) for s in subject_rows]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                _copy(cursor.cursor, f"reunify_ledger_entry ({_ENTRY_COLUMNS})", entries)
                _copy(cursor.cursor, "reunify_ledger_subject (seq, subject)", subjects)
            else:
                cursor.executemany(_INSERT_ENTRY, entries)
                cursor.executemany(_INSERT_SUBJECT, subjects)
    rows.clear()
    subject_rows.clear()


def _copy(cursor, target: str, rows: list[tuple]) -> None:
    if rows:
        with cursor.copy(f"COPY {target} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def append_reported_decisions(*, actor: str, file_id: int) -> int:
    """Append one entry per decision a source reported in one ingested file; return how many.

    An event is a decision when it names who decided, under what authority or why (referrals,
    separations, transfers, removals, releases, reunifications…). The entry holds ids, the
    event type and time, custodian and facility, the decider and the authority — officials
    acting in office, which is what the ledger is for; the free-text reason may mention the
    person and is kept only as a salted hash, so erasing a person's data leaves every proof
    verifying.
    """
    rows = (
        EventRecord.objects.filter(file_id=file_id)
        .exclude(actor="", authority="", reason="")
        .order_by("line")
        .values_list("source", "event_id", "version", "record_id", "type", "at", "custodian",
                     "facility", "actor", "authority", "reason")
    )

    def decisions():
        for (source, event_id, version, record_id, etype, at, custodian, facility, decider,
             authority, reason) in rows.iterator(chunk_size=_BATCH):
            yield (
                f"reported.{etype}",
                [f"{source}:{record_id}", f"{source}:event:{event_id}"],
                {
                    "at": _timestamp(at),
                    "event_version": version,
                    "custodian": custodian,
                    "facility": facility,
                    "decided_by": decider,
                    "authority": authority,
                    "reason_hmac": salted_hash(reason) if reason else "",
                    "file": file_id,
                },
            )

    return append_entries(actor=actor, entries=decisions())


def sign_checkpoint(*, actor: str) -> Checkpoint:
    """Sign the ledger's current tree head, unless the latest checkpoint already covers it.

    The head is computed from the previous checkpoint's compact range and the new entries'
    bodies (re-hashed, and compared with their stored leaf hashes): a ledger changed since it
    was last signed is refused with LedgerDamaged instead of being signed over.
    """
    key = signing_key()
    with transaction.atomic():
        _lock()
        latest = Checkpoint.objects.order_by("-tree_size").first()
        size = _next_seq()
        if latest is not None and latest.tree_size == size:
            return latest
        if latest is not None and latest.tree_size > size:
            raise LedgerDamaged(
                f"the latest checkpoint covers {latest.tree_size} entries, only {size} exist"
            )
        if latest is None:
            frontier = merkle.Frontier()
        else:
            hashes = [bytes.fromhex(h) for h in latest.frontier]
            frontier = merkle.Frontier(latest.tree_size, hashes)
            if frontier.root().hex() != latest.root_hash:
                raise LedgerDamaged("the latest checkpoint's compact range does not match its root")
        rows = (LedgerEntry.objects.filter(seq__gte=frontier.size).order_by("seq")
                .values_list("seq", "body", "leaf_hash"))
        for seq, body, stored in rows.iterator(chunk_size=10_000):
            if seq != frontier.size:
                raise LedgerDamaged(f"entry {frontier.size} is missing")
            h = merkle.leaf_hash(body.encode("utf-8"))
            if h.hex() != stored:
                raise LedgerDamaged(f"entry {seq} does not hash to its recorded leaf hash")
            frontier.append(h)
        root = frontier.root()
        note = formats.sign_checkpoint(key, frontier.size, root)
        public = key.public_key()
        origin = formats.log_origin(public)
        return Checkpoint.objects.create(
            tree_size=frontier.size, root_hash=root.hex(), signed_at=timezone.now(),
            key_id=formats.key_id(origin, public).hex(), signature=note.rsplit(" ", 1)[1].strip(),
            note=note, frontier=[h.hex() for h in frontier.hashes], actor=actor,
        )
