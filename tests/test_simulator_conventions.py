"""The simulator writes one season in any recording convention the spec allows, changing how
events are written and nothing else; and it writes the true status of every family member."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from reunify.cli.main import main
from reunify.rules.interchange import STATUSES
from reunify.simulator import simulate
from reunify.simulator.conventions import CANONICAL, Convention, ConventionError, parse

SOURCES = ("border", "docket", "detention", "shelter")
CASES = {
    "parent": "separated=parent", "child": "separated=child", "one": "reunified=one",
    "named": "recipient=named", "blank": "recipient=blank", "lag": "detention:lag=3",
    "shuffled": "order=shuffled", "mixed": "mixed",
}
AS_OF = dt.date(2018, 9, 30)


def read(path: Path) -> list[dict]:
    """Rows of a CSV file as dicts."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def seasons(tmp_path_factory) -> dict[str, Path]:
    """One seed (200 families) written canonically and in each case's conventions."""
    out = {}
    for name, conventions in {"canonical": "canonical", **CASES}.items():
        out[name] = tmp_path_factory.mktemp(name)
        simulate(out[name], families=200, seed=4, conventions=conventions)
    return out


def _roles(batch: Path) -> dict[tuple[str, str], str]:
    """(source, record_id) → the true role of its person in their family (or "")."""
    roles = {r["person_id"]: r["role"] for r in read(batch / "truth.families.csv")}
    return {(r["source"], r["record_id"]): roles.get(r["person_id"], "")
            for r in read(batch / "truth.identities.csv")}


def _events(batch: Path, source: str) -> list[dict]:
    return read(batch / f"{source}.events.csv")


def _content(row: dict) -> tuple:
    """An event row without its id (ids follow the order events are written in)."""
    return tuple(v for k, v in sorted(row.items()) if k != "event_id")


@pytest.mark.parametrize("case", list(CASES))
def test_only_the_events_files_change(seasons, case):
    """Persons, relations and every truth file are byte for byte the canonical ones: the
    persons, families and true statuses do not depend on how events are written."""
    for path in sorted(seasons["canonical"].iterdir()):
        if path.name.endswith(".events.csv") or path.name == "manifest.json":
            continue
        assert path.read_bytes() == (seasons[case] / path.name).read_bytes(), path.name
    changed = [s for s in SOURCES if (seasons["canonical"] / f"{s}.events.csv").read_bytes()
               != (seasons[case] / f"{s}.events.csv").read_bytes()]
    assert changed, case


def test_same_seed_and_conventions_give_the_same_bytes(tmp_path, seasons):
    """Conventions draw from the seed only: ``mixed`` twice gives identical files, and the
    manifest names each source's convention."""
    simulate(tmp_path, families=200, seed=4, conventions="mixed")
    for path in sorted(seasons["mixed"].iterdir()):
        assert path.read_bytes() == (tmp_path / path.name).read_bytes(), path.name
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert set(manifest["conventions"]) == set(SOURCES)
    canonical = json.loads((seasons["canonical"] / "manifest.json").read_text())
    assert set(canonical["conventions"].values()) == {"canonical"}


def test_mixed_draws_each_source_from_the_seed():
    """``mixed`` gives sources different conventions, and other seeds other draws."""
    draws = {seed: parse("mixed", SOURCES, seed) for seed in range(6)}
    assert len({c for drawn in draws.values() for c in drawn.values()}) > 6
    assert any(drawn[s] != CANONICAL for drawn in draws.values() for s in SOURCES)
    assert draws[1] == parse("mixed", SOURCES, 1)


@pytest.mark.parametrize(("case", "kept"), [("parent", "adult"), ("child", "child")])
def test_separation_written_on_one_side(seasons, case, kept):
    """``separated=parent`` writes separations on adults' records only, ``child`` on
    children's only, where canonically both sides carry them."""
    def sides(batch: Path) -> Counter:
        roles = _roles(batch)
        return Counter("child" if roles[(e["source"], e["record_id"])] == "child" else "adult"
                       for s in SOURCES for e in _events(batch, s) if e["type"] == "separated")
    canonical, written = sides(seasons["canonical"]), sides(seasons[case])
    assert canonical["child"] > 0
    assert canonical["adult"] > 0
    assert set(written) == {kept}
    assert written[kept] == canonical[kept]


