"""Files of many chunks: rows written chunk by chunk (on PostgreSQL through one COPY kept open
across the chunks of a new source) are all stored, versioned, or all rolled back."""

from __future__ import annotations

import pytest
from django.db import connection
from tests.ingest_batches import EVENTS, ingest, store_snapshot, write

from reunify.actions.ingest import ingest_paths
from reunify.interchange import rows as rows_module
from reunify.models import EventRecord, LedgerEntry, PersonRecord, SourceFile

pytestmark = pytest.mark.django_db

_HEADER = "source,record_id,family_name,given_name,birth_date,sex,group_id\n"


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    """Chunks of 20 rows checked and 50 written, so a few hundred rows make many chunks."""
    monkeypatch.setattr("reunify.interchange.reading._CHECK_ROWS", 20)
    monkeypatch.setattr("reunify.actions.ingest._CHUNK_ROWS", 50)


def _persons(source: str, count: int, *, changed: frozenset[int] = frozenset(),
             bad: int | None = None) -> str:
    lines = [_HEADER]
    for i in range(count):
        birth = "2018-02-30" if i == bad else f"{1960 + i % 50}-0{1 + i % 9}-1{i % 10}"
        given = "Changed" if i in changed else f"Given{i}"
        lines.append(f"{source},r{i},Family{i % 17},{given},{birth},{'FMX'[i % 3]},g{i // 3}\n")
    return "".join(lines)


def test_many_chunks_of_new_sources_are_all_stored(tmp_path, capsys):
    """Every row of multi-chunk files of two new sources is stored once, with its own line,
    and the events file after them still gets its reported decisions in the ledger."""
    folder = tmp_path / "b"
    write(folder, "alpha.persons.csv", _persons("alpha", 333))
    write(folder, "beta.persons.csv", _persons("beta", 120))
    write(folder, "border.events.csv", EVENTS)
    status, out, err = ingest(capsys, folder)
    assert status == 0, err
    assert "alpha.persons.csv: 333 rows: 333 new, 0 changed (new version), 0 unchanged" in out
    assert PersonRecord.objects.filter(source="alpha").count() == 333
    assert PersonRecord.objects.filter(source="beta").count() == 120
    lines = set(PersonRecord.objects.filter(source="alpha").values_list("record_id", "line"))
    assert lines == {(f"r{i}", i + 2) for i in range(333)}
    assert EventRecord.objects.count() == 3
    assert LedgerEntry.objects.filter(type__startswith="reported.").count() == 2
    assert SourceFile.objects.get(name="alpha.persons.csv").rows_new == 333


def test_many_chunks_of_a_known_source_get_new_versions(tmp_path, capsys):
    """A multi-chunk re-send of a known source versions exactly the changed rows."""
    write(tmp_path / "one", "alpha.persons.csv", _persons("alpha", 260))
    assert ingest(capsys, tmp_path / "one")[0] == 0
    changed = frozenset({0, 49, 50, 151, 259})
    write(tmp_path / "two", "alpha.persons.csv", _persons("alpha", 300, changed=changed))
    status, out, err = ingest(capsys, tmp_path / "two")
    assert status == 0, err
    assert "alpha.persons.csv: 300 rows: 40 new, 5 changed (new version), 255 unchanged" in out
    current = PersonRecord.objects.filter(source="alpha", is_current=True)
    assert current.count() == 300
    assert set(current.filter(version=2).values_list("record_id", flat=True)) == {
        f"r{i}" for i in changed}
    assert PersonRecord.objects.filter(source="alpha").count() == 305


def test_problem_after_chunks_were_written_rolls_back_everything(tmp_path, capsys):
    """A bad row after several chunks were already written rejects the batch, and none of the
    written rows, files or ledger entries remain."""
    before = store_snapshot()
    folder = tmp_path / "b"
    write(folder, "alpha.persons.csv", _persons("alpha", 400, bad=260))
    write(folder, "beta.persons.csv", _persons("beta", 80))
    status, _, err = ingest(capsys, folder)
    assert status == 2
    assert "alpha.persons.csv:262:5: birth_date '2018-02-30' is not a date" in err
    assert store_snapshot() == before


def test_error_while_writing_aborts_and_leaves_the_store_usable(tmp_path, monkeypatch):
    """An unexpected error in the middle of a file (after chunks were written) propagates, the
    batch is rolled back, and the connection works for the next batch."""
    before = store_snapshot()
    write(tmp_path / "b", "alpha.persons.csv", _persons("alpha", 300))
    original = rows_module.RowCheck.check_chunk
    calls = {"n": 0}

    def failing(self, entries):
        calls["n"] += 1
        if calls["n"] == 9:  # after three chunks of 50 were written
            raise RuntimeError("disk on fire")
        return original(self, entries)

    monkeypatch.setattr(rows_module.RowCheck, "check_chunk", failing)
    with pytest.raises(RuntimeError, match="disk on fire"):
        ingest_paths([tmp_path / "b"], actor="clerk")
    assert store_snapshot() == before
    monkeypatch.setattr(rows_module.RowCheck, "check_chunk", original)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    report = ingest_paths([tmp_path / "b"], actor="clerk")
    assert report.totals()["new"] == 300
