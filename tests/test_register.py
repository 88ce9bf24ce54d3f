"""The separation register: statuses, dates, days and flags as of a day, and the headline."""

from __future__ import annotations

import datetime as dt

import pytest

from family_store import StoreBuilder
from reunify.actions.family import build_families
from reunify.queries.register import headline, register_rows
from reunify.rules.interchange import EXPORT_COLUMNS

pytestmark = pytest.mark.django_db


def _by_record(store: StoreBuilder, as_of: str) -> dict[str, dict]:
    from reunify.models import Identity

    build_families(actor="tester")
    record_of = {f"P{p:07d}": r for r, p in Identity.objects.values_list("record_id",
                                                                          "person_id")}
    return {record_of[row["person_id"]]: row for row in
            register_rows(dt.date.fromisoformat(as_of))}


def _separate(store: StoreBuilder, tag: str, *, child_birth: str = "2014-05-06",
              day: str = "2018-05-10") -> None:
    store.border_family(tag, child_births=(child_birth,))
    store.event("border", f"{tag}-p", "apprehended", "2018-05-09", custodian="CBP",
                facility="Ursula")
    store.event("border", f"{tag}-c0", "apprehended", "2018-05-09", custodian="CBP",
                facility="Ursula")
    store.event("border", f"{tag}-p", "referred", day, custodian="USMS", facility="Court",
                actor="Agent Smith", authority="8 USC 1325")
    store.event("border", f"{tag}-c0", "separated", day, custodian="ORR", facility="Casa A",
                actor="Agent Smith", authority="zero tolerance memo")


def test_columns_are_the_spec_columns_first():
    """Register rows carry exactly the spec columns, in order, before any extra column."""
    store = StoreBuilder()
    _separate(store, "a")
    rows = _by_record(store, "2018-05-20")
    spec = list(EXPORT_COLUMNS["register"])
    for row in rows.values():
        assert list(row)[: len(spec)] == spec


def test_separated_child_and_parent_with_days_and_tender_age():
    """A 4-year-old separated on 10 May: both separated since then, 10 days on 20 May."""
    store = StoreBuilder()
    _separate(store, "a")
    rows = _by_record(store, "2018-05-20")
    child, parent = rows["a-c0"], rows["a-p"]
    assert (child["status"], parent["status"]) == ("separated", "separated")
    assert child["separated_since"] == parent["separated_since"] == "2018-05-10"
    assert child["days_separated"] == 10
    assert (child["custodian"], child["facility"]) == ("ORR", "Casa A")
    assert child["flags"].split(";") == ["tender_age"]
    assert "tender_age" not in parent["flags"]


def test_infant_and_deadline_missed_under_ms_l():
    """An infant separated in May is still apart on 20 July: past 26 June + 14 days."""
    store = StoreBuilder()
    _separate(store, "b", child_birth="2017-12-01")
    rows = _by_record(store, "2018-07-20")
    flags = rows["b-c0"]["flags"].split(";")
    assert flags == ["tender_age", "infant", "deadline_missed"]
    on_time = _by_record(store, "2018-07-10")
    assert "deadline_missed" not in on_time["b-c0"]["flags"]


def test_first_contact_recorded_by_a_shelter_sets_the_contact_deadline():
    """Where a source records first contact (reunify's ``first_contact`` column on relations),
    a 10-year-old still within the 30 days on 20 July but with no contact by 6 July misses a
    deadline; the sibling whose shelter row records a call on 2 July does not. With no contact
    recorded anywhere, neither is flagged for contact."""
    store = StoreBuilder()
    _separate(store, "k", child_birth="2008-01-01")
    _separate(store, "m", child_birth="2008-01-01")
    assert "deadline_missed" not in _by_record(store, "2018-07-20")["k-c0"]["flags"]
    store.relation("border", "k-c0", "child_of", other_record_id="k-p",
                   attributes={"first_contact": "2018-07-02"})
    rows = _by_record(store, "2018-07-20")
    assert "deadline_missed" not in rows["k-c0"]["flags"]
    assert "deadline_missed" in rows["m-c0"]["flags"]


def test_older_child_gets_thirty_days():
    """A 10-year-old separated before the order has until 26 July."""
    store = StoreBuilder()
    _separate(store, "c", child_birth="2008-01-01")
    assert "deadline_missed" not in _by_record(store, "2018-07-26")["c-c0"]["flags"]
    assert "deadline_missed" in _by_record(store, "2018-07-27")["c-c0"]["flags"]


def test_reunified_in_time_and_days_count_to_reunification():
    """Reunified after 20 days: reunified, 20 days separated, deadline met."""
    store = StoreBuilder()
    _separate(store, "d")
    store.event("border", "d-c0", "reunified", "2018-05-30", custodian="ICE",
                facility="Dilley")
    store.event("border", "d-p", "reunified", "2018-05-30", custodian="ICE",
                facility="Dilley")
    rows = _by_record(store, "2018-08-01")
    assert rows["d-c0"]["status"] == rows["d-p"]["status"] == "reunified"
    assert rows["d-c0"]["days_separated"] == 20
    assert rows["d-c0"]["since"] == "2018-05-30"
    assert "deadline_missed" not in rows["d-c0"]["flags"]


