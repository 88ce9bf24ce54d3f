"""The queries that matter at national scale find their rows through an index (issue #15:
"indexes checked with EXPLAIN").

A store is filled with tens of thousands of rows (``index_store``) and, on PostgreSQL,
analysed, so that the planner chooses as it would on a large store rather than a tiny one;
then each page, look-up and read below runs as the application runs it, every statement it
sends is captured, and the database's own plan of that statement is read (PostgreSQL:
``EXPLAIN (FORMAT JSON)``; SQLite: ``EXPLAIN QUERY PLAN``). A statement that passes over a
large table (PostgreSQL's ``Seq Scan``, SQLite's ``SCAN``) fails the test, naming the
statement and its plan: a dropped index, or a query that can no longer use one, fails CI. No
planner setting is changed: on the filled store a scan is never the cheaper plan for these
statements. PostgreSQL's check is the stricter: its planner knows how many rows a condition
keeps, while SQLite without statistics reads through any index whose first column is named,
however many rows that is.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from index_store import BIG_TABLES, IndexStore, fill_index_store, plan_of, scans_of
from reunify.queries.families import families_of
from reunify.queries.person import person_page
from reunify.queries.search import search
from reunify.queries.tracing import caller_answer, candidates, inquiry_by_reference

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def index_store(django_db_setup, django_db_blocker) -> Iterator[IndexStore]:
    """The filled and analysed store (``tests/index_store.py``), filled once for the module in
    a transaction of its own that is rolled back at its end (each test's own changes are
    rolled back at the test's end, inside it)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield fill_index_store()
        transaction.set_rollback(True)


@contextmanager
def _captured() -> Iterator[CaptureQueriesContext]:
    """Capture the statements sent; the connection's log is emptied first: once it holds its
    9,000 entries it no longer grows, and a capture would see nothing."""
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        yield captured


#: How PostgreSQL is sent a server-side cursor's query (``QuerySet.iterator``).
_DECLARE = re.compile(r"^DECLARE \S+ (NO )?SCROLL CURSOR (WITH(OUT)? HOLD )?FOR ", re.IGNORECASE)


def _statements(captured: CaptureQueriesContext, *, cursors: bool = False) -> list[str]:
    """The statements that read or change rows; a server-side cursor's as its query alone
    (``cursors``: only those sent as a server-side cursor)."""
    out = []
    for query in captured.captured_queries:
        sql = query["sql"].lstrip()
        declared = _DECLARE.match(sql)
        if cursors and not declared:
            continue
        sql = sql[declared.end():] if declared else sql
        if sql.upper().startswith(("SELECT", "WITH", "UPDATE", "DELETE")):
            out.append(sql)
    return out


def _assert_no_scans(statements: list[str]) -> None:
    assert statements, "nothing was read: the test no longer looks at anything"
    problems = []
    for sql in statements:
        scanned = scans_of(sql) & BIG_TABLES
        if scanned:
            problems.append(f"{sorted(scanned)} scanned by:\n{sql}\nplan:\n{plan_of(sql)}")
    assert not problems, "\n\n".join(problems)


def test_a_persons_page_reads_only_their_rows(index_store):
    """The person page (records, relations, timeline, standing, families) reads through the
    indexes of identities, records, relations, events and family members: no statement
    passes over a large table."""
    with _captured() as captured:
        page = person_page(index_store.person)
    assert page.records, "the filled person has records"
    assert page.families, "the filled person has a family"
    _assert_no_scans(_statements(captured))


def test_the_families_of_a_person_are_read_by_index(index_store):
    """A person's current families and all their members and conflicting links: by index."""
    with _captured() as captured:
        views = families_of(index_store.person)
    assert [index_store.person in v.members for v in views] == [True]
    _assert_no_scans(_statements(captured))


@pytest.mark.parametrize("kind", ["name", "record_id", "person_id", "a_number"])
def test_search_reads_by_index(index_store, kind):
    """Search by a name (its words proposed by the in-process name index), by a source's
    record id (whatever the source), by a person's public id and by an A-number (its digits,
    however the source wrote it): every statement after the name index is built reads by index
    (the name index itself is one pass, once per process and data change)."""
    query = {"name": index_store.name, "record_id": index_store.record_id,
             "person_id": f"P{index_store.person:07d}", "a_number": index_store.a_number}[kind]
    search("warm up the name index")
    with _captured() as captured:
        hits = search(query)
    assert index_store.person in {h.person_pk for h in hits}
    _assert_no_scans(_statements(captured))


def test_an_inquiry_and_its_candidates_are_read_by_index(index_store):
    """An inquiry by its reference, its candidates best first, and what the operator may tell
    the caller (the caseworker of the likely candidate's family): by index."""
    with _captured() as captured:
        inquiry = inquiry_by_reference(index_store.reference)
        found = candidates(inquiry)
        caller_answer(inquiry)
    assert found
    assert [c.rank for c in found] == sorted(c.rank for c in found)
    _assert_no_scans(_statements(captured))


@pytest.mark.parametrize("status", ["", "separated"])
def test_a_page_of_the_register_of_a_day_is_read_in_index_order(index_store, status):
    """A page of the stored register of a day (all rows, or one status) walks the intervals'
    index in register order and stops after the page: no pass over the interval table and
    no sort of the day's rows."""
    from reunify.queries import register_store

    day = register_store.RegisterDay(index_store.intervals, dt.date(2018, 7, 1))
    with _captured() as captured:
        rows = list(register_store.spec_rows(register_store.lines(day, status=status)[:100]))
    assert len(rows) == 100
    statements = _statements(captured)
    _assert_no_scans(statements)
    for sql in statements:
        plan = plan_of(sql)
        assert "Sort" not in plan, plan
        assert "TEMP B-TREE" not in plan, plan


def test_the_link_runs_read_streams_in_key_order_through_a_server_side_cursor(index_store):
    """The linker reads every current record in key order, a chunk at a time: on PostgreSQL
    through a server-side cursor whose plan walks the records' unique index (no sort of the
    whole table before the first chunk); on SQLite the same index, no temporary b-tree."""
    from reunify.models.linkage import linkage_records

    with _captured() as captured:
        records = linkage_records()
    assert len(records) == index_store.records
    on_postgres = connection.vendor == "postgresql"
    (read,) = [s for s in _statements(captured, cursors=on_postgres)
               if "ORDER BY" in s and "person_record" in s]
    plan = plan_of(read, cursor=True)
    if on_postgres:
        assert "Sort" not in plan, plan
        assert "person_record_version_unique" in plan, plan
    else:  # SQLite names the unique constraint's index itself
        assert "USING INDEX sqlite_autoindex_reunify_person_record" in plan, plan
        assert "TEMP B-TREE" not in plan, plan


def test_ingests_look_ups_of_earlier_versions_use_the_records_key(index_store, tmp_path,
                                                                   monkeypatch):
    """A batch re-sending records the store holds: the look-up of their current versions,
    the retiring of the changed ones and the check that no file came twice read by index."""
    from reunify.actions import ingest as ingest_action
    from reunify.actions.ingest import ingest_paths

    # Only the records' own writing is looked at here, not the linking of new records.
    monkeypatch.setattr(ingest_action, "link_new_records", lambda **_kw: None)
    header = ("source,record_id,family_name,given_name,birth_date,sex,country,a_number,"
              "group_id,group_role\n")
    rows = "".join(f"{index_store.source},{r},Changed,Name,1980-01-01,F,GT,,,\n"
                   for r in index_store.some_record_ids)
    (tmp_path / f"{index_store.source}.persons.csv").write_text(header + rows, encoding="utf-8")
    with _captured() as captured:
        report = ingest_paths([tmp_path], actor="tester")
    assert report.totals()["changed"] == len(index_store.some_record_ids)
    lookups = [s for s in _statements(captured)
               if ("content_hash" in s and "is_current" in s) or "sha256" in s
               or s.startswith("UPDATE")]
    assert len(lookups) >= 3
    _assert_no_scans(lookups)
