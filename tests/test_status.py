"""The status table: legal moves, how events move a member, and what a family settles."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from reunify.rules.interchange import EVENT_TYPES, STATUSES
from reunify.rules.status import (
    ALLOWED,
    EVENT_EFFECTS,
    REMOVED,
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
    derived ``untraced``) and spec statuses."""
    assert set(ALLOWED) == set(STATUSES)
    assert set(EVENT_EFFECTS) <= {*EVENT_TYPES, UNTRACED}
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
    parent = fold_events([(DAY0, "detained", "ICE", "Port Isabel")])
    child = fold_events([(DAY0, "separated", "ORR", "Casa A")])
    settled = settle_family({"p": parent, "c": child}, {"p": "parent", "c": "child"})
    assert settled["p"].status == SEPARATED
    assert settled["p"].separated_since == DAY0


def test_untraced_release_or_transfer_makes_a_separated_member_unknown():
    """Released to nobody under no authority, or moved to nowhere: whereabouts unknown."""
    sep = (DAY0, "separated", "CBP", "Ursula", "memo")
    released = fold_events([sep, (DAY0 + dt.timedelta(days=9), "released", "", "", "")])
    moved = fold_events([sep, (DAY0 + dt.timedelta(days=9), "transferred", "", "", "")])
    assert (released.status, moved.status) == (UNKNOWN, UNKNOWN)
    assert (moved.custodian, moved.in_custody) == ("", False)
    on_bond = fold_events([sep, (DAY0 + dt.timedelta(days=9), "released", "", "", "parole")])
    assert on_bond.status == "released"


def test_members_at_the_station_where_they_were_separated_are_not_together():
    """The separation event names the station for everyone; that is not a reunion."""
    parent = fold_events([(DAY0, "separated", "CBP", "Ursula", "memo")])
    child = fold_events([(DAY0, "separated", "CBP", "Ursula", "memo")])
    settled = settle_family({"p": parent, "c": child}, {"p": "parent", "c": "child"})
    assert {s.status for s in settled.values()} == {SEPARATED}


def test_parent_and_child_released_together_from_one_place_are_reunified():
    """Separated, then both let go on one day from one family centre: reunified, not released;
    two siblings discharged together to a sponsor stay released."""
    day = DAY0 + dt.timedelta(days=30)
    out = day + dt.timedelta(days=3)

    def member(custodian="", extra=()):
        return fold_events([(DAY0, "separated", "CBP", "Ursula", "memo"),
                            (day, "detained", "ICE", "Dilley", "INA"), *extra,
                            (out, "released", custodian, "", "Flores")])

    settled = settle_family({"p": member(), "c": member()}, {"p": "parent", "c": "child"})
    assert {s.status for s in settled.values()} == {REUNIFIED}
    assert settled["c"].since == out
    siblings = settle_family({"a": member("sponsor"), "b": member("sponsor")},
                             {"a": "child", "b": "child"})
    assert {s.status for s in siblings.values()} == {"released"}


def test_siblings_held_together_without_a_parent_stay_separated():
    """Two separated children placed in one shelter, no parent found: still separated."""
    kids = {k: fold_events([(DAY0, "separated", "CBP", "Ursula", "memo"),
                            (DAY0 + dt.timedelta(days=2), "placed", "ORR", "Casa A", "TVPRA")])
            for k in ("a", "b")}
    settled = settle_family(kids, {"a": "child", "b": "child"})
    assert {s.status for s in settled.values()} == {SEPARATED}


def test_reunification_without_a_recorded_separation_implies_one():
    """A record that only says "placed, then reunified" proves a separation; its start is the
    family's recorded separation when there is one, else the member's first event."""
    alone = fold_events([(DAY0 + dt.timedelta(days=2), "placed", "ORR", "Casa A", "TVPRA"),
                         (DAY0 + dt.timedelta(days=30), "reunified", "ICE", "Dilley", "Ms. L.")])
    assert alone.status == REUNIFIED
    assert alone.separated_since == DAY0 + dt.timedelta(days=2)
    assert alone.separation_ended == DAY0 + dt.timedelta(days=30)
    parent = fold_events([(DAY0, "separated", "CBP", "Ursula", "memo"),
                          (DAY0 + dt.timedelta(days=30), "reunified", "ICE", "Dilley", "Ms. L.")])
    settled = settle_family({"p": parent, "c": alone}, {"p": "parent", "c": "child"})
    assert settled["c"].separated_since == DAY0


def test_member_let_go_to_a_sponsor_while_the_family_is_apart_is_released():
    """A child record that shows only a placement and a discharge to a sponsor, in a family
    whose parent is separated, is released (after being separated), not still separated."""
    parent = fold_events([(DAY0, "separated", "CBP", "Ursula", "memo"),
                          (DAY0 + dt.timedelta(days=3), "detained", "ICE", "Port Isabel", "INA")])
    child = fold_events([(DAY0 + dt.timedelta(days=1), "placed", "ORR", "Casa A", "TVPRA"),
                         (DAY0 + dt.timedelta(days=50), "discharged", "sponsor", "", "TVPRA")])
    settled = settle_family({"p": parent, "c": child}, {"p": "parent", "c": "child"})
    assert settled["c"].status == "released"
    assert settled["c"].separated_since == DAY0
    assert settled["c"].since == DAY0 + dt.timedelta(days=50)
    assert settled["p"].status == SEPARATED


def test_removed_parent_stays_removed():
    """A removed parent of a separated child is removed, not separated."""
    parent = fold_events([(DAY0, "detained", "ICE", "X"),
                          (DAY0 + dt.timedelta(days=5), "removed", "", "")])
    child = fold_events([(DAY0, "separated", "ORR", "Casa A")])
    settled = settle_family({"p": parent, "c": child}, {"p": "parent", "c": "child"})
    assert settled["p"].status == REMOVED
    assert settled["c"].status == SEPARATED


_places = st.sampled_from([("CBP", "Ursula"), ("ICE", "Dilley"), ("ORR", "Casa A"), ("", "")])
_events = st.lists(
    st.tuples(st.integers(0, 60), st.sampled_from(EVENT_TYPES), _places), max_size=12,
)
_authorities = st.sampled_from(["", "8 USC 1325"])


def _fold(raw, authority="8 USC 1325"):
    ordered = sorted(raw, key=lambda e: e[0])
    return fold_events((DAY0 + dt.timedelta(days=d), t, c, f, authority)
                       for d, t, (c, f) in ordered)


@settings(max_examples=200, deadline=None)
@given(st.lists(_events, min_size=2, max_size=4), _places.filter(lambda p: p[0]))
def test_family_sharing_custodian_and_facility_is_never_separated(histories, place):
    """Whatever happened before, a parent and children all held by one custodian in one
    facility are never ``separated``."""
    custodian, facility = place
    states = {}
    for i, history in enumerate(histories):
        last_day = max((d for d, _t, _p in history), default=0) + 1
        states[i] = _fold([*history, (last_day, "transferred", (custodian, facility))])
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
        states[i] = _fold([*history, (61, "reunified", ("ICE", "Dilley")), *later], authority)
        roles[i] = "parent" if i == 0 else "child"
    settled = settle_family(states, roles)
    assert {s.status for s in settled.values()} == {REUNIFIED}
