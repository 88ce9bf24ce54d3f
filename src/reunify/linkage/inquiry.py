"""Tracing requests matched against person-records: the inquiry as a record, blocking, ranking.

An inquiry describes the person sought the way a family says it: a nickname ("Lupita"), one
surname of two (often the mother's), a year or an age instead of a date, the day they were
separated. :func:`sought_record` turns that into a person-record of the interchange format, so
the linkage model's own comparisons (nicknames, Spanish/Mayan phonetics, partial dates,
day/month swaps, one surname of two, custody time) judge it against every record; the inquirer
is turned into one too (:func:`inquirer_record`), since a parent asking is often in the record.

:class:`RecordIndex` finds the few records worth scoring among hundreds of thousands (blocking
on name keys and birth years, one dictionary look-up per key); :func:`rank_persons` folds the
scored records into persons, best first, and drops everyone unlikely. Plain data, no database.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from reunify.linkage.features import day_number, features
from reunify.rules import dates, names

#: An inquiry's records carry this source prefix: never the name of a recording system.
INQUIRY_SOURCE = "inquiry"
#: At most this many persons are proposed for one inquiry (the spec's ``matches``: five).
MAX_CANDIDATES = 5
#: A person below this probability is not proposed at all: nobody likely → no candidates.
MIN_PROBABILITY = 0.02
#: Birth years either side of the one an inquiry gives (or an age implies) that are searched.
YEAR_SLACK = 1
#: A blocking key gathering more records than this is too common to search on its own.
MAX_KEY_RECORDS = 3_000
#: Odds that the person sought is none of the candidates, against one candidate at the model's
#: prior: a candidate is proposed as likely (≥ 0.5) only with a match weight above log2 of it.
NOT_RECORDED_ODDS = 4.0
#: Records scored for one inquiry at most: those sharing the most keys with it first.
MAX_SCORED = 400


def _age_year(at: str, age: str) -> str:
    """The birth year an age in years at a date most likely implies (a bare year, so it reads
    as estimated): someone aged 14 in May 2018 was born in 2003 or 2004, more likely 2003."""
    try:
        day = dt.date.fromisoformat(at[:10])
        year = day.year - int(age) - (1 if day.month <= 6 else 0)
    except ValueError:
        return ""
    return str(year) if year >= 1000 else ""


def sought_record(inquiry: dict) -> dict:
    """The person sought, as a person-record of the interchange format (plus ``seen_from``/
    ``seen_to``: the day of separation the inquirer gives, compared with custody windows)."""
    birth = inquiry.get("sought_birth_date") or ""
    age_year = ""
    if not birth and inquiry.get("sought_age"):
        # An age is not a date: it is weighed by :func:`age_comparison`, not by the model's
        # birth-date comparison; the year it implies only finds the records (blocking).
        age_year = _age_year(str(inquiry.get("at") or ""), str(inquiry["sought_age"]))
    seen = day_number(inquiry.get("last_seen_on") or "") if len(
        inquiry.get("last_seen_on") or "") == 10 else None
    return {
        "age_only": bool(age_year), "age_year": age_year,
        "source": f"{INQUIRY_SOURCE}:{inquiry['source']}", "record_id": inquiry["inquiry_id"],
        "family_name": inquiry.get("sought_family_name") or "",
        "given_name": inquiry.get("sought_given_name") or "", "birth_date": birth,
        "sex": inquiry.get("sought_sex") or "",
        # A child is most often a citizen of the country their family asks from.
        "country": (inquiry.get("inquirer_country") or "") if inquiry.get("relation") in (
            "parent", "guardian", "relative", "sibling") else "",
        "a_number": "", "phone": "",
        "address": "", "group_id": "", "group_role": "", "seen_from": seen, "seen_to": seen,
    }


def inquirer_record(inquiry: dict) -> dict:
    """The inquirer, as a person-record (a parent asking may be in custody records too)."""
    return {
        "source": f"{INQUIRY_SOURCE}:{inquiry['source']}",
        "record_id": f"{inquiry['inquiry_id']}:inquirer",
        "family_name": inquiry.get("inquirer_family_name") or "",
        "given_name": inquiry.get("inquirer_given_name") or "",
        "birth_date": inquiry.get("inquirer_birth_date") or "", "sex": "",
        "country": inquiry.get("inquirer_country") or "",
        "a_number": inquiry.get("inquirer_a_number") or "",
        "phone": inquiry.get("inquirer_phone") or "", "address": "", "group_id": "",
        "group_role": "", "seen_from": None, "seen_to": None,
    }


def _year(birth_date: str) -> int | None:
    parsed = dates.parse(birth_date or "")
    return parsed.year if parsed else None


def _name_keys(family_name: str, given_name: str) -> tuple[frozenset[str], frozenset[str]]:
    family, given = names.split_fields(family_name or "", given_name or "")
    return names.surname_keys(family), names.given_keys(given)


def record_keys(family_name: str, given_name: str, birth_date: str) -> set[str]:
    """The keys a person-record is found under: each given-name key and each surname key with
    the birth year (``?`` when unknown), without it, and each surname with each given name.
    Both name fields' words count as either, for names written in the wrong field."""
    surnames, givens = _name_keys(family_name, given_name)
    year = _year(birth_date)
    tag = str(year) if year else "?"
    keys = set()
    for key in givens:
        keys.add(f"g:{key}:{tag}")
        keys.add(f"g:{key}")
    for key in surnames:
        keys.add(f"s:{key}:{tag}")
        keys.add(f"s:{key}")
        keys.update(f"sg:{key}:{given}" for given in givens)
        keys.update(f"sg:{other}:{key}" for other in surnames if other != key)
    return keys


