"""Records with nothing but names: joined to a person only when more than the names agree.

A *bare* record holds names and nothing else that identifies (no birth date, A-number, phone,
group or address): a docket entry "LUIS FLORES". Its names alone weigh +2 to +5 against
anyone of those names, above the acceptance weight, and there are many Luis Flores. Such a
record's pair is merged (after every other pair, so the persons it could join are whole) only
when

- the names are rare: the pair weighs :data:`RARE_WEIGHT` above the acceptance weight on its
  own (term frequencies make a rare name weigh more), or
- other facts agree — the two were first seen within :data:`MET_DAYS` days of each other (the
  same apprehension), or a companion of each is one person (family context) — *and* no other
  person the record could be is about as likely (:data:`AMBIGUITY_MARGIN`): between two Luis
  Flores the record stays apart, for a person to decide.

A *weakly recorded* record says a little more, but nothing that tells one person from a
namesake born the same year: no precise birth date (none, a bare year, or a default such as
1 January), no A-number, no phone ("Rosa Álvarez Maldonado", born 2000, at a shelter). Its
pairs too are merged last, and only when the pair's person is still likelier than not once
the other persons it could be share the chance: a record is one person, so two persons that
fit it about equally well share the chance that it is either, which neither pair's weight
(each scored as if the other were not there) says (odds ``2**w`` against one plus the other
persons' ``2**v``).
Namesakes born the same year grow with the square of the records, so this holds precision as
the records grow; the pairs it keeps apart are offered for review.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection

#: How much above the acceptance weight a bare record's pair must weigh on its own.
RARE_WEIGHT = 6.0
#: Custody windows this many days apart, or closer, are one encounter's: a week and more,
#: because one source may write its events days after another (spec 1.1) — the shelter's
#: placement of a child can stand a week after the border's separation of that child.
MET_DAYS = 10
#: Another person whose pair with the bare record weighs within this much of the best makes
#: the record ambiguous.
AMBIGUITY_MARGIN = 3.0
_IDENTIFYING = ("birth_year", "a_number", "phone", "group", "address")


def bare(f: dict) -> bool:
    """Whether feature dict ``f`` holds names and nothing else that identifies a person."""
    return not any(f.get(c) for c in _IDENTIFYING)


def weak(f: dict) -> bool:
    """Whether feature dict ``f`` is weakly recorded: more than names, but no precise birth
    date, A-number or phone (so nothing that tells it from a namesake born the same year)."""
    return not bare(f) and not f.get("birth_precise") and not f.get("a_number") \
        and not f.get("phone")


def held_back(f: dict) -> bool:
    """Whether ``f``'s pairs are merged last and checked here (:func:`bare` or :func:`weak`)."""
    return bare(f) or weak(f)


def met(f: dict, g: dict, days: int = MET_DAYS) -> bool:
    """Whether the custody windows of two records meet within ``days`` days."""
    a, b = f.get("seen_from"), g.get("seen_from")
    if a is None or b is None:
        return False
    a_to = f.get("seen_to") if f.get("seen_to") is not None else a
    b_to = g.get("seen_to") if g.get("seen_to") is not None else b
    return a <= b_to + days and b <= a_to + days


def refusal(clusters, features: list[dict], weights: dict[int, dict[int, float]],
            w: float, i: int, j: int, accept: float,
            shared: Collection[tuple[int, int]] = (),
            may_merge: Callable[[int, int], bool] | None = None) -> str | None:
    """Why the pair ``(i, j)`` of weight ``w`` may not join its bare record(s) to the other's
    cluster (``names_alone``, ``names_ambiguous``), or None. ``clusters`` is the
    :class:`~reunify.linkage.clustering.Clusters` being built; ``shared`` the pairs whose
    records each have a companion of one person; ``may_merge(a, b)``, when given, whether
    the caller would ever merge clusters ``a`` and ``b`` (incremental linking never merges two
    existing persons): a rival it would not merge is another person, whatever their pairs."""
    if w >= accept + RARE_WEIGHT:
        return None
    for x, y in ((i, j), (j, i)):
        if bare(features[x]):
            if not (met(features[x], features[y]) or (min(x, y), max(x, y)) in shared):
                return "names_alone"
            if _rival(clusters, weights, w, x, y, accept, may_merge):
                return "names_ambiguous"
        elif weak(features[x]) and _outweighed(clusters, weights, w, x, y, accept, may_merge):
            return "weak_ambiguous"
    return None


def _outweighed(clusters, weights: dict[int, dict[int, float]], w: float, x: int, y: int,
                accept: float, may_merge: Callable[[int, int], bool] | None = None) -> bool:
    """Whether record ``x``, one person at most, is no longer likelier ``y``'s person than not
    once the other persons it could be share the chance: the odds of the pair, ``2**w``,
    against one (none of them) plus each other person's odds (its best pair with ``x``)."""
    own, other = clusters.find(x), clusters.find(y)
    best: dict[int, float] = {}
    for k, v in weights.get(x, {}).items():
        if v >= w - 2 * AMBIGUITY_MARGIN:
            c = clusters.find(k)
            if c not in (own, other) and v > best.get(c, -math.inf):
                best[c] = v
    rivals = sum(2.0 ** v for c, v in best.items() if clusters.conflict(own, c) is None
                 and not _same_person(clusters, weights, c, other, accept, may_merge))
    return w - math.log2(1.0 + rivals) < accept


def _rival(clusters, weights: dict[int, dict[int, float]], w: float, x: int, y: int,
           accept: float, may_merge: Callable[[int, int], bool] | None = None) -> bool:
    """Whether record ``x`` has a pair within :data:`AMBIGUITY_MARGIN` of ``w`` with a person
    other than its own and ``y``'s that it could be."""
    own, other = clusters.find(x), clusters.find(y)
    rivals = {clusters.find(k) for k, v in weights.get(x, {}).items()
              if v >= w - AMBIGUITY_MARGIN} - {own, other}
    # A rival counts only if the record could be that person (an adults-only docket's
    # "LUIS KAAL" is not the boy of that name).
    return any(clusters.conflict(own, rival) is None
               and not _same_person(clusters, weights, rival, other, accept, may_merge)
               for rival in rivals)


def _same_person(clusters, weights: dict[int, dict[int, float]], c: int, other: int,
                 accept: float, may_merge: Callable[[int, int], bool] | None = None) -> bool:
    """Whether rival cluster ``c`` may be cluster ``other``'s person itself: a pair between
    them is accepted and no rule keeps them apart. Such a rival is no second person the record
    could be instead, but that person's own record waiting its turn (records merged last come
    one at a time) or a part of it kept apart: a record fitting both shares no chance between
    them."""
    if may_merge is not None and not may_merge(c, other):
        return False
    small, large = (c, other) if clusters.size(c) <= clusters.size(other) else (other, c)
    find = clusters.find
    if not any(v >= accept and find(k) == large
               for i in clusters.members[small] for k, v in weights.get(i, {}).items()):
        return False
    return clusters.conflict(c, other) is None
