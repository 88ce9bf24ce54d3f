"""Running the service: health and readiness, request ids in JSON logs, metrics behind a
token, upload temporaries private and swept, a database error answered 503, not 403."""

from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
import sys

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from reunify.actions.ledger import append_entry, sign_checkpoint
from reunify.web.operations import UPLOAD_PREFIX, JsonFormatter, sweep_uploads, upload_root
from scripts import SETUP, signed_in
from web_world import world_fixture  # noqa: F401 - the world fixture

pytestmark = pytest.mark.django_db


def test_readiness_says_whether_every_ledger_entry_is_signed():
    """/healthz answers while the process runs; /readyz is 503 naming the unsigned entries
    until a checkpoint covers them, then 200."""
    client = Client()
    assert client.get(reverse("healthz")).json() == {"status": "ok"}
    sign_checkpoint(actor="ops")
    assert client.get(reverse("readyz")).status_code == 200
    append_entry(actor="ops", type="test.unsigned", payload={})
    answer = client.get(reverse("readyz"))
    assert answer.status_code == 503
    assert answer.json()["ledger"] == "1 entries unsigned"
    assert answer.json()["database"] == "ok"
    sign_checkpoint(actor="ops")
    assert client.get(reverse("readyz")).json()["status"] == "ready"


def test_every_request_has_an_id_on_its_json_log_line():
    """A request's id (the caller's X-Request-ID, or a new one) comes back in the response and
    on its log line, which is one JSON object even for a path with a newline in it."""
    lines: list[str] = []
    handler = logging.Handler()
    handler.setFormatter(JsonFormatter())
    handler.emit = lambda record: lines.append(handler.format(record))
    logger = logging.getLogger("reunify.requests")
    logger.addHandler(handler)
    try:
        client = Client()
        answer = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="trace-12345678")
        fresh = client.get("/nowhere%0aforged line")
    finally:
        logger.removeHandler(handler)
    assert answer["X-Request-ID"] == "trace-12345678"
    assert len(fresh["X-Request-ID"]) == 32
    first, second = (json.loads(line) for line in lines)
    assert (first["request_id"], first["status"], first["route"]) == \
        ("trace-12345678", 200, "healthz")
    assert second["request_id"] == fresh["X-Request-ID"]
    assert "\n" not in lines[1]


def test_metrics_need_the_token(settings):
    """/metrics is off without REUNIFY_METRICS_TOKEN, 401 with a wrong token, and Prometheus
    text with the right one."""
    client = Client()
    assert client.get(reverse("metrics")).status_code == 404
    settings.METRICS_TOKEN = "s3cret-scraper-token"  # as REUNIFY_METRICS_TOKEN sets it
    assert client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    client.get(reverse("healthz"))
    answer = client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer s3cret-scraper-token")
    assert answer.status_code == 200
    assert b'reunify_http_requests_total{method="GET",route="healthz",status="200"}' in \
        answer.content


def test_upload_temporaries_are_private_and_swept_when_their_process_is_gone(tmp_path):
    """The upload folder is 0700; a folder left by a dead process is swept at start-up, one
    of a live process is kept."""
    root = upload_root()
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    left = root / f"{UPLOAD_PREFIX}{dead}-abc"
    left.mkdir()
    (left / "cbp.persons.csv").write_text("names, A-numbers, addresses")
    mine = root / f"{UPLOAD_PREFIX}{os.getpid()}-xyz"
    mine.mkdir()
    try:
        sweep_uploads()
        assert not left.exists()
        assert mine.exists()
    finally:
        mine.rmdir()


def test_a_database_error_while_deciding_access_answers_503_not_403(world):
    """When the store cannot answer who the user is, the page and the API say 503 (the
    service failed), not 403 (which would tell the user they may not)."""
    client = Client()
    client.force_login(world.users["data_steward"])
    with connection.cursor() as cursor:  # undone with the test's transaction
        cursor.execute("ALTER TABLE reunify_role_grant RENAME TO reunify_role_grant_gone")
    page = client.get(reverse("register"))
    assert page.status_code == 503


#: Runs ``reunify ARGS…`` after its PostgreSQL backend was terminated (as a failover or a
#: server restart would).
_DROPPED = """
import os, sys, django
os.environ["DJANGO_SETTINGS_MODULE"] = "reunify.settings"
django.setup()
from django.db import connection
from reunify.cli.main import main, prepare_store
prepare_store()
if connection.vendor == "postgresql":
    import psycopg
    db = connection.settings_dict
    with psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"],
                         autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.django_db(databases=[])
def test_a_dropped_connection_is_retried_once(store_env, run_cli):
    """A command whose connection was dropped before it ran retries on a new one and
    succeeds (exit 0, one account created), saying it retried."""
    if store_env["REUNIFY_DATABASE_URL"].startswith("sqlite"):
        pytest.skip("an embedded SQLite store has no connection to drop")
    assert run_cli("migrate", env=store_env).returncode == 0
    env = {**store_env, "REUNIFY_NEW_PASSWORD": "a long enough password 1"}
    done = subprocess.run([sys.executable, "-c", _DROPPED, "user", "create", "alice", "--role",
                           "caseworker"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "retrying once" in done.stderr
    again = run_cli("user", "create", "alice", "--role", "caseworker", env=env)
    assert again.returncode == 2  # it exists: created once


#: Signs a user in, ages their "seen" mark, then requests the home page while another
#: connection holds the store's write lock; prints the status once answered.
_SEEN_TOUCH = SETUP + signed_in("cw", "caseworker") + """
from django.conf import settings
import sqlite3
other = sqlite3.connect(settings.DATABASES["default"]["NAME"], isolation_level=None)
other.execute("BEGIN IMMEDIATE")
print(client.get("/").status_code, flush=True)
other.execute("ROLLBACK")
print(client.get("/").status_code, flush=True)
"""


@pytest.mark.django_db(databases=[])
def test_a_page_never_waits_for_a_write_to_note_its_user_as_seen(cli_env, run_cli):
    """On SQLite, the once-a-minute session touch of a page is skipped, not waited for, while
    an ingest holds the write lock: the page answers 200 (it waited out the 60 s busy timeout
    and answered 500 before); after the write it is noted again."""
    assert run_cli("migrate", env=cli_env).returncode == 0
    done = subprocess.run([sys.executable, "-c", _SEEN_TOUCH], env=cli_env,
                          capture_output=True, text=True, timeout=200)
    assert done.stdout.split() == ["200", "200"], done.stderr[-2000:]
