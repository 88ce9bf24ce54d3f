"""Family reconstruction: groups, relations within a source, named persons outside it, conflicts."""

from __future__ import annotations

import pytest

from family_store import StoreBuilder
from reunify.actions.family import build_families
from reunify.models import FamilyLink, LedgerEntry
from reunify.queries.families import current_families, family_rows, person_public_id

pytestmark = pytest.mark.django_db


def _families() -> list[dict[int, str]]:
    return [f.members for f in current_families()]


def test_border_group_makes_a_family_with_roles():
    """A parent and two children in one border group become one family: parent and children."""
    store = StoreBuilder()
    parent, children = store.border_family("a", child_births=("2014-01-01", "2016-01-01"))
    build_families(actor="tester")
    assert _families() == [{parent.pk: "parent", children[0].pk: "child", children[1].pk: "child"}]


def test_children_of_a_group_whose_carer_lost_its_group_stay_together():
    """The border booked a parent and two children, but the parent's record lost its group:
    a relation names one child only. The children the group still holds are siblings, so
    both join the parent's family (before, the second was a family of her own)."""
    store = StoreBuilder()
    parent = store.person("border", "p", given="Mario", family="García", birth_date="1990",
                          sex="M")
    first = store.person("border", "c1", given="José", family="García López",
                         birth_date="2015-12-10", sex="M", group_id="FU-4", group_role="child")
    second = store.person("border", "c2", given="Sandra", family="López",
                          birth_date="2014-04-28", sex="F", group_id="FU-4", group_role="child")
    store.relation("border", "p", "parent_of", other_record_id="c1", evidence="observed")
    build_families(actor="tester")
    assert _families() == [{parent.pk: "parent", first.pk: "child", second.pk: "child"}]
    assert FamilyLink.objects.filter(relation="sibling_of", evidence="group").count() == 1


def test_a_group_with_its_carer_gets_no_sibling_links():
    """Where the group holds its carer, the carer's links join the children: no sibling
    links are added (the family's links are as before)."""
    store = StoreBuilder()
    store.border_family("a", child_births=("2014-01-01", "2016-01-01"))
    build_families(actor="tester")
    assert not FamilyLink.objects.filter(relation="sibling_of").exists()
    assert FamilyLink.objects.filter(relation="parent_of").count() == 2


def test_single_adults_and_unaccompanied_children_stay_out():
    """A single adult and a child who came alone belong to no family."""
    store = StoreBuilder()
    store.person("border", "s1", given="Juan", family="Pérez", birth_date="1990")
    store.person("border", "u1", given="Ana", family="Ruiz", birth_date="2003",
                 group_id="G9", group_role="child")
    store.event("border", "u1", "apprehended", "2018-05-01", custodian="CBP")
    build_families(actor="tester")
    assert _families() == []


def test_a_phone_with_another_area_code_names_nobody():
    """212-555-1234 and 312-555-1234 share their last eight digits but are two lines: a child
    naming a parent with one is not joined to a stranger holding the other."""
    store = StoreBuilder()
    store.person("detention", "d1", given="Rosa", family="Gómez Díaz", birth_date="1985-02-03",
                 sex="F", phone="+1 212-555-1234")
    store.person("shelter", "s1", given="Luis", family="Gómez", birth_date="2012", country="US")
    store.relation("shelter", "s1", "child_of", other_name="Rosa Gómez",
                   other_phone="312-555-1234")
    build_families(actor="tester")
    assert _families() == []


def test_shelter_child_names_parent_by_phone_across_sources():
    """A shelter child naming a parent with a phone joins the parent the border recorded; the
    phone, written without its country code, is read in the child's recorded country."""
    store = StoreBuilder()
    parent = store.person("detention", "d1", given="Rosa", family="Gómez Díaz",
                          birth_date="1985-02-03", sex="F", phone="+502 5555-1234")
    child = store.person("shelter", "s1", given="Luis", family="Gómez", birth_date="2012",
                         country="GT")
    store.relation("shelter", "s1", "child_of", other_name="Rosa Gómez",
                   other_phone="55551234")
    build_families(actor="tester")
    assert _families() == [{parent.pk: "parent", child.pk: "child"}]
    link = FamilyLink.objects.get()
    assert (link.from_person_id, link.to_person_id, link.relation) == (parent.pk, child.pk,
                                                                        "parent_of")
    assert link.evidence == "stated"
    assert link.sources[0]["source"] == "shelter"


