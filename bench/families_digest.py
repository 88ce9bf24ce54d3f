"""A digest of the current families and register intervals that two stores can be compared by.

Persons are named by their first record (source, record_id) rather than by their key, so a
store populated on SQLite and one populated on PostgreSQL from the same batch compare equal
when their families are the same, whatever keys each database handed out. Prints one JSON
object: per part (families, members, links, claims, intervals) a count and a sha256 of its
rows in a canonical order; ``--out FILE`` also writes the rows, for a diff.

    REUNIFY_DATABASE_URL=… .venv/bin/python bench/families_digest.py [--out rows.txt]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
from pathlib import Path


def _person_names() -> dict[int, str]:
    from reunify.models import Identity

    names: dict[int, str] = {}
    rows = Identity.objects.values_list("person_id", "source", "record_id")
    for person, source, record_id in rows.iterator(chunk_size=20000):
        name = f"{source}:{record_id}"
        if person not in names or name < names[person]:
            names[person] = name
    return names


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def digest_parts() -> dict[str, list[str]]:
    """The canonical rows of each part of the latest family run and the newest intervals."""
    from reunify.models import (
        Family,
        FamilyClaim,
        FamilyLink,
        FamilyMember,
        FamilyRun,
        RegisterInterval,
        RegisterIntervals,
    )

    run = FamilyRun.objects.filter(finished_at__isnull=False).order_by("-pk").first()
    if run is None:
        raise SystemExit("no family run in this store")
    who = _person_names()
    numbers = dict(Family.objects.filter(run=run).values_list("pk", "number").iterator())
    parts: dict[str, list[str]] = {
        "families": [_canonical([n, sorted(f)]) for n, f in
                     Family.objects.filter(run=run).values_list("number", "flags").iterator()],
        "members": [_canonical([numbers[f], who[p], r]) for f, p, r in FamilyMember.objects
                    .filter(family__run=run).values_list("family_id", "person_id", "role")
                    .iterator(chunk_size=20000)],
        "links": [_canonical([numbers[f], who[a], who[b], rel, ev, round(st, 9), src, c])
                  for f, a, b, rel, ev, st, src, c in FamilyLink.objects
                  .filter(family__run=run).values_list(
                      "family_id", "from_person_id", "to_person_id", "relation", "evidence",
                      "strength", "sources", "conflict").iterator(chunk_size=20000)],
        "claims": [_canonical([who[c], s, r, rel, name, line,
                               [{**x, "person": who[x["person"]]} for x in cands]])
                   for c, s, r, rel, name, line, cands in FamilyClaim.objects
                   .filter(run=run).values_list("claimant_id", "source", "record_id",
                                                "relation", "other_name", "line",
                                                "candidates").iterator()],
        "stats": [_canonical(run.stats)],
    }
    stored = RegisterIntervals.objects.order_by("-version").first()
    if stored is not None:
        fields = [f.name for f in RegisterInterval._meta.get_fields()
                  if f.concrete and f.name not in {"id", "intervals", "family_pk", "person"}]
        parts["intervals"] = [
            _canonical([who[row.pop("person")], *row.values()])
            for row in RegisterInterval.objects.filter(intervals=stored)
            .values("person", *fields).iterator(chunk_size=20000)]
    for rows in parts.values():
        rows.sort()
    return parts


def write_digest(out: Path | None) -> dict:
    """Each part's count and sha256; its rows into ``out`` (if given), one per line."""
    parts = digest_parts()
    if out is not None:
        with out.open("w", encoding="utf-8") as handle:
            for name, rows in parts.items():
                for row in rows:
                    handle.write(f"{name}\t{row}\n")
    return {name: {"rows": len(rows),
                   "sha256": hashlib.sha256("\n".join(rows).encode()).hexdigest()}
            for name, rows in parts.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reunify.settings")
    import django

    django.setup()
    print(json.dumps(write_digest(args.out), indent=2))


if __name__ == "__main__":
    main()
