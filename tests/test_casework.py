"""Reunification cases: opened from the register, moved by the stage table, assigned, followed
through relinking, and the export's promise (every separated child has exactly one open case)."""

from __future__ import annotations

import datetime as dt

import pytest

from family_store import StoreBuilder
from reunify.actions.casework import (
    assign_case,
    close_case,
    follow_persons,
    move_case,
    open_case,
    open_cases,
    repoint_case,
)
from reunify.actions.family import build_families
from reunify.actions.users import create_user
from reunify.models import Assignment, Case, CaseNotice, CaseStep, Identity, LedgerEntry
from reunify.queries.cases import case_rows, needed_cases, queue
from reunify.queries.register import register_rows
from reunify.rules import casework as rules
from reunify.rules.interchange import EXPORT_COLUMNS

pytestmark = pytest.mark.django_db

DAY = dt.date(2018, 7, 20)


def separate(store: StoreBuilder, tag: str, *, child_birth: str = "2014-05-06",
             day: str = "2018-07-10"):
    """A parent referred for prosecution and their child sent to a shelter on ``day``."""
    parent, (child,) = store.border_family(tag, child_births=(child_birth,))
    for record in (f"{tag}-p", f"{tag}-c0"):
        store.event("border", record, "apprehended", "2018-07-01", custodian="CBP",
                    facility="Ursula")
    store.event("border", f"{tag}-p", "referred", day, custodian="USMS", facility="Court")
    store.event("border", f"{tag}-c0", "separated", day, custodian="ORR", facility="Casa A")
    return parent, child


def open_all(as_of: dt.date = DAY) -> list[Case]:
    build_families(actor="tester")
    return open_cases(needed_cases(as_of), actor="tester", on=as_of)


def caseworker(name: str):
    user, _secret = create_user(name, "correct horse battery staple 42", "caseworker",
                                actor="tester")
    return user


def test_open_cases_opens_one_per_separated_child_and_only_once():
    """Each separated child gets one case with the parent sought; opening again opens none."""
    store = StoreBuilder()
    parent_a, child_a = separate(store, "a")
    _parent_b, child_b = separate(store, "b")
    opened = open_all()
    assert sorted(c.person_id for c in opened) == sorted([child_a.pk, child_b.pk])
    case_a = Case.objects.get(person=child_a)
    assert case_a.parent_id == parent_a.pk
    assert case_a.stage == rules.OPEN
    assert case_a.records == [["border", "a-c0"]]
    assert open_cases(needed_cases(DAY), actor="tester", on=DAY) == []
    assert LedgerEntry.objects.filter(type="case.opened_from_register").count() == 1


def test_every_separated_child_has_exactly_one_case_not_closed():
    """The ``cases`` export's promise, and its spec columns first."""
    store = StoreBuilder()
    for tag in "abc":
        separate(store, tag)
    open_all()
    rows = list(case_rows(DAY))
    assert list(rows[0])[:len(EXPORT_COLUMNS["cases"])] == list(EXPORT_COLUMNS["cases"])
    separated = {r["person_id"] for r in register_rows(DAY)
                 if r["status"] == "separated" and r["role"] == "child"}
    open_rows = [r for r in rows if not r["closed"]]
    assert sorted(r["person_id"] for r in open_rows) == sorted(separated)
    # A 4-year-old separated on 10 July: first contact due 20 July (10 days) comes first.
    assert {r["next_deadline"] for r in open_rows} == {"2018-07-20"}
    # Opened from the register: the case's day is the separation's, so the export as of any
    # day since (before `cases open` ran) covers the child too.
    assert {r["opened"] for r in rows} == {"2018-07-10"}
    earlier = DAY - dt.timedelta(days=5)
    still = {r["person_id"] for r in register_rows(earlier)
             if r["status"] == "separated" and r["role"] == "child"}
    assert sorted(r["person_id"] for r in case_rows(earlier) if not r["closed"]) == \
        sorted(still) == sorted(separated)


def test_stage_table_refuses_a_skip_and_records_each_step_in_the_ledger():
    """A case moves only as MOVES allows; each move is a step and a ledger entry."""
    store = StoreBuilder()
    separate(store, "a")
    (case,) = open_all()
    with pytest.raises(rules.CaseworkError, match="cannot move to verified"):
        move_case(case.pk, rules.VERIFIED, reason="skip", actor="cw", on=DAY)
    with pytest.raises(rules.CaseworkError, match="reason"):
        move_case(case.pk, rules.PARENT_LOCATED, reason=" ", actor="cw", on=DAY)
    for stage in (rules.PARENT_LOCATED, rules.IN_CONTACT, rules.WISHES_RECORDED,
                  rules.VERIFIED, rules.REUNIFICATION_PLANNED):
        move_case(case.pk, stage, reason=f"to {stage}", actor="cw", on=DAY)
    assert LedgerEntry.objects.filter(type="case.moved").count() == 5
    closed = close_case(case.pk, rules.REUNIFIED, reason="with mother", actor="cw", on=DAY)
    assert (closed.stage, closed.outcome, closed.closed) == (rules.CLOSED, rules.REUNIFIED, DAY)
    assert [s.kind for s in CaseStep.objects.filter(case=case).order_by("pk")][-1] == "closed"
    with pytest.raises(rules.CaseworkError, match="closed"):
        move_case(case.pk, rules.VERIFIED, reason="again", actor="cw", on=DAY)


