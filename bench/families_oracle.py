"""Score families and the register with perfect identities, to separate their errors from the
linker's.

Simulates a season (unless OUT already holds one), ingests it, then loads
``truth.identities.csv`` as the identities (one person per true person) instead of running the
linker, builds families, computes the register's intervals, reads two days of it and prints
``score_families``; each step is timed (wall and CPU seconds, the process's peak memory so far,
and on a PostgreSQL on this host the server's CPU: ``bench/server_cpu.py``). ``--digest FILE``
then writes the families and intervals in a form two stores can be compared by
(``bench/families_digest.py``). Run it against a store of its own, e.g.:

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
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _step(name: str, started: float, cpu: float, server) -> str:
    """A step's line: wall and CPU seconds, peak memory so far, the server's CPU if known."""
    from server_cpu import read_server_cpu

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
    line = (f"{name} in {time.perf_counter() - started:.1f} s "
            f"({time.process_time() - cpu:.1f} s CPU, peak {peak:.2f} GB so far")
    now = read_server_cpu()
    if server is not None and now is not None:
        line += f"; {now.since(server)}"
    return line + ")"


def _populate(args: argparse.Namespace) -> None:
    """Simulate (unless done), ingest, and load the truth's persons as the identities."""
    from django.db import transaction
    from django.utils import timezone

    from reunify.actions import ingest as ingest_action
    from reunify.actions.ingest import ingest_paths
    from reunify.models import Identity, LinkRun, Person
    from reunify.simulator import simulate

    if Identity.objects.exists():
        raise SystemExit("use an empty store: this benchmark writes its own identities")
    if not (args.out / "manifest.json").exists():
        simulate(args.out, families=args.families, seed=args.seed,
                 conventions=args.conventions)
    # The truth's persons are the identities: ingest's own linking of new records
    # (docs/linkage.md) would only be replaced.
    ingest_action.link_new_records = lambda **_kw: None
    from server_cpu import read_server_cpu

    started, cpu, server = time.perf_counter(), time.process_time(), read_server_cpu()
    ingest_paths([args.out], actor="bench")
    print(_step("ingest", started, cpu, server), flush=True)
    started, cpu, server = time.perf_counter(), time.process_time(), read_server_cpu()
    with transaction.atomic():
        Identity.objects.all().delete()
        now = timezone.now()
        run = LinkRun.objects.create(actor="bench", started_at=now, finished_at=now,
                                     engine="truth")
        with (args.out / "truth.identities.csv").open(encoding="utf-8", newline="") as handle:
            rows = [(row["person_id"], row["source"], row["record_id"])
                    for row in csv.DictReader(handle)]
        # One person per true person, in the order the truth first names them (so two stores
        # populated from one batch number them alike), created in bulk: one INSERT per
        # person (a round trip each) took 245 s for 64,391 persons on PostgreSQL.
        order = list(dict.fromkeys(truth for truth, _s, _r in rows))
        created = Person.objects.bulk_create([Person(created_run=run) for _ in order],
                                             batch_size=5000)
        persons = {truth: person.pk for truth, person in zip(order, created, strict=True)}
        Identity.objects.bulk_create(
            [Identity(source=source, record_id=record_id, person_id=persons[truth], run=run)
             for truth, source, record_id in rows], batch_size=5000)
    print(_step(f"the truth's {len(persons)} persons stored", started, cpu, server), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--families", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--conventions", default="canonical")
    parser.add_argument("--no-score", action="store_true",
                        help="time families build and the register only")
    parser.add_argument("--digest", type=Path,
                        help="write the families and intervals to FILE to compare stores")
    parser.add_argument("--again", action="store_true",
                        help="on a store this benchmark populated: build families and the "
                             "register's intervals again, timed")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reunify.settings")
    import django

    django.setup()
    from reunify.actions.family import build_families
    from reunify.cli.main import prepare_store
    from reunify.queries import register_store
    from reunify.queries.family_evaluation import score_families
    from reunify.reports.register import current_intervals, register_snapshot
    from server_cpu import read_server_cpu

    prepare_store()
    if not args.again:
        _populate(args)
    started, cpu, server = time.perf_counter(), time.process_time(), read_server_cpu()
    run = build_families(actor="bench")
    print(_step(f"build_families: {run.stats['families']} families, "
                f"{run.stats['members']} members", started, cpu, server), flush=True)
    as_of = dt.date.fromisoformat(json.loads((args.out / "manifest.json").read_text())["as_of"])
    started, cpu, server = time.perf_counter(), time.process_time(), read_server_cpu()
    stored = current_intervals(actor="bench")
    print(_step(f"register intervals: {stored.rows}", started, cpu, server), flush=True)
    for day in (as_of, as_of - dt.timedelta(days=75)):
        started = time.perf_counter()
        rows = register_store.lines(register_snapshot(day, actor="bench"))
        counts = register_store.count(rows)
        page = list(register_store.spec_rows(rows[:100]))
        print(f"register as of {day}: counts of {counts.total} rows and a page of {len(page)} "
              f"in {(time.perf_counter() - started) * 1000:.0f} ms", flush=True)
    if args.digest:
        from families_digest import write_digest

        started = time.perf_counter()
        print(json.dumps(write_digest(args.digest), indent=2))
        print(f"digest in {time.perf_counter() - started:.1f} s", flush=True)
    if not args.no_score:
        print(json.dumps(score_families(args.out, as_of), indent=2))


if __name__ == "__main__":
    main()
