"""Records turned into comparison-ready columns, computed once in Python before any engine runs.

Normalised keys and phonetic codes are computed here, with the pure rules of
``reunify.rules``, so the engines compare plain columns (exact, list overlap, edit distance).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from functools import lru_cache

from reunify.rules import anumber, dates, names, phones

_EPOCH = dt.date(1970, 1, 1)


def day_number(value: object) -> int | None:
    """Days since 1970-01-01 of a date, a datetime or an ISO string; None when unknown."""
    if isinstance(value, dt.datetime):
        value = value.date()
    elif isinstance(value, str) and value:
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return (value - _EPOCH).days if isinstance(value, dt.date) else None


def date_of(day: int) -> dt.date:
    """The date of a :func:`day_number`."""
    return _EPOCH + dt.timedelta(days=day)


_HOUSE = re.compile(r"\s*(\d+[A-Za-z]?)\s")


def _house_number(raw: str) -> str | None:
    """The house number a street address starts with ("602 Cedar Ln" → "602"); None for an
    address that names a place without one (a village)."""
    found = _HOUSE.match(raw)
    return found.group(1).upper() if found else None


#: A word is taken for a given name (or a surname) when the records use it so at least this
#: many times as often as the other way, over at least ``_SEEN`` uses.
_RATIO, _SEEN = 3, 3


def swapped_fields(records: list[dict]) -> set[int]:
    """Indexes of records whose given-name and family-name fields were written the wrong way
    round ("Orellana" / "María José"), told by how all the records use each word: every given
    word is mostly a surname elsewhere and every family word mostly a given name."""
    as_given: dict[str, int] = {}
    as_family: dict[str, int] = {}
    split = []
    for r in records:
        family, given = names.split_fields(r.get("family_name") or "", r.get("given_name") or "")
        g, f = names.words(given), names.words(family)
        split.append((g, f))
        for w in g:
            as_given[w] = as_given.get(w, 0) + 1
        for w in f:
            as_family[w] = as_family.get(w, 0) + 1

    def mostly(word: str, this: dict[str, int], that: dict[str, int]) -> bool:
        n, other = this.get(word, 0), that.get(word, 0)
        return n + other >= _SEEN and n >= _RATIO * max(other, 1) - (1 if other == 0 else 0)

    return {i for i, (g, f) in enumerate(split) if g and f
            and all(mostly(w, as_family, as_given) for w in g)
            and all(mostly(w, as_given, as_family) for w in f)}


@lru_cache(maxsize=65536)
def _in_order(family: str) -> tuple[str | None, str | None]:
    """The phonetic keys of the surnames in the order written, when the field holds exactly
    two surnames (the paternal, then the maternal) or one; three or more say no order.
    (Cached: a season writes a few thousand family names over a hundred thousand records.)"""
    keys = list(dict.fromkeys(k for k in (names.phonetic(w) for w in names.words(family)) if k))
    return (*keys, None, None)[:2] if len(keys) <= 2 else (None, None)


def named_relatives(record: dict) -> tuple:
    """The relatives a record's source names without a record of theirs (``named``: a child's
    parent as the child says the name), each as its words' keys — ``(given-name keys,
    phonetic key)`` per word, in no order, as a name in one string may be written either way
    round — with its A-number and phone keys."""
    out = []
    for name, number, phone in record.get("named") or ():
        family, given = names.split_fields(name or "", "")
        keys = tuple((names.given_keys(w), names.phonetic(w))
                     for w in names.words(f"{given} {family}"))
        if keys or number or phone:
            out.append((keys, anumber.normalise(number or ""),
                        phones.normalise(phone or "", record.get("country") or "")))
    return tuple(out)


def add_kin(features: list[dict], companions: dict[int, set[int]]) -> None:
    """Give each feature dict ``kin``: the given names (first keys) of its companions
    (``reunify.linkage.context.companions``) and every word of the relatives its source
    names, for the blocking key of a first name with a kinsman's (:func:`block_keys`)."""
    for f in features:
        kin = {features[m]["given_first"] for m in companions.get(f["unique_id"], ())}
        for words, _number, _phone in f["named"]:
            for given, _key in words:
                kin.update(given)
        kin.discard(None)
        kin.discard("")
        f["kin"] = tuple(sorted(kin))


