"""The register's flags, as one pure rule shared by the register export and the family page."""

from __future__ import annotations

import datetime as dt

from reunify.rules.deadlines import MS_L_2018
from reunify.rules.flags import (
    DEADLINE_MISSED,
    INFANT,
    PARENT_REMOVED,
    TENDER_AGE,
    WHEREABOUTS_UNKNOWN,
    member_flags,
)
from reunify.rules.status import REMOVED, SEPARATED, MemberState

SEPARATED_ON = dt.date(2018, 5, 10)
AS_OF = dt.date(2018, 7, 15)  # the Ms. L. clock started 2018-06-26; 14 days ran out 07-10


def _family(parent_status: str, child_custodian: str = "ORR"):
    roles = {1: "parent", 2: "child"}
    settled = {
        1: MemberState(status=parent_status, since=SEPARATED_ON, separated_since=SEPARATED_ON,
                       custodian="" if parent_status == REMOVED else "ICE"),
        2: MemberState(status=SEPARATED, since=SEPARATED_ON, separated_since=SEPARATED_ON,
                       custodian=child_custodian, facility="Casa Padre"),
    }
    return roles, settled


def test_an_infant_separated_past_the_deadline_carries_every_child_flag():
    """A separated child under 1, still apart after the 14-day deadline: all three child flags."""
    roles, settled = _family(SEPARATED)
    flags = member_flags(2, roles, settled, 0.5, [], set(), MS_L_2018, AS_OF)
    assert flags == [TENDER_AGE, INFANT, DEADLINE_MISSED]


def test_before_the_deadline_runs_out_it_is_not_missed():
    """The same infant on 2018-07-01, before the order's 14 days ran out: no deadline flag."""
    roles, settled = _family(SEPARATED)
    flags = member_flags(2, roles, settled, 0.5, [], set(), MS_L_2018, dt.date(2018, 7, 1))
    assert flags == [TENDER_AGE, INFANT]


def test_parent_removed_without_child_flags_both_of_them():
    """A parent removed while the child is still separated: the flag is on parent and child."""
    roles, settled = _family(REMOVED)
    assert PARENT_REMOVED in member_flags(1, roles, settled, 30.0, [], set(), MS_L_2018, AS_OF)
    assert PARENT_REMOVED in member_flags(2, roles, settled, 9.0, [], set(), MS_L_2018, AS_OF)


def test_a_separated_child_nobody_holds_is_whereabouts_unknown():
    """Separated with no known custodian: whereabouts unknown; an older child is no tender age."""
    roles, settled = _family(SEPARATED, child_custodian="")
    flags = member_flags(2, roles, settled, 12.0, [], set(), MS_L_2018, AS_OF)
    assert WHEREABOUTS_UNKNOWN in flags
    assert TENDER_AGE not in flags


def test_a_child_without_contact_by_the_contact_deadline_misses_it():
    """Where sources record contact, an older child (30 days to reunify, so not late yet on
    2018-07-15) who had no contact with the parent by 2018-07-06 (26 June + 10 days) misses a
    deadline; one who spoke with the parent on 2018-07-02 does not; without contact records
    nothing is flagged for contact, and neither for a child none of whose sources records
    contact (another source's recording it says nothing of this child)."""
    roles, settled = _family(SEPARATED)
    assert DEADLINE_MISSED not in member_flags(2, roles, settled, 9.0, [], set(), MS_L_2018,
                                               AS_OF)
    assert DEADLINE_MISSED not in member_flags(2, roles, settled, 9.0, [], set(), MS_L_2018,
                                               AS_OF, contacts={7: None})
    assert DEADLINE_MISSED in member_flags(2, roles, settled, 9.0, [], set(), MS_L_2018, AS_OF,
                                           contacts={2: None})
    assert DEADLINE_MISSED not in member_flags(2, roles, settled, 9.0, [], set(), MS_L_2018,
                                               AS_OF, contacts={2: dt.date(2018, 7, 2)})
    assert DEADLINE_MISSED in member_flags(2, roles, settled, 9.0, [], set(), MS_L_2018, AS_OF,
                                           contacts={2: dt.date(2018, 7, 9)})
    assert DEADLINE_MISSED not in member_flags(2, roles, settled, 9.0, [], set(), MS_L_2018,
                                               dt.date(2018, 7, 6), contacts={2: None})
