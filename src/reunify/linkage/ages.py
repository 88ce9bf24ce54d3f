"""A record's age group, minor or adult, from what its source says of it.

A record without a birth date still says whether it is a child's or an adult's: its source
booked it as a family unit's ``child`` or its ``parent`` or ``guardian`` (``group_role``,
spec), or its source holds minors only or adults only (the profile's ``holds``: a children's
shelter, a prosecutor's docket). A record with a birth year says it by its age when its
source first held it. The model's ``age_group`` comparison weighs two records' groups only
where the birth dates cannot (one record or both without a birth year): a border record of a
child that gives no birth date and a shelter's record of a child are both minors — evidence,
if weak, that grows no weaker with the number of records — and a father and his son of one
name, one of them undated, are not one person. Plain data in, plain data out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reunify.linkage.features import date_of
from reunify.linkage.records import Profile

#: The age from which a person is an adult (the law's: a child is under eighteen).
ADULT_AGE = 18
MINOR, ADULT = "minor", "adult"
#: A family unit's roles that say the group (``relative`` and ``other`` do not).
_ROLES = {"child": MINOR, "parent": ADULT, "guardian": ADULT}
_HOLDS = {"minors": MINOR, "adults": ADULT}


def age_group(f: dict, profile: Profile | None = None) -> str | None:
    """:data:`MINOR` or :data:`ADULT` for one feature dict: by its age on the day its source
    first held it when it has a birth year (and that day), else by its role in its family
    unit, else by whom its source holds (``profile``); None when nothing says."""
    year, seen = f.get("birth_year"), f.get("seen_from")
    if year and seen is not None:
        day = date_of(seen)
        # A birth date without its month or day is taken at the year's start: a year
        # recorded alone is the likelier to be an estimate than a month.
        age = day.year - year - ((day.month, day.day) < (f.get("birth_month") or 1,
                                                         f.get("birth_day") or 1))
        return MINOR if age < ADULT_AGE else ADULT
    role = _ROLES.get(f.get("group_role") or "")
    if role:
        return role
    return _HOLDS.get(profile.holds) if profile is not None else None


def add_ages(features: Sequence[dict], profiles: Mapping[str, Profile] | None = None) -> None:
    """Give each feature dict ``age_group`` (:func:`age_group`), its source's profile from
    ``profiles`` (a source without one says nothing by whom it holds)."""
    profiles = profiles or {}
    for f in features:
        f["age_group"] = age_group(f, profiles.get(f["source"]))
