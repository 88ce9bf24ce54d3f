"""Backing up a store and restoring it: the database, the ledger's key and salt, encrypted.

A backup is taken online (SQLite's backup API; ``pg_dump`` on PostgreSQL, one consistent
snapshot) into a tar of ``manifest.json``, the database and ``ledger/signing-key.pem`` and
``ledger/salt``, encrypted with a passphrase (``reunify.actions.backup_crypto``). A restore
refuses a store that holds any data, installs the key and salt (never replacing a different
one), restores the database, and verifies the ledger against the restored key before anything
is appended; a ``store.restored`` entry then records it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from reunify.actions.backup_crypto import decrypt_file, encrypt_file
from reunify.actions.ledger import append_entry, in_transaction
from reunify.models import Checkpoint, LedgerEntry
from reunify.models import ledger_keys as keys
from reunify.rules.ledger_verify import verify_ledger

_DB_SQLITE, _DB_PG = "database.sqlite3", "database.pgdump"
#: Tables that hold no data of the store (created by every migrate).
_SCHEMA_ONLY = {"django_migrations", "django_content_type", "auth_permission"}


class RestoreRefused(RuntimeError):
    """The restore would overwrite data or a key: nothing was changed."""


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    args = ["--host", db["HOST"] or "127.0.0.1", "--port", str(db["PORT"] or 5432),
            "--username", db["USER"], "--dbname", db["NAME"]]
    env = dict(os.environ)
    if db["PASSWORD"]:
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _dump_database(folder: Path) -> str:
    if connection.vendor == "sqlite":
        target = folder / _DB_SQLITE
        source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return _DB_SQLITE
    args, env = _pg_env()
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--file",
                    str(folder / _DB_PG), *args], env=env, check=True, capture_output=True)
    return _DB_PG


def _ledger_head() -> dict:
    latest = Checkpoint.objects.order_by("-tree_size").first()
    return {"entries": LedgerEntry.objects.count(),
            "checkpoint_size": latest.tree_size if latest else 0,
            "checkpoint_root": latest.root_hash if latest else ""}


def backup_store(out: Path, passphrase: str, *, actor: str) -> dict:
    """Write an encrypted backup of the store to ``out`` (which must not exist); return its
    manifest. The backup is recorded in the ledger after it is taken."""
    out = Path(out)
    if out.exists():
        raise FileExistsError(f"{out} exists; a backup never overwrites a file")
    work_root = Path(settings.DATA_DIR)
    work_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work_root, prefix=".backup-") as work:
        folder = Path(work)
        manifest = {"format": 1, "vendor": connection.vendor,
                    "taken_at": timezone.now().isoformat(), **_ledger_head()}
        manifest["database"] = _dump_database(folder)
        archive = folder / "backup.tar"
        with tarfile.open(archive, "w") as tar:
            _add(tar, "manifest.json", json.dumps(manifest, indent=2).encode())
            tar.add(folder / manifest["database"], arcname=manifest["database"])
            _add(tar, "ledger/signing-key.pem", keys.private_key_pem(keys.signing_key()))
            _add(tar, "ledger/salt", keys.salt())
        out.parent.mkdir(parents=True, exist_ok=True)
        encrypt_file(archive, out, passphrase)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    with in_transaction():
        append_entry(actor=actor, type="store.backed_up", subjects=[],
                     payload={"sha256": digest, **{k: manifest[k] for k in
                                                   ("entries", "checkpoint_size", "vendor")}})
    return manifest


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o600
    tar.addfile(info, io.BytesIO(data))


def store_holds_data() -> list[str]:
    """Tables of the store that hold any row (empty list: the store may be restored into)."""
    tables = [t for t in connection.introspection.table_names() if t not in _SCHEMA_ONLY]
    full = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608 # nosec B608 - our own table names, quoted
            if cursor.fetchone():
                full.append(table)
    return full


def _install_secret(path: Path | None, data: bytes, what: str) -> None:
    if path is None:
        return
    if path.exists():
        if path.read_bytes().strip() != data.strip():
            raise RestoreRefused(f"a different ledger {what} exists at {path}; a restore never "
                                 "replaces one (move it away if it belongs to no store)")
        return
    keys.create_secret_file(path, data)


def restore_store(source: Path, passphrase: str, *, actor: str) -> dict:
    """Restore the backup ``source`` into this (empty) store; return the manifest and the
    ledger's verdict. Raises RestoreRefused (nothing changed) or BackupUnreadable."""
    full = store_holds_data()
    if full:
        raise RestoreRefused(f"the store is not empty ({', '.join(sorted(full)[:5])} hold data);"
                             " restore only into a new, empty store")
    work_root = Path(settings.DATA_DIR)
    work_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work_root, prefix=".restore-") as work:
        folder = Path(work)
        archive = folder / "backup.tar"
        decrypt_file(Path(source), archive, passphrase)
        with tarfile.open(archive) as tar:
            tar.extractall(folder, filter="data")
        manifest = json.loads((folder / "manifest.json").read_text())
        if manifest["vendor"] != connection.vendor:
            raise RestoreRefused(f"the backup is of a {manifest['vendor']} store, this store "
                                 f"is {connection.vendor}")
        key = (folder / "ledger" / "signing-key.pem").read_bytes()
        salt = (folder / "ledger" / "salt").read_bytes()
        if settings.LEDGER_SALT and settings.LEDGER_SALT.encode() != salt.strip():
            raise RestoreRefused("REUNIFY_LEDGER_SALT differs from the backup's salt")
        _install_secret(keys.key_file(), key, "signing key")
        _install_secret(None if settings.LEDGER_SALT else keys.salt_file(), salt, "salt")
        keys.reset_cache()
        _load_database(folder, manifest["database"])
    verdict = verify_ledger(
        ((seq, body.encode("utf-8"), leaf) for seq, body, leaf in
         LedgerEntry.objects.order_by("seq").values_list("seq", "body", "leaf_hash")
         .iterator(chunk_size=10_000)),
        Checkpoint.objects.order_by("tree_size").values_list("note", flat=True),
        keys.public_key(), max_unsigned=0,
    )
    head = _ledger_head()
    if verdict.ok and head["entries"] == manifest["entries"]:
        with in_transaction():
            append_entry(actor=actor, type="store.restored", subjects=[],
                         payload={"taken_at": manifest["taken_at"], **head})
    return {"manifest": manifest, "verdict": verdict, "head": head}


def _load_database(folder: Path, name: str) -> None:
    connection.close()
    if name == _DB_SQLITE:
        source = sqlite3.connect(folder / name)
        target = sqlite3.connect(settings.DATABASES["default"]["NAME"])
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        return
    args, env = _pg_env()
    done = subprocess.run(["pg_restore", "--no-owner", "--clean", "--if-exists",
                           "--single-transaction", "--exit-on-error", *args, str(folder / name)],
                          env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"pg_restore failed: {done.stderr.strip()[:2000]}")

