"""Findings of issue #14 that had no test of their own, each on SQLite and PostgreSQL: the web
server signs at start-up, ingest waits for the rebuild lock, a page never waits for a long
write, a full disk on PostgreSQL is a clear message, a database failing twice is a clear
message (docs/operations.md, "Findings and their tests")."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from scripts import CAP_SQLITE, HOLD, RELEASE, SETUP, signed_in

pytestmark = pytest.mark.django_db(databases=[])

#: Runs ``reunify ARGS…`` and dies (exit 9) after its commit, before its checkpoint.
_CRASH = """
import os, sys, django
os.environ["DJANGO_SETTINGS_MODULE"] = "reunify.settings"
django.setup()
import reunify.actions.ledger as ledger
def crash(*, actor):
    os._exit(9)
ledger.sign_checkpoint = crash
from reunify.cli.main import main
sys.exit(main(sys.argv[1:]))
"""

#: Loads the WSGI application (as each gunicorn worker does) and prints the unsigned entries.
_WSGI = """
import os
os.environ["DJANGO_SETTINGS_MODULE"] = "reunify.settings"
import reunify.wsgi
from reunify.actions.ledger import unsigned_entries
print(unsigned_entries())
"""


def test_the_web_server_signs_what_a_crash_left_unsigned_before_it_serves(store_env):
    """A command killed between its commit and its checkpoint leaves entries unsigned; loading
    the WSGI application (a gunicorn worker starting) signs them before any request."""
    env = {**store_env, "REUNIFY_NEW_PASSWORD": "a long enough password 1"}
    crashed = subprocess.run([sys.executable, "-c", _CRASH, "user", "create", "alice", "--role",
                              "caseworker"], env=env, capture_output=True, text=True,
                             timeout=300)
    assert crashed.returncode == 9, crashed.stderr
    served = subprocess.run([sys.executable, "-c", _WSGI], env=store_env, capture_output=True,
                            text=True, timeout=300)
    assert served.returncode == 0, served.stderr
    assert served.stdout.split()[-1] == "0"


#: Holds the store's rebuild lock until the file ``release`` appears; touches ``held`` once it
#: holds it.
_HOLD = """
import os, sys, time, django
os.environ["DJANGO_SETTINGS_MODULE"] = "reunify.settings"
django.setup()
from pathlib import Path
from reunify.actions.store_lock import rebuild_lock
folder = Path(sys.argv[1])
with rebuild_lock():
    (folder / "held").touch()
    for _ in range(1200):
        if (folder / "release").exists():
            break
        time.sleep(0.1)
"""


def _waiting_for_the_lock(env: dict, pid: int) -> bool:
    """Whether process ``pid`` waits for the rebuild lock: a PostgreSQL advisory lock not
    granted, or a blocked ``flock`` on the SQLite store's lock file (/proc/locks)."""
    url = env["REUNIFY_DATABASE_URL"]
    if url.startswith("sqlite"):
        return any("->" in line and f" {pid} " in line
                   for line in Path("/proc/locks").read_text().splitlines())
    import psycopg

    with psycopg.connect(url) as db:
        return db.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT "
                          "granted AND database = (SELECT oid FROM pg_database WHERE "
                          "datname = current_database())").fetchone()[0] > 0