def test_parent_removed_without_child():
    """The parent removed while the child is still held: flagged on both rows."""
    store = StoreBuilder()
    _separate(store, "e", child_birth="2010-01-01")
    store.event("border", "e-p", "removed", "2018-06-15")
    rows = _by_record(store, "2018-06-20")
    assert rows["e-p"]["status"] == "removed"
    assert rows["e-c0"]["status"] == "separated"
    assert "parent_removed_without_child" in rows["e-p"]["flags"]
    assert "parent_removed_without_child" in rows["e-c0"]["flags"]


def test_child_released_to_sponsor():
    """A separated child released to a sponsor is released; the separation's days stop."""
    store = StoreBuilder()
    _separate(store, "f", child_birth="2008-01-01")
    store.event("border", "f-c0", "released", "2018-06-01", custodian="sponsor")
    rows = _by_record(store, "2018-07-01")
    assert rows["f-c0"]["status"] == "released"
    assert rows["f-c0"]["days_separated"] == 22


def test_family_released_together_is_together():
    """A family apprehended and released together was never separated."""
    store = StoreBuilder()
    store.border_family("g")
    for record in ("g-p", "g-c0"):
        store.event("border", record, "apprehended", "2018-05-01", custodian="CBP")
        store.event("border", record, "released", "2018-05-03", custodian="family")
    rows = _by_record(store, "2018-06-01")
    assert {r["status"] for r in rows.values()} == {"together"}
    assert {r["days_separated"] for r in rows.values()} == {""}


def test_member_nobody_holds_is_unknown_and_whereabouts_flagged():
    """A member with no event while the rest of the family is held: unknown, whereabouts flag."""
    store = StoreBuilder()
    store.border_family("h")
    store.event("border", "h-p", "apprehended", "2018-05-01", custodian="CBP")
    rows = _by_record(store, "2018-06-01")
    assert rows["h-c0"]["status"] == "unknown"
    assert "whereabouts_unknown" in rows["h-c0"]["flags"]


def test_families_never_in_custody_are_not_in_the_register():
    """A family with no custody event on or before the day has no rows."""
    store = StoreBuilder()
    store.border_family("i")
    store.event("border", "i-p", "apprehended", "2018-09-01", custodian="CBP")
    assert _by_record(store, "2018-06-01") == {}


def test_unlinked_child_row():
    """A separated child with no parent found is in the register, flagged unlinked_child."""
    store = StoreBuilder()
    store.person("shelter", "s5", given="Ada", family="Luna", birth_date="2012")
    store.event("shelter", "s5", "separated", "2018-06-01", custodian="ORR", facility="Casa C")
    rows = _by_record(store, "2018-06-05")
    assert rows["s5"]["status"] == "separated"
    assert "unlinked_child" in rows["s5"]["flags"]


def test_child_listed_twice_is_flagged_possible_duplicate():
    """A child the linker split into two persons, both in the family, is flagged on both rows;
    a sibling with another name is not."""
    store = StoreBuilder()
    parent, _children = store.border_family("q", child_births=("2014-05-06", "2016-02-02"))
    store.person("detention", "dq", given="Niño0", family="López q", birth_date="2014-05-06",
                 group_id="FRC9", group_role="child")
    store.person("detention", "dp", same_as=parent, given="María", family="López q",
                 birth_date="1988-03-02", group_id="FRC9", group_role="parent")
    for record in ("q-p", "q-c0", "q-c1"):
        store.event("border", record, "apprehended", "2018-05-09", custodian="CBP")
    rows = _by_record(store, "2018-05-20")
    assert "possible_duplicate" in rows["q-c0"]["flags"]
    assert "possible_duplicate" in rows["dq"]["flags"]
    assert "possible_duplicate" not in rows["q-c1"]["flags"]


def test_headline_counts_separated_children_and_parents_by_flag():
    """The headline counts still-separated children and parents and rows per flag."""
    store = StoreBuilder()
    _separate(store, "j")
    _separate(store, "k", child_birth="2009-01-01")
    build_families(actor="tester")
    head = headline(dt.date(2018, 5, 20))
    assert head["families in the register"] == 2
    assert head["children still separated"] == 2
    assert head["parents still separated"] == 2
    assert head["flag tender_age"] == 1
    assert head["flag deadline_missed"] == 0


def test_register_and_families_exports_write_the_spec_header(run_cli, tmp_path):
    """``reunify export register`` and ``export families`` write exactly the spec's columns."""
    for name in ("register", "families"):
        out = tmp_path / f"{name}.csv"
        result = run_cli("export", name, "--as-of", "2018-09-30", "--out", str(out))
        assert result.returncode == 0, result.stderr
        assert out.read_text().splitlines() == [",".join(EXPORT_COLUMNS[name])]
