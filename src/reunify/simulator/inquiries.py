"""Tracing requests of a simulated season: who asks for whom, and how they say it.

Parents of separated children call a hotline or a consulate, relatives who know less ask too,
and some ask for a child who was never in custody (the child stayed home, crossed elsewhere,
was never recorded). Each request says the child's name the way a family says it: a diminutive
("Lupita"), one surname (often the mother's), a year or an age instead of the date, a date with
day and month swapped. ``truth.inquiries.csv`` says whom each request really seeks (an empty
``person_id`` for a child never recorded).

Draws come from a random stream of their own, so adding inquiries changes no other file.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from reunify.rules.interchange import INQUIRIES
from reunify.simulator import names as N
from reunify.simulator import noise
from reunify.simulator.people import Person, age_on
from reunify.simulator.rates import Rates
from reunify.simulator.season import Unit

#: Channels requests come in by (the ``source`` of an inquiries file).
CHANNELS = ("hotline", "consulate", "ngo")
#: A separated child is asked for by a parent with this probability, by a relative with the next.
PARENT_ASKS, RELATIVE_ASKS = 0.6, 0.15
#: Requests for a child never in custody, per family unit.
NEVER_RECORDED_PER_FAMILY = 0.06


class InquiryWriter:
    """Writes the season's inquiries (one file per channel) and their truth, unit by unit."""

    def __init__(self, outdir: Path, fmt: str, rng: random.Random, rates: Rates,
                 as_of: dt.date, table) -> None:
        self.rng, self.rates, self.as_of = rng, rates, as_of
        self.tables = {}
        for channel in CHANNELS:
            for stale in (f"{channel}.inquiries.csv", f"{channel}.inquiries.jsonl"):
                (outdir / stale).unlink(missing_ok=True)
            self.tables[channel] = table(outdir / f"{channel}.inquiries.{fmt}", INQUIRIES.columns,
                                         fmt)
        self.truth = table(outdir / "truth.inquiries.csv", ("source", "inquiry_id", "person_id"),
                           "csv")
        self.count = 0
        self.families = 0

    def close(self) -> dict:
        """Close the files; rows written per file name."""
        out = {}
        for table in [*self.tables.values(), self.truth]:
            if table.close():
                out[table.path.name] = table.rows
        return out

    def unit(self, unit: Unit) -> None:
        """The requests about one unit's separated children, and now and then one for a child
        who was never recorded."""
        if unit.kind != "family":
            return
        rng = self.rng
        self.families += 1
        parents = [m.person for m in unit.members if m.role == "parent"]
        for member in unit.members:
            separated = next((c for c in member.truth if c.status == "separated"), None)
            if member.role != "child" or separated is None or separated.day > self.as_of:
                continue
            roll = rng.random()
            if roll < PARENT_ASKS and parents:
                self._ask(rng.choice(parents), "parent", member.person, separated, unit)
            elif roll < PARENT_ASKS + RELATIVE_ASKS:
                self._ask(None, rng.choice(("relative", "sibling")), member.person, separated,
                          unit)
        if rng.random() < NEVER_RECORDED_PER_FAMILY:
            self._never_recorded(unit)

    # --- how the child is described -----------------------------------------------------------
    def _given(self, child: Person, knows_less: bool) -> str:
        rng = self.rng
        given = list(child.given)
        nick = N.NICKNAMES.get(given[0])
        if nick and rng.random() < (0.5 if knows_less else 0.4):
            return rng.choice(nick)  # a diminutive, as the family calls the child
        if len(given) > 1 and rng.random() < (0.6 if knows_less else 0.3):
            given = given[:1]
        return " ".join(given)

    def _family(self, child: Person, knows_less: bool) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < (0.3 if knows_less else 0.5):
            return f"{child.paternal} {child.maternal}"
        if roll < (0.7 if knows_less else 0.75):
            return child.paternal
        if roll < 0.93:
            return child.maternal  # the mother's surname only
        return ""

    def _birth(self, child: Person, at: dt.date, knows_less: bool) -> tuple[str, str]:
        """(sought_birth_date, sought_age) as told."""
        rng, birth = self.rng, child.birth_date
        roll = rng.random()
        if knows_less:
            if roll < 0.5:
                return "", str(max(0, age_on(birth, at) + rng.choice((-1, 0, 0, 0, 1))))
            if roll < 0.8:
                return str(birth.year), ""
            return "", ""
        if roll < 0.5:
            return birth.isoformat(), ""
        if roll < 0.65:
            return str(birth.year), ""  # a year only
        if roll < 0.85:
            return "", str(age_on(birth, at))  # an age instead of a date
        if roll < 0.9:
            return f"{birth.year}-{birth.month:02d}", ""
        if roll < 0.95 and birth.day <= 12 and birth.day != birth.month:
            return f"{birth.year}-{birth.day:02d}-{birth.month:02d}", ""  # day and month swapped
        return "", ""

    def _row(self, channel: str, at: dt.date, relation: str, inquirer: Person | None,
             unit: Unit) -> dict:
        rng = self.rng
        self.count += 1
        row = {"source": channel, "inquiry_id": f"Q{self.count:06d}", "at": at.isoformat(),
               "relation": relation}
        if inquirer is not None:
            row["inquirer_family_name"] = f"{inquirer.paternal} {inquirer.maternal}"
            row["inquirer_given_name"] = " ".join(inquirer.given)
            if rng.random() < 0.5:
                row["inquirer_birth_date"] = inquirer.birth_date.isoformat()
            if inquirer.phone and rng.random() < 0.7:
                row["inquirer_phone"] = inquirer.phone
            if rng.random() < 0.2:
                row["inquirer_a_number"] = inquirer.a_number
            row["inquirer_country"] = inquirer.country
            row["inquirer_languages"] = ";".join(inquirer.languages)
        else:  # a relative not in the season: an aunt, a grandfather, an older brother at home
            adults = [m.person for m in unit.members if m.role == "parent"] or unit.people
            kin = rng.choice(adults) if adults else None
            row["inquirer_family_name"] = kin.paternal if kin else N.pick(rng,
                                                                          N.SPANISH_SURNAMES)
            row["inquirer_given_name"] = N.pick(rng, N.FEMALE_GIVEN if rng.random() < 0.6
                                                else N.MALE_GIVEN)
        return row

    def _ask(self, inquirer: Person | None, relation: str, child: Person, separated,
             unit: Unit) -> None:
        rng = self.rng
        at = separated.day + dt.timedelta(days=rng.randint(2, 60))
        if at > self.as_of:
            return
        knows_less = relation != "parent"
        channel = rng.choice(CHANNELS)
        row = self._row(channel, at, relation, inquirer, unit)
        row["sought_given_name"] = self._given(child, knows_less)
        row["sought_family_name"] = self._family(child, knows_less)
        row["sought_birth_date"], row["sought_age"] = self._birth(child, at, knows_less)
        if rng.random() < (0.3 if knows_less else 0.7):
            row["sought_sex"] = child.sex
        if rng.random() < (0.2 if knows_less else 0.6):
            row["last_seen_on"] = (separated.day + dt.timedelta(
                days=rng.choice((0, 0, 0, -1, 1)))).isoformat()
        if separated.facility and rng.random() < 0.5:
            row["last_seen_place"] = separated.facility
        if rng.random() < self.rates.drop_accents:
            for column in ("sought_given_name", "sought_family_name"):
                row[column] = noise.strip_accents(row[column])
        self.tables[channel].write(row)
        self.truth.write({"source": channel, "inquiry_id": row["inquiry_id"],
                          "person_id": child.person_id})

    def _never_recorded(self, unit: Unit) -> None:
        """A parent of this season's country mix asks for a child nobody recorded."""
        rng = self.rng
        at = unit.start + dt.timedelta(days=rng.randint(2, 60))
        if at > self.as_of:
            return
        sex = rng.choice("FM")
        given = N.pick(rng, N.FEMALE_GIVEN if sex == "F" else N.MALE_GIVEN)
        paternal, maternal = N.pick(rng, N.SPANISH_SURNAMES), N.pick(rng, N.SPANISH_SURNAMES)
        birth = at - dt.timedelta(days=rng.randint(365, 17 * 365))
        channel = rng.choice(CHANNELS)
        row = self._row(channel, at, "parent", None, unit)
        row["inquirer_family_name"] = f"{paternal} {N.pick(rng, N.SPANISH_SURNAMES)}"
        row["sought_given_name"] = given
        row["sought_family_name"] = f"{paternal} {maternal}" if rng.random() < 0.6 else paternal
        roll = rng.random()
        if roll < 0.5:
            row["sought_birth_date"] = birth.isoformat()
        elif roll < 0.8:
            row["sought_age"] = str(age_on(birth, at))
        if rng.random() < 0.5:
            row["sought_sex"] = sex
        self.tables[channel].write(row)
        self.truth.write({"source": channel, "inquiry_id": row["inquiry_id"], "person_id": ""})