def test_the_export_as_of_a_day_shows_each_case_at_its_stage_on_that_day():
    """A case's stage as of a day is that of its last change of stage dated on or before it,
    in the export (the whole register) and in a few cases' lines alike; closed only from the
    day it closed."""
    from reunify.queries.cases import case_lines

    store = StoreBuilder()
    separate(store, "a")
    (case,) = open_all()
    days = {rules.PARENT_LOCATED: "2018-07-22", rules.IN_CONTACT: "2018-07-25",
            rules.WISHES_RECORDED: "2018-07-28", rules.VERIFIED: "2018-07-30",
            rules.REUNIFICATION_PLANNED: "2018-08-01"}
    for stage, day in days.items():
        move_case(case.pk, stage, reason=f"to {stage}", actor="cw",
                  on=dt.date.fromisoformat(day))
    close_case(case.pk, rules.REUNIFIED, reason="with mother", actor="cw",
               on=dt.date(2018, 8, 5))
    expected = {"2018-07-12": (rules.OPEN, ""), "2018-07-22": (rules.PARENT_LOCATED, ""),
                "2018-07-24": (rules.PARENT_LOCATED, ""), "2018-07-27": (rules.IN_CONTACT, ""),
                "2018-08-04": (rules.REUNIFICATION_PLANNED, ""),
                "2018-08-05": (rules.CLOSED, "2018-08-05")}
    for day, (stage, closed) in expected.items():
        on = dt.date.fromisoformat(day)
        (row,) = case_rows(on)
        assert (row["stage"], row["closed"]) == (stage, closed), day
        (line,) = case_lines(on, [Case.objects.get(pk=case.pk)])
        assert line.stage == stage, day


def test_a_change_of_stage_cannot_be_dated_before_the_last_one():
    """Moving or closing a case on a day before its opening or its last change of stage is
    refused and writes nothing: its stages as of past days stay readable in order."""
    store = StoreBuilder()
    separate(store, "a")
    (case,) = open_all()
    with pytest.raises(rules.CaseworkError, match="precede"):
        move_case(case.pk, rules.PARENT_LOCATED, reason="found", actor="cw",
                  on=dt.date(2018, 7, 9))
    move_case(case.pk, rules.PARENT_LOCATED, reason="found", actor="cw", on=dt.date(2018, 7, 25))
    steps, entries = CaseStep.objects.count(), LedgerEntry.objects.count()
    with pytest.raises(rules.CaseworkError, match="2018-07-25"):
        move_case(case.pk, rules.IN_CONTACT, reason="reached", actor="cw",
                  on=dt.date(2018, 7, 24))
    assert (CaseStep.objects.count(), LedgerEntry.objects.count()) == (steps, entries)
    assert Case.objects.get(pk=case.pk).stage == rules.PARENT_LOCATED
    move_case(case.pk, rules.IN_CONTACT, reason="reached", actor="cw", on=dt.date(2018, 7, 25))
    assert Case.objects.get(pk=case.pk).stage == rules.IN_CONTACT


def test_outcomes_that_need_a_sign_off_cannot_be_closed_directly():
    """Parent declined and released to a sponsor close only through a signed determination."""
    store = StoreBuilder()
    separate(store, "a")
    (case,) = open_all()
    move_case(case.pk, rules.IN_CONTACT, reason="reached", actor="cw", on=DAY)
    for outcome in (rules.PARENT_DECLINED, rules.RELEASED_TO_SPONSOR):
        with pytest.raises(rules.CaseworkError, match="second person"):
            close_case(case.pk, outcome, reason="x", actor="cw", on=DAY)
    with pytest.raises(rules.CaseworkError, match="cannot close as reunified"):
        close_case(case.pk, rules.REUNIFIED, reason="x", actor="cw", on=DAY)


