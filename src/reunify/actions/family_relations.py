"""Links from relations: those between records of one source, and claims naming a person
outside it ("my mother, María López, phone …"), matched to the persons they may name.

Part of the families build (``reunify.actions.family``, which reads the store into
``_Records`` and hands it here). A claim is looked up once per distinct claim (``Fits``), and
the facts that corroborate a name-only claim are found through an index of everyone's traces
(``rules.corroboration.corroborating_each``), so the cost of the common names' claims, whose
namesakes grow with the store, stays a pass over the namesakes per claim.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from reunify.models import ClaimDecision, RelationRecord
from reunify.rules.corroboration import TraceIndex, Traces, backed, corroborating_each
from reunify.rules.family import (
    MATCH_NAME,
    MATCH_NAME_BIRTH,
    RELATION_LINKS,
    Candidate,
    Claim,
    choose_among,
    choose_match,
    link_strength,
)
from reunify.rules.kinship import Link

if TYPE_CHECKING:
    from reunify.actions.family import _Records

#: Matches on a name alone (with or without a birth date): acted on only with support.
WEAK_MATCHES = frozenset({MATCH_NAME, MATCH_NAME_BIRTH})


class Fits:
    """The candidates a claim fits, each with its kind (``match_kinds``), in person order;
    what is chosen among them and the pool of weak fits, each found once."""

    def __init__(self, fits: list[tuple[Candidate, str]]) -> None:
        self.fits = fits
        self.persons = {candidate.person for candidate, _kind in fits}
        self.chosen = choose_among(fits)
        #: The persons the claim fits by a name alone (with or without a birth date).
        self.weak = [candidate.person for candidate, kind in fits if kind in WEAK_MATCHES]

    def without(self, person: int) -> Fits:
        """These fits but the person's (a claimant among the namesakes of whom they name)."""
        if person not in self.persons:
            return self
        return Fits([fit for fit in self.fits if fit[0].person != person])


def _relation_rows() -> list[tuple]:
    return list(RelationRecord.objects.filter(is_current=True).order_by("pk").values_list(
        "source", "record_id", "relation", "other_record_id", "other_name", "other_birth_date",
        "other_a_number", "other_phone", "evidence", "line",
    ).iterator(chunk_size=5000))


def _link(person: int, other: int, relation: str, evidence: str, match: str | None,
          ref: dict) -> Link:
    direction, family_relation = RELATION_LINKS[relation]
    carer, cared = (person, other) if direction == "forward" else (other, person)
    evidence = evidence or "stated"
    return Link(carer, cared, family_relation, evidence, link_strength(evidence, match), [ref])


def _related(links: list[Link]) -> dict[tuple[int, str], set[int]]:
    """(person, relation as the person's record would state it) → the persons on the far end."""
    related: dict[tuple[int, str], set[int]] = defaultdict(set)
    for link in links:
        if link.relation in {"parent_of", "guardian_of"}:
            ward = "child_of" if link.relation == "parent_of" else "ward_of"
            related[(link.from_person, link.relation)].add(link.to_person)
            related[(link.to_person, ward)].add(link.from_person)
        elif link.relation == "sibling_of":
            related[(link.from_person, "sibling_of")].add(link.to_person)
            related[(link.to_person, "sibling_of")].add(link.from_person)
    return related


def _claim_key(row: tuple) -> tuple[str, str, str, str]:
    source, record_id, relation, _o, name, *_rest = row
    return (source, record_id, relation, name)


