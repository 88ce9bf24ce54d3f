"""The restore drill: back a store up online, restore it into an empty store, the ledger
verifies; a restore never runs into a store with data, nor with a wrong passphrase."""

from __future__ import annotations

import os
import stat

import pytest

from stores import on_postgres, postgres_store

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def second_store(store_env, tmp_path):
    """An empty store of the same kind beside ``store_env``, with its own data folder."""
    env = {**store_env, "REUNIFY_DATA_DIR": str(tmp_path / "restored-data")}
    if store_env["REUNIFY_DATABASE_URL"].startswith("sqlite"):
        env["REUNIFY_DATABASE_URL"] = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        yield env
        return
    assert on_postgres()
    url, drop = postgres_store("restore")
    yield {**env, "REUNIFY_DATABASE_URL": url}
    drop()


def test_the_restore_drill(store_env, second_store, run_cli, tmp_path):
    """A store with data is backed up (file 0600, no plaintext key in it) and restored into an
    empty store with another data folder: the ledger verifies with the restored key, the
    data is there, and a second restore into it is refused."""
    secret = {"REUNIFY_BACKUP_PASSPHRASE": PASSPHRASE}
    batch = tmp_path / "batch"
    assert run_cli("simulate", str(batch), "--families", "5", env=store_env).returncode == 0
    assert run_cli("ingest", str(batch), env=store_env).returncode == 0
    out = tmp_path / "store.backup"
    made = run_cli("backup", str(out), env={**store_env, **secret})
    assert made.returncode == 0, made.stderr
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert b"PRIVATE KEY" not in out.read_bytes()
    restored = run_cli("restore", str(out), env={**second_store, **secret})
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "verify" in restored.stdout
    verified = run_cli("ledger", "verify", env=second_store)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    query = run_cli("ledger", "query", "--type", "ingest.batch", env=second_store)
    assert "1 matching entries" in query.stderr
    again = run_cli("restore", str(out), env={**second_store, **secret})
    assert again.returncode == 2
    assert "not empty" in again.stderr


def test_a_wrong_passphrase_or_none_is_refused(store_env, second_store, run_cli, tmp_path):
    """Without a passphrase no backup is written; with the wrong one nothing is restored."""
    out = tmp_path / "store.backup"
    assert run_cli("user", "create", "alice", "--role", "caseworker",
                   env={**store_env, "REUNIFY_NEW_PASSWORD": "a long enough password 1"}
                   ).returncode == 0
    refused = run_cli("backup", str(out), env=store_env)
    assert refused.returncode == 2
    assert "REUNIFY_BACKUP_PASSPHRASE" in refused.stderr
    assert not out.exists()
    assert run_cli("backup", str(out), env={**store_env, "REUNIFY_BACKUP_PASSPHRASE": PASSPHRASE}
                   ).returncode == 0
    wrong = run_cli("restore", str(out),
                    env={**second_store, "REUNIFY_BACKUP_PASSPHRASE": "not the passphrase"})
    assert wrong.returncode == 2
    assert "wrong passphrase" in wrong.stderr
