"""Assembling families from pieces of evidence: components, roles and conflicting claims.

Pure: the family action gathers links between persons and hands them here. A family is a
connected set of persons joined by parent, guardian, sibling or relative links that holds at
least one child; conflicts are flagged on the links and the family, never resolved silently.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from reunify.rules import dates, names
from reunify.rules.family import (
    ADULT_AGE_YEARS,
    birth_dates_agree,
    name_matches,
    parent_too_young,
)

#: Relations that put the ``from`` person in charge of the ``to`` person.
CARE_RELATIONS = frozenset({"parent_of", "guardian_of"})

CONFLICTING_CLAIMS = "conflicting_claims"
UNLINKED_CHILD = "unlinked_child"
PARENT_TOO_YOUNG = "parent_too_young"
TWO_MOTHERS = "claimed_by_two_mothers"
TWO_FATHERS = "claimed_by_two_fathers"
MORE_THAN_TWO_PARENTS = "more_than_two_parents"
#: Two "parents" who look like one person the linker did not join (same names, birth dates
#: that agree): most likely a missed identity, for a person to review.
POSSIBLY_ONE_PERSON = "parents_possibly_one_person"


@dataclass
class Link:
    """One piece of evidence: ``from_person`` is ``relation`` of ``to_person``."""

    from_person: int
    to_person: int
    relation: str  # parent_of | guardian_of | sibling_of | relative_of
    evidence: str  # stated | observed | document | dna | group
    strength: float
    sources: list[dict] = field(default_factory=list)
    conflict: str = ""


@dataclass
class Facts:
    """What the records say about one person that matters to families."""

    sex: str = ""
    birth_date: str = ""
    age: float | None = None  # years, on the reference day
    group_roles: frozenset[str] = frozenset()
    names: tuple[tuple[str, str], ...] = ()  # (given_name, family_name) per record


@dataclass
class FamilyDraft:
    """A family as assembled, before it is stored."""

    members: dict[int, str]  # person → role
    links: list[Link]
    flags: list[str]


def merge_links(links: Iterable[Link]) -> list[Link]:
    """One link per (from, to, relation, evidence): sources pooled, the strongest kept."""
    merged: dict[tuple, Link] = {}
    for link in links:
        if link.from_person == link.to_person:
            continue
        key = (link.from_person, link.to_person, link.relation, link.evidence)
        have = merged.get(key)
        if have is None:
            merged[key] = Link(link.from_person, link.to_person, link.relation, link.evidence,
                               link.strength, list(link.sources), link.conflict)
            continue
        have.sources.extend(link.sources)
        have.strength = max(have.strength, link.strength)
        if link.conflict and link.conflict not in have.conflict.split(";"):
            have.conflict = ";".join(c for c in (have.conflict, link.conflict) if c)
    return list(merged.values())


def _add_conflict(link: Link, conflict: str) -> None:
    if conflict not in link.conflict.split(";"):
        link.conflict = ";".join(c for c in (link.conflict, conflict) if c)


def flag_conflicts(links: list[Link], facts: Mapping[int, Facts]) -> None:
    """Mark contradicting claims on the links themselves (in place).

    - a child with more than two parents, or two parents of the same recorded sex;
    - a parent fewer than 12 years older than the child.
    """
    parents: dict[int, dict[int, list[Link]]] = defaultdict(lambda: defaultdict(list))
    for link in links:
        if link.relation == "parent_of":
            parents[link.to_person][link.from_person].append(link)
            parent, child = facts.get(link.from_person), facts.get(link.to_person)
            if parent and child and parent_too_young(parent.birth_date, child.birth_date):
                _add_conflict(link, PARENT_TOO_YOUNG)
    for by_parent in parents.values():
        if len(by_parent) < 2:
            continue
        sexes = [facts[p].sex if p in facts else "" for p in by_parent]
        reason = ""
        if _look_alike([facts.get(p) for p in by_parent]):
            reason = POSSIBLY_ONE_PERSON
        elif len(by_parent) > 2:
            reason = MORE_THAN_TWO_PARENTS
        elif sexes.count("F") > 1:
            reason = TWO_MOTHERS
        elif sexes.count("M") > 1:
            reason = TWO_FATHERS
        if reason:
            for claims in by_parent.values():
                for link in claims:
                    _add_conflict(link, reason)


def _look_alike(people: list[Facts | None]) -> bool:
    """Whether any two of the people share a written name and agreeing birth dates."""
    known = [f for f in people if f is not None and f.names]
    for i, a in enumerate(known):
        for b in known[i + 1:]:
            same_name = any(name_matches(f"{g} {f}", g2, f2)
                            for g, f in a.names for g2, f2 in b.names)
            if same_name and birth_dates_agree(a.birth_date, b.birth_date):
                return True
    return False


def possibly_one_person(name_a: str, birth_a: str, name_b: str, birth_b: str) -> bool:
    """Whether two members written "given … family …" may be one person the linker did not
    join: same first given name, another name in common, and birth years at most one apart
    (or one unknown) — recorded birth dates are often estimated or set to 1 January."""
    a, b = names.words(name_a), names.words(name_b)
    if not a or not b or a[0] != b[0] or not set(a[1:]) & set(b[1:]):
        return False
    year_a, year_b = dates.parse(birth_a), dates.parse(birth_b)
    return year_a is None or year_b is None or abs(year_a.year - year_b.year) <= 1


def _components(persons: Iterable[int], links: Iterable[Link]) -> list[list[int]]:
    parent: dict[int, int] = {p: p for p in persons}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for link in links:
        a, b = find(link.from_person), find(link.to_person)
        if a != b:
            parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = defaultdict(list)
    for p in parent:
        groups[find(p)].append(p)
    return [sorted(g) for g in groups.values()]


def member_role(person: int, links: Iterable[Link], facts: Facts | None) -> str:
    """A member's role from the links they take part in and their recorded group roles.

    In charge of someone → parent or guardian (parent wins); in someone's charge → child; a
    person both (three generations) is a child while under 18 and a parent after.
    """
    cares = {lk.relation for lk in links if lk.from_person == person and lk.relation in
             CARE_RELATIONS}
    cared_for = any(lk.to_person == person and lk.relation in CARE_RELATIONS for lk in links)
    roles = facts.group_roles if facts else frozenset()
    minor = facts is not None and facts.age is not None and facts.age < ADULT_AGE_YEARS
    if cares and not (cared_for and minor):
        return "parent" if "parent_of" in cares else "guardian"
    if cared_for or "child" in roles:
        return "child"
    if "parent" in roles:
        return "parent"
    if "guardian" in roles:
        return "guardian"
    if any(lk.relation == "sibling_of" for lk in links) and (
        minor or facts is None or facts.age is None
    ):
        # A sibling of unknown age is taken for a child: sibling links come from children's
        # shelter records.
        return "child"
    return "relative"


def assemble_families(
    links: Iterable[Link],
    facts: Mapping[int, Facts],
    *,
    unlinked_children: Iterable[int] = (),
) -> list[FamilyDraft]:
    """Families from links: connected persons holding at least one child and one carer.

    Children with no carer found (``unlinked_children``: they said, or the border recorded,
    that a parent was with them, but no parent person was found) become families of their own
    flagged ``unlinked_child``; every other person without a carer link stays out of families.
    """
    links = merge_links(links)
    flag_conflicts(links, facts)
    persons = {p for lk in links for p in (lk.from_person, lk.to_person)}
    unlinked = set(unlinked_children)
    by_person: dict[int, list[Link]] = defaultdict(list)
    for link in links:
        by_person[link.from_person].append(link)
        by_person[link.to_person].append(link)
    drafts = []
    placed: set[int] = set()
    for component in _components(persons | unlinked, links):
        members = {p: member_role(p, by_person[p], facts.get(p)) for p in component}
        for p in unlinked.intersection(component):
            if members[p] == "relative":
                members[p] = "child"
        has_carer = any(r in {"parent", "guardian"} for r in members.values())
        children = [p for p, r in members.items() if r == "child"]
        if not children:
            continue
        if not has_carer and not (unlinked & set(children)):
            continue
        own = [lk for p in component for lk in by_person[p] if lk.from_person == p]
        flags = []
        if any(lk.conflict for lk in own):
            flags.append(CONFLICTING_CLAIMS)
        if not has_carer:
            flags.append(UNLINKED_CHILD)
        drafts.append(FamilyDraft(members=members, links=own, flags=flags))
        placed.update(component)
    return drafts
