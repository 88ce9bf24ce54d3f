"""The ledger is always signed: a checkpoint lost after a commit (crash, full disk, killed
connection) is signed at the next start-up or write, and a command whose checkpoint failed
exits non-zero."""

from __future__ import annotations

import subprocess
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from reunify.rules import ledger as formats
from reunify.rules.ledger_verify import verify_ledger

#: Runs ``reunify ARGS…`` in-process with a checkpoint failure injected: ``crash`` (the
#: process dies after the commit, before the checkpoint), ``full-disk`` (every checkpoint
#: fails with ENOSPC), ``after-commit`` (only checkpoints after a commit fail, and nothing is
#: signed at start-up) or ``killed`` (the first checkpoint's connection is killed).
_INJECTED = """
import os, sys, django
os.environ["DJANGO_SETTINGS_MODULE"] = "reunify.settings"
django.setup()
from django.db import OperationalError, connection
import reunify.actions.ledger as ledger
mode, original, calls = sys.argv[1], ledger.sign_checkpoint, []
def injected(*, actor):
    calls.append(actor)
    if mode == "crash":
        os._exit(9)
    if mode == "full-disk" or (mode == "after-commit" and not connection.in_atomic_block):
        raise OSError(28, "No space left on device")
    if mode == "killed" and len(calls) == 1:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        raise OperationalError("server closed the connection unexpectedly")
    return original(actor=actor)
ledger.sign_checkpoint = injected
if mode == "after-commit":  # no start-up signing: only the write itself may sign
    import reunify.cli.main
    reunify.cli.main._sign_at_start_up = lambda: None
from reunify.cli.main import main
sys.exit(main(sys.argv[2:]))
"""

_UNSIGNED = """
import os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "reunify.settings"
django.setup()
from reunify.actions.ledger import unsigned_entries
print(unsigned_entries())
"""


def _injected(env, mode: str, *args: str):
    return subprocess.run([sys.executable, "-c", _INJECTED, mode, *args], env=env,
                          capture_output=True, text=True, timeout=300)


def _unsigned(env) -> int:
    done = subprocess.run([sys.executable, "-c", _UNSIGNED], env=env, capture_output=True,
                          text=True, timeout=300, check=True)
    return int(done.stdout.strip())


def _create_user(env, name: str, mode: str | None = None, run_cli=None):
    env = {**env, "REUNIFY_NEW_PASSWORD": "a long enough password 1"}
    args = ("user", "create", name, "--role", "caseworker")
    return _injected(env, mode, *args) if mode else run_cli(*args, env=env)


def test_a_crash_between_commit_and_checkpoint_is_signed_at_the_next_start_up(store_env,
                                                                              run_cli):
    """A process killed after its commit, before its checkpoint, leaves entries unsigned; the
    next command — even one that writes nothing — signs them, and the store verifies."""
    crashed = _create_user(store_env, "alice", "crash")
    assert crashed.returncode == 9, crashed.stderr
    assert _unsigned(store_env) > 0
    read = run_cli("ledger", "query", "--limit", "0", env=store_env)
    assert read.returncode == 0, read.stderr
    assert _unsigned(store_env) == 0
    verified = run_cli("ledger", "verify", env=store_env)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_checkpoint_failing_after_the_commit_fails_the_command(store_env, run_cli):
    """With the disk full for every checkpoint, the command's change commits but the command
    exits 1 and says the ledger is unsigned; the next command signs at start-up."""
    failed = _create_user(store_env, "alice", "full-disk")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "not signed" in failed.stderr
    assert "No space left" in failed.stderr
    assert _unsigned(store_env) > 0
    after = _create_user(store_env, "bob", run_cli=run_cli)
    assert after.returncode == 0, after.stderr
    assert _unsigned(store_env) == 0


def test_a_killed_connection_during_the_checkpoint_is_retried_on_a_new_one(store_env):
    """The first checkpoint's connection is killed (a PostgreSQL backend terminated): the
    command retries on a fresh connection, signs, and exits 0."""
    done = _create_user(store_env, "alice", "killed")
    assert done.returncode == 0, done.stdout + done.stderr
    assert _unsigned(store_env) == 0


def test_the_next_write_signs_what_an_earlier_transaction_left_unsigned(store_env):
    """A write after a crash signs the entries left unsigned inside its own transaction,
    before it appends: even when its own checkpoint then fails, only its entries are left."""
    assert _create_user(store_env, "alice", "crash").returncode == 9
    left = _unsigned(store_env)
    done = _create_user(store_env, "bob", "after-commit")
    assert done.returncode == 1, done.stderr
    assert left > 0
    assert _unsigned(store_env) == left  # bob's entries only, as many as alice's


def test_verify_fails_past_the_tolerated_number_of_unsigned_entries():
    """Entries after the latest signed head are a failure once more than ``max_unsigned``."""
    key = Ed25519PrivateKey.generate()
    bodies = [formats.entry_body(seq=n, at="2026-01-01T00:00:00Z", actor="a", type="t",
                                 subjects=[], payload={}) for n in range(3)]
    from reunify.rules import merkle

    frontier = merkle.Frontier()
    frontier.append(merkle.leaf_hash(bodies[0]))
    note = formats.sign_checkpoint(key, 1, frontier.root())
    entries = [(n, body, None) for n, body in enumerate(bodies)]
    strict = verify_ledger(entries, [note], key.public_key(), max_unsigned=0)
    assert not strict.ok
    assert "2 entries after the latest checkpoint" in str(strict.problems[0])
    assert verify_ledger(entries, [note], key.public_key(), max_unsigned=2).ok


def test_a_missing_signing_key_on_a_store_with_entries_is_an_error(cli_env, run_cli, tmp_path):
    """A development store whose ledger has entries but whose key file is gone (restored without
    its data folder) refuses to run, naming the problem; no new key is created."""
    assert _create_user(cli_env, "alice", run_cli=run_cli).returncode == 0
    key = tmp_path / "data" / "ledger" / "signing-key.pem"
    key.unlink()
    refused = _create_user(cli_env, "bob", run_cli=run_cli)
    assert refused.returncode != 0
    assert "already has ledger entries" in refused.stderr
    assert not key.exists()
