"""Ledger benchmark: append throughput, verification of a large ledger next to sha256sum, queries.

    .venv/bin/python bench/ledger.py [--entries 1000000] [--database-url URL]

Builds a fresh store in a temporary folder (SQLite unless --database-url), fills it, and prints
one line per figure. Run deliberately, never from the tests.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000, help="size of the big ledger")
    parser.add_argument("--singles", type=int, default=1_000, help="one-entry actions to time")
    parser.add_argument("--events", type=int, default=100_000, help="reported decisions to time")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="reunify-ledger-bench-"))
    os.environ["REUNIFY_DATABASE_URL"] = args.database_url or f"sqlite:///{work / 'store.sqlite3'}"
    os.environ["REUNIFY_DATA_DIR"] = str(work / "data")
    os.environ["DJANGO_SETTINGS_MODULE"] = "reunify.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    if args.database_url:  # a shared server: start from empty ledger tables
        from reunify.models import LedgerEntry

        if LedgerEntry.objects.exists():
            print("the database already holds a ledger; give an empty one", file=sys.stderr)
            return 2
    print(f"store: {connection.vendor} ({os.environ['REUNIFY_DATABASE_URL']})")

    from reunify.actions.ledger import append_entries, append_entry, append_reported_decisions

    # 1. one action, one entry, one transaction, one checkpoint after commit.
    t = time.perf_counter()
    for i in range(args.singles):
        with transaction.atomic():
            append_entry(actor="bench", type="bench.single", subjects=[f"bench:R{i}"],
                         payload={"i": i})
    elapsed = time.perf_counter() - t
    print(f"append_entry, one per transaction + checkpoint: {args.singles} in {elapsed:.2f} s "
          f"= {args.singles / elapsed:,.0f} actions/s")

    # 2. one ingest reporting many decisions.
    file_id = _make_events(args.events)
    t = time.perf_counter()
    with transaction.atomic():
        count = append_reported_decisions(actor="bench", file_id=file_id)
    elapsed = time.perf_counter() - t
    print(f"append_reported_decisions: {count} in {elapsed:.2f} s = {count / elapsed:,.0f} "
          "entries/s (checkpoint included)")

    # 3. fill up to --entries with bulk appends.
    missing = max(0, args.entries - _count())
    t = time.perf_counter()
    done = 0
    while done < missing:
        chunk = min(100_000, missing - done)
        with transaction.atomic():
            append_entries(actor=f"clerk-{done % 7}", entries=(
                ("bench.bulk", [f"src{(done + i) % 5}:R{(done + i) % 50_000}"],
                 {"n": done + i, "authority": f"order {(done + i) % 100}"})
                for i in range(chunk)))
        done += chunk
    elapsed = time.perf_counter() - t
    if missing:
        print(f"append_entries (bulk): {missing} in {elapsed:.2f} s = {missing / elapsed:,.0f} "
              "entries/s")

    # 4. export, then verify it next to sha256sum over the same bytes.
    from reunify.actions.ledger_export import export_ledger

    out = work / "export"
    t = time.perf_counter()
    summary = export_ledger(out, actor="bench")
    print(f"export: {summary['entries']} entries in {time.perf_counter() - t:.2f} s")
    entries_file = out / "entries.jsonl"
    size_mb = entries_file.stat().st_size / 1e6

    from reunify.models.ledger_keys import read_public_key
    from reunify.queries.ledger_files import exported_checkpoints, exported_entries
    from reunify.rules.ledger_verify import verify_ledger

    t, children = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(["sha256sum", str(entries_file)], check=True, capture_output=True)
    sha = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    sha_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    t, cpu = time.perf_counter(), time.process_time()
    verdict = verify_ledger(exported_entries(out), exported_checkpoints(out),
                            read_public_key(out / "ledger.pub"))
    verify, verify_cpu = time.perf_counter() - t, time.process_time() - cpu
    assert verdict.ok, verdict.problems[:3]
    print(f"verify export: {verdict.entries} entries ({size_mb:.0f} MB), {verdict.checkpoints} "
          f"checkpoints: {verify:.2f} s wall, {verify_cpu:.2f} s CPU")
    print(f"sha256sum entries.jsonl: {sha:.2f} s wall, {sha_cpu:.2f} s CPU; "
          f"ratio verify/sha256sum {verify / sha:.1f}x wall, {verify_cpu / sha_cpu:.1f}x CPU")
    t = time.perf_counter()
    cli = subprocess.run([sys.executable, "-m", "reunify.cli.main", "ledger", "verify", str(out)],
                         capture_output=True, text=True, env=os.environ)
    print(f"`reunify ledger verify DIR` (whole process): {time.perf_counter() - t:.2f} s, "
          f"exit {cli.returncode}")

    from reunify.models.ledger_keys import public_key
    from reunify.queries.ledger import checkpoint_notes, stored_entries

    t = time.perf_counter()
    verdict = verify_ledger(stored_entries(), checkpoint_notes(), public_key())
    print(f"verify store: {verdict.entries} entries in {time.perf_counter() - t:.2f} s "
          f"(ok={verdict.ok})")

    # 5. queries on the big ledger.
    from reunify.queries.ledger import EntryFilter, find_entries

    for label, where in (
        ("--actor clerk-3", EntryFilter(actor="clerk-3")),
        ("--authority 'order 42'", EntryFilter(authority="order 42")),
        ("--type reported.separated", EntryFilter(type="reported.separated")),
        ("--person src1:R4321", EntryFilter(person="src1:R4321")),
        ("--actor 'Agent 7' --type reported.", EntryFilter(actor="Agent 7", type="reported.")),
    ):
        t = time.perf_counter()
        total, rows = find_entries(where, limit=50)
        print(f"query {label}: {total} matching, first {len(rows)} in "
              f"{time.perf_counter() - t:.3f} s")
    print(f"(work folder: {work})")
    return 0


def _count() -> int:
    from reunify.models import LedgerEntry

    return LedgerEntry.objects.count()


def _make_events(n: int) -> int:
    """An ingested events file with n decisions, written straight to the tables."""
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from reunify.models import EventRecord, ImportBatch, SourceFile

    now = timezone.now()
    at = dt.datetime(2018, 5, 1, tzinfo=dt.UTC)
    types = ("referred", "separated", "transferred", "removed", "released", "reunified")
    with transaction.atomic():
        batch = ImportBatch.objects.create(actor="bench", started_at=now, committed_at=now)
        file = SourceFile.objects.create(batch=batch, name="events.csv", sha256="e" * 64,
                                         source="cbp", kind="events", format="csv", size=0,
                                         rows=n)
        EventRecord.objects.bulk_create((
            EventRecord(source="cbp", file=file, line=i + 2, content_hash=f"{i:064x}",
                        event_id=f"E{i}", record_id=f"P{i // 3}", type=types[i % 6],
                        at=at + dt.timedelta(minutes=i), custodian="ORR", facility="F",
                        actor=f"Agent {i % 40}", authority="8 U.S.C. 1325",
                        reason=f"reason text {i}")
            for i in range(n)), batch_size=5_000)
    return file.pk


if __name__ == "__main__":
    sys.exit(main())
