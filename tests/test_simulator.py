"""The simulator writes a batch exactly per the interchange spec, deterministically, with truth
covering every record."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from reunify.rules.interchange import (
    EVENT_TYPES,
    EVIDENCE,
    EXPORT_COLUMNS,
    EXTENSION_COLUMNS,
    FAMILY_ROLES,
    FILE_NAME_PATTERN,
    GROUP_ROLES,
    KINDS,
    RELATIONS,
    SEXES,
    STATUSES,
)
from reunify.simulator import Rates, simulate

SOURCES = ("border", "docket", "detention", "shelter")
BIRTH_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
A_NUMBER = re.compile(r"A?[ -]?\d{1,3}([ -]?\d{3}){2}")
AS_OF = dt.date(2018, 9, 30)


def read(path: Path) -> list[dict]:
    """Rows of a CSV file as dicts."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def header(path: Path) -> list[str]:
    """The header row of a CSV file."""
    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    """A small season (300 family units), written once for the module."""
    out = tmp_path_factory.mktemp("season")
    simulate(out, families=300, seed=7)
    return out


def test_same_seed_gives_byte_identical_files(tmp_path):
    """Two runs with one seed write the same bytes; another seed writes other data."""
    simulate(tmp_path / "a", families=40, seed=11)
    simulate(tmp_path / "b", families=40, seed=11)
    simulate(tmp_path / "c", families=40, seed=12)
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir())
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert ((tmp_path / "a" / "border.persons.csv").read_bytes()
            != (tmp_path / "c" / "border.persons.csv").read_bytes())


def test_every_file_follows_the_spec(batch):
    """Headers are exactly the spec's columns, then reunify's extension columns; required
    fields are there; enums and dates valid; ids are unique and every reference points at a
    record of the same source; a first contact is a day on a child's row naming a carer."""
    for source in SOURCES:
        record_ids: set[str] = set()
        for kind_name in ("persons", "relations", "events"):
            path = batch / f"{source}.{kind_name}.csv"
            match = FILE_NAME_PATTERN.fullmatch(path.name)
            assert match
            assert match["source"] == source
            assert match["kind"] == kind_name
            kind = KINDS[kind_name]
            assert header(path) == [*kind.columns, *EXTENSION_COLUMNS.get(kind_name, ())], \
                path.name
            keys: set[tuple] = set()
            for row in read(path):
                assert row["source"] == source
                for column in kind.required:
                    assert row[column], (path.name, column, row)
                if kind.one_of:
                    assert any(row[c] for c in kind.one_of), (path.name, row)
                if row.get("first_contact"):
                    assert dt.date.fromisoformat(row["first_contact"]) <= AS_OF
                    assert row["relation"] in ("child_of", "ward_of"), row
                key = tuple(row[c] for c in kind.key)
                assert key not in keys, (path.name, key)
                keys.add(key)
                if kind_name == "persons":
                    record_ids.add(row["record_id"])
                    assert row["sex"] in ("", *SEXES)
                    assert row["group_role"] in ("", *GROUP_ROLES)
                    assert not row["birth_date"] or BIRTH_DATE.fullmatch(row["birth_date"])
                    assert not row["country"] or re.fullmatch(r"[A-Z]{2}", row["country"])
                    assert not row["a_number"] or A_NUMBER.fullmatch(row["a_number"]), row
                    assert 7 <= len(re.sub(r"\D", "", row["a_number"])) <= 9 or not row[
                        "a_number"]
                elif kind_name == "relations":
                    assert row["relation"] in RELATIONS
                    assert row["evidence"] in ("", *EVIDENCE)
                    assert row["record_id"] in record_ids
                    assert not row["other_record_id"] or row["other_record_id"] in record_ids
                else:
                    assert row["type"] in EVENT_TYPES
                    assert row["record_id"] in record_ids
                    at = dt.datetime.fromisoformat(row["at"])
                    assert at.date() <= AS_OF


def test_truth_covers_every_record_once(batch):
    """Every person-record of every source has exactly one truth identity, and every person in
    the truth has at least one record."""
    truth = read(batch / "truth.identities.csv")
    assert header(batch / "truth.identities.csv") == list(EXPORT_COLUMNS["identities"])
    keys = [(r["source"], r["record_id"]) for r in truth]
    assert len(keys) == len(set(keys))
    records = {(s, r["record_id"]) for s in SOURCES
               for r in read(batch / f"{s}.persons.csv")}
    assert set(keys) == records
    persons = {r["person_id"] for r in read(batch / "truth.persons.csv")}
    assert persons == {r["person_id"] for r in truth}


def test_family_roles_are_consistent(batch):
    """Each family has a parent or guardian or relative and at least one child; children are
    younger than 18 and far younger than their parents; singles and lone children have none."""
    persons = {r["person_id"]: r for r in read(batch / "truth.persons.csv")}
    families: dict[str, list[dict]] = defaultdict(list)
    for row in read(batch / "truth.families.csv"):
        assert row["role"] in FAMILY_ROLES
        families[row["family_id"]].append(row)
    assert len(families) == 300
    for members in families.values():
        roles = Counter(m["role"] for m in members)
        assert roles["child"] >= 1
        assert roles["child"] < len(members)
        born = {m["person_id"]: dt.date.fromisoformat(persons[m["person_id"]]["birth_date"])
                for m in members}
        for m in members:
            # Under 18 on apprehension (children), at least 18 (adults); the season is
            # 2018-04-01..2018-07-31.
            if m["role"] == "child":
                assert born[m["person_id"]] > dt.date(2000, 4, 1), m
            else:
                assert born[m["person_id"]] <= dt.date(2000, 7, 31), m
            if m["role"] == "parent":
                for k in members:
                    if k["role"] == "child":
                        assert (born[k["person_id"]] - born[m["person_id"]]).days > 14 * 365
    in_family = {r["person_id"] for r in read(batch / "truth.families.csv")}
    for pid, person in persons.items():
        assert (person["kind"] == "family_member") == (pid in in_family)