def test_an_ingest_waits_for_the_rebuild_lock_then_commits(store_env, run_cli, tmp_path):
    """While another process holds the store's rebuild lock, `reunify ingest` waits for it
    (seen waiting, not finished); once the lock is released it commits its batch (exit 0)."""
    batch, meet = tmp_path / "batch", tmp_path / "meet"
    meet.mkdir()
    assert run_cli("simulate", str(batch), "--families", "3", env=store_env).returncode == 0
    assert run_cli("migrate", env=store_env).returncode == 0
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(meet)], env=store_env)
    ingest = None
    try:
        for _ in range(600):
            if (meet / "held").exists():
                break
            time.sleep(0.1)
        assert (meet / "held").exists()
        ingest = subprocess.Popen([sys.executable, "-m", "reunify.cli.main", "ingest",
                                   str(batch)], env=store_env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        for _ in range(1200):
            if _waiting_for_the_lock(store_env, ingest.pid) or ingest.poll() is not None:
                break
            time.sleep(0.1)
        assert ingest.poll() is None, ingest.communicate()
        assert _waiting_for_the_lock(store_env, ingest.pid)
        (meet / "release").touch()
        out, err = ingest.communicate(timeout=300)
        assert ingest.returncode == 0, out + err
    finally:
        (meet / "release").touch()
        holder.wait(timeout=120)
        if ingest is not None and ingest.poll() is None:
            ingest.kill()
    listed = run_cli("ledger", "query", "--type", "ingest.batch", env=store_env)
    assert "1 matching entries" in listed.stderr


#: Signs a data steward in, ages their "seen" mark, then asks for a family page while another
#: connection holds a long write (SQLite: the store's write lock; PostgreSQL: the access log
#: and the sessions locked against writes); prints the status, then, after the write, how many
#: access-log rows the page left.
_PAGE_DURING_WRITE = SETUP + signed_in("steward", "data_steward") + """
from reunify.actions.access_queue import QUEUE
from reunify.models import AccessLog, Family
number = Family.objects.order_by("-run_id", "number").values_list("number", flat=True).first()
""" + HOLD + """
connection.close()
page = client.get(f"/families/F{number:07d}/")
print(page.status_code, flush=True)
""" + RELEASE + """
assert QUEUE.flush()
print(AccessLog.objects.filter(user="steward", route="family").count(), flush=True)
"""


def test_a_family_page_during_a_long_write_answers_without_waiting(store_env, run_cli,
                                                                   tmp_path):
    """With a write holding the store (SQLite's write lock, as an ingest or link run does; on
    PostgreSQL the access log locked), a family page answers 200 — it does not wait the write
    out (then HTTP 500 "database is locked" on SQLite) — and its access-log rows are stored
    once the write ends."""
    batch = tmp_path / "batch"
    for args in (("simulate", str(batch), "--families", "3"), ("ingest", str(batch)),
                 ("link", "--engine", "deterministic"), ("families", "build")):
        done = run_cli(*args, env=store_env)
        assert done.returncode == 0, done.stderr
    page = subprocess.run([sys.executable, "-c", _PAGE_DURING_WRITE], env=store_env,
                          capture_output=True, text=True, timeout=300)
    assert page.returncode == 0, page.stderr[-3000:]
    status, logged = page.stdout.split()
    assert status == "200"
    assert int(logged) >= 1


#: Ingests with every new person-record refused by the server as a full disk would
#: (PostgreSQL: SQLSTATE 53100 disk_full; SQLite: the store capped at its current size).
_FULL = SETUP + """
from django.db import connection
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION full_disk() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'could not extend file: No space left on device' "
            "USING ERRCODE = 'disk_full'; END $$")
        cursor.execute("CREATE TRIGGER full_disk BEFORE INSERT ON reunify_person_record "
                       "FOR EACH ROW EXECUTE FUNCTION full_disk()")
    connection.close()
else:
""" + textwrap.indent(CAP_SQLITE, "    ") + """
from reunify.cli.main import main
sys.exit(main(["ingest", sys.argv[1]]))
"""


def test_a_full_disk_is_a_clear_message_and_exit_2_on_either_store(store_env, run_cli,
                                                                   tmp_path):
    """When the database cannot store the batch (PostgreSQL's disk_full; SQLite's file at its
    limit) ingest says there is no space and exits 2 — no traceback — and stores no batch."""
    assert run_cli("migrate", env=store_env).returncode == 0
    path = tmp_path / "cbp.persons.csv"
    path.write_text("source,record_id,family_name,given_name,birth_date\n"
                    + "".join(f"cbp,r{i},Ruiz,Ana,2012-05-01\n" for i in range(3000)))
    done = subprocess.run([sys.executable, "-c", _FULL, str(path)], env=store_env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    assert "no space left" in done.stderr
    assert "Traceback" not in done.stderr
    listed = run_cli("ledger", "query", "--type", "ingest.batch", env=store_env)
    assert "0 matching entries" in listed.stderr


#: Runs ``reunify user create …`` with the database failing at every attempt, as a server that
#: stays down would.
_DOWN = """
import os, sys, django
os.environ["DJANGO_SETTINGS_MODULE"] = "reunify.settings"
django.setup()
from django.db import OperationalError
import reunify.actions.users as users
def down(*args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")
users.create_user = down
from reunify.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_database_failing_twice_is_one_clear_message_and_exit_1(store_env, run_cli):
    """A transient database error is retried once; failing again, the command exits 1 saying
    the database failed twice and nothing of the step was written — no traceback."""
    assert run_cli("migrate", env=store_env).returncode == 0
    env = {**store_env, "REUNIFY_NEW_PASSWORD": "a long enough password 1"}
    done = subprocess.run([sys.executable, "-c", _DOWN, "user", "create", "alice", "--role",
                           "caseworker"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    assert "retrying once" in done.stderr
    assert "failed twice" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_ledger_key_or_salt_missing_on_either_store_is_an_error(store_env, run_cli,
                                                                     tmp_path):
    """A store whose ledger has entries, run with its data folder's key and salt gone (a store
    restored without its data folder), refuses to run on PostgreSQL as on SQLite; no new key
    or salt is made."""
    env = {**store_env, "REUNIFY_NEW_PASSWORD": "a long enough password 1"}
    made = run_cli("user", "create", "alice", "--role", "caseworker", env=env)
    assert made.returncode == 0, made.stderr
    ledger = Path(store_env["REUNIFY_DATA_DIR"]) / "ledger"
    for name in ("signing-key.pem", "salt"):
        original = (ledger / name).read_bytes()
        (ledger / name).unlink()
        refused = run_cli("user", "create", f"bob-{name}", "--role", "caseworker", env=env)
        assert refused.returncode != 0
        assert "already has ledger entries" in refused.stderr, refused.stderr
        assert not (ledger / name).exists()
        (ledger / name).write_bytes(original)
        os.chmod(ledger / name, 0o600)


@pytest.mark.django_db
def test_prune_deletes_old_sign_in_failures_and_expired_sessions_only():
    """The retention policy beyond the access log: sign-in failures older than 30 days and
    expired sessions are deleted, newer ones kept, and the counts are in the ledger."""
    import datetime as dt
    import json

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from reunify.actions.access_audit import prune
    from reunify.models import LedgerEntry, SignInFailure

    now = timezone.now()
    SignInFailure.objects.bulk_create([
        SignInFailure(at=now - dt.timedelta(days=days), account_hash="0" * 64, address="x")
        for days in (31, 29)])
    Session.objects.bulk_create([
        Session(session_key=f"k{n}", session_data="", expire_date=now + dt.timedelta(hours=h))
        for n, h in enumerate((-1, 1))])
    counts = prune(actor="ops", now=now)
    assert (counts["sign_in_failures"], counts["expired_sessions"]) == (1, 1)
    assert SignInFailure.objects.count() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["k1"]
    entry = json.loads(LedgerEntry.objects.filter(type="access.pruned").latest("seq").body)
    assert entry["payload"]["expired_sessions"] == 1