def query_keys(record: dict) -> list[str]:
    """The keys to look an inquiry's person up under (see :func:`record_keys`): birth years
    within :data:`YEAR_SLACK`, and records without one; without a year, names alone."""
    surnames, givens = _name_keys(record["family_name"], record["given_name"])
    year = _year(record["birth_date"] or record.get("age_year") or "")
    keys = []
    if year:
        # An age told by a relative may be a year off on top of the birthday's year.
        slack = YEAR_SLACK + (1 if record.get("age_only") else 0)
        tags = [str(y) for y in range(year - slack, year + slack + 1)] + ["?"]
        keys += [f"g:{key}:{tag}" for key in givens for tag in tags]
        keys += [f"s:{key}:{tag}" for key in surnames for tag in tags]
    else:
        keys += [f"g:{key}" for key in givens] + [f"s:{key}" for key in surnames]
    keys += [f"sg:{s}:{g}" for s in surnames for g in givens]
    # A given name said as the surname, or the other way round (one field, two words).
    keys += [f"sg:{a}:{b}" for a in surnames for b in surnames if a != b]
    keys += [f"sg:{a}:{b}" for a in givens for b in givens if a != b]
    return keys


@dataclass
class RecordIndex:
    """Every current person-record under its blocking keys, with its person; and how often each
    name value occurs (the term frequencies the model weighs agreement by)."""

    #: The store's id of each record (whatever the caller uses to fetch it again).
    records: list[int] = field(default_factory=list)
    persons: list[int] = field(default_factory=list)
    #: Each person's records (positions in ``records``).
    positions_of: dict[int, list[int]] = field(default_factory=dict)
    by_key: dict[str, list[int]] = field(default_factory=dict)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    #: Each person's surname keys, from all their records.
    surnames_of: dict[int, set[str]] = field(default_factory=dict)
    #: How many records hold each surname (key), alone or with others.
    surname_any: dict[str, int] = field(default_factory=dict)
    #: How many records give each birth year (how often an age agrees by chance).
    years: dict[int, int] = field(default_factory=dict)
    years_total: int | None = None

    @classmethod
    def build(cls, rows: Iterable[tuple[int, int, str, str, str]]) -> RecordIndex:
        """From ``(record id, person, family_name, given_name, birth_date)`` rows."""
        index = cls(counts={"given_first": {}, "surname_set": {}})
        by_key = index.by_key
        given_counts, surname_counts = index.counts["given_first"], index.counts["surname_set"]
        for n, (record, person, family_name, given_name, birth_date) in enumerate(rows):
            index.records.append(record)
            index.persons.append(person)
            index.positions_of.setdefault(person, []).append(n)
            for key in record_keys(family_name, given_name, birth_date):
                by_key.setdefault(key, []).append(n)
            year = _year(birth_date)
            if year:
                index.years[year] = index.years.get(year, 0) + 1
            family, given = names.split_fields(family_name or "", given_name or "")
            first = names.first_given_key(given)
            if first:
                given_counts[first] = given_counts.get(first, 0) + 1
            keys = names.surname_keys(family)
            surname_set = " ".join(sorted(keys))
            if surname_set:
                surname_counts[surname_set] = surname_counts.get(surname_set, 0) + 1
            for key in keys:
                index.surname_any[key] = index.surname_any.get(key, 0) + 1
            if keys:
                index.surnames_of.setdefault(person, set()).update(keys)
        return index

    def candidates(self, record: dict) -> list[int]:
        """Positions of the records worth scoring against ``record``, those sharing the most
        keys with it first (at most :data:`MAX_SCORED`)."""
        hits: dict[int, int] = {}
        for key in query_keys(record):
            found = self.by_key.get(key, ())
            if len(found) > MAX_KEY_RECORDS:
                continue
            for n in found:
                hits[n] = hits.get(n, 0) + 1
        ranked = sorted(hits, key=lambda n: (-hits[n], n))
        return ranked[:MAX_SCORED]

    def age_share(self, age: int, on: dt.date) -> float:
        """The part of the records with a birth year whose person was ``age`` on ``on``
        (born in one of two calendar years, half of each)."""
        if self.years_total is None:
            self.years_total = max(sum(self.years.values()), 1)
        return ((self.years.get(on.year - age - 1, 0) + self.years.get(on.year - age, 0))
                / 2 / self.years_total)

    def term_frequencies(self, wanted: Iterable[dict]) -> dict[str, dict[str, float]]:
        """Share of records holding each name value of the ``wanted`` feature dicts.

        Not the one-surname levels' rates the link run gives Splink
        (``features.one_surname_rates``): those levels weigh here by their average u. Given
        the rates (eighth session), a rare surname of two against a record of one weighed
        more, and requests for children never recorded were answered confidently with another
        child: 2 of 100 (seed 3) and 2 of 108 (seed 1) against 0 and 1, the right child first
        no better on any seed (docs/benchmarks.md, "Tracing")."""
        total = max(len(self.records), 1)
        out: dict[str, dict[str, float]] = {}
        for column, counts in self.counts.items():
            values = {f[column] for f in wanted if f.get(column)}
            out[column] = {v: counts[v] / total for v in values if v in counts}
        # One surname alone is as common as the records holding it, with another or not: a
        # family gives one surname of two, and a record compared by that one
        # (:func:`one_surname_of`) agrees no more rarely than the surname occurs.
        out["surname_set"].update(
            {v: self.surname_any[v] / total for v in {f["surname_set"] for f in wanted
                                                      if f.get("surname_set")}
             if " " not in v and v in self.surname_any})
        return out


