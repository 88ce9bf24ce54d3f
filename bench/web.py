"""Load benchmark of the web UI: family page and search, N concurrent users, against gunicorn.

Runs on the store ``make run`` built (same ``REUNIFY_DATABASE_URL`` / ``REUNIFY_DATA_DIR``):

    .venv/bin/python bench/web.py --users 50 --seconds 60

It creates ``--users`` data-steward accounts of its own (``bench-<run>-<n>``, each with its own
TOTP secret, so every user sees every family and searches the whole store: the slowest case),
starts ``reunify.wsgi`` under gunicorn on 127.0.0.1, signs every user in through the sign-in
form (one after another, before the clock starts), then lets each user alternate, as fast as the
user thinks (``--think``, a random pause, 1 to 2 s by default, as locust's ``between(1, 2)``),
between opening a random family page and searching (POST) a random surname; ``--think 0 0``
makes every user ask again as soon as answered (a stress test, not a user load).
It prints latency percentiles per kind of request and the throughput; figures go in
docs/benchmarks.md ("Web").
"""

from __future__ import annotations

import argparse
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench passphrase that is long enough 2018"


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reunify.settings")
    import django

    django.setup()
    from reunify.cli.main import prepare_store

    prepare_store()


def _targets(seed: int) -> tuple[list[str], list[str]]:
    """Family ids of the current run and surnames of current records, sampled."""
    from reunify.models import Family, PersonRecord
    from reunify.queries.families import current_run

    run = current_run()
    if run is None:
        raise SystemExit("no families in this store: run `make run` (reunify demo) first")
    rng = random.Random(seed)
    families = [f"F{pk:07d}" for pk in Family.objects.filter(run=run).values_list("pk",
                                                                                  flat=True)]
    names = list(PersonRecord.objects.filter(is_current=True).exclude(family_name="")
                 .values_list("family_name", flat=True)[:20000])
    if not families or not names:
        raise SystemExit("the store has no families or no names")
    return rng.sample(families, min(500, len(families))), rng.sample(names, min(300, len(names)))


def _accounts(count: int, tag: str) -> list[tuple[str, str]]:
    """(username, TOTP secret) of ``count`` new data stewards."""
    from reunify.actions.users import create_user

    made = []
    for n in range(count):
        username = f"bench-{tag}-{n}"
        _user, secret = create_user(username, PASSWORD, "data_steward", actor="bench")
        made.append((username, secret))
    return made


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(port: int, workers: int, threads: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "reunify.wsgi:application",
               "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads",
               str(threads), "--worker-class", "gthread", "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, env=dict(os.environ))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/sign-in/", timeout=30).ok:
                return server
        except requests.RequestException:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("gunicorn did not start")


_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _sign_in(base: str, username: str, secret: str) -> tuple[requests.Session, str]:
    import pyotp

    session = requests.Session()
    page = session.get(f"{base}/sign-in/", timeout=30)
    token = _TOKEN.search(page.text).group(1)
    # Each code is accepted once per account: wait for a fresh step if this one was used.
    response = session.post(f"{base}/sign-in/", data={
        "csrfmiddlewaretoken": token, "username": username, "password": PASSWORD,
        "code": pyotp.TOTP(secret).now()}, timeout=60, allow_redirects=False)
    if response.status_code != 302:
        raise SystemExit(f"{username} could not sign in: {response.status_code}")
    page = session.get(f"{base}/search/", timeout=30)
    return session, _TOKEN.search(page.text).group(1)


def _user_loop(base, session, token, families, names, seed, stop_at, results, lock, think):
    rng = random.Random(seed)
    mine: list[tuple[str, float, int]] = []
    turn = 0
    time.sleep(rng.uniform(0, think[1]))  # users do not all start at the same instant
    while time.monotonic() < stop_at:
        turn += 1
        started = time.perf_counter()
        if turn % 2:
            kind = "family"
            response = session.get(f"{base}/families/{rng.choice(families)}/", timeout=60)
        else:
            kind = "search"
            response = session.post(f"{base}/search/", data={
                "csrfmiddlewaretoken": token, "q": rng.choice(names)},
                headers={"HX-Request": "true"}, timeout=60)
        mine.append((kind, time.perf_counter() - started, response.status_code))
        if think[1] > 0:
            time.sleep(rng.uniform(*think))
    with lock:
        results.extend(mine)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker")
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 2.0),
                        metavar=("MIN", "MAX"), help="pause between a user's requests, seconds")
    parser.add_argument("--seed", type=int, default=2018)
    args = parser.parse_args()

    _setup()
    families, names = _targets(args.seed)
    tag = time.strftime("%H%M%S")
    print(f"creating {args.users} bench accounts …", flush=True)
    accounts = _accounts(args.users, tag)
    port = _free_port()
    server = _start_server(port, args.workers, args.threads)
    base = f"http://127.0.0.1:{port}"
    try:
        print("signing in …", flush=True)
        sessions = [_sign_in(base, username, secret) for username, secret in accounts]
        results: list[tuple[str, float, int]] = []
        lock = threading.Lock()
        stop_at = time.monotonic() + args.seconds
        threads = [
            threading.Thread(target=_user_loop, args=(base, s, t, families, names,
                                                      args.seed + i, stop_at, results, lock,
                                                      tuple(args.think)))
            for i, (s, t) in enumerate(sessions)
        ]
        print(f"{args.users} users for {args.seconds} s …", flush=True)
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"\n{len(results)} requests in {elapsed:.1f} s = {len(results) / elapsed:.1f} req/s "
          f"({args.users} users thinking {args.think[0]:g}-{args.think[1]:g} s, "
          f"gunicorn {args.workers}x{args.threads} gthread)")
    print("| request | n | errors | p50 ms | p95 ms | p99 ms | max ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for kind in ("family", "search"):
        times = [t * 1000 for k, t, _ in results if k == kind]
        errors = sum(1 for k, _, s in results if k == kind and s != 200)
        if not times:
            continue
        print(f"| {kind} | {len(times)} | {errors} | {statistics.median(times):.0f} | "
              f"{_percentile(times, 0.95):.0f} | {_percentile(times, 0.99):.0f} | "
              f"{max(times):.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
