"""Ingesting tracing requests (kind ``inquiries``): like any batch, with a reference each."""

from __future__ import annotations

import re

import pytest
from tests.ingest_batches import ingest, store_snapshot, write

from reunify.actions.ledger import sign_checkpoint
from reunify.models import Inquiry, InquiryRecord
from reunify.rules.tracing import normal_reference

pytestmark = pytest.mark.django_db

HEADER = ("source,inquiry_id,at,inquirer_family_name,inquirer_given_name,relation,"
          "sought_family_name,sought_given_name,sought_birth_date,sought_age,sought_sex,"
          "last_seen_place,last_seen_on\n")
GOOD = HEADER + (
    "hotline,q1,2018-07-02,Tzul,Rosa,parent,Tzul Ajanel,Lupita,2015-07-22,,F,Clint,2018-05-20\n"
    "hotline,q2,2018-07-03,,Pedro,relative,Ajanel,Ana,,3,,,\n"
)


def test_inquiries_ingested_with_a_reference_each(tmp_path, capsys):
    """Each inquiry is stored as a record and opened with a distinct T-XXXX-XXXX reference."""
    status, out, err = ingest(capsys, write(tmp_path / "a", "hotline.inquiries.csv", GOOD))
    assert status == 0, err
    assert "2 new" in out
    record = InquiryRecord.objects.get(inquiry_id="q1")
    assert (record.sought_given_name, record.relation, record.last_seen_on) == (
        "Lupita", "parent", "2018-05-20")
    references = list(Inquiry.objects.values_list("reference", flat=True))
    assert len(set(references)) == 2
    assert all(re.fullmatch(r"T-[2-9A-Z]{4}-[2-9A-Z]{4}", ref) for ref in references)


def test_inquiries_idempotent_and_versioned(tmp_path, capsys):
    """The same file again changes nothing; a changed row is a new version and keeps its
    reference number."""
    assert ingest(capsys, write(tmp_path / "a", "hotline.inquiries.csv", GOOD))[0] == 0
    reference = Inquiry.objects.get(inquiry_id="q2").reference
    sign_checkpoint(actor="tester")  # every command signs what is unsigned when it starts
    before = store_snapshot()
    status, out, _ = ingest(capsys, write(tmp_path / "b", "hotline.inquiries.csv", GOOD))
    assert status == 0
    assert "nothing to do" in out
    assert store_snapshot() == before
    changed = GOOD.replace("Ajanel,Ana,,3", "Ajanel,Ana,2015,")
    assert ingest(capsys, write(tmp_path / "c", "hotline.inquiries.csv", changed))[0] == 0
    versions = InquiryRecord.objects.filter(inquiry_id="q2").order_by("version")
    assert [(v.version, v.is_current, v.sought_age) for v in versions] == [
        (1, False, "3"), (2, True, "")]
    assert Inquiry.objects.get(inquiry_id="q2").reference == reference
    assert Inquiry.objects.count() == 2


@pytest.mark.parametrize(("row", "message"), [
    ("hotline,q3,2018-07-02,Tzul,Rosa,mother,,Lupita,,,,,\n",
     "hotline.inquiries.csv:4:6: relation 'mother' is not a known value (expected one of "
     "parent, guardian, relative, sibling, counsel, other)"),
    ("hotline,q3,2018-07-02,Tzul,Rosa,parent,,Lupita,,three,,,\n",
     "hotline.inquiries.csv:4:10: sought_age 'three' is not an age (expected an age in whole "
     "years, 0 to 120)"),
    ("hotline,q3,2018-07-02,,,parent,,Lupita,,,,,\n",
     "hotline.inquiries.csv:4:4: inquirer_family_name and inquirer_given_name are both empty "
     "(expected at least one of inquirer_family_name or inquirer_given_name)"),
    ("hotline,q3,2018-07-02,Tzul,Rosa,parent,,,,,,,\n",
     "hotline.inquiries.csv:4:7: sought_family_name and sought_given_name are both empty "
     "(expected at least one of sought_family_name or sought_given_name)"),
    ("hotline,q3,2018-07-02,Tzul,Rosa,parent,,Lupita,2015-02-30,,,,\n",
     "hotline.inquiries.csv:4:9: sought_birth_date '2015-02-30' is not a date (expected "
     "YYYY-MM-DD, YYYY-MM or YYYY naming a real day, month or year)"),
    ("hotline,q1,2018-07-02,Tzul,Rosa,parent,,Lupita,,,,,\n",
     "hotline.inquiries.csv:4:2: duplicate inquiry_id 'q1' (first at hotline.inquiries.csv:2) "
     "(expected each inquiry_id once per source in a batch)"),
])
def test_bad_inquiry_refused_whole_batch(tmp_path, capsys, row, message):
    """A bad inquiry is reported at file:line:column, exit 2, and nothing of the batch (not
    even the good rows or another file) is written."""
    folder = tmp_path / "bad"
    write(folder, "hotline.inquiries.csv", GOOD + row)
    write(folder, "shelter.persons.csv", "source,record_id,given_name\nshelter,s1,Ana\n")
    before = store_snapshot()
    status, _, err = ingest(capsys, folder)
    assert status == 2
    assert message in err.splitlines()
    assert store_snapshot() == before


def test_inquiries_jsonl(tmp_path, capsys):
    """JSONL inquiries are read like CSV ones; a number for the age is taken as its text."""
    path = write(tmp_path, "consulate.inquiries.jsonl",
                 '{"source": "consulate", "inquiry_id": "c1", "at": "2018-07-09", '
                 '"inquirer_given_name": "Rosa", "relation": "parent", '
                 '"sought_given_name": "Ana", "sought_age": 4, "note": "called twice"}\n')
    status, _, err = ingest(capsys, path)
    assert status == 0, err
    record = InquiryRecord.objects.get()
    assert (record.sought_age, record.attributes) == ("4", {"note": "called twice"})


def test_reference_read_as_spoken():
    """A reference typed loosely (lower case, spaces) reads as its written form."""
    assert normal_reference("t 4k7m 9x2p") == "T-4K7M-9X2P"
    assert normal_reference("T-4K7M-9X2") == ""


