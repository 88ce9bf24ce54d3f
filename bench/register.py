"""Benchmark: build families and compute the separation register for N persons.

Writes a synthetic store straight through the ORM (no simulator, no linker: each person has one
border record and, for children, one shelter record), then times ``build_families`` and a full
pass over ``register_rows``; then the stored register (``reunify.reports.register``): its
status intervals computed and stored once, then several days read as the register page reads
them (counts and one page). Run it
against a store of its own, e.g.:

    REUNIFY_DATABASE_URL=sqlite:////tmp/bench-register/store.sqlite3 \
    REUNIFY_DATA_DIR=/tmp/bench-register/data \
    .venv/bin/python bench/register.py --persons 100000

Results go in docs/benchmarks.md ("Register").
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import time


def _populate(persons: int, seed: int) -> int:
    from django.utils import timezone

    from reunify.models import (
        EventRecord,
        Identity,
        ImportBatch,
        LinkRun,
        Person,
        PersonRecord,
        SourceFile,
    )

    rng = random.Random(seed)
    now = timezone.now()
    batch = ImportBatch.objects.create(actor="bench", started_at=now, committed_at=now)
    run = LinkRun.objects.create(actor="bench", started_at=now, finished_at=now,
                                 engine="deterministic")
    files = {
        (s, k): SourceFile.objects.create(batch=batch, name=f"{s}.{k}.csv", sha256=f"{s}{k}{seed}",
                                          source=s, kind=k, format="csv", size=1, rows=1)
        for s in ("border", "shelter") for k in ("persons", "events")
    }
    people = Person.objects.bulk_create([Person(created_run=run) for _ in range(persons)],
                                        batch_size=5000)
    records, identities, events = [], [], []
    line = 0
    i = 0
    family = 0
    day0 = dt.datetime(2018, 5, 1, 12, tzinfo=dt.UTC)

    def event(source, record_id, etype, day, custodian, facility):
        nonlocal line
        line += 1
        events.append(EventRecord(
            source=source, event_id=f"E{line}", record_id=record_id, type=etype,
            at=day0 + dt.timedelta(days=day), custodian=custodian, facility=facility,
            file=files[(source, "events")], line=line, content_hash=str(line)))

    while i < len(people):
        family += 1
        size = min(len(people) - i, rng.choice((2, 2, 3, 3, 4)))
        members = people[i:i + size]
        i += size
        start = rng.randrange(60)
        separated = rng.random() < 0.6
        for n, person in enumerate(members):
            role = "parent" if n == 0 else "child"
            birth = f"{1985 + rng.randrange(8)}" if role == "parent" else \
                f"{2005 + rng.randrange(13)}-0{1 + rng.randrange(9)}-1{rng.randrange(9)}"
            rid = f"b{person.pk}"
            line += 1
            records.append(PersonRecord(
                source="border", record_id=rid, given_name=f"G{person.pk}",
                family_name=f"F{family}", birth_date=birth, group_id=f"G{family}",
                group_role=role, file=files[("border", "persons")], line=line,
                content_hash=rid))
            identities.append(Identity(source="border", record_id=rid, person=person, run=run))
            event("border", rid, "apprehended", start, "CBP", "Ursula")
            if role == "child" and separated:
                sid = f"s{person.pk}"
                line += 1
                records.append(PersonRecord(
                    source="shelter", record_id=sid, given_name=f"G{person.pk}",
                    family_name=f"F{family}", birth_date=birth,
                    file=files[("shelter", "persons")], line=line, content_hash=sid))
                identities.append(Identity(source="shelter", record_id=sid, person=person,
                                           run=run))
                event("border", rid, "separated", start + 2, "ORR", f"Casa {family % 90}")
                event("shelter", sid, "placed", start + 3, "ORR", f"Casa {family % 90}")
                if rng.random() < 0.5:
                    event("shelter", sid, "reunified", start + 20 + rng.randrange(60), "ICE",
                          "Dilley")
            elif role == "parent" and separated:
                event("border", rid, "referred", start + 2, "USMS", "Court")
                event("border", rid, "detained", start + 4, "ICE", "Port Isabel")
            else:
                event("border", rid, "released", start + 3, "family", "")
    PersonRecord.objects.bulk_create(records, batch_size=5000)
    Identity.objects.bulk_create(identities, batch_size=5000)
    EventRecord.objects.bulk_create(events, batch_size=5000)
    return len(events)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2018, 8, 1))
    parser.add_argument("--views", action="store_true",
                        help="on a populated store: the register page and API through the "
                             "views (Django test client), five days, each asked twice "
                             "(needs REUNIFY_ALLOWED_HOSTS=testserver)")
    parser.add_argument("--read-only", action="store_true",
                        help="on a populated store: only the stored register (intervals "
                             "computed if missing, then days read)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reunify.settings")
    import django

    django.setup()
    from django.db import transaction

    from reunify.actions.family import build_families
    from reunify.cli.main import prepare_store
    from reunify.models import Person
    from reunify.queries.register import register_rows

    prepare_store()
    if not Person.objects.exists():
        started = time.perf_counter()
        with transaction.atomic():
            n_events = _populate(args.persons, args.seed)
        print(f"populated {args.persons} persons, {n_events} events "
              f"in {time.perf_counter() - started:.1f} s")
    if args.read_only:
        _stored(args.as_of)
        return
    if args.views:
        _views()
        return
    started, cpu = time.perf_counter(), time.process_time()
    run = build_families(actor="bench")
    print(f"build_families: {run.stats['families']} families, {run.stats['members']} members "
          f"in {time.perf_counter() - started:.1f} s ({time.process_time() - cpu:.1f} s CPU)")
    started, cpu = time.perf_counter(), time.process_time()
    rows = sum(1 for _ in register_rows(args.as_of))
    print(f"register_rows({args.as_of}): {rows} rows in {time.perf_counter() - started:.1f} s "
          f"({time.process_time() - cpu:.1f} s CPU)")
    _stored(args.as_of)


def _stored(as_of: dt.date) -> None:
    """The stored register: its intervals computed and stored once, then any day read as a
    page of it reads it (counts and the first page), for days before, inside and after the
    season."""
    from reunify.queries import register_store
    from reunify.reports.register import current_intervals, register_snapshot

    started, cpu = time.perf_counter(), time.process_time()
    stored = current_intervals(actor="bench")
    print(f"register intervals computed and stored: {stored.rows} intervals "
          f"in {time.perf_counter() - started:.1f} s ({time.process_time() - cpu:.1f} s CPU)")
    days = [as_of, dt.date(2018, 4, 1), dt.date(2018, 5, 20), dt.date(2018, 6, 30),
            dt.date(2018, 9, 30), dt.date(2019, 6, 1)]
    for day in days:
        for label, filters in (("all", {}), ("separated", {"status": "separated"}),
                               ("flag tender_age", {"flag": "tender_age"})):
            started, cpu = time.perf_counter(), time.process_time()
            snapshot = register_snapshot(day, actor="bench")
            rows = register_store.lines(snapshot, **filters)
            counts = register_store.count(rows)
            page = list(register_store.spec_rows(rows[:100]))
            print(f"register as of {day}, {label}: counts of {counts.total} rows and a page of "
                  f"{len(page)} in {(time.perf_counter() - started) * 1000:.0f} ms "
                  f"({(time.process_time() - cpu) * 1000:.0f} ms CPU)")


def _views() -> None:
    """The register page and API as a data steward asks for them, any day."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from reunify.actions.users import create_user

    user = get_user_model().objects.filter(username="register-bench").first()
    if user is None:
        user, _secret = create_user("register-bench", "a passphrase long enough for the bench",
                                    "data_steward", actor="bench")
    client = Client()
    client.force_login(user)
    for day in ("2018-04-01", "2018-05-20", "2018-06-30", "2018-08-01", "2019-06-01"):
        for label, route, extra in (("page", "register", {}),
                                    ("page separated", "register", {"status": "separated"}),
                                    ("API", "api:register", {})):
            times = []
            for _ in range(2):
                started, cpu = time.perf_counter(), time.process_time()
                response = client.get(reverse(route), {"as_of": day, **extra})
                if response.status_code != 200:
                    raise SystemExit(f"{route} as of {day}: HTTP {response.status_code}")
                times.append(f"{(time.perf_counter() - started) * 1000:.0f} ms "
                             f"({(time.process_time() - cpu) * 1000:.0f} ms CPU)")
            print(f"{day} {label}: first {times[0]}, again {times[1]}", flush=True)


if __name__ == "__main__":
    main()