def _relation_links(
    records: _Records, traces: dict[int, Traces], group_links: list[Link],
    decisions: dict[tuple, ClaimDecision],
) -> tuple[list[Link], dict[str, int], list[tuple]]:
    """Links from relations: first those between records of one source, then those naming a
    person outside it.

    A named person is first looked for among those the record's person is already known to be
    related to that way (the claim then confirms a link). Otherwise an A-number or phone that
    agrees is enough; a name (with or without a birth date) is acted on only when other facts
    corroborate it (``reunify.rules.corroboration``), so an unaccompanied child who names a
    parent at home is not joined to a stranger of that name. A name claim nothing corroborates,
    or that fits several persons equally, is returned as pending (a review item) with its
    candidates; a person's decision on a claim binds (``ClaimDecision``).
    """
    counts = {"relations": 0, "matched_outside": 0, "confirmed_known": 0,
              "unmatched_outside": 0, "ambiguous": 0, "unresolved_record": 0,
              "weak_name_unsupported": 0, "contradicting_claims": 0, "claims_accepted": 0,
              "claims_rejected": 0}
    pending: list[tuple] = []
    rows = _relation_rows()
    links: list[Link] = []
    outside = []
    for row in rows:
        source, record_id, relation, other_record, *_named, evidence, line = row
        counts["relations"] += 1
        if relation not in RELATION_LINKS:
            continue
        person = records.person_of.get((source, record_id))
        if person is None:
            counts["unresolved_record"] += 1
            continue
        ref = {"source": source, "record_id": record_id, "kind": "relations", "line": line}
        if not other_record:
            outside.append((person, row, ref))
            continue
        other = records.person_of.get((source, other_record))
        if other is None:
            counts["unresolved_record"] += 1
            continue
        links.append(_link(person, other, relation, evidence, None, ref))
    related = _related(group_links + links)
    index = TraceIndex.of(traces)
    for person, row, ref in outside:
        source, record_id, relation, _o, name, birth, a_number, phone, evidence, _l = row
        claim = Claim(name, birth, a_number, phone,
                      records.country_of.get((source, record_id), ""))
        known = related.get((person, relation), set())
        confirmed = choose_match(claim, [records.candidates[p] for p in sorted(known)
                                         if p in records.candidates])
        if confirmed is not None:
            other, match, _ambiguous = confirmed
            counts["confirmed_known"] += 1
            links.append(_link(person, other, relation, evidence, match, ref))
            continue
        direction, family_relation = RELATION_LINKS[relation]
        # The other person is the carer when the record is the child or ward.
        wants_adult = (records.is_adult(person) if family_relation == "sibling_of"
                       else direction == "reverse")
        # Each candidate's fit is found once per distinct claim: it chooses, and it makes the
        # pool of weak fits.
        fits = records.fits_for(claim, adults=wants_adult, excluding=person)
        chosen = fits.chosen
        if chosen is None:
            counts["unmatched_outside"] += 1
            continue
        other, match, ambiguous = chosen
        decision = decisions.get(_claim_key(row))
        if decision is not None and decision.decision == ClaimDecision.REJECTED:
            counts["claims_rejected"] += 1
            continue
        if decision is not None and decision.person_id is not None:
            counts["claims_accepted"] += 1
            links.append(_link(person, decision.person_id, relation, evidence, match,
                               {**ref, "decided_by": decision.actor}))
            continue
        if match in WEAK_MATCHES:
            facts = corroborating_each(traces.get(person, Traces()),
                                       claimant_is_child=direction == "reverse",
                                       pool=fits.weak, traces=traces, index=index)
            backing = backed(facts)
            if len(backing) != 1:
                counts["ambiguous" if ambiguous or len(backing) > 1 else
                       "weak_name_unsupported"] += 1
                pending.append((person, row, [(p, facts[p]) for p in sorted(facts)]))
                continue
            other, ambiguous = backing[0], False
            ref = {**ref, "corroborated_by": facts[other]}
        elif ambiguous:
            counts["ambiguous"] += 1
            continue
        if known and relation in {"child_of", "ward_of"}:
            # Someone else already stands as this person's carer. A strong claim is kept beside
            # it (and flagged by the conflict rules); a name alone does not outweigh it.
            counts["contradicting_claims"] += 1
            if match in WEAK_MATCHES:
                continue
        counts["matched_outside"] += 1
        links.append(_link(person, other, relation, evidence, match, ref))
    return links, counts, pending


def _decisions() -> dict[tuple, ClaimDecision]:
    """The latest decision on each claim (source, record_id, relation, other_name)."""
    out: dict[tuple, ClaimDecision] = {}
    for decision in ClaimDecision.objects.order_by("decided_at", "pk"):
        out[(decision.source, decision.record_id, decision.relation,
             decision.other_name)] = decision
    return out
