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

from django.db import connection
from django.db.models import Max
from django.utils import timezone

from reunify.actions.family_relations import Fits, _decisions, _relation_links
from reunify.actions.ledger import append_entry, in_transaction
from reunify.actions.store_lock import rebuild_lock
from reunify.actions.table_writing import write_table_rows
from reunify.models import (
    EventRecord,
    Family,
    FamilyClaim,
    FamilyLineage,
    FamilyLink,
    FamilyMember,
    FamilyRun,
    Identity,
    PersonRecord,
)
from reunify.models.heap import collection_paused
from reunify.models.profile import family_unit_sources
from reunify.models.streaming import streaming_reads
from reunify.rules import anumber, phones
from reunify.rules.corroboration import Traces
from reunify.rules.family import (
    ADULT_AGE_YEARS,
    Candidate,
    Claim,
    age_years,
    best_birth_date,
    link_strength,
    match_kinds,
    person_sex,
)
from reunify.rules.kinship import Facts, Link, assemble_families
from reunify.rules.lineage import carry_numbers
from reunify.rules.names import words

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
        # In the order they were stored, on either store: the order of a link's sources
        # follows it (PostgreSQL's scans may start anywhere in a table).
        rows = PersonRecord.objects.filter(is_current=True).order_by("pk").values_list(
            "source", "record_id", "given_name", "family_name", "birth_date", "sex",
            "a_number", "phone", "country", "group_id", "group_role", "line",
        )
        self.rows: list[tuple] = []
        #: Each record's recorded country: the region its claims' phones are read in.
        self.country_of: dict[tuple[str, str], str] = {}
        names: dict[int, list[tuple[str, str]]] = defaultdict(list)
        births: dict[int, list[str]] = defaultdict(list)
        sexes: dict[int, list[str]] = defaultdict(list)
        a_numbers: dict[int, set[str]] = defaultdict(set)
        phone_keys: dict[int, set[str]] = defaultdict(set)
        roles: dict[int, set[str]] = defaultdict(set)
        for row in rows.iterator(chunk_size=5000):
            source, record_id, given, family, birth, sex, a_number, phone, country, _g, role, \
                _l = row
            self.country_of[(source, record_id)] = country
            person = self.person_of.get((source, record_id))
            if person is None:
                continue
            self.rows.append((person, *row))
            names[person].append((given, family))
            if birth:
                births[person].append(birth)
            if sex:
                sexes[person].append(sex)
            if key := anumber.normalise(a_number):
                a_numbers[person].add(key)
            if key := phones.normalise(phone, country):
                phone_keys[person].add(key)
            if role:
                roles[person].add(role)
        latest = EventRecord.objects.filter(is_current=True).aggregate(m=Max("at"))["m"]
        self.reference_day: dt.date = latest.date() if latest else timezone.now().date()
        self.facts: dict[int, Facts] = {}
        self.candidates: dict[int, Candidate] = {}
        for person, person_names in names.items():
            birth = best_birth_date(births[person])
            age = age_years(birth, self.reference_day) if birth else None
            self.facts[person] = Facts(sex=person_sex(sexes[person]), birth_date=birth, age=age,
                                       group_roles=frozenset(roles[person]),
                                       names=tuple(dict.fromkeys(person_names)))
            self.candidates[person] = Candidate(
                person=person, names=tuple(person_names), birth_dates=tuple(births[person]),
                a_numbers=frozenset(a_numbers[person]), phones=frozenset(phone_keys[person]),
            )
        self._by_a_number: dict[str, set[int]] = defaultdict(set)
        self._by_phone: dict[str, set[int]] = defaultdict(set)
        #: (first given name, first surname) of a record → its persons: a name fits a record
        #: only when both are among its words (``rules.family.name_matches``), so a claim is
        #: looked up by the pairs of its own words, never against everyone of a common surname.
        self._by_name_pair: dict[tuple[str, str], set[int]] = defaultdict(set)
        for person, candidate in self.candidates.items():
            for key in candidate.a_numbers:
                self._by_a_number[key].add(person)
            for key in candidate.phones:
                self._by_phone[key].add(person)
            for key in candidate.name_keys:
                self._by_name_pair[key].add(person)
        self._minors = {person for person, facts in self.facts.items()
                        if facts.age is not None and facts.age < ADULT_AGE_YEARS}
        #: A claim's fits, found once per distinct claim (``fits_for``).
        self._fits: dict[tuple, Fits] = {}

    def is_adult(self, person: int) -> bool:
        """Whether a person may be someone's carer: 18 or older, or of unknown age."""
        return person not in self._minors

    def candidates_for(self, claim: Claim, *, adults: bool) -> list[Candidate]:
        """Persons a claim could name: sharing an A-number or a phone, or with a record whose
        first given name and first surname are both words of the claimed name (every person
        the claim can fit, ``rules.family.match_kind``, and no others by name)."""
        found: set[int] = set()
        if key := anumber.normalise(claim.a_number):
            found |= self._by_a_number.get(key, set())
        if key := phones.normalise(claim.phone, claim.country):
            found |= self._by_phone.get(key, set())
        tokens = set(words(claim.name))
        for given in tokens:
            for family in tokens:
                found |= self._by_name_pair.get((given, family), set())
        return [self.candidates[p] for p in sorted(found) if (p not in self._minors) is adults]

    def fits_for(self, claim: Claim, *, adults: bool, excluding: int) -> Fits:
        """``match_kinds`` of a claim and ``candidates_for`` it, but the person ``excluding``
        (the claimant). Found once per distinct claim: the children who name "María López" and
        nothing more share one lookup, and one pass over her namesakes (whose number grows with
        the store)."""
        key = (anumber.normalise(claim.a_number), phones.normalise(claim.phone, claim.country),
               frozenset(words(claim.name)), claim.birth_date, adults)
        found = self._fits.get(key)
        if found is None:
            found = self._fits[key] = Fits(match_kinds(claim,
                                                        self.candidates_for(claim,
                                                                            adults=adults)))
        return found.without(excluding)


