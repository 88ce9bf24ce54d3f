"""A family's intervals are computed from each day's prefix of its members' events, reading
once what does not depend on the day (who came with an adult nobody found and was first held
by a custodian of minors only; members who may be one person): they give, day by day, the
standing computed afresh from the events up to that day. Pure: no store."""

from __future__ import annotations

import datetime as dt

from reunify.queries.families import FamilyView, PersonFacts
from reunify.queries.register_intervals import family_intervals
from reunify.queries.standing import Inputs, family_standing, held_apart
from reunify.queries.timeline import TimelineEvent


def _event(day: dt.date, etype: str, source: str, custodian: str = "", facility: str = ""):
    at = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
    return TimelineEvent(at, etype, custodian, facility, [(source, f"{source}-{day}-{etype}")])


D = dt.date(2018, 5, 1)


def _unlinked_family() -> tuple[FamilyView, Inputs]:
    """Two children who came with an adult nobody found; a shelter of minors only ("orr")
    holds the first from day 5 and the second from day 12."""
    family = FamilyView(1, ["unlinked_child"], {10: "child", 11: "child"}, set(), 7)
    events = {
        10: [_event(D, "apprehended", "cbp", "CBP", "Station A"),
             _event(D + dt.timedelta(days=5), "transferred", "orr", "ORR", "Shelter B"),
             _event(D + dt.timedelta(days=40), "released", "orr", "sponsor", "")],
        11: [_event(D + dt.timedelta(days=2), "apprehended", "cbp", "CBP", "Station A"),
             _event(D + dt.timedelta(days=12), "transferred", "orr", "ORR", "Shelter C")],
    }
    facts = {10: PersonFacts("Ana López", "2012-03-04"), 11: PersonFacts("Ana López", "2012")}
    return family, Inputs(events, facts, None, frozenset({"orr"}))


def test_held_apart_is_each_childs_first_day_with_a_custodian_of_minors_only():
    """For a family flagged ``unlinked_child``: each child's first day in a minors-only
    source's hands; for any other family, or with no such source, nothing."""
    family, inputs = _unlinked_family()
    assert held_apart(family, inputs) == {10: D + dt.timedelta(days=5),
                                          11: D + dt.timedelta(days=12)}
    linked = FamilyView(1, [], {10: "child", 11: "child"}, set(), 7)
    assert held_apart(linked, inputs) is None
    assert held_apart(family, Inputs(inputs.events, inputs.facts, None)) is None


def test_intervals_are_the_standing_computed_afresh_from_each_days_events():
    """Every day from before the first event to after the deadlines run out: the interval
    that covers the day holds the standing computed from the events on or before it alone."""
    family, inputs = _unlinked_family()
    rows = family_intervals(family, inputs)
    assert {r["person"] for r in rows} == {10, 11}
    day = D
    while day <= D + dt.timedelta(days=200):
        prefix = Inputs({p: [e for e in evs if e.day <= day] for p, evs in inputs.events.items()},
                        inputs.facts, inputs.contacts, inputs.minors_only)
        afresh = family_standing(family, day, prefix)
        for person, standing in afresh.items():
            (row,) = [r for r in rows if r["person"] == person and r["start"] <= day < r["until"]]
            assert (row["status"], row["separated_since"], row["flags"].split(";") if
                    row["flags"] else []) == (standing.status, standing.separated_since,
                                              standing.flags), (day, person)
        day += dt.timedelta(days=1)
    # The prefix matters: the second child is apart only from its own day with the shelter.
    second = [r for r in rows if r["person"] == 11]
    assert second[0]["separated_since"] is None
    assert any(r["separated_since"] == D + dt.timedelta(days=12) for r in second)
