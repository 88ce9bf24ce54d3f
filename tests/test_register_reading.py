"""The register through the store, read as spec 1.1 says events are read, on data written in
any convention (issue #10, items 2, 4 and 9)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from family_store import StoreBuilder
from reunify.actions.family import build_families
from reunify.models import Identity
from reunify.queries.person import person_page
from reunify.queries.register import register_rows

pytestmark = pytest.mark.django_db


def _rows(as_of: str) -> dict[str, dict]:
    build_families(actor="tester")
    record_of: dict[str, str] = {}
    for r, p in Identity.objects.order_by("pk").values_list("record_id", "person_id"):
        record_of.setdefault(f"P{p:07d}", r)  # a person is named by its first record
    return {record_of[row["person_id"]]: row
            for row in register_rows(dt.date.fromisoformat(as_of))}


def test_child_of_a_parent_removed_without_them_is_separated_whoever_wrote_the_separation():
    """The separation written on the parent's record only, the parent removed, the child in a
    shelter: the child is separated and flagged, the parent removed and flagged."""
    store = StoreBuilder()
    store.border_family("a")
    for record in ("a-p", "a-c0"):
        store.event("border", record, "apprehended", "2018-05-09", custodian="CBP",
                    facility="Ursula")
    store.event("border", "a-p", "separated", "2018-05-10", custodian="CBP", facility="Ursula")
    store.event("border", "a-p", "removed", "2018-06-20")
    store.event("border", "a-c0", "placed", "2018-05-12", custodian="ORR", facility="Casa A")
    rows = _rows("2018-07-01")
    assert (rows["a-c0"]["status"], rows["a-p"]["status"]) == ("separated", "removed")
    assert "parent_removed_without_child" in rows["a-c0"]["flags"].split(";")
    assert "parent_removed_without_child" in rows["a-p"]["flags"].split(";")
    assert rows["a-c0"]["separated_since"] == "2018-05-10"


def test_a_child_who_came_with_an_adult_nobody_claims_is_counted_as_unlinked():
    """A child booked with an aunt (role relative) and no parent found, later in a shelter that
    holds minors only (its profile): in the register as separated from the placement,
    flagged ``unlinked_child``, never left out."""
    store = StoreBuilder()
    store.person("border", "r1", given="Rosa", family="Tzul", birth_date="1990", sex="F",
                 group_id="G1", group_role="relative")
    child = store.person("border", "k1", given="Ana", family="Tzul", birth_date="2013",
                         sex="F", group_id="G1", group_role="child")
    for record in ("r1", "k1"):
        store.event("border", record, "apprehended", "2018-05-09", custodian="CBP",
                    facility="Ursula")
    store.person("shelter", "s1", same_as=child, given="Ana", family="Tzul", birth_date="2013")
    store.event("shelter", "s1", "placed", "2018-05-11", custodian="ORR", facility="Casa A")
    store.profile("shelter", holds="minors", custody=True)
    rows = _rows("2018-06-01")
    assert rows["k1"]["status"] == "separated"
    assert "unlinked_child" in rows["k1"]["flags"].split(";")
    assert rows["k1"]["separated_since"] == "2018-05-11"


def test_a_child_booked_in_a_family_unit_whose_parent_lost_the_link_is_counted():
    """A station that books family units (profile) recorded a child as a group's child; the
    parent's record lost the group link and nobody named the parent: the child is in the
    register, ``unlinked_child``, separated from the day a minors-only shelter (profile) took
    them. Without profiles nothing says an adult was there: the child stays out."""
    store = StoreBuilder()
    store.person("station", "k1", given="Ana", family="Tzul", birth_date="2013", sex="F",
                 group_id="FU-1", group_role="child")
    store.event("station", "k1", "apprehended", "2018-05-09", custodian="CBP",
                facility="Ursula")
    store.person("station", "p1", given="Rosa", family="Tzul", birth_date="1990", sex="F")
    store.event("station", "p1", "apprehended", "2018-05-09", custodian="CBP",
                facility="Ursula")
    child = Identity.objects.get(record_id="k1").person
    store.person("kids_home", "s1", same_as=child, given="Ana", family="Tzul",
                 birth_date="2013")
    store.event("kids_home", "s1", "placed", "2018-05-12", custodian="ORR", facility="Casa A")
    assert "k1" not in _rows("2018-06-01")
    store.profile("station", family_units=True, custody=True)
    store.profile("kids_home", holds="minors", custody=True)
    rows = _rows("2018-06-01")
    assert rows["k1"]["status"] == "separated"
    assert rows["k1"]["separated_since"] == "2018-05-12"
    assert "unlinked_child" in rows["k1"]["flags"].split(";")


def test_contact_is_judged_only_for_children_of_sources_that_record_it():
    """One shelter records first contact; the other records none: its separated child past the
    contact deadline is not flagged for contact (only the recording shelter's is)."""
    store = StoreBuilder()
    for tag, source in (("a", "shelter_x"), ("b", "shelter_y")):
        _parent, [child] = store.border_family(tag, child_births=("2010-01-02",))
        store.event("border", f"{tag}-c0", "separated", "2018-07-01", custodian="CBP",
                    facility="Ursula")
        # The shelter's record of the same child (created first: the register names a
        # person by its border record below).
        store.person(source, f"{tag}-s", same_as=child, given="Niño0", family=f"López {tag}",
                     birth_date="2010-01-02")
    store.relation("shelter_x", "a-s", "child_of", other_name="María López a",
                   attributes={"first_contact": ""})
    store.relation("shelter_y", "b-s", "child_of", other_name="María López b")
    rows = _rows("2018-07-20")
    assert "deadline_missed" in rows["a-c0"]["flags"].split(";")
    assert "deadline_missed" not in rows["b-c0"]["flags"].split(";")


def test_whereabouts_unknown_shows_no_custodian_on_the_person_page():
    """After a transfer to nowhere, the person page says who holds the child as the register
    does: nobody known (no stale custodian), status unknown."""
    store = StoreBuilder()
    _parent, [child] = store.border_family("a")
    store.event("border", "a-c0", "separated", "2018-05-10", custodian="ORR", facility="Casa A")
    store.event("border", "a-c0", "transferred", "2018-06-10")
    rows = _rows("2018-07-01")
    assert (rows["a-c0"]["status"], rows["a-c0"]["custodian"]) == ("unknown", "")
    page = person_page(child.pk, as_of=dt.date(2018, 7, 1))
    assert (page.standing.status, page.standing.custodian, page.standing.facility) == (
        "unknown", "", "")


def test_an_as_of_out_of_range_is_a_clear_error_everywhere(client, run_cli):
    """``as_of=9999-12-31``: HTTP 400 from the API and the pages, exit 2 from the CLI, with
    the range said, never a traceback or a 500."""
    from reunify.actions.users import create_user
    from reunify.rules.grants import AUDITOR

    user, _secret = create_user("auditor", "correct horse battery staple 42", AUDITOR,
                                actor="tester", names_allowed=False)
    client.force_login(user)
    api = client.get(reverse("api:register"), {"as_of": "9999-12-31"})
    assert api.status_code == 400
    assert "out of range" in api.json()["detail"]
    assert client.get(reverse("register"), {"as_of": "9999-12-31"}).status_code == 400
    done = run_cli("export", "register", "--as-of", "9999-12-31", "--out", "x.csv")
    assert done.returncode == 2
    assert "out of range" in done.stderr
