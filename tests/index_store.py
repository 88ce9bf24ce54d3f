"""A store large enough for the planner to choose as it would at national scale, and the
database's plans of statements, for ``tests/test_indexes.py``.

The rows are written in bulk (``COPY`` on PostgreSQL), tens of thousands per table, then the
tables are analysed on PostgreSQL so that its planner knows their size. SQLite is not
analysed: without statistics it prefers an index wherever one applies, which is what these
tests look for; a statement no index can serve is a ``SCAN`` there whatever the statistics.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from reunify.actions.table_writing import write_table_rows
from reunify.models import (
    EventRecord,
    Family,
    FamilyRun,
    ImportBatch,
    Inquiry,
    LinkRun,
    Person,
    RegisterIntervals,
    SourceFile,
)

#: Persons in the filled store; every fifth has a second record in another source.
PERSONS = 30_000
_SOURCES = ("alpha", "bravo", "charlie", "delta")
_GIVEN = ("Ana", "José", "María", "Luis", "Rosa", "Juan", "Carmen", "Pedro", "Elena", "Jorge")
_FAMILY = ("García", "López", "Martínez", "Hernández", "Pérez", "González", "Ramírez",
           "Flores", "Cruz", "Morales", "Reyes", "Ortiz")

#: The tables filled here: a pass over any of them is what the tests look for.
BIG_TABLES = frozenset({
    "reunify_person", "reunify_person_record", "reunify_identity", "reunify_event_record",
    "reunify_relation_record", "reunify_family", "reunify_family_member",
    "reunify_family_link", "reunify_register_interval", "reunify_inquiry",
    "reunify_inquiry_candidate",
})


@dataclass(frozen=True)
class IndexStore:
    """What the tests ask the filled store for."""

    person: int
    name: str
    a_number: str
    source: str
    record_id: str
    some_record_ids: tuple[str, ...]
    records: int
    reference: str
    intervals: RegisterIntervals


def _json(model, field: str, value):
    return model._meta.get_field(field).get_db_prep_save(value, connection)


def _files(batch: ImportBatch) -> dict[tuple[str, str], int]:
    files = {}
    for source in _SOURCES:
        for kind in ("persons", "relations", "events"):
            files[(source, kind)] = SourceFile.objects.create(
                batch=batch, name=f"{source}.{kind}.csv", sha256=f"{source}-{kind}".ljust(64, "0"),
                source=source, kind=kind, format="csv", size=1, rows=PERSONS).pk
    return files


def _records(run: LinkRun, files: dict) -> tuple[list[int], list[tuple[str, str, int]]]:
    """Persons, and their records as (source, record_id, person); person ``i`` of the
    persons' order is the parent (``i`` divisible by 3) or a child of family ``i // 3``."""
    write_table_rows(Person._meta.db_table, ("created_run_id",), ((run.pk,)
                                                                   for _ in range(PERSONS)))
    persons = list(Person.objects.order_by("pk").values_list("pk", flat=True))
    records, order = [], []
    for i, person in enumerate(persons):
        records.append((_SOURCES[i % 4], f"R{i:06d}", person))
        order.append(i)
        if i % 5 == 0:
            records.append((_SOURCES[(i + 1) % 4], f"S{i:06d}", person))
            order.append(i)
    empty = _json(EventRecord, "attributes", {})
    write_table_rows(
        "reunify_person_record",
        ("source", "record_id", "version", "is_current", "file_id", "line", "content_hash",
         "attributes", "family_name", "given_name", "birth_date", "sex", "country", "a_number",
         "a_number_key", "group_id", "group_role", "phone", "address", "languages"),
        ((s, r, 1, True, files[(s, "persons")], n + 2, f"{r}".ljust(64, "0"), empty,
          f"{_FAMILY[n % 12]} {_FAMILY[(n // 12) % 12]}", _GIVEN[n % 10],
          f"{1960 + n % 50}-0{1 + n % 9}-1{n % 10}", "FM"[n % 2], "GT", f"A{200000000 + n}",
          f"{200000000 + n}", f"G{i // 3}", "parent" if i % 3 == 0 else "child", "", "", "")
         for n, ((s, r, _p), i) in enumerate(zip(records, order, strict=True))))
    write_table_rows("reunify_identity", ("source", "record_id", "person_id", "run_id"),
                     ((s, r, p, run.pk) for s, r, p in records))
    at = connection.ops.adapt_datetimefield_value
    write_table_rows(
        "reunify_event_record",
        ("source", "event_id", "record_id", "version", "is_current", "file_id", "line",
         "content_hash", "attributes", "type", "at", "custodian", "facility", "actor",
         "authority", "reason"),
        ((s, f"E{r}-{k}", r, 1, True, files[(s, "events")], 2 * n + k + 2,
          f"E{r}-{k}".ljust(64, "0"), empty, ("apprehended", "placed")[k],
          at(dt.datetime(2018, 5, 1 + n % 28, 12, tzinfo=dt.UTC) + dt.timedelta(days=3 * k)),
          ("CBP", "ORR")[k], ("Ursula", "Casa")[k], "", "", "")
         for n, (s, r, _p) in enumerate(records) for k in (0, 1)))
    contact = _json(EventRecord, "attributes", {"first_contact": "2018-06-01"})
    write_table_rows(
        "reunify_relation_record",
        ("source", "relation_key", "record_id", "version", "is_current", "file_id", "line",
         "content_hash", "attributes", "relation", "other_record_id", "other_name",
         "other_birth_date", "other_a_number", "other_phone", "evidence"),
        ((s, f"K{r}".ljust(64, "0"), r, 1, True, files[(s, "relations")], n + 2,
          f"K{r}".ljust(64, "1"), contact if n % 100 == 0 else empty, "child_of",
          f"R{i - i % 3:06d}", "", "", "", "", "stated")
         for n, ((s, r, _p), i) in enumerate(zip(records, order, strict=True))
         if r.startswith("R") and i % 3))
    return persons, records