def _group_links(records: _Records) -> list[Link]:
    """Carer → child links between people a source recorded in one group; and, in a group
    that holds children and no carer, sibling links between its children."""
    groups: dict[tuple[str, str], list[tuple[int, str, str, int]]] = defaultdict(list)
    for person, source, record_id, *_rest, group_id, role, line in records.rows:
        if group_id:
            groups[(source, group_id)].append((person, role, record_id, line))
    links = []

    def link(one: tuple, other: tuple, relation: str, source: str) -> Link:
        return Link(one[0], other[0], relation, "group", link_strength("group"),
                    [{"source": source, "record_id": one[2], "kind": "persons",
                      "line": one[3]},
                     {"source": source, "record_id": other[2], "kind": "persons",
                      "line": other[3]}])

    for (source, _group), members in groups.items():
        children = [m for m in members if m[1] == "child"]
        carers = [m for m in members if m[1] in _CARER_ROLES]
        for carer in carers:
            links.extend(link(carer, child, _CARER_ROLES[carer[1]], source)
                         for child in children)
        if not carers:
            # The group's carer record lost its group (or was booked elsewhere): the
            # children a source booked together are still one family's, so the carer a
            # relation or a claim finds for one of them is found for all.
            links.extend(link(one, other, "sibling_of", source)
                         for n, one in enumerate(children) for other in children[n + 1:])
    return links


#: Event types whose day and place two people who left custody together share.
_EXITS = frozenset({"reunified", "released", "discharged"})


def _traces(records: _Records) -> dict[int, Traces]:
    """Per person, what their records leave that a claimed carer's can agree with: where and
    when they were apprehended and left custody, phones, A-numbers, surnames, separation."""
    encounters: dict[int, set] = defaultdict(set)
    grouped: dict[int, set] = defaultdict(set)
    in_group = {(source, record_id) for _p, source, record_id, *_rest, group_id, _role, _line
                in records.rows if group_id}
    exits: dict[int, set] = defaultdict(set)
    separated: set[int] = set()
    rows = EventRecord.objects.filter(
        is_current=True, type__in=["apprehended", "separated", *_EXITS],
    ).values_list("source", "record_id", "type", "at", "custodian", "facility")
    for source, record_id, etype, at, custodian, facility in rows.iterator(chunk_size=20000):
        person = records.person_of.get((source, record_id))
        if person is None:
            continue
        place = f"{custodian.strip().casefold()}|{facility.strip().casefold()}"
        if etype == "separated":
            separated.add(person)
        elif etype == "apprehended" and facility:
            encounters[person].add((at.date(), place))
            if (source, record_id) in in_group:
                grouped[person].add((at.date(), place))
        elif etype in _EXITS and facility:
            exits[person].add((at.date(), place))
    surnames: dict[int, set[str]] = defaultdict(set)
    firsts: dict[int, set[str]] = defaultdict(set)
    for person, candidate in records.candidates.items():
        for _given, family in candidate.names:
            tokens = words(family)
            surnames[person].update(tokens)
            firsts[person].update(tokens[:1])
    return {
        person: Traces(
            encounters=frozenset(encounters[person]), grouped=frozenset(grouped[person]),
            exits=frozenset(exits[person]),
            phones=candidate.phones, a_numbers=candidate.a_numbers,
            surnames=frozenset(surnames[person]), first_surnames=frozenset(firsts[person]),
            separated=person in separated)
        for person, candidate in records.candidates.items()
    }


def _came_with_adults(records: _Records, traces: dict[int, Traces]) -> set[int]:
    """Minors who came with an adult: recorded as separated, booked as a child in a group
    that also holds an adult, or booked as a group's child by a source whose profile says it
    books family units (``family_units``: the rest of the unit may have lost its link). One
    with no carer found is still counted, as an ``unlinked_child``. Elsewhere a child booked
    alone (a group of one) is not: nothing says an adult was there."""
    units = family_unit_sources()
    groups: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for person, source, _r, *_rest, group_id, role, _line in records.rows:
        if group_id:
            groups[(source, group_id)].append((person, role))
    booked = set()
    for (source, _group), members in groups.items():
        if source in units or any(records.is_adult(p) and role != "child"
                                  for p, role in members):
            booked.update(p for p, role in members if role == "child")
    return {p for p in booked | {p for p, t in traces.items() if t.separated}
            if not records.is_adult(p)}


