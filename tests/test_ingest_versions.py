"""Good batches: what ``reunify ingest`` stores, re-sends and versions, unknown columns, JSONL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from tests.ingest_batches import EVENTS, PERSONS, good_batch, ingest, store_snapshot, write

from reunify.actions.ingest import ingest_paths
from reunify.actions.ledger import sign_checkpoint
from reunify.interchange.limits import FIELD_CHARS
from reunify.models import (
    EventRecord,
    ImportBatch,
    LedgerEntry,
    PersonRecord,
    RelationRecord,
    SourceFile,
)
from reunify.rules.interchange import EVENT_TYPES

pytestmark = pytest.mark.django_db


def _csv_rows(text: str) -> list[dict[str, str]]:
    header, *lines = text.strip().split("\n")
    names = header.split(",")
    return [dict(zip(names, line.split(","), strict=True)) for line in lines]


def test_good_batch_is_stored_with_counts(tmp_path, capsys):
    """A valid batch is written whole: every row, its file and line, counts and a ledger entry."""
    status, out, err = ingest(capsys, good_batch(tmp_path / "b"))
    assert status == 0, err
    assert "border.persons.csv: 3 rows: 3 new, 0 changed (new version), 0 unchanged" in out
    assert PersonRecord.objects.count() == 3
    assert RelationRecord.objects.count() == 2
    assert EventRecord.objects.count() == 3
    maria = PersonRecord.objects.get(source="border", record_id="b1")
    assert (maria.family_name, maria.given_name, maria.birth_date, maria.version,
            maria.is_current, maria.line) == ("García López", "María José", "1985-03-14", 1,
                                              True, 2)
    assert maria.file.name == "border.persons.csv"
    luis = PersonRecord.objects.get(record_id="b3")
    assert (luis.family_name, luis.phone) == ("", "")
    # No zone means UTC; a zone is converted; a date alone is midnight UTC.
    moments = dict(EventRecord.objects.values_list("event_id", "at"))
    assert moments == {
        "e1": dt.datetime(2018, 5, 7, 20, 30, tzinfo=dt.UTC),
        "e2": dt.datetime(2018, 5, 8, tzinfo=dt.UTC),
        "e3": dt.datetime(2018, 5, 9, 9, tzinfo=dt.UTC),
    }
    assert RelationRecord.objects.get(record_id="b3").evidence == "stated"
    batch = ImportBatch.objects.get()
    assert batch.actor == "test-clerk"
    assert (batch.counts["rows"], batch.counts["new"], batch.counts["files"]) == (8, 8, 3)
    files = {f.name: (f.rows, f.rows_new, f.batch_id) for f in SourceFile.objects.all()}
    assert files["border.events.csv"] == (3, 3, batch.pk)
    entry = LedgerEntry.objects.get(type="ingest.batch")
    body = json.loads(entry.body)
    assert body["actor"] == "test-clerk"
    assert body["payload"]["counts"]["rows"] == 8
    assert sorted(f["sha256"] for f in body["payload"]["files"]) == sorted(
        SourceFile.objects.values_list("sha256", flat=True))


def test_reingesting_identical_files_changes_nothing(tmp_path, capsys):
    """The same bytes again: the store (ledger included) stays as it was, and the output says so."""
    folder = good_batch(tmp_path / "b")
    assert ingest(capsys, folder)[0] == 0
    sign_checkpoint(actor="tester")  # as after a real commit (see test_ingest.seeded)
    before = store_snapshot()
    status, out, _ = ingest(capsys, folder)
    assert status == 0
    assert "border.persons.csv: identical to a file already ingested; nothing to do" in out
    assert "nothing new: the store is unchanged" in out
    assert store_snapshot() == before


def test_changed_record_gets_a_new_version(tmp_path, capsys):
    """A re-sent record with changed content keeps both versions; unchanged ones are not copied."""
    assert ingest(capsys, good_batch(tmp_path / "one"))[0] == 0
    changed = PERSONS.replace("border,b2,García,Ana,2013-07,", "border,b2,García,Ana,2013-07-02,")
    path = write(tmp_path / "two", "border.persons.csv", changed)
    status, out, err = ingest(capsys, path)
    assert status == 0, err
    assert "border.persons.csv: 3 rows: 0 new, 1 changed (new version), 2 unchanged" in out
    versions = list(PersonRecord.objects.filter(record_id="b2").order_by("version")
                    .values_list("version", "is_current", "birth_date"))
    assert versions == [(1, False, "2013-07"), (2, True, "2013-07-02")]
    assert PersonRecord.objects.filter(record_id="b1").count() == 1
    assert PersonRecord.objects.count() == 4


def test_an_a_number_is_stored_with_its_search_key(tmp_path, capsys):
    """Ingest writes each person-record's A-number search key (its digits, leading zeros
    dropped) with it: for a new source's records and for a re-sent record's new version."""
    assert ingest(capsys, good_batch(tmp_path / "one"))[0] == 0
    assert dict(PersonRecord.objects.values_list("record_id", "a_number_key")) == {
        "b1": "123456789", "b2": "", "b3": ""}
    changed = PERSONS.replace("border,b2,García,Ana,2013-07,F,GT,,",
                              "border,b2,García,Ana,2013-07,F,GT,A 0202-302 528,")
    assert ingest(capsys, write(tmp_path / "two", "border.persons.csv", changed))[0] == 0
    assert PersonRecord.objects.get(record_id="b2", is_current=True).a_number_key == "202302528"


def test_unknown_columns_are_kept_as_attributes(tmp_path, capsys):
    """Columns the spec does not name are stored as attributes; empty cells are unknown."""
    path = write(tmp_path, "shelter.persons.csv",
                 "source,record_id,given_name,shoe_size,intake_worker\n"
                 "shelter,s1,Ana,31,\nshelter,s2,Eva,,W-7\n")
    assert ingest(capsys, path)[0] == 0
    attributes = dict(PersonRecord.objects.values_list("record_id", "attributes"))
    assert attributes == {"s1": {"shoe_size": "31"}, "s2": {"intake_worker": "W-7"}}


def test_jsonl_is_read_like_csv(tmp_path, capsys):
    """The same rows as JSONL are the same records: re-sent after the CSV, all are unchanged."""
    assert ingest(capsys, good_batch(tmp_path / "csv"))[0] == 0
    before = set(EventRecord.objects.values_list("event_id", "record_id", "type", "at", "actor"))
    lines = []
    for row in _csv_rows(EVENTS):
        # JSONL may leave unknown values out or write them as null.
        lines.append(json.dumps({k: (v or None) for k, v in row.items() if v or k == "actor"}))
    path = write(tmp_path / "jsonl", "border.events.jsonl", "\n".join(lines) + "\n")
    status, out, err = ingest(capsys, path)
    assert status == 0, err
    assert "border.events.jsonl: 3 rows: 0 new, 0 changed (new version), 3 unchanged" in out
    after = set(EventRecord.objects.values_list("event_id", "record_id", "type", "at", "actor"))
    assert after == before


def test_jsonl_keeps_unknown_keys_and_reads_numbers(tmp_path, capsys):
    """JSONL unknown keys become attributes (any JSON value); numbers are read as their text."""
    path = write(tmp_path, "shelter.persons.jsonl",
                 '{"source": "shelter", "record_id": 17, "given_name": "Ana", '
                 '"notes": {"bed": 4}}\n\n')
    assert ingest(capsys, path)[0] == 0
    record = PersonRecord.objects.get()
    assert (record.record_id, record.attributes) == ("17", {"notes": {"bed": 4}})


def test_jsonl_value_must_be_a_scalar(tmp_path, capsys):
    """A spec column holding a JSON list is refused at that key's column."""
    path = write(tmp_path, "shelter.persons.jsonl",
                 '{"source": "shelter", "record_id": "s1", "given_name": ["Ana"]}\n')
    status, _, err = ingest(capsys, path)
    assert status == 2
    assert ("shelter.persons.jsonl:1:42: given_name is a JSON list (expected a string, a number "
            "or null)") in err.splitlines()
    assert PersonRecord.objects.count() == 0