def test_name_only_match_is_weaker_than_phone_match():
    """A bare name ("Tomás Rodríguez") links weakly, and only between two persons both recorded
    as separated; a claim with a phone links strongly."""
    store = StoreBuilder()
    store.person("detention", "d1", given="Tomás", family="Rodríguez", birth_date="1980",
                 sex="M", phone="5550001111")
    store.person("detention", "d2", given="Pedro", family="Sánchez", birth_date="1981",
                 sex="M", phone="5550002222")
    store.person("shelter", "c1", given="Eva", family="Rodríguez", birth_date="2011")
    store.person("shelter", "c2", given="Rui", family="Sánchez", birth_date="2011")
    store.relation("shelter", "c1", "child_of", other_name="Tomás Rodríguez")
    store.relation("shelter", "c2", "child_of", other_name="Pedro Sánchez",
                   other_phone="555-000-2222")
    store.event("shelter", "c1", "separated", "2018-05-01", custodian="ORR")
    store.event("detention", "d1", "separated", "2018-05-01", custodian="CBP")
    build_families(actor="tester")
    strengths = dict(FamilyLink.objects.values_list("to_person__identities__record_id",
                                                    "strength"))
    assert strengths["c1"] < strengths["c2"]


def test_unaccompanied_child_naming_a_parent_at_home_is_not_joined_to_a_namesake():
    """A bare name from a child nobody separated does not link them to an adult namesake."""
    store = StoreBuilder()
    store.person("detention", "d1", given="Tomás", family="Rodríguez", birth_date="1980",
                 sex="M")
    store.person("shelter", "u1", given="Eva", family="Rodríguez", birth_date="2004")
    store.event("shelter", "u1", "placed", "2018-05-01", custodian="ORR")
    store.relation("shelter", "u1", "child_of", other_name="Tomás Rodríguez")
    run = build_families(actor="tester")
    assert _families() == []
    assert run.stats["weak_name_unsupported"] == 1


def test_claim_confirming_a_known_parent_strengthens_instead_of_searching():
    """A child already linked to a parent by the border group, naming that parent, adds a
    stated link to the same parent even when a namesake adult exists."""
    store = StoreBuilder()
    parent, (child,) = store.border_family("k")
    store.person("detention", "x1", given="María", family="López k", birth_date="1980",
                 sex="F")
    store.person("shelter", "s1", same_as=child, given="Niño0", family="López k")
    store.relation("shelter", "s1", "child_of", other_name="María López")
    run = build_families(actor="tester")
    assert _families() == [{parent.pk: "parent", child.pk: "child"}]
    assert run.stats["confirmed_known"] == 1
    assert set(FamilyLink.objects.values_list("evidence", flat=True)) == {"group", "stated"}


def test_name_claim_fitting_two_adults_is_not_acted_on():
    """A separated child naming "Rosa Gómez" when two separated adults bear that name: no link."""
    store = StoreBuilder()
    for rid in ("d1", "d2"):
        store.person("detention", rid, given="Rosa", family="Gómez", birth_date="1985", sex="F")
        store.event("detention", rid, "separated", "2018-05-01", custodian="CBP")
    store.person("shelter", "s1", given="Luis", family="Gómez", birth_date="2012")
    store.event("shelter", "s1", "separated", "2018-05-01", custodian="CBP")
    store.relation("shelter", "s1", "child_of", other_name="Rosa Gómez")
    run = build_families(actor="tester")
    assert run.stats["ambiguous"] == 1
    assert [f.flags for f in current_families()] == [["unlinked_child"]]


def test_children_are_not_matched_as_parents():
    """A claimed parent is looked for among adults only: a minor namesake is not taken."""
    store = StoreBuilder()
    store.person("border", "x1", given="Rosa", family="Gómez", birth_date="2010")
    store.person("shelter", "s1", given="Luis", family="Gómez", birth_date="2012")
    store.relation("shelter", "s1", "child_of", other_name="Rosa Gómez")
    store.event("shelter", "s1", "placed", "2018-05-01", custodian="ORR")
    run = build_families(actor="tester")
    assert _families() == []
    assert run.stats["unmatched_outside"] == 1


def test_relation_within_source_links_records():
    """parent_of between two records of one source links their persons."""
    store = StoreBuilder()
    parent = store.person("docket", "k1", given="Ana", family="Pérez", birth_date="1980",
                          sex="F")
    child = store.person("docket", "k2", given="Eli", family="Pérez", birth_date="2010")
    store.relation("docket", "k1", "parent_of", other_record_id="k2", evidence="document")
    build_families(actor="tester")
    assert _families() == [{parent.pk: "parent", child.pk: "child"}]
    assert FamilyLink.objects.get().evidence == "document"


