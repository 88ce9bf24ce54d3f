"""Parents outside the country: whom casework must still reach, and what a partner NGO needs.

A parent sought by an open case whom the register shows ``removed`` is outside the country. Their
last known country and place and their contact details are what their records say (the most
recent version of each record first); the outreach history is the case's contact log. A parent
is *reached* once an attempt to reach them was ``reached`` or a call with the child is logged.

The export for a partner NGO carries only what a field search needs — the parent's names and
phone, the country and place, the child's first name and age — never an A-number, a facility or
where the child is held (``NGO_COLUMNS``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from reunify.models import Case, ContactEntry, Identity, PersonRecord
from reunify.queries.cases import FEW_CASES, Standing, parent_sought, standings
from reunify.queries.families import person_public_id
from reunify.queries.register import register_entries
from reunify.rules.casework import CALL, REACHED
from reunify.rules.family import age_years
from reunify.rules.status import REMOVED

#: The columns of the export for a partner NGO, and nothing else.
NGO_COLUMNS = ("case_id", "country", "place", "parent_given_name", "parent_family_name",
               "parent_phone", "child_first_name", "child_age")


@dataclass
class Contact:
    """What a person's records say about where and how to reach them."""

    given_name: str = ""
    family_name: str = ""
    country: str = ""
    place: str = ""
    phone: str = ""
    languages: str = ""
    birth_date: str = ""


@dataclass
class OutreachLine:
    """A parent outside the country sought by an open case, and the outreach so far."""

    case: Case
    parent: int
    contact: Contact
    child: Contact
    child_age: str
    attempts: int = 0
    last_attempt: dt.date | None = None
    last_outcome: str = ""
    reached: bool = False
    history: list[ContactEntry] = field(default_factory=list)

    @property
    def parent_id(self) -> str:
        return person_public_id(self.parent)


def _most_common(values: Iterable[str]) -> str:
    counts = Counter(v.strip() for v in values if v and v.strip())
    return max(counts, key=lambda v: (counts[v], v)) if counts else ""


def contacts_of(persons: Iterable[int]) -> dict[int, Contact]:
    """Person → the names, country, place, phone and languages most of their records give."""
    wanted = set(persons)
    keys = {(s, r): p for s, r, p in Identity.objects.filter(person_id__in=wanted)
            .values_list("source", "record_id", "person_id")}
    fields: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    rows = PersonRecord.objects.filter(is_current=True, record_id__in={r for _s, r in keys})
    for row in rows.values("source", "record_id", "given_name", "family_name", "country",
                           "address", "phone", "languages", "birth_date"):
        person = keys.get((row["source"], row["record_id"]))
        if person is None:
            continue
        for name in ("given_name", "family_name", "country", "address", "phone", "languages",
                     "birth_date"):
            fields[person][name].append(row[name])
    return {p: Contact(
        given_name=_most_common(fields[p]["given_name"]),
        family_name=_most_common(fields[p]["family_name"]),
        country=_most_common(fields[p]["country"]).upper(),
        place=_most_common(fields[p]["address"]), phone=_most_common(fields[p]["phone"]),
        languages=_most_common(fields[p]["languages"]),
        birth_date=_most_common(fields[p]["birth_date"])) for p in wanted}


def parents_abroad(as_of: dt.date, *, cases: Iterable[Case] | None = None) -> list[OutreachLine]:
    """Open cases (on ``as_of``) whose parent sought the register shows removed, by country,
    those not yet reached first."""
    chosen = list(cases) if cases is not None else list(
        Case.objects.filter(opened__lte=as_of, closed__isnull=True).order_by("pk"))
    if len(chosen) <= FEW_CASES:
        entries = standings({c.person_id for c in chosen}, as_of)
    else:
        entries = {e.person: Standing.of_entry(e) for e in register_entries(as_of)}
    abroad = []
    for case in chosen:
        child = entries.get(case.person_id)
        parent = case.parent_id or (parent_sought(child, entries) if child else None)
        if parent is not None and parent in entries and entries[parent].state.status == REMOVED:
            abroad.append((case, parent))
    contacts = contacts_of({p for _c, p in abroad} | {c.person_id for c, _p in abroad})
    history: dict[int, list[ContactEntry]] = defaultdict(list)
    for entry in ContactEntry.objects.filter(case_id__in=[c.pk for c, _p in abroad],
                                             on__lte=as_of).order_by("on", "pk"):
        history[entry.case_id].append(entry)
    lines = []
    for case, parent in abroad:
        child = contacts[case.person_id]
        years = age_years(child.birth_date, as_of) if child.birth_date else None
        log = history[case.pk]
        attempts = [e for e in log if e.kind != CALL]
        lines.append(OutreachLine(
            case=case, parent=parent, contact=contacts[parent], child=child,
            child_age="" if years is None else str(int(years)), attempts=len(attempts),
            last_attempt=attempts[-1].on if attempts else None,
            last_outcome=attempts[-1].outcome if attempts else "",
            reached=any(e.kind == CALL or e.outcome == REACHED for e in log), history=log))
    return sorted(lines, key=lambda ln: (ln.reached, ln.contact.country or "~", ln.case.pk))


def not_reached_by_country(lines: list[OutreachLine]) -> list[tuple[str, int]]:
    """(country, parents not yet reached), most first; unknown country as ""."""
    counts = Counter(ln.contact.country for ln in lines if not ln.reached)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def ngo_rows(as_of: dt.date, *, country: str = "") -> Iterator[dict]:
    """The export for a partner NGO: parents outside the country not yet reached (of one
    country, if given), with only ``NGO_COLUMNS``."""
    for line in parents_abroad(as_of):
        if line.reached or (country and line.contact.country != country.upper()):
            continue
        yield {"case_id": line.case.public_id, "country": line.contact.country,
               "place": line.contact.place, "parent_given_name": line.contact.given_name,
               "parent_family_name": line.contact.family_name,
               "parent_phone": line.contact.phone,
               "child_first_name": (line.child.given_name.split() or [""])[0],
               "child_age": line.child_age}