def one_surname_of(asking: dict, record: dict) -> dict | None:
    """``record`` with only the surname ``asking`` names, when ``asking`` names one surname
    and the record more than one, that one among them; else None.

    A family names a child by one surname of two as often as not (the father's, or the
    mother's alone): against such a request, a record with both surnames agrees as fully as a
    record with that one surname only, and is compared as if it held that one alone.
    """
    said = surname_keys_of(asking["family_name"], asking["given_name"])
    if len(said) != 1:
        return None
    family, given = names.split_fields(record["family_name"] or "", record["given_name"] or "")
    words = names.surnames(family)
    if len(words) < 2:
        return None
    hit = sorted(w for w in words if names.phonetic(w) in said)
    if not hit:
        return None
    return {**record, "family_name": hit[0], "given_name": given}


def feature_rows(records: list[dict], first_id: int = 0) -> list[dict]:
    """Comparison-ready columns of records (see :func:`reunify.linkage.features.features`)."""
    return [features(first_id + n, r) for n, r in enumerate(records)]


@dataclass
class Candidate:
    """A person an inquiry may seek: the best-scoring of their records, with its evidence."""

    person: int
    probability: float
    match_weight: float
    record: int
    comparisons: list[dict]


def surname_keys_of(family_name: str, given_name: str = "") -> frozenset[str]:
    """The phonetic keys of the surnames in a name (as the linker compares them)."""
    family, _given = names.split_fields(family_name or "", given_name or "")
    return names.surname_keys(family)


def rank_persons(scored: Iterable[tuple[int, float, float, object, int]],
                 *, extra: Mapping[int, list[dict]] | None = None,
                 limit: int = MAX_CANDIDATES, floor: float = MIN_PROBABILITY,
                 explain: Callable[[object], list[dict]] | None = None,
                 none_odds: float = NOT_RECORDED_ODDS) -> list[Candidate]:
    """Persons best first from scored records ``(person, weight, probability, pair, record)``
    (``explain(pair)`` gives the pair's comparisons, asked only of the persons kept; without
    it ``pair`` is the comparisons): a person counts with their best record, plus the
    ``extra`` comparisons about
    them (family, place). Persons compete: a person's probability is their odds over one plus
    everyone's (the one: that the person sought is none of them), so two equally good
    candidates are each at most even. Nobody under ``floor`` is kept."""
    extra = extra or {}
    best: dict[int, tuple[float, int, list[dict]]] = {}
    weights: dict[int, list[float]] = {}
    for person, weight, _probability, comparisons, record in scored:
        weights.setdefault(person, []).append(weight)
        known = best.get(person)
        if known is None or weight > known[0]:
            best[person] = (weight, record, comparisons)
    ranked = []
    # The alternative to every candidate: the person sought is not among them (not recorded,
    # or recorded beyond recognition). Its odds against the model's prior for a pair of
    # records: an inquiry is less sure to concern someone recorded than two records are to
    # share a person.
    for person, (weight, record, comparisons) in best.items():
        added = [c for c in extra.get(person, ()) if c["weight"]]
        total = weight + sum(c["weight"] for c in added)
        ranked.append(Candidate(person, 0.0, total, record, [comparisons, *added]))
    if not ranked:
        return []
    top = max(c.match_weight for c in ranked)
    # Odds as powers of two, scaled by the best one so that no power overflows.
    mass = none_odds * 2.0 ** -top + sum(2.0 ** (c.match_weight - top) for c in ranked)
    for c in ranked:
        c.probability = 2.0 ** (c.match_weight - top) / mass
    # Equal weights (two sisters both called Rosa, no date given): the one more of whose
    # records agree first, i.e. the better second record; the id only when nothing differs.
    support = {p: sorted(w, reverse=True)[1] if len(w) > 1 else -math.inf
               for p, w in weights.items()}
    ranked.sort(key=lambda c: (-round(c.match_weight, 6), -support[c.person], c.person))
    kept = [c for c in ranked if c.probability >= floor][:limit]
    for c in kept:
        pair = c.comparisons[0]
        c.comparisons = [*(explain(pair) if explain else pair), *c.comparisons[1:]]
    return kept
