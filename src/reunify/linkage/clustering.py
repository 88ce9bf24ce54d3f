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

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping

from reunify.linkage import corroboration
from reunify.linkage.edges import Edges, Neighbours
from reunify.linkage.facts import Facts, Given
from reunify.linkage.facts import given_of as _given
from reunify.linkage.records import Profile
from reunify.rules.anumber import conflict, within
from reunify.rules.dates import distinct
from reunify.rules.names import given_keys_differ

#: How many days two of one custodial source's records (profile ``custody``) of a cluster may
#: overlap in time before they must be two people.
HELD_OVERLAP = 2

#: Birth years this far apart are a parent and a child (or strangers), never one person.
AGE_GAP = 12
#: Two clusters merge only if the pairs between them weigh on average at least the acceptance
#: weight less this margin (average linkage), a pair never scored counting as ``UNSCORED``.
SUPPORT_MARGIN = 3.0
UNSCORED = -6.0

Edge = tuple[float, int, int]


def _siblings(left: Given, right: Given) -> bool:
    (keys_i, first_i, a_i, all_i, second_i), (keys_j, first_j, a_j, all_j, second_j) = \
        left, right
    if a_i and a_j and within(a_i, a_j, 2):
        return False
    return given_keys_differ(keys_i, keys_j, first_i, first_j, all_i, all_j, second_i,
                             second_j)


def _together(f: dict, g: dict) -> bool:
    """Whether two records of one source may be of one encounter: the same family unit when
    both are in one, else first seen within :data:`~reunify.linkage.corroboration.MET_DAYS`
    days of each other (one member's events may lag another's by days), or not known."""
    group_f, group_g = f.get("group"), g.get("group")
    if group_f and group_g:
        return group_f == group_g
    a, b = f.get("seen_from"), g.get("seen_from")
    return a is None or b is None or abs(a - b) <= corroboration.MET_DAYS


