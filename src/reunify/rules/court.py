"""The categories of the court's status report (as in the *Ms. L.* joint status reports).

Every child the register counts as ever separated falls in exactly one category: the first of
``CATEGORIES`` whose test holds, in that order, ending with ``OTHER`` so that none falls
through. The report checks the categories add up to the register's count and says so.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChildFacts:
    """What the register and the child's case say about one child ever separated."""

    status: str  # the child's register status
    parent_status: str | None  # the parent sought's register status; None: no parent found
    parent_in_custody: bool
    case_outcome: str  # "" while open or without a case
    parent_excluded: bool
    wishes_recorded: bool
    parent_reached: bool


REUNIFIED = "reunified"
RELEASED = "released to a sponsor"
CHILD_REMOVED = "child removed from the country"
CHILD_UNKNOWN = "child's whereabouts unknown"
PARENT_DECLINED = "parent declined reunification"
PARENT_EXCLUDED = "parent excluded (unfit or a danger, signed off)"
NO_PARENT = "no parent found"
REMOVED_WISHES = "parent removed: wishes recorded"
REMOVED_REACHED = "parent removed: reached, wishes not yet recorded"
REMOVED_NOT_REACHED = "parent removed: not reached"
IN_CUSTODY = "parent in custody"
RELEASED_IN_US = "parent released in the United States"
OTHER = "other"


def _tests():
    return (
        (REUNIFIED, lambda f: f.status == "reunified"),
        (RELEASED, lambda f: f.status == "released"),
        (CHILD_REMOVED, lambda f: f.status == "removed"),
        (CHILD_UNKNOWN, lambda f: f.status == "unknown"),
        (PARENT_DECLINED, lambda f: f.case_outcome == "parent_declined"),
        (PARENT_EXCLUDED, lambda f: f.parent_excluded),
        (NO_PARENT, lambda f: f.parent_status is None),
        (REMOVED_WISHES, lambda f: f.parent_status == "removed" and f.wishes_recorded),
        (REMOVED_REACHED, lambda f: f.parent_status == "removed" and f.parent_reached),
        (REMOVED_NOT_REACHED, lambda f: f.parent_status == "removed"),
        (IN_CUSTODY, lambda f: f.parent_in_custody),
        (RELEASED_IN_US, lambda f: f.parent_status is not None),
    )


_TESTS = _tests()
#: Every category, in the order the report lists them.
CATEGORIES = (*(name for name, _test in _TESTS), OTHER)


def court_category(facts: ChildFacts) -> str:
    """The one category a child ever separated falls in."""
    for name, test in _TESTS:
        if test(facts):
            return name
    return OTHER
