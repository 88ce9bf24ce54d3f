"""Custody timelines: all sources in order, one event per happening, current holder, gaps."""

from __future__ import annotations

import datetime as dt

import pytest

from family_store import StoreBuilder
from reunify.queries.timeline import person_timeline

pytestmark = pytest.mark.django_db


def test_events_from_all_records_in_order_and_duplicates_merged():
    """The same transfer reported by two sources is one event naming both; order is by time."""
    store = StoreBuilder()
    child = store.person("border", "b1", given="Ana", family="Ruiz", birth_date="2014")
    store.person("shelter", "s1", same_as=child, given="Ana", family="Ruiz", birth_date="2014")
    store.event("border", "b1", "apprehended", "2018-05-01", custodian="CBP", facility="Ursula",
                event_id="e1")
    store.event("border", "b1", "separated", "2018-05-03", custodian="ORR", facility="Casa A",
                event_id="e2")
    store.event("shelter", "s1", "separated", "2018-05-03", custodian="orr",
                facility="Casa A", event_id="x7", hour=18)
    store.event("shelter", "s1", "placed", "2018-05-04", custodian="ORR", facility="Casa B",
                event_id="x8")
    timeline = person_timeline(child.pk)
    assert [e.type for e in timeline.events] == ["apprehended", "separated", "placed"]
    assert timeline.events[1].sources == [("border", "e2"), ("shelter", "x7")]
    assert (timeline.custodian, timeline.facility) == ("ORR", "Casa B")
    assert timeline.gaps == []


def test_same_day_different_custodians_stay_two_events():
    """Two reports of one type on one day with different custodians are two events."""
    store = StoreBuilder()
    p = store.person("detention", "d1", given="Rosa", family="Gómez", birth_date="1985")
    store.event("detention", "d1", "transferred", "2018-05-01", custodian="ICE")
    store.event("detention", "d1", "transferred", "2018-05-01", custodian="USMS", hour=15)
    assert len(person_timeline(p.pk).events) == 2


def test_gap_after_event_naming_no_custodian():
    """Released to nobody named, then detained again: the days between are a gap."""
    store = StoreBuilder()
    p = store.person("detention", "d1", given="Rosa", family="Gómez", birth_date="1985")
    store.event("detention", "d1", "detained", "2018-05-01", custodian="ICE")
    store.event("detention", "d1", "released", "2018-05-10")
    store.event("detention", "d1", "detained", "2018-07-01", custodian="ICE", facility="Otero")
    timeline = person_timeline(p.pk)
    assert [(g.start, g.end) for g in timeline.gaps] == [
        (dt.date(2018, 5, 10), dt.date(2018, 7, 1))]


def test_open_gap_and_as_of_cut():
    """Asked about an earlier day, later events are not seen; an unnamed holder is an open gap."""
    store = StoreBuilder()
    p = store.person("shelter", "s1", given="Ana", family="Ruiz", birth_date="2014")
    store.event("shelter", "s1", "placed", "2018-05-01", custodian="ORR", facility="Casa A")
    store.event("shelter", "s1", "transferred", "2018-06-01")
    store.event("shelter", "s1", "placed", "2018-06-20", custodian="ORR", facility="Casa B")
    timeline = person_timeline(p.pk, as_of=dt.date(2018, 6, 10))
    assert [e.type for e in timeline.events] == ["placed", "transferred"]
    assert [(g.start, g.end) for g in timeline.gaps] == [(dt.date(2018, 6, 1), None)]
    assert timeline.custodian == "ORR"


def test_removal_leaves_no_custodian_and_no_gap():
    """A removal means nobody here holds the person, and that is known: no gap."""
    store = StoreBuilder()
    p = store.person("detention", "d1", given="Rosa", family="Gómez", birth_date="1985")
    store.event("detention", "d1", "detained", "2018-05-01", custodian="ICE", facility="Otero")
    store.event("detention", "d1", "removed", "2018-06-01")
    timeline = person_timeline(p.pk)
    assert (timeline.custodian, timeline.facility, timeline.gaps) == ("", "", [])