def test_register_rows_are_valid(batch):
    """The truth register has the spec's columns, one row per family member, valid statuses,
    and flags that follow from ages and statuses."""
    path = batch / "truth.register.csv"
    assert header(path)[: len(EXPORT_COLUMNS["register"])] == list(EXPORT_COLUMNS["register"])
    rows = read(path)
    members = read(batch / "truth.families.csv")
    assert sorted((r["family_id"], r["person_id"]) for r in rows) == sorted(
        (r["family_id"], r["person_id"]) for r in members)
    statuses = Counter(r["status"] for r in rows)
    assert set(statuses) <= set(STATUSES)
    for status in ("together", "separated", "reunified", "released", "removed", "unknown"):
        assert statuses[status] > 0, status
    for r in rows:
        flags = set(filter(None, r["flags"].split(";")))
        if "tender_age" in flags or "infant" in flags:
            assert r["role"] == "child"
            assert r["separated_since"]
            separated = dt.date.fromisoformat(r["separated_since"])
            assert (separated - dt.date.fromisoformat(r["birth_date"])).days < 5 * 366
        assert ("whereabouts_unknown" in flags) == (r["status"] == "unknown")
        if r["status"] in ("separated", "reunified", "released"):
            assert r["separated_since"]
        if r["status"] == "together":
            assert not r["separated_since"]


def test_jsonl_has_the_same_keys(tmp_path):
    """``fmt="jsonl"`` writes one JSON object per line with the spec's keys (then reunify's
    extension keys), never an empty
    file (the docket records no relations, so it has no relations file); truth stays CSV."""
    simulate(tmp_path, families=20, seed=3, fmt="jsonl")
    for source in SOURCES:
        for kind in ("persons", "relations", "events"):
            path = tmp_path / f"{source}.{kind}.jsonl"
            if (source, kind) == ("docket", "relations"):
                assert not path.exists()
                continue
            lines = path.read_text(encoding="utf-8").splitlines()
            assert lines
            for line in lines:
                assert list(json.loads(line)) == [*KINDS[kind].columns,
                                                  *EXTENSION_COLUMNS.get(kind, ())]
    assert (tmp_path / "truth.identities.csv").is_file()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["format"] == "jsonl"
    assert manifest["seed"] == 3


def test_rewriting_a_folder_in_another_format_leaves_one_batch(tmp_path):
    """Simulating into a folder that holds an earlier CSV batch replaces it: only the JSONL
    files of the new batch remain, other files are left alone."""
    simulate(tmp_path, families=10, seed=1)
    (tmp_path / "notes.txt").write_text("mine")
    simulate(tmp_path, families=10, seed=1, fmt="jsonl")
    assert not list(tmp_path.glob("border.*.csv"))
    assert (tmp_path / "border.persons.jsonl").is_file()
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_as_of_cuts_the_season(tmp_path):
    """Nothing after --as-of is written; families apprehended later are not in the batch."""
    as_of = dt.date(2018, 5, 31)
    counts = simulate(tmp_path, families=60, seed=5, as_of=as_of)
    assert 0 < counts["families"] < 60
    for source in SOURCES:
        for row in read(tmp_path / f"{source}.events.csv"):
            assert dt.datetime.fromisoformat(row["at"]).date() <= as_of
    assert json.loads((tmp_path / "manifest.json").read_text())["as_of"] == "2018-05-31"


def test_cli_writes_a_batch(run_cli, tmp_path):
    """``reunify simulate OUTDIR`` writes the batch and the manifest and exits 0."""
    out = tmp_path / "batch"
    result = run_cli("simulate", str(out), "--families", "15", "--seed", "2")
    assert result.returncode == 0, result.stderr
    assert (out / "border.persons.csv").is_file()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["families"] == 15
    records = sum(n for name, n in manifest["counts"].items()
                  if name.endswith(".persons.csv") and not name.startswith("truth."))
    assert records == manifest["counts"]["truth.identities.csv"] > 15
    assert f"{records} person-records" in result.stdout


def test_cli_and_api_write_the_same_batch(run_cli, tmp_path):
    """The command in a fresh process (another hash seed) writes the bytes the API writes
    in this one, so nothing depends on hash order; the progress callback reaches the total."""
    result = run_cli("simulate", str(tmp_path / "cli"), "--families", "12", "--seed", "8")
    assert result.returncode == 0, result.stderr
    seen: list[tuple[int, int]] = []
    simulate(tmp_path / "api", families=12, seed=8, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (12, 12)
    for path in sorted((tmp_path / "api").iterdir()):
        assert path.read_bytes() == (tmp_path / "cli" / path.name).read_bytes(), path.name


def test_rates_must_be_probabilities():
    """Custom rates outside 0..1, or outcome shares that do not sum to 1, are refused."""
    with pytest.raises(ValueError, match="twins"):
        Rates(twins=1.5)
    with pytest.raises(ValueError, match="outcomes"):
        Rates(outcomes=(("reunified", 0.5),))


def test_cli_refuses_a_negative_family_count(run_cli, tmp_path):
    """A negative --families is bad input (exit 2) and writes nothing."""
    result = run_cli("simulate", str(tmp_path / "x"), "--families", "-1")
    assert result.returncode == 2
    assert not (tmp_path / "x").exists()
