"""A person's custody timeline: every event of every record of theirs, in order, once.

Two sources that report the same thing (same event type, same day, same custodian) make one
event that names both sources. A gap is a stretch during which nobody is known to hold the
person: after an event that names no custodian (and does not say they left the country), up to
the next event that names one — or up to the day asked about, when no later event does.

A case closed as reunified or released to a sponsor is an event of the child's too, reported by
reunify's own source ``casework`` (``reunify.rules.casework.CLOSING_EVENTS``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from reunify.models import Case, EventRecord, Identity
from reunify.models.keys import with_keys
from reunify.rules.as_of import check_as_of
from reunify.rules.casework import CASEWORK_SOURCE, CLOSING_EVENTS
from reunify.rules.interchange import EVENT_TYPES

#: Same-day events sort in the order a custody naturally runs (apprehended before separated…).
_TYPE_ORDER = {t: i for i, t in enumerate(EVENT_TYPES)}


@dataclass
class TimelineEvent:
    """One thing that happened to the person, as one or more sources reported it."""

    at: dt.datetime
    type: str
    custodian: str
    facility: str
    #: (source, event_id) of every report of it.
    sources: list[tuple[str, str]] = field(default_factory=list)
    actor: str = ""
    authority: str = ""

    @property
    def day(self) -> dt.date:
        return self.at.date()


@dataclass
class Gap:
    """Days on which nobody was known to hold the person; ``end`` None means still open."""

    start: dt.date
    end: dt.date | None


@dataclass
class Timeline:
    """A person's custody, as far as the sources tell it."""

    person_id: int
    events: list[TimelineEvent]
    custodian: str
    facility: str
    gaps: list[Gap]


def end_of_day(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` (UTC), to select events on or before it; a day the
    register cannot answer for raises ``AsOfOutOfRange``."""
    check_as_of(day)
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def merge_reports(
    rows: Iterable[tuple[dt.datetime, str, str, str, str, str, str, str]],
) -> list[TimelineEvent]:
    """Order reports — (at, type, custodian, facility, source, event_id, actor, authority) — by
    day, then in a custody's natural order, and fold those of one event (same type, day and
    custodian, any source) into one."""
    # Within a day, the natural order of a custody decides, not the clock or the file: sources
    # write one day's events in any order, some with times and some without (spec 1.1).
    ordered = sorted(rows, key=lambda r: (r[0].date(), _TYPE_ORDER.get(r[1], 99), r[0], r[4],
                                          r[5]))
    merged: dict[tuple[str, dt.date, str], TimelineEvent] = {}
    events: list[TimelineEvent] = []
    for at, etype, custodian, facility, source, event_id, actor, authority in ordered:
        key = (etype, at.date(), custodian.strip().casefold())
        have = merged.get(key)
        if have is not None:
            if (source, event_id) not in have.sources:
                have.sources.append((source, event_id))
            have.facility = have.facility or facility
            have.actor = have.actor or actor
            have.authority = have.authority or authority
            continue
        event = TimelineEvent(at, etype, custodian, facility, [(source, event_id)], actor,
                              authority)
        merged[key] = event
        events.append(event)
    return events


def custody_gaps(events: list[TimelineEvent]) -> list[Gap]:
    """Stretches after an event naming no custodian until one that names one (see module)."""
    gaps: list[Gap] = []
    open_since: dt.date | None = None
    for event in events:
        if event.custodian:
            if open_since is not None:
                gaps.append(Gap(open_since, event.day))
                open_since = None
        elif event.type != "removed" and open_since is None:
            open_since = event.day
    if open_since is not None:
        gaps.append(Gap(open_since, None))
    return gaps


def events_by_person(
    person_ids: Iterable[int] | None = None, *, as_of: dt.date | None = None
) -> dict[int, list[TimelineEvent]]:
    """Every person's merged, ordered events (on or before ``as_of``), in a few queries."""
    person_of: dict[tuple[str, str], int] = {}
    wanted = set(person_ids) if person_ids is not None else None
    identities = Identity.objects.values_list("source", "record_id", "person_id")
    if wanted is not None and len(wanted) <= 500:
        identities = identities.filter(person_id__in=wanted)
    for source, record_id, person in identities.iterator(chunk_size=10000):
        if wanted is None or person in wanted:
            person_of[(source, record_id)] = person
    events = EventRecord.objects.filter(is_current=True)
    if as_of is not None:
        events = events.filter(at__lt=end_of_day(as_of))
    chosen = [events]
    if wanted is not None and len(wanted) <= 500:
        # By the records' keys (the unique index), not a join: a family's events are read
        # without a pass over every event of the store.
        chosen = list(with_keys(events, person_of))
    reports: dict[int, list[tuple]] = defaultdict(list)
    rows = (row for part in chosen for row in part.values_list(
        "at", "type", "custodian", "facility", "source", "event_id", "actor", "authority",
        "record_id").iterator(chunk_size=20000))
    for row in rows:
        person = person_of.get((row[4], row[8]))
        if person is not None:
            reports[person].append(row[:8])
    for person, row in casework_reports(as_of):
        if wanted is None or person in wanted:
            reports[person].append(row)
    return {person: merge_reports(rows) for person, rows in reports.items()}


def casework_reports(as_of: dt.date | None) -> list[tuple[int, tuple]]:
    """Cases closed as reunified or released to a sponsor, as reports of the child's custody
    (source ``casework``, the case id as event id), on the day they closed: reunify records
    them itself, so that the register shows what casework achieved (docs/casework.md)."""
    cases = Case.objects.filter(outcome__in=CLOSING_EVENTS, closed__isnull=False)
    if as_of is not None:
        cases = cases.filter(closed__lte=as_of)
    found = []
    for pk, person, closed, outcome in cases.values_list("pk", "person_id", "closed",
                                                         "outcome"):
        etype, custodian = CLOSING_EVENTS[outcome]
        at = dt.datetime.combine(closed, dt.time(23, 59), tzinfo=dt.UTC)
        found.append((person, (at, etype, custodian, "", CASEWORK_SOURCE, f"C{pk:07d}",
                               "", "")))
    return found


def latest_event_day() -> dt.date | None:
    """The day of the latest current event in the store (None when there is none): the day
    the register and casework pages open on."""
    latest = EventRecord.objects.filter(is_current=True).order_by("-at").values_list(
        "at", flat=True).first()
    return latest.date() if latest else None


def person_timeline(person_id: int, *, as_of: dt.date | None = None) -> Timeline:
    """One person's custody timeline, current custodian and facility, and gaps."""
    events = events_by_person([person_id], as_of=as_of).get(person_id, [])
    custodian = facility = ""
    for event in events:
        if event.type == "removed":
            custodian = facility = ""
        elif event.custodian:
            custodian, facility = event.custodian, event.facility
    return Timeline(person_id, events, custodian, facility, custody_gaps(events))
