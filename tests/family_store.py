"""A small builder of records, persons and identities for the family, timeline and register tests.

It writes rows straight into the test store (as ingest and link would), so tests can state a
family's story in a few lines.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools

from django.utils import timezone

from reunify.models import (
    EventRecord,
    Identity,
    ImportBatch,
    LinkRun,
    Person,
    PersonRecord,
    RelationRecord,
    SourceFile,
)
from reunify.rules import anumber

_counter = itertools.count(1)


def _hash(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


class StoreBuilder:
    """Records of several sources, and the persons they belong to."""

    def __init__(self) -> None:
        now = timezone.now()
        self.batch = ImportBatch.objects.create(actor="fixture", started_at=now, committed_at=now)
        self.run = LinkRun.objects.create(actor="fixture", started_at=now, finished_at=now,
                                          engine="deterministic")
        self.files: dict[tuple[str, str], SourceFile] = {}
        self.lines = itertools.count(2)

    def _file(self, source: str, kind: str) -> SourceFile:
        key = (source, kind)
        if key not in self.files:
            n = next(_counter)
            self.files[key] = SourceFile.objects.create(
                batch=self.batch, name=f"{source}.{kind}.csv", sha256=_hash(source, kind, n),
                source=source, kind=kind, format="csv", size=1, rows=1)
        return self.files[key]

    def person(self, source: str, record_id: str, *, same_as: Person | None = None,
               given: str = "", family: str = "", birth_date: str = "", sex: str = "",
               group_id: str = "", group_role: str = "", a_number: str = "",
               phone: str = "", country: str = "") -> Person:
        """A person-record; ``same_as`` makes it another record of an existing person."""
        PersonRecord.objects.create(
            source=source, record_id=record_id, file=self._file(source, "persons"),
            line=next(self.lines), content_hash=_hash(source, record_id), given_name=given,
            family_name=family, birth_date=birth_date, sex=sex, group_id=group_id,
            group_role=group_role, a_number=a_number, a_number_key=anumber.key(a_number),
            phone=phone, country=country,
        )
        person = same_as or Person.objects.create(created_run=self.run)
        Identity.objects.create(source=source, record_id=record_id, person=person, run=self.run)
        return person

    def relation(self, source: str, record_id: str, relation: str, *, other_record_id: str = "",
                 other_name: str = "", other_birth_date: str = "", other_a_number: str = "",
                 other_phone: str = "", evidence: str = "stated",
                 attributes: dict | None = None) -> None:
        RelationRecord.objects.create(
            source=source, record_id=record_id, relation=relation,
            relation_key=_hash(record_id, relation, other_record_id, other_name),
            file=self._file(source, "relations"), line=next(self.lines),
            content_hash=_hash(record_id, relation, other_record_id, other_name),
            other_record_id=other_record_id, other_name=other_name,
            other_birth_date=other_birth_date, other_a_number=other_a_number,
            other_phone=other_phone, evidence=evidence, attributes=attributes or {},
        )

    def event(self, source: str, record_id: str, type: str, day: str, *, custodian: str = "",
              facility: str = "", actor: str = "", authority: str = "", reason: str = "",
              event_id: str | None = None, hour: int = 12) -> None:
        at = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=dt.UTC)
        EventRecord.objects.create(
            source=source, event_id=event_id or f"E{next(_counter)}", record_id=record_id,
            type=type, at=at, custodian=custodian, facility=facility, actor=actor,
            authority=authority, reason=reason, file=self._file(source, "events"),
            line=next(self.lines), content_hash=_hash(record_id, type, day, next(_counter)),
        )

    def profile(self, source: str, *, holds: str = "anyone", family_units: bool = False,
                custody: bool = False) -> None:
        """The source's profile (spec 1.1, kind ``source``)."""
        from reunify.models import SourceProfile

        SourceProfile.objects.create(
            source=source, file=self._file(source, "source"), line=1,
            content_hash=_hash(source, holds, family_units, custody), holds=holds,
            family_units=family_units, custody=custody)

    def border_family(self, tag: str, *, parent_birth: str = "1988-03-02",
                      child_births: tuple[str, ...] = ("2014-05-06",),
                      phone: str = "") -> tuple[Person, list[Person]]:
        """A parent and children the border recorded together in one group."""
        parent = self.person("border", f"{tag}-p", given="María", family=f"López {tag}",
                             birth_date=parent_birth, sex="F", group_id=f"G{tag}",
                             group_role="parent", phone=phone)
        children = [
            self.person("border", f"{tag}-c{i}", given=f"Niño{i}", family=f"López {tag}",
                        birth_date=birth, sex="M", group_id=f"G{tag}", group_role="child")
            for i, birth in enumerate(child_births)
        ]
        return parent, children
