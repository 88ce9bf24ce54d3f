"""Why true families are not found whole: the linker's persons, or the families build.

    REUNIFY_DATABASE_URL=sqlite:////tmp/whole_100k/store.sqlite3 \
    .venv/bin/python bench/families_misses.py /tmp/whole_100k/batch [--out misses.csv]

Reads a store on which ``reunify link`` (or ``bench/families_oracle.py``) and ``reunify
families build`` ran, and the batch's truth files, and puts every true family that no family
of ours holds exactly (``reunify evaluate``'s ``families_whole``) under one cause:

- ``identity: member split``: a member's records are in two or more of our persons;
- ``identity: stranger merged``: a member's person also holds another true person's records;
- ``build: ...`` every member is exactly one of our persons, and yet no family of ours is
  exactly them: ``member(s) in no family``, ``spread over N families`` or ``with
  strangers`` (our family holds persons of another true family, or of none), with the
  members' roles.

Prints the counts by cause (and, for the build, by what the missing members' records hold:
groups, relations between records, claims naming someone outside the source); ``--out``
writes one line per family. Nothing is written to the store. A diagnostic for the families
build and the linker's part in it.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
from collections import Counter, defaultdict
from pathlib import Path


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _evidence(batch: Path) -> dict[tuple[str, str], set[str]]:
    """Per record: what its source wrote that can make a family link ("group:ROLE",
    "relation:KIND", "claim:KIND")."""
    out: dict[tuple[str, str], set[str]] = defaultdict(set)
    for path in sorted(batch.glob("*.persons.csv")):
        for row in _read(path):
            if row.get("group_id"):
                out[(row["source"], row["record_id"])].add(f"group:{row['group_role']}")
    for path in sorted(batch.glob("*.relations.csv")):
        for row in _read(path):
            kind = "relation" if row.get("other_record_id") else "claim"
            out[(row["source"], row["record_id"])].add(f"{kind}:{row['relation']}")
    return out


def classify(batch: Path) -> list[dict]:
    """One row per true family not found whole: its cause and what its members hold."""
    from reunify.queries.families import family_rows
    from reunify.queries.identities import identity_rows

    truth = {(r["source"], r["record_id"]): r["person_id"]
             for r in _read(batch / "truth.identities.csv")}
    true_records: dict[str, set] = defaultdict(set)
    for key, person in truth.items():
        true_records[person].add(key)
    our_records: dict[str, set] = defaultdict(set)
    person_of: dict[tuple[str, str], str] = {}
    for source, record_id, person in identity_rows():
        our_records[person].add((source, record_id))
        person_of[(source, record_id)] = person
    families: dict[str, set[str]] = defaultdict(set)
    true_roles: dict[str, str] = {}
    for row in _read(batch / "truth.families.csv"):
        families[row["family_id"]].add(row["person_id"])
        true_roles[row["person_id"]] = row["role"]
    our_family_of: dict[str, str] = {}
    our_members: dict[str, set[str]] = defaultdict(set)
    our_role: dict[str, str] = {}
    for row in family_rows():
        our_family_of[row["person_id"]] = row["family_id"]
        our_members[row["family_id"]].add(row["person_id"])
        our_role[row["person_id"]] = row["role"]
    family_of_true = {p: f for f, members in families.items() for p in members}
    evidence = _evidence(batch)

    def _held(member: str) -> str:
        held = set().union(*(evidence.get(k, set()) for k in true_records[member]))
        return ",".join(sorted(held)) or "nothing"

    rows = []
    for family, members in sorted(families.items()):
        present = [m for m in sorted(members) if true_records.get(m)]
        persons: dict[str, str] = {}
        split = merged = False
        for member in present:
            ours = {person_of[k] for k in true_records[member] if k in person_of}
            if len(ours) != 1:
                split = True
                continue
            (person,) = ours
            if our_records[person] != true_records[member]:
                merged = True
                continue
            persons[member] = person
        held = {our_family_of.get(p) for p in persons.values()}
        if not split and not merged and len(held) == 1 and None not in held and \
                our_members[next(iter(held))] == set(persons.values()):
            continue
        if split:
            cause = "identity: member split"
        elif merged:
            cause = "identity: stranger merged"
        else:
            outside = [m for m, p in persons.items() if p not in our_family_of]
            ours = {f for f in held if f is not None}
            extra = set().union(*(our_members[f] for f in ours)) - set(persons.values())
            if outside:
                cause = "build: member(s) in no family"
            elif len(ours) > 1:
                cause = f"build: spread over {len(ours)} families"
            else:
                cause = "build: with strangers"
            if extra and cause != "build: with strangers":
                cause += " (and strangers)"
        missing = [m for m in present if m not in persons or persons[m] not in our_family_of]
        rows.append({
            "family": family, "cause": cause, "members": len(present),
            "roles": " ".join(f"{m}:{true_roles[m]}>{our_role.get(persons.get(m, ''), '-')}"
                              for m in present),
            "apart": " ".join(f"{m}[{_held(m)}]" for m in missing),
            "evidence": " ".join(f"{m}[{_held(m)}]" for m in present),
            "strangers_families": " ".join(sorted({
                family_of_true.get(t, "none") for f in {our_family_of.get(p) for p in
                                                        persons.values()} - {None}
                for p in our_members[f] - set(persons.values())
                for t in {truth.get(k) for k in our_records[p]} - {None}})),
        })
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("batch", type=Path, help="the batch folder with the truth files")
    parser.add_argument("--out", type=Path, default=None, help="one line per family (CSV)")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reunify.settings")
    import django

    django.setup()
    rows = classify(args.batch)
    total = len({r["family_id"] for r in _read(args.batch / "truth.families.csv")})
    print(f"true families {total}, not whole {len(rows)} "
          f"(whole {1 - len(rows) / total:.4f})")
    for cause, count in Counter(r["cause"] for r in rows).most_common():
        print(f"  {count:5d}  {cause}")
    apart = Counter(re.sub(r"P\d+", "", r["evidence"]) for r in rows
                    if r["cause"].startswith("build"))
    if apart:
        print("build misses by what each member's records hold:")
        for what, count in apart.most_common(15):
            print(f"  {count:5d}  {what}")
    if args.out:
        with args.out.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["family"])
            writer.writeheader()
            writer.writerows(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
