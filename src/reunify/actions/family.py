"""Reconstructing families from the current persons, their records' groups and relations.

Evidence, weakest to strongest: a group the source recorded people in together (``group``),
a relation someone stated, one observed, one on a document, a DNA test. A relation naming a
person outside its source ("my mother, María López, phone …") confirms a link the claimant
already has, or is matched to an adult person: an A-number or a phone that agrees is strong; a
name, even with an agreeing birth date, is weak and acted on only when both sides were recorded
as separated. Every link keeps where it came from; contradicting claims are flagged on the
links and the family, never resolved silently. See docs/families.md.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Max
from django.utils import timezone

from reunify.actions.ledger import append_entry, in_transaction
from reunify.actions.store_lock import rebuild_lock
from reunify.models import (
    EventRecord,
    Family,
    FamilyLink,
    FamilyMember,
    FamilyRun,
    Identity,
    PersonRecord,
    RelationRecord,
)
from reunify.rules.family import (
    ADULT_AGE_YEARS,
    MATCH_NAME,
    MATCH_NAME_BIRTH,
    RELATION_LINKS,
    Candidate,
    Claim,
    a_number_key,
    age_years,
    best_birth_date,
    choose_match,
    link_strength,
    name_tokens,
    phone_key,
)
from reunify.rules.kinship import Facts, Link, assemble_families

#: Matches on a name alone (with or without a birth date): acted on only with support.
WEAK_MATCHES = frozenset({MATCH_NAME, MATCH_NAME_BIRTH})

#: Group roles that make a person someone's carer, and the relation their links carry.
_CARER_ROLES = {"parent": "parent_of", "guardian": "guardian_of", "relative": "relative_of"}


def _say(progress: Any, message: str) -> None:
    if progress is None:
        return
    if hasattr(progress, "print"):
        progress.print(message)
    elif callable(progress):
        progress(message)


class _Records:
    """The current person-records by person, and what they add up to per person."""

    def __init__(self) -> None:
        self.person_of: dict[tuple[str, str], int] = {
            (s, r): p for s, r, p in Identity.objects.values_list("source", "record_id",
                                                                   "person_id").iterator()
        }
        rows = PersonRecord.objects.filter(is_current=True).values_list(
            "source", "record_id", "given_name", "family_name", "birth_date", "sex",
            "a_number", "phone", "group_id", "group_role", "line",
        )
        self.rows: list[tuple] = []
        names: dict[int, list[tuple[str, str]]] = defaultdict(list)
        births: dict[int, list[str]] = defaultdict(list)
        sexes: dict[int, list[str]] = defaultdict(list)
        a_numbers: dict[int, set[str]] = defaultdict(set)
        phones: dict[int, set[str]] = defaultdict(set)
        roles: dict[int, set[str]] = defaultdict(set)
        for row in rows.iterator(chunk_size=5000):
            source, record_id, given, family, birth, sex, a_number, phone, _g, role, _l = row
            person = self.person_of.get((source, record_id))
            if person is None:
                continue
            self.rows.append((person, *row))
            names[person].append((given, family))
            if birth:
                births[person].append(birth)
            if sex:
                sexes[person].append(sex)
            if key := a_number_key(a_number):
                a_numbers[person].add(key)
            if key := phone_key(phone):
                phones[person].add(key)
            if role:
                roles[person].add(role)
        latest = EventRecord.objects.filter(is_current=True).aggregate(m=Max("at"))["m"]
        self.reference_day: dt.date = latest.date() if latest else timezone.now().date()
        self.facts: dict[int, Facts] = {}
        self.candidates: dict[int, Candidate] = {}
        for person, person_names in names.items():
            birth = best_birth_date(births[person])
            age = age_years(birth, self.reference_day) if birth else None
            sex_votes = sexes[person]
            sex = max(set(sex_votes), key=sex_votes.count) if sex_votes else ""
            self.facts[person] = Facts(sex=sex, birth_date=birth, age=age,
                                       group_roles=frozenset(roles[person]),
                                       names=tuple(dict.fromkeys(person_names)))
            self.candidates[person] = Candidate(
                person=person, names=tuple(person_names), birth_dates=tuple(births[person]),
                a_numbers=frozenset(a_numbers[person]), phones=frozenset(phones[person]),
            )
        self._by_a_number: dict[str, set[int]] = defaultdict(set)
        self._by_phone: dict[str, set[int]] = defaultdict(set)
        self._by_name_token: dict[str, set[int]] = defaultdict(set)
        for person, candidate in self.candidates.items():
            for key in candidate.a_numbers:
                self._by_a_number[key].add(person)
            for key in candidate.phones:
                self._by_phone[key].add(person)
            for _given, family in candidate.names:
                for token in name_tokens(family)[:1]:
                    self._by_name_token[token].add(person)

    def is_adult(self, person: int) -> bool:
        """Whether a person may be someone's carer: 18 or older, or of unknown age."""
        age = self.facts[person].age if person in self.facts else None
        return age is None or age >= ADULT_AGE_YEARS

    def candidates_for(self, claim: Claim, *, adults: bool) -> list[Candidate]:
        """Persons a claim could name: sharing an A-number, a phone or a name token."""
        found: set[int] = set()
        if key := a_number_key(claim.a_number):
            found |= self._by_a_number.get(key, set())
        if key := phone_key(claim.phone):
            found |= self._by_phone.get(key, set())
        for token in name_tokens(claim.name):
            found |= self._by_name_token.get(token, set())
        return [
            self.candidates[p] for p in sorted(found)
            if (self.is_adult(p) if adults else not self.is_adult(p))
        ]