def test_a_stale_page_cannot_move_a_case():
    """A step given with the version a page showed is refused once the case changed."""
    from reunify.actions.casework import StaleCase

    store = StoreBuilder()
    separate(store, "a")
    (case,) = open_all()
    seen = case.version
    move_case(case.pk, rules.PARENT_LOCATED, reason="found", actor="cw1", on=DAY)
    with pytest.raises(StaleCase):
        move_case(case.pk, rules.IN_CONTACT, reason="late", actor="cw2", expected_version=seen,
                  on=DAY)


def test_assignment_needs_a_caseworker_and_a_reason_and_grants_the_family():
    """Assigning gives the caseworker the child; reassigning tells the former one and takes
    the child away from them; the queue lists the caseworker's cases, most urgent first."""
    store = StoreBuilder()
    _p, child = separate(store, "a")
    separate(store, "b", child_birth="2009-01-01", day="2018-07-02")
    open_all()
    case_a = Case.objects.get(person=child)
    first, second = caseworker("cw1"), caseworker("cw2")
    with pytest.raises(rules.CaseworkError, match="reason"):
        assign_case(case_a.pk, first.pk, reason="", actor="sup")
    steward, _ = create_user("steward", "correct horse battery staple 42", "data_steward",
                             actor="tester")
    with pytest.raises(rules.CaseworkError, match="caseworkers only"):
        assign_case(case_a.pk, steward.pk, reason="load", actor="sup")
    assign_case(case_a.pk, first.pk, reason="speaks Spanish", actor="sup")
    other = Case.objects.exclude(pk=case_a.pk).get()
    assign_case(other.pk, first.pk, reason="same region", actor="sup")
    assert Assignment.objects.filter(user=first, person=child).exists()
    lines = queue(first.pk, DAY)
    # b: separated 2 July, contact due 12 July (overdue) comes before a's 20 July.
    assert [line.case.pk for line in lines] == [other.pk, case_a.pk]
    assert lines[0].next_deadline.days_left(DAY) < 0
    assign_case(case_a.pk, second.pk, reason="workload", actor="sup")
    assert not Assignment.objects.filter(user=first, person=child).exists()
    assert CaseNotice.objects.filter(user=first, text__contains="reassigned").exists()
    assert CaseNotice.objects.filter(user=second, case=case_a).exists()


def test_cases_of_two_persons_merged_into_one_become_one_and_both_caseworkers_are_told():
    """Relinking joins two persons with cases: one case survives, the other closes as merged."""
    store = StoreBuilder()
    _p, child = separate(store, "a")
    shelter_child = store.person("shelter", "S-1", given="Niño0", family="López a",
                                 birth_date="2014-05-06")
    store.event("shelter", "S-1", "separated", "2018-07-10", custodian="ORR", facility="Casa B")
    open_all()
    first_case = Case.objects.get(person=child)
    second_case = open_case(shelter_child.pk, actor="cw", on=DAY, reason="shelter intake") \
        if not Case.objects.filter(person=shelter_child).exists() else \
        Case.objects.get(person=shelter_child)
    cw1, cw2 = caseworker("cw1"), caseworker("cw2")
    assign_case(first_case.pk, cw1.pk, reason="r", actor="sup")
    assign_case(second_case.pk, cw2.pk, reason="r", actor="sup")
    # The link run finds the shelter record is the same child: its identity moves.
    Identity.objects.filter(source="shelter", record_id="S-1").update(person=child)
    counts = follow_persons(actor="linker")
    assert counts == {"followed": 1, "merged": 1}
    first_case.refresh_from_db()
    second_case.refresh_from_db()
    assert first_case.closed is None
    assert first_case.records == [["border", "a-c0"], ["shelter", "S-1"]]
    assert (second_case.outcome, second_case.merged_into_id) == (rules.MERGED, first_case.pk)
    for user in (cw1, cw2):
        assert CaseNotice.objects.filter(user=user, text__contains="carries on").exists()
    assert Case.objects.filter(person=child, closed__isnull=True).count() == 1


def test_a_split_asks_the_caseworker_to_choose():
    """Records of the child that now form another person leave the case where it is, and the
    caseworker is asked to choose; choosing re-points the case."""
    store = StoreBuilder()
    _p, child = separate(store, "a")
    store.person("shelter", "S-1", same_as=child, given="Niño0", family="López a")
    open_all()
    case = Case.objects.get(person=child)
    cw = caseworker("cw1")
    assign_case(case.pk, cw.pk, reason="r", actor="sup")
    other = store.person("shelter", "S-2")  # a fresh person, then the record moves to it
    Identity.objects.filter(source="shelter", record_id="S-1").update(person=other)
    assert follow_persons(actor="linker") == {"split": 1}
    assert CaseNotice.objects.filter(user=cw, text__contains="choose").exists()
    assert follow_persons(actor="linker") == {}  # told once
    repoint_case(case.pk, other.pk, reason="the shelter record is the child", actor="cw1")
    case.refresh_from_db()
    assert case.person_id == other.pk


