"""What goes into the linker and what comes out of it: plain data, no database.

A record is a plain dict with the interchange columns of a person-record (``source``,
``record_id``, ``family_name``, ``given_name``, ``birth_date``, ``sex``, ``country``,
``a_number``, ``group_id``, ``group_role``, ``phone``) and, optionally, ``seen_from`` and
``seen_to``: the first and last day the source's events about the record fall on (a custody
chain is continuous in time, so one person's records are seen in adjacent windows),
``facility``: where the first of those events that names a facility says it held them, and
``named``: the relatives its source names without a record of theirs, ``(name, a_number,
phone)`` each (family context). Records are named by their key, ``(source, record_id)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Key = tuple[str, str]

@dataclass(frozen=True)
class Profile:
    """What one source can and cannot record (its ``<source>.source.json``), as the linker
    reads it: whom it holds (``adults``, ``minors`` or ``anyone``), whether it books people
    met together under one group and each person in one group or alone (``family_units``),
    and whether it holds the people it records (``custody``). A source without a profile
    gets ``Profile()``: none of the rules that depend on one apply to it."""

    holds: str = "anyone"
    family_units: bool = False
    custody: bool = False

    @classmethod
    def of(cls, data: dict) -> Profile:
        """A profile from its JSON object (unknown keys ignored, missing ones defaulted)."""
        return cls(holds=data.get("holds") or "anyone",
                   family_units=bool(data.get("family_units")),
                   custody=bool(data.get("custody")))


@dataclass(frozen=True)
class Relation:
    """A relation one source stated between two of its own records ("left is parent_of right")."""

    left: Key
    relation: str
    right: Key


@dataclass(frozen=True)
class Decision:
    """A person's binding ruling: the two records are the same person (``same``) or not."""

    left: Key
    right: Key
    same: bool


@dataclass
class ScoredPair:
    """Two records the linker compared, with the evidence: one weight per comparison."""

    left: Key
    right: Key
    match_weight: float
    match_probability: float
    #: One dict per comparison: ``name``, ``level`` (the label of the level hit), ``weight``.
    comparisons: list[dict] = field(default_factory=list)


@dataclass
class Resolution:
    """The linker's answer: who is who, what a person should look at, and the model used."""

    clusters: list[list[Key]]
    review: list[ScoredPair]
    model_json: str
    stats: dict = field(default_factory=dict)


def key_of(record: dict) -> Key:
    """The key naming a record."""
    return (record["source"], record["record_id"])


def ordered(a: Key, b: Key) -> tuple[Key, Key]:
    """The pair in a fixed order, so a pair has one spelling."""
    return (a, b) if a <= b else (b, a)
