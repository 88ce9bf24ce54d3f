"""A family unit's season: who travels together, whether they are separated, how it ends.

Every step writes both what the sources record (stays and events) and what really happened to
each member (``Member.move``), so the truth register never depends on the records.
"""

from __future__ import annotations

import datetime as dt
import random

from reunify.simulator import places as P
from reunify.simulator.people import Person
from reunify.simulator.season import DAY, Event, Member, Season, Stay, Unit

TOGETHER, SEPARATED, REUNIFIED, RELEASED, REMOVED, UNKNOWN = (
    "together", "separated", "reunified", "released", "removed", "unknown")


def family_unit(season: Season) -> Unit:
    """One family unit, from apprehension to the end of its story."""
    rng, rates, factory = season.rng, season.rates, season.factory
    origin, day = season.origin_and_day()
    season.families += 1
    unit = Unit("family", day, family_id=f"F{season.families:06d}")

    n_children = rng.choices(range(1, len(rates.children) + 1), rates.children)[0]
    ages = [season.child_age() for _ in range(n_children)]
    twins = n_children >= 2 and rng.random() < rates.twins
    if twins:
        ages[1] = ages[0]
    father_pat, father_mat = factory.surname(origin), factory.surname(origin)
    mother_pat, mother_mat = factory.surname(origin), factory.surname(origin)

    roll = rng.random()
    oldest = max(ages)
    adults: list[tuple[Person, str]] = []

    def adult(sex: str, paternal: str, maternal: str, lo: int, hi: int, role: str) -> Person:
        lo, hi = max(lo, 18), max(hi, lo, 18)
        person = factory.make(kind="family_member", sex=sex,
                              birth_date=factory.birth_date(day, lo, hi), origin=origin,
                              paternal=paternal, maternal=maternal)
        adults.append((person, role))
        return person

    father = None
    if roll < rates.guardian:
        sex = rng.choice("FM")
        adult(sex, mother_pat if sex == "M" else mother_mat, factory.surname(origin),
              oldest + 36, oldest + 55, "guardian")
    elif roll < rates.guardian + rates.relative:
        adult(rng.choice("FM"), mother_pat, mother_mat, max(oldest + 8, 18), oldest + 25,
              "relative")
    else:
        two = rng.random() < rates.two_parents
        if two or rng.random() < rates.father:
            father = adult("M", father_pat, father_mat, oldest + 17, oldest + 35, "parent")
        if two or father is None:
            adult("F", mother_pat, mother_mat, oldest + 15, oldest + 30, "parent")
    # A lone mother's children may carry her surnames only (father unknown or absent).
    child_surnames = ((mother_pat, mother_mat)
                      if father is None and rng.random() < rates.mother_surnames_only
                      else (father_pat, mother_pat))
    for p, _ in adults[1:]:  # a family travels to one address
        p.destination = adults[0][0].destination
    children: list[Person] = []
    for i, age in enumerate(ages):
        sex = rng.choice("FM")
        twin = twins and i == 1
        birth = children[0].birth_date if twin else factory.birth_date(day, age, age)
        given = None
        if father is not None and sex == "M" and rng.random() < rates.junior and not any(
                c.given == father.given for c in children):
            given = father.given
        child = factory.make(kind="family_member", sex=sex, birth_date=birth, origin=origin,
                             paternal=child_surnames[0], maternal=child_surnames[1],
                             given=given, phone="")
        while twins and i == 1 and child.given == children[0].given:
            child.given = factory.given(sex, origin)
        children.append(child)

    unit.members = [Member(p, role) for p, role in adults] + [Member(c, "child")
                                                              for c in children]
    unit.people = [m.person for m in unit.members]
    _border(season, unit, day)
    return unit


def _border(season: Season, unit: Unit, day: dt.date) -> None:
    rng, rates = season.rng, season.rates
    sector = season.sector()
    station = rng.choice(sector.stations)
    group = season.new_group_id("FU")
    stays: dict[str, Stay] = {}
    # A family is processed together: its members' records are minutes apart.
    minute = rng.randrange(24 * 60 - 30)
    agent = season.officials.at("Agent", station)
    for m in unit.members:
        lost_link = m.role != "child" and rng.random() < rates.group_link_lost
        stay = season.apprehend(unit, m.person, day, station,
                                "" if lost_link else group, "" if lost_link else m.role,
                                minute=minute + rng.randint(0, 20), agent=agent)
        stays[m.person.person_id] = stay
        m.move(day, TOGETHER, "CBP", station)
    children = [m for m in unit.members if m.role == "child"]
    carers = [m for m in unit.members if m.role != "child"]
    for c in carers:
        relation = {"parent": "parent_of", "guardian": "guardian_of"}.get(c.role)
        for k in children:
            if relation and rng.random() >= rates.relation_lost:
                stays[c.person.person_id].relations.append(
                    (relation, stays[k.person.person_id], "observed"))

    always = any(c.role != "parent" for c in carers)
    if always or rng.random() < season.separation_probability(day, station):
        _separate(season, unit, sector, station, day, stays)
    else:
        _stay_together(season, unit, day, station)


