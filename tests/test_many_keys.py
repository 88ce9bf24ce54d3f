"""Queries over many records: no SQL condition per key (an OR chain), so no store refuses them.

SQLite refuses an expression nested deeper than 1000 ("Expression tree is too large"), and a
chain of ``Q(source=…, record_id=…) | …`` nests one level per key: a person, family or link run
with more than about a thousand records used to crash the register export, the family page, the
person page, search and erasure.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from family_store import StoreBuilder, _hash
from reunify.actions.erasure import erase_person_data
from reunify.models import (
    Family,
    FamilyMember,
    FamilyRun,
    Identity,
    LinkDecision,
    PersonRecord,
)
from reunify.models.linkage import linkage_records
from reunify.queries.family_page import family_page
from reunify.queries.person import person_page, records_of
from reunify.queries.search import search
from reunify.queries.timeline import events_by_person

pytestmark = pytest.mark.django_db

#: More records than SQLite's maximum expression depth (1000).
MANY = 1500


def _person_with_many_records():
    """One person holding ``MANY`` current records of one source, and one event on the last."""
    store = StoreBuilder()
    person = store.person("docket", "r0", given="Ana", family="Ruiz", birth_date="2010")
    file = store._file("docket", "persons")
    PersonRecord.objects.bulk_create(
        PersonRecord(source="docket", record_id=f"r{i}", file=file, line=i + 2,
                     content_hash=_hash("docket", i), given_name="Ana", family_name="Ruiz",
                     birth_date="2010", a_number=f"2000{i:05d}")
        for i in range(1, MANY))
    Identity.objects.bulk_create(
        Identity(source="docket", record_id=f"r{i}", person=person, run=store.run)
        for i in range(1, MANY))
    store.event("docket", f"r{MANY - 1}", "placed", "2018-06-01", custodian="ORR",
                facility="Casa A")
    return store, person


def test_linker_reads_many_chosen_records():
    """The linker's records for more keys than SQLite's depth limit come back, in order."""
    _person_with_many_records()
    keys = [("docket", f"r{i}") for i in range(MANY)] + [("other", "absent")]
    rows = linkage_records(keys)
    assert len(rows) == MANY
    assert [r["record_id"] for r in rows] == sorted(f"r{i}" for i in range(MANY))
    last = next(r for r in rows if r["record_id"] == f"r{MANY - 1}")
    assert last["seen_from"] is not None


def test_timeline_of_person_with_many_records():
    """A person's events are found however many records the person has."""
    _store, person = _person_with_many_records()
    events = events_by_person([person.pk])[person.pk]
    assert [e.type for e in events] == ["placed"]


def test_person_page_and_records_of_many_records():
    """The person page lists every one of many records."""
    _store, person = _person_with_many_records()
    assert len(records_of([person.pk])[person.pk]) == MANY
    assert len(person_page(person.pk).records) == MANY


def test_search_among_visible_persons_with_many_records():
    """A user who sees one person with many records still finds them by name."""
    _store, person = _person_with_many_records()
    hits = search("Ana Ruiz", visible={person.pk})
    assert [h.person_pk for h in hits] == [person.pk]


def test_family_page_of_member_with_many_records():
    """A family page shows people's decisions on pairs of a member with many records."""
    _store, person = _person_with_many_records()
    now = timezone.now()
    family = Family.objects.create(run=FamilyRun.objects.create(actor="t", started_at=now),
                                   number=1)
    FamilyMember.objects.create(family=family, person=person, role="child")
    LinkDecision.objects.create(left_source="docket", left_record_id=f"r{MANY - 1}",
                                right_source="shelter", right_record_id="s1",
                                decision="different", actor="steward", reason="checked",
                                decided_at=now)
    page = family_page(family.pk, as_of=dt.date(2018, 7, 1))
    assert [r.decision for r in page.reviews] == ["different"]
    assert len(page.members[0].records) == MANY


def test_erasure_of_person_with_many_records():
    """Erasure blanks every record of a person with many records."""
    _person_with_many_records()
    counts = erase_person_data(actor="steward", source="docket", record_id="r0")
    assert counts["person_records"] == MANY
    assert not PersonRecord.objects.exclude(given_name="").exists()
