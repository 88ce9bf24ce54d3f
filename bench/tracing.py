"""Tracing benchmarks: how well inquiries find the person sought, and how fast one is answered.

    # quality, on a store where `reunify demo --seed S --out DIR` ran (inquiries included):
    .venv/bin/python bench/tracing.py quality DIR

    # one inquiry at a time on a store of ~100,000 persons (its own, empty store):
    .venv/bin/python bench/tracing.py latency --families 31000 --model-store SEED1.sqlite3

``quality`` matches every inquiry of the store, and scores the matches against the batch's
``truth.inquiries.csv`` beside a plain name search in the records (exact given and family
name, case and accents folded: what operators did in 2018), in the same run.

``latency`` simulates a season, ingests it, takes each record's person from the simulator's
truth (no linker: linking 230,000 records is another benchmark), stores the Splink model of
another store's latest link run, builds families, then answers inquiries one by one through
``match_inquiries`` (the hotline's path) and reports the first (which builds the in-memory
blocking index) and the median and 95th percentile of the rest, in wall-clock seconds and in
this process's CPU seconds (the database server's are not counted). Results go in
docs/benchmarks.md ("Tracing").
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reunify.settings")
    import django

    django.setup()
    from reunify.cli.main import prepare_store

    prepare_store()


def quality(args: argparse.Namespace) -> int:
    _setup()
    from reunify.actions.tracing import match_inquiries
    from reunify.queries.tracing_evaluation import score_matches

    started = time.perf_counter()
    counts = match_inquiries(actor="bench")
    seconds = time.perf_counter() - started
    scores = score_matches(Path(args.truth_dir))
    print(json.dumps({"counts": counts, "seconds": round(seconds, 1), **scores}, indent=1))
    return 0


def _model_json(path: str) -> str:
    with sqlite3.connect(path) as con:
        row = con.execute("SELECT model_json FROM reunify_link_run WHERE engine = 'splink' "
                          "ORDER BY id DESC LIMIT 1").fetchone()
    if row is None:
        raise SystemExit(f"{path}: no Splink link run")
    return row[0]


def latency(args: argparse.Namespace) -> int:
    _setup()
    from django.db import connection
    from django.utils import timezone

    from reunify.actions.family import build_families
    from reunify.actions.ingest import ingest_paths
    from reunify.actions.tracing import match_inquiries
    from reunify.models import Identity, InquiryRecord, LinkRun, Person
    from reunify.simulator import simulate

    model_json = _model_json(args.model_store)
    timings: dict[str, float] = {}
    if not Identity.objects.exists():
        with tempfile.TemporaryDirectory(prefix="bench-tracing-") as folder:
            t = time.perf_counter()
            simulate(Path(folder), families=args.families, seed=args.seed)
            timings["simulate"] = time.perf_counter() - t
            t = time.perf_counter()
            ingest_paths([p for p in Path(folder).iterdir() if not p.name.startswith("truth.")
                          and p.suffix == ".csv"], actor="bench")
            timings["ingest"] = time.perf_counter() - t
            t = time.perf_counter()
            # Ingest gave every record a person of its own (no model yet): the truth's
            # persons replace them (two set-oriented statements, no Python objects).
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM reunify_identity")
                cursor.execute("DELETE FROM reunify_person")
            now = timezone.now()
            run = LinkRun.objects.create(actor="bench", started_at=now, finished_at=now,
                                         engine="splink", model_json=model_json)
            with (Path(folder) / "truth.identities.csv").open(encoding="utf-8") as handle:
                truth = list(csv.DictReader(handle))
            people = sorted({r["person_id"] for r in truth})
            made = Person.objects.bulk_create([Person(created_run=run) for _ in people],
                                              batch_size=5000)
            pk = {p: m.pk for p, m in zip(people, made, strict=True)}
            Identity.objects.bulk_create([
                Identity(source=r["source"], record_id=r["record_id"],
                         person_id=pk[r["person_id"]], run=run) for r in truth],
                batch_size=5000)
            timings["persons"] = time.perf_counter() - t
            t = time.perf_counter()
            build_families(actor="bench")
            timings["families"] = time.perf_counter() - t
    persons = Person.objects.count()
    keys = list(InquiryRecord.objects.filter(is_current=True).order_by("pk")
                .values_list("source", "inquiry_id")[:args.inquiries])
    each, cpu = [], []
    for key in keys:
        t, c = time.perf_counter(), time.process_time()
        match_inquiries(actor="bench", keys=[key])
        each.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    rest = sorted(each[1:])
    rest_cpu = sorted(cpu[1:])
    print(json.dumps({
        "persons": persons, "inquiries_answered": len(each),
        "setup_seconds": {k: round(v, 1) for k, v in timings.items()},
        "first_inquiry_seconds": round(each[0], 2),
        "median_seconds": round(statistics.median(rest), 3),
        "p95_seconds": round(rest[int(0.95 * (len(rest) - 1))], 3),
        "max_seconds": round(rest[-1], 3),
        # This process's CPU alone (not the database server's): on a loaded machine, what
        # the answer costs rather than how long it waited for a core.
        "first_inquiry_cpu_seconds": round(cpu[0], 2),
        "median_cpu_seconds": round(statistics.median(rest_cpu), 3),
        "p95_cpu_seconds": round(rest_cpu[int(0.95 * (len(rest_cpu) - 1))], 3),
        "max_cpu_seconds": round(rest_cpu[-1], 3),
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }, indent=1))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    q = sub.add_parser("quality", help="top-1/top-5/false-confident against truth, and the "
                       "plain name search")
    q.add_argument("truth_dir", type=Path)
    q.set_defaults(func=quality)
    lat = sub.add_parser("latency", help="seconds per inquiry on a large store")
    lat.add_argument("--families", type=int, default=31_000)
    lat.add_argument("--seed", type=int, default=3)
    lat.add_argument("--inquiries", type=int, default=51)
    lat.add_argument("--model-store", required=True,
                     help="an SQLite store whose latest Splink link run gives the model")
    lat.set_defaults(func=latency)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
