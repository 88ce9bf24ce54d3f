"""The register as of any day read from stored status intervals (issue #14 item 4): the same,
row for row, as the register computed afresh for that day — before, during and after a
simulated season, whichever convention its sources write events in — and an incremental
update after an upload gives the intervals computed afresh."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from reunify.actions.family import build_families
from reunify.actions.ingest import ingest_paths
from reunify.models import EventRecord
from reunify.queries import register_store
from reunify.queries.register import headline, register_rows
from reunify.queries.register_intervals import END, register_intervals
from reunify.reports import register as stored
from reunify.simulator import simulate


@pytest.fixture
def season(db, tmp_path):
    """A small simulated season in mixed conventions, ingested (with its persons) and its
    families built; returns (first event day, last event day)."""
    batch = tmp_path / "season"
    simulate(batch, families=25, seed=15, conventions="mixed")
    ingest_paths([batch], actor="clerk")
    build_families(actor="clerk")
    days = [at.date() for at in EventRecord.objects.values_list("at", flat=True)]
    return min(days), max(days)


def test_every_day_of_a_season_from_the_intervals_is_the_register_computed_afresh(season):
    """For every day from a week before the season's first event to 60 days after its last
    (deadlines run out after the last event), the rows read from the intervals — and the
    headline — are those the register computes for that day."""
    first, last = season
    day = first - dt.timedelta(days=7)
    checked = 0
    while day <= last + dt.timedelta(days=60):
        assert list(stored.stored_rows(day, actor="reader")) == list(register_rows(day)), day
        if day.day == 1:
            assert stored.stored_headline(day, actor="reader") == headline(day), day
        day += dt.timedelta(days=1)
        checked += 1
    assert checked > 100
    assert sum(stored.COMPUTATIONS.values()) >= 1


def test_far_days_and_filtered_counts_match(season):
    """The first and last days the register answers for, and the counts of a filtered page,
    agree with the register computed afresh."""
    first, _last = season
    for day in (dt.date(1900, 1, 1), first - dt.timedelta(days=1), dt.date(2199, 12, 31)):
        assert list(stored.stored_rows(day, actor="reader")) == list(register_rows(day))
    day = first + dt.timedelta(days=45)
    snapshot = stored.register_snapshot(day, actor="reader")
    expected = [r for r in register_rows(day) if r["status"] == "separated"]
    counts = register_store.count(register_store.lines(snapshot, status="separated"))
    assert counts.total == len(expected) > 0
    days = {}
    for row in expected:
        days[row["days_separated"]] = days.get(row["days_separated"], 0) + 1
    assert counts.separated_days == days


def test_intervals_cover_every_day_once(season):
    """Each member's intervals follow one another without gap or overlap up to ``END``."""
    by_person: dict[int, list[tuple[dt.date, dt.date]]] = {}
    for row in register_intervals():
        by_person.setdefault(row["person"], []).append((row["start"], row["until"]))
    assert by_person
    for spans in by_person.values():
        assert all(a[1] == b[0] and a[0] < a[1] for a, b in itertools.pairwise(spans))
        assert spans[-1][1] == END