def test_truth_and_other_files_are_skipped_and_said_so(tmp_path, capsys):
    """A folder's truth files are never ingested, and the output names each file left out."""
    folder = good_batch(tmp_path / "b")
    write(folder, "truth.identities.csv", "source,record_id,person_id\nborder,b1,p1\n")
    write(folder, "manifest.json", "{}")
    status, out, _ = ingest(capsys, folder)
    assert status == 0
    assert f"skipped {folder / 'truth.identities.csv'}: truth files are never ingested" in out
    assert any(line.startswith(f"skipped {folder / 'manifest.json'}: not a batch file")
               for line in out.splitlines())
    assert SourceFile.objects.count() == 3


def test_byte_order_mark_is_tolerated(tmp_path, capsys):
    """A UTF-8 BOM before the header does not become part of the first column's name."""
    path = write(tmp_path, "shelter.persons.csv",
                 "\ufeffsource,record_id,given_name\nshelter,s1,Ana\n".encode())
    assert ingest(capsys, path)[0] == 0
    assert PersonRecord.objects.get().attributes == {}


def test_action_reports_progress_and_needs_an_actor(tmp_path):
    """The action calls a progress callback up to the total bytes, and refuses an empty actor."""
    folder = good_batch(tmp_path / "b")
    with pytest.raises(ValueError, match="actor"):
        ingest_paths([folder], actor=" ")
    seen: list[tuple[int, int]] = []
    report = ingest_paths([folder], actor="clerk", progress=lambda d, t: seen.append((d, t)))
    total = sum(p.stat().st_size for p in folder.iterdir())
    assert seen[-1] == (total, total)
    assert report.totals()["rows"] == 8


