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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from reunify.rules.interchange import EVENT_TYPES, STATUSES

K = TypeVar("K")
#: Same-day events are read in the order a custody naturally runs (apprehended before
#: separated, separated before placed…), whatever order their files list them in.
_ORDER = {t: i for i, t in enumerate(EVENT_TYPES)}
_ORDER.update(apart=_ORDER["separated"], rejoined=_ORDER["reunified"])

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

#: A transfer that names neither a custodian nor a facility: the trail goes cold. Not a spec
#: event type; ``effective_type`` derives it from what was written.
UNTRACED = "untraced"
EVENT_EFFECTS[UNTRACED] = {SEPARATED: UNKNOWN}

#: A release whose recipient is a parent or guardian: the person is back with their family.
#: Derived by ``effective_type`` like ``untraced``.
RETURNED = "returned"
EVENT_EFFECTS[RETURNED] = {SEPARATED: REUNIFIED, RELEASED: REUNIFIED, UNKNOWN: REUNIFIED}
#: Recipients (``custodian`` of a release, folded) that are the person's own family.
FAMILY_RECIPIENTS = frozenset({"parent", "guardian"})

#: What a member's own records do not say but a family member's do: the family came apart
#: (``apart``), or came together again (``rejoined``). ``settle_family`` adds them to a
#: member's history; they move the status like ``separated`` and ``reunified`` and say
#: nothing of custody.
APART, REJOINED = "apart", "rejoined"
EVENT_EFFECTS[APART] = EVENT_EFFECTS["separated"]
EVENT_EFFECTS[REJOINED] = EVENT_EFFECTS["reunified"]
_STATUS_ONLY = frozenset({APART, REJOINED})

#: Event types after which the person is out of custody (nobody holds them any more).
LEAVES_CUSTODY = frozenset({"released", "discharged", "removed", UNTRACED, RETURNED})
#: Of those, the ones that say nothing of who has the person now.
_NOBODY_NAMED = frozenset({"removed", UNTRACED})

#: Two sources' records of one move (a reunification, a release together) may lag each other
#: by this many days and still be read as one.
LAG_DAYS = 14

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

    A ``released`` or ``discharged`` whose recipient (``custodian``) is a parent or guardian
    returns the person to their family: ``returned``. Any other release is a release, whether
    its recipient was recorded or not (the spec: a blank ``custodian`` means the recipient was
    not recorded, not that nobody knows the person left). A ``transferred`` naming no custodian
    and no facility says that nobody knows where the person went: ``untraced``.
    ``authority`` is accepted for the callers' convenience; no reading depends on it.
    """
    del authority
    if event_type in {"released", "discharged"} and custodian.strip().casefold() in (
        FAMILY_RECIPIENTS
    ):
        return RETURNED
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
    #: The member's own records contradict a family member's: a carer recorded reunified
    #: while this child is still held apart (the register keeps what custody shows).
    contradiction: bool = False
    #: Where the member was last recorded reunified: (custodian, facility).
    reunited_at: tuple[str, str] = ("", "")


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
            if after == REUNIFIED and etype != REJOINED:
                state.reunited_at = (custodian, facility)
        if etype in _STATUS_ONLY:
            continue
        if etype in LEAVES_CUSTODY:
            if state.in_custody:
                state.left_on, state.left_from = day, (state.custodian, state.facility)
            state.in_custody = False
            state.custodian = custodian if etype not in _NOBODY_NAMED else ""
            state.facility = facility if etype not in _NOBODY_NAMED else ""
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


#: One member's history as ``fold_events`` takes it: (day, type, custodian, facility[, authority]).
History = Sequence[tuple]


def settle_family(
    histories: Mapping[K, History], roles: Mapping[K, str], *,
    apart_from: Mapping[K, dt.date] | None = None,
) -> dict[K, MemberState]:
    """Each member's state, read with the rest of the family; see docs/families.md.

    A source may write a separation or a reunification on one member's record or on every
    member's, and one source's records may lag another's by days: the family's states come
    out the same either way (spec 1.1, "How events are read").

    - The family came apart on the earliest separation any member's records show. A member
      whose own records write no separation is separated from that day too, and their own
      later events (a release to a sponsor, a removal) move them on from there. Where no
      separation is written at all, a carer removed from the country while a child is not
      leaves the child separated from the day of the removal; and a child who came with a
      carer nobody found is separated from the day ``apart_from`` gives (the first day a
      custodian of minors only held them), if any.
    - A separation only inferred from a reunification started, at the latest, when the
      family's recorded separation did.
    - A reunification written on a carer's record reunifies the separated children with them,
      and one on a child's record the carers — unless the other member's own records show
      them still held elsewhere afterwards: then the register keeps what custody shows and
      marks the ``contradiction``. A member who left custody to a recipient nobody recorded,
      from where the family was reunified or within ``LAG_DAYS`` of it, left reunified.
    - Members held together (all in custody, one custodian, one facility) are never
      ``separated``: a separation that ended that way is a reunification. This needs an adult
      among them: siblings held together are still apart from their parent.
    - A child and a carer released within ``LAG_DAYS`` of each other from the same custodian
      and facility, to nobody named, left together: reunified, not released.
    """
    lists = {key: list(history) for key, history in histories.items()}
    own = {key: fold_events(history) for key, history in lists.items()}
    start, removal = _came_apart(own, roles)
    if start is None and apart_from:
        for key, day in apart_from.items():
            if lists.get(key):
                lists[key] = _with(lists[key], (day, APART, "", "", ""))
    if start is not None:
        for key, history in lists.items():
            if not history or any(e[1] == "separated" for e in history):
                continue
            if removal and own[key].status == REMOVED:
                continue  # the carer removed without the child: apart from the removal on
            lists[key] = _with(history, (start, APART, "", "", ""))
    settled = {key: fold_events(history) for key, history in lists.items()}
    recorded = [s.separated_since for s in settled.values()
                if s.separated_since and not s.separation_inferred]
    for state in settled.values():
        if state.separation_inferred and recorded and min(recorded) < state.separated_since:
            state.separated_since = min(recorded)
    _spread_reunions(lists, settled, roles)
    # Children held together are still apart from the carer nobody found: only a family with a
    # carer can be together again.
    has_carer = any(role in CARER_ROLES for role in roles.values())
    if len(settled) > 1 and has_carer and same_place(settled.values()):
        for state in settled.values():
            if state.status == SEPARATED:
                _move(state, REUNIFIED, state.last_seen or state.since)
        return settled
    _released_together(settled, roles)
    return settled


def _came_apart(own: Mapping[K, MemberState], roles: Mapping[K, str]) -> tuple:
    """The day the family came apart, and whether that day is a carer's removal."""
    recorded = [s.separated_since for s in own.values()
                if s.separated_since and not s.separation_inferred]
    if recorded:
        return min(recorded), False
    removed = [s.since for k, s in own.items()
               if roles.get(k) in CARER_ROLES and s.status == REMOVED and s.since]
    left = [s for k, s in own.items() if roles.get(k) == "child" and s.status != REMOVED
            and s.path]
    if removed and left:
        return min(removed), True
    return None, False