def _stay_together(season: Season, unit: Unit, day: dt.date, station: str) -> None:
    """Never separated: released together, or removed together."""
    rng, rates = season.rng, season.rates
    mexican = unit.people[0].country == "MX"
    removed = rng.random() < (rates.removed_together * (3 if mexican else 1))
    unit.outcome = "removed_together" if removed else "released_together"
    if not removed and rng.random() < rates.border_release_together:
        out = day + rng.randint(1, 3) * DAY
        for s in list(unit.stays):
            s.events.append(Event(out, "released", "", "", s.events[0].actor, P.FLORES,
                                  "released together: notice to appear, own recognizance"))
        for m in unit.members:
            m.move(out, TOGETHER, "", "")
        return
    _family_centre(season, unit, unit.members, day + rng.randint(1, 3) * DAY,
                   "family unit transferred from CBP", removed, status=TOGETHER)


def _family_centre(season: Season, unit: Unit, members: list[Member], day: dt.date,
                   reason: str, removed: bool, status: str) -> None:
    """A family booked together into a family residential centre, then released or removed."""
    rng = season.rng
    centre = rng.choice(P.FAMILY_CENTRES)
    group = season.new_group_id("FRC")
    stays = []
    for m in members:
        stay = season.detain(unit, m.person, day, centre, reason)
        stay.group_id, stay.group_role = group, m.role
        stays.append(stay)
        m.move(day, status, "ICE", centre)
    _booked_together(members, stays)
    officer = season.officials.at("Deportation Officer", centre)
    if removed:
        out = day + rng.randint(7, 40) * DAY
        for s in stays:
            s.events.append(Event(out, "removed", "", "", officer, P.EXPEDITED_REMOVAL,
                                  "removed together with family"))
        for m in members:
            m.move(out, REMOVED, "", "")
    else:
        out = day + rng.randint(2, 20) * DAY
        for s in stays:
            s.events.append(Event(out, "released", "", "", officer, P.FLORES,
                                  "released together: alternatives to detention"))
        for m in members:
            m.move(out, None, "", "")


def _booked_together(members: list[Member], stays: list[Stay]) -> None:
    """A family centre books a family with the papers it carries: relations by document."""
    for carer, stay in zip(members, stays, strict=True):
        relation = {"parent": "parent_of", "guardian": "guardian_of"}.get(carer.role)
        if relation is None:
            continue
        for child, other in zip(members, stays, strict=True):
            if child.role == "child":
                stay.relations.append((relation, other, "document"))


