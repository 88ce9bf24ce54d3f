"""A small world for the web and API tests: three separated families, one account per role.

The caseworker is assigned family ``a``, counsel family ``b``; family ``c`` is nobody's. A
review pair is open. ``build_world()`` writes it through the real actions (families, accounts);
``world`` (module-scoped) builds it once inside a transaction that is rolled back at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyotp
import pytest
from django.db import transaction

from family_store import StoreBuilder
from reunify.actions.family import build_families
from reunify.actions.users import assign, create_user
from reunify.models import FamilyMember, Identity, ReviewPair, RoleGrant
from reunify.models.field_crypto import unseal
from reunify.rules.grants import ROLES

PASSWORD = "correct horse battery staple 42"


@dataclass
class World:
    """Keys of what the tests look at."""

    families: dict[str, int] = field(default_factory=dict)  # tag → family number (public id)
    children: dict[str, int] = field(default_factory=dict)  # tag → child person pk
    parents: dict[str, int] = field(default_factory=dict)
    users: dict[str, object] = field(default_factory=dict)  # role → user
    secrets: dict[str, str] = field(default_factory=dict)  # role → TOTP secret
    pair: int = 0
    #: role → the tag of the family that is "theirs" (assigned); scope-all roles see all.
    own: dict[str, str] = field(default_factory=dict)


def separated_family(store: StoreBuilder, tag: str, *, surname: str, a_number: str = "") -> None:
    """A parent prosecuted and a 4-year-old sent to a shelter on 10 May 2018."""
    store.person("border", f"{tag}-p", given="María", family=surname, birth_date="1988-03-02",
                 sex="F", group_id=f"G{tag}", group_role="parent", a_number=a_number)
    store.person("border", f"{tag}-c0", given="Niño", family=surname, birth_date="2014-05-06",
                 sex="M", group_id=f"G{tag}", group_role="child")
    for record, custodian, facility in ((f"{tag}-p", "CBP", "Ursula"),
                                        (f"{tag}-c0", "CBP", "Ursula")):
        store.event("border", record, "apprehended", "2018-05-09", custodian=custodian,
                    facility=facility)
    store.event("border", f"{tag}-p", "referred", "2018-05-10", custodian="ICE",
                facility="Port Isabel", actor="Agent Smith", authority="8 USC 1325")
    store.event("border", f"{tag}-c0", "separated", "2018-05-10", custodian="ORR",
                facility="Casa Padre", actor="Agent Smith", authority="zero tolerance memo",
                reason="parent referred for prosecution")


def build_world() -> World:
    """Write the world into the current store (see module docstring)."""
    store = StoreBuilder()
    surnames = {"a": "Alvarado", "b": "Benítez", "c": "Cifuentes"}
    for number, (tag, surname) in enumerate(surnames.items()):
        separated_family(store, tag, surname=surname, a_number=f"A 200 123 45{number}")
    # A second shelter record of child a, unsure to the linker: the open review pair.
    store.person("shelter", "S-1", given="Nino", family="Alvarado", birth_date="2014-05-06")
    build_families(actor="tester")
    world = World()
    record_person = dict(Identity.objects.values_list("record_id", "person_id"))
    for tag in surnames:
        world.children[tag] = record_person[f"{tag}-c0"]
        world.parents[tag] = record_person[f"{tag}-p"]
        world.families[tag] = FamilyMember.objects.filter(
            person_id=world.children[tag]).order_by("-family_id").values_list(
            "family__number", flat=True).first()
    world.pair = ReviewPair.objects.create(
        run=store.run, left_source="border", left_record_id="a-c0", right_source="shelter",
        right_record_id="S-1", match_weight=1.5, match_probability=0.74,
        comparisons=[{"name": "given_name", "level": "fuzzy", "match_weight": 2.1}],
    ).pk
    for role in ROLES:
        user, secret = create_user(f"t-{role}", PASSWORD, role, actor="tester",
                                   names_allowed=False)
        world.users[role] = user
        world.secrets[role] = secret
    assign(world.users["caseworker"].pk, world.children["a"], actor="tester")
    assign(world.users["counsel"].pk, world.parents["b"], actor="tester")
    world.own = {"caseworker": "a", "counsel": "b"}
    return world


def one_time_code(username: str) -> str:
    """A valid one-time code for account ``username`` now, or "" for no such account. Its last
    accepted step is cleared first, so a test may sign one account in several times within
    one 30-second step."""
    grant = RoleGrant.objects.filter(user__username=username).first()
    if grant is None or not grant.totp_secret:
        return ""
    RoleGrant.objects.filter(pk=grant.pk).update(totp_last_step=0)
    return pyotp.TOTP(unseal(grant.totp_secret)).now()


@pytest.fixture(scope="module", name="world")
def world_fixture(django_db_setup, django_db_blocker):
    """The world, built once per module inside a transaction rolled back afterwards."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
