"""The register of every day at once: each member's status intervals.

A member's line of the register as of day D is a function of the family's events on or before
D and of D itself (``reunify.queries.standing.family_standing``). Between two days on which
anything of that can change it is constant, so it is stored once per interval, not once per
day. It can change only:

- on a day any member of the family has an event (the events read change): every event day;
- on the day after a court-order deadline of a separation runs out (``deadline_missed``: the
  reunification deadline and the contact deadline, ``reunify.rules.deadlines``);
- and ``days_separated`` of a separation still open grows by one every day: it is not stored
  but derived from its start when read (``open_from``).

Ages are read at the day of separation (``tender_age``, ``infant``, the deadline's age class),
which is an event day, so no age threshold falls between event days. Everything else the
standing reads — names, birth dates, roles, family flags, recorded first contacts — does not
depend on the day. Each candidate day is computed with the very function the register of that
day uses, and neighbouring equal lines are merged, so the intervals give exactly the register
computed afresh for any day (tests compare them day by day).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterator

from reunify.models.profile import minors_only_sources
from reunify.queries.contacts import first_contacts
from reunify.queries.families import FamilyView, current_families, person_facts
from reunify.queries.standing import (
    Inputs,
    Settled,
    Standing,
    held_apart,
    history,
    look_alikes,
    standings_on,
)
from reunify.queries.timeline import events_by_person
from reunify.rules.as_of import LAST_DAY
from reunify.rules.deadlines import DEFAULT_POLICY, POLICIES, DeadlinePolicy
from reunify.rules.family import age_years
from reunify.rules.flags import flag_bits
from reunify.rules.status import settle_family

#: ``until`` of an interval that holds for every later day the register answers for.
END = LAST_DAY + dt.timedelta(days=1)
_DAY = dt.timedelta(days=1)


def _line(standing: Standing) -> tuple:
    """What is stored of a standing, without the day it was computed for."""
    days_fixed = open_from = None
    if standing.separated_since is not None:
        if standing.separation_ended is not None:
            days_fixed = standing.days_separated
        else:
            open_from = standing.separated_since.toordinal()
    return (standing.role, standing.status, standing.custodian, standing.facility,
            standing.since, standing.separated_since, standing.separation_ended, days_fixed,
            open_from, ";".join(standing.flags), flag_bits(standing.flags))


#: The stored columns of ``_line``, in its order.
LINE_FIELDS = ("role", "status", "custodian", "facility", "since", "separated_since",
               "separation_ended", "days_fixed", "open_from", "flags", "flag_bits")


def _deadline_days(standings: dict[int, Standing], inputs: Inputs,
                   policy: DeadlinePolicy) -> set[dt.date]:
    """The days after a deadline runs out, for every separation in the family."""
    days = set()
    for person, standing in standings.items():
        since = standing.separated_since
        if since is None:
            continue
        fact = inputs.facts.get(person)
        age = age_years(fact.birth_date if fact else "", since)
        days.add(policy.reunification_deadline(since, age) + _DAY)
        days.add(policy.contact_deadline(since) + _DAY)
    return days


def family_intervals(family: FamilyView, inputs: Inputs, *,
                     policy: str = DEFAULT_POLICY) -> list[dict]:
    """One family's intervals: dicts of ``start``, ``until``, the family and person keys, name,
    birth date and ``LINE_FIELDS``; members in person order, each member's in day order."""
    # Each member's events are in day order (``queries.timeline``): the events on or before a
    # day are a prefix of them, and everything that does not depend on the day is read once.
    histories = {p: history(inputs.events.get(p, [])) for p in family.members}
    days = {p: [h[0] for h in member_history] for p, member_history in histories.items()}
    event_days = sorted({day for member_days in days.values() for day in member_days})
    if not event_days:
        return []
    apart = held_apart(family, inputs)
    duplicates = look_alikes(family, inputs.facts)
    pieces: dict[int, list[tuple[dt.date, tuple]]] = {p: [] for p in family.members}
    for i, start in enumerate(event_days):
        following = event_days[i + 1] if i + 1 < len(event_days) else END
        seen = {p: member_history[:bisect_right(days[p], start)]
                for p, member_history in histories.items()}
        seen_apart = None if apart is None else {p: day for p, day in apart.items()
                                                 if day <= start}
        # The same events all through the segment: settled once, read on each day that can
        # differ (its first, and the day after each deadline that runs out within it).
        settled = Settled(settle_family(seen, family.members, apart_from=seen_apart),
                          duplicates)
        standings = standings_on(family, start, inputs, settled, policy=policy)
        later = sorted(d for d in _deadline_days(standings, inputs, POLICIES[policy])
                       if start < d < following)
        for day in [start, *later]:
            if day != start:
                standings = standings_on(family, day, inputs, settled, policy=policy)
            for person, standing in standings.items():
                line = _line(standing)
                if not pieces[person] or pieces[person][-1][1] != line:
                    pieces[person].append((day, line))
    out = []
    for person, member_pieces in pieces.items():
        fact = inputs.facts[person]
        for j, (start, line) in enumerate(member_pieces):
            until = member_pieces[j + 1][0] if j + 1 < len(member_pieces) else END
            out.append({"start": start, "until": until, "family_pk": family.pk,
                        "family_number": family.number, "person": person,
                        "name": fact.name, "birth_date": fact.birth_date,
                        **dict(zip(LINE_FIELDS, line, strict=True))})
    return out


def register_intervals(*, policy: str = DEFAULT_POLICY,
                       families: list[FamilyView] | None = None) -> Iterator[dict]:
    """The intervals of every current family (or of ``families``), family by family."""
    families = current_families() if families is None else families
    persons = {p for f in families for p in f.members}
    if not persons:
        return
    inputs = Inputs(events_by_person(persons), person_facts(persons), first_contacts(persons),
                    minors_only_sources())
    for family in families:
        yield from family_intervals(family, inputs, policy=policy)