def _separate(season: Season, unit: Unit, sector: P.Sector, station: str, day: dt.date,
              border: dict[str, Stay]) -> None:
    rng, rates = season.rng, season.rates
    # Hours after apprehension, often the next day.
    apprehended = border[unit.members[0].person.person_id].events[0].minute or 0
    after = apprehended + 30 + rng.randint(60, 30 * 60)
    sep = day + (after // (24 * 60)) * DAY
    reasons, weights = zip(*P.SEPARATION_REASONS, strict=True)
    reason = rng.choices(reasons, weights)[0]
    carers = [m for m in unit.members if m.role != "child"]
    children = [m for m in unit.members if m.role == "child"]
    if any(c.role != "parent" for c in carers):
        reason = "adult is not the child's parent"
    authority = P.MEMO if rng.random() < 0.6 else P.REFERRAL
    agent = season.officials.at("Agent", station)
    for m in unit.members:
        border[m.person.person_id].events.append(Event(
            sep, "separated", "CBP", station, agent, authority, reason,
            minute=after % (24 * 60)))
        m.move(sep, SEPARATED)

    # The adults: docket (parents referred for prosecution), then detention.
    detention: dict[str, Stay] = {}
    for c in carers:
        end = sep
        if reason == "parent referred for prosecution":
            _, end = season.prosecute(unit, c.person, sep, sector.court)
            c.move(sep, custodian="USMS", facility=sector.court)
        facility = rng.choice(sector.detention)
        when = end + rng.randint(1, 3) * DAY
        stay = season.detain(unit, c.person, when, facility)
        c.move(when, custodian="ICE", facility=facility)
        season.maybe_transfer(stay, facility, c)
        detention[c.person.person_id] = stay

    # The children: ORR shelters, siblings usually together.
    shelter: dict[str, Stay] = {}
    first_facility = ""
    for k in children:
        age = season.age(k.person, sep)
        facility = (first_facility if first_facility and rng.random() < rates.siblings_same_shelter
                    else season.shelter_for(age))
        first_facility = first_facility or facility
        when = sep + rng.randint(1, 3) * DAY
        stay = season.place(unit, k.person, when, facility,
                             "separated from parent; referred by DHS")
        k.move(when, custodian="ORR", facility=facility)
        if rng.random() < rates.shelter_transfer:
            to = rng.choice(P.TENDER_AGE_SHELTERS if age < 5 else P.SHELTERS)
            moved = when + rng.randint(5, 30) * DAY
            season.transfer(stay, moved, "ORR", to, "placement change")
            k.move(moved, custodian="ORR", facility=to)
        if rng.random() >= rates.child_names_nobody:
            for c in carers:
                relation = {"parent": "child_of", "guardian": "ward_of"}.get(c.role)
                if relation:
                    stay.named.append((relation, c.person, "stated"))
            k.person.first_contact = _first_contact(rates, k.person.person_id, when)
        shelter[k.person.person_id] = stay
    by_facility: dict[str, list[Stay]] = {}
    for s in shelter.values():
        by_facility.setdefault(s.events[0].facility, []).append(s)
    for group in by_facility.values():
        for a in group:
            for b in group:
                if a is not b and rng.random() < rates.sibling_relation:
                    a.relations.append(("sibling_of", b, "observed"))

    outcomes, weights = zip(*rates.outcomes, strict=True)
    unit.outcome = rng.choices(outcomes, weights)[0]
    youngest = min(season.age(k.person, sep) for k in children)
    _OUTCOMES[unit.outcome](season, unit, sep, youngest, carers, children, detention, shelter)


def _end_of_care(stays: dict[str, Stay]) -> dt.date:
    return max(s.events[-1].day for s in stays.values())


def _reunified(season: Season, unit: Unit, sep: dt.date, youngest: int, carers: list[Member],
               children: list[Member], detention: dict[str, Stay], shelter: dict[str, Stay],
               ) -> None:
    rng, rates = season.rng, season.rates
    day = max(season.reunification_day(sep, youngest),
              _end_of_care(detention) + DAY, _end_of_care(shelter) + DAY)
    centre = rng.choice(P.FAMILY_CENTRES)
    for members, stays in ((carers, detention), (children, shelter)):
        for m in members:
            stay = stays[m.person.person_id]
            officer = ("Deportation Officer" if stay.source == "detention"
                       else "ORR Federal Field Specialist")
            stay.events.append(Event(day, "reunified", "ICE", centre, season.officials.at(
                officer, centre), P.MS_L, "reunified with family"))
            m.move(day, REUNIFIED, "ICE", centre)
    # Reunified children are booked into the family centre with their parent: new records.
    removed = rng.random() < rates.removed_after_reunification
    group = season.new_group_id("FRC")
    stays = [detention[c.person.person_id] for c in carers]
    for s in stays:
        s.group_id, s.group_role = group, "parent"
    for k in children:
        stay = season.detain(unit, k.person, day, centre, "reunified with parent")
        stay.group_id, stay.group_role = group, "child"
        stays.append(stay)
    _booked_together([*carers, *children], stays)
    officer = season.officials.at("Deportation Officer", centre)
    out = day + (rng.randint(7, 40) if removed else rng.randint(1, 10)) * DAY
    for s in stays:
        if removed:
            s.events.append(Event(out, "removed", "", "", officer, P.REMOVAL_ORDER,
                                  "removed together after reunification"))
        else:
            s.events.append(Event(out, "released", "", "", officer, P.FLORES,
                                  "released together: alternatives to detention"))
    for m in (*carers, *children):
        m.move(out, REMOVED if removed else REUNIFIED, "", "")


def _remove_adult(season: Season, stay: Stay, member: Member, day: dt.date) -> None:
    facility = stay.events[-1].facility
    stay.events.append(Event(day, "removed", "", "", season.officials.at(
        "Deportation Officer", facility), P.EXPEDITED_REMOVAL,
        f"removed to {member.person.country}; child remains in ORR care"))
    member.move(day, REMOVED, "", "")


def _discharge_child(season: Season, stay: Stay, member: Member, day: dt.date) -> None:
    season.discharge(stay, day, P.RELATIVE_SPONSORS)
    member.move(day, RELEASED, "sponsor", "")


def _parent_removed(season: Season, unit: Unit, sep: dt.date, youngest: int,
                    carers: list[Member], children: list[Member], detention: dict[str, Stay],
                    shelter: dict[str, Stay]) -> None:
    rng = season.rng
    day = max(sep + rng.randint(15, 60) * DAY, _end_of_care(detention) + DAY)
    for c in carers:
        _remove_adult(season, detention[c.person.person_id], c, day)
    if rng.random() < season.rates.discharged_after_parent_removed:
        out = max(day, _end_of_care(shelter)) + rng.randint(30, 150) * DAY
        for k in children:
            _discharge_child(season, shelter[k.person.person_id], k, out)


def _sponsor(season: Season, unit: Unit, sep: dt.date, youngest: int, carers: list[Member],
             children: list[Member], detention: dict[str, Stay], shelter: dict[str, Stay],
             ) -> None:
    rng = season.rng
    out = max(sep + rng.randint(25, 90) * DAY, _end_of_care(shelter) + DAY)
    for k in children:
        _discharge_child(season, shelter[k.person.person_id], k, out)
    roll = rng.random()
    released, removed = season.rates.sponsor_parent_released, season.rates.sponsor_parent_removed
    day = max(sep + rng.randint(20, 80) * DAY, _end_of_care(detention) + DAY)
    for c in carers:
        stay = detention[c.person.person_id]
        if roll < released:
            stay.events.append(Event(day, "released", "", "", season.officials.at(
                "Deportation Officer", stay.events[-1].facility), P.PAROLE, "released on bond"))
            c.move(day, RELEASED, "", "")
        elif roll < released + removed:
            _remove_adult(season, stay, c, day)


def _still_separated(season: Season, unit: Unit, sep: dt.date, youngest: int,
                     carers: list[Member], children: list[Member], detention: dict[str, Stay],
                     shelter: dict[str, Stay]) -> None:
    # Reunified only long after the season (after the usual as-of date).
    _reunified_late = dt.date(2018, 10, 15) + season.rng.randint(0, 150) * DAY
    for members, stays in ((carers, detention), (children, shelter)):
        for m in members:
            stay = stays[m.person.person_id]
            stay.events.append(Event(_reunified_late, "reunified", "ICE",
                                     P.FAMILY_CENTRES[0], "", P.MS_L, "reunified with family"))
            m.move(_reunified_late, REUNIFIED, "ICE", P.FAMILY_CENTRES[0])


def _lost(season: Season, unit: Unit, sep: dt.date, youngest: int, carers: list[Member],
          children: list[Member], detention: dict[str, Stay], shelter: dict[str, Stay]) -> None:
    """The trail of one side goes cold: nobody is known to hold them any more."""
    rng = season.rng
    if rng.random() < season.rates.lost_parent:
        day = max(sep + rng.randint(10, 40) * DAY, _end_of_care(detention) + DAY)
        for c in carers:
            stay = detention[c.person.person_id]
            stay.events.append(Event(day, "transferred", "", "", "", "",
                                     "transferred; destination not recorded"))
            c.move(day, UNKNOWN, "", "")
    else:
        day = max(sep + rng.randint(20, 60) * DAY, _end_of_care(shelter) + DAY)
        for k in children:
            shelter[k.person.person_id].events.append(Event(
                day, "transferred", "", "", "", "", "transferred; receiving placement not "
                "recorded"))
            k.move(day, UNKNOWN, "", "")


_OUTCOMES = {"reunified": _reunified, "parent_removed": _parent_removed, "sponsor": _sponsor,
             "separated": _still_separated, "lost": _lost}


def _first_contact(rates, person_id: str, placed: dt.date) -> dt.date | None:
    """The day a child placed in ORR care first speaks with a parent, if they do by then.

    Drawn from the child's own generator, so adding contacts left every other draw of the
    season (and so every batch of a seed) as it was."""
    rng = random.Random(f"first-contact:{person_id}:{placed.isoformat()}")  # noqa: S311 # nosec B311
    if rng.random() >= rates.first_contact:
        return None
    low, high = rates.first_contact_days
    return placed + dt.timedelta(days=rng.randint(low, high))
