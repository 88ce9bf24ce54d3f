"""How each source writes its events down: the recording conventions the interchange spec allows.

The season and its truth are drawn first (``family.py``, ``season.py``); a ``Convention`` per
source then changes only how that source *writes* the events of its records — never who exists,
who belongs to which family, or what really happened to them. So one seed written under any
conventions has the same persons, person-records, families and truth files, and the register
reunify builds from it should come out the same wherever the spec says the answer is knowable
(spec 1.1, "How events are read"; tests/test_conventions.py).

Axes (docs/simulator.md, "Recording conventions"):

- ``separated``: ``both`` (every member's record, the canonical way), ``parent`` (only the
  adults' records: parent, guardian or relative) or ``child`` (only the children's);
- ``reunified``: ``every`` (every member's record) or ``one`` (one member's record, drawn, per
  source and day; the others' records show the same move as ``transferred``);
- ``recipient``: ``sponsors`` (a discharge to a sponsor names ``sponsor``; a release with the
  family names nobody), ``named`` (every release or discharge of a child names who received
  them: ``sponsor``, or the ``parent``/``guardian``/``relative`` they left with) or ``blank``
  (no release or discharge names its recipient);
- ``lag``: the source writes every event this many days after it happened;
- ``order``: ``time`` (a record's events in time order, record after record) or ``shuffled``
  (a unit's events of one day in a drawn order).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace

from reunify.simulator.season import DAY, Event, Stay, Unit

#: Every axis and the values it takes; the first value is the canonical one.
CHOICES: dict[str, tuple[str, ...]] = {
    "separated": ("both", "parent", "child"),
    "reunified": ("every", "one"),
    "recipient": ("sponsors", "named", "blank"),
    "order": ("time", "shuffled"),
}
#: Lags ``mixed`` draws from, in days (most sources write on the day).
MIXED_LAGS = (0, 0, 1, 2, 3)
MAX_LAG = 30
RELEASES = frozenset({"released", "discharged"})


class ConventionError(ValueError):
    """A ``--conventions`` text that does not parse (the message says what was expected)."""


@dataclass(frozen=True)
class Convention:
    """How one source writes events (the defaults are the canonical convention)."""

    separated: str = "both"
    reunified: str = "every"
    recipient: str = "sponsors"
    lag: int = 0
    order: str = "time"

    def describe(self) -> str:
        """``key=value;…`` for the values that differ from the canonical ones (or
        ``canonical``)."""
        parts = [f"{f.name}={getattr(self, f.name)}" for f in fields(self)
                 if getattr(self, f.name) != f.default]
        return ";".join(parts) or "canonical"


CANONICAL = Convention()


def mixed(source: str, seed: int) -> Convention:
    """A convention drawn for ``source`` from ``seed`` alone (no other draw depends on it)."""
    rng = random.Random(f"conventions:{seed}:{source}")  # noqa: S311 # nosec B311
    return Convention(
        separated=rng.choice(CHOICES["separated"]), reunified=rng.choice(CHOICES["reunified"]),
        recipient=rng.choice(CHOICES["recipient"]), lag=rng.choice(MIXED_LAGS),
        order=rng.choice(CHOICES["order"]))


def parse(text: str, sources: Iterable[str], seed: int) -> dict[str, Convention]:
    """The conventions of every source from a ``--conventions`` text.

    The text is comma-separated items, applied in order over ``canonical``: ``canonical``
    or ``mixed`` (every source; ``mixed`` draws each source's convention from ``seed``),
    ``KEY=VALUE`` (every source) or ``SOURCE:KEY=VALUE`` (one source), e.g.
    ``separated=child,detention:lag=3,shelter:reunified=one``.
    """
    sources = tuple(sources)
    chosen = dict.fromkeys(sources, CANONICAL)
    items = [item.strip() for item in text.split(",")]
    if not any(items):
        raise ConventionError("empty conventions (expected canonical, mixed or KEY=VALUE)")
    for item in items:
        if item == "canonical":
            chosen = dict.fromkeys(sources, CANONICAL)
            continue
        if item == "mixed":
            chosen = {s: mixed(s, seed) for s in sources}
            continue
        target, _, setting = item.rpartition(":")
        key, equals, value = setting.partition("=")
        if not equals:
            raise ConventionError(
                f"{item!r}: expected canonical, mixed, KEY=VALUE or SOURCE:KEY=VALUE")
        if target and target not in sources:
            raise ConventionError(f"{item!r}: unknown source {target!r} (expected one of "
                                  f"{', '.join(sources)})")
        changes = {key: _value(item, key, value)}
        for source in (target,) if target else sources:
            chosen[source] = replace(chosen[source], **changes)
    return chosen


def _value(item: str, key: str, value: str) -> str | int:
    if key == "lag":
        if not value.isdigit() or int(value) > MAX_LAG:
            raise ConventionError(f"{item!r}: lag must be a whole number of days from 0 to "
                                  f"{MAX_LAG}")
        return int(value)
    if key not in CHOICES:
        raise ConventionError(f"{item!r}: unknown key {key!r} (expected one of "
                              f"{', '.join([*CHOICES, 'lag'])})")
    if value not in CHOICES[key]:
        raise ConventionError(f"{item!r}: {key} must be one of {', '.join(CHOICES[key])}")
    return value


def written_events(unit: Unit, stays: list[Stay], conventions: Mapping[str, Convention],
                   rng: random.Random) -> list[tuple[Stay, Event]]:
    """Every event of ``stays`` as its source writes it, in the order of its source's file.

    ``rng`` serves these conventions only (which member's record carries a lone
    ``reunified``, the order of a day's events), so the records themselves, drawn from the
    season's own generators, are the same under every convention.
    """
    roles = {m.person.person_id: m.role for m in unit.members}
    events = {id(stay): list(stay.events) for stay in stays}
    by_source: dict[str, list[Stay]] = {}
    for stay in stays:
        by_source.setdefault(stay.source, []).append(stay)
    for source, own in by_source.items():
        convention = conventions.get(source, CANONICAL)
        if convention == CANONICAL:
            continue
        _separated(convention, own, events, roles)
        if convention.reunified == "one":
            _one_reunified(own, events, rng)
        if convention.recipient != "sponsors":
            _recipients(convention, unit, own, events, roles)
        if convention.lag:
            for stay in own:
                events[id(stay)] = [replace(e, day=e.day + convention.lag * DAY)
                                    for e in events[id(stay)]]
    out: list[tuple[Stay, Event]] = []
    for source, own in by_source.items():
        mine = [(stay, e) for stay in own for e in events[id(stay)]]
        if conventions.get(source, CANONICAL).order == "shuffled":
            keys = {id(e): (e.day, rng.random()) for _, e in mine}
            mine.sort(key=lambda item: keys[id(item[1])])
        out.extend(mine)
    return out


def _separated(convention: Convention, stays: list[Stay], events: dict[int, list[Event]],
               roles: Mapping[str, str]) -> None:
    if convention.separated == "both":
        return
    keep = "child" if convention.separated == "child" else "adult"
    for stay in stays:
        role = roles.get(stay.person.person_id)
        if role is None or ("child" if role == "child" else "adult") == keep:
            continue
        events[id(stay)] = [e for e in events[id(stay)] if e.type != "separated"]


def _one_reunified(stays: list[Stay], events: dict[int, list[Event]],
                   rng: random.Random) -> None:
    """One record per day keeps the source's ``reunified`` event; on the others it is written
    as the move it also is (``transferred`` to the same custodian and facility), so that only
    the label changes, never what custody shows."""
    days: dict = {}
    for stay in stays:
        for e in events[id(stay)]:
            if e.type == "reunified":
                days.setdefault(e.day, []).append(stay)
    for day, holders in days.items():
        if len(holders) < 2:
            continue
        chosen = holders[rng.randrange(len(holders))]
        for stay in holders:
            if stay is not chosen:
                events[id(stay)] = [
                    replace(e, type="transferred") if e.type == "reunified" and e.day == day
                    else e for e in events[id(stay)]]


def _recipients(convention: Convention, unit: Unit, stays: list[Stay],
                events: dict[int, list[Event]], roles: Mapping[str, str]) -> None:
    # Who left custody on which day, by role: a child released the day an adult of the family
    # is released left with them.
    adults_out: dict = {}
    for stay in unit.stays:
        role = roles.get(stay.person.person_id)
        if role and role != "child":
            for e in stay.events:
                if e.type in RELEASES:
                    adults_out.setdefault(e.day, role)
    for stay in stays:
        child = roles.get(stay.person.person_id) == "child"
        changed = []
        for e in events[id(stay)]:
            if e.type in RELEASES:
                if convention.recipient == "blank":
                    e = replace(e, custodian="")
                elif child and not e.custodian and e.day in adults_out:
                    e = replace(e, custodian=adults_out[e.day])
            changed.append(e)
        events[id(stay)] = changed
