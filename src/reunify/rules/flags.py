"""The register's flags: which rule a member's separation breaks, or what needs attention.

One definition, used by the register export and by the family page alike (docs/families.md).
"""

from __future__ import annotations

import datetime as dt

from reunify.rules.deadlines import DeadlinePolicy, contact_missed, deadline_missed
from reunify.rules.kinship import CONFLICTING_CLAIMS, UNLINKED_CHILD
from reunify.rules.status import RELEASED, REMOVED, REUNIFIED, SEPARATED, UNKNOWN, MemberState

TENDER_AGE, INFANT = "tender_age", "infant"
PARENT_REMOVED = "parent_removed_without_child"
DEADLINE_MISSED = "deadline_missed"
WHEREABOUTS_UNKNOWN = "whereabouts_unknown"
POSSIBLE_DUPLICATE = "possible_duplicate"
#: A child's records show them held apart after a carer's records say they were reunified.
CUSTODY_CONTRADICTION = "custody_contradiction"
#: Every flag the register sets, in the order a row lists them.
FLAGS = (TENDER_AGE, INFANT, PARENT_REMOVED, DEADLINE_MISSED, WHEREABOUTS_UNKNOWN,
         UNLINKED_CHILD, CONFLICTING_CLAIMS, CUSTODY_CONTRADICTION, POSSIBLE_DUPLICATE)
TENDER_AGE_YEARS, INFANT_YEARS = 5, 1


def flag_bits(flags: list[str] | tuple[str, ...]) -> int:
    """Flags as one number, bit ``i`` for ``FLAGS[i]``: the stored register counts and
    filters them in SQL without reading their text."""
    return sum(1 << i for i, flag in enumerate(FLAGS) if flag in flags)
CARERS = frozenset({"parent", "guardian"})


def member_flags(person: int, roles: dict[int, str], settled: dict[int, MemberState],
                 age: float | None, family_flags: list[str] | tuple[str, ...],
                 in_conflict: set[int] | frozenset[int], policy: DeadlinePolicy,
                 as_of: dt.date, *, contacts: dict[int, dt.date | None] | None = None) -> list[str]:
    """A member's flags (all but ``possible_duplicate``, which compares members' records).

    ``roles`` and ``settled`` cover the whole family (person → role, person → settled state);
    ``age`` is the member's age in years at separation, when known. ``contacts`` holds the
    persons whose contact with a parent some source of theirs records (person → first contact,
    or None when that source records none for them): such a separated child without contact
    by the policy's contact deadline also has ``deadline_missed``. For anyone else nothing is
    known of contact, and nothing is flagged for it.
    """
    state = settled[person]
    role = roles[person]
    child = role == "child"
    flags = []
    if child and state.separated_since is not None and age is not None:
        if age < TENDER_AGE_YEARS:
            flags.append(TENDER_AGE)
        if age < INFANT_YEARS:
            flags.append(INFANT)
    left_behind = [p for p, r in roles.items() if r == "child"
                   and settled[p].separated_since is not None
                   and settled[p].status not in {REMOVED, REUNIFIED}]
    carers_removed = [p for p, r in roles.items() if r in CARERS and settled[p].status == REMOVED]
    if (role in CARERS and state.status == REMOVED and left_behind) or (
        child and person in left_behind and carers_removed
    ):
        flags.append(PARENT_REMOVED)
    reunification_late = deadline_missed(
        policy, separated_since=state.separated_since, ended=state.separation_ended,
        age_years=age, as_of=as_of)
    contact_late = contacts is not None and person in contacts and contact_missed(
        policy, separated_since=state.separated_since, ended=state.separation_ended,
        first_contact=contacts[person], as_of=as_of)
    if child and (reunification_late or contact_late):
        flags.append(DEADLINE_MISSED)
    if state.status == UNKNOWN or (state.status == SEPARATED and not state.custodian) or (
        child and state.status == RELEASED and not state.custodian
    ):
        # A child let go to a recipient nobody recorded is as lost as an untraced one.
        flags.append(WHEREABOUTS_UNKNOWN)
    if child and UNLINKED_CHILD in family_flags:
        flags.append(UNLINKED_CHILD)
    if person in in_conflict or (CONFLICTING_CLAIMS in family_flags and not in_conflict):
        flags.append(CONFLICTING_CLAIMS)
    if state.contradiction:
        flags.append(CUSTODY_CONTRADICTION)
    return flags