def test_reunification_written_on_one_member(seasons):
    """``reunified=one``: per source, family and day one record carries ``reunified``; the
    others' records show the same move as ``transferred`` (same custodian and facility)."""
    def reunions(batch: Path) -> Counter:
        truth = {(r["source"], r["record_id"]): r["person_id"]
                 for r in read(batch / "truth.identities.csv")}
        family = {r["person_id"]: r["family_id"] for r in read(batch / "truth.families.csv")}
        return Counter((s, family[truth[(s, e["record_id"])]], e["at"][:10])
                       for s in SOURCES for e in _events(batch, s) if e["type"] == "reunified")
    canonical, one = reunions(seasons["canonical"]), reunions(seasons["one"])
    assert max(canonical.values()) > 1
    assert set(one) == set(canonical)
    assert set(one.values()) == {1}
    moved = sum(canonical.values()) - sum(one.values())
    for source in SOURCES:
        before = Counter(e["type"] for e in _events(seasons["canonical"], source))
        after = Counter(e["type"] for e in _events(seasons["one"], source))
        moved -= after["transferred"] - before["transferred"]
    assert moved == 0


def test_recipient_named_or_blank(seasons):
    """``recipient=blank`` leaves every release's custodian empty; ``named`` names who
    received every child (a sponsor, or the parent, guardian or relative they left with);
    canonically only sponsors are named."""
    def recipients(batch: Path) -> Counter:
        roles = _roles(batch)
        return Counter((roles[(s, e["record_id"])] == "child", e["custodian"])
                       for s in SOURCES for e in _events(batch, s)
                       if e["type"] in ("released", "discharged")
                       and roles[(s, e["record_id"])])
    canonical, named, blank = (recipients(seasons[c]) for c in ("canonical", "named", "blank"))
    assert canonical[(True, "")] > 0
    assert canonical[(True, "sponsor")] > 0
    assert {custodian for (_, custodian) in blank} == {""}
    assert named[(True, "")] == 0
    assert named[(True, "parent")] > 0
    assert sum(named[(True, carer)] for carer in ("parent", "guardian", "relative")) == (
        canonical[(True, "")])
    assert sum(blank.values()) == sum(named.values()) == sum(canonical.values())


def test_a_lagging_source_writes_every_event_days_late(seasons):
    """``detention:lag=3``: each detention record's events are the canonical ones three days
    later (those pushed past the as-of day not yet written); other sources are untouched."""
    def by_record(batch: Path, shift: int) -> dict[str, list[tuple]]:
        out = defaultdict(list)
        for e in _events(batch, "detention"):
            day = dt.date.fromisoformat(e["at"][:10]) + dt.timedelta(days=shift)
            if day <= AS_OF:
                out[e["record_id"]].append((e["type"], day, e["custodian"], e["facility"]))
        return out
    lagged = by_record(seasons["lag"], 0)
    assert lagged == by_record(seasons["canonical"], 3)
    assert sum(map(len, lagged.values())) < len(_events(seasons["canonical"], "detention"))
    for source in ("border", "docket", "shelter"):
        assert _events(seasons["lag"], source) == _events(seasons["canonical"], source)


def test_same_day_events_shuffled(seasons):
    """``order=shuffled`` writes the same events in another file order, days still in order
    within each family unit's rows, and some day's events in another order."""
    reordered = 0
    for source in SOURCES:
        canonical, shuffled = _events(seasons["canonical"], source), _events(
            seasons["shuffled"], source)
        assert Counter(map(_content, canonical)) == Counter(map(_content, shuffled))
        reordered += [_content(e) for e in canonical] != [_content(e) for e in shuffled]
    assert reordered == len(SOURCES)


