"""`reunify erase`: one person asks, a second approves; both in the ledger."""

from __future__ import annotations

import json

import pytest

from link_batches import ingest_records, person
from reunify.cli.main import main
from reunify.models import ErasureRequest, LedgerEntry, PersonRecord

pytestmark = pytest.mark.django_db


def test_an_erasure_needs_a_second_person(tmp_path, capsys):
    """`erase list` shows the request to approvers; the requester cannot approve their own
    request (exit 2, nothing erased); another person's approval erases the data and the
    ledger names both."""
    ingest_records(tmp_path, [person("border", "b1", "Ana", "Ruiz", "2012-05-01",
                                     a_number="A111111111")])
    assert main(["erase", "request", "border:b1", "--reason", "court order 12/2026",
                 "--as", "steward-1"]) == 0
    asked = ErasureRequest.objects.get()
    capsys.readouterr()
    assert main(["erase", "list"]) == 0  # what an approver reads first (docs/operations.md)
    assert f"{asked.pk}: border:b1 asked by steward-1" in capsys.readouterr().out
    assert main(["erase", "approve", str(asked.pk), "--as", "steward-1"]) == 2
    assert "second person" in capsys.readouterr().err
    assert PersonRecord.objects.get(record_id="b1").family_name == "Ruiz"
    assert main(["erase", "approve", str(asked.pk), "--as", "steward-2"]) == 0
    assert PersonRecord.objects.get(record_id="b1").family_name == ""
    erased = json.loads(LedgerEntry.objects.get(type="person.erased").body)
    assert (erased["actor"], erased["payload"]["requested_by"]) == ("steward-2", "steward-1")
    assert LedgerEntry.objects.filter(type="person.erasure_requested").count() == 1
    assert main(["erase", "approve", str(asked.pk), "--as", "steward-3"]) == 2  # done once
