"""Metamorphic: one season written in every recording convention the spec allows gives the same
register, wherever the spec says the answer is knowable (spec 1.1, "How events are read").

The simulator writes one seed under each convention (docs/simulator.md, "Recording
conventions"): the persons, families and truth are the same, only how events are written
differs. Each batch is ingested, linked (Splink) and assembled into families in a transaction
rolled back afterwards; the register's status of every true family member (our persons mapped
to the simulator's by their records) must equal the canonical batch's.

Knowable: a status that began within the largest lag of the as-of day may not be written yet
by a lagging source, so families with such a member are left out of the comparison.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from django.db import transaction

from reunify.actions.family import build_families
from reunify.actions.ingest import ingest_paths
from reunify.actions.link import link
from reunify.queries.identities import identity_rows
from reunify.queries.register import register_rows
from reunify.simulator import simulate

FAMILIES, SEED, AS_OF = 150, 5, dt.date(2018, 9, 30)
#: The largest lag any case below writes with, in days.
MAX_LAG = 3

# The marker makes pytest-django set up the test database the module fixture works in.
pytestmark = pytest.mark.django_db

CASES = {
    "separated-on-parent": "separated=parent",
    "separated-on-child": "separated=child",
    "reunified-on-one": "reunified=one",
    "recipient-named": "recipient=named",
    "recipient-blank": "recipient=blank",
    "lagging-sources": "border:lag=2,detention:lag=3",
    "same-day-shuffled": "order=shuffled",
    "mixed": "mixed",
    "all-but-separation": "reunified=one,recipient=blank,border:lag=1,detention:lag=3,"
                          "shelter:lag=2,order=shuffled",
}


def _read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _statuses(batch: Path) -> dict[str, str]:
    """Ingest, link, build families; true person → register status ("missing" if absent)."""
    ingest_paths([batch], actor="tester")
    link(actor="tester")
    build_families(actor="tester")
    truth = {(r["source"], r["record_id"]): r["person_id"]
             for r in _read(batch / "truth.identities.csv")}
    votes: dict[str, Counter] = defaultdict(Counter)
    for source, record_id, person in identity_rows():
        votes[truth[(source, record_id)]][person] += 1
    ours = {true: c.most_common(1)[0][0] for true, c in votes.items()}
    register: dict[str, str] = {}
    for row in register_rows(AS_OF):
        register.setdefault(row["person_id"], row["status"])
    return {true: register.get(person, "missing") for true, person in ours.items()}


@pytest.fixture(scope="module")
def seasons(tmp_path_factory, django_db_setup, django_db_blocker) -> dict[str, dict]:
    """Every case's statuses, and the truth register (one store per case, rolled back)."""
    out: dict[str, dict] = {}
    with django_db_blocker.unblock():
        for name, conventions in {"canonical": "canonical", **CASES}.items():
            batch = tmp_path_factory.mktemp(name)
            simulate(batch, families=FAMILIES, seed=SEED, conventions=conventions)
            with transaction.atomic():
                out[name] = _statuses(batch)
                transaction.set_rollback(True)
    out["truth"] = {r["person_id"]: r for r in _read(batch / "truth.register.csv")}
    return out


def _knowable(truth: dict[str, dict]) -> dict[str, dict]:
    """Members of families none of whose members changed status within ``MAX_LAG`` days of
    the as-of day."""
    cut = (AS_OF - dt.timedelta(days=MAX_LAG)).isoformat()
    families: dict[str, list[dict]] = defaultdict(list)
    for row in truth.values():
        families[row["family_id"]].append(row)
    return {r["person_id"]: r for members in families.values()
            if all(m["since"] <= cut for m in members) for r in members}


def test_canonical_register_covers_every_status(seasons):
    """The canonical season is a fair baseline: its register shows every status for some
    true family member, and nearly all members are knowable under the largest lag."""
    knowable = _knowable(seasons["truth"])
    assert len(knowable) >= 0.95 * len(seasons["truth"])
    shown = {seasons["canonical"].get(p) for p in knowable}
    assert {"together", "separated", "reunified", "released", "removed", "unknown"} <= shown


@pytest.mark.parametrize("case", list(CASES))
def test_register_is_the_same_in_every_convention(seasons, case):
    """Written in this convention, the season's register gives every knowable true family
    member the status the canonical batch gives them: a separation written on the parent's
    record only or the child's only, a reunification on one member's record, a release naming
    its recipient or not, lagging sources and a day's events in any order all read the same
    (``rules.status.settle_family``)."""
    truth, canonical, variant = seasons["truth"], seasons["canonical"], seasons[case]
    differences: Counter = Counter()
    for person, row in _knowable(truth).items():
        ours, theirs = canonical.get(person, "missing"), variant.get(person, "missing")
        if ours != theirs:
            differences[f"{row['role']} truly {row['status']}: {ours} -> {theirs}"] += 1
    assert not differences, dict(differences)