def _group_links(records: _Records) -> list[Link]:
    """Carer → child links between people a source recorded in one group."""
    groups: dict[tuple[str, str], list[tuple[int, str, str, int]]] = defaultdict(list)
    for person, source, record_id, *_rest, group_id, role, line in records.rows:
        if group_id:
            groups[(source, group_id)].append((person, role, record_id, line))
    links = []
    for (source, _group), members in groups.items():
        children = [m for m in members if m[1] == "child"]
        carers = [m for m in members if m[1] in _CARER_ROLES]
        for carer, role, carer_record, carer_line in carers:
            for child, _r, child_record, child_line in children:
                links.append(Link(
                    carer, child, _CARER_ROLES[role], "group", link_strength("group"),
                    [{"source": source, "record_id": carer_record, "kind": "persons",
                      "line": carer_line},
                     {"source": source, "record_id": child_record, "kind": "persons",
                      "line": child_line}],
                ))
    return links


def _relation_rows() -> list[tuple]:
    return list(RelationRecord.objects.filter(is_current=True).values_list(
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


def _relation_links(
    records: _Records, separated: set[int], group_links: list[Link]
) -> tuple[list[Link], dict[str, int]]:
    """Links from relations: first those between records of one source, then those naming a
    person outside it.

    A named person is first looked for among those the record's person is already known to be
    related to that way (the claim then confirms a link). Otherwise an A-number or phone that
    agrees is enough; a name (with or without a birth date) is acted on only when both the
    claimant and the named person were recorded as separated, so an unaccompanied child who
    names a parent at home is not joined to a stranger of that name. A claim that fits several
    persons equally is not acted on (counted as ambiguous).
    """
    counts = {"relations": 0, "matched_outside": 0, "confirmed_known": 0,
              "unmatched_outside": 0, "ambiguous": 0, "unresolved_record": 0,
              "weak_name_unsupported": 0, "contradicting_claims": 0}
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
    for person, row, ref in outside:
        _s, _r, relation, _o, name, birth, a_number, phone, evidence, _l = row
        claim = Claim(name, birth, a_number, phone)
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
        chosen = choose_match(claim, [c for c in records.candidates_for(claim, adults=wants_adult)
                                      if c.person != person])
        if chosen is None:
            counts["unmatched_outside"] += 1
            continue
        other, match, ambiguous = chosen
        if ambiguous:
            counts["ambiguous"] += 1
            continue
        if match in WEAK_MATCHES and not (person in separated and other in separated):
            counts["weak_name_unsupported"] += 1
            continue
        if known and relation in {"child_of", "ward_of"}:
            # Someone else already stands as this person's carer. A strong claim is kept beside
            # it (and flagged by the conflict rules); a name alone does not outweigh it.
            counts["contradicting_claims"] += 1
            if match in WEAK_MATCHES:
                continue
        counts["matched_outside"] += 1
        links.append(_link(person, other, relation, evidence, match, ref))
    return links, counts


def _separated_persons(records: _Records) -> set[int]:
    """Persons a source recorded as separated: they were with a family member, found or not."""
    persons = set()
    rows = EventRecord.objects.filter(is_current=True, type="separated").values_list(
        "source", "record_id")
    for key in rows.iterator(chunk_size=5000):
        person = records.person_of.get(key)
        if person is not None:
            persons.add(person)
    return persons


def build_families(*, actor: str, progress: Any = None) -> FamilyRun:
    """Rebuild every family from the current persons and records; return the run.

    Earlier runs' families are kept (history); the latest run is the current one. One ledger
    entry records the run with its counts. Holds the store's rebuild lock from the first read
    to the commit, so no link run or ingest changes what it read meanwhile.
    """
    with rebuild_lock():
        return _build_families(actor=actor, progress=progress)


def _build_families(*, actor: str, progress: Any) -> FamilyRun:
    started = timezone.now()
    _say(progress, "families: reading persons, groups and relations")
    records = _Records()
    separated = _separated_persons(records)
    links = _group_links(records)
    relation_links, counts = _relation_links(records, separated, links)
    links.extend(relation_links)
    drafts = assemble_families(
        links, records.facts,
        unlinked_children={p for p in separated if not records.is_adult(p)},
    )
    _say(progress, f"families: {len(drafts)} families assembled from {len(links)} links")
    with in_transaction():
        run = FamilyRun.objects.create(actor=actor, started_at=started)
        families = Family.objects.bulk_create(
            [Family(run=run, flags=draft.flags) for draft in drafts], batch_size=2000)
        members, stored_links = [], []
        for family, draft in zip(families, drafts, strict=True):
            members.extend(FamilyMember(family=family, person_id=p, role=r)
                           for p, r in sorted(draft.members.items()))
            stored_links.extend(
                FamilyLink(family=family, from_person_id=lk.from_person,
                           to_person_id=lk.to_person, relation=lk.relation,
                           evidence=lk.evidence, strength=lk.strength, sources=lk.sources,
                           conflict=lk.conflict[:64])
                for lk in draft.links)
        FamilyMember.objects.bulk_create(members, batch_size=5000)
        FamilyLink.objects.bulk_create(stored_links, batch_size=5000)
        stats = {
            "families": len(drafts),
            "members": len(members),
            "links": len(stored_links),
            "conflicting": sum(1 for d in drafts if "conflicting_claims" in d.flags),
            "unlinked_children": sum(1 for d in drafts if "unlinked_child" in d.flags),
            **counts,
        }
        run.finished_at = timezone.now()
        run.stats = stats
        run.save(update_fields=["finished_at", "stats"])
        append_entry(actor=actor, type="families.built", subjects=[f"family_run:{run.pk}"],
                     payload={"run": run.pk, **stats})
    return run

