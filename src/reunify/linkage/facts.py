"""What each record says that clustering's constraints check, worked out once per link run.

A link run clusters twice (before and after family context, :mod:`reunify.linkage.resolution`)
and both passes start from the same records: each record's birth years, A-numbers, roles in
groups, precise birth dates by group, family units, custody windows, age and given names.
:class:`Facts` holds them in immutable containers, so every
:class:`~reunify.linkage.clustering.Clusters` built from them shares them until a merge makes
new ones (at 100,000 records, building them took a quarter of a clustering pass).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from functools import lru_cache

from reunify.linkage import corroboration
from reunify.linkage.features import date_of
from reunify.linkage.records import Profile
from reunify.rules.dates import BirthDate

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
NO_PROFILE = Profile()

Given = tuple[frozenset, str, str, frozenset, str]


def given_of(f: dict) -> Given:
    """A record's given names as the sibling rule reads them: its given-name keys, first
    key, A-number, every name key and second given key."""
    return (frozenset(f.get("given_keys") or ()), f.get("given_first") or "",
            f.get("a_number") or "", frozenset(f.get("name_keys") or ()),
            f.get("given_second") or "")


def minor(f: dict, margin: int = 0) -> bool:
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
            or ("minor" if minor(f, AGE_MARGIN) else None))


class Facts:
    """Per record (by index), what it says, as a cluster of that one record holds it: lists of
    immutable values (tuples, frozensets, and dicts no one changes)."""

    def __init__(self, features: Sequence[dict],
                 profiles: Mapping[str, Profile] | None = None) -> None:
        profiles = profiles or {}
        years, numbers, roles, born, held, units, ages = [], [], [], [], [], [], []
        empty: frozenset = frozenset()
        for f in features:
            year = f.get("birth_year")
            years.append((year, year) if year else None)
            numbers.append(frozenset((f["a_number"],)) if f.get("a_number") else empty)
            group, role = f.get("group"), f.get("group_role")
            roles.append({group: frozenset((role,))} if group and role else {})
            born.append({group: frozenset((BirthDate(year, f["birth_month"], f["birth_day"]),))}
                        if group and f.get("birth_precise") else {})
            profile = profiles.get(f.get("source") or "", NO_PROFILE)
            start, end = f.get("seen_from"), f.get("seen_to")
            held.append({f["source"]: ((start, end if end is not None else start),)}
                        if start is not None and profile.custody else {})
            units.append(({f["source"]: group} if group else
                          {f["source"]: ALONE} if minor(f) else {})
                         if profile.family_units else {})
            known = age(f, profile)
            ages.append(frozenset((known,)) if known else empty)
        self.years, self.a_numbers, self.roles, self.born = years, numbers, roles, born
        self.held, self.units, self.ages = held, units, ages
        self.given = [given_of(f) for f in features]
        #: The records whose pairs are merged last and checked
        #: (:func:`reunify.linkage.corroboration.held_back`), for both passes.
        self.held_back = frozenset(i for i, f in enumerate(features)
                                   if corroboration.held_back(f))
