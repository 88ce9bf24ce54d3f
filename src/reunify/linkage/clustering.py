"""From scored pairs to persons, under the hard constraints of family structure.

Pairs are merged greedily, strongest first (a union-find). A merge is refused when it would put
into one person:

- two records one source group holds in different roles (a parent and a child of one family
  unit are two people), or with precise birth dates no slip explains (two sisters both
  written "MARÍA", their compound names cut);
- two records a source states are parent and child, or whose birth years are
  :data:`AGE_GAP` or more apart (a son named after his father stays his own person);
- two records a person ruled different (a ``different`` decision);
- two records with conflicting A-numbers (more than two slips apart): an A-number is one
  person's, and a clerk's slip changes one digit or swaps two;
- an adult and a minor: a record of a source whose profile holds adults only (a prosecutor's
  docket) or a family unit's parent, and a record of a source that holds minors only (a
  children's shelter), a family unit's child or a record whose birth date makes its person
  surely a child when seen;
- one person in two family units of one source whose profile books family units, or in a
  unit and (as a child) alone;
- two records a source whose profile says it holds people in custody held at overlapping
  times;
- two records whose given names clearly differ (no name in common, through nicknames and
  spellings, nor alike) unless their A-numbers agree, where one of them has a twin in the
  data (:func:`twins`): twins share surnames, birth date, phone and group, and only their
  given names tell them apart. Elsewhere records differ that way because clerks cut a
  compound name to different halves, and the scores decide. Two full compound names with one
  first name ("María José", "María Fernanda") are sisters wherever they are. The rule yields
  when the two clusters hold one A-number, when a record of theirs writes the full compound
  name the two cut to different halves, or when a record under the same A-number already
  gave the cluster the other given name.

And two clusters that each hold several records merge only when the evidence *between* them
holds up on average, not through one weak pair (:data:`SUPPORT`): a chain of pairs must not
glue two strong clusters together.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from functools import lru_cache

from reunify.linkage import corroboration
from reunify.linkage.edges import Edges, Neighbours
from reunify.linkage.features import date_of
from reunify.linkage.records import Profile
from reunify.rules.anumber import conflict, within
from reunify.rules.dates import BirthDate, distinct
from reunify.rules.names import given_keys_differ

#: What a record says of its person's age: by its source's profile (``holds``: a prosecutor's
#: docket charges adults only, a children's shelter holds minors only), else by its role in a
#: group (a family unit's parent is an adult, its child a minor), else by a birth date that
#: makes the person surely a child when seen. One person is never both (in one season).
AGE_BY_HOLDS = {"adults": "adult", "minors": "minor"}
AGE_BY_ROLE = {"parent": "adult", "child": "minor"}
#: A birth date says "minor" only when the person was under 18 less this many years even born
#: on the earliest day the date allows: intake estimates a child's year, one off at times.
AGE_MARGIN = 1

#: Within a source whose profile books family units (``family_units``: a border station books
#: a family unit or an unaccompanied child, never both for one child at one apprehension), a
#: person is in one unit, or alone.
ALONE = "\x1falone"
#: How many days two of one custodial source's records (profile ``custody``) of a cluster may
#: overlap in time before they must be two people.
HELD_OVERLAP = 2
NO_PROFILE = Profile()

#: Birth years this far apart are a parent and a child (or strangers), never one person.
AGE_GAP = 12
#: Two clusters merge only if the pairs between them weigh on average at least the acceptance
#: weight less this margin (average linkage), a pair never scored counting as ``UNSCORED``.
SUPPORT_MARGIN = 3.0
UNSCORED = -6.0

Edge = tuple[float, int, int]
Given = tuple[frozenset, str, str, frozenset, str]


def _given(f: dict) -> Given:
    return (frozenset(f.get("given_keys") or ()), f.get("given_first") or "",
            f.get("a_number") or "", frozenset(f.get("name_keys") or ()),
            f.get("given_second") or "")


def _minor(f: dict, margin: int = 0) -> bool:
    """Whether the record's person was surely under 18 (less ``margin`` years) when first
    seen: even born on the earliest day the recorded birth date allows (a bare year is its 1st
    of January)."""
    seen, year = f.get("seen_from"), f.get("birth_year")
    if seen is None or not year:
        return False
    month, day = _earliest(year, f.get("birth_month") or 1, f.get("birth_day") or 1)
    seen_year, seen_month, seen_day = _calendar(seen)
    return seen_year - year - ((seen_month, seen_day) < (month, day)) < 18 - margin


@lru_cache(maxsize=65536)
def _earliest(year: int, month: int, day: int) -> tuple[int, int]:
    """Month and day of the earliest birthday a recorded date allows: a day the month does
    not have gives its 1st (earlier still)."""
    try:
        dt.date(year, month, day)
    except ValueError:
        return month, 1
    return month, day


@lru_cache(maxsize=65536)
def _calendar(day: int) -> tuple[int, int, int]:
    found = date_of(day)
    return found.year, found.month, found.day


def age(f: dict, profile: Profile = NO_PROFILE) -> str | None:
    """``adult``, ``minor`` or None (unknown): what record ``f`` says of its person's age,
    by its source's profile, else its role in a group, else its birth date."""
    return (AGE_BY_HOLDS.get(profile.holds) or AGE_BY_ROLE.get(f.get("group_role") or "")
            or ("minor" if _minor(f, AGE_MARGIN) else None))


