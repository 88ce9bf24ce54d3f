"""Appends from several processes at once make one tree: seq 0..n-1, no gaps, verifying."""

from __future__ import annotations

import os
import subprocess
import sys

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
