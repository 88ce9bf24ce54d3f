"""Name-only claims of a carer: acted on when other facts corroborate them, else a review item
that a person decides (issue #10, item 5)."""

from __future__ import annotations

import pytest

from family_store import StoreBuilder
from reunify.actions.claim import decide_claim
from reunify.actions.family import build_families
from reunify.models import ClaimDecision, FamilyClaim, FamilyLink, LedgerEntry
from reunify.queries.families import current_families, open_claims
from reunify.rules.corroboration import (
    BOTH_SEPARATED,
    SAME_ENCOUNTER,
    SAME_EXIT,
    SHARED_PHONE,
    SURNAME_IN_CHILDS,
    Traces,
    backed,
    corroborating,
    enough,
)

pytestmark = pytest.mark.django_db


def _child_naming_her_mother_met_at_one_encounter(store: StoreBuilder):
    """A child the border booked in a group, whose shelter record names "María López", and a
    María López apprehended with the child whose border record lost its group link."""
    child = store.person("border", "c1", given="Luis", family="López Tzul",
                         birth_date="2012-03-04", sex="M", group_id="FU-1", group_role="child")
    store.person("shelter", "s1", same_as=child, given="Luis", family="López",
                 birth_date="2012")
    store.relation("shelter", "s1", "child_of", other_name="María López")
    mother = store.person("border", "p1", given="María", family="López Pérez",
                          birth_date="1988", sex="F")
    for record in ("c1", "p1"):
        store.event("border", record, "apprehended", "2018-05-09", custodian="CBP",
                    facility="Ursula")
    return child, mother


def test_corroborating_facts_are_named_and_only_strong_ones_suffice():
    """Same encounter, same exit (within three days, one place), a shared phone are each
    enough; a surname in the child's is evidence but not enough on its own."""
    import datetime as dt

    day = dt.date(2018, 5, 9)
    child = Traces(encounters=frozenset({(day, "cbp|ursula")}),
                   grouped=frozenset({(day, "cbp|ursula")}),
                   exits=frozenset({(day + dt.timedelta(days=40), "ice|dilley")}),
                   phones=frozenset({"+50255551234"}), surnames=frozenset({"lopez", "tzul"}))
    adult = Traces(encounters=frozenset({(day, "cbp|ursula")}),
                   exits=frozenset({(day + dt.timedelta(days=42), "ice|dilley")}),
                   phones=frozenset({"+50255551234"}), first_surnames=frozenset({"lopez"}))
    assert corroborating(child, adult) == [SAME_ENCOUNTER, SAME_EXIT, SHARED_PHONE,
                                           SURNAME_IN_CHILDS]
    assert not enough([SURNAME_IN_CHILDS])
    assert enough([SAME_ENCOUNTER])
    assert enough([BOTH_SEPARATED])
    stranger = Traces(encounters=frozenset({(day, "cbp|paso")}),
                      exits=frozenset({(day + dt.timedelta(days=47), "ice|dilley")}))
    assert corroborating(child, stranger) == []
    came_alone = Traces(encounters=child.encounters)
    assert SAME_ENCOUNTER not in corroborating(came_alone, adult)


def test_a_name_claim_corroborated_by_the_same_encounter_links_the_parent():
    """The mother whose border record lost its group link was apprehended at the same station
    on the same day as the child, whom the border booked in a group: the claim by name is
    acted on, with the facts kept."""
    store = StoreBuilder()
    child, mother = _child_naming_her_mother_met_at_one_encounter(store)
    build_families(actor="tester")
    assert [f.members for f in current_families()] == [{mother.pk: "parent",
                                                         child.pk: "child"}]
    link = FamilyLink.objects.get()
    assert SAME_ENCOUNTER in link.sources[0]["corroborated_by"]
    assert not FamilyClaim.objects.exists()


def test_a_fact_of_the_pair_outweighs_both_being_separated():
    """Of the candidates a name claim fits, one backed by a fact of the pair itself (the same
    encounter, exit, phone or A-number) is chosen over one backed only by both having been
    separated; two backed alike, or only by being separated, are left for a person."""
    assert backed({1: [BOTH_SEPARATED], 2: [SAME_ENCOUNTER, SURNAME_IN_CHILDS]}) == [2]
    assert backed({1: [BOTH_SEPARATED], 2: [SURNAME_IN_CHILDS]}) == [1]
    assert backed({1: [SAME_ENCOUNTER], 2: [SHARED_PHONE, BOTH_SEPARATED]}) == [1, 2]
    assert backed({1: [SURNAME_IN_CHILDS]}) == []


def test_a_claim_goes_to_the_namesake_met_at_the_childs_encounter():
    """A child the border booked in a group names "María López". Two women of that name:
    one apprehended with the child (her group link lost), one separated from her own child
    elsewhere while this child was also separated. The claim links the first; before, two
    candidates each "enough" left it as a review item and the family incomplete."""
    store = StoreBuilder()
    child, mother = _child_naming_her_mother_met_at_one_encounter(store)
    store.event("border", "c1", "separated", "2018-05-10", custodian="CBP", facility="Ursula")
    namesake = store.person("detention", "d1", given="María", family="López Cruz",
                            birth_date="1990", sex="F")
    store.event("detention", "d1", "separated", "2018-06-01", custodian="ICE",
                facility="Port Isabel")
    build_families(actor="tester")
    assert [f.members for f in current_families()] == [{mother.pk: "parent",
                                                         child.pk: "child"}]
    assert namesake.pk not in current_families()[0].members
    assert not FamilyClaim.objects.exists()


