"""Pure rules of family evidence: how strong a piece of evidence is, who a named person may be,
and which claims contradict each other.

Nothing here touches the store; ``reunify.actions.family`` feeds these functions plain values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from reunify.rules import anumber, dates, names, phones

#: How much one piece of evidence of a relationship weighs, by its kind.
EVIDENCE_STRENGTH: dict[str, float] = {
    "dna": 1.0,
    "document": 0.95,
    "observed": 0.9,
    "group": 0.85,
    "stated": 0.8,
}

#: Relations as the spec spells them → (direction, family relation). ``forward`` reads
#: "record is <relation> of other"; ``reverse`` swaps the two so links always point from the
#: parent or guardian to the child.
RELATION_LINKS: dict[str, tuple[str, str]] = {
    "parent_of": ("forward", "parent_of"),
    "child_of": ("reverse", "parent_of"),
    "guardian_of": ("forward", "guardian_of"),
    "ward_of": ("reverse", "guardian_of"),
    "sibling_of": ("forward", "sibling_of"),
}

#: A "parent" fewer than this many years older than the child is a conflicting claim.
MIN_PARENT_AGE_GAP_YEARS = 12
#: Age at which a person counts as an adult (who may be named as someone's parent).
ADULT_AGE_YEARS = 18

#: How a named person outside the source was matched to one of ours, and how strongly.
MATCH_A_NUMBER, MATCH_PHONE, MATCH_NAME_BIRTH, MATCH_NAME = (
    "a_number", "phone", "name_birth_date", "name",
)
MATCH_STRENGTH: dict[str, float] = {
    MATCH_A_NUMBER: 0.95, MATCH_PHONE: 0.9, MATCH_NAME_BIRTH: 0.85, MATCH_NAME: 0.5,
}


def name_matches(written: str, given_name: str, family_name: str) -> bool:
    """Whether a full name as written fits a record's given and family names.

    The first given name must appear, and so must the first family name (Latin American names
    carry two surnames; people often give only the first). Words are compared folded
    (:func:`reunify.rules.names.words`: no case, accents or particles).
    """
    tokens = set(names.words(written))
    given = names.words(given_name)
    family = names.words(family_name)
    if not tokens or not given or not family:
        return False
    return given[0] in tokens and family[0] in tokens


def birth_dates_agree(a: str, b: str) -> bool:
    """Whether two recorded birth dates can be the same day (each part known in both agrees)."""
    left, right = dates.parse(a), dates.parse(b)
    if left is None or right is None:
        return False
    if left.year != right.year:
        return False
    if left.month and right.month and left.month != right.month:
        return False
    return not (left.day and right.day and left.day != right.day)


def best_birth_date(recorded: Iterable[str]) -> str:
    """The birth date most records agree on, the most precise first; empty when none parses."""
    counts: dict[str, int] = {}
    for text in recorded:
        if dates.parse(text) is not None:
            counts[text] = counts.get(text, 0) + 1
    if not counts:
        return ""
    return max(counts, key=lambda d: (counts[d], len(d), d))


def age_years(birth_date: str, on: dt.date) -> float | None:
    """Age in years on a day, from the middle of the recorded birth date; None when unknown."""
    parsed = dates.parse(birth_date)
    if parsed is None:
        return None
    return (on - parsed.midpoint()).days / 365.25


def parent_too_young(parent_birth: str, child_birth: str) -> bool:
    """Whether a claimed parent is fewer than 12 years older than the child (both known)."""
    parent, child = dates.parse(parent_birth), dates.parse(child_birth)
    if parent is None or child is None:
        return False
    gap = (child.midpoint() - parent.midpoint()).days / 365.25
    return gap < MIN_PARENT_AGE_GAP_YEARS


@dataclass(frozen=True)
class Claim:
    """What a record said about a person outside its source."""

    name: str
    birth_date: str = ""
    a_number: str = ""
    phone: str = ""
    #: The claimant's recorded country: the region a phone without a country code is read in.
    country: str = ""


@dataclass(frozen=True)
class Candidate:
    """One adult person's identifying details, over all of their records."""

    person: int
    names: tuple[tuple[str, str], ...]  # (given_name, family_name) per record
    birth_dates: tuple[str, ...]
    a_numbers: frozenset[str]  # normalised, see reunify.rules.anumber.normalise
    phones: frozenset[str]  # phone keys, see reunify.rules.phones.normalise


def match_kind(claim: Claim, candidate: Candidate) -> str | None:
    """The strongest way a claim fits a candidate, or None when it does not fit.

    An A-number or phone that agrees is strong on its own; a name is strong only with a birth
    date that agrees, and weak without one. A birth date that contradicts every one of the
    candidate's makes a name-only fit no fit at all.
    """
    a_key = anumber.normalise(claim.a_number)
    if a_key and a_key in candidate.a_numbers:
        return MATCH_A_NUMBER
    p_key = phones.normalise(claim.phone, claim.country)
    if p_key and p_key in candidate.phones:
        return MATCH_PHONE
    if not any(name_matches(claim.name, g, f) for g, f in candidate.names):
        return None
    if claim.birth_date and candidate.birth_dates:
        if any(birth_dates_agree(claim.birth_date, b) for b in candidate.birth_dates):
            return MATCH_NAME_BIRTH
        return None
    return MATCH_NAME


def choose_match(claim: Claim, candidates: Iterable[Candidate]) -> tuple[int, str, bool] | None:
    """The person a claim names: (person, match kind, ambiguous) or None.

    The strongest fit wins. Ties at the top are ambiguous: the first (lowest person id) is taken
    so that the link is kept and flagged, never silently dropped or silently resolved.
    """
    fits = []
    for candidate in candidates:
        kind = match_kind(claim, candidate)
        if kind is not None:
            fits.append((MATCH_STRENGTH[kind], candidate.person, kind))
    if not fits:
        return None
    top = max(f[0] for f in fits)
    best = sorted(f for f in fits if f[0] == top)
    _strength, person, kind = best[0]
    return person, kind, len(best) > 1


def link_strength(evidence: str, match: str | None = None) -> float:
    """Strength of one link: its evidence, times how sure we are of who the other person is."""
    base = EVIDENCE_STRENGTH.get(evidence, EVIDENCE_STRENGTH["stated"])
    return round(base * (MATCH_STRENGTH[match] if match else 1.0), 4)
