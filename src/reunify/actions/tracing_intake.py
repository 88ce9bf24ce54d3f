"""Opening inquiries: each tracing request that comes in gets its follow-up and a reference.

:func:`open_inquiries` runs inside :func:`reunify.actions.ingest.ingest_paths`'s transaction
(its only caller besides the hotline intake); it writes, but is not an action of its own.
"""

from __future__ import annotations

import secrets

from reunify.models import Inquiry, InquiryRecord

#: Letters and digits a caller reads out without confusion over the phone (no 0/O, 1/I/L, U/V).
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"


def new_reference() -> str:
    """A fresh reference number ``T-XXXX-XXXX``: random (29^8 ≈ 5·10^11 values), so one
    inquirer's number says nothing about another's and cannot be guessed by counting. The caller
    makes sure it is not taken (:func:`_references`)."""
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"T-{body[:4]}-{body[4:]}"


def _references(count: int) -> list[str]:
    """``count`` fresh references, distinct from each other and from every stored one."""
    chosen: set[str] = set()
    while len(chosen) < count:
        wanted = {new_reference() for _ in range(count - len(chosen))} - chosen
        taken = set(Inquiry.objects.filter(reference__in=list(wanted))
                    .values_list("reference", flat=True))
        chosen |= wanted - taken
    return sorted(chosen, key=lambda _ref: secrets.randbits(32))


def normal_reference(text: str) -> str:
    """A reference as a caller may say or type it ("t 4k7m 9x2p") in its written form."""
    body = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    if body.startswith("T"):
        body = body[1:]
    return f"T-{body[:4]}-{body[4:]}" if len(body) == 8 else ""


def open_inquiries(*, file_id: int) -> int:
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
    return len(fresh)
