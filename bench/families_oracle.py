"""Score families and the register with perfect identities, to separate their errors from the
linker's.

Simulates a season, ingests it, then loads ``truth.identities.csv`` as the identities (one
person per true person) instead of running the linker, builds families and prints
``score_families``. Run it against a store of its own, e.g.:

    REUNIFY_DATABASE_URL=sqlite:////tmp/fam-oracle/store.sqlite3 \
    REUNIFY_DATA_DIR=/tmp/fam-oracle/data \
    .venv/bin/python bench/families_oracle.py --families 2000 --seed 1 --out /tmp/fam-oracle/batch

Results go in docs/families.md ("Measured").
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--families", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reunify.settings")
    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from reunify.actions.family import build_families
    from reunify.actions.ingest import ingest_paths
    from reunify.cli.main import prepare_store
    from reunify.models import Identity, LinkRun, Person
    from reunify.queries.family_evaluation import score_families
    from reunify.simulator import simulate

    prepare_store()
    if Identity.objects.exists():
        raise SystemExit("use an empty store: this benchmark writes its own identities")
    simulate(args.out, families=args.families, seed=args.seed)
    ingest_paths([args.out], actor="bench")
    with transaction.atomic():
        # Ingest gave every record a person already (docs/linkage.md, incremental linking):
        # the truth's persons take their place.
        Identity.objects.all().delete()
        now = timezone.now()
        run = LinkRun.objects.create(actor="bench", started_at=now, finished_at=now,
                                     engine="truth")
        persons: dict[str, Person] = {}
        identities = []
        with (args.out / "truth.identities.csv").open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                person = persons.get(row["person_id"])
                if person is None:
                    person = persons[row["person_id"]] = Person.objects.create(created_run=run)
                identities.append(Identity(source=row["source"], record_id=row["record_id"],
                                           person=person, run=run))
        Identity.objects.bulk_create(identities, batch_size=5000)
    started, cpu = time.perf_counter(), time.process_time()
    run = build_families(actor="bench")
    print(f"build_families: {run.stats['families']} families, {run.stats['members']} members "
          f"in {time.perf_counter() - started:.1f} s ({time.process_time() - cpu:.1f} s CPU)",
          flush=True)
    as_of = dt.date.fromisoformat(json.loads((args.out / "manifest.json").read_text())["as_of"])
    print(json.dumps(score_families(args.out, as_of), indent=2))


if __name__ == "__main__":
    main()