def test_truth_status_has_every_family_member(seasons):
    """``truth.status.csv`` (spec 1.1): ``person_id, status`` for every truth family member,
    statuses of the spec, the same as the truth register's."""
    batch = seasons["canonical"]
    rows = read(batch / "truth.status.csv")
    assert list(rows[0]) == ["person_id", "status"]
    members = {r["person_id"] for r in read(batch / "truth.families.csv")}
    assert sorted(r["person_id"] for r in rows) == sorted(members)
    assert {r["status"] for r in rows} == set(STATUSES)
    register = {r["person_id"]: r["status"] for r in read(batch / "truth.register.csv")}
    assert {r["person_id"]: r["status"] for r in rows} == register


def test_truth_status_follows_the_spec_semantics(seasons):
    """Read from the canonical records: a child still held in a shelter while a carer was
    removed without them is ``separated``; a child discharged to a sponsor is ``released``."""
    batch = seasons["canonical"]
    truth = {(r["source"], r["record_id"]): r["person_id"]
             for r in read(batch / "truth.identities.csv")}
    family = {r["person_id"]: r["family_id"] for r in read(batch / "truth.families.csv")}
    roles = {r["person_id"]: r["role"] for r in read(batch / "truth.families.csv")}
    status = {r["person_id"]: r["status"] for r in read(batch / "truth.status.csv")}
    last: dict[str, dict] = {}
    removed_carers: set[str] = set()
    for source in SOURCES:
        for e in _events(batch, source):
            person = truth[(source, e["record_id"])]
            if person not in family:
                continue
            if e["type"] == "removed" and roles[person] != "child":
                removed_carers.add(family[person])
            if person not in last or e["at"] >= last[person]["at"]:
                last[person] = {**e, "source": source}
    held, sponsored = [], []
    for person, e in last.items():
        if roles[person] != "child":
            continue
        if e["source"] == "shelter" and e["type"] in ("placed", "transferred") and e[
                "custodian"] and family[person] in removed_carers:
            held.append(person)
        if e["type"] == "discharged" and e["custodian"] == "sponsor":
            sponsored.append(person)
    assert held
    assert sponsored
    assert {status[p] for p in held} == {"separated"}
    assert {status[p] for p in sponsored} == {"released"}


@pytest.mark.parametrize("text", ["separated=sideways", "reunify=one", "nowhere:lag=1",
                                  "lag=-1", "lag=99", "order", ""])
def test_bad_conventions_are_refused(text):
    """A conventions text that does not parse is an error naming what was expected."""
    with pytest.raises(ConventionError):
        parse(text, SOURCES, 1)


def test_explicit_conventions_apply_in_order():
    """Items apply left to right over the canonical convention; a source prefix limits one."""
    chosen = parse("separated=child,detention:lag=3,shelter:reunified=one", SOURCES, 1)
    assert chosen["border"] == Convention(separated="child")
    assert chosen["detention"] == Convention(separated="child", lag=3)
    assert chosen["shelter"] == Convention(separated="child", reunified="one")
    assert chosen["detention"].describe() == "separated=child;lag=3"
    assert parse("mixed,canonical", SOURCES, 1) == dict.fromkeys(SOURCES, CANONICAL)


def test_simulate_command_takes_conventions(tmp_path, capsys):
    """``reunify simulate --conventions`` writes them into the manifest; a bad one exits 2
    with the reason and writes nothing."""
    out = tmp_path / "batch"
    assert main(["simulate", str(out), "--families", "10", "--seed", "2",
                 "--conventions", "border:separated=parent,detention:lag=2"]) == 0
    conventions = json.loads((out / "manifest.json").read_text())["conventions"]
    assert conventions["border"] == "separated=parent"
    assert conventions["detention"] == "lag=2"
    capsys.readouterr()
    bad = tmp_path / "bad"
    assert main(["simulate", str(bad), "--conventions", "separated=sideways"]) == 2
    assert "separated must be one of both, parent, child" in capsys.readouterr().err
    assert not bad.exists()
