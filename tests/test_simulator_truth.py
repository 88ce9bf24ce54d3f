"""The truth register agrees with what reunify's status rules make of the same season's records
when identities and families are perfect: truth and register share one set of definitions."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter, defaultdict
from pathlib import Path

from reunify.rules.status import settle_family
from reunify.simulator import simulate

SOURCES = ("border", "docket", "detention", "shelter")


def read(path: Path) -> list[dict]:
    """Rows of a CSV file as dicts."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _day(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def test_truth_register_matches_the_status_rules_on_perfect_records(tmp_path):
    """Folding each member's true records' events through reunify.rules.status and settling
    each true family gives the truth register's status, custodian, facility, since and
    separated_since for every member."""
    simulate(tmp_path, families=400, seed=21)
    identity = {(r["source"], r["record_id"]): r["person_id"]
                for r in read(tmp_path / "truth.identities.csv")}
    events = defaultdict(list)
    for source in SOURCES:
        for r in read(tmp_path / f"{source}.events.csv"):
            events[identity[(source, r["record_id"])]].append(
                (r["at"], r["type"], r["custodian"], r["facility"]))
    families: dict[str, dict[str, str]] = defaultdict(dict)
    for r in read(tmp_path / "truth.families.csv"):
        families[r["family_id"]][r["person_id"]] = r["role"]
    truth = {r["person_id"]: r for r in read(tmp_path / "truth.register.csv")}
    disagreements = Counter()
    statuses = Counter()
    for members in families.values():
        states = {
            p: [(dt.datetime.fromisoformat(at).date(), kind, custodian, facility)
                for at, kind, custodian, facility in sorted(events[p])]
            for p in members
        }
        for p, state in settle_family(states, members).items():
            row = truth[p]
            statuses[row["status"]] += 1
            ours = {"status": state.status, "custodian": state.custodian,
                    "facility": state.facility, "since": _day(state.since),
                    "separated_since": _day(state.separated_since)}
            for column, value in ours.items():
                if value != row[column]:
                    disagreements[(column, members[p], row[column], value)] += 1
    assert len(statuses) == 6
    assert not disagreements, disagreements
