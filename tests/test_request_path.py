"""The cheaper request path gives the same answers: search's standings computed for all its
families at once, a person page's relatives from the families it read, one-letter words in a
name search (docs/benchmarks.md, "Load", "The request path")."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from reunify.queries.cases import latest_data_day
from reunify.queries.families import current_family_pk, families_of
from reunify.queries.family_page import family_members, family_page, member_standings
from reunify.queries.search import NameIndex, search
from web_world import world_fixture  # noqa: F401 - the world fixture

pytestmark = pytest.mark.django_db


def test_standings_of_many_families_at_once_are_their_family_pages(world):
    """``member_standings`` over every family gives each member the role, status, custodian,
    facility, days and flags that member's own family page gives on the same day."""
    day = latest_data_day()
    keys = [current_family_pk(number) for number in world.families.values()]
    together = member_standings(keys, as_of=day)
    for key in keys:
        for member in family_page(key, as_of=day).members:
            alone = together[member.pk]
            assert (alone.role, alone.status, alone.custodian, alone.facility,
                    alone.days_separated, alone.flags) == (
                member.role, member.status, member.custodian, member.facility,
                member.days_separated, member.flags)


def test_a_search_row_shows_the_hits_standing_in_its_family(world):
    """A search hit's row carries the member's status and where held, as the family page
    shows them (the child of family a: separated, held by ORR at Casa Padre)."""
    client = Client()
    client.force_login(world.users["data_steward"])
    page = client.post(reverse("search"), {"q": "Nino Alvarado"},
                       headers={"HX-Request": "true"}).content.decode()
    child = f"P{world.children['a']:07d}"
    row = next(line for line in page.split("<tr>") if child in line)
    assert "ORR Casa Padre" in row
    assert "Separated" in row or "separated" in row


def test_a_person_pages_relatives_are_their_family_pages_members(world):
    """The relatives the person page lists, from the families it read, are the other members
    of the person's family page, with the same standing."""
    parent = world.parents["b"]
    day = latest_data_day()
    view = families_of(parent)[0]
    listed = [(m.public_id, m.status, m.custodian, m.days_separated)
              for m in family_members(view, as_of=day) if m.pk != parent]
    page = family_page(view.pk, as_of=day)
    assert listed == [(m.public_id, m.status, m.custodian, m.days_separated)
                      for m in page.members if m.pk != parent]
    assert listed  # the child


def test_a_one_letter_word_proposes_nobody_but_still_counts(world):
    """An initial alone proposes no candidates (it would propose every name with that
    initial); beside a surname it still counts: "N Alvarado" finds the child Niño Alvarado
    before the parent María Alvarado."""
    index = NameIndex()
    assert index.best("N", limit=50) == []
    hits = search("N Alvarado")
    assert [h.person_pk for h in hits][:1] == [world.children["a"]]
    assert world.parents["a"] in [h.person_pk for h in hits]


def test_a_family_id_searched_is_the_familys_number_not_its_key(world):
    """Searching ``F0000042`` finds the members of the family numbered 42 in the latest
    family run. Each build stores its families anew under new keys, so after a second build a
    family's key is not its number: searching by the key found the wrong family."""
    from reunify.actions.family import build_families
    from reunify.models import FamilyMember

    build_families(actor="clerk")
    number = world.families["a"]
    key = current_family_pk(number)
    assert key != number
    members = set(FamilyMember.objects.filter(family_id=key).values_list("person_id",
                                                                         flat=True))
    found = {h.person_pk for h in search(f"F{number:07d}") if h.matched_on == "family_id"}
    assert found == members
    # The key is no family's number: searched as an id, it finds no family.
    assert key not in set(world.families.values())
    assert not [h for h in search(f"F{key:07d}") if h.matched_on == "family_id"]
