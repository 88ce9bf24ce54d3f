"""What really happens in a season: units (a family, a single adult, an unaccompanied child),
the stays every source records for their members, and each family member's true custody.

A ``Stay`` is one person-record in one source with its events and relations; ``Member.truth`` is
the simulator's own account of a family member's status and custody, day by day, from which the
truth register is computed (never from the records).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from itertools import accumulate

from reunify.simulator import places as P
from reunify.simulator.people import Origin, Person, PersonFactory, age_on
from reunify.simulator.rates import (
    COURT_ORDER,
    EXECUTIVE_ORDER,
    FULL_ZERO_TOLERANCE,
    SEASON_END,
    SEASON_START,
    Rates,
)

DAY = dt.timedelta(days=1)
#: How busy each month of the season was at the border (relative apprehensions per day).
MONTH_WEIGHT = {4: 0.8, 5: 1.2, 6: 1.3, 7: 0.7}


@dataclass
class Event:
    """A custody event or decision as it really happened (a source writes it down)."""

    day: dt.date
    type: str
    custodian: str = ""
    facility: str = ""
    actor: str = ""
    authority: str = ""
    reason: str = ""
    #: Minute of the day, for sources that record date-times.
    minute: int | None = None


@dataclass
class Stay:
    """One person-record of one source: who, the events recorded on it, group and relations."""

    source: str
    person: Person
    events: list[Event] = field(default_factory=list)
    group_id: str = ""
    group_role: str = ""
    #: (relation, other stay of the same source, evidence)
    relations: list[tuple[str, Stay, str]] = field(default_factory=list)
    #: (relation, person named but not recorded by this source, evidence)
    named: list[tuple[str, Person, str]] = field(default_factory=list)

    @property
    def first_day(self) -> dt.date:
        """The day the source first wrote this record."""
        return self.events[0].day


@dataclass
class Custody:
    """A family member's true standing from ``day`` on."""

    day: dt.date
    status: str
    custodian: str
    facility: str


@dataclass
class Member:
    """A person in a family, with their role and true custody over time."""

    person: Person
    role: str
    truth: list[Custody] = field(default_factory=list)

    def move(self, day: dt.date, status: str | None = None, custodian: str | None = None,
             facility: str | None = None) -> None:
        """From ``day`` on the member's status/custody is this (omitted parts unchanged)."""
        last = self.truth[-1] if self.truth else Custody(day, "together", "", "")
        self.truth.append(Custody(
            day, status or last.status,
            last.custodian if custodian is None else custodian,
            last.facility if facility is None else facility,
        ))


@dataclass
class Unit:
    """Everyone encountered together: a family unit, a single adult or a lone child."""

    kind: str  # family | single | uac
    start: dt.date
    family_id: str = ""
    members: list[Member] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    stays: list[Stay] = field(default_factory=list)
    outcome: str = ""


