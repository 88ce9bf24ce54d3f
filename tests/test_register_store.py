"""The stored register (issue #14 item 4): status intervals computed once per data version,
read for any day by every view, invalidated by every kind of data change, never served stale,
and equal to the register computed afresh."""

from __future__ import annotations

import datetime as dt
import random
import threading
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from ingest_batches import EVENTS, PERSONS, RELATIONS, write
from reunify.actions.access import record_reads
from reunify.actions.claim import decide_claim
from reunify.actions.erasure import erase_person_data
from reunify.actions.export import export_rows
from reunify.actions.family import build_families
from reunify.actions.ingest import ingest_paths
from reunify.actions.link import link
from reunify.actions.register import store_intervals
from reunify.actions.review import decide_records
from reunify.actions.users import create_user
from reunify.models import FamilyClaim, Person, RegisterInterval, RegisterIntervals
from reunify.models.ledger import drop_append_only_triggers
from reunify.models.register import data_version
from reunify.queries import register_store
from reunify.queries.families import current_run
from reunify.queries.register import headline, register_rows
from reunify.queries.register_intervals import register_intervals
from reunify.queries.timeline import latest_event_day
from reunify.reports import register as stored
from reunify.reports.compliance import compliance_report
from reunify.rules.deadlines import DEFAULT_POLICY

AS_OF = dt.date(2018, 6, 1)
PASSWORD = "a passphrase long enough for the policy 2018"


#: A second and a third family, so that a batch about one family leaves others untouched.
MORE_PERSONS = ("border,b4,Pérez,Rosa,1980-01-02,F,HN,,g4,parent\n"
                "border,b5,Pérez,Juan,2012-03-04,M,HN,,g4,child\n"
                "border,b6,Soto,Eva,1979-05-06,F,SV,,g6,parent\n"
                "border,b7,Soto,Ana,2015-07-08,F,SV,,g6,child\n")
MORE_EVENTS = ("border,e4,b4,apprehended,2018-05-07,CBP,Ursula,,,\n"
               "border,e5,b5,separated,2018-05-08,ORR,Casa B,Agent 8,zero tolerance,\n"
               "border,e6,b6,apprehended,2018-05-08,CBP,Ursula,,,\n"
               "border,e7,b7,apprehended,2018-05-08,CBP,Ursula,,,\n")


def _store(folder: Path) -> None:
    """A small store built the way an operator builds one: ingest, link, families build."""
    files = [write(folder, "border.persons.csv", PERSONS + MORE_PERSONS),
             write(folder, "border.relations.csv", RELATIONS),
             write(folder, "border.events.csv", EVENTS + MORE_EVENTS)]
    report = ingest_paths(files, actor="clerk")
    assert report.changed_store
    link(actor="clerk", engine="deterministic")
    build_families(actor="clerk")


def _computed() -> int:
    return sum(stored.COMPUTATIONS.values())


def _served(as_of: dt.date = AS_OF) -> list[dict]:
    return list(stored.stored_rows(as_of, actor="reader"))


@pytest.fixture
def store(db, tmp_path) -> Path:
    _store(tmp_path / "batch")
    return tmp_path


def test_a_second_read_reads_the_stored_intervals(store):
    """The first read computes and stores the register's intervals; the second, and a read of
    another day, compute nothing and serve the rows computed afresh."""
    before = _computed()
    first = _served()
    assert _computed() == before + 1
    second = _served()
    assert _computed() == before + 1
    assert first == second == list(register_rows(AS_OF))
    assert RegisterIntervals.objects.filter(version=data_version()).count() == 1
    other = AS_OF + dt.timedelta(days=40)
    assert _served(other) == list(register_rows(other))
    assert _computed() == before + 1
    assert stored.stored_headline(AS_OF, actor="reader") == headline(AS_OF)
    assert _computed() == before + 1


def test_pages_api_and_reports_read_the_stored_intervals(store):
    """The register page, its CSV, the API and the compliance report read the stored
    intervals: after the first of them, none of them computes the register again."""
    user, _secret = create_user("steward", PASSWORD, "data_steward", actor="admin")
    client = Client()
    client.force_login(user)
    day = {"as_of": AS_OF.isoformat()}
    before = _computed()
    page = client.get(reverse("register"), day)
    assert page.status_code == 200
    assert _computed() == before + 1
    api = client.get(reverse("api:register"), day)
    assert api.status_code == 200
    csv = client.get(reverse("register_csv"), day)
    assert csv.status_code == 200
    b"".join(csv.streaming_content)
    compliance_report(AS_OF)
    assert _computed() == before + 1
    expected = list(register_rows(AS_OF))
    assert api.json()["count"] == len(expected) == page.context["total"]
    assert [r["person_id"] for r in api.json()["items"]] == [r["person_id"] for r in expected]