@lru_cache(maxsize=65536)
def _family_fields(family: str) -> tuple:
    """What a family-name field gives (:func:`features`' surname columns): worked out once per
    family name, a season writing a few thousand over a hundred thousand records."""
    keys = tuple(sorted(names.surname_keys(family)))
    first, second = _in_order(family)
    return (keys, " ".join(keys) or None, keys[0] if keys else None,
            keys[1] if len(keys) > 1 else None, first, second,
            # Their letters sorted: two surnames of the same letters may be one with a swap.
            "".join(sorted(first)) if first else None,
            "".join(sorted(second)) if second else None)


@lru_cache(maxsize=65536)
def _given_fields(given: str) -> tuple:
    """What a given-name field gives (:func:`features`' given-name columns), once per name."""
    keys = tuple(sorted(names.given_keys(given)))
    return (keys, names.first_given_key(given) or None, names.second_given_key(given) or None,
            keys[0] if keys else None, keys[1] if len(keys) > 1 else None,
            keys[2] if len(keys) > 2 else None)


def features(index: int, record: dict, *, swapped: bool = False) -> dict:
    """The comparison columns of one record; ``unique_id`` is its position in the input."""
    family, given = names.split_fields(record.get("family_name") or "",
                                       record.get("given_name") or "")
    if swapped:
        family, given = given, family
    birth = dates.parse(record.get("birth_date") or "")
    surname_keys, surname_set, surname_a, surname_b, first, second, sorted_1, sorted_2 = \
        _family_fields(family)
    given_keys, given_first, given_second, given_1, given_2, given_3 = _given_fields(given)
    name_keys = sorted(frozenset(surname_keys) | frozenset(given_keys))
    return {
        "unique_id": index,
        "source": record["source"],
        "record_id": record["record_id"],
        # Lists of their own (the cached tuples are shared by every record of the name).
        "surnames": list(surname_keys) or None,
        "surname_set": surname_set,
        "surname_a": surname_a,
        "surname_b": surname_b,
        # In the order written: the paternal surname, then the maternal (two at most).
        "surname_1": first, "surname_2": second,
        "surname_s1": sorted_1,
        "surname_s2": sorted_2,
        "given_first": given_first,
        "given_second": given_second,
        "given_keys": list(given_keys) or None,
        "given_k1": given_1,
        "given_k2": given_2,
        "given_k3": given_3,
        "name_keys": name_keys or None,
        "full_name": " ".join(name_keys) or None,
        "birth_date": record.get("birth_date") or None,
        "birth_year": birth.year if birth else None,
        "birth_month": birth.month if birth and birth.month else None,
        "birth_day": birth.day if birth and birth.day else None,
        "birth_precise": bool(birth and birth.precise),
        "sex": (record.get("sex") or "").upper() or None,
        "country": (record.get("country") or "").upper() or None,
        "a_number": anumber.normalise(record.get("a_number") or "") or None,
        "phone": phones.normalise(record.get("phone") or "",
                                  record.get("country") or "") or None,
        "address": names.fold(record.get("address") or "") or None,
        "house": _house_number(record.get("address") or ""),
        "group": f"{record['source']}\x1f{record['group_id']}" if record.get("group_id") else None,
        "group_role": record.get("group_role") or None,
        "seen_from": day_number(record.get("seen_from")),
        "seen_to": day_number(record.get("seen_to")),
        # Where the source first held the person (the facility of its first event naming
        # one), folded; its place, learnt from all the records, is set by places.add_places.
        "facility": names.fold(record.get("facility") or "") or None,
        "place": None,
        # Minor or adult, set by ages.add_ages (it reads the source's profile).
        "age_group": None,
        "named": named_relatives(record),
        "fields_swapped": swapped,
    }


#: A blocking key held by more records than this is divided (:data:`DIVISIONS`), never widened: the
#: bound is fixed, so a key's pairs stay under ``MAX_BLOCK²/2`` and candidate pairs grow with
#: the number of records, not with its square.
MAX_BLOCK = 30


def _initials(keys: list[str] | None, letters: int = 1) -> list[str]:
    return sorted({key[:letters] for key in keys or () if key})


def _ages(year: int | None) -> list[str]:
    """Two overlapping four-year bands of a birth year: two years at most two apart always
    share one (an age estimated at intake is often a year off)."""
    return [] if year is None else [f"{year // 4}a", f"{(year + 2) // 4}b"]


def _months(month: int | None, day: int | None) -> list[str]:
    """The birth month, and the day when it could be a month (12 or less): a date written
    day-first by one source and month-first by another (3 November, 11 March) keeps the pair
    in a common part."""
    if not month:
        return []
    return sorted({str(month), str(day)}) if day and day <= 12 else [str(month)]


