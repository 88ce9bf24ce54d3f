"""Records turned into comparison-ready columns, computed once in Python before any engine runs.

Normalised keys and phonetic codes are computed here, with the pure rules of
``reunify.rules``, so the engines compare plain columns (exact, list overlap, edit distance).
"""

from __future__ import annotations

import datetime as dt
import re

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


def _in_order(family: str) -> tuple[list[str | None], list[str | None]]:
    """The surnames as written, first two: phonetic keys and folded words. Keys only when the
    field holds exactly two surnames, the paternal then the maternal (or one alone); three or
    more say no order."""
    written = names.words(family)
    keys = list(dict.fromkeys(k for k in (names.phonetic(w) for w in written) if k))
    ordered = keys if len(keys) <= 2 else []
    return [*ordered, None, None][:2], [*written[:2], None, None][:2]


def features(index: int, record: dict, *, swapped: bool = False) -> dict:
    """The comparison columns of one record; ``unique_id`` is its position in the input."""
    family, given = names.split_fields(record.get("family_name") or "",
                                       record.get("given_name") or "")
    if swapped:
        family, given = given, family
    birth = dates.parse(record.get("birth_date") or "")
    surname_keys = sorted(names.surname_keys(family))
    (first, second), (word_1, word_2) = _in_order(family)
    given_first = names.first_given_key(given)
    return {
        "unique_id": index,
        "source": record["source"],
        "record_id": record["record_id"],
        "surnames": surname_keys or None,
        "surname_set": " ".join(surname_keys) or None,
        "surname_a": surname_keys[0] if surname_keys else None,
        "surname_b": surname_keys[1] if len(surname_keys) > 1 else None,
        # In the order written: the paternal surname, then the maternal (two at most).
        "surname_1": first, "surname_2": second,
        "surname_w1": word_1, "surname_w2": word_2,
        # Their letters in order: two words of the same letters may be one with a swap.
        "surname_s1": "".join(sorted(word_1)) if word_1 else None,
        "surname_s2": "".join(sorted(word_2)) if word_2 else None,
        "given_first": given_first or None,
        "given_second": names.second_given_key(given) or None,
        "given_keys": sorted(names.given_keys(given)) or None,
        **{f"given_k{n + 1}": key for n, key in enumerate(
            ([*sorted(names.given_keys(given))[:3], None, None, None])[:3])},
        "name_keys": sorted(names.name_keys(family, given)) or None,
        "full_name": " ".join(sorted(names.name_keys(family, given))) or None,
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
        "fields_swapped": swapped,
    }


#: Blocking keys shared by more records than this are skipped (too common to be evidence);
#: the bound grows with the number of records (one in ``BLOCK_SHARE``), as common names do.
MAX_BLOCK = 100
BLOCK_SHARE = 250


def max_block(n_records: int) -> int:
    """The most records one blocking key may gather for ``n_records`` records."""
    return max(MAX_BLOCK, n_records // BLOCK_SHARE)


def block_keys(f: dict) -> list[str]:
    """The keys under which a record meets its candidate pairs: a pair is compared when the two
    records share at least one key. Generous on purpose; the scoring decides."""
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
    if given and f["birth_precise"]:
        # A child's year estimated at intake is one off, the day and month right.
        keys.append(f"gmd:{given}:{f['birth_month']}-{f['birth_day']}")
    # A surname and a birth year gather many strangers; split by sex they gather half as many
    # and no one person (a record that does not say its sex goes under both).
    sexes = (f["sex"],) if f["sex"] in ("M", "F") else ("M", "F")
    for surname in surnames:
        if year:
            keys.extend(f"sy:{surname}:{year}:{sex}" for sex in sexes)
        if given:
            keys.append(f"sg:{surname}:{given}")
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


#: Columns whose agreement weighs less when their value is common (term frequency).
TF_COLUMNS = ("given_first", "surname_set")


def term_frequencies(population: list[dict], values: dict[str, set[str]] | None = None
                     ) -> dict[str, dict[str, float]]:
    """Share of records holding each value of the :data:`TF_COLUMNS` (feature dicts);
    ``values`` restricts the answer to those values per column."""
    counts: dict[str, dict[str, int]] = {c: {} for c in TF_COLUMNS}
    for f in population:
        for column in TF_COLUMNS:
            value = f.get(column)
            if value and (values is None or value in values.get(column, ())):
                counts[column][value] = counts[column].get(value, 0) + 1
    total = max(len(population), 1)
    return {c: {v: n / total for v, n in by.items()} for c, by in counts.items()}
