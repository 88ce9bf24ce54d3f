"""Everything the record says about one person: their records, custody timeline and families."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from reunify.models import Identity, PersonRecord, RelationRecord
from reunify.models.keys import with_keys
from reunify.queries.families import FamilyView, families_of, person_public_id
from reunify.queries.standing import Standing, person_standing
from reunify.queries.timeline import Timeline, person_timeline


@dataclass
class RecordView:
    """One current person-record of the person, as its source wrote it."""

    source: str
    record_id: str
    version: int
    given_name: str
    family_name: str
    birth_date: str
    sex: str
    country: str
    a_number: str
    phone: str
    address: str
    languages: str
    file_name: str
    line: int


@dataclass
class PersonPage:
    """A person: their public id, best name, records, relations, timeline and families."""

    pk: int
    public_id: str
    name: str
    birth_date: str
    records: list[RecordView]
    relations: list[dict]
    timeline: Timeline
    families: list[tuple[str, str]] = field(default_factory=list)  # (family id, role)
    #: The same families with all their members (for the page's list of relatives).
    family_views: list[FamilyView] = field(default_factory=list)
    #: Where the person stands on the day asked (the register's computation).
    standing: Standing | None = None


def record_keys(person_pk: int) -> list[tuple[str, str]]:
    """(source, record_id) of every record of the person."""
    return list(
        Identity.objects.filter(person_id=person_pk).values_list("source", "record_id")
    )


def records_of(person_pks: list[int]) -> dict[int, list[RecordView]]:
    """Current person-records of each person, in source order."""
    person_of = {
        (s, r): p
        for s, r, p in Identity.objects.filter(person_id__in=person_pks).values_list(
            "source", "record_id", "person_id"
        )
    }
    out: dict[int, list[RecordView]] = {pk: [] for pk in person_pks}
    if not person_of:
        return out
    # By the records' keys (the unique index), chunk after chunk in key order: not a join
    # that passes over every record of the store.
    rows = (row for part in with_keys(PersonRecord.objects.filter(is_current=True), person_of)
            for row in part.select_related("file").order_by("source", "record_id"))
    for row in rows:
        out[person_of[(row.source, row.record_id)]].append(
            RecordView(
                row.source, row.record_id, row.version, row.given_name, row.family_name,
                row.birth_date, row.sex, row.country, row.a_number, row.phone, row.address,
                row.languages, row.file.name, row.line,
            )
        )
    return out


def best_name(records: list[RecordView]) -> str:
    """The name most records give (ties: the longest), "given family"."""
    counts: dict[str, int] = {}
    for r in records:
        name = " ".join(p for p in (r.given_name, r.family_name) if p)
        if name:
            counts[name] = counts.get(name, 0) + 1
    if not counts:
        return ""
    return max(counts, key=lambda n: (counts[n], len(n), n))


def best_birth(records: list[RecordView]) -> str:
    """The most precise birth date the records agree on most."""
    counts: dict[str, int] = {}
    for r in records:
        if r.birth_date:
            counts[r.birth_date] = counts.get(r.birth_date, 0) + 1
    if not counts:
        return ""
    return max(counts, key=lambda d: (counts[d], len(d), d))


def person_page(person_pk: int, *, as_of: dt.date | None = None) -> PersonPage:
    """The person's page, as of a day (default: everything recorded)."""
    records = records_of([person_pk])[person_pk]
    keys = [(r.source, r.record_id) for r in records]
    relations = [
        {"source": r.source, "record_id": r.record_id, "relation": r.relation,
         "other_record_id": r.other_record_id, "other_name": r.other_name,
         "evidence": r.evidence}
        for part in with_keys(RelationRecord.objects.filter(is_current=True),
                              record_keys(person_pk))
        for r in part.order_by("source", "record_id", "relation")
    ] if keys else []
    views = families_of(person_pk)
    families = [(f.public_id, f.members[person_pk]) for f in views]
    return PersonPage(
        pk=person_pk, public_id=person_public_id(person_pk), name=best_name(records),
        birth_date=best_birth(records), records=records, relations=relations,
        timeline=person_timeline(person_pk, as_of=as_of), families=families,
        standing=person_standing(person_pk, as_of or dt.date.today(), views),
        family_views=views,
    )
