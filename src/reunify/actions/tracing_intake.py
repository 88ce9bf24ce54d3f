"""Opening inquiries: each tracing request that comes in gets its follow-up and a reference.

:func:`open_inquiries` runs inside :func:`reunify.actions.ingest.ingest_paths`'s transaction
(its only caller); it writes, but is not an action of its own. :func:`take_call` is the
hotline's intake: one inquiry, ingested as a batch of one row.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from django.utils import timezone

from reunify.models import Inquiry, InquiryRecord
from reunify.rules.tracing import REFERENCE_ALPHABET


def _new_reference() -> str:
    """A fresh reference number ``T-XXXX-XXXX`` of :data:`REFERENCE_ALPHABET`: random (29^8 ≈
    5·10^11 values), so one inquirer's number says nothing about another's and cannot be
    guessed by counting. The caller makes sure it is not taken (:func:`_references`)."""
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"T-{body[:4]}-{body[4:]}"


def _references(count: int) -> list[str]:
    """``count`` fresh references, distinct from each other and from every stored one."""
    chosen: set[str] = set()
    while len(chosen) < count:
        wanted = {_new_reference() for _ in range(count - len(chosen))} - chosen
        taken = set(Inquiry.objects.filter(reference__in=list(wanted))
                    .values_list("reference", flat=True))
        chosen |= wanted - taken
    return sorted(chosen, key=lambda _ref: secrets.randbits(32))


def open_inquiries(*, actor: str, file_id: int) -> int:
    """Open a follow-up (with a reference number) for each inquiry of the file not yet known;
    return how many were opened. A new version of a known inquiry keeps its reference."""
    rows = list(InquiryRecord.objects.filter(file_id=file_id)
                .values_list("source", "inquiry_id", "at"))
    if not rows:
        return 0
    source = rows[0][0]
    known = set(Inquiry.objects.filter(source=source, inquiry_id__in=[r[1] for r in rows])
                .values_list("inquiry_id", flat=True))
    todo = [(s, i, at) for s, i, at in rows if i not in known]
    references = _references(len(todo))
    fresh = [Inquiry(source=s, inquiry_id=i, reference=ref, received_at=at)
             for (s, i, at), ref in zip(todo, references, strict=True)]
    Inquiry.objects.bulk_create(fresh, batch_size=2000)
    return len(fresh)  # the batch's ledger entry (by ``actor``) counts the file's rows


#: The channel (``source``) of inquiries taken by phone on reunify's hotline page.
HOTLINE_SOURCE = "hotline"


def take_call(fields: dict[str, str], *, actor: str, folder: Path) -> Inquiry:
    """An inquiry taken by phone: written as a one-line ``hotline.inquiries.jsonl`` in
    ``folder`` and ingested like any batch (same checks, same ledger entry; raises
    :class:`reunify.actions.ingest.BatchRejected` with the problems), with a fresh id."""
    from reunify.actions.ingest import ingest_paths

    inquiry_id = f"call-{timezone.now():%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
    row = {"source": HOTLINE_SOURCE, "inquiry_id": inquiry_id,
           "at": timezone.now().date().isoformat(),
           **{k: v for k, v in fields.items() if v not in (None, "")}}
    path = Path(folder) / f"{HOTLINE_SOURCE}.inquiries.jsonl"
    path.write_text(json.dumps(row, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    ingest_paths([path], actor=actor)
    return Inquiry.objects.get(source=HOTLINE_SOURCE, inquiry_id=inquiry_id)