def test_a_flag_the_register_does_not_know_keeps_no_rows_and_is_refused(store):
    """The stored register asked for a flag that is not one of its answers keeps no rows and
    counts none (not a server error: counting reads days separated); the API and the page
    refuse such a filter alike, 400 with what is wrong."""
    snapshot = stored.register_snapshot(AS_OF, actor="steward")
    assert register_store.counted(snapshot, flag="1").total == 0
    assert not register_store.lines(snapshot, flag="1").exists()
    user, _secret = create_user("steward", PASSWORD, "data_steward", actor="admin")
    client = Client()
    client.force_login(user)
    api = client.get(reverse("api:register"), {"as_of": AS_OF.isoformat(), "flag": "1"})
    assert api.status_code == 400
    assert "flag: unknown value '1'" in api.json()["detail"]
    page = client.get(reverse("register"), {"as_of": AS_OF.isoformat(), "flag": "1"})
    assert page.status_code == 400


def test_the_eager_refresh_stores_the_latest_day_of_the_data(store):
    """After a link run or a families build the CLI stores the register's intervals and
    reports the latest day of the data (and today), so the first page computes nothing."""
    days = stored.refresh_register(actor="clerk")
    latest = latest_event_day()
    assert latest == dt.date(2018, 5, 9)
    assert latest in {d.as_of for d in days}
    before = _computed()
    assert _served(latest) == list(register_rows(latest))
    assert _computed() == before


def _ingest_reunification(store: Path) -> None:
    more = ("source,event_id,record_id,type,at,custodian,facility,actor,authority,reason\n"
            "border,e9,b2,reunified,2018-05-20,ICE,Dilley,,,\n")
    report = ingest_paths([write(store / "more", "border.events.csv", more)], actor="clerk")
    assert report.changed_store


def _decide_claim(store: Path) -> None:
    claimant = Person.objects.order_by("pk").first()
    claim = FamilyClaim.objects.create(run=current_run(), claimant=claimant, source="border",
                                       record_id="b3", relation="child_of",
                                       other_name="Rosa Martínez", line=3, candidates=[])
    decide_claim(claim.pk, "rejected", reason="names nobody here", actor="reviewer")


