"""Family ids outlive rebuilds; an id that was merged away says where its members went
(issue #10, item 6; spec 1.1 "families")."""

from __future__ import annotations

import pytest
from django.urls import reverse

from family_store import StoreBuilder
from reunify.actions.family import build_families
from reunify.models import FamilyLineage
from reunify.queries.families import current_families, moved_to
from reunify.rules.lineage import carry_numbers

pytestmark = pytest.mark.django_db


def test_numbers_follow_the_largest_overlap_and_record_where_members_went():
    """A family keeps its number while it keeps members; two families merged keep the older
    number with the larger share, the other's members are recorded as moved; a new family
    gets a fresh number."""
    previous = {1: {10, 11}, 2: {20, 21, 22}}
    numbers, lineage = carry_numbers(previous, [{10, 11, 20, 21, 22}, {30, 31}], 3)
    assert numbers == [2, 3]
    assert lineage == {1: {2}}
    numbers, lineage = carry_numbers(previous, [{20, 21}, {22, 10}, {11}], 5)
    assert numbers == [2, 1, 5]
    assert lineage == {2: {1}, 1: {5}}


def test_rebuilding_keeps_family_ids_and_a_merge_answers_with_moved_to():
    """Two families keep their ids through a rebuild; when a relation joins them, one id
    lives on and the other answers with it as ``moved_to``."""
    store = StoreBuilder()
    parent_a, _ = store.border_family("a")
    _, children_b = store.border_family("b")
    build_families(actor="tester")
    first = {f.public_id: set(f.members) for f in current_families()}
    build_families(actor="tester")
    assert {f.public_id: set(f.members) for f in current_families()} == first
    # The border also writes that b's child is a's child: the two families become one.
    store.relation("border", "b-c0", "child_of", other_record_id="a-p")
    build_families(actor="tester")
    [merged] = current_families()
    assert merged.public_id in first
    [gone] = set(first) - {merged.public_id}
    assert moved_to(int(gone[1:])) == [merged.number]
    assert FamilyLineage.objects.filter(number=int(gone[1:])).exists()
    assert parent_a.pk in merged.members
    assert children_b[0].pk in merged.members


def test_an_old_family_id_redirects_pages_and_tells_the_api_where_it_went(client):
    """A page asked for a merged-away family id redirects to the family its members are in
    now; the API answers 410 with ``moved_to``."""
    from reunify.actions.users import create_user
    from reunify.rules.grants import AUDITOR

    store = StoreBuilder()
    store.border_family("a")
    store.border_family("b")
    build_families(actor="tester")
    ids = sorted(f.public_id for f in current_families())
    store.relation("border", "b-c0", "child_of", other_record_id="a-p")
    build_families(actor="tester")
    [merged] = current_families()
    [gone] = set(ids) - {merged.public_id}
    user, _secret = create_user("auditor", "correct horse battery staple 42", AUDITOR,
                                actor="tester", names_allowed=False)
    client.force_login(user)
    page = client.get(reverse("family", kwargs={"family_id": gone}))
    assert page.status_code == 302
    assert page["Location"] == reverse("family", kwargs={"family_id": merged.public_id})
    api = client.get(reverse("api:family", kwargs={"family_id": gone}))
    assert api.status_code == 410
    assert api.json()["moved_to"] == [merged.public_id]
    assert client.get(reverse("family", kwargs={"family_id": "F9999999"})).status_code == 404
