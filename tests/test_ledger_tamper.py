"""Tamper evidence: every change to a ledger is detected, and verification names where.

Tampering is done on an export folder (plain files) or on the store with the append-only
triggers dropped inside the test's own transaction, which is rolled back afterwards.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import DatabaseError, connection, transaction

from reunify.actions.ledger import append_entry, sign_checkpoint
from reunify.actions.ledger_export import export_ledger
from reunify.models import Checkpoint, LedgerEntry
from reunify.models.ledger import APPEND_ONLY_TABLES, LedgerSubject, install_append_only_triggers
from reunify.models.ledger_keys import public_key, read_public_key, signing_key
from reunify.queries.ledger import checkpoint_notes, stored_entries
from reunify.queries.ledger_files import exported_checkpoints, exported_entries, key_path
from reunify.rules import ledger as formats
from reunify.rules import merkle
from reunify.rules.ledger_verify import verify_ledger

ENTRIES = 12


def _append(n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        with transaction.atomic():
            append_entry(actor="clerk", type="test.step", subjects=[f"src:R{i}"],
                         payload={"step": i, "note": "ünïcode ok"})


@pytest.fixture
def ledger(db):
    """A ledger of 12 entries with checkpoints at 4, 8 and 12 entries."""
    for _ in range(3):
        _append(4, start=LedgerEntry.objects.count())
        sign_checkpoint(actor="clerk")
    return ENTRIES


@pytest.fixture
def export(ledger, tmp_path) -> Path:
    """An export of that ledger (the export entry itself comes after it)."""
    folder = tmp_path / "export"
    export_ledger(folder, actor="auditor")
    return folder


def verify_folder(folder: Path):
    return verify_ledger(exported_entries(folder), exported_checkpoints(folder),
                         read_public_key(key_path(folder)))


def lines(folder: Path) -> list[bytes]:
    return (folder / formats.ENTRIES_FILE).read_bytes().splitlines(keepends=True)


def write(folder: Path, content: list[bytes]) -> None:
    (folder / formats.ENTRIES_FILE).write_bytes(b"".join(content))


def test_an_untouched_export_and_store_verify(export):
    """A ledger nobody touched verifies, from the export and from the store."""
    verdict = verify_folder(export)
    assert verdict.ok, verdict.problems
    assert (verdict.entries, verdict.latest.size) == (ENTRIES, ENTRIES)
    store = verify_ledger(stored_entries(), checkpoint_notes(), public_key())
    assert store.ok, store.problems
    assert store.entries == ENTRIES + 1  # the export entry, not yet covered by a checkpoint
    assert store.notes


def test_changing_any_single_byte_of_a_body_is_detected(export):
    """Flipping any one byte of entry 5's body fails verification and names entry 5."""
    original = lines(export)
    body = original[5]
    for position in range(len(body) - 1):  # the newline ends the line, it is not the body
        changed = bytearray(body)
        changed[position] ^= 0x01
        write(export, [*original[:5], bytes(changed), *original[6:]])
        verdict = verify_folder(export)
        assert not verdict.ok, position
        assert verdict.first_bad_entry == 5, (position, verdict.problems)


def test_a_changed_byte_is_caught_by_the_signed_root_alone(export):
    """Without the recorded leaf hashes, the checkpoint over entries 4..7 still catches entry 5."""
    original = lines(export)
    write(export, [*original[:5], original[5].replace(b'"step":5', b'"step":6'), *original[6:]])
    (export / formats.LEAF_HASHES_FILE).unlink()
    verdict = verify_folder(export)
    assert not verdict.ok
    assert verdict.first_bad_entry == 4
    assert any("among seq 4..7" in str(p) for p in verdict.problems)


def test_deleting_one_entry_is_detected(export):
    """Removing entry 7 names entry 7."""
    original = lines(export)
    write(export, original[:7] + original[8:])
    verdict = verify_folder(export)
    assert not verdict.ok
    assert verdict.first_bad_entry == 7


def test_reordering_two_entries_is_detected(export):
    """Swapping entries 3 and 9 names entry 3."""
    original = lines(export)
    swapped = list(original)
    swapped[3], swapped[9] = original[9], original[3]
    write(export, swapped)
    verdict = verify_folder(export)
    assert not verdict.ok
    assert verdict.first_bad_entry == 3


def test_truncating_the_tail_is_detected(export):
    """Dropping the last three entries names entry 9, the first one missing."""
    write(export, lines(export)[:-3])
    verdict = verify_folder(export)
    assert not verdict.ok
    assert verdict.first_bad_entry == ENTRIES - 3
    assert any("tail was removed" in str(p) for p in verdict.problems)


def _checkpoints(folder: Path) -> list[dict]:
    return [json.loads(line) for line in
            (folder / formats.CHECKPOINTS_FILE).read_text("utf-8").splitlines()]


def _write_checkpoints(folder: Path, records: list[dict]) -> None:
    (folder / formats.CHECKPOINTS_FILE).write_text(
        "".join(json.dumps(r) + "\n" for r in records), "utf-8")


