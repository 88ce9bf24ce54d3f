"""The status table: legal moves, how events move a member, and what a family settles."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from reunify.rules.interchange import EVENT_TYPES, STATUSES
from reunify.rules.status import (
    ALLOWED,
    APART,
    EVENT_EFFECTS,
    REJOINED,
    REMOVED,
    RETURNED,
    REUNIFIED,
    SEPARATED,
    TOGETHER,
    UNKNOWN,
    UNTRACED,
    fold_events,
    next_status,
    settle_family,
)

DAY0 = dt.date(2018, 5, 1)


def test_table_covers_every_status_and_only_spec_events():
    """Every spec status has a row of allowed moves; effects name only spec events (and the
    derived ``untraced``, ``returned``, ``apart``, ``rejoined``) and spec statuses."""
    assert set(ALLOWED) == set(STATUSES)
    assert set(EVENT_EFFECTS) <= {*EVENT_TYPES, UNTRACED, RETURNED, APART, REJOINED}
    for effects in EVENT_EFFECTS.values():
        assert set(effects) | set(effects.values()) <= set(STATUSES)


def test_every_event_effect_is_an_allowed_move():
    """No event moves a member along a transition the table does not allow."""
    for effects in EVENT_EFFECTS.values():
        for before, after in effects.items():
            assert after == before or after in ALLOWED[before]


def test_member_without_events_is_unknown():
    """Nobody is known to hold a member with no events."""
    assert fold_events([]).status == UNKNOWN


def test_separation_then_reunification():
    """separated then reunified: status reunified, separation dates kept."""
    state = fold_events([
        (DAY0, "apprehended", "CBP", "Ursula"),
        (DAY0 + dt.timedelta(days=2), "separated", "ORR", "Casa A"),
        (DAY0 + dt.timedelta(days=40), "reunified", "ICE", "Dilley"),
    ])
    assert state.status == REUNIFIED
    assert state.separated_since == DAY0 + dt.timedelta(days=2)
    assert state.separation_ended == DAY0 + dt.timedelta(days=40)
    assert (state.custodian, state.facility) == ("ICE", "Dilley")


def test_release_together_is_together_and_release_after_separation_is_released():
    """Released with the family stays together; released while separated is released."""
    assert next_status(TOGETHER, "released") == TOGETHER
    assert next_status(SEPARATED, "released") == "released"
    assert next_status(REUNIFIED, "released") == REUNIFIED


def test_parent_of_separated_child_is_separated_too():
    """A parent with no separation event of their own is separated from a separated child."""
    parent = [(DAY0, "detained", "ICE", "Port Isabel")]
    child = [(DAY0, "separated", "ORR", "Casa A")]
    settled = settle_family({"p": parent, "c": child}, {"p": "parent", "c": "child"})
    assert settled["p"].status == SEPARATED
    assert settled["p"].separated_since == DAY0


def test_untraced_transfer_is_unknown_and_a_release_to_nobody_recorded_is_a_release():
    """Moved to nowhere: whereabouts unknown. Released with no recipient recorded, with or
    without an authority: a release (spec 1.1: a blank custodian means the recipient was not
    recorded); released to a parent: reunified."""
    sep = (DAY0, "separated", "CBP", "Ursula", "memo")
    released = fold_events([sep, (DAY0 + dt.timedelta(days=9), "released", "", "", "")])
    moved = fold_events([sep, (DAY0 + dt.timedelta(days=9), "transferred", "", "", "")])
    assert (released.status, moved.status) == ("released", UNKNOWN)
    assert (moved.custodian, moved.in_custody) == ("", False)
    on_bond = fold_events([sep, (DAY0 + dt.timedelta(days=9), "released", "", "", "parole")])
    assert on_bond.status == "released"
    to_parent = fold_events([sep, (DAY0 + dt.timedelta(days=9), "discharged", "Parent", "", "")])
    assert (to_parent.status, to_parent.in_custody) == (REUNIFIED, False)


def test_members_at_the_station_where_they_were_separated_are_not_together():
    """The separation event names the station for everyone; that is not a reunion."""
    parent = [(DAY0, "separated", "CBP", "Ursula", "memo")]
    child = [(DAY0, "separated", "CBP", "Ursula", "memo")]
    settled = settle_family({"p": parent, "c": child}, {"p": "parent", "c": "child"})
    assert {s.status for s in settled.values()} == {SEPARATED}


def test_parent_and_child_released_together_from_one_place_are_reunified():
    """Separated, then both let go on one day from one family centre: reunified, not released;
    two siblings discharged together to a sponsor stay released."""
    day = DAY0 + dt.timedelta(days=30)
    out = day + dt.timedelta(days=3)

    def member(custodian="", extra=()):
        return [(DAY0, "separated", "CBP", "Ursula", "memo"),
                (day, "detained", "ICE", "Dilley", "INA"), *extra,
                (out, "released", custodian, "", "Flores")]

    settled = settle_family({"p": member(), "c": member()}, {"p": "parent", "c": "child"})
    assert {s.status for s in settled.values()} == {REUNIFIED}
    assert settled["c"].since == out
    siblings = settle_family({"a": member("sponsor"), "b": member("sponsor")},
                             {"a": "child", "b": "child"})
    assert {s.status for s in siblings.values()} == {"released"}


def test_siblings_held_together_without_a_parent_stay_separated():
    """Two separated children placed in one shelter, no parent found: still separated."""
    kids = {k: [(DAY0, "separated", "CBP", "Ursula", "memo"),
                (DAY0 + dt.timedelta(days=2), "placed", "ORR", "Casa A", "TVPRA")]
            for k in ("a", "b")}
    settled = settle_family(kids, {"a": "child", "b": "child"})
    assert {s.status for s in settled.values()} == {SEPARATED}


def test_reunification_without_a_recorded_separation_implies_one():
    """A record that only says "placed, then reunified" proves a separation; its start is the
    family's recorded separation when there is one, else the member's first event."""
    alone = [(DAY0 + dt.timedelta(days=2), "placed", "ORR", "Casa A", "TVPRA"),
             (DAY0 + dt.timedelta(days=30), "reunified", "ICE", "Dilley", "Ms. L.")]
    own = fold_events(alone)
    assert own.status == REUNIFIED
    assert own.separated_since == DAY0 + dt.timedelta(days=2)
    assert own.separation_ended == DAY0 + dt.timedelta(days=30)
    parent = [(DAY0, "separated", "CBP", "Ursula", "memo"),
              (DAY0 + dt.timedelta(days=30), "reunified", "ICE", "Dilley", "Ms. L.")]
    settled = settle_family({"p": parent, "c": alone}, {"p": "parent", "c": "child"})
    assert settled["c"].separated_since == DAY0


def test_member_let_go_to_a_sponsor_while_the_family_is_apart_is_released():
    """A child record that shows only a placement and a discharge to a sponsor, in a family
    whose parent is separated, is released (after being separated), not still separated."""
    parent = [(DAY0, "separated", "CBP", "Ursula", "memo"),
              (DAY0 + dt.timedelta(days=3), "detained", "ICE", "Port Isabel", "INA")]
    child = [(DAY0 + dt.timedelta(days=1), "placed", "ORR", "Casa A", "TVPRA"),
             (DAY0 + dt.timedelta(days=50), "discharged", "sponsor", "", "TVPRA")]
    settled = settle_family({"p": parent, "c": child}, {"p": "parent", "c": "child"})
    assert settled["c"].status == "released"
    assert settled["c"].separated_since == DAY0
    assert settled["c"].since == DAY0 + dt.timedelta(days=50)
    assert settled["p"].status == SEPARATED


def test_removed_parent_stays_removed():
    """A removed parent of a separated child is removed, not separated."""
    parent = [(DAY0, "detained", "ICE", "X"), (DAY0 + dt.timedelta(days=5), "removed", "", "")]
    child = [(DAY0, "separated", "ORR", "Casa A")]
    settled = settle_family({"p": parent, "c": child}, {"p": "parent", "c": "child"})
    assert settled["p"].status == REMOVED
    assert settled["c"].status == SEPARATED


_places = st.sampled_from([("CBP", "Ursula"), ("ICE", "Dilley"), ("ORR", "Casa A"), ("", "")])
_events = st.lists(
    st.tuples(st.integers(0, 60), st.sampled_from(EVENT_TYPES), _places), max_size=12,
)
_authorities = st.sampled_from(["", "8 USC 1325"])


def _history(raw, authority="8 USC 1325"):
    ordered = sorted(raw, key=lambda e: e[0])
    return [(DAY0 + dt.timedelta(days=d), t, c, f, authority) for d, t, (c, f) in ordered]


def _fold(raw, authority="8 USC 1325"):
    return fold_events(_history(raw, authority))


@settings(max_examples=200, deadline=None)
@given(st.lists(_events, min_size=2, max_size=4), _places.filter(lambda p: p[0]))
def test_family_sharing_custodian_and_facility_is_never_separated(histories, place):
    """Whatever happened before, a parent and children all held by one custodian in one
    facility are never ``separated``."""
    custodian, facility = place
    states = {}
    for i, history in enumerate(histories):
        last_day = max((d for d, _t, _p in history), default=0) + 1
        states[i] = _history([*history, (last_day, "transferred", (custodian, facility))])
    roles = {i: "parent" if i == 0 else "child" for i in states}
    settled = settle_family(states, roles)
    assert all(s.status != SEPARATED for s in settled.values())


@settings(max_examples=300, deadline=None)
@given(_events, _events)
def test_reunified_stays_reunified_until_a_new_separation(before, after):
    """After a reunification, the member is reunified until a separation or removal event."""
    history = [*before, (61, "reunified", ("ICE", "Dilley"))]
    later = [(62 + d, t, p) for d, t, p in after]
    state = _fold([*history, *later])
    kinds = {t for _d, t, _p in later}
    if not kinds & {"separated", "removed"}:
        assert state.status == REUNIFIED
    path_after = [s for day, s in state.path if day >= DAY0 + dt.timedelta(days=61)]
    for previous, current in itertools.pairwise(path_after):
        if previous == REUNIFIED:
            assert current in {SEPARATED, REMOVED}


@settings(max_examples=300, deadline=None)
@given(_events, _authorities)
def test_every_step_of_a_path_is_allowed(history, authority):
    """Folding any sequence of events only ever makes moves the table allows."""
    state = _fold(history, authority)
    for (_d1, a), (_d2, b) in itertools.pairwise(state.path):
        assert b in ALLOWED[a]


_calm = st.lists(
    st.tuples(st.integers(0, 60),
              st.sampled_from([t for t in EVENT_TYPES if t not in {"separated", "removed"}]),
              _places),
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_events, min_size=2, max_size=3), st.lists(_calm, min_size=3, max_size=3),
       _authorities)
def test_reunified_family_stays_reunified_after_settling(before, after, authority):
    """A family all reunified on one day stays reunified, settled as a family, whatever
    follows short of a new separation or a removal."""
    states = {}
    roles = {}
    for i, history in enumerate(before):
        later = [(62 + d, t, p) for d, t, p in after[i]]
        states[i] = _history([*history, (61, "reunified", ("ICE", "Dilley")), *later],
                             authority)
        roles[i] = "parent" if i == 0 else "child"
    settled = settle_family(states, roles)
    assert {s.status for s in settled.values()} == {REUNIFIED}


D = dt.timedelta(days=1)


def test_separation_on_the_parents_record_and_removal_leave_the_child_separated():
    """Separation written on the parent's record only, the parent then removed, the child
    still in a shelter: the child is ``separated`` from the parent's separation on, the parent
    ``removed`` (spec 1.1, "How events are read")."""
    parent = [(DAY0, "apprehended", "CBP", "Ursula"), (DAY0, "separated", "CBP", "Ursula"),
              (DAY0 + 3 * D, "detained", "ICE", "Port Isabel"),
              (DAY0 + 40 * D, "removed", "", "")]
    child = [(DAY0, "apprehended", "CBP", "Ursula"), (DAY0 + 2 * D, "placed", "ORR", "Casa A")]
    settled = settle_family({"p": parent, "c": child}, {"p": "parent", "c": "child"})
    assert settled["c"].status == SEPARATED
    assert settled["c"].separated_since == DAY0
    assert (settled["c"].custodian, settled["c"].facility) == ("ORR", "Casa A")
    assert settled["p"].status == REMOVED


def test_a_removal_with_no_separation_written_anywhere_separates_the_child_left_behind():
    """No record writes a separation, but the parent is removed while the child is held: the
    child is separated from the day of the removal; the parent is removed."""
    parent = [(DAY0, "detained", "ICE", "Dilley"), (DAY0 + 20 * D, "removed", "", "")]
    child = [(DAY0, "detained", "ICE", "Dilley"), (DAY0 + 5 * D, "placed", "ORR", "Casa A")]
    settled = settle_family({"p": parent, "c": child}, {"p": "parent", "c": "child"})
    assert (settled["c"].status, settled["c"].separated_since) == (SEPARATED, DAY0 + 20 * D)
    assert settled["p"].status == REMOVED


def test_a_reunification_written_on_one_members_record_reunifies_the_family():
    """Reunified written on the child's record only (or the parent's only): both members are
    reunified on that day, whichever record carries it."""
    sep = (DAY0, "separated", "CBP", "Ursula")
    parent = [sep, (DAY0 + 3 * D, "detained", "ICE", "Port Isabel")]
    child = [sep, (DAY0 + 2 * D, "placed", "ORR", "Casa A")]
    back = (DAY0 + 30 * D, "reunified", "ICE", "Dilley")
    for roles_with_event in ("c", "p"):
        histories = {"p": list(parent), "c": list(child)}
        histories[roles_with_event].append(back)
        settled = settle_family(histories, {"p": "parent", "c": "child"})
        assert {s.status for s in settled.values()} == {REUNIFIED}, roles_with_event
        assert {s.since for s in settled.values()} == {DAY0 + 30 * D}


def test_a_child_held_after_the_parents_recorded_reunification_stays_separated_and_flagged():
    """The parent's record says reunified, the child's shows a transfer between shelters
    afterwards: the register keeps what custody shows (the child separated) and marks the
    contradiction on both."""
    sep = (DAY0, "separated", "CBP", "Ursula")
    parent = [sep, (DAY0 + 30 * D, "reunified", "ICE", "Dilley")]
    child = [sep, (DAY0 + 2 * D, "placed", "ORR", "Casa A"),
             (DAY0 + 35 * D, "transferred", "ORR", "Casa B")]
    settled = settle_family({"p": parent, "c": child}, {"p": "parent", "c": "child"})
    assert settled["c"].status == SEPARATED
    assert settled["c"].contradiction
    assert settled["p"].contradiction


def test_members_released_days_apart_from_one_place_left_together():
    """A parent and child released from one family centre to nobody named, one source three
    days behind the other: they left together, reunified."""
    sep = (DAY0, "separated", "CBP", "Ursula")
    parent = [sep, (DAY0 + 30 * D, "detained", "ICE", "Dilley"),
              (DAY0 + 40 * D, "released", "", "")]
    child = [sep, (DAY0 + 31 * D, "detained", "ICE", "Dilley"),
             (DAY0 + 43 * D, "released", "", "")]
    settled = settle_family({"p": parent, "c": child}, {"p": "parent", "c": "child"})
    assert {s.status for s in settled.values()} == {REUNIFIED}