#: One of every kind of change of the register's inputs, made through its action (decisions
#: change none: see the test after).
CHANGES = {
    "ingest": _ingest_reunification,
    "link": lambda _s: link(actor="clerk", engine="deterministic"),
    "families build": lambda _s: build_families(actor="clerk"),
    "erasure": lambda _s: erase_person_data(actor="steward", source="border",
                                            record_id="b1"),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_every_kind_of_change_invalidates_the_intervals(store, change):
    """Each change of the register's inputs advances the data version: the stored intervals
    are not served again, the register is computed anew, and it equals the recomputation."""
    _served()
    version = data_version()
    old = RegisterIntervals.objects.get(version=version)
    CHANGES[change](store)
    assert data_version() > version
    before = _computed()
    served = _served()
    assert _computed() == before + 1
    assert served == list(register_rows(AS_OF))
    build_families(actor="clerk")  # the old set was kept as the base of one update, no more
    assert _served() == list(register_rows(AS_OF))
    assert not RegisterIntervals.objects.filter(pk=old.pk).exists()  # older ones are deleted
    assert not RegisterInterval.objects.filter(intervals_id=old.pk).exists()


def _decide_pair(_store: Path) -> None:
    decide_records(("border", "b1"), ("border", "b3"), "different", reason="two people",
                   actor="reviewer")


@pytest.mark.parametrize("decide", [_decide_pair, _decide_claim], ids=["review", "claim"])
def test_a_decision_takes_effect_with_the_run_that_applies_it(store, decide):
    """A review or claim decision binds the next link run or families build and changes no
    input of the register: the intervals are served again, and it is still the register
    computed afresh; the run that applies the decision advances the version."""
    first = _served()
    version = data_version()
    decide(store)
    assert data_version() == version
    before = _computed()
    assert _served() == first == list(register_rows(AS_OF))
    assert _computed() == before
    link(actor="clerk", engine="deterministic")
    build_families(actor="clerk")
    assert data_version() > version
    assert _served() == list(register_rows(AS_OF))
    assert _computed() == before + 1


def _partial() -> int:
    return sum(stored.PARTIAL.values())


NEW_NAME = ("source,record_id,family_name,given_name,birth_date,sex,country,a_number,group_id,"
            "group_role\n"
            "border,b2,García,Ana Lucía,2013-07,F,GT,,g1,child\n")
CONTACT = ("source,record_id,relation,other_record_id,other_name,evidence,first_contact\n"
           "border,b2,child_of,b1,,observed,2018-05-12\n")


def test_a_batch_of_events_or_persons_recomputes_only_the_families_it_touches(store):
    """After a batch of events, then one of person-records, only the families of their
    persons are computed again (the rest is copied from the older intervals), and the result
    is the register computed afresh, names included."""
    _served()
    for name, content in (("border.events.csv", None), ("border.persons.csv", NEW_NAME)):
        if content is None:
            _ingest_reunification(store)
        else:
            assert ingest_paths([write(store / "names", name, content)],
                                actor="clerk").changed_store
        before, partial = _computed(), _partial()
        served = _served()
        assert (_computed(), _partial()) == (before + 1, partial + 1)
        assert served == list(register_rows(AS_OF))
    assert "Ana Lucía García" in {r["name"] for r in served}


def test_casework_recomputes_only_the_families_of_its_cases(store):
    """A case closed as reunified is an event of its child's: the next read computes the
    intervals of that child's family only (the rest is copied), and the register of the days
    before and after the closing is the register computed afresh."""
    from reunify.actions.casework import close_case, move_case, open_case
    from reunify.rules import casework as rules

    child = next(r for r in _served() if r["role"] == "child" and r["status"] == "separated")
    person = int(child["person_id"][1:])
    case = open_case(person, actor="cw", on=AS_OF, reason="the register shows them separated")
    closed = dt.date(2018, 6, 20)
    for stage in (rules.PARENT_LOCATED, rules.IN_CONTACT, rules.WISHES_RECORDED,
                  rules.VERIFIED, rules.REUNIFICATION_PLANNED):
        move_case(case.pk, stage, reason=f"to {stage}", actor="cw", on=AS_OF)
    close_case(case.pk, rules.REUNIFIED, reason="with mother", actor="cw", on=closed)
    before, partial = _computed(), _partial()
    for day in (AS_OF, closed, closed + dt.timedelta(days=30)):
        assert _served(day) == list(register_rows(day)), day
    assert (_computed(), _partial()) == (before + 1, partial + 1)
    after = next(r for r in _served(closed) if r["person_id"] == child["person_id"])
    assert after["status"] == "reunified"


def test_a_batch_of_relations_recomputes_the_whole_register(store):
    """Relations decide whether a source records contact, for all of its persons: after such
    a batch the whole register is computed again, and it equals the recomputation."""
    _served()
    assert ingest_paths([write(store / "contact", "border.relations.csv", CONTACT)],
                        actor="clerk").changed_store
    before, partial = _computed(), _partial()
    assert _served() == list(register_rows(AS_OF))
    assert (_computed(), _partial()) == (before + 1, partial)


def test_stale_intervals_are_never_served(store):
    """After a reunification is ingested the served register says reunified at once, not the
    separated of the stored intervals."""
    child = next(r for r in _served() if r["role"] == "child")
    assert child["status"] == "separated"
    _ingest_reunification(store)
    child_now = next(r for r in _served() if r["person_id"] == child["person_id"])
    assert child_now["status"] == "reunified"


def test_an_erasure_forgets_the_stored_names_at_once(store):
    """The stored register holds names: an erasure deletes every stored interval in its own
    transaction, before anyone asks for the register again."""
    _served()
    assert RegisterInterval.objects.exclude(name="").exists()
    erase_person_data(actor="steward", source="border", record_id="b1")
    assert not RegisterIntervals.objects.exists()
    assert not RegisterInterval.objects.exists()


def test_reads_exports_and_accounts_leave_the_data_version(store, tmp_path):
    """Logged reads, exports and user accounts change no input of the register: the version
    stays and the intervals are served again without recomputation."""
    _served()
    version = data_version()
    record_reads("person", ["P0000042"], actor="reader", role="data_steward", route="/x")
    export_rows("register", _served(), ["person_id"], tmp_path / "out.csv", actor="reader")
    create_user("another", PASSWORD, "caseworker", actor="admin")
    assert data_version() == version
    before = _computed()
    _served()
    assert _computed() == before


def test_storing_intervals_twice_writes_them_once(store):
    """Get-or-create: a second store of the same (version, policy) returns the first set and
    writes no row; a store for a version that is no longer the data's refuses."""
    rows = list(register_intervals())
    version = data_version()
    first = store_intervals(actor="a", version=version, policy=DEFAULT_POLICY, rows=rows)
    second = store_intervals(actor="b", version=version, policy=DEFAULT_POLICY, rows=rows)
    assert first is not None
    assert second is not None
    assert first.pk == second.pk
    assert RegisterInterval.objects.filter(intervals=first).count() == len(rows) == first.rows
    assert store_intervals(actor="c", version=version - 1, policy=DEFAULT_POLICY,
                           rows=rows) is None


def test_the_stored_register_equals_the_computed_one_on_random_days(store):
    """For random days of the season (and the days of its events), the stored register, its
    headline and its filtered pages are the computed register."""
    rng = random.Random(14)
    days = {dt.date(2018, 5, 1) + dt.timedelta(days=rng.randrange(120)) for _ in range(8)}
    days |= {dt.date(2018, 5, 7), dt.date(2018, 5, 8), dt.date(2018, 5, 9)}
    for day in sorted(days):
        assert _served(day) == list(register_rows(day)), day
        assert stored.stored_headline(day, actor="reader") == headline(day), day
        snapshot = stored.register_snapshot(day, actor="reader")
        for status in ("separated", "together"):
            expected = [r for r in register_rows(day) if r["status"] == status]
            got = list(register_store.spec_rows(register_store.lines(snapshot, status=status)))
            assert got == expected
            counts = register_store.count(register_store.lines(snapshot, status=status))
            assert counts.total == len(expected)
            assert register_store.counted(snapshot, status=status) == counts


@pytest.fixture
def committed_store(transactional_db, tmp_path):
    """A store whose writes are committed, so that other threads' connections see them."""
    _store(tmp_path / "batch")
    yield tmp_path
    drop_append_only_triggers(connection)


def test_two_requests_at_once_compute_and_store_the_intervals_once(committed_store):
    """Two requests that need the same missing intervals at the same moment: one computes and
    stores them, the other waits and reads them — one set, no duplicated row."""
    from django.db import connections

    before = _computed()
    start = threading.Barrier(2)
    served: list[list[dict]] = []
    errors: list[BaseException] = []

    def request() -> None:
        try:
            start.wait()
            served.append(_served())
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert _computed() == before + 1
    assert served[0] == served[1] == list(register_rows(AS_OF))
    intervals = RegisterIntervals.objects.get(version=data_version())
    day = stored.RegisterDay(intervals, AS_OF)
    assert register_store.lines(day).count() == len(served[0])


def test_the_cli_reads_the_stored_register(store, tmp_path, capsys, monkeypatch):
    """``reunify register`` and ``reunify export register`` read the stored intervals: the
    second command computes nothing, and the export is the register computed afresh."""
    from reunify.cli.main import main

    monkeypatch.setenv("REUNIFY_ACTOR", "clerk")
    before = _computed()
    assert main(["register", "--as-of", AS_OF.isoformat(), "--json"]) == 0
    assert _computed() == before + 1
    out = tmp_path / "register.jsonl"
    assert main(["export", "register", "--as-of", AS_OF.isoformat(), "--out", str(out),
                 "--format", "jsonl"]) == 0
    assert _computed() == before + 1
    assert len(out.read_text().splitlines()) == len(list(register_rows(AS_OF)))
    capsys.readouterr()


@pytest.mark.parametrize("command", [["families", "build"], ["link", "--engine",
                                                               "deterministic"]])
def test_link_and_families_build_store_the_register_of_the_latest_day(store, capsys, command):
    """After ``reunify link`` or ``reunify families build`` the register of the latest day of
    the data (any day) is already stored at the new data version: its first page computes
    nothing."""
    from reunify.cli.main import main

    assert main([*command, "--as", "clerk"]) == 0
    capsys.readouterr()
    latest = latest_event_day()
    assert RegisterIntervals.objects.filter(version=data_version()).exists()
    before = _computed()
    _served(latest)
    assert _computed() == before