def test_child_claimed_by_two_mothers_is_flagged_not_resolved():
    """Two women each claiming the child: both links are kept, flagged, and the family marked."""
    store = StoreBuilder()
    mother1, (child,) = store.border_family("b")
    mother2 = store.person("detention", "d9", given="Lucía", family="Mora", birth_date="1987",
                           sex="F", a_number="A 012-345-678")
    store.relation("shelter", "sh1", "child_of", other_name="Lucía Mora",
                   other_a_number="12345678")
    store.person("shelter", "sh1", same_as=child, given="Niño0", family="López b",
                 birth_date="2014-05-06")
    build_families(actor="tester")
    (family,) = current_families()
    assert set(family.members) == {mother1.pk, mother2.pk, child.pk}
    assert "conflicting_claims" in family.flags
    conflicts = set(FamilyLink.objects.values_list("conflict", flat=True))
    assert conflicts == {"claimed_by_two_mothers"}


def test_two_parents_who_look_like_one_person_are_flagged_for_review():
    """Two "mothers" with one name and one birth date (a missed identity) are flagged as
    possibly one person, not as two mothers."""
    store = StoreBuilder()
    mother, (child,) = store.border_family("m")
    twin = store.person("detention", "d1", given="María", family="López m",
                        birth_date="1988-03-02", sex="F", group_id="FRC1", group_role="parent")
    store.person("detention", "d2", same_as=child, given="Niño0", family="López m",
                 group_id="FRC1", group_role="child")
    build_families(actor="tester")
    (family,) = current_families()
    assert set(family.members) == {mother.pk, twin.pk, child.pk}
    assert set(FamilyLink.objects.values_list("conflict", flat=True)) == {
        "parents_possibly_one_person"}


def test_parent_less_than_twelve_years_older_is_flagged():
    """A "parent" 10 years older than the child is kept as a link with a conflict."""
    store = StoreBuilder()
    store.border_family("c", parent_birth="2004-01-01", child_births=("2014-01-01",))
    build_families(actor="tester")
    link = FamilyLink.objects.get()
    assert link.conflict == "parent_too_young"
    assert current_families()[0].flags == ["conflicting_claims"]


def test_separated_child_without_parent_found_is_an_unlinked_family():
    """A child a source recorded as separated, with no parent person found, is flagged."""
    store = StoreBuilder()
    child = store.person("shelter", "s5", given="Ada", family="Luna", birth_date="2015")
    store.event("shelter", "s5", "separated", "2018-06-01", custodian="ORR")
    build_families(actor="tester")
    (family,) = current_families()
    assert family.members == {child.pk: "child"}
    assert family.flags == ["unlinked_child"]


def test_build_appends_one_ledger_entry_without_names():
    """The run is recorded in the ledger once, with counts and ids but no names."""
    store = StoreBuilder()
    store.border_family("d")
    run = build_families(actor="tester")
    entry = LedgerEntry.objects.get(type="families.built")
    assert entry.actor == "tester"
    assert f'"run":{run.pk}' in entry.body
    assert "López" not in entry.body
    assert run.stats["families"] == 1


def test_families_export_rows_follow_the_spec():
    """The families export has family_id, person_id and role, one row per member."""
    store = StoreBuilder()
    parent, (child,) = store.border_family("e")
    build_families(actor="tester")
    rows = list(family_rows())
    assert [list(r) for r in rows] == [["family_id", "person_id", "role"]] * 2
    assert {(r["person_id"], r["role"]) for r in rows} == {
        (person_public_id(parent.pk), "parent"), (person_public_id(child.pk), "child")}
    assert rows[0]["family_id"].startswith("F")


def test_rebuilding_keeps_history_and_serves_the_latest():
    """A second build makes a new run; the current families are the latest run's."""
    store = StoreBuilder()
    store.border_family("f")
    first = build_families(actor="tester")
    store.border_family("g")
    second = build_families(actor="tester")
    assert second.pk > first.pk
    assert len(current_families()) == 2
    assert first.families.count() == 1


def test_families_commands_on_a_fresh_store(run_cli):
    """``families build`` records a run on an empty store; ``families show`` rejects bad ids."""
    built = run_cli("families", "build")
    assert built.returncode == 0, built.stderr
    assert "family run 1" in built.stdout
    shown = run_cli("families", "show", "not-an-id")
    assert shown.returncode == 2
    alone = run_cli("families", "show", "P0000001")
    assert alone.returncode == 0, alone.stderr
    assert "in no family" in alone.stdout
    head = run_cli("register", "--as-of", "2018-09-30", "--json")
    assert head.returncode == 0, head.stderr
    assert '"families in the register": 0' in head.stdout