def twins(features: list[dict]) -> set[int]:
    """Records whose source also holds a same-age sibling of theirs: another record with the
    same surnames (or some of them), the same precise birth date and a different given name,
    met at the same encounter (:func:`_together`: twins travel, and are booked, together).
    Only for them may different given names mean two people; anyone else's records differ
    that way because a clerk cut a compound name to its other half. (A twin whose own record
    lacks a precise date is still caught through the other twin's records in other sources.)
    Two strangers born the same day under one surname, booked weeks apart, are no twins: such
    pairs grow with the square of a source's records, and each would forbid its records' cut
    compound names to meet again.
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
                if (si <= sj or sj <= si) and _together(features[i], features[j]) \
                        and _siblings(_given(features[i]), _given(features[j])):
                    out.update((i, j))
    return out


class Clusters:
    """A union-find over record indexes that refuses merges the constraints forbid."""

    def __init__(self, features: list[dict], cannot: Iterable[tuple[int, int]] = (), *,
                 person_rules: bool = True, twinned: set[int] | None = None,
                 profiles: Mapping[str, Profile] | None = None, facts: Facts | None = None):
        """``facts`` is :class:`~reunify.linkage.facts.Facts` of ``features`` and
        ``profiles`` when the caller has it already (a link run's two passes share it)."""
        n = len(features)
        facts = Facts(features, profiles) if facts is None else facts
        self.person_rules = person_rules
        self.parent = list(range(n))
        # By root, in lists (a record's index is its cluster's root until it joins another):
        # read for every merge considered, a list's item is the cheapest lookup. A record
        # that is no longer a root keeps stale facts no one reads; its members are None.
        self.members: list[list[int] | None] = [[i] for i in range(n)]
        # Each cluster's facts start as its record's, shared with ``facts``: merge() makes
        # new containers and never changes these.
        self.years: list[tuple[int, int] | None] = list(facts.years)
        self.roles: list[dict[str, frozenset]] = list(facts.roles)
        self.born: list[dict[str, frozenset]] = list(facts.born)
        self.units: list[dict[str, str]] = list(facts.units)
        self.held: list[dict[str, tuple[tuple[int, int], ...]]] = list(facts.held)
        self.ages: list[frozenset] = list(facts.ages)
        self.a_numbers: list[frozenset] = list(facts.a_numbers)
        self.cannot: dict[int, set[int]] = defaultdict(set)
        for a, b in cannot:
            if a != b:
                self.cannot[a].add(b)
                self.cannot[b].add(a)
        self.refused: dict[str, int] = defaultdict(int)
        self.given: list[Given] = facts.given
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
        # checks are made on locals, a rule's loop only when both clusters hold its facts,
        # in this order (the first rule that refuses is the one counted).
        person_rules = self.person_rules
        if person_rules:
            ya, yb = self.years[a], self.years[b]
            if ya and yb and max(ya[1], yb[1]) - min(ya[0], yb[0]) >= AGE_GAP:
                return "age_gap"
            numbers_a, numbers_b = self.a_numbers[a], self.a_numbers[b]
            if numbers_a and numbers_b:
                for x in numbers_a:
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
        members_small, members_large = (members_a, members_b) if small == a \
            else (members_b, members_a)
        cannot = self.cannot
        if cannot:
            find = self.find
            for i in members_small:
                for j in cannot.get(i, ()):
                    if find(j) == large:
                        return "cannot_link"
        # An A-number both clusters hold says they are one person whatever the names; siblings,
        # twins above all, never share one.
        if not person_rules or self.a_numbers[a] & self.a_numbers[b]:
            return None
        given, twinned = self.given, self.twinned
        for i in members_small:
            given_i = given[i]
            for j in members_large:
                # Two full compound names with one first name ("María José", "María
                # Fernanda") are sisters anywhere; other given names only where twins are.
                if _siblings(given_i, given[j]) and (i in twinned or j in twinned
                                                     or given_i[1] == given[j][1]) \
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
        members = self.members
        if len(members[a]) < len(members[b]):
            a, b = b, a
        self.parent[b] = a
        members[a].extend(members[b])
        members[b] = None
        years = self.years
        ya, yb = years[b], years[a]
        if ya and yb:
            years[a] = (min(ya[0], yb[0]), max(ya[1], yb[1]))
        else:
            years[a] = ya or yb
        # New containers, never changed in place: a record's own are shared (Facts). Only
        # when ``b`` adds anything (most records hold few of these facts).
        for facts in (self.a_numbers, self.ages):
            if facts[b]:
                facts[a] = facts[a] | facts[b]
        for facts in (self.roles, self.born, self.held):
            if facts[b]:
                facts[a] = _joined(facts[a], facts[b])
        units = self.units[b]
        if units:
            self.units[a] = {**self.units[a], **units}
        return a

    def groups(self) -> list[list[int]]:
        """Every cluster as a sorted list of indexes, in order of their smallest index."""
        return sorted((sorted(m) for m in self.members if m is not None),
                      key=lambda m: m[0])


def _joined(mine: dict, theirs: dict) -> dict:
    """Two clusters' facts by key (group or source), each key's values joined (frozensets
    united, tuples of windows added); a new dict when ``theirs`` adds anything."""
    if not theirs:
        return mine
    out = dict(mine)
    for key, values in theirs.items():
        have = out.get(key)
        if have is None:
            out[key] = values
        elif isinstance(have, tuple):
            out[key] = have + values
        else:
            out[key] = have | values
    return out


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
            shared: Collection[tuple[int, int]] = (), facts: Facts | None = None,
            refusals: dict[tuple[int, int], str] | None = None
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
    companion of one person (family context), which is such a fact. ``facts`` is
    :class:`~reunify.linkage.facts.Facts` of ``features`` and ``profiles`` when the caller has
    it already. ``refusals``, when given, receives each refused pair ``(i, j)`` and the rule
    that refused it (``bench/identity_errors.py`` classes missed joins by it).
    """
    facts = Facts(features, profiles) if facts is None else facts
    clusters = Clusters(features, cannot, person_rules=person_rules, twinned=twinned,
                        profiles=profiles, facts=facts)
    # Columns, not tuples and a dict of dicts: tens of millions of pairs at a million records
    # (reunify.linkage.edges); read the same way, in the same order.
    edges = Edges.of(edges)
    weights = Neighbours(edges)
    for i, j in must:
        a, b = clusters.find(i), clusters.find(j)
        if a != b:
            clusters.merge(a, b)
    strong = edges.strongest_first(accept)
    # Pairs of records with nothing but names, or weakly recorded, come last, when the
    # persons they could join are whole (reunify.linkage.corroboration).
    bare = facts.held_back if person_rules else frozenset()
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
            if refusals is not None:
                refusals[(i, j)] = reason
            continue
        clusters.merge(a, b)
    return clusters.groups(), dict(clusters.refused)
