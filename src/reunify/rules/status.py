"""Register statuses and how custody events move a family member between them, as tables.

A member's status is folded from their custody events in time order through ``EVENT_EFFECTS``
(event type → {status before → status after}); ``ALLOWED`` says which moves are legal at all and
every effect is checked against it at import. What the events alone cannot say — that a parent
is apart from the child the border took, or that members held in one facility are together
again — is settled afterwards by ``settle_family`` from the members' custody, with the same
tables. See docs/families.md for the definitions in prose.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from reunify.rules.interchange import STATUSES

TOGETHER, SEPARATED, REUNIFIED, RELEASED, REMOVED, UNKNOWN = STATUSES

#: Status → the statuses a member may move to next (staying put is always allowed).
ALLOWED: dict[str, frozenset[str]] = {
    TOGETHER: frozenset({SEPARATED, REUNIFIED, REMOVED, UNKNOWN}),
    SEPARATED: frozenset({REUNIFIED, RELEASED, REMOVED, UNKNOWN}),
    # A reunified member stays reunified until a new separation (or removal, or loss of trace).
    REUNIFIED: frozenset({SEPARATED, REMOVED, UNKNOWN}),
    RELEASED: frozenset({SEPARATED, REUNIFIED, REMOVED, UNKNOWN}),
    # Removal is final for the register unless the family is brought back together.
    REMOVED: frozenset({REUNIFIED}),
    UNKNOWN: frozenset({TOGETHER, SEPARATED, REUNIFIED, RELEASED, REMOVED}),
}

#: Event type → {status before: status after}. Event types not named change custody only.
EVENT_EFFECTS: dict[str, dict[str, str]] = {
    "separated": {
        TOGETHER: SEPARATED, REUNIFIED: SEPARATED, RELEASED: SEPARATED, UNKNOWN: SEPARATED,
    },
    "reunified": {
        TOGETHER: REUNIFIED, SEPARATED: REUNIFIED, RELEASED: REUNIFIED, UNKNOWN: REUNIFIED,
        REMOVED: REUNIFIED,
    },
    # Leaving custody ends a separation only when it is to someone outside the family; a family
    # released together stays together, a reunified one stays reunified.
    "released": {SEPARATED: RELEASED},
    "discharged": {SEPARATED: RELEASED},
    "removed": {
        TOGETHER: REMOVED, SEPARATED: REMOVED, REUNIFIED: REMOVED, RELEASED: REMOVED,
        UNKNOWN: REMOVED,
    },
}

#: A release or transfer that names nobody receiving the person and cites no authority: the
#: trail goes cold. Not a spec event type; ``effective_type`` derives it from what was written.
UNTRACED = "untraced"
EVENT_EFFECTS[UNTRACED] = {SEPARATED: UNKNOWN}

#: Event types after which the person is out of custody (nobody holds them any more).
LEAVES_CUSTODY = frozenset({"released", "discharged", "removed", UNTRACED})

#: Family roles in charge of a child.
CARER_ROLES = frozenset({"parent", "guardian"})

#: Statuses whose separation has ended (the end is the date of the move into them).
ENDS_SEPARATION = frozenset({REUNIFIED, RELEASED, REMOVED})


def _check_tables() -> None:
    for event, effects in EVENT_EFFECTS.items():
        for before, after in effects.items():
            if after != before and after not in ALLOWED[before]:
                raise AssertionError(f"{event}: {before} → {after} is not an allowed move")


_check_tables()


def effective_type(event_type: str, custodian: str, facility: str, authority: str) -> str:
    """The event as the status table reads it.

    A ``released`` or ``discharged`` naming no recipient and citing no authority, or a
    ``transferred`` naming no custodian and no facility, says that nobody knows where the person
    went: it is ``untraced``. A release on bond or parole cites its authority and stays a
    release.
    """
    if event_type in {"released", "discharged"} and not custodian and not authority:
        return UNTRACED
    if event_type == "transferred" and not custodian and not facility:
        return UNTRACED
    return event_type


def next_status(status: str, event_type: str) -> str:
    """The status after ``event_type`` happens to a member who is in ``status``."""
    return EVENT_EFFECTS.get(event_type, {}).get(status, status)


@dataclass
class MemberState:
    """One member's standing as their own events put it, before the family is considered."""

    status: str = TOGETHER
    #: When the current status began.
    since: dt.date | None = None
    #: Start of the latest separation (kept after it ends, to count its days).
    separated_since: dt.date | None = None
    #: When the latest separation ended (reunified, released, removed), if it has.
    separation_ended: dt.date | None = None
    #: The separation's start was not recorded: a reunification proves there was one, and it
    #: began at the latest with the member's first event (the family may know better).
    separation_inferred: bool = False
    custodian: str = ""
    facility: str = ""
    in_custody: bool = False
    #: Last time anyone recorded holding or moving this person, and the event's type.
    last_seen: dt.date | None = None
    last_type: str = ""
    #: The last time the member left custody: the day, and the custodian and facility they
    #: left (what the release event itself names is where they went).
    left_on: dt.date | None = None
    left_from: tuple[str, str] = ("", "")
    #: Every status the member passed through, as (date, status), for audits and tests.
    path: list[tuple[dt.date, str]] = field(default_factory=list)


