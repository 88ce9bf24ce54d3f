"""The accountability report: who decided to separate and to refer, under what authority, and
how many of those decisions touched children under five.

A decision is an event whose source named who decided or the authority cited. Reports of one
decision by two sources count once (the timeline merges them).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from reunify.queries.families import current_families, person_facts
from reunify.queries.timeline import events_by_person
from reunify.reports.document import Report, Section, Table
from reunify.rules.family import age_years
from reunify.rules.flags import TENDER_AGE_YEARS

#: The decisions this report is about.
SEPARATING, REFERRING = "separated", "referred"


def _tender(birth_date: str, day: dt.date) -> bool:
    age = age_years(birth_date, day)
    return age is not None and age < TENDER_AGE_YEARS


def accountability_report(as_of: dt.date) -> Report:
    """Build the accountability report over every decision on or before ``as_of``."""
    families = current_families()
    family_of: dict[int, list[int]] = defaultdict(list)
    family_pk: dict[int, int] = {}
    for family in families:
        children = [p for p, r in family.members.items() if r == "child"]
        for person in family.members:
            family_of[person] = children
            family_pk[person] = family.pk
    events = events_by_person(None, as_of=as_of)
    facts = person_facts(events)
    # One decision separates (or refers) a family on a day, however many of its members'
    # records carry it: decisions are counted by (family, day), persons one by one.
    decisions: dict[tuple, set[tuple]] = defaultdict(set)
    persons: dict[tuple, set[int]] = defaultdict(set)
    tender: dict[tuple, set[tuple]] = defaultdict(set)
    by_authority: Counter = Counter()
    for person, timeline in events.items():
        for event in timeline:
            if not (event.actor or event.authority):
                continue
            by_authority[(event.type, event.authority or "(none cited)")] += 1
            if event.type not in {SEPARATING, REFERRING}:
                continue
            key = (event.type, event.actor or "(not named)", event.authority or "(none cited)")
            decision = (family_pk.get(person, -person), event.day)
            decisions[key].add(decision)
            persons[key].add(person)
            # A decision involves a tender-age child when it is taken on one, or on a parent
            # of one (the referral of a parent is what separated the child).
            children = family_of.get(person, [])
            involved = [person] if person in children else [person, *children]
            if any(_tender(facts[p].birth_date if p in facts else "", event.day)
                   for p in involved):
                tender[key].add(decision)
    rows = [[*key, len(decided), len(persons[key]), len(tender[key])]
            for key, decided in sorted(decisions.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
    total = sum(len(d) for d in decisions.values())
    tender_total = sum(len(d) for d in tender.values())
    decisions = Section("Separating and referral decisions", text=[
        f"{total} separating or referral decisions on or before {as_of.isoformat()}; "
        f"{tender_total} of them involved a child under {TENDER_AGE_YEARS} (the decision was "
        "about the child, or about a parent of the child).",
    ], tables=[Table("Decisions by who decided and the authority cited",
                     ["decision", "decided by", "authority cited", "decisions", "persons",
                      "involving tender-age children"], rows)])
    authority_rows = [[etype, authority, n] for (etype, authority), n in
                      sorted(by_authority.items(), key=lambda kv: (kv[0][0], -kv[1], kv[0][1]))]
    authorities = Section("All reported decisions by authority", tables=[Table(
        "Every decision a source reported, by type and authority cited",
        ["event", "authority cited", "decisions"], authority_rows)])
    return Report(
        title="Accountability report: separation and referral decisions",
        subtitle=f"Decisions reported on or before {as_of.isoformat()}",
        sections=[decisions, authorities],
    )