def _siblings(left: Given, right: Given) -> bool:
    (keys_i, first_i, a_i, all_i, second_i), (keys_j, first_j, a_j, all_j, second_j) = \
        left, right
    if a_i and a_j and within(a_i, a_j, 2):
        return False
    return given_keys_differ(keys_i, keys_j, first_i, first_j, all_i, all_j, second_i,
                             second_j)


def twins(features: list[dict]) -> set[int]:
    """Records whose source also holds a same-age sibling of theirs: another record with the
    same surnames (or some of them), the same precise birth date and a different given name.
    Only for them may different given names mean two people; anyone else's records differ
    that way because a clerk cut a compound name to its other half. (A twin whose own record
    lacks a precise date is still caught through the other twin's records in other sources.)
    """
    buckets: dict[tuple, list[int]] = defaultdict(list)
    for i, f in enumerate(features):
        if f.get("birth_precise") and f.get("surnames"):
            buckets[(f.get("source"), f["birth_date"])].append(i)
    out: set[int] = set()
    for members in buckets.values():
        for n, i in enumerate(members):
            si = set(features[i]["surnames"])
            for j in members[n + 1:]:
                sj = set(features[j]["surnames"])
                if (si <= sj or sj <= si) and _siblings(_given(features[i]), _given(features[j])):
                    out.update((i, j))
    return out


