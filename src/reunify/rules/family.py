"""Pure rules of family evidence: how strong a piece of evidence is, who a named person may be,
and which claims contradict each other.

Nothing here touches the store; ``reunify.actions.family`` feeds these functions plain values.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

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


def phone_key(phone: str) -> str:
    """The last eight digits of a phone number: country codes and trunk prefixes vary, and
    Central American mobile numbers have eight digits."""
    digits = re.sub(r"\D", "", phone or "")
    return digits[-8:] if len(digits) >= 7 else ""


def a_number_key(a_number: str) -> str:
    """Digits of an A-number, left-padded to nine ("A 12-345-678" → "012345678")."""
    digits = re.sub(r"\D", "", a_number or "")
    return digits.zfill(9) if 7 <= len(digits) <= 9 else ""


def name_tokens(name: str) -> tuple[str, ...]:
    """Lower-case, accent-free word tokens: "Tomás Rodríguez" → ("tomas", "rodriguez")."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return tuple(t for t in re.split(r"[^a-z]+", plain) if t)


def name_matches(written: str, given_name: str, family_name: str) -> bool:
    """Whether a full name as written fits a record's given and family names.

    The first given name must appear, and so must the first family name (Latin American names
    carry two surnames; people often give only the first).
    """
    tokens = set(name_tokens(written))
    given = name_tokens(given_name)
    family = name_tokens(family_name)
    if not tokens or not given or not family:
        return False
    return given[0] in tokens and family[0] in tokens


@dataclass(frozen=True)
class PartialDate:
    """A birth date as recorded: year, maybe month, maybe day."""

    year: int
    month: int | None = None
    day: int | None = None

    def midpoint(self) -> dt.date:
        """The middle of the range the partial date allows (used for ages)."""
        if self.month is None:
            return dt.date(self.year, 7, 1)
        if self.day is None:
            return dt.date(self.year, self.month, 15)
        return dt.date(self.year, self.month, self.day)


@functools.lru_cache(maxsize=1 << 16)
def parse_birth_date(text: str) -> PartialDate | None:
    """``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``; anything else (or nothing) is unknown."""
    match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", (text or "").strip())
    if not match:
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        if month is not None:
            dt.date(year, month, day or 1)
    except ValueError:
        return None
    return PartialDate(year, month, day)


def birth_dates_agree(a: str, b: str) -> bool:
    """Whether two recorded birth dates can be the same day (each part known in both agrees)."""
    left, right = parse_birth_date(a), parse_birth_date(b)
    if left is None or right is None:
        return False
    if left.year != right.year:
        return False
    if left.month is not None and right.month is not None and left.month != right.month:
        return False
    return not (left.day is not None and right.day is not None and left.day != right.day)


def best_birth_date(dates: Iterable[str]) -> str:
    """The birth date most records agree on, the most precise first; empty when none parses."""
    counts: dict[str, int] = {}
    for text in dates:
        if parse_birth_date(text) is not None:
            counts[text] = counts.get(text, 0) + 1
    if not counts:
        return ""
    return max(counts, key=lambda d: (counts[d], len(d), d))


def age_years(birth_date: str, on: dt.date) -> float | None:
    """Age in years on a day, from the middle of the recorded birth date; None when unknown."""
    parsed = parse_birth_date(birth_date)
    if parsed is None:
        return None
    return (on - parsed.midpoint()).days / 365.25


def parent_too_young(parent_birth: str, child_birth: str) -> bool:
    """Whether a claimed parent is fewer than 12 years older than the child (both known)."""
    parent, child = parse_birth_date(parent_birth), parse_birth_date(child_birth)
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


@dataclass(frozen=True)
class Candidate:
    """One adult person's identifying details, over all of their records."""

    person: int
    names: tuple[tuple[str, str], ...]  # (given_name, family_name) per record
    birth_dates: tuple[str, ...]
    a_numbers: frozenset[str]  # keys, see a_number_key
    phones: frozenset[str]  # keys, see phone_key


def match_kind(claim: Claim, candidate: Candidate) -> str | None:
    """The strongest way a claim fits a candidate, or None when it does not fit.

    An A-number or phone that agrees is strong on its own; a name is strong only with a birth
    date that agrees, and weak without one. A birth date that contradicts every one of the
    candidate's makes a name-only fit no fit at all.
    """
    a_key = a_number_key(claim.a_number)
    if a_key and a_key in candidate.a_numbers:
        return MATCH_A_NUMBER
    p_key = phone_key(claim.phone)
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
