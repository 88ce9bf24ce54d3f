"""Entries in the store: reported decisions, queries, erasure, proofs, automatic checkpoints."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection, transaction
from django.utils import timezone

from reunify.actions.erasure import erase_person_data
from reunify.actions.ledger import append_entry, append_reported_decisions, sign_checkpoint
from reunify.cli.main import main
from reunify.models import (
    Checkpoint,
    EventRecord,
    ImportBatch,
    LedgerEntry,
    PersonRecord,
    SourceFile,
)
from reunify.models.ledger import drop_append_only_triggers
from reunify.models.ledger_keys import public_key, salted_hash
from reunify.queries.ledger import EntryFilter, checkpoint_notes, find_entries, stored_entries
from reunify.rules import merkle
from reunify.rules.ledger_verify import verify_ledger

REASON = "Separated: Maria Lopez Garcia could not prove she is the mother of Ana"
_files = 0


def _file(kind: str) -> SourceFile:
    global _files
    _files += 1
    now = timezone.now()
    batch = ImportBatch.objects.create(actor="ingest", started_at=now, committed_at=now)
    return SourceFile.objects.create(batch=batch, name=f"{kind}-{_files}.csv",
                                     sha256=f"{_files:064d}", source="cbp", kind=kind,
                                     format="csv", size=1, rows=1)


def _events(n: int) -> SourceFile:
    """n events from one file; every other one a decision (with actor, authority and reason)."""
    file = _file("events")
    at = dt.datetime(2018, 6, 1, 10, 0, tzinfo=dt.UTC)
    EventRecord.objects.bulk_create([
        EventRecord(
            source="cbp", file=file, line=i + 2, content_hash=f"{i:064d}", event_id=f"E{i}",
            record_id=f"P{i % 3}", type="separated" if i % 4 == 0 else "transferred",
            at=at + dt.timedelta(hours=i), custodian="ORR", facility="Casa Padre",
            actor="Agent J. Doe #1234" if i % 2 == 0 else "",
            authority="8 U.S.C. 1325" if i % 2 == 0 else "",
            reason=REASON if i % 2 == 0 else "",
        )
        for i in range(n)
    ])
    return file


@pytest.mark.django_db
def test_reported_decisions_become_one_entry_each_without_personal_data():
    """Each event naming a decider, authority or reason gets one entry; the reason is only a
    salted hash; seq continues without gaps after entries already there."""
    with transaction.atomic():
        append_entry(actor="clerk", type="test.before", payload={"n": 1})
    file = _events(10)
    with transaction.atomic():
        count = append_reported_decisions(actor="ingest", file_id=file.pk)
    assert count == 5
    entries = list(LedgerEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == list(range(6))
    first = json.loads(entries[1].body)
    assert first["type"] == "reported.separated"
    assert first["subjects"] == ["cbp:P0", "cbp:event:E0"]
    assert first["payload"]["decided_by"] == "Agent J. Doe #1234"
    assert first["payload"]["reason_hmac"] == salted_hash(REASON)
    assert all("Maria" not in e.body for e in entries)
    assert entries[1].decided_by == "Agent J. Doe #1234"
    assert entries[1].authority == "8 U.S.C. 1325"
    sign_checkpoint(actor="clerk")
    assert verify_ledger(stored_entries(), checkpoint_notes(), public_key()).ok


@pytest.mark.django_db
def test_queries_filter_by_actor_authority_type_and_person():
    """--actor matches who acted or who decided; --type takes a prefix; --person a record."""
    file = _events(12)
    with transaction.atomic():
        append_reported_decisions(actor="ingest", file_id=file.pk)
        append_entry(actor="clerk", type="review.decided", subjects=["cbp:P1"], payload={})
    assert find_entries(EntryFilter(actor="clerk"))[0] == 1
    assert find_entries(EntryFilter(actor="Agent J. Doe #1234"))[0] == 6
    assert find_entries(EntryFilter(authority="8 U.S.C. 1325", type="reported.separated"))[0] == 3
    assert find_entries(EntryFilter(type="reported."))[0] == 6
    hour = dt.timedelta(hours=1)
    assert find_entries(EntryFilter(since=timezone.now() - hour))[0] == 7
    assert find_entries(EntryFilter(until=timezone.now() - hour))[0] == 0
    total, entries = find_entries(EntryFilter(person="cbp:P1"))
    assert total == 3  # decisions of events 4 and 10, and the review
    assert entries[-1]["type"] == "review.decided"
    total, entries = find_entries(EntryFilter(person="cbp:P0", type="reported."), limit=1)
    assert total == 2  # decisions of events 0 and 6 (3 and 9 named no decider)
    assert len(entries) == 1


@pytest.mark.django_db
def test_erasing_a_person_leaves_every_proof_verifying(tmp_path):
    """Blanking a person's data changes their records, not the ledger: it still verifies; the
    A-number goes with its search key."""
    file = _file("persons")
    PersonRecord.objects.create(source="cbp", record_id="P0", file=file, line=2,
                                content_hash="0" * 64, family_name="Lopez Garcia",
                                given_name="Maria", birth_date="1990-02-03", phone="555-0100",
                                a_number="A 202-302-528", a_number_key="202302528")
    events = _events(4)
    with transaction.atomic():
        append_reported_decisions(actor="ingest", file_id=events.pk)
    sign_checkpoint(actor="clerk")
    before = [e.body for e in LedgerEntry.objects.order_by("seq")]

    counts = erase_person_data(actor="privacy-officer", source="cbp", record_id="P0")
    assert counts["person_records"] == 1
    assert counts["event_reasons"] == 1  # event 0; event 3 gave no reason
    record = PersonRecord.objects.get(source="cbp", record_id="P0")
    assert (record.family_name, record.given_name, record.birth_date, record.phone,
            record.a_number, record.a_number_key) == ("",) * 6
    assert not EventRecord.objects.filter(record_id="P0").exclude(reason="").exists()
    after = [e.body for e in LedgerEntry.objects.order_by("seq")]
    assert after[: len(before)] == before
    assert json.loads(after[-1])["type"] == "person.erased"
    assert all("Maria" not in body and "Lopez" not in body for body in after)
    sign_checkpoint(actor="clerk")
    assert verify_ledger(stored_entries(), checkpoint_notes(), public_key()).ok


@pytest.mark.django_db
def test_prove_prints_an_inclusion_proof_that_verifies(capsys):
    """`reunify ledger prove N` prints a proof that checks against the signed head."""
    for i in range(7):
        with transaction.atomic():
            append_entry(actor="clerk", type="test.step", payload={"step": i})
    sign_checkpoint(actor="clerk")
    capsys.readouterr()
    assert main(["ledger", "prove", "5"]) == 0
    proof = json.loads(capsys.readouterr().out)
    leaf = merkle.leaf_hash(proof["body"].encode())
    assert merkle.verify_inclusion(5, proof["tree_size"], leaf,
                                   [bytes.fromhex(h) for h in proof["proof"]],
                                   bytes.fromhex(proof["root_hash"]))
    assert main(["ledger", "prove", "7"]) == 2


@pytest.fixture
def committed_db(transactional_db):
    """Real commits; the triggers go before the flush that empties the tables afterwards."""
    yield
    drop_append_only_triggers(connection)


def test_every_committed_action_ends_with_a_checkpoint(committed_db):
    """After a transaction that appended commits, a checkpoint covers it; one per transaction."""
    before = Checkpoint.objects.count()
    with transaction.atomic():
        append_entry(actor="clerk", type="test.a", payload={})
        append_entry(actor="clerk", type="test.b", payload={})
    assert Checkpoint.objects.count() == before + 1
    latest = Checkpoint.objects.order_by("-tree_size").first()
    assert latest.tree_size == LedgerEntry.objects.count()

    def failing_action() -> None:
        with transaction.atomic():
            append_entry(actor="clerk", type="test.c", payload={})
            raise RuntimeError("the action failed")

    with pytest.raises(RuntimeError):
        failing_action()
    assert Checkpoint.objects.count() == before + 1


def test_append_needs_an_actor_and_a_transaction(committed_db):
    """An entry without an actor, or outside the change's transaction, is refused."""
    with pytest.raises(ValueError, match="actor"), transaction.atomic():
        append_entry(actor=" ", type="x")
    with pytest.raises(RuntimeError, match="inside the transaction"):
        append_entry(actor="clerk", type="x")
    assert not LedgerEntry.objects.exists()


def test_production_never_creates_ledger_secrets(db, settings, tmp_path):
    """Outside development a missing signing key or salt is an error, not a new secret; in
    development the key is created once and kept."""
    from django.core.exceptions import ImproperlyConfigured

    from reunify.models import ledger_keys

    settings.DATA_DIR = tmp_path / "data"
    settings.LEDGER_KEY_FILE = ""
    settings.LEDGER_SALT = ""
    ledger_keys.reset_cache()
    try:
        settings.DEVELOPMENT = False
        with pytest.raises(ImproperlyConfigured, match="signing key"):
            ledger_keys.signing_key()
        with pytest.raises(ImproperlyConfigured, match="salt"):
            ledger_keys.salt()
        assert not (tmp_path / "data").exists()
        settings.DEVELOPMENT = True
        key = ledger_keys.public_key()
        ledger_keys.reset_cache()
        assert ledger_keys.public_key_pem(ledger_keys.public_key()) == \
            ledger_keys.public_key_pem(key)
        assert oct(ledger_keys.key_file().stat().st_mode & 0o777) == "0o600"
    finally:
        ledger_keys.reset_cache()