def test_opening_by_hand_needs_a_reason_and_no_open_case():
    """A case opened by hand says why; a child never has two cases open."""
    store = StoreBuilder()
    _p, child = separate(store, "a")
    open_all()
    with pytest.raises(rules.CaseworkError, match="already has an open case"):
        open_case(child.pk, actor="cw", on=DAY, reason="again")
    lone = store.person("shelter", "S-9", given="Ana", family="Ruiz")
    with pytest.raises(rules.CaseworkError, match="reason"):
        open_case(lone.pk, actor="cw", on=DAY, reason="")
    case = open_case(lone.pk, actor="cw", on=DAY, reason="a hotline call about her")
    assert LedgerEntry.objects.filter(type="case.opened", actor="cw").count() == 1
    assert case.stage == rules.OPEN


def test_a_case_closed_as_reunified_changes_the_register_and_opens_nothing_new():
    """Closing as reunified is an event of the child's (source ``casework``): from that day
    the register shows the child reunified, and opening cases again opens none for them."""
    store = StoreBuilder()
    _p, child = separate(store, "a")
    (case,) = open_all()
    for stage in (rules.IN_CONTACT, rules.WISHES_RECORDED, rules.VERIFIED,
                  rules.REUNIFICATION_PLANNED):
        move_case(case.pk, stage, reason="next", actor="cw", on=DAY)
    close_case(case.pk, rules.REUNIFIED, reason="handed to mother", actor="cw", on=DAY)
    status = {r["person_id"]: r["status"] for r in register_rows(DAY)}
    assert status[f"P{child.pk:07d}"] == "reunified"
    before = {r["person_id"]: r["status"] for r in register_rows(DAY - dt.timedelta(days=1))}
    assert before[f"P{child.pk:07d}"] == "separated"
    assert open_cases(needed_cases(DAY), actor="tester", on=DAY) == []


def test_a_few_cases_stand_as_the_whole_register_says(monkeypatch):
    """Lines of a few cases (from their families' pages) are those of the whole register:
    status, place, days, flags and deadlines, on several days."""
    import reunify.queries.cases as cases_query
    from reunify.queries.cases import case_lines

    store = StoreBuilder()
    separate(store, "a")
    separate(store, "b", child_birth="2009-01-01", day="2018-07-02")
    store.event("border", "b-p", "removed", "2018-07-12", custodian="ICE")
    separate(store, "c")
    store.event("border", "c-c0", "reunified", "2018-07-18", custodian="parent")
    open_all(dt.date(2018, 7, 15))

    def view(line):
        return (line.case.pk, line.child.state.status, line.child.state.custodian,
                line.child.state.facility, line.child.state.separation_ended,
                line.child.days_separated, line.child.flags, line.parent.state.status,
                [(d.name, d.day, d.met) for d in line.deadlines], line.flags)

    for day in (dt.date(2018, 7, 15), DAY, dt.date(2018, 9, 30)):
        few = [view(line) for line in case_lines(day)]
        monkeypatch.setattr(cases_query, "FEW_CASES", 0)
        whole = [view(line) for line in case_lines(day)]
        monkeypatch.undo()
        assert few == whole


def test_a_parent_found_later_is_told_to_the_open_case():
    """A child separated alone gets a case with no parent sought; when a rebuild links the
    parent, the next opening tells the case (a step and a notice to its caseworker)."""
    store = StoreBuilder()
    child = store.person("shelter", "S-1", given="Ana", family="Ruiz", birth_date="2012-01-01")
    store.event("shelter", "S-1", "separated", "2018-07-10", custodian="ORR", facility="Casa")
    (case,) = open_all()
    assert (case.person_id, case.parent_id) == (child.pk, None)
    cw = caseworker("cw1")
    assign_case(case.pk, cw.pk, reason="r", actor="sup")
    parent = store.person("border", "M-1", given="Rosa", family="Ruiz", birth_date="1985-01-01")
    store.event("border", "M-1", "apprehended", "2018-07-09", custodian="CBP", facility="X")
    store.relation("shelter", "S-1", "child_of", other_name="Rosa Ruiz",
                   other_birth_date="1985-01-01", evidence="document")
    store.event("border", "M-1", "separated", "2018-07-10", custodian="ICE", facility="Y")
    assert open_all() == []
    case.refresh_from_db()
    assert case.parent_id == parent.pk
    assert CaseNotice.objects.filter(user=cw, text__contains="parent sought is now").exists()
    assert CaseStep.objects.filter(case=case, kind="parent_found").count() == 1
    assert open_all() == []
    assert CaseStep.objects.filter(case=case, kind="parent_found").count() == 1