class Season:
    """Draws units one after another from one random stream."""

    def __init__(self, rng: random.Random, rates: Rates) -> None:
        self.rng = rng
        self.rates = rates
        self.factory = PersonFactory(rng, rates)
        self.officials = P.Officials(rng)
        days = [SEASON_START + i * DAY for i in range((SEASON_END - SEASON_START).days + 1)]
        self._days = days
        self._day_cum = list(accumulate(MONTH_WEIGHT[d.month] for d in days))
        self._sector_cum = list(accumulate(s.weight for s in P.SECTORS))
        self.families = 0
        self.groups = 0

    # --- helpers -------------------------------------------------------------------------
    def _chance(self, p: float) -> bool:
        return self.rng.random() < p

    def _day(self) -> dt.date:
        return self.rng.choices(self._days, cum_weights=self._day_cum)[0]

    def _between(self, start: dt.date, lo: int, hi: int) -> dt.date:
        return start + self.rng.randint(lo, hi) * DAY

    def sector(self) -> P.Sector:
        """A border sector, by its share of apprehensions."""
        return self.rng.choices(P.SECTORS, cum_weights=self._sector_cum)[0]

    def new_group_id(self, prefix: str) -> str:
        """A new group id (a family unit at the border, a family booked into a centre)."""
        self.groups += 1
        return f"{prefix}-{(self.groups * 7919 + 104729) % 10**7:07d}"

    def apprehend(self, unit: Unit, person: Person, day: dt.date, station: str,
                   group_id: str = "", role: str = "", minute: int | None = None,
                   agent: str = "") -> Stay:
        """A border record: the person apprehended at ``station`` (in a family unit's group)."""
        stay = Stay("border", person, group_id=group_id, group_role=role)
        reason = ("presented at port of entry seeking asylum" if "Port of Entry" in station
                  else "entered between ports of entry")
        stay.events.append(Event(day, "apprehended", "CBP", station,
                                 agent or self.officials.at("Agent", station), P.APPREHENSION,
                                 reason,
                                 minute=self.rng.randrange(24 * 60) if minute is None
                                 else minute))
        unit.stays.append(stay)
        return stay

    def prosecute(self, unit: Unit, person: Person, day: dt.date, court: str,
                   authority: str = P.ILLEGAL_ENTRY) -> tuple[Stay, dt.date]:
        """A docket record: referral, then declined or charged, convicted, sentenced."""
        stay = Stay("docket", person)
        ausa = self.officials.at("AUSA", court)
        stay.events.append(Event(day, "referred", "USMS", court, ausa, authority,
                                 "referred by Border Patrol"))
        end = day + DAY
        if self._chance(self.rates.declined):
            reason = self.rng.choice(("declined: insufficient evidence",
                                      "declined: humanitarian (child welfare)",
                                      "declined: capacity"))
            stay.events.append(Event(end, "declined", "ICE", "", ausa, authority, reason))
        else:
            stay.events.append(Event(end, "charged", "USMS", court, ausa, authority,
                                     "misdemeanor information filed"))
            end = day + self.rng.choice((1, 1, 2)) * DAY
            judge = self.officials.at("Magistrate Judge", court)
            stay.events.append(Event(end, "convicted", "USMS", court, judge, authority,
                                     "guilty plea"))
            stay.events.append(Event(end, "sentenced", "USMS", court, judge, authority,
                                     self.rng.choice(("time served", "time served",
                                                      "10 days", "30 days"))))
        unit.stays.append(stay)
        return stay, end

    def detain(self, unit: Unit, person: Person, day: dt.date, facility: str,
                reason: str = "transferred from CBP custody") -> Stay:
        """A detention record: booked into an ICE facility."""
        stay = Stay("detention", person)
        stay.events.append(Event(day, "detained", "ICE", facility,
                                 self.officials.at("Deportation Officer", facility),
                                 P.APPREHENSION, reason))
        unit.stays.append(stay)
        return stay

    def transfer(self, stay: Stay, day: dt.date, custodian: str, facility: str,
                  reason: str) -> None:
        """A move to another facility, written on the same record."""
        officer = ("Deportation Officer" if custodian == "ICE" else "ORR Case Manager")
        stay.events.append(Event(day, "transferred", custodian, facility,
                                 self.officials.at(officer, facility) if facility else "",
                                 "", reason))

    def place(self, unit: Unit, person: Person, day: dt.date, facility: str,
               reason: str) -> Stay:
        """A shelter record: placed in ORR care."""
        stay = Stay("shelter", person)
        stay.events.append(Event(day, "placed", "ORR", facility,
                                 self.officials.at("ORR Case Manager", facility),
                                 P.TVPRA_PLACEMENT, reason))
        unit.stays.append(stay)
        return stay

    def shelter_for(self, age: int) -> str:
        """A shelter for a child of ``age`` (tender-age shelters for the under-fives)."""
        return self.rng.choice(P.TENDER_AGE_SHELTERS if age < 5 else P.SHELTERS)

    # --- units ---------------------------------------------------------------------------
    def single_adult(self) -> Unit:
        """An adult apprehended alone: prosecuted or not, detained, removed or released."""
        rng, rates = self.rng, self.rates
        day = self._day()
        unit = Unit("single", day)
        origin = self.factory.origin()
        sex = "M" if self._chance(rates.single_adult_male) else "F"
        person = self.factory.make(
            kind="single_adult", sex=sex, birth_date=self.factory.birth_date(day, 18, 55),
            origin=origin, paternal=self.factory.surname(origin),
            maternal=self.factory.surname(origin))
        unit.people.append(person)
        sector = self.sector()
        station = rng.choice(sector.stations)
        self.apprehend(unit, person, day, station)
        end = day
        if self._chance(rates.single_prosecuted):
            _, end = self.prosecute(unit, person, day + DAY, sector.court)
        facility = rng.choice(sector.detention)
        stay = self.detain(unit, person, end + rng.randint(1, 3) * DAY, facility)
        self.maybe_transfer(stay, facility)
        roll = rng.random()
        last = stay.events[-1].day
        if roll < rates.single_removed:
            removed = self._between(last, 10, 60)
            stay.events.append(Event(removed, "removed", "", "", self.officials.at(
                "Deportation Officer", facility), P.EXPEDITED_REMOVAL, "removed to " +
                person.country))
            if self._chance(rates.reentry):  # came back: a new record, a re-entry prosecution
                again = self._between(removed, 20, 60)
                self.apprehend(unit, person, again, station)
                self.prosecute(unit, person, again + DAY, sector.court, P.REENTRY)
        elif roll < rates.single_removed + rates.single_released:
            stay.events.append(Event(self._between(last, 10, 90), "released", "", "",
                                     self.officials.at("Deportation Officer", facility),
                                     P.PAROLE, "released on bond"))
        return unit

    def unaccompanied_child(self) -> Unit:
        """A child who arrived alone: border, shelter, a sponsor (or still in care)."""
        rng, rates = self.rng, self.rates
        day = self._day()
        unit = Unit("uac", day)
        origin = self.factory.origin()
        sex = "M" if self._chance(rates.uac_male) else "F"
        age = rng.randint(13, 17) if self._chance(rates.uac_teen) else rng.randint(6, 12)
        father_pat, mother_pat = self.factory.surname(origin), self.factory.surname(origin)
        child = self.factory.make(
            kind="unaccompanied_child", sex=sex, birth_date=self.factory.birth_date(day, age, age),
            origin=origin, paternal=father_pat, maternal=mother_pat, phone="")
        unit.people.append(child)
        sector = self.sector()
        station = rng.choice(sector.stations)
        self.apprehend(unit, child, day, station)
        facility = self.shelter_for(age)
        stay = self.place(unit, child, self._between(day, 1, 3), facility,
                           "unaccompanied alien child referred by DHS")
        if self._chance(rates.uac_names_parent):
            # The parent at home: named in the interview, recorded by no source.
            parent_sex = "F" if self._chance(0.6) else "M"
            parent = Person(
                person_id="", kind="", sex=parent_sex,
                birth_date=self.factory.birth_date(day, age + 18, age + 40),
                given=self.factory.given(parent_sex, origin),
                paternal=mother_pat if parent_sex == "F" else father_pat,
                maternal=self.factory.surname(origin), country=origin.country,
                languages=origin.languages, a_number="", phone=self.factory.phone(origin),
                home=origin.home, mayan=origin.mayan)
            stay.named.append(("child_of", parent, "stated"))
        if self._chance(rates.shelter_transfer):
            self.transfer(stay, self._between(stay.first_day, 5, 30), "ORR",
                           rng.choice(P.SHELTERS), "placement change")
        if self._chance(rates.uac_discharged):
            self.discharge(stay, self._between(stay.events[-1].day, 20, 100))
        return unit

    def discharge(self, stay: Stay, day: dt.date, sponsors: tuple[str, ...] = P.SPONSORS) -> str:
        """Discharge a child to a sponsor; returns who the sponsor is."""
        sponsor = self.rng.choice(sponsors)
        stay.events.append(Event(day, "discharged", "sponsor", "", self.officials.at(
            "ORR Federal Field Specialist", stay.events[-1].facility), P.TVPRA_RELEASE,
            f"discharged to sponsor: {sponsor}"))
        return sponsor

    def maybe_transfer(self, stay: Stay, facility: str,
                      member: Member | None = None) -> None:
        """Maybe move a detainee to a distant centre."""
        if self._chance(self.rates.transfer):
            to = self.rng.choice(P.DISTANT_DETENTION)
            day = self._between(stay.events[-1].day, 3, 25)
            self.transfer(stay, day, "ICE", to, "bed space")
            if member is not None:
                member.move(day, custodian="ICE", facility=to)

    # --- what family.py asks of the season ---------------------------------------------------
    def separation_probability(self, day: dt.date, station: str) -> float:
        """How likely a family apprehended on ``day`` at ``station`` is to be separated.

        Families who asked for asylum at a port of entry had committed no crime to prosecute,
        so they were separated far less often than those who crossed between ports."""
        if "Port of Entry" in station and day <= EXECUTIVE_ORDER:
            return min(self.rates.separated_at_port, self.separation_probability(day, ""))
        if day < FULL_ZERO_TOLERANCE:
            return self.rates.separated_before
        if day <= EXECUTIVE_ORDER:
            return self.rates.separated_during
        return self.rates.separated_after

    def reunification_day(self, separated: dt.date, youngest: int) -> dt.date:
        """When a separated family is brought back together, around the court's deadlines."""
        later = self._between
        if separated > EXECUTIVE_ORDER:
            return later(separated, 5, 20)
        # A few early separations ended before the court stepped in.
        if separated < dt.date(2018, 5, 20) and self._chance(0.15):
            early = later(separated, 20, 45)
            if early < COURT_ORDER:
                return early
        # Most reunifications cluster before the court's deadlines (under-fives 2018-07-10,
        # the others 2018-07-26); the rest drag on for weeks or months.
        if youngest < 5:
            day = (later(dt.date(2018, 7, 5), 0, 9) if self._chance(0.7)
                   else later(dt.date(2018, 7, 15), 0, 60))
        else:
            day = (later(dt.date(2018, 7, 10), 0, 17) if self._chance(0.75)
                   else later(dt.date(2018, 7, 28), 0, 90))
        return max(day, separated + 6 * DAY)

    def origin_and_day(self) -> tuple[Origin, dt.date]:
        """Where a family comes from and when it is apprehended."""
        return self.factory.origin(), self._day()

    def child_age(self) -> int:
        """A child's age by the configured bands."""
        lo, hi = self.factory.child_age_band()
        return self.rng.randint(lo, hi)

    @staticmethod
    def age(person: Person, day: dt.date) -> int:
        """Whole years of age on ``day``."""
        return age_on(person.birth_date, day)