def test_replacing_a_checkpoint_with_a_forged_signature_is_detected(export):
    """A checkpoint signed by another key (or edited after signing) fails its signature."""
    records = _checkpoints(export)
    intruder = Ed25519PrivateKey.generate()
    root = bytes.fromhex(records[1]["root_hash"])
    records[1]["note"] = formats.sign_checkpoint(intruder, records[1]["tree_size"], root)
    _write_checkpoints(export, records)
    verdict = verify_folder(export)
    assert not verdict.ok
    assert any("checkpoint #2" in str(p) for p in verdict.problems)

    records = _checkpoints(export)
    records[1]["note"] = records[1]["note"].replace("\n8\n", "\n9\n", 1)
    _write_checkpoints(export, records)
    assert not verify_folder(export).ok


def test_replacing_a_checkpoint_with_another_validly_signed_head_is_detected(export):
    """A head signed with the real key over other entries names the first entry it covers anew."""
    records = _checkpoints(export)
    other_root = bytes(32)
    records[1]["note"] = formats.sign_checkpoint(signing_key(), records[1]["tree_size"], other_root)
    _write_checkpoints(export, records)
    verdict = verify_folder(export)
    assert not verdict.ok
    assert verdict.first_bad_entry == 4  # checkpoint 1 vouches for 0..3; checkpoint 2 for 4..7


def test_verifying_with_the_wrong_trusted_key_fails(export):
    """An export whose key was swapped does not verify against the key the auditor trusts."""
    verdict = verify_ledger(exported_entries(export), exported_checkpoints(export),
                            Ed25519PrivateKey.generate().public_key())
    assert not verdict.ok


def test_the_cli_names_the_first_bad_entry_and_exits_non_zero(export, run_cli, tmp_path):
    """`reunify ledger verify DIR` on a damaged export prints the first bad entry, exits 1."""
    copy = tmp_path / "copy"
    shutil.copytree(export, copy)
    ok = run_cli("ledger", "verify", str(copy))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert f"OK: {ENTRIES} entries" in ok.stdout
    original = lines(copy)
    write(copy, original[:6] + original[7:])
    bad = run_cli("ledger", "verify", str(copy))
    assert bad.returncode == 1
    assert "first bad entry: 6" in bad.stdout


def _drop_triggers() -> None:
    with connection.cursor() as cursor:
        for table in APPEND_ONLY_TABLES:
            if connection.vendor == "sqlite":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")


def _verify_store():
    return verify_ledger(stored_entries(), checkpoint_notes(), public_key())


def test_the_database_refuses_update_and_delete(ledger):
    """UPDATE and DELETE on entries, subjects and checkpoints are refused by the database."""
    attempts = [
        lambda: LedgerEntry.objects.filter(seq=3).update(actor="someone else"),
        lambda: LedgerEntry.objects.filter(seq=3).update(body="{}"),
        lambda: LedgerSubject.objects.filter(entry_id=3).update(subject="x:y"),
        lambda: LedgerSubject.objects.filter(entry_id=3).delete(),
        lambda: Checkpoint.objects.filter(tree_size=4).update(root_hash="0" * 64),
        lambda: Checkpoint.objects.all().delete(),
    ]
    for attempt in attempts:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    for table, column in (("reunify_ledger_entry", "seq"), ("reunify_checkpoint", "tree_size")):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), \
                connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE {column} = 4")  # the PROTECT FK is ORM-only
    assert LedgerEntry.objects.count() == ENTRIES
    assert _verify_store().ok


def test_installing_the_triggers_twice_is_harmless(ledger):
    """The post_migrate installation is idempotent and leaves the refusal in place."""
    install_append_only_triggers(connection)
    install_append_only_triggers(connection)
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.filter(seq=0).update(type="x")


def test_store_tampering_past_the_triggers_is_detected(ledger):
    """With the triggers dropped: an edited body names its entry; so does a removed one."""
    _drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE reunify_ledger_entry SET body = REPLACE(body, '\"step\":6', "
                       "'\"step\":60') WHERE seq = 6")
    verdict = _verify_store()
    assert not verdict.ok
    assert verdict.first_bad_entry == 6

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM reunify_ledger_subject WHERE seq = 2")
        cursor.execute("DELETE FROM reunify_ledger_entry WHERE seq = 2")
    assert _verify_store().first_bad_entry == 2


def test_a_consistent_rewrite_of_one_entry_is_caught_by_the_checkpoints(ledger):
    """Editing a body and its leaf hash together is caught by the signed root over 8..11."""
    _drop_triggers()
    entry = LedgerEntry.objects.get(seq=9)
    body = entry.body.replace('"step":9', '"step":90').encode()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE reunify_ledger_entry SET body = %s, leaf_hash = %s WHERE seq = 9",
                       [body.decode(), merkle.leaf_hash(body).hex()])
    verdict = _verify_store()
    assert not verdict.ok
    assert verdict.first_bad_entry == 8
