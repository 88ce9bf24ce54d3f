"""Synthetic people as they really are (the simulator's truth), before any source writes them.

A person carries Spanish-style names: given names (one or two) and two surnames, the father's
first surname then the mother's first surname; a child inherits both.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from reunify.simulator import names as N
from reunify.simulator.rates import Rates

PHONE_PREFIX = {"GT": ("+502", 8), "HN": ("+504", 8), "SV": ("+503", 8), "MX": ("+52", 10),
                "EC": ("+593", 9), "BR": ("+55", 11), "NI": ("+505", 8), "CU": ("+53", 8),
                "IN": ("+91", 10)}
MAYAN_LANGUAGES = ("k'iche'", "q'eqchi'", "mam")


@dataclass
class Person:
    """One real (synthetic) human being."""

    person_id: str
    kind: str  # family_member | single_adult | unaccompanied_child
    sex: str
    birth_date: dt.date
    given: tuple[str, ...]
    paternal: str
    maternal: str
    country: str
    languages: tuple[str, ...]
    a_number: str  # nine digits, the true one
    phone: str
    home: str
    mayan: bool = False
    #: Where an adult says they are going in the U.S. (a relative's address), if anywhere.
    destination: str = ""
    #: A separated child's first contact with a parent in ORR care (a call), if any.
    first_contact: dt.date | None = None

    @property
    def full_name(self) -> str:
        """Given names then both surnames, as a civil registry would write them."""
        return " ".join((*self.given, self.paternal, self.maternal))


@dataclass
class Origin:
    """What family members share: country, language group, home, phone."""

    country: str
    mayan: bool
    languages: tuple[str, ...]
    home: str


class PersonFactory:
    """Makes people with unique ids and A-numbers from one random stream."""

    def __init__(self, rng: random.Random, rates: Rates) -> None:
        self.rng = rng
        self.rates = rates
        self.count = 0
        self._a_offset = rng.randrange(10**7)
        self._country_pool = tuple(c for c, _ in rates.countries)
        self._country_weights = tuple(w for _, w in rates.countries)

    def origin(self) -> Origin:
        """A place people come from, and the language they speak there."""
        rng = self.rng
        country = rng.choices(self._country_pool, self._country_weights)[0]
        mayan = country == "GT" and rng.random() < self.rates.mayan
        languages = ("es",) if not mayan else (
            (rng.choice(MAYAN_LANGUAGES),) if rng.random() < 0.3
            else (rng.choice(MAYAN_LANGUAGES), "es"))
        villages = N.VILLAGES.get(country)
        home = rng.choice(villages) if villages else ""
        return Origin(country, mayan, languages, home)

    def surname(self, origin: Origin) -> str:
        """One surname, Mayan for most Mayan-language speakers."""
        if origin.mayan and self.rng.random() < 0.75:
            return N.pick(self.rng, N.MAYAN_SURNAMES)
        return N.pick(self.rng, N.SPANISH_SURNAMES)

    def given(self, sex: str, origin: Origin) -> tuple[str, ...]:
        """One or two given names."""
        rng = self.rng
        if origin.mayan and rng.random() < 0.06:
            first = rng.choice(N.MAYAN_GIVEN_F if sex == "F" else N.MAYAN_GIVEN_M)
        elif rng.random() < 0.25:
            first = rng.choice(N.COMPOUND_LEADS[sex])
        else:
            first = N.pick(rng, N.FEMALE_GIVEN if sex == "F" else N.MALE_GIVEN)
        if rng.random() < self.rates.compound_given:
            second = rng.choice(N.FEMALE_SECOND if sex == "F" else N.MALE_SECOND)
            if sex == "F" and second == "José" and first != "María":
                second = rng.choice(N.FEMALE_SECOND[1:])  # only María José takes José
            if second != first:
                return (first, second)
        return (first,)

    def phone(self, origin: Origin) -> str:
        """A mobile number in the country's format."""
        prefix, digits = PHONE_PREFIX.get(origin.country, ("+1", 10))
        first = self.rng.choice("345678")
        rest = "".join(self.rng.choice("0123456789") for _ in range(digits - 1))
        return f"{prefix} {first}{rest}"

    def a_number(self) -> str:
        """A unique nine-digit A-number (a bijection of the running count, so no repeats)."""
        # Multiplying by a number coprime with 10**8 permutes 0..10**8-1: unique, random-looking.
        n = (self.count * 48271 + self._a_offset) % 10**8
        lead = "2" if self.rng.random() > 0.08 else "0"  # a few old, eight-digit numbers
        return f"{lead}{n:08d}"

    def make(self, *, kind: str, sex: str, birth_date: dt.date, origin: Origin,
             paternal: str, maternal: str, given: tuple[str, ...] | None = None,
             phone: str | None = None) -> Person:
        """A new person with the next id."""
        self.count += 1
        return Person(
            person_id=f"P{self.count:07d}", kind=kind, sex=sex, birth_date=birth_date,
            given=given or self.given(sex, origin), paternal=paternal, maternal=maternal,
            country=origin.country, languages=origin.languages, a_number=self.a_number(),
            phone=phone if phone is not None else (
                self.phone(origin) if self.rng.random() < self.rates.phone else ""),
            home=origin.home, mayan=origin.mayan,
            destination=(self.rng.choice(N.US_ADDRESSES)
                         if kind != "unaccompanied_child" and self.rng.random() < 0.5 else ""),
        )

    def birth_date(self, on: dt.date, min_years: int, max_years: int) -> dt.date:
        """A birth date making the person between min and max whole years old on ``on``."""
        latest = _years_before(on, min_years)
        earliest = _years_before(on, max_years + 1) + dt.timedelta(days=1)
        return earliest + dt.timedelta(days=self.rng.randrange((latest - earliest).days + 1))

    def child_age_band(self) -> tuple[int, int]:
        """An age band for a child, by the configured weights."""
        bands = self.rates.child_ages
        lo, hi, _ = self.rng.choices(bands, [w for _, _, w in bands])[0]
        return lo, hi


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def age_on(birth: dt.date, day: dt.date) -> int:
    """Whole years of age on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