#: The attributes a key over :data:`MAX_BLOCK` is divided by: each a function of the record's
#: feature dict giving the parts the record goes to (several when it has several values, none
#: when the record does not say).
DIVIDE_BY = {
    "sex": lambda f: [f["sex"]] if f["sex"] in ("M", "F") else [],
    "age": lambda f: _ages(f["birth_year"]),
    "month": lambda f: _months(f["birth_month"], f["birth_day"]),
    "given": lambda f: _initials(f["given_keys"]),
    "surname": lambda f: _initials(f["surnames"]),
    "given2": lambda f: _initials(f["given_keys"], 2),
    "surname2": lambda f: _initials(f["surnames"], 2),
}

#: For each kind of key (its prefix), the attributes it is divided by while too common, in turn
#: (a part still over the bound is divided again by the next). An attribute the key already
#: holds is never among them, nor one other keys already hold with it (``sg``, a surname with
#: a given name, is there for pairs whose birth years disagree: it is divided by age bands, not
#: by year). A record that does not say the attribute joins every part of its key when few
#: such records are there (:data:`UNSAID_BUDGET`), a part of its own otherwise. A part still
#: over the bound after its last division is not skipped: each record meets its neighbours
#: (:data:`WINDOW`).
DIVISIONS = {
    "a": ("given", "age"), "a5": ("age", "surname"), "a4": ("age", "given"),
    "p": ("surname", "given"), "gy": ("surname", "surname2", "sex"),
    "gb": ("surname", "sex"), "sy": ("given", "given2"),
    "sg": ("age", "sex", "month"), "b": ("given", "surname"),
    "ad": ("given", "age"), "as": ("given", "age"), "ss": ("age", "sex"),
    "k": ("age", "sex"),
}
#: The most divisions one key goes through (the longest chain of :data:`DIVISIONS`).
DIVIDE_DEPTH = max(len(chain) for chain in DIVISIONS.values())
#: Records that do not say a key's dividing attribute join every part of it when their number
#: times the key's records is at most this (the pairs they add), a part of their own if more.
UNSAID_BUDGET = 20 * MAX_BLOCK * MAX_BLOCK


def block_keys(f: dict) -> list[str]:
    """The keys under which a record meets its candidate pairs: a pair is compared when the two
    records share at least one key (divided by :data:`DIVISIONS` while it is held by more than
    :data:`MAX_BLOCK` records). Generous on purpose; the scoring decides."""
    keys = []
    given, year, surnames = f["given_first"], f["birth_year"], f["surnames"] or []
    if f["a_number"]:
        keys.append(f"a:{f['a_number']}")
        keys.append(f"a5:{f['a_number'][:5]}:{given or ''}")
        keys.append(f"a4:{f['a_number'][5:]}")
    if f["phone"]:
        keys.append(f"p:{f['phone']}")
    if given and year:
        keys.append(f"gy:{given}:{year}")
    if given and f["birth_date"]:
        keys.append(f"gb:{given}:{f['birth_date']}")
    # A surname and a birth year gather many strangers; divided by sex they gather half as many
    # and no one person (a record that does not say its sex goes under both).
    sexes = (f["sex"],) if f["sex"] in ("M", "F") else ("M", "F")
    for surname in surnames:
        if year:
            keys.extend(f"sy:{surname}:{year}:{sex}" for sex in sexes)
        if given:
            keys.append(f"sg:{surname}:{given}")
    if given and len(surnames) > 1:
        keys.append(f"ss:{':'.join(sorted(surnames))}:{given}")
    # The first name with a kinsman's given name (a companion's, or a word of a relative the
    # source names): "Ana" with a father "José" is far rarer than "Ana López", however large
    # the season, and both the border's family unit and the shelter's interview say it.
    if given:
        keys.extend(f"k:{given}:{kin}" for kin in f.get("kin") or ())
    if f["birth_date"] and f["birth_precise"]:
        keys.append(f"b:{f['birth_date']}:{f['sex'] or ''}")
    # A street address (one that starts with a house number; a village is shared by too many):
    # the number with the street's first word, and the number with each surname.
    if f["house"]:
        street = (f["address"] or "").split()[:1]
        if street:
            keys.append(f"ad:{f['house']}:{street[0]}")
        keys.extend(f"as:{surname}:{f['house']}" for surname in surnames)
    return keys


#: In a part of a key still over :data:`MAX_BLOCK` after its last division, a record meets the
#: this many records before it and after it in the order of the day its record's interval
#: starts (``seen_from``), then of :func:`neighbour_key`: after every division its records
#: hardly differ by name, and one person's records from one journey lie days apart.
WINDOW = 10

