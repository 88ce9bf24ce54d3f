"""Witnesses: published heads prove the ledger only grew, even against a re-signing insider."""

from __future__ import annotations

import json

import pytest
from django.db import connection, transaction

from reunify.actions.ledger import append_entry, sign_checkpoint
from reunify.actions.witness import WitnessRefused, publish_checkpoint
from reunify.cli.main import main
from reunify.models import LedgerEntry
from reunify.models.ledger import APPEND_ONLY_TABLES
from reunify.rules import ledger as formats
from reunify.rules import merkle


def _append(start: int, n: int) -> None:
    for i in range(start, start + n):
        with transaction.atomic():
            append_entry(actor="clerk", type="test.step", subjects=[f"src:R{i}"],
                         payload={"step": i})


def _verify(capsys, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    status = main(["ledger", "verify", *args])
    return status, capsys.readouterr().out


def _rewrite_history(seq: int) -> None:
    """What an insider with the database and the signing key can do: edit an entry, fix every
    hash, throw away the checkpoints and sign new ones that agree with the edited ledger."""
    with connection.cursor() as cursor:
        for table in APPEND_ONLY_TABLES:
            if connection.vendor == "sqlite":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        entry = LedgerEntry.objects.get(seq=seq)
        body = entry.body.replace(f'"step":{seq}', f'"step":{seq + 1000}').encode()
        cursor.execute("UPDATE reunify_ledger_entry SET body = %s, leaf_hash = %s WHERE seq = %s",
                       [body.decode(), merkle.leaf_hash(body).hex(), seq])
        cursor.execute("DELETE FROM reunify_checkpoint")
    sign_checkpoint(actor="insider")


@pytest.mark.django_db
def test_a_rewritten_and_re_signed_store_is_caught_by_the_witness(tmp_path, capsys):
    """After an insider rewrites entry 3 and re-signs, the store alone verifies, the witness
    does not: neither its head of size 8 nor that of 12 is a prefix of the ledger any more."""
    witness = tmp_path / "witness"
    _append(0, 8)
    publish_checkpoint(witness, actor="clerk")  # head of 8 entries, then the publish entry
    _append(9, 3)
    publish_checkpoint(witness, actor="clerk")  # head of 12
    _append(13, 2)
    sign_checkpoint(actor="clerk")
    status, out = _verify(capsys, "--witness", str(witness))
    assert status == 0, out
    assert "consistent with 1 witness" in out

    _rewrite_history(3)
    status, out = _verify(capsys)
    assert status == 0, out  # internally consistent: the insider did a thorough job
    status, out = _verify(capsys, "--witness", str(witness))
    assert status == 1
    # The newest head fails its consistency proof, the older one its prefix root.
    assert "witnessed head #2 (size 12) is not a prefix" in out
    assert "witnessed head #1 (size 8) is not a prefix" in out


@pytest.mark.django_db
def test_a_shrunk_ledger_is_caught_by_the_witness(tmp_path, capsys):
    """Removing the tail and re-signing a smaller head contradicts the larger witnessed head."""
    witness = tmp_path / "witness"
    _append(0, 6)
    publish_checkpoint(witness, actor="clerk")
    with connection.cursor() as cursor:
        for table in APPEND_ONLY_TABLES:
            if connection.vendor == "sqlite":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        cursor.execute("DELETE FROM reunify_ledger_subject WHERE seq >= 4")
        cursor.execute("DELETE FROM reunify_ledger_entry WHERE seq >= 4")
        cursor.execute("DELETE FROM reunify_checkpoint")
    sign_checkpoint(actor="insider")
    assert _verify(capsys)[0] == 0
    status, out = _verify(capsys, "--witness", str(witness))
    assert status == 1
    assert "shrank" in out


@pytest.mark.django_db
def test_publishing_appends_heads_and_refuses_a_rewritten_ledger(tmp_path):
    """Each publish appends one head; after a rewrite the publisher refuses to hand it over."""
    witness = tmp_path / "witness"
    _append(0, 4)
    first = publish_checkpoint(f"file://{witness}", actor="clerk")
    _append(5, 2)
    second = publish_checkpoint(witness, actor="clerk")
    heads = [json.loads(line) for line in
             (witness / formats.WITNESS_HEADS_FILE).read_text().splitlines()]
    assert [h["tree_size"] for h in heads] == [first.tree_size, second.tree_size] == [4, 7]
    assert (witness / formats.PUBLIC_KEY_FILE).exists()
    assert LedgerEntry.objects.filter(type=formats.TYPE_PUBLISH).count() == 2

    _rewrite_history(1)
    with pytest.raises(WitnessRefused, match="not an extension"):
        publish_checkpoint(witness, actor="insider")
    assert len((witness / formats.WITNESS_HEADS_FILE).read_text().splitlines()) == 2


@pytest.mark.django_db
def test_a_witness_of_another_log_is_refused(tmp_path):
    """A witness folder that holds another key is not written to."""
    witness = tmp_path / "witness"
    witness.mkdir()
    (witness / formats.PUBLIC_KEY_FILE).write_text("-----BEGIN PUBLIC KEY-----\nother\n")
    _append(0, 1)
    with pytest.raises(WitnessRefused, match="another key"):
        publish_checkpoint(witness, actor="clerk")


def test_only_folders_and_file_urls_are_witnesses(tmp_path):
    """file:// URLs and paths name folders; http(s) and remote file URLs are refused."""
    assert formats.witness_folder(f"file://{tmp_path}/w") == tmp_path / "w"
    assert formats.witness_folder(str(tmp_path / "w")) == tmp_path / "w"
    for refused in ("https://witness.example.org/heads", "file://remote-host/w"):
        with pytest.raises(ValueError):
            formats.witness_folder(refused)
