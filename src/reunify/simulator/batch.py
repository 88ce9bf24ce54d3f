"""Writing a simulated season to disk: the sources' files, the truth files and a manifest.

Units are drawn and written one at a time, so memory stays flat however many families.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from collections.abc import Callable, Mapping
from dataclasses import asdict
from pathlib import Path

from reunify.rules.interchange import (
    EVENTS,
    EXPORT_COLUMNS,
    EXTENSION_COLUMNS,
    PERSONS,
    RELATIONS_KIND,
)
from reunify.simulator import noise
from reunify.simulator.conventions import Convention, parse, written_events
from reunify.simulator.family import family_unit
from reunify.simulator.inquiries import InquiryWriter
from reunify.simulator.people import age_on
from reunify.simulator.rates import DEFAULT_AS_OF, SOURCE_STYLE, Rates
from reunify.simulator.register import register_rows
from reunify.simulator.season import Event, Season, Stay, Unit
from reunify.simulator.sources import profile

SIMULATOR_VERSION = "1"
SOURCES = ("border", "docket", "detention", "shelter")
KINDS = {"persons": PERSONS, "relations": RELATIONS_KIND, "events": EVENTS}
#: Record ids per source: a prefix, digits, and a bijective scramble so ids reveal no order.
RECORD_IDS = {"border": ("BP", 8), "docket": ("18-MJ-", 7), "detention": ("ICE", 8),
              "shelter": ("ORR-", 7)}
TRUTH_COLUMNS = {
    "identities": EXPORT_COLUMNS["identities"],
    "families": EXPORT_COLUMNS["families"],
    "persons": ("person_id", "kind", "birth_date", "sex"),
    "register": (*EXPORT_COLUMNS["register"], "role"),
    "status": ("person_id", "status"),
}


class _Table:
    """One output file, CSV or JSONL, written row by row."""

    def __init__(self, path: Path, columns: tuple[str, ...], fmt: str) -> None:
        self.path, self.columns, self.fmt, self.rows = path, columns, fmt, 0
        self.handle = path.open("w", encoding="utf-8", newline="")
        if fmt == "csv":
            self.writer = csv.writer(self.handle, lineterminator="\n")
            self.writer.writerow(columns)

    def write(self, row: dict) -> None:
        self.rows += 1
        if self.fmt == "csv":
            self.writer.writerow([row.get(c, "") for c in self.columns])
        else:
            self.handle.write(json.dumps({c: row.get(c, "") for c in self.columns},
                                         ensure_ascii=False) + "\n")

    def close(self) -> bool:
        """Close the file; a JSONL file without rows is removed (it would be an empty file,
        which readers reject). Returns whether the file stays."""
        self.handle.close()
        if self.fmt == "jsonl" and self.rows == 0:
            self.path.unlink()
            return False
        return True


class _Ids:
    """Per-source counters turned into unique, unordered-looking ids."""

    def __init__(self, rng: random.Random) -> None:
        self.counts: dict[str, int] = {}
        self.offsets = {s: rng.randrange(10**6) for s in SOURCES}

    def next(self, source: str, what: str) -> str:
        key = f"{source}.{what}"
        n = self.counts[key] = self.counts.get(key, 0) + 1
        prefix, width = RECORD_IDS[source]
        if what == "event":
            prefix, width = f"{source[:3].upper()}-E", 9
        scrambled = (n * 7_654_321 + self.offsets[source]) % 10**width
        return f"{prefix}{scrambled:0{width}d}"


class _Writer:
    def __init__(self, outdir: Path, fmt: str, rng: random.Random, rates: Rates,
                 as_of: dt.date, conventions: Mapping[str, Convention] | None = None,
                 convention_rng: random.Random | None = None,
                 names: Mapping[str, str] | None = None) -> None:
        self.rng, self.rates, self.as_of = rng, rates, as_of
        # How each source writes its events; drawn from a generator of their own, so the
        # records and the truth are the same under every convention.
        self.conventions = conventions or {}
        self.convention_rng = convention_rng or random.Random(0)  # noqa: S311 # nosec B311
        self.tables: dict[str, _Table] = {}
        #: The name each source is written under (its own, unless renamed).
        self.names = {s: (names or {}).get(s, s) for s in SOURCES}
        for source in SOURCES:
            written = self.names[source]
            (outdir / f"{written}.source.json").write_text(
                json.dumps(profile(source, written), indent=2) + "\n", encoding="utf-8")
            for kind, spec in KINDS.items():
                # A batch of the other format left here earlier would be ingested with this one.
                for stale in (f"{written}.{kind}.csv", f"{written}.{kind}.jsonl"):
                    (outdir / stale).unlink(missing_ok=True)
                name = f"{written}.{kind}.{fmt}"
                self.tables[name] = _Table(
                    outdir / name, spec.columns + EXTENSION_COLUMNS.get(kind, ()), fmt)
        for kind, columns in TRUTH_COLUMNS.items():
            name = f"truth.{kind}.csv"
            self.tables[name] = _Table(outdir / name, columns, "csv")
        self.fmt = fmt
        self.ids = _Ids(rng)
        self.families = 0
        #: Family units written, by how their story goes (``Unit.outcome``).
        self.outcomes: dict[str, int] = {}

    def table(self, source: str, kind: str) -> _Table:
        return self.tables[f"{self.names[source]}.{kind}.{self.fmt}"]

    def close(self) -> dict[str, int]:
        kept = {name: t.close() for name, t in self.tables.items()}
        return {name: t.rows for name, t in self.tables.items() if kept[name]}

    # --- one unit --------------------------------------------------------------------------
    def unit(self, unit: Unit) -> None:
        stays = [s for s in self._reencounters(unit.stays) if s.first_day <= self.as_of]
        if not stays:
            return
        record_ids: dict[int, str] = {}
        for stay in stays:
            record_ids[id(stay)] = self.ids.next(stay.source, "record")
        written = set()
        for stay in stays:
            self._person(stay, record_ids[id(stay)])
            written.add(stay.person.person_id)
        for stay in stays:
            self._relations(stay, record_ids)
        for stay, event in written_events(unit, stays, self.conventions, self.convention_rng):
            self._event(stay, record_ids[id(stay)], event)
        persons = self.tables["truth.persons.csv"]
        for person in unit.people:
            if person.person_id in written:
                persons.write({"person_id": person.person_id, "kind": person.kind,
                               "birth_date": person.birth_date.isoformat(), "sex": person.sex})
        if unit.kind == "family":
            self.families += 1
            self.outcomes[unit.outcome] = self.outcomes.get(unit.outcome, 0) + 1
            families = self.tables["truth.families.csv"]
            for m in unit.members:
                families.write({"family_id": unit.family_id, "person_id": m.person.person_id,
                                "role": m.role})
            register = self.tables["truth.register.csv"]
            status = self.tables["truth.status.csv"]
            for row in register_rows(unit, self.as_of):
                register.write(row)
                status.write(row)

    def _reencounters(self, stays: list[Stay]) -> list[Stay]:
        """Some people are recorded twice by one source under a new record id."""
        out: list[Stay] = []
        for stay in stays:
            out.append(stay)
            if self.rng.random() >= self.rates.reencounter[stay.source]:
                continue
            moves = [i for i, e in enumerate(stay.events) if e.type == "transferred" and i > 0]
            if moves and stay.source in ("detention", "shelter"):
                # A transfer re-booked as a new record at the receiving facility.
                i = moves[0]
                out.append(Stay(stay.source, stay.person, stay.events[i:], stay.group_id,
                                stay.group_role))
                stay.events = stay.events[:i]
            else:
                # A duplicate booking, minutes after the first, by the same office.
                first = stay.events[0]
                minute = None if first.minute is None else min(
                    first.minute + self.rng.randint(1, 30), 24 * 60 - 1)
                again = Event(first.day, first.type, first.custodian, first.facility,
                              first.actor, first.authority, first.reason, minute)
                out.append(Stay(stay.source, stay.person, [again], stay.group_id,
                                stay.group_role))
        return out

    def _person(self, stay: Stay, record_id: str) -> None:
        rng, rates, p = self.rng, self.rates, stay.person
        style = SOURCE_STYLE[stay.source]
        family, given = noise.write_name(rng, rates, p, upper=style["upper"],
                                         accents=style["no_accents"],
                                         one_field=style.get("one_field", 0.0))
        child = age_on(p.birth_date, stay.first_day) < 18
        row = {
            "source": self.names[stay.source], "record_id": record_id, "family_name": family,
            "given_name": given, "group_id": stay.group_id, "group_role": stay.group_role,
        }
        if rng.random() < style["birth_date"]:
            row["birth_date"] = noise.write_birth_date(rng, rates, p.birth_date, child=child)
        if rng.random() < style["sex"] and rng.random() >= rates.sex_missing:
            row["sex"] = p.sex
        if rng.random() < style["country"]:
            row["country"] = noise.write_country(rng, rates, p.country)
        if rng.random() < style["a_number"]:
            row["a_number"] = noise.write_a_number(rng, rates, p.a_number)
        if p.phone and rng.random() < style["phone"]:
            row["phone"] = noise.write_phone(rng, p.phone)
        if rng.random() < style["address"]:
            # Adults give the address they are going to as often as the one they left.
            address = (p.destination if p.destination and not child and rng.random() < 0.5
                       else p.home)
            row["address"] = address if rng.random() < 0.7 else noise.strip_accents(address)
        if rng.random() < style["languages"]:
            row["languages"] = noise.write_languages(rng, rates, p.languages)
        self.table(stay.source, "persons").write(row)
        self.tables["truth.identities.csv"].write(
            {"source": self.names[stay.source], "record_id": record_id,
             "person_id": p.person_id})

    def _relations(self, stay: Stay, record_ids: dict[int, str]) -> None:
        table = self.table(stay.source, "relations")
        me = record_ids[id(stay)]
        for relation, other, evidence in stay.relations:
            other_id = record_ids.get(id(other))
            if other_id is not None:
                table.write({"source": self.names[stay.source], "record_id": me,
                             "relation": relation,
                             "other_record_id": other_id, "evidence": evidence})
        rng, rates = self.rng, self.rates
        for relation, person, evidence in stay.named:
            row = {"source": self.names[stay.source], "record_id": me, "relation": relation,
                   "other_name": noise.name_as_told(rng, rates, person), "evidence": evidence}
            if rng.random() < rates.other_birth_date:
                row["other_birth_date"] = noise.write_birth_date(
                    rng, rates, person.birth_date, child=False) or str(person.birth_date.year)
            if person.phone and rng.random() < rates.other_phone:
                row["other_phone"] = noise.write_phone(rng, person.phone)
            if person.a_number and rng.random() < rates.other_a_number:
                row["other_a_number"] = noise.write_a_number(rng, rates, person.a_number)
            contact = stay.person.first_contact
            if relation in ("child_of", "ward_of") and contact and contact <= self.as_of:
                row["first_contact"] = contact.isoformat()
            table.write(row)

    def _event(self, stay: Stay, record_id: str, e: Event) -> None:
        if e.day > self.as_of:
            return  # not yet written when the sources export
        at = e.day.isoformat()
        if e.minute is not None:
            at += f"T{e.minute // 60:02d}:{e.minute % 60:02d}:00"
        self.table(stay.source, "events").write({
            "source": self.names[stay.source], "event_id": self.ids.next(stay.source, "event"),
            "record_id": record_id, "type": e.type, "at": at, "custodian": e.custodian,
            "facility": e.facility, "actor": e.actor, "authority": e.authority,
            "reason": e.reason})


def simulate(outdir: Path, *, families: int, seed: int, as_of: dt.date | None = None,
             fmt: str = "csv", progress: Callable[[int, int], None] | None = None,
             rates: Rates | None = None,
             conventions: str | Mapping[str, Convention] = "canonical",
             source_names: Mapping[str, str] | None = None) -> dict:
    """Simulate a season of ``families`` family units (plus single adults and unaccompanied
    children in proportion) and write it to ``outdir`` as an interchange batch with truth files
    and ``manifest.json``. The same arguments always give byte-identical files.

    ``conventions`` says how each source writes its events (``simulator.conventions``):
    ``"canonical"``, ``"mixed"`` (drawn per source from ``seed``), an explicit text such as
    ``"separated=child,detention:lag=3"``, or a mapping source → ``Convention``. It changes
    the events files only: persons, relations and truth are the same under every convention.

    Returns the number of rows written per file name (and ``families``, ``persons``).
    ``source_names`` writes sources under other names (``reunify.simulator.sources``): in file
    names, ``source`` columns, profiles and truth files alike; nothing else changes.
    """
    if fmt not in ("csv", "jsonl"):
        raise ValueError(f"format must be csv or jsonl, not {fmt!r}")
    if families < 0:
        raise ValueError("families must be zero or more")
    rates = rates or Rates()
    as_of = as_of or DEFAULT_AS_OF
    if isinstance(conventions, str):
        conventions = parse(conventions, SOURCES, seed)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)  # noqa: S311 - a reproducible simulation, not a secret
    season = Season(rng, rates)
    writer = _Writer(outdir, fmt, random.Random(rng.random()), rates, as_of,  # noqa: S311
                     conventions, random.Random(f"conventions:{seed}"),  # noqa: S311 # nosec B311
                     source_names)
    # Tracing requests draw from a stream of their own: the other files stay as they were.
    inquiries = InquiryWriter(outdir, fmt, random.Random(f"inquiries:{seed}"),  # noqa: S311
                              rates, as_of, _Table)
    singles = unaccompanied = 0
    try:
        for i in range(1, families + 1):
            unit = family_unit(season)
            writer.unit(unit)
            inquiries.unit(unit)
            # Single adults and lone children arrive in proportion to family units.
            while singles < i * rates.single_adults_per_family:
                singles += 1
                writer.unit(season.single_adult())
            while unaccompanied < i * rates.unaccompanied_per_family:
                unaccompanied += 1
                writer.unit(season.unaccompanied_child())
            if progress is not None and (i % 200 == 0 or i == families):
                progress(i, families)
    finally:
        counts = writer.close()
        counts.update(inquiries.close())
    counts["families"] = writer.families
    counts["persons"] = counts["truth.persons.csv"]
    manifest = {
        "simulator_version": SIMULATOR_VERSION, "seed": seed, "families": families,
        "as_of": as_of.isoformat(), "format": fmt,
        "single_adults": singles, "unaccompanied_children": unaccompanied,
        "sources": writer.names,
        "family_outcomes": dict(sorted(writer.outcomes.items())),
        "counts": {k: v for k, v in counts.items() if "." in k},
        "conventions": {s: conventions.get(s, Convention()).describe() for s in SOURCES},
        "rates": asdict(rates),
    }
    (outdir / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False)
                                          + "\n", encoding="utf-8")
    return counts
