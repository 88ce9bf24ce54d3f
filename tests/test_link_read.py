"""What the linker reads of each record's custody from the store (reunify.models.linkage)."""

from __future__ import annotations

import datetime as dt

import pytest

from family_store import StoreBuilder
from reunify.models.linkage import linkage_records

pytestmark = pytest.mark.django_db


def test_a_records_seen_span_is_the_days_of_its_first_and_last_events():
    """``seen_from`` and ``seen_to`` are the days (dates, not moments) of a record's first
    and last events, whatever the hours; a record without events has neither."""
    store = StoreBuilder()
    store.person("border", "a", given="Ana", family="Ruiz")
    store.person("border", "b", given="Luis", family="Ruiz")
    store.event("border", "a", "apprehended", "2018-06-03", hour=23)
    store.event("border", "a", "transferred", "2018-06-01", hour=0)
    store.event("border", "a", "placed", "2018-06-20", hour=1)
    by_id = {r["record_id"]: r for r in linkage_records()}
    assert (by_id["a"]["seen_from"], by_id["a"]["seen_to"]) == (dt.date(2018, 6, 1),
                                                                 dt.date(2018, 6, 20))
    assert type(by_id["a"]["seen_from"]) is dt.date
    assert (by_id["b"]["seen_from"], by_id["b"]["seen_to"]) == (None, None)
    assert linkage_records([("border", "a")])[0]["seen_to"] == dt.date(2018, 6, 20)


def test_a_records_facility_is_the_one_its_first_event_naming_one_names():
    """``facility`` is the facility of the record's earliest event that names one (an event
    without one, earlier, is passed over; the order written does not matter); a record whose
    events name none, or without events, has ``""``."""
    store = StoreBuilder()
    for record_id in ("a", "b", "c"):
        store.person("border", record_id, given="Ana", family="Ruiz")
    store.event("border", "a", "transferred", "2018-06-09", facility="Port Isabel")
    store.event("border", "a", "released", "2018-06-01", hour=0)
    store.event("border", "a", "apprehended", "2018-06-03", facility="McAllen Station")
    store.event("border", "b", "released", "2018-06-03")
    by_id = {r["record_id"]: r for r in linkage_records()}
    assert by_id["a"]["facility"] == "McAllen Station"
    assert by_id["b"]["facility"] == by_id["c"]["facility"] == ""
    assert linkage_records([("border", "a")])[0]["facility"] == "McAllen Station"