def test_an_uncorroborated_name_claim_is_a_review_item_and_a_decision_binds():
    """A child names "María López"; an adult of that name was apprehended elsewhere on another
    day: no link, a review item listing her as candidate. Accepted (with a reason, in the
    ledger), the next build links them; rejected, it never does."""
    store = StoreBuilder()
    child = store.person("shelter", "s1", given="Luis", family="López", birth_date="2012")
    store.relation("shelter", "s1", "child_of", other_name="María López")
    store.event("shelter", "s1", "placed", "2018-05-12", custodian="ORR", facility="Casa A")
    namesake = store.person("detention", "d1", given="María", family="López Pérez",
                            birth_date="1988", sex="F")
    store.event("detention", "d1", "detained", "2018-04-01", custodian="ICE",
                facility="Port Isabel")
    build_families(actor="tester")
    assert current_families() == []
    [claim] = open_claims()
    assert (claim.source, claim.record_id, claim.claimant) == ("shelter", "s1", child.pk)
    assert [p for p, _facts in claim.candidates] == [namesake.pk]

    with pytest.raises(ValueError, match="reason"):
        decide_claim(claim.pk, ClaimDecision.ACCEPTED, reason=" ", actor="reviewer",
                     person_pk=namesake.pk)
    decide_claim(claim.pk, ClaimDecision.ACCEPTED, reason="mother confirmed by phone",
                 actor="reviewer", person_pk=namesake.pk)
    assert LedgerEntry.objects.filter(type="family.claim_decision").count() == 1
    build_families(actor="tester")
    assert [f.members for f in current_families()] == [{namesake.pk: "parent",
                                                         child.pk: "child"}]
    assert FamilyLink.objects.filter(to_person=child).latest("pk").sources[0]["decided_by"] \
        == "reviewer"

    claim_pk = FamilyClaim.objects.order_by("pk").first().pk
    decide_claim(claim_pk, ClaimDecision.REJECTED, reason="not her: different village",
                 actor="supervisor")
    build_families(actor="tester")
    assert current_families() == []
    assert open_claims() == []


def test_the_facts_of_a_claimant_and_a_pool_are_those_of_each_pair():
    """``corroborating_each`` finds the pair's own facts (one encounter, an exit within three
    days at one place, a phone, an A-number) by looking the claimant's traces up in an index
    of everyone's, and gives each person of the pool the very facts ``corroborating`` gives
    the pair, in the same order, whichever side the claimant is on."""
    import datetime as dt
    import itertools

    from reunify.rules.corroboration import TraceIndex, corroborating_each

    day = dt.date(2018, 5, 9)
    here, there = "cbp|ursula", "ice|dilley"
    choices = {
        "encounters": [frozenset(), frozenset({(day, here)}), frozenset({(day, there)})],
        "exits": [frozenset(), frozenset({(day + dt.timedelta(days=3), there)}),
                  frozenset({(day + dt.timedelta(days=4), there)}),
                  frozenset({(day - dt.timedelta(days=2), here)})],
        "phones": [frozenset(), frozenset({"+50255551234"})],
        "a_numbers": [frozenset(), frozenset({"A012345678"})],
        "surnames": [frozenset(), frozenset({"lopez", "tzul"})],
        "separated": [False, True],
    }
    traces = {}
    for n, (encounters, exits, phone, a_number, surnames, separated) in enumerate(
            itertools.product(*choices.values())):
        traces[n] = Traces(encounters=encounters, grouped=encounters if n % 2 else frozenset(),
                           exits=exits, phones=phone, a_numbers=a_number, surnames=surnames,
                           first_surnames=frozenset(sorted(surnames)[:1]),
                           separated=separated)
    index = TraceIndex.of(traces)
    pool = sorted(traces)
    for claimant in pool[::7]:
        others = [p for p in pool if p != claimant]
        as_child = corroborating_each(traces[claimant], claimant_is_child=True, pool=others,
                                      traces=traces, index=index)
        as_adult = corroborating_each(traces[claimant], claimant_is_child=False, pool=others,
                                      traces=traces, index=index)
        assert list(as_child) == others
        for other in others:
            assert as_child[other] == corroborating(traces[claimant], traces[other])
            assert as_adult[other] == corroborating(traces[other], traces[claimant])


def test_children_naming_one_name_share_one_search_of_the_namesakes(monkeypatch):
    """Two children who name "María López" and nothing more are compared with her namesakes
    once, not once each (the namesakes of a common name grow with the store); each child's
    review item still lists every namesake with the facts of that pair."""
    from reunify.actions import family

    store = StoreBuilder()
    children = [store.person("shelter", f"s{n}", given=given, family="López", birth_date="2012")
                for n, given in enumerate(["Luis", "Ana"])]
    for n in range(2):
        store.relation("shelter", f"s{n}", "child_of", other_name="María López")
    namesakes = [store.person("detention", f"d{n}", given="María", family=family,
                              birth_date="1988", sex="F")
                 for n, family in enumerate(["López Pérez", "López Cruz", "López"])]
    searches = []
    real = family.match_kinds
    monkeypatch.setattr(family, "match_kinds",
                        lambda claim, candidates: searches.append(claim) or real(claim,
                                                                                 candidates))
    build_families(actor="tester")
    assert [claim.name for claim in searches] == ["María López"]
    claims = open_claims()
    assert sorted(claim.claimant for claim in claims) == sorted(c.pk for c in children)
    for claim in claims:
        assert [p for p, _facts in claim.candidates] == [n.pk for n in namesakes]
        assert all(SURNAME_IN_CHILDS in facts for _p, facts in claim.candidates)
