"""Pure rules of family evidence: how strong a piece of evidence is, who a named person may be,
and which claims contradict each other.

Nothing here touches the store; ``reunify.actions.family`` feeds these functions plain values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

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


def person_sex(recorded: Iterable[str]) -> str:
    """The sex most of a person's records give; empty when none does or when two are given
    equally often (an even split says nothing, and the choice must not hang on the order the
    records were read in: two mothers or two fathers are a conflict)."""
    counts: dict[str, int] = {}
    for sex in recorded:
        if sex:
            counts[sex] = counts.get(sex, 0) + 1
    if not counts:
        return ""
    most = max(counts.values())
    top = [sex for sex, n in counts.items() if n == most]
    return top[0] if len(top) == 1 else ""


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

    @cached_property
    def name_keys(self) -> frozenset[tuple[str, str]]:
        """(first given word, first family word) of each record's name that has both: a
        written name fits the person when both words of one of them are among its words
        (``name_matches``)."""
        keys = set()
        for given_name, family_name in self.names:
            given, family = names.words(given_name), names.words(family_name)
            if given and family:
                keys.add((given[0], family[0]))
        return frozenset(keys)


@dataclass(frozen=True)
class _ClaimKeys:
    """What of a claim every candidate is compared by, read once per claim."""

    a_number: str
    phone: str
    words: frozenset[str]
    birth_date: str


def _claim_keys(claim: Claim) -> _ClaimKeys:
    return _ClaimKeys(anumber.normalise(claim.a_number),
                      phones.normalise(claim.phone, claim.country),
                      frozenset(names.words(claim.name)), claim.birth_date)


def _kind(keys: _ClaimKeys, candidate: Candidate) -> str | None:
    if keys.a_number and keys.a_number in candidate.a_numbers:
        return MATCH_A_NUMBER
    if keys.phone and keys.phone in candidate.phones:
        return MATCH_PHONE
    if not any(given in keys.words and family in keys.words
               for given, family in candidate.name_keys):
        return None
    if keys.birth_date and candidate.birth_dates:
        if any(birth_dates_agree(keys.birth_date, b) for b in candidate.birth_dates):
            return MATCH_NAME_BIRTH
        return None
    return MATCH_NAME


def match_kind(claim: Claim, candidate: Candidate) -> str | None:
    """The strongest way a claim fits a candidate, or None when it does not fit.

    An A-number or phone that agrees is strong on its own; a name is strong only with a birth
    date that agrees, and weak without one. A birth date that contradicts every one of the
    candidate's makes a name-only fit no fit at all.
    """
    return _kind(_claim_keys(claim), candidate)


def match_kinds(claim: Claim, candidates: Iterable[Candidate]) -> list[tuple[Candidate, str]]:
    """The candidates a claim fits, each with ``match_kind``, in the order given: the claim
    is read once for all of them."""
    keys = _claim_keys(claim)
    out = []
    for candidate in candidates:
        kind = _kind(keys, candidate)
        if kind is not None:
            out.append((candidate, kind))
    return out


def choose_match(claim: Claim, candidates: Iterable[Candidate]) -> tuple[int, str, bool] | None:
    """The person a claim names: (person, match kind, ambiguous) or None.

    The strongest fit wins. Ties at the top are ambiguous: the first (lowest person id) is taken
    so that the link is kept and flagged, never silently dropped or silently resolved.
    """
    return choose_among(match_kinds(claim, candidates))


def choose_among(kinds: Iterable[tuple[Candidate, str]]) -> tuple[int, str, bool] | None:
    """``choose_match`` of fits already found (``match_kinds``)."""
    fits = [(MATCH_STRENGTH[kind], candidate.person, kind) for candidate, kind in kinds]
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
