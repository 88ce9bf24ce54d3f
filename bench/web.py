"""Load benchmark of the web UI and API: a realistic mix, N concurrent users, against gunicorn.

Runs on the store ``make run`` built, or one bench/register.py made (same
``REUNIFY_DATABASE_URL`` / ``REUNIFY_DATA_DIR``):

    .venv/bin/python bench/web.py --users 50 --seconds 60

It creates ``--users`` data-steward accounts of its own (``bench-<run>-<n>``, each with its own
TOTP secret, so every user sees every family and searches the whole store: the slowest case),
stores the register of the days pages open on (as ``reunify families build`` does), starts
``reunify.wsgi`` under gunicorn on 127.0.0.1 as ``reunify serve`` does (``--config
python:reunify.web.gunicorn_conf``: its keep-alive, its JSON log lines, written to
``$TMPDIR/reunify-bench-web-server.log``; one worker per core, 8 threads), signs every user in
through the sign-in form (one after another, before the clock starts), then lets each user pick,
as fast as the user thinks (``--think``, a random pause, 1 to 2 s by default, as locust's
``between(1, 2)``), one request of the mix (``MIX``): a family page, a person page, a search
(POST), the register page (a random page of the first ten, as of today) or the register API (as
of the latest day of the data). Now and then a clerk — one more account — also decides a review
pair through the API (``--decision-every`` seconds; bench review pairs are added to a store that
has none) and uploads a batch of one new event (``--upload-every`` seconds): each upload changes
the data, so the next register request recomputes the register. ``--think 0 0`` makes every user
ask again as soon as answered (a stress test, not a user load). It prints latency percentiles
per kind of request, the throughput, and the CPU the server (all its workers) and this load
generator used while the clock ran (one process; each user a thread with its own kept-alive
``http.client`` connection), with the load average before and after: on a shared machine, say
how busy it was. Figures go in docs/benchmarks.md ("Load"). What one request of each kind costs
alone, in-process: ``bench/web_requests.py``.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
#: Where gunicorn's (JSON) log lines go during a run.
SERVER_LOG = Path(os.environ.get("TMPDIR", "/tmp")) / "reunify-bench-web-server.log"
PASSWORD = "bench passphrase that is long enough 2018"


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reunify.settings")
    import django

    django.setup()
    from reunify.cli.main import prepare_store

    prepare_store()


#: Share of each kind of request in a user's mix.
MIX = {"family": 30, "person": 15, "search": 20, "register": 15, "register api": 20}


class Targets:
    """What the users ask for: families, persons, surnames, review pairs, records, days."""

    def __init__(self, seed: int) -> None:
        from reunify.models import Family, PersonRecord
        from reunify.queries.families import current_run
        from reunify.queries.timeline import latest_event_day

        run = current_run()
        if run is None:
            raise SystemExit("no families in this store: run `make run` (reunify demo) first")
        rng = random.Random(seed)
        families = list(Family.objects.filter(run=run).values_list("number", "pk")[:20000])
        names = list(PersonRecord.objects.filter(is_current=True).exclude(family_name="")
                     .values_list("family_name", flat=True)[:20000])
        if not families or not names:
            raise SystemExit("the store has no families or no names")
        from reunify.models import FamilyMember

        sample = rng.sample(families, min(500, len(families)))
        self.families = [f"F{number:07d}" for number, _pk in sample]
        self.persons = [f"P{p:07d}" for p in FamilyMember.objects.filter(
            family_id__in=[pk for _n, pk in sample]).values_list("person_id", flat=True)]
        self.names = rng.sample(names, min(300, len(names)))
        self.records = list(PersonRecord.objects.filter(is_current=True, source="border")
                            .values_list("record_id", flat=True)[:500])
        self.pairs = _open_pairs(200)
        self.latest = latest_event_day()


def _open_pairs(wanted: int) -> list[int]:
    """Open review pairs to decide; a store with none gets bench pairs (two records of one
    person each, from its latest link run), written straight through the ORM."""
    from reunify.models import Identity, LinkRun, ReviewPair

    pairs = list(ReviewPair.objects.filter(status=ReviewPair.OPEN).values_list("pk", flat=True)
                 [:wanted])
    if pairs:
        return pairs
    run = LinkRun.objects.order_by("-pk").first()
    shelter = dict(Identity.objects.filter(source="shelter").values_list("person_id",
                                                                         "record_id")[:wanted])
    made = ReviewPair.objects.bulk_create([
        ReviewPair(run=run, left_source="border", left_record_id=left, right_source="shelter",
                   right_record_id=shelter[person], match_weight=1.0, match_probability=0.67,
                   comparisons=[])
        for left, person in Identity.objects.filter(source="border",
                                                    person_id__in=list(shelter))
        .values_list("record_id", "person_id")])
    return [p.pk for p in made]


def _store_register() -> None:
    """Store the register of the days pages open on, as ``reunify families build`` does."""
    from reunify.reports.register import refresh_register

    started = time.perf_counter()
    stored = refresh_register(actor="bench")
    print(f"register stored for {', '.join(s.as_of.isoformat() for s in stored)} "
          f"({stored[0].rows} rows) in {time.perf_counter() - started:.1f} s", flush=True)


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


def _start_server(port: int, workers: int, threads: int,
                  keep_alive: float | None) -> subprocess.Popen:
    """gunicorn as ``reunify serve`` runs it (its configuration: keep-alive, JSON logs with a
    line per request), its log lines sent to a file rather than this terminal."""
    command = [sys.executable, "-m", "gunicorn", "reunify.wsgi:application",
               "--config", "python:reunify.web.gunicorn_conf",
               "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads",
               str(threads), "--worker-class", "gthread"]
    if keep_alive is not None:
        command += ["--keep-alive", f"{keep_alive:g}"]
    log = open(SERVER_LOG, "w")  # noqa: SIM115 - the server's, closed when it exits
    server = subprocess.Popen(command, cwd=ROOT, env=dict(os.environ), stdout=log, stderr=log)
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


class Browser:
    """One signed-in user's kept-alive connection, with the session's cookies: plain
    ``http.client``, to spend as little as may be of the cores the server needs (the run
    prints this process's CPU)."""

    def __init__(self, base: str, session: requests.Session) -> None:
        self.host, self.port = base.removeprefix("http://").split(":")
        self.cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        self.conn: http.client.HTTPConnection | None = None

    def ask(self, method: str, path: str, body: dict | None = None,
            headers: dict | None = None) -> int:
        """The HTTP status of one request (the body read and dropped); a connection that
        fails is closed and the error raised: the next request opens a new one."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, int(self.port), timeout=120)
        sent = {"Cookie": self.cookie, **(headers or {})}
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=data, headers=sent)
            answer = self.conn.getresponse()
            answer.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        return answer.status


def _ask(browser: Browser, token, kind, targets, rng) -> int:
    if kind == "family":
        return browser.ask("GET", f"/families/{rng.choice(targets.families)}/")
    if kind == "person":
        return browser.ask("GET", f"/persons/{rng.choice(targets.persons)}/")
    if kind == "search":
        return browser.ask("POST", "/search/", {"csrfmiddlewaretoken": token,
                                                "q": rng.choice(targets.names)},
                           {"HX-Request": "true"})
    if kind == "register":
        return browser.ask("GET", f"/register/?page={rng.randint(1, 10)}")
    return browser.ask("GET", f"/api/v1/register?as_of={targets.latest.isoformat()}"
                              f"&page={rng.randint(1, 10)}")


def _timed(mine, kind, call) -> None:
    started = time.perf_counter()
    try:
        status = call()
        status = getattr(status, "status_code", status)
    except requests.RequestException as error:  # a reset or a timeout: an error, by name
        cause = error.args[0] if error.args else error
        status = f"{type(error).__name__}({type(getattr(cause, 'reason', cause)).__name__})"
    except (OSError, http.client.HTTPException) as error:
        status = type(error).__name__
    mine.append((kind, time.perf_counter() - started, status))


def _user_loop(base, session, token, targets, seed, stop_at, results, lock, think):
    browser = Browser(base, session)
    rng = random.Random(seed)
    mine: list[tuple[str, float, int | str]] = []
    kinds, weights = list(MIX), list(MIX.values())
    time.sleep(rng.uniform(0, think[1]))  # users do not all start at the same instant
    while time.monotonic() < stop_at:
        kind = rng.choices(kinds, weights)[0]
        _timed(mine, kind, lambda k=kind: _ask(browser, token, k, targets, rng))
        if think[1] > 0:
            time.sleep(rng.uniform(*think))
    with lock:
        results.extend(mine)


def _decide(session, base, token, pair):
    read = session.get(f"{base}/api/v1/review-pairs/{pair}", timeout=120)
    return session.post(f"{base}/api/v1/review-pairs/{pair}/decision",
                        json={"decision": "same", "reason": "bench: one person"},
                        headers={"If-Match": read.headers.get("ETag", ""),
                                 "X-CSRFToken": token}, timeout=120)


def _upload(session, base, token, record, n):
    body = ("source,event_id,record_id,type,at,custodian,facility,actor,authority,reason\n"
            f"border,bench-{time.time_ns()}-{n},{record},detained,2018-07-01,ICE,Port Isabel,"
            ",,\n")
    return session.post(f"{base}/ingest/", data={"csrfmiddlewaretoken": token},
                        files={"files": ("border.events.csv", body, "text/csv")}, timeout=300)


def _clerk_loop(base, session, token, targets, stop_at, results, lock, every):
    """Decisions and uploads, now and then, from one account."""
    mine: list[tuple[str, float, int | str]] = []
    decide_every, upload_every = every
    started = time.monotonic()
    decided = uploaded = 0
    while time.monotonic() < stop_at:
        elapsed = time.monotonic() - started
        if decide_every and elapsed >= (decided + 1) * decide_every and targets.pairs:
            decided += 1
            pair = targets.pairs.pop()
            _timed(mine, "decision", lambda p=pair: _decide(session, base, token, p))
        if upload_every and elapsed >= (uploaded + 0.5) * upload_every:
            uploaded += 1
            record = targets.records[uploaded % len(targets.records)]
            _timed(mine, "upload", lambda r=record, n=uploaded: _upload(session, base, token, r, n))
        time.sleep(0.2)
    with lock:
        results.extend(mine)


def _cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) used so far by a live process and its live children, from
    /proc (Linux); 0 for a process that is gone."""
    tick = os.sysconf("SC_CLK_TCK")
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except (OSError, IndexError, ValueError):
        return 0.0
    return total + sum(_cpu_seconds(int(child)) for child in children)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="gunicorn worker processes (default: one per core, as "
                             "`reunify serve`)")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker")
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 2.0),
                        metavar=("MIN", "MAX"), help="pause between a user's requests, seconds")
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--keep-alive", type=float, default=None, metavar="SECONDS",
                        help="gunicorn's keep-alive (default: reunify.web.gunicorn_conf's, "
                             "10 s; shorter than a user's pause, a request may be sent on a "
                             "connection the server is closing: a reset)")
    parser.add_argument("--decision-every", type=float, default=10.0, metavar="SECONDS",
                        help="a review decision this often (0: none)")
    parser.add_argument("--upload-every", type=float, default=60.0, metavar="SECONDS",
                        help="an upload of one new event this often (0: none)")
    args = parser.parse_args()

    _setup()
    targets = Targets(args.seed)
    _store_register()
    tag = time.strftime("%H%M%S")
    print(f"creating {args.users} bench accounts …", flush=True)
    accounts = _accounts(args.users + 1, tag)  # the last one is the clerk
    port = _free_port()
    server = _start_server(port, args.workers, args.threads, args.keep_alive)
    base = f"http://127.0.0.1:{port}"
    try:
        print("signing in …", flush=True)
        sessions = [_sign_in(base, username, secret) for username, secret in accounts[:-1]]
        results: list[tuple[str, float, int]] = []
        lock = threading.Lock()
        stop_at = time.monotonic() + args.seconds
        threads = [
            threading.Thread(target=_user_loop, args=(base, s, t, targets, args.seed + i,
                                                      stop_at, results, lock,
                                                      tuple(args.think)))
            for i, (s, t) in enumerate(sessions)
        ]
        clerk, clerk_token = _sign_in(base, *accounts[-1])
        threads.append(threading.Thread(target=_clerk_loop, args=(
            base, clerk, clerk_token, targets, stop_at, results, lock,
            (args.decision_every, args.upload_every))))
        print(f"{args.users} users for {args.seconds} s …", flush=True)
        load_before = os.getloadavg()
        started = time.monotonic()
        cpu_before = time.process_time(), _cpu_seconds(server.pid)  # gunicorn is our child
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        client_cpu = time.process_time() - cpu_before[0]
        server_cpu = _cpu_seconds(server.pid) - cpu_before[1]
        load_after = os.getloadavg()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"\n{len(results)} requests in {elapsed:.1f} s = {len(results) / elapsed:.1f} req/s "
          f"({args.users} users thinking {args.think[0]:g}-{args.think[1]:g} s, "
          f"gunicorn {args.workers}x{args.threads} gthread)")
    print(f"CPU during the run: server (gunicorn, all workers) {server_cpu:.1f} s = "
          f"{server_cpu / elapsed:.2f} cores, {server_cpu / max(len(results), 1) * 1000:.1f} "
          f"ms a request; this load generator {client_cpu:.1f} s = "
          f"{client_cpu / elapsed:.2f} cores; load average {load_before[0]:.1f} before, "
          f"{load_after[0]:.1f} after (1 min)")
    print("| request | n | errors | p50 ms | p95 ms | p99 ms | max ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for kind in (*MIX, "decision", "upload", "all"):
        times = [t * 1000 for k, t, _ in results if kind in (k, "all")]
        errors = sum(1 for k, _, s in results if kind in (k, "all") and s != 200)
        if not times:
            continue
        print(f"| {kind} | {len(times)} | {errors} | {statistics.median(times):.0f} | "
              f"{_percentile(times, 0.95):.0f} | {_percentile(times, 0.99):.0f} | "
              f"{max(times):.0f} |")
    failed = Counter((k, s) for k, _, s in results if s != 200)
    if failed:
        print("errors (kind, HTTP status or the client's exception):",
              ", ".join(f"{k} {s}: {n}" for (k, s), n in sorted(failed.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
