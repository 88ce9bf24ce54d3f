"""Small interchange batches for the linkage tests: write them, ingest them for real."""

from __future__ import annotations

import csv
from pathlib import Path

from reunify.actions.ingest import ingest_paths

PERSON_COLUMNS = ("source", "record_id", "family_name", "given_name", "birth_date", "sex",
                  "country", "a_number", "group_id", "group_role", "phone")
RELATION_COLUMNS = ("source", "record_id", "relation", "other_record_id", "other_name")
EVENT_COLUMNS = ("source", "event_id", "record_id", "type", "at", "facility")


def _write(path: Path, columns: tuple[str, ...], rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})


def ingest_records(folder: Path, persons: list[dict], relations: list[dict] = (),
                   events: list[dict] = ()) -> None:
    """Write persons (and relations, events) as one batch per source and ingest it."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = sorted({p["source"] for p in persons})
    for source in sources:
        _write(folder / f"{source}.persons.csv", PERSON_COLUMNS,
               [p for p in persons if p["source"] == source])
        mine = [r for r in relations if r["source"] == source]
        if mine:
            _write(folder / f"{source}.relations.csv", RELATION_COLUMNS, mine)
        mine = [e for e in events if e["source"] == source]
        if mine:
            _write(folder / f"{source}.events.csv", EVENT_COLUMNS, mine)
    ingest_paths([folder], actor="tester")


def person(source: str, record_id: str, given: str, family: str, birth: str = "", *,
           a_number: str = "", sex: str = "", group: str = "", role: str = "",
           country: str = "GT") -> dict:
    """One person-record as a row."""
    return {"source": source, "record_id": record_id, "given_name": given,
            "family_name": family, "birth_date": birth, "a_number": a_number, "sex": sex,
            "group_id": group, "group_role": role, "country": country}


def simulated_season(folder: Path, *, families: int = 300, seed: int = 11
                     ) -> tuple[list[dict], list[dict]]:
    """A simulated season's records as read from its batch, and their feature dicts as a
    link run prepares them (places of custody learnt from them all, age groups by the
    batch's source profiles)."""
    from reunify.linkage import ages, places
    from reunify.linkage.batch_files import read_batch, read_profiles
    from reunify.linkage.features import features
    from reunify.simulator import simulate

    simulate(folder, families=families, seed=seed)
    records, _relations = read_batch(folder)
    feats = [features(i, r) for i, r in enumerate(records)]
    places.add_places(feats)
    ages.add_ages(feats, read_profiles(folder))
    return records, feats


def scored_season(folder: Path) -> tuple[list[dict], list[dict], str, list]:
    """:func:`simulated_season`'s records and features, the model a link run trains on them
    (JSON) and the pairs it keeps (``(weight, i, j)``)."""
    from reunify.linkage import engine

    records, feats = simulated_season(folder)
    scored = engine.score(feats)
    try:
        return records, feats, scored.model_json, scored.edges
    finally:
        scored.close()