def test_field_limits_match_the_store():
    """Each spec column's limit equals its column's width in the store, so checks match writes."""
    models = {"persons": PersonRecord, "relations": RelationRecord, "events": EventRecord}
    for model in models.values():
        for field in model._meta.get_fields():
            width = getattr(field, "max_length", None)
            if field.name in FIELD_CHARS and width and field.name != "at":
                assert FIELD_CHARS[field.name] == width, field.name


def _event_rows(*rows: list[str]) -> list:
    """``(line, values, attributes, where)`` entries of events rows, from line 2."""
    return [(n + 2, list(row), {"x": "1"} if n == 1 else {}, lambda i: i + 1)
            for n, row in enumerate(rows)]


def _check_events(entries: list, seen: dict | None = None):
    from reunify.interchange.problems import Problems
    from reunify.interchange.rows import RowCheck

    problems = Problems()
    rows = RowCheck(file="border.events.csv", source="border", kind="events",
                    problems=problems, seen={} if seen is None else seen,
                    files=[]).check_chunk(entries)
    return rows, [str(p) for p in problems.listed]


def test_one_row_validator_keeps_good_rows_and_words_each_problem_in_row_order():
    """One validator checks a chunk: the good rows come back whatever their neighbours hold,
    and every problem is reported at its line and column, row by row, in the rules' order,
    exactly as a row checked alone would report it."""
    good = ["border", "e1", "b1", "detained", "2018-05-07T14:30:00-06:00", "", "", "", "", ""]
    also_good = ["border", "e2", "b2", "separated", "2018-05-08", "CBP", "", "A 7", "", "why"]
    bad = ["alpha", "e3", "", "vanished", "yesterday", "", "", "", "", ""]
    duplicate = ["border", "e1", "b4", "detained", "2018-05-09", "", "", "", "", ""]
    rows, problems = _check_events(_event_rows(good, bad, also_good, duplicate))
    assert [(r.line, r.key) for r in rows] == [(2, "e1"), (4, "e2")]
    assert rows[0].at.isoformat() == "2018-05-07T20:30:00+00:00"
    assert problems == [
        "border.events.csv:3:3: record_id is empty (expected a value: record_id is required)",
        "border.events.csv:3:1: source 'alpha' does not match the file name "
        "(expected 'border', the source in the file name)",
        "border.events.csv:3:4: type 'vanished' is not a known value (expected one of "
        + ", ".join(EVENT_TYPES) + ")",
        "border.events.csv:3:5: at 'yesterday' is not a moment (expected an ISO 8601 date or "
        "date-time, e.g. 2018-05-07 or 2018-05-07T14:30:00-06:00)",
        "border.events.csv:5:2: duplicate event_id 'e1' (first at border.events.csv:2) "
        "(expected each event_id once per source in a batch)",
    ]
    alone = [_check_events(_event_rows(row))[0][0] for row in (good, also_good)]
    assert [(r.values, r.content_hash, r.at) for r in rows] == [
        (r.values, r.content_hash, r.at) for r in alone]


def test_a_key_is_remembered_even_when_its_row_is_bad():
    """A row refused for another problem still holds its key: the same key later in the
    batch is a duplicate, as it was when rows were checked one at a time."""
    seen: dict = {}
    bad = ["border", "e1", "b1", "detained", "never", "", "", "", "", ""]
    _check_events(_event_rows(bad), seen)
    again = ["border", "e1", "b1", "detained", "2018-05-07", "", "", "", "", ""]
    rows, problems = _check_events(_event_rows(again), seen)
    assert rows == []
    assert problems == ["border.events.csv:2:2: duplicate event_id 'e1' (first at "
                        "border.events.csv:2) (expected each event_id once per source in a "
                        "batch)"]


def test_folder_without_batch_files_says_so(tmp_path, capsys):
    """A folder holding no batch files changes nothing and says that none were found."""
    folder = tmp_path / "b"
    write(folder, "notes.txt", "nothing to see")
    status, out, _ = ingest(capsys, folder)
    assert status == 0
    assert "no batch files found (expected <source>.<kind>.csv or .jsonl)" in out
    assert ImportBatch.objects.count() == 0
