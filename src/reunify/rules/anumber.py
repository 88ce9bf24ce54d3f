"""Alien registration numbers (A-numbers) as sources write them.

An A-number is 7 to 9 digits; sources add an ``A``, dashes or spaces, and drop leading zeros.
Clerks mistype one digit or swap two, so "one edit apart" is strong but not certain evidence.
"""

from __future__ import annotations

import re

from rapidfuzz.distance import OSA

_DIGITS = re.compile(r"\D")


def normalise(raw: str) -> str:
    """The A-number as nine digits, or "" when it is not one.

    ``"A-202-302-528"``, ``"A 202 302 528"`` and ``"202302528"`` give ``"202302528"``;
    ``"A02399070"`` and ``"2399070"`` give ``"002399070"``.
    """
    digits = _DIGITS.sub("", raw or "")
    if not 7 <= len(digits) <= 9:
        return ""
    digits = digits.zfill(9)
    return "" if set(digits) == {"0"} else digits


def key(raw: str) -> str:
    """What a search for an A-number matches on: the digits as written, leading zeros dropped
    (``"A 0202-302 528"`` and ``"202302528"`` both give ``"202302528"``); "" without digits.

    Unlike :func:`normalise` it keeps a number of the wrong length, so a record is found by
    whatever digits its source wrote."""
    return _DIGITS.sub("", raw or "").lstrip("0")


def edits(a: str, b: str) -> int:
    """Slips between two A-numbers: digits changed, neighbours swapped, digits dropped or added
    (optimal string alignment distance, rapidfuzz's)."""
    return OSA.distance(a, b)


def within(a: str, b: str, limit: int) -> bool:
    """Whether two A-numbers are at most ``limit`` slips apart (``edits(a, b) <= limit``); the
    count stops as soon as it passes ``limit`` (clustering asks this of many strangers' pairs)."""
    return OSA.distance(a, b, score_cutoff=limit) <= limit


def conflict(a: str, b: str) -> bool:
    """Two normalised A-numbers that cannot be one person's: more than two slips apart (each of
    two records may carry one clerk's slip)."""
    return bool(a) and bool(b) and not within(a, b, 2)


def one_edit_apart(a: str, b: str) -> bool:
    """True when two normalised A-numbers differ by one digit or one swap of neighbours."""
    return bool(a) and len(a) == len(b) and a != b and OSA.distance(a, b, score_cutoff=1) == 1
