"""Places of custody that one person's records share across sources, learnt from the records.

A person's records in two sources name different facilities: the station that apprehended
them, the court that tried them, the detention centre that held them. Which of those go
together (a station and the court and detention centres of its district) is nowhere in the
data as such, and no source's name may say it; it shows in the records that surely are one
person — two sources' records of one A-number and one first given name (*anchor pairs*). For
each pair of sources, a facility of one and a facility of the other go together when the
anchors name them together at least :data:`LIFT` times as often as their frequencies would
by chance, and far beyond chance's spread (:data:`SURE`). Facilities that go together,
directly or through others, are one *place* (a connected component); a facility that goes
with none has no place, so that where a source's facilities never meet another's (children
placed in shelters anywhere in the country) the comparison of places says nothing. The
model's ``place`` comparison then weighs two records of one place, or of two, with m and u
probabilities trained like every other's.

Strings are only folded (case, accents, punctuation, spaces: :func:`reunify.rules.names.fold`);
plain data in, plain data out.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

#: Two facilities go together when anchors name them together at least this many times as
#: often as chance would.
LIFT = 1.5
#: ... and their count is this many standard deviations (of a Poisson count) above chance's:
#: a few anchors that meet by chance (small seasons) never join two places.
SURE = 4.0
#: Records of one A-number and first given name beyond this many (an A-number clerks wrote
#: for a whole family) are not anchors: the pairs grow with the square.
ANCHOR_GROUP = 8


def _anchors(features: Sequence[dict]) -> list[tuple[int, int]]:
    """Pairs of records of two sources with one A-number and one first given name, both
    naming a facility."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for n, f in enumerate(features):
        if f.get("a_number") and f.get("given_first") and f.get("facility"):
            groups[(f["a_number"], f["given_first"])].append(n)
    out = []
    for members in groups.values():
        if len(members) > ANCHOR_GROUP:
            continue
        out.extend((i, j) for a, i in enumerate(members) for j in members[a + 1:]
                   if features[i]["source"] != features[j]["source"])
    return out


def regions(features: Sequence[dict]) -> dict[str, str]:
    """Folded facility → its place (the first, in order, of the place's facilities), for the
    facilities that go with another (or with themselves across sources); see the module."""
    together: Counter = Counter()
    sides: Counter = Counter()
    pairs: Counter = Counter()
    for i, j in _anchors(features):
        a, b = sorted((features[i], features[j]), key=lambda f: f["source"])
        sources = (a["source"], b["source"])
        together[(sources, a["facility"], b["facility"])] += 1
        sides[(sources, 0, a["facility"])] += 1
        sides[(sources, 1, b["facility"])] += 1
        pairs[sources] += 1
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x
    for (sources, f, g), n in sorted(together.items()):
        expected = sides[(sources, 0, f)] * sides[(sources, 1, g)] / pairs[sources]
        if n >= LIFT * expected and n - expected >= SURE * math.sqrt(expected):
            a, b = root(f), root(g)
            parent[max(a, b)] = min(a, b)
    return {facility: root(facility) for facility in sorted(parent)}


def add_places(features: Sequence[dict], population: Sequence[dict] | None = None) -> None:
    """Give each feature dict ``place``: its facility's place learnt from ``population``
    (:func:`regions`; default ``features`` themselves), None when it names no facility or
    one of no place."""
    found = regions(features if population is None else population)
    for f in features:
        f["place"] = found.get(f.get("facility") or "")