def _with(history: list[tuple], event: tuple) -> list[tuple]:
    """The history with one more event, in the order ``fold_events`` reads days."""
    out = [*history, event]
    out.sort(key=lambda e: (e[0], _ORDER.get(e[1], 99)))
    return out


def _spread_reunions(lists: dict, settled: dict, roles: Mapping) -> None:
    """Carry a reunification written on one member's record to the members on the other
    side of the separation (carers ↔ children), in place."""
    for _round in range(3):
        changed = False
        for key, state in list(settled.items()):
            side = _other_side(roles.get(key))
            if state.status not in {SEPARATED, UNKNOWN, RELEASED} or side is None:
                continue
            reunions = [(day, other) for other, o in settled.items()
                        if roles.get(other) in side
                        for day in _reunion_days(o)
                        if state.separated_since is None or day >= state.separated_since]
            if not reunions:
                continue
            day, other = max(reunions, key=lambda r: r[0])
            place = settled[other].reunited_at
            history = lists[key]
            if state.status == RELEASED:
                if state.custodian or not state.left_on or not (
                    state.left_from == place or abs((state.left_on - day).days) <= LAG_DAYS
                ):
                    continue
            elif any(e[0] > day and e[1] not in _NOT_HOLDING and (e[2], e[3]) != place
                     for e in history):
                if roles.get(key) == "child":
                    state.contradiction = settled[other].contradiction = True
                continue
            when = min(day, state.left_on) if state.status == RELEASED else day
            lists[key] = _with(history, (when, REJOINED, *place, ""))
            contradiction = state.contradiction
            settled[key] = fold_events(lists[key])
            settled[key].contradiction = contradiction
            changed = True
        if not changed:
            return


#: Events that do not show a person still held somewhere.
_NOT_HOLDING = frozenset({"released", "discharged", "removed", "reunified"})


def _other_side(role: str | None) -> frozenset[str] | None:
    if role == "child":
        return CARER_ROLES
    if role in CARER_ROLES:
        return frozenset({"child"})
    return None


def _reunion_days(state: MemberState) -> list[dt.date]:
    return [day for (day, status) in state.path[1:] if status == REUNIFIED]


def _released_together(settled: dict, roles: Mapping) -> None:
    def left(state: MemberState) -> tuple | None:
        # Left custody to nobody named (a removal is not leaving together).
        if state.in_custody or state.custodian or not state.left_from[0]:
            return None
        if state.status not in {RELEASED, REUNIFIED, TOGETHER}:
            return None
        return (state.left_on, state.left_from)

    carers = [left(s) for k, s in settled.items() if roles.get(k) in CARER_ROLES]
    carers = [c for c in carers if c is not None]
    for key, state in settled.items():
        mine = left(state)
        if state.status != RELEASED or mine is None or roles.get(key) not in (
            CARER_ROLES | {"child"}
        ):
            continue
        others = carers if roles.get(key) == "child" else [
            left(s) for k, s in settled.items() if roles.get(k) == "child"]
        if any(o is not None and o[1] == mine[1] and abs((o[0] - mine[0]).days) <= LAG_DAYS
               for o in others):
            _move(state, REUNIFIED, state.left_on)


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
