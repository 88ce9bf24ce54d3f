"""Alien registration numbers (A-numbers) as sources write them.

An A-number is 7 to 9 digits; sources add an ``A``, dashes or spaces, and drop leading zeros.
Clerks mistype one digit or swap two, so "one edit apart" is strong but not certain evidence.
"""

from __future__ import annotations

import re

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


def edits(a: str, b: str) -> int:
    """Slips between two A-numbers: digits changed, neighbours swapped, digits dropped or added
    (optimal string alignment distance)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def within(a: str, b: str, limit: int) -> bool:
    """Whether two A-numbers are at most ``limit`` slips apart (``edits(a, b) <= limit``).

    Clustering asks this of many pairs, most of them strangers' numbers: only alignments
    within ``limit`` positions are worked out, and the work stops as soon as every one of them
    needs more slips."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > limit:
        return False
    over = limit + 1
    rows = [[j if j <= limit else over for j in range(len(b) + 1)]]
    for i in range(1, len(a) + 1):
        row = [i if i <= limit else over] + [over] * len(b)
        for j in range(max(1, i - limit), min(len(b), i + limit) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            best = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                best = min(best, rows[-2][j - 2] + 1)
            row[j] = min(best, over)
        if min(row) > limit:
            return False
        rows.append(row)
    return rows[-1][-1] <= limit


def conflict(a: str, b: str) -> bool:
    """Two normalised A-numbers that cannot be one person's: more than two slips apart (each of
    two records may carry one clerk's slip)."""
    return bool(a) and bool(b) and not within(a, b, 2)


def one_edit_apart(a: str, b: str) -> bool:
    """True when two normalised A-numbers differ by one digit or one swap of neighbours."""
    if not a or not b or len(a) != len(b) or a == b:
        return False
    diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    if len(diffs) == 1:
        return True
    if len(diffs) == 2:
        i, j = diffs
        return j == i + 1 and a[i] == b[j] and a[j] == b[i]
    return False
