"""The review queue: open pairs, most uncertain first, and each pair's two records side by side."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db.models import F, Func

from reunify.models import Identity, PersonRecord, ReviewPair
from reunify.queries.person import RecordView, records_of


@dataclass
class PairView:
    """A review pair: both records, their match weight and probability, the comparisons."""

    pk: int
    status: str
    match_weight: float
    match_probability: float
    comparisons: list[dict]
    left: RecordView | None
    right: RecordView | None
    left_person: int | None
    right_person: int | None
    version: str


def pair_version(pk: int, status: str) -> str:
    """The pair's version for optimistic concurrency: changes whenever its status does."""
    return hashlib.sha256(f"review-pair:{pk}:{status}".encode()).hexdigest()[:20]


def open_pairs(*, offset: int = 0, limit: int = 50) -> tuple[int, list[ReviewPair]]:
    """(how many are open, a page of them), the most uncertain (weight nearest 0) first."""
    pairs = ReviewPair.objects.filter(status=ReviewPair.OPEN)
    ordered = pairs.annotate(uncertainty=Func(F("match_weight"), function="ABS")).order_by(
        "uncertainty", "pk")
    return pairs.count(), list(ordered[offset:offset + limit])


def _record(source: str, record_id: str) -> tuple[RecordView | None, int | None]:
    person = Identity.objects.filter(source=source, record_id=record_id).values_list(
        "person_id", flat=True).first()
    if person is not None:
        for record in records_of([person])[person]:
            if (record.source, record.record_id) == (source, record_id):
                return record, person
    row = PersonRecord.objects.filter(source=source, record_id=record_id, is_current=True)\
        .select_related("file").first()
    if row is None:
        return None, person
    return RecordView(row.source, row.record_id, row.version, row.given_name, row.family_name,
                      row.birth_date, row.sex, row.country, row.a_number, row.phone,
                      row.address, row.languages, row.file.name, row.line), person


def comparison(item: object) -> dict:
    """One comparison as ``{name, level, weight}``, whatever spelling the linker stored."""
    item = item if isinstance(item, dict) else {}
    weight = item.get("match_weight", item.get("weight"))
    return {"name": str(item.get("name", item.get("comparison", ""))),
            "level": str(item.get("level", item.get("label", ""))),
            "weight": float(weight) if isinstance(weight, int | float) else None}


def pair_view(pk: int) -> PairView:
    """One pair with both of its records."""
    pair = ReviewPair.objects.get(pk=pk)
    left, left_person = _record(pair.left_source, pair.left_record_id)
    right, right_person = _record(pair.right_source, pair.right_record_id)
    return PairView(pair.pk, pair.status, pair.match_weight, pair.match_probability,
                    [comparison(c) for c in pair.comparisons or []], left, right,
                    left_person, right_person, pair_version(pair.pk, pair.status))