def _previous_numbers() -> dict[int, set[int]]:
    """The latest finished run's families: number → members."""
    run = FamilyRun.objects.filter(finished_at__isnull=False).order_by("-pk").first()
    out: dict[int, set[int]] = defaultdict(set)
    if run is None:
        return out
    rows = FamilyMember.objects.filter(family__run=run).values_list("family__number",
                                                                     "person_id")
    for number, person in rows.iterator(chunk_size=20000):
        out[number].add(person)
    return out


def build_families(*, actor: str, progress: Any = None) -> FamilyRun:
    """Rebuild every family from the current persons and records; return the run.

    Earlier runs' families are kept (history); the latest run is the current one. Each family
    keeps the number of the previous family it shares most members with
    (``reunify.rules.lineage``); where members went elsewhere is stored as lineage. Name-only
    claims nothing corroborates are stored as review items (``FamilyClaim``). One ledger entry
    records the run with its counts. Holds the store's rebuild lock from the first read to
    the commit, so no link run or ingest changes what it read meanwhile. Runs with the cyclic
    garbage collector paused (``models.heap``): it holds the store's records in memory.
    """
    with rebuild_lock(), collection_paused():
        return _build_families(actor=actor, progress=progress)


def _build_families(*, actor: str, progress: Any) -> FamilyRun:
    started = timezone.now()
    _say(progress, "families: reading persons, groups and relations")
    with streaming_reads():  # the reads stream (``models.streaming``); nothing is written yet
        records = _Records()
        traces = _traces(records)
        links = _group_links(records)
        found, counts, pending = _relation_links(records, traces, links, _decisions())
    links.extend(found)
    drafts = assemble_families(
        links, records.facts, unlinked_children=_came_with_adults(records, traces),
    )
    _say(progress, f"families: {len(drafts)} families assembled from {len(links)} links")
    with in_transaction():
        previous = _previous_numbers()
        highest = Family.objects.aggregate(m=Max("number"))["m"] or 0
        numbers, lineage = carry_numbers(previous, [set(d.members) for d in drafts],
                                         highest + 1)
        run = FamilyRun.objects.create(actor=actor, started_at=started)
        families = Family.objects.bulk_create(
            [Family(run=run, number=number, flags=draft.flags)
             for number, draft in zip(numbers, drafts, strict=True)], batch_size=2000)
        FamilyLineage.objects.bulk_create(
            [FamilyLineage(run=run, number=old, moved_to=new)
             for old, news in sorted(lineage.items()) for new in sorted(news)],
            batch_size=5000)
        # Members and links: hundreds of thousands of rows, written without a model object
        # each (``actions.table_writing``), in the order bulk_create wrote them.
        sources = FamilyLink._meta.get_field("sources")
        members = write_table_rows(
            FamilyMember._meta.db_table, ("family_id", "person_id", "role"),
            ((family.pk, p, r) for family, draft in zip(families, drafts, strict=True)
             for p, r in sorted(draft.members.items())))
        stored_links = write_table_rows(
            FamilyLink._meta.db_table,
            ("family_id", "from_person_id", "to_person_id", "relation", "evidence", "strength",
             "sources", "conflict"),
            ((family.pk, lk.from_person, lk.to_person, lk.relation, lk.evidence, lk.strength,
              sources.get_db_prep_save(lk.sources, connection), lk.conflict[:64])
             for family, draft in zip(families, drafts, strict=True) for lk in draft.links))
        FamilyClaim.objects.bulk_create(
            [FamilyClaim(run=run, claimant_id=person, source=row[0], record_id=row[1],
                         relation=row[2], other_name=row[4], line=row[9],
                         candidates=[{"person": p, "facts": facts} for p, facts in fits])
             for person, row, fits in pending], batch_size=5000)
        stats = {
            "families": len(drafts),
            "members": members,
            "links": stored_links,
            "conflicting": sum(1 for d in drafts if "conflicting_claims" in d.flags),
            "unlinked_children": sum(1 for d in drafts if "unlinked_child" in d.flags),
            "claims_for_review": len(pending),
            "numbers_kept": len(set(numbers) & set(previous)),
            "numbers_new": sum(1 for n in numbers if n > highest),
            "numbers_ended": len(set(previous) - set(numbers)),
            **counts,
        }
        run.finished_at = timezone.now()
        run.stats = stats
        run.save(update_fields=["finished_at", "stats"])
        append_entry(actor=actor, type="families.built", subjects=[f"family_run:{run.pk}"],
                     payload={"run": run.pk, **stats})
    return run