#: A record put in a key's part of its own for not saying the key's dividing attribute
#: (:data:`UNSAID_BUDGET`) meets this many records before it and after it among the key's
#: others, in the order of the interval its record covers (``seen_from``): it has fewer
#: fields to be told apart by, so it reaches further than :data:`WINDOW`.
UNSAID_WINDOW = 3 * WINDOW

#: Kinds of key made for pairs that disagree on what the key is divided by when crowded: a
#: first name with a birth year for a surname written otherwise (divided by surname), a
#: surname with a birth year for a given name written otherwise (divided by given name).
#: Over :data:`MAX_BLOCK`, each of their records also meets the :data:`SEEN_WINDOW` records
#: after it in the whole key, in the order of the interval its record covers: one person's
#: records from one journey lie days apart, however many namesakes the season holds.
SEEN_KINDS = ("gy", "sy")
SEEN_WINDOW = WINDOW


def neighbour_key(f: dict) -> str:
    """The order of records in a crowded part of a key among those seen the same day
    (:data:`WINDOW`): by their names (every name's key, sorted), then their birth date, so
    near-namesakes stand together."""
    return f"{f['full_name'] or ''}\x1f{f['birth_date'] or ''}"


def divide_columns(f: dict) -> dict[str, list[str]]:
    """The record's values of every :data:`DIVIDE_BY` attribute: the parts of a key over the
    bound it goes to, divided by that attribute (:data:`DIVISIONS`)."""
    return {name: of(f) for name, of in DIVIDE_BY.items()}


#: Columns whose agreement weighs less when their value is common (term frequency).
TF_COLUMNS = ("given_first", "surname_set", "surname_1", "surname_2")
#: Of those, the columns whose frequency is not the share of records holding the value but
#: the rate at which a surname meets a level that is not an exact match
#: (:func:`one_surname_rates`).
RATE_COLUMNS = ("surname_1", "surname_2")


def term_frequencies(population: list[dict], values: dict[str, set[str]] | None = None
                     ) -> dict[str, dict[str, float]]:
    """Share of records holding each value of the :data:`TF_COLUMNS` (feature dicts), and
    :func:`one_surname_rates` for the :data:`RATE_COLUMNS`; ``values`` restricts the answer
    to those values per column."""
    plain = [c for c in TF_COLUMNS if c not in RATE_COLUMNS]
    counts: dict[str, dict[str, int]] = {c: {} for c in plain}
    for f in population:
        for column in plain:
            value = f.get(column)
            if value and (values is None or value in values.get(column, ())):
                counts[column][value] = counts[column].get(value, 0) + 1
    total = max(len(population), 1)
    out = {c: {v: n / total for v, n in by.items()} for c, by in counts.items()}
    for column, rates in one_surname_rates(population).items():
        wanted = None if values is None else values.get(column, set())
        out[column] = {v: r for v, r in rates.items() if wanted is None or v in wanted}
    return out


def one_surname_rates(population: Sequence[dict]) -> dict[str, dict[str, float]]:
    """Per column of :data:`RATE_COLUMNS`, per surname key ``s``: how often a record of ``s``
    meets, in a record picked at random, the level where one record writes ``s`` alone and the
    other writes it among two in order, first (``surname_1``: "one recorded only the first
    surname") or second (``surname_2``: "one recorded only one of the surnames"). That is
    ``2·A·B / ((A + B)·N)`` of the ``A`` records writing ``s`` alone and the ``B`` writing it
    there, of ``N``: the level's u for ``s``, as the share of records holding a value is an
    exact match's (Splink's term-frequency adjustment weighs a pair by the level's u over
    this). A record of one surname has no ``surname_2``: the lookup takes the other record's.
    One pass over the records for both columns."""
    alone: dict[str, int] = {}
    placed: dict[str, dict[str, int]] = {column: {} for column in RATE_COLUMNS}
    for f in population:
        if f.get("surname_1") and not f.get("surname_2") and not f.get("surname_b"):
            alone[f["surname_1"]] = alone.get(f["surname_1"], 0) + 1
        elif f.get("surname_2"):
            for column, counts in placed.items():
                if f.get(column):
                    counts[f[column]] = counts.get(f[column], 0) + 1
    total = max(len(population), 1)
    return {column: {k: 2 * n * counts[k] / ((n + counts[k]) * total)
                     for k, n in alone.items() if k in counts}
            for column, counts in placed.items()}
