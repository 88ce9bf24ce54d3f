"""The REST API: explicit schemas, pagination, the same access as the pages, versioned writes."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from web_world import world_fixture  # noqa: F401 - the world fixture

pytestmark = pytest.mark.django_db


def client_of(world, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def test_signed_out_api_answers_401_json(world):
    """The API never redirects to a sign-in page: it answers 401 with a JSON problem."""
    response = Client().get(reverse("api:me"))
    assert response.status_code == 401
    assert response.json() == {"detail": "not signed in"}


def test_me_says_role_and_permissions(world):
    """``/me`` names the account, its role and exactly the permissions GRANTS gives it."""
    from reunify.rules.grants import GRANTS

    body = client_of(world, "counsel").get(reverse("api:me")).json()
    assert body == {"username": "t-counsel", "role": "counsel",
                    "permissions": sorted(GRANTS["counsel"]), "names": True}


def test_family_carries_only_the_declared_fields(world):
    """A family answer has exactly the fields of its schema, and the parent's whereabouts."""
    family = f"F{world.families['b']:07d}"
    response = client_of(world, "counsel").get(
        reverse("api:family", kwargs={"family_id": family}), {"as_of": "2018-08-01"})
    body = response.json()
    assert set(body) == {"family_id", "as_of", "status", "flags", "members", "links",
                         "decisions"}
    parent = next(m for m in body["members"] if m["role"] == "parent")
    child = next(m for m in body["members"] if m["role"] == "child")
    assert (parent["custodian"], parent["facility"]) == ("ICE", "Port Isabel")
    assert "deadline_missed" in child["flags"]
    assert child["days_separated"] == 83
    assert set(parent) == {"person_id", "role", "name", "birth_date", "status", "custodian",
                           "facility", "since", "separated_since", "days_separated", "flags",
                           "records"}


def test_register_is_paginated(world):
    """The register answers pages: ``items`` and ``count``."""
    body = client_of(world, "data_steward").get(
        reverse("api:register"), {"as_of": "2018-06-01", "page": 1}).json()
    assert body["count"] == 6
    assert len(body["items"]) == 6
    assert set(body["items"][0]) == {"family_id", "person_id", "name", "birth_date", "status",
                                     "custodian", "facility", "since", "separated_since",
                                     "days_separated", "flags", "role"}


def test_search_takes_a_post_and_respects_assignments(world):
    """Search is a POST with a JSON body; a caseworker finds only persons of their families."""
    page = client_of(world, "caseworker").post(
        reverse("api:search"), {"q": "Niño"}, content_type="application/json").json()
    assert [h["person_id"] for h in page["items"]] == [f"P{world.children['a']:07d}"]
    assert page["count"] == 1


def test_search_is_paginated_with_a_count(world):
    """Search answers a page of hits and how many there are in all, not a list cut at 50."""
    client = client_of(world, "data_steward")
    first = client.post(reverse("api:search") + "?page_size=2", {"q": "María"},
                        content_type="application/json").json()
    assert first["count"] == 3
    assert len(first["items"]) == 2
    rest = client.post(reverse("api:search") + "?page_size=2&page=2", {"q": "María"},
                       content_type="application/json").json()
    assert len(rest["items"]) == 1
    assert {h["person_id"] for h in first["items"] + rest["items"]} == {
        f"P{pk:07d}" for pk in world.parents.values()}


def test_openapi_declares_every_operation_with_a_response_schema(world):
    """Every operation in the OpenAPI schema declares a 200 response with a schema."""
    schema = client_of(world, "auditor").get(reverse("api:openapi-json")).json()
    operations = [op for path in schema["paths"].values() for op in path.values()]
    assert len(operations) == 9
    for op in operations:
        content = op["responses"]["200"]["content"]["application/json"]
        assert "schema" in content


def test_review_pair_has_an_etag_and_decisions_need_if_match(world):
    """Reading a pair gives its version as ETag; a decision without If-Match is refused (428),
    one with a stale version too (412), and nothing changes."""
    from reunify.models import ReviewPair

    client = client_of(world, "data_steward")
    url = reverse("api:review_pair", kwargs={"pair_id": world.pair})
    response = client.get(url)
    etag = response["ETag"]
    assert etag == f'"{response.json()["version"]}"'
    decide = reverse("api:review_decide", kwargs={"pair_id": world.pair})
    body = {"decision": "same", "reason": "same birth date and shelter intake names the border"}
    assert client.post(decide, body, content_type="application/json").status_code == 428
    stale = client.post(decide, body, content_type="application/json",
                        headers={"If-Match": '"0123456789abcdef0123"'})
    assert stale.status_code == 412
    assert ReviewPair.objects.get(pk=world.pair).status == "open"


def test_a_decision_with_the_current_version_is_recorded_once(world):
    """With the ETag as If-Match the decision is recorded (pair accepted, LinkDecision, ledger
    entry); replaying the same request is stale (412) and records nothing more."""
    from reunify.models import LedgerEntry, LinkDecision, ReviewPair

    client = client_of(world, "data_steward")
    etag = client.get(reverse("api:review_pair", kwargs={"pair_id": world.pair}))["ETag"]
    decide = reverse("api:review_decide", kwargs={"pair_id": world.pair})
    body = {"decision": "same", "reason": "same birth date; the shelter spelt the name without ñ"}
    response = client.post(decide, body, content_type="application/json",
                           headers={"If-Match": etag})
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    assert ReviewPair.objects.get(pk=world.pair).status == "accepted"
    decision = LinkDecision.objects.get()
    assert (decision.decision, decision.actor) == ("same", "t-data_steward")
    assert LedgerEntry.objects.filter(type="link.decision").count() == 1
    again = client.post(decide, body, content_type="application/json",
                        headers={"If-Match": etag})
    assert again.status_code == 412
    assert LinkDecision.objects.count() == 1