def _families(persons: list[int]) -> RegisterIntervals:
    now = timezone.now()
    run = FamilyRun.objects.create(actor="fixture", started_at=now, finished_at=now)
    write_table_rows(Family._meta.db_table, ("run_id", "number", "flags"),
                     ((run.pk, n + 1, _json(Family, "flags", []))
                      for n in range(PERSONS // 3)))
    family_of = dict(Family.objects.filter(run=run).values_list("number", "pk"))
    write_table_rows("reunify_family_member", ("family_id", "person_id", "role"),
                     ((family_of[i // 3 + 1], p, "parent" if i % 3 == 0 else "child")
                      for i, p in enumerate(persons)))
    sources = json.dumps([{"source": "alpha", "record_id": "R0", "kind": "persons"}])
    write_table_rows(
        "reunify_family_link",
        ("family_id", "from_person_id", "to_person_id", "relation", "evidence", "strength",
         "sources", "conflict"),
        ((family_of[i // 3 + 1], persons[i - i % 3], p, "parent_of", "group", 0.5,
          _json(Family, "flags", json.loads(sources)), "")
         for i, p in enumerate(persons) if i % 3))
    intervals = RegisterIntervals.objects.create(version=1, policy="fixture", computed_at=now,
                                                 computed_by="fixture")
    day = connection.ops.adapt_datefield_value
    write_table_rows(
        "reunify_register_interval",
        ("intervals_id", "start", "until", "family_pk", "family_number", "person", "role",
         "name", "birth_date", "status", "custodian", "facility", "since", "separated_since",
         "separation_ended", "days_fixed", "open_from", "flags", "flag_bits"),
        ((intervals.pk, day(dt.date(2018, 5, 1 + i % 28)), day(dt.date(2200, 1, 1)),
          family_of[i // 3 + 1], i // 3 + 1, p, "parent" if i % 3 == 0 else "child", "N", "",
          ("in_custody", "separated", "reunified")[i % 3], "", "", None, None, None, None, None,
          "", 0)
         for i, p in enumerate(persons)))
    return intervals


def _inquiries(persons: list[int]) -> str:
    received = connection.ops.adapt_datetimefield_value(timezone.now())
    write_table_rows(
        "reunify_inquiry",
        ("source", "inquiry_id", "reference", "status", "received_at", "caseworker"),
        (("hotline", f"Q{n}", f"T-{n:04d}-{n:04d}", "open", received, "")
         for n in range(PERSONS // 10)))
    inquiries = list(Inquiry.objects.order_by("pk").values_list("pk", flat=True))
    write_table_rows(
        "reunify_inquiry_candidate",
        ("inquiry_id", "rank", "person_id", "probability", "match_weight", "comparisons",
         "status"),
        ((q, rank, persons[(n * 7 + rank) % PERSONS], 0.9 - rank / 10, 5.0,
          _json(Family, "flags", []), "proposed")
         for n, q in enumerate(inquiries) for rank in (1, 2, 3)))
    return "T-0042-0042"


def fill_index_store() -> IndexStore:
    """Fill the test store (inside the test's transaction) and analyse it on PostgreSQL."""
    now = timezone.now()
    batch = ImportBatch.objects.create(actor="fixture", started_at=now, committed_at=now)
    run = LinkRun.objects.create(actor="fixture", started_at=now, finished_at=now,
                                 engine="deterministic")
    persons, records = _records(run, _files(batch))
    intervals = _families(persons)
    reference = _inquiries(persons)
    # One person with a name nobody else has: the one a name search must find.
    target = 3 * 1234 + 1
    source, record_id = _SOURCES[target % 4], f"R{target:06d}"
    from reunify.models import PersonRecord

    PersonRecord.objects.filter(source=source, record_id=record_id).update(
        given_name="Xiomara", family_name="Quintanilla Zelaya", a_number="A 0987-654 321",
        a_number_key="987654321")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in sorted(BIG_TABLES):
                cursor.execute(f"ANALYZE {table}")  # nosec B608 - our names
    return IndexStore(person=persons[target], name="Xiomara Quintanilla", a_number="987654321",
                      source=source,
                      record_id=record_id,
                      some_record_ids=tuple(r for s, r, _p in records[:400] if s == source),
                      records=len(records), reference=reference, intervals=intervals)


def plan_of(sql: str, *, cursor: bool = False) -> str:
    """The database's plan of ``sql`` as text; ``cursor``: planned as a server-side cursor is
    on PostgreSQL (for a first chunk soon, ``cursor_tuple_fraction``)."""
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            prefix = "EXPLAIN DECLARE plan_of NO SCROLL CURSOR FOR " if cursor else "EXPLAIN "
            c.execute(prefix + sql)
            return "\n".join(row[0] for row in c.fetchall())
        c.execute("EXPLAIN QUERY PLAN " + sql)
        return "\n".join(row[-1] for row in c.fetchall())


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


def scans_of(sql: str) -> set[str]:
    """The tables ``sql``'s plan passes over whole (PostgreSQL ``Seq Scan``; SQLite ``SCAN``
    of a table or of its index, or an automatic index built for the statement)."""
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            c.execute("EXPLAIN (FORMAT JSON) " + sql)
            (document,) = c.fetchone()
            plans = document if isinstance(document, list) else json.loads(document)
            return {n["Relation Name"] for n in _nodes(plans[0]["Plan"])
                    if n["Node Type"] == "Seq Scan"}
        c.execute("EXPLAIN QUERY PLAN " + sql)
        details = [row[-1] for row in c.fetchall()]
    aliases = {alias: table for table, alias in re.findall(r'"(\w+)" (U\d+)\b', sql)}
    out = set()
    for detail in details:
        words = detail.split()
        if words[0] == "SCAN" or "AUTOMATIC" in words:
            name = words[1].strip('"')
            out.add(aliases.get(name, name))
    return out