def fold_events(events: Iterable[tuple]) -> MemberState:
    """Fold one member's events — (day, type, custodian, facility[, authority]), in time
    order — into a state.

    A member with no events at all is ``unknown``: nobody is known to hold them.
    """
    state = MemberState()
    seen_any = False
    for day, etype, custodian, facility, *rest in events:
        etype = effective_type(etype, custodian, facility, rest[0] if rest else "-")
        if not seen_any:
            seen_any = True
            state.since = day
            state.path.append((day, state.status))
        before = state.status
        after = next_status(before, etype)
        if after != before:
            state.status = after
            state.since = day
            state.path.append((day, after))
            if after == SEPARATED:
                state.separated_since = day
                state.separation_ended = None
                state.separation_inferred = False
            elif after in ENDS_SEPARATION and before == SEPARATED:
                state.separation_ended = day
            elif after == REUNIFIED and state.separated_since is None:
                state.separated_since = state.path[0][0]
                state.separation_ended = day
                state.separation_inferred = True
        if etype in LEAVES_CUSTODY:
            if state.in_custody:
                state.left_on, state.left_from = day, (state.custodian, state.facility)
            state.in_custody = False
            state.custodian = custodian if etype not in {"removed", UNTRACED} else ""
            state.facility = facility if etype not in {"removed", UNTRACED} else ""
        else:
            state.in_custody = True
            if custodian:
                state.custodian = custodian
            if facility or custodian:
                state.facility = facility
        state.last_seen = day
        state.last_type = etype
    if not seen_any:
        state.status = UNKNOWN
    return state


def same_place(states: Iterable[MemberState]) -> bool:
    """Whether every member is in custody with one custodian in one facility (both known).

    A separation recorded at a place (the station where the border took the child) is not
    being together there: a member whose last event is ``separated`` is not counted as placed.
    """
    states = list(states)
    if not all(s.in_custody and s.last_type != "separated" for s in states):
        return False
    places = {(s.custodian, s.facility) for s in states}
    return len(places) == 1 and all(next(iter(places)))


def settle_family(
    states: Mapping[str, MemberState], roles: Mapping[str, str]
) -> dict[str, MemberState]:
    """Apply what only the family as a whole can say, and return the settled states.

    - A separation only inferred from a reunification started, at the latest, when the
      family's recorded separation did.
    - Members held together (all in custody, one custodian, one facility) are never
      ``separated``: a separation that ended that way is a reunification. This needs an adult
      among them: siblings held together are still apart from their parent.
    - A child and a parent or guardian ``released`` on the same day from the same custodian
      and facility, to nobody named, left together: the release ends their separation in
      reunification, not in release to someone outside the family.
    - A member who is ``together`` by their own events but whose family member is ``separated``
      is apart from that member: ``separated`` since the same day — and ``released`` if they
      were since let go to someone named (a sponsor).
    """
    settled = {key: _copy(state) for key, state in states.items()}
    recorded = [s.separated_since for s in settled.values()
                if s.separated_since and not s.separation_inferred]
    for state in settled.values():
        if state.separation_inferred and recorded and min(recorded) < state.separated_since:
            state.separated_since = min(recorded)
    # Children held together are still apart from the carer nobody found: only a family with a
    # carer can be together again.
    has_carer = any(role != "child" for role in roles.values())
    if len(settled) > 1 and has_carer and same_place(settled.values()):
        for state in settled.values():
            if state.status == SEPARATED:
                _move(state, REUNIFIED, state.last_seen or state.since)
        return settled
    _released_together(settled, roles)
    apart = [s for s in settled.values() if s.status == SEPARATED]
    if not apart:
        return settled
    start = min(s.separated_since or s.since for s in apart if (s.separated_since or s.since))
    for state in settled.values():
        if state.status == TOGETHER:
            _move(state, SEPARATED, start)
            state.separated_since = start
            state.separation_ended = None
            if not state.in_custody and state.custodian and state.left_on and (
                state.left_on >= start
            ):
                # Let go to someone named (a sponsor) after the family's separation began.
                _move(state, RELEASED, state.left_on)
    return settled


def _released_together(settled: dict[str, MemberState], roles: Mapping[str, str]) -> None:
    def left(state: MemberState) -> tuple | None:
        # Left custody to nobody named (a removal is not leaving together).
        if state.in_custody or state.custodian or not state.left_from[0]:
            return None
        if state.status not in {RELEASED, REUNIFIED, TOGETHER}:
            return None
        return (state.left_on, state.left_from)

    carers = {left(s) for k, s in settled.items() if roles.get(k) in CARER_ROLES} - {None}
    children = {left(s) for k, s in settled.items() if roles.get(k) == "child"} - {None}
    together = carers & children
    for key, state in settled.items():
        if state.status == RELEASED and roles.get(key) in CARER_ROLES | {"child"} and (
            left(state) in together
        ):
            _move(state, REUNIFIED, state.left_on)


def _copy(state: MemberState) -> MemberState:
    return replace(state, path=list(state.path))


def _move(state: MemberState, status: str, day: dt.date | None) -> None:
    if status == state.status:
        return
    if status not in ALLOWED[state.status]:
        raise ValueError(f"{state.status} → {status} is not an allowed move")
    if state.status == SEPARATED and status in ENDS_SEPARATION:
        state.separation_ended = day
    state.status = status
    state.since = day
    if day is not None:
        state.path.append((day, status))
