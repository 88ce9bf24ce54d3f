"""An interchange batch read straight from its files, for the linker without a store.

Benchmarks and quality tests link simulated batches this way; ``reunify link`` reads the store.
Only current content matters here: a batch folder holds one version of each record.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from reunify.linkage.records import Key, Profile, Relation


def _rows(path: Path):
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle)


def read_batch(folder: Path) -> tuple[list[dict], list[Relation]]:
    """The person-records (with their events' ``seen_from``/``seen_to``, the facility of the
    first that names one, ``facility``, and the relatives they
    name without a record, ``named``, as the store gives them) and the relations between
    records of one source, of every ``<source>.<kind>.csv`` in ``folder``."""
    folder = Path(folder)
    records: list[dict] = []
    relations: list[Relation] = []
    seen: dict[Key, tuple[str, str]] = {}
    named: dict[Key, list[tuple[str, str, str]]] = {}
    first: dict[Key, tuple[str, str]] = {}
    for path in sorted(folder.glob("*.csv")):
        if path.name.startswith("truth.") or path.name.count(".") != 2:
            continue
        kind = path.name.split(".")[1]
        if kind == "persons":
            records.extend(_rows(path))
        elif kind == "relations":
            for r in _rows(path):
                if r.get("other_record_id"):
                    relations.append(Relation((r["source"], r["record_id"]), r["relation"],
                                              (r["source"], r["other_record_id"])))
                elif r.get("other_name"):
                    named.setdefault((r["source"], r["record_id"]), []).append(
                        (r["other_name"], r.get("other_a_number") or "",
                         r.get("other_phone") or ""))
        elif kind == "events":
            for e in _rows(path):
                key, day = (e["source"], e["record_id"]), e["at"][:10]
                low, high = seen.get(key, (day, day))
                seen[key] = (min(low, day), max(high, day))
                if e.get("facility") and (key not in first or e["at"] < first[key][0]):
                    first[key] = (e["at"], e["facility"])
    for r in records:
        r["seen_from"], r["seen_to"] = seen.get((r["source"], r["record_id"]), (None, None))
        r["named"] = sorted(named.get((r["source"], r["record_id"]), ()))
        r["facility"] = first.get((r["source"], r["record_id"]), ("", ""))[1]
    return records, relations


def read_truth(folder: Path) -> dict[Key, str]:
    """``truth.identities.csv``: (source, record_id) → the simulator's person id."""
    return {(r["source"], r["record_id"]): r["person_id"]
            for r in _rows(Path(folder) / "truth.identities.csv")}


def read_profiles(folder: Path) -> dict[str, Profile]:
    """The source profiles (``<source>.source.json``, spec 1.1) in ``folder``, by source."""
    out = {}
    for path in sorted(Path(folder).glob("*.source.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        out[data.get("source") or path.name.split(".")[0]] = Profile.of(data)
    return out
