"""What one request of each kind of the load mix costs, in-process: wall, CPU, SQL queries.

Runs Django's test client against the store ``REUNIFY_DATABASE_URL`` names (one that
``bench/register.py`` or ``make run`` built), signed in as a data steward (the slowest case:
every family visible, the whole store searched), one request at a time, for each kind of
``bench/web.py``'s ``MIX``:

    REUNIFY_DATABASE_URL=sqlite:////tmp/web-bench-sqlite/store.sqlite3 \
    REUNIFY_DATA_DIR=/tmp/web-bench-sqlite/data \
    nice -n 10 .venv/bin/python bench/web_requests.py --requests 40 [--profile search]

It prints, per kind, the median and 95th percentile of wall time and of this process's CPU
time, and the number of SQL queries a request makes; ``--profile KIND`` also prints the
functions that KIND's requests spend their time in (cProfile, cumulative).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _client(tag: str):
    from django.test import Client

    from reunify.actions.users import create_user

    user, _secret = create_user(f"bench-requests-{tag}", "bench passphrase that is long 2018",
                                "data_steward", actor="bench")
    client = Client()
    client.force_login(user)
    return client


def _ask(client, kind: str, targets, rng):
    if kind == "family":
        return client.get(f"/families/{rng.choice(targets.families)}/")
    if kind == "person":
        return client.get(f"/persons/{rng.choice(targets.persons)}/")
    if kind == "search":
        return client.post("/search/", {"q": rng.choice(targets.names)},
                           headers={"HX-Request": "true"})
    if kind == "register":
        return client.get("/register/", {"page": rng.randint(1, 10)})
    return client.get("/api/v1/register", {"as_of": targets.latest.isoformat(),
                                           "page": rng.randint(1, 10)})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40, help="requests of each kind")
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--profile", choices=["family", "person", "search", "register",
                                              "register api"], action="append", default=[])
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reunify.settings")
    os.environ.setdefault("REUNIFY_REQUEST_LOG_LEVEL", "WARNING")  # no line per request
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    import web
    from reunify.cli.main import prepare_store

    prepare_store()
    targets = web.Targets(args.seed)
    web._store_register()
    client = _client(time.strftime("%H%M%S"))
    rng = random.Random(args.seed)
    print("| request | n | wall p50 / p95 ms | CPU p50 / p95 ms | queries p50 / max |")
    print("| --- | ---: | --- | --- | --- |")
    for kind in web.MIX:
        _ask(client, kind, targets, rng)  # the first of a kind warms per-process caches
        walls, cpus, queries = [], [], []
        profile = cProfile.Profile() if kind in args.profile else None
        for _ in range(args.requests):
            with CaptureQueriesContext(connection) as captured:
                wall, cpu = time.perf_counter(), time.process_time()
                if profile:
                    profile.enable()
                response = _ask(client, kind, targets, rng)
                if profile:
                    profile.disable()
                cpus.append((time.process_time() - cpu) * 1000)
                walls.append((time.perf_counter() - wall) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{kind}: HTTP {response.status_code}")
            queries.append(len(captured.captured_queries))
        print(f"| {kind} | {len(walls)} | {statistics.median(walls):.1f} / "
              f"{web._percentile(walls, 0.95):.1f} | {statistics.median(cpus):.1f} / "
              f"{web._percentile(cpus, 0.95):.1f} | {statistics.median(queries):.0f} / "
              f"{max(queries)} |", flush=True)
        if profile:
            pstats.Stats(profile, stream=sys.stdout).sort_stats("cumulative").print_stats(40)
    return 0


if __name__ == "__main__":
    sys.exit(main())
