"""Input that used to end in a traceback (or in the wrong answer) is refused with one clear
``file:line:column`` problem and exit 2, the store unchanged; the trained model is the same
for the same data."""

from __future__ import annotations

import pytest

from link_batches import ingest_records, person
from reunify.actions.ingest import BatchRejected, ingest_paths
from reunify.actions.link import link
from reunify.models import ImportBatch

pytestmark = pytest.mark.django_db

HEADER = "source,record_id,family_name,given_name,birth_date\n"


def _rejected(paths) -> list[str]:
    with pytest.raises(BatchRejected) as caught:
        ingest_paths(paths, actor="tester")
    assert not ImportBatch.objects.exists()
    return [str(p) for p in caught.value.problems]


def test_a_symlink_loop_and_a_dangling_symlink_in_a_folder_are_problems(tmp_path):
    """A folder holding a link to itself-by-name and a link to nothing: two problems naming
    them, no traceback."""
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "cbp.persons.csv").symlink_to(folder / "cbp.persons.csv")
    (folder / "orr.persons.csv").symlink_to(tmp_path / "gone.csv")
    problems = _rejected([folder])
    assert any("cbp.persons.csv:1:1: symbolic link loop" in p for p in problems), problems
    assert any("orr.persons.csv:1:1: dangling symbolic link" in p for p in problems), problems


def test_jsonl_nested_100000_deep_is_one_problem(tmp_path):
    """A JSONL line nested 100,000 deep is one problem at its line, not a RecursionError."""
    path = tmp_path / "cbp.persons.jsonl"
    path.write_text('{"source":"cbp","record_id":"r1","family_name":"A","given_name":"B"}\n'
                    + "[" * 100_000 + "]" * 100_000 + "\n")
    problems = _rejected([path])
    assert problems == ["cbp.persons.jsonl:2:1: JSON nested too deeply to read (expected an "
                        "object of strings, numbers and nulls)"]


def test_a_duplicate_jsonl_key_is_refused_like_a_duplicate_csv_column(tmp_path):
    """``{"family_name": "A", …, "family_name": "B"}`` is refused at the second key (the last
    value used to win silently)."""
    path = tmp_path / "cbp.persons.jsonl"
    line = '{"source":"cbp","record_id":"r1","family_name":"A","given_name":"B","family_name":"C"}'
    path.write_text(line + "\n")
    problems = _rejected([path])
    column = line.rindex('"family_name"') + 1
    assert problems == [f"cbp.persons.jsonl:1:{column}: key 'family_name' appears twice "
                        "(expected each key once)"]


def test_a_csv_field_over_the_limit_is_one_problem(tmp_path):
    """A field longer than the csv module's limit gives one problem at its line — not
    thousands of spurious ones after it."""
    path = tmp_path / "cbp.persons.csv"
    rows = [f"cbp,r{i},Ruiz,Ana,2012-05-01\n" for i in range(2000)]
    rows[1] = 'cbp,r1,"' + "x" * 200_000 + '",Ana,2012-05-01\n'
    path.write_text(HEADER + "".join(rows))
    problems = _rejected([path])
    assert len(problems) == 1, problems[:5]
    assert problems[0].startswith("cbp.persons.csv:3:1: a field longer than 131,072 characters")


def test_the_same_data_gives_the_same_model(tmp_path):
    """Two Splink runs over the same records give byte-identical models (one sha256)."""
    ingest_records(tmp_path, [
        person("border", f"b{i}", given, "Ruiz", f"20{10 + i % 9}-05-0{1 + i % 8}",
               a_number=f"A1111111{i:02d}")
        for i, given in enumerate(["Ana", "Luis", "Eva", "Juan", "Rosa", "Pablo"] * 3)
    ] + [person("shelter", f"s{i}", "Ana", "Ruiz", f"20{10 + i % 9}-05-0{1 + i % 8}",
                a_number=f"A1111111{i:02d}") for i in range(6)])
    first, second = link(actor="tester"), link(actor="tester")
    assert first.model_sha256 == second.model_sha256
