"""Appends from several processes at once make one tree: seq 0..n-1, no gaps, verifying."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings

WORKERS, EACH = 3, 15

_WORKER = """
import os, sys, django
os.environ["DJANGO_SETTINGS_MODULE"] = "reunify.settings"
django.setup()
from django.db import transaction
from reunify.actions.ledger import append_entry
worker = sys.argv[1]
for i in range(int(sys.argv[2])):
    with transaction.atomic():
        append_entry(actor=f"worker-{worker}", type="test.concurrent",
                     subjects=[f"w{worker}:{i}"], payload={"worker": int(worker), "i": i})
"""


def _postgres_store():
    """A fresh PostgreSQL database next to the test database; dropped afterwards."""
    import psycopg

    db = settings.DATABASES["default"]
    name = f"ledger_concurrency_{uuid.uuid4().hex[:8]}"
    server = dict(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                  password=db["PASSWORD"] or None, dbname=db["NAME"], autocommit=True)
    with psycopg.connect(**server) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    url = f"postgresql://{auth}@{server['host']}:{server['port']}/{name}"

    def drop() -> None:
        with psycopg.connect(**server) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url, drop


@pytest.fixture(params=["sqlite", "postgresql"])
def store_env(request, cli_env, tmp_path):
    """Environment for processes sharing one fresh store (PostgreSQL when the suite runs on it)."""
    if request.param == "sqlite":
        yield cli_env
        return
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the suite runs on SQLite; run it on PostgreSQL for this case")
    url, drop = _postgres_store()
    yield {**cli_env, "REUNIFY_DATABASE_URL": url}
    drop()


def test_concurrent_appends_from_processes_form_one_consistent_tree(store_env, run_cli):
    """Three processes appending 15 entries each, at once, leave 45 entries in one tree that
    verifies (every checkpoint any of them signed included), each worker's entries all there."""
    migrated = run_cli("migrate", env=store_env)
    assert migrated.returncode == 0, migrated.stderr
    workers = [
        subprocess.Popen([sys.executable, "-c", _WORKER, str(w), str(EACH)], env=store_env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for w in range(WORKERS)
    ]
    for worker in workers:
        _, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
    verified = run_cli("ledger", "verify", env=store_env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"OK: {WORKERS * EACH} entries" in verified.stdout
    for w in range(WORKERS):
        found = run_cli("ledger", "query", "--actor", f"worker-{w}", "--limit", "0",
                        env=store_env)
        assert f"{EACH} matching entries" in found.stderr
    assert os.path.exists(os.path.join(store_env["REUNIFY_DATA_DIR"], "ledger",
                                       "signing-key.pem"))