class Clusters:
    """A union-find over record indexes that refuses merges the constraints forbid."""

    def __init__(self, features: list[dict], cannot: Iterable[tuple[int, int]] = (), *,
                 person_rules: bool = True, twinned: set[int] | None = None,
                 profiles: Mapping[str, Profile] | None = None):
        n = len(features)
        profiles = profiles or {}
        self.person_rules = person_rules
        self.parent = list(range(n))
        self.members: dict[int, list[int]] = {i: [i] for i in range(n)}
        self.years: dict[int, tuple[int, int] | None] = {}
        self.roles: dict[int, dict[str, set[str]]] = {}
        self.born: dict[int, dict[str, set[BirthDate]]] = {}
        self.units: dict[int, dict[str, str]] = {}
        self.held: dict[int, dict[str, list[tuple[int, int]]]] = {}
        self.ages: dict[int, set[str]] = {}
        self.a_numbers: dict[int, set[str]] = {}
        for i, f in enumerate(features):
            year = f.get("birth_year")
            self.years[i] = (year, year) if year else None
            self.a_numbers[i] = {f["a_number"]} if f.get("a_number") else set()
            group, role = f.get("group"), f.get("group_role")
            self.roles[i] = {group: {role}} if group and role else {}
            self.born[i] = {group: {BirthDate(year, f["birth_month"], f["birth_day"])}} \
                if group and f.get("birth_precise") else {}
            profile = profiles.get(f.get("source") or "", NO_PROFILE)
            start, end = f.get("seen_from"), f.get("seen_to")
            self.held[i] = {f["source"]: [(start, end if end is not None else start)]} \
                if start is not None and profile.custody else {}
            self.units[i] = ({f["source"]: group} if group else
                             {f["source"]: ALONE} if _minor(f) else {}) \
                if profile.family_units else {}
            known = age(f, profile)
            self.ages[i] = {known} if known else set()
        self.cannot: dict[int, set[int]] = defaultdict(set)
        for a, b in cannot:
            if a != b:
                self.cannot[a].add(b)
                self.cannot[b].add(a)
        self.refused: dict[str, int] = defaultdict(int)
        self.given = [_given(f) for f in features]
        if not person_rules:
            self.twinned: set[int] = set()
        else:
            self.twinned = twins(features) if twinned is None else twinned

    def siblings(self, i: int, j: int) -> bool:
        """Records ``i`` and ``j`` name different given names and no common A-number."""
        return _siblings(self.given[i], self.given[j])

    def find(self, i: int) -> int:
        """The representative of ``i``'s cluster."""
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return root

    def size(self, root: int) -> int:
        """How many records the cluster of ``root`` holds."""
        return len(self.members[root])

    def conflict(self, a: int, b: int) -> str | None:
        """Why the clusters of roots ``a`` and ``b`` may not merge, or None if they may."""
        # Called for every accepted pair (twice a hundred thousand at 100,000 records): the
        # checks are made on locals, a rule's loop only when both clusters hold its facts.
        person_rules = self.person_rules
        ya, yb = self.years[a], self.years[b]
        if person_rules and ya and yb and max(ya[1], yb[1]) - min(ya[0], yb[0]) >= AGE_GAP:
            return "age_gap"
        if person_rules:
            numbers_b = self.a_numbers[b]
            for x in self.a_numbers[a] if numbers_b else ():
                for y in numbers_b:
                    if conflict(x, y):
                        return "a_number_conflict"
        roles_a, roles_b = self.roles[a], self.roles[b]
        if roles_a and roles_b:
            small, large = (roles_a, roles_b) if len(roles_a) <= len(roles_b) \
                else (roles_b, roles_a)
            for group, roles in small.items():
                other = large.get(group)
                if other and len(roles | other) > 1:
                    return "group_role"
        if person_rules:
            units_a, units_b = self.units[a], self.units[b]
            if units_a and units_b:
                small, large = (units_a, units_b) if len(roles_a) <= len(roles_b) \
                    else (units_b, units_a)
                for source, unit in small.items():
                    if large.get(source, unit) != unit:
                        return "two_family_units"
            if self.held[a] and self.held[b] and self.held_twice(a, b):
                return "held_twice"
        born_a, born_b = self.born[a], self.born[b]
        if born_a and born_b:
            small, large = (born_a, born_b) if len(born_a) <= len(born_b) else (born_b, born_a)
            for group, days in small.items():
                for x in large.get(group, ()):
                    if any(distinct(x, y) for y in days):
                        return "group_birth_dates"
        if person_rules:
            ages_a, ages_b = self.ages[a], self.ages[b]
            if len(ages_a | ages_b if ages_a and ages_b else ages_a or ages_b) > 1:
                return "adult_and_minor"
        members_a, members_b = self.members[a], self.members[b]
        small, large = (a, b) if len(members_a) <= len(members_b) else (b, a)
        cannot = self.cannot
        if cannot:
            for i in self.members[small]:
                for j in cannot.get(i, ()):
                    if self.find(j) == large:
                        return "cannot_link"
        # An A-number both clusters hold says they are one person whatever the names; siblings,
        # twins above all, never share one.
        names_matter = person_rules and not self.a_numbers[a] & self.a_numbers[b]
        for i in self.members[small] if names_matter else ():
            for j in self.members[large]:
                # Two full compound names with one first name ("María José", "María
                # Fernanda") are sisters anywhere; other given names only where twins are.
                if self.siblings(i, j) and (i in self.twinned or j in self.twinned
                                            or self.given[i][1] == self.given[j][1]) \
                        and not self.bridged(i, j, small, large) \
                        and not self.vouched(i, j, small) and not self.vouched(j, i, large):
                    return "given_names_differ"
        return None

    def held_twice(self, a: int, b: int) -> bool:
        """A source held the clusters' records at once, for days: no source holds one person
        under two records at a time (a duplicate booking lasts one day; a transfer re-booked
        as a new record starts where the old one ends)."""
        for source, windows in self.held[a].items():
            for start, end in self.held[b].get(source, ()):
                if any(min(end, e) - max(start, s) >= HELD_OVERLAP for s, e in windows):
                    return True
        return False

    def vouched(self, i: int, j: int, a: int) -> bool:
        """Another record of cluster ``a`` carries record ``i``'s A-number and agrees with
        record ``j`` on given names: the cluster already knows ``i``'s name as one of this
        person's ("José" and "Ángel" under one A-number; a docket's "JOSE" joins them)."""
        number = self.given[i][2]
        if not number:
            return False
        return any(k != i and self.given[k][2] == number and not self.siblings(k, j)
                   for k in self.members[a])

    def bridged(self, i: int, j: int, a: int, b: int) -> bool:
        """A record of the clusters ``a`` and ``b`` writes the full compound name that
        records ``i`` and ``j`` cut to different halves ("Luis Carlos": "Luis", "Carlos"),
        and is itself no sibling of either."""
        keys_i, keys_j = self.given[i][0], self.given[j][0]
        for k in (*self.members[a], *self.members[b]):
            keys_k = self.given[k][0]
            if len(keys_k) < 2 or k in (i, j):
                continue
            left, right = keys_k & keys_i, keys_k & keys_j
            if left and right and (left | right) != (left & right) \
                    and not self.siblings(k, i) and not self.siblings(k, j):
                return True
        return False

    def merge(self, a: int, b: int) -> int:
        """Join the clusters of roots ``a`` and ``b`` (no checks); returns the new root."""
        if self.size(a) < self.size(b):
            a, b = b, a
        self.parent[b] = a
        self.members[a].extend(self.members.pop(b))
        ya, yb = self.years.pop(b), self.years[a]
        if ya and yb:
            self.years[a] = (min(ya[0], yb[0]), max(ya[1], yb[1]))
        else:
            self.years[a] = ya or yb
        self.a_numbers[a] |= self.a_numbers.pop(b)
        self.ages[a] |= self.ages.pop(b)
        for group, roles in self.roles.pop(b).items():
            self.roles[a].setdefault(group, set()).update(roles)
        for group, days in self.born.pop(b).items():
            self.born[a].setdefault(group, set()).update(days)
        self.units[a].update(self.units.pop(b))
        for source, windows in self.held.pop(b).items():
            self.held[a].setdefault(source, []).extend(windows)
        return a

    def groups(self) -> list[list[int]]:
        """Every cluster as a sorted list of indexes, in order of their smallest index."""
        return sorted((sorted(m) for m in self.members.values()), key=lambda m: m[0])


