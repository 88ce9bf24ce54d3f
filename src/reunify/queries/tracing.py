"""Reading tracing requests: by reference number, those awaiting follow-up, the ``matches``
export, and what an operator may tell a caller (minimal disclosure)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils import timezone

from reunify.models import FamilyRun, Inquiry, InquiryCandidate, InquiryRecord, LinkRun
from reunify.queries.identities import person_public_id
from reunify.rules.tracing import CONFIDENT, OPEN

#: Inquiries with no caseworker's decision after this many days are due for follow-up.
FOLLOW_UP_DAYS = 14


def inquiry_by_reference(reference: str) -> Inquiry | None:
    """The inquiry a reference number names, or None."""
    return Inquiry.objects.filter(reference=reference).first()


def inquiry_record(inquiry: Inquiry) -> InquiryRecord | None:
    """The current version of the inquiry as its channel sent it."""
    return InquiryRecord.objects.filter(source=inquiry.source, inquiry_id=inquiry.inquiry_id,
                                        is_current=True).first()


def unanswered(days: int = FOLLOW_UP_DAYS, *, now: dt.datetime | None = None) -> list[Inquiry]:
    """Open inquiries received more than ``days`` ago that no caseworker has answered, oldest
    first: the follow-up list."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    return list(Inquiry.objects.filter(status=OPEN, answered_at=None, received_at__lt=cutoff)
                .order_by("received_at", "pk"))


def match_rows() -> Iterator[dict]:
    """The ``matches`` export: for each inquiry, its candidates best first (none when nobody
    is likely); ``person_id`` is the person's public id."""
    rows = (InquiryCandidate.objects.order_by("inquiry__source", "inquiry__inquiry_id", "rank")
            .values_list("inquiry__source", "inquiry__inquiry_id", "rank", "person_id",
                         "probability"))
    for source, inquiry_id, rank, person, probability in rows.iterator(chunk_size=5000):
        yield {"source": source, "inquiry_id": inquiry_id, "rank": rank,
               "person_id": person_public_id(person), "probability": round(probability, 6)}


def candidates(inquiry: Inquiry) -> list[InquiryCandidate]:
    """The inquiry's candidates, best first (for a caseworker: names, evidence, decisions)."""
    return list(inquiry.candidates.order_by("rank"))


@dataclass(frozen=True)
class CallerAnswer:
    """All an operator sees and may tell a caller: never where the person sought is.

    ``match`` says whether a likely candidate exists (or a caseworker confirmed one); the
    caseworker is named once one has decided, so the operator can say who will call back.
    """

    reference: str
    status: str
    match: bool
    caseworker: str
    received_at: dt.datetime


def assigned_caseworker(person_pk: int) -> str:
    """The caseworker assigned to a family of ``person_pk`` (current family run), or ""."""
    from django.db.models import Q

    from reunify.models import Assignment, FamilyMember
    from reunify.queries.families import current_run
    from reunify.rules.grants import CASEWORKER

    run = current_run()
    families = list(FamilyMember.objects.filter(family__run=run, person_id=person_pk)
                    .values_list("family_id", flat=True)) if run is not None else []
    members = FamilyMember.objects.filter(family_id__in=families).values("person_id")
    found = (Assignment.objects.filter(user__role_grant__role=CASEWORKER)
             .filter(Q(person_id=person_pk) | Q(person_id__in=members) |
                     Q(family_id__in=families))
             .order_by("granted_at", "pk").values_list("user__username", flat=True).first())
    return found or ""


def caller_answer(inquiry: Inquiry) -> CallerAnswer:
    """What the operator may tell the inquirer about ``inquiry`` (see :class:`CallerAnswer`).

    The caseworker who will call back: the one who decided on the inquiry; before that, the
    caseworker assigned to the family of the person confirmed or, failing that, of the one
    likely candidate (probability 0.5 or more), if any is assigned.
    """
    open_candidates = inquiry.candidates.exclude(status=InquiryCandidate.REJECTED)
    found = inquiry.person_id is not None or open_candidates.exists()
    caseworker = inquiry.caseworker
    if not caseworker:
        likely = inquiry.person_id or open_candidates.filter(
            probability__gte=CONFIDENT).order_by("rank").values_list(
            "person_id", flat=True).first()
        caseworker = assigned_caseworker(likely) if likely else ""
    return CallerAnswer(reference=inquiry.reference, status=inquiry.status, match=found,
                        caseworker=caseworker, received_at=inquiry.received_at)


def stale_inquiries() -> list[tuple[str, str]]:
    """Inquiries whose candidates are missing or older than the latest link run, family run
    or version of the inquiry: ``(source, inquiry_id)``, to match (again)."""
    runs = [r.finished_at for r in (
        LinkRun.objects.exclude(finished_at=None).order_by("-pk").first(),
        FamilyRun.objects.exclude(finished_at=None).order_by("-pk").first()) if r]
    newest = max(runs) if runs else None
    changed = dict(((s, i), at) for s, i, at in InquiryRecord.objects.filter(is_current=True)
                   .values_list("source", "inquiry_id", "file__batch__committed_at"))
    stale = []
    for source, inquiry_id, matched in Inquiry.objects.values_list("source", "inquiry_id",
                                                                    "matched_at"):
        sent = changed.get((source, inquiry_id))
        if matched is None or (newest and matched < newest) or (sent and matched < sent):
            stale.append((source, inquiry_id))
    return sorted(stale)