def _support(clusters: Clusters, a: int, b: int,
             weights: Mapping[int, Mapping[int, float]]) -> float:
    """Mean weight of every pair between two clusters; a pair never scored (no blocking key in
    common) counts as :data:`UNSCORED`."""
    small, large = (a, b) if clusters.size(a) <= clusters.size(b) else (b, a)
    total, count = 0.0, 0
    for i in clusters.members[small]:
        for j, w in weights.get(i, {}).items():
            if clusters.find(j) == large:
                total += w
                count += 1
    pairs = clusters.size(a) * clusters.size(b)
    return (total + (pairs - count) * UNSCORED) / pairs


def cluster(features: list[dict], edges: Iterable[Edge], *, accept: float,
            cannot: Iterable[tuple[int, int]] = (), must: Iterable[tuple[int, int]] = (),
            person_rules: bool = True, twinned: set[int] | None = None,
            profiles: Mapping[str, Profile] | None = None,
            shared: Collection[tuple[int, int]] = ()
            ) -> tuple[list[list[int]], dict[str, int]]:
    """Cluster records (by index) from scored pairs ``(weight, i, j)``.

    ``must`` pairs (people's ``same`` decisions) are joined first, whatever the scores say;
    then pairs of weight ``accept`` or more are merged strongest first, each merge checked
    against the constraints. Returns the clusters and how many merges each rule refused.
    ``person_rules=False`` drops the rules that hold for people as this domain records them
    (birth years, A-numbers, given names of siblings), for other data sets (FEBRL).
    ``twinned`` is :func:`twins` of ``features`` when the caller has it already.
    ``profiles`` (source → :class:`~reunify.linkage.records.Profile`) switch on the rules that
    depend on what a source records; a source without one gets none of them. A record with
    nothing but names joins only when more than its names agree
    (:mod:`reunify.linkage.corroboration`); ``shared`` are the pairs whose records each have a
    companion of one person (family context), which is such a fact.
    """
    clusters = Clusters(features, cannot, person_rules=person_rules, twinned=twinned,
                        profiles=profiles)
    # Columns, not tuples and a dict of dicts: tens of millions of pairs at a million records
    # (reunify.linkage.edges); read the same way, in the same order.
    edges = Edges.of(edges)
    weights = Neighbours(edges)
    for i, j in must:
        a, b = clusters.find(i), clusters.find(j)
        if a != b:
            clusters.merge(a, b)
    strong = edges.strongest_first(accept)
    # Pairs of records with nothing but names come last, when the persons they could join
    # are whole (reunify.linkage.corroboration).
    bare = {i for i, f in enumerate(features) if corroboration.bare(f)} if person_rules \
        else set()
    later = [e for e in strong if e[1] in bare or e[2] in bare]
    for w, i, j in [e for e in strong if e[1] not in bare and e[2] not in bare] + later:
        a, b = clusters.find(i), clusters.find(j)
        if a == b:
            continue
        reason = clusters.conflict(a, b)
        if reason is None and clusters.size(a) * clusters.size(b) > 1 \
                and _support(clusters, a, b, weights) < accept - SUPPORT_MARGIN:
            reason = "weak_support"
        if reason is None and (i in bare or j in bare):
            reason = corroboration.refusal(clusters, features, weights, w, i, j, accept,
                                           shared)
        if reason:
            clusters.refused[reason] += 1
            continue
        clusters.merge(a, b)
    return clusters.groups(), dict(clusters.refused)
