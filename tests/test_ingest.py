"""``reunify ingest`` refuses bad input: every problem located, exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.ingest_batches import PERSONS, good_batch, ingest, store_snapshot, write

from reunify.actions.ledger import sign_checkpoint
from reunify.interchange.limits import FIELD_CHARS

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(tmp_path: Path, capsys) -> dict[str, list[tuple]]:
    """A store holding one good batch already, so "unchanged" means something; its snapshot."""
    status, _, err = ingest(capsys, good_batch(tmp_path / "seed"))
    assert status == 0, err
    # Its checkpoint, as after a real commit (the test's transaction never commits, and every
    # command signs what is unsigned when it starts).
    sign_checkpoint(actor="tester")
    return store_snapshot()


def _rejected(capsys, seeded, path: Path, *expected: str) -> str:
    status, _, err = ingest(capsys, path)
    lines = err.splitlines()
    for message in expected:
        assert message in lines
    assert status == 2
    assert lines[-1].startswith("batch rejected:")
    assert lines[-1].endswith("nothing was written")
    assert store_snapshot() == seeded
    return err


def test_missing_required_column(tmp_path, capsys, seeded):
    """A header without record_id is reported at line 1, column 1, and nothing is written."""
    path = write(tmp_path, "shelter.persons.csv", "source,family_name\nshelter,Ruiz\n")
    _rejected(capsys, seeded, path,
              "shelter.persons.csv:1:1: missing required column 'record_id' (expected a header "
              "with the persons columns: source, record_id, family_name, given_name, birth_date, "
              "sex, country, a_number, group_id, group_role, phone, address, languages)")


def test_bad_date(tmp_path, capsys, seeded):
    """30 February is not a date: reported at its line and the birth_date column."""
    path = write(tmp_path, "shelter.persons.csv",
                 "source,record_id,given_name,birth_date\nshelter,s1,Ana,2012-01-31\n"
                 "shelter,s2,Eva,2012-02-30\n")
    _rejected(capsys, seeded, path,
              "shelter.persons.csv:3:4: birth_date '2012-02-30' is not a date (expected "
              "YYYY-MM-DD, YYYY-MM or YYYY naming a real day, month or year)")


def test_unknown_event_type(tmp_path, capsys, seeded):
    """An event type outside the spec's list is refused, naming the allowed ones."""
    path = write(tmp_path, "shelter.events.csv",
                 "source,event_id,record_id,type,at\nshelter,e1,s1,placed,2018-06-01\n"
                 "shelter,e2,s1,adopted,2018-07-01\n")
    _rejected(capsys, seeded, path,
              "shelter.events.csv:3:4: type 'adopted' is not a known value (expected one of "
              "apprehended, detained, referred, declined, charged, convicted, sentenced, "
              "separated, transferred, placed, released, removed, discharged, reunified)")


def test_bad_event_moment(tmp_path, capsys, seeded):
    """``at`` must be an ISO 8601 date or date-time."""
    path = write(tmp_path, "shelter.events.csv",
                 "source,event_id,record_id,type,at\nshelter,e1,s1,placed,06/01/2018\n")
    _rejected(capsys, seeded, path,
              "shelter.events.csv:2:5: at '06/01/2018' is not a moment (expected an ISO 8601 "
              "date or date-time, e.g. 2018-05-07 or 2018-05-07T14:30:00-06:00)")


def test_duplicate_record_id(tmp_path, capsys, seeded):
    """The same record_id twice in one batch is refused, pointing at the first."""
    path = write(tmp_path, "shelter.persons.csv",
                 "source,record_id,given_name\nshelter,s1,Ana\nshelter,s2,Eva\nshelter,s1,Ana\n")
    _rejected(capsys, seeded, path,
              "shelter.persons.csv:4:2: duplicate record_id 's1' (first at "
              "shelter.persons.csv:2) (expected each record_id once per source in a batch)")


def test_duplicate_across_files_of_a_batch(tmp_path, capsys, seeded):
    """A key sent in a CSV and a JSONL file of the same batch is a duplicate too."""
    write(tmp_path / "b", "shelter.persons.csv", "source,record_id,given_name\nshelter,s1,Ana\n")
    write(tmp_path / "b", "shelter.persons.jsonl",
          '{"source": "shelter", "record_id": "s1", "given_name": "Ana"}\n')
    _rejected(capsys, seeded, tmp_path / "b",
              "shelter.persons.jsonl:1:23: duplicate record_id 's1' (first at "
              "shelter.persons.csv:2) (expected each record_id once per source in a batch)")


def test_mismatched_source(tmp_path, capsys, seeded):
    """A row's source must equal the source in the file name."""
    path = write(tmp_path, "shelter.persons.csv",
                 "record_id,given_name,source\ns1,Ana,shelter\ns2,Eva,border\n")
    _rejected(capsys, seeded, path,
              "shelter.persons.csv:3:3: source 'border' does not match the file name (expected "
              "'shelter', the source in the file name)")


def test_broken_utf8(tmp_path, capsys, seeded):
    """Bytes that are not UTF-8 are reported at their line and character column."""
    path = write(tmp_path, "shelter.persons.csv",
                 b"source,record_id,given_name\nshelter,s1,Jos\xe9\n")
    _rejected(capsys, seeded, path,
              "shelter.persons.csv:2:15: not valid UTF-8 (byte 0xe9) (expected UTF-8 text)")


def test_unterminated_quote_on_last_line(tmp_path, capsys, seeded):
    """A CSV cut off inside a quoted field is reported where that field starts."""
    path = write(tmp_path, "shelter.persons.csv",
                 'source,record_id,given_name,address\nshelter,s1,Ana,Main St\n'
                 'shelter,s2,Eva,"12 Calle')
    _rejected(capsys, seeded, path,
              "shelter.persons.csv:3:4: CSV syntax: quoted field is not closed before the end "
              "of the file (expected fields quoted with \" and closed, \"\" for a quote inside)")


def test_cut_off_last_line(tmp_path, capsys, seeded):
    """A last CSV line with fewer fields than the header is refused at the first missing one."""
    path = write(tmp_path, "shelter.persons.csv",
                 "source,record_id,given_name,sex\nshelter,s1,Ana,F\nshelter,s2,Ev")
    _rejected(capsys, seeded, path,
              "shelter.persons.csv:3:4: row ends after 3 of 4 fields (expected one value per "
              "header column; is the line cut off?)")


def test_cut_off_json(tmp_path, capsys, seeded):
    """A JSONL file whose last object is cut off is refused at the JSON error's column."""
    path = write(tmp_path, "shelter.persons.jsonl",
                 '{"source": "shelter", "record_id": "s1", "given_name": "Ana"}\n'
                 '{"source": "shelter", "record_id": "s2", "given_na')
    _rejected(capsys, seeded, path,
              "shelter.persons.jsonl:2:42: not valid JSON: Unterminated string starting at "
              "(expected one JSON object per line)")


@pytest.mark.parametrize(
    ("name", "expected"),
    [("shelter.persons.csv", "a header row"), ("shelter.events.jsonl", "one JSON object per line")],
)
def test_empty_file(tmp_path, capsys, seeded, name, expected):
    """A file of zero bytes is refused (a CSV needs at least its header)."""
    path = write(tmp_path, name, b"")
    _rejected(capsys, seeded, path, f"{name}:1:1: file is empty (expected {expected})")


def test_bad_file_among_good_ones_rejects_all(tmp_path, capsys, seeded):
    """One bad file rejects the whole batch: the good files beside it are not written either."""
    folder = good_batch(tmp_path / "b")
    (folder / "border.persons.csv").write_text(PERSONS.replace("border,b", "shelter,b"),
                                               encoding="utf-8")
    write(folder, "shelter.persons.csv", "source,record_id,given_name\nshelter,s1,Ana\n")
    write(folder, "shelter.events.csv", "source,event_id,record_id,type,at\n"
          "shelter,e1,s1,placed,2018-06-01\nshelter,e2,s1,placed,2018-06-31\n")
    _rejected(capsys, seeded, folder,
              "shelter.events.csv:3:5: at '2018-06-31' is not a moment (expected an ISO 8601 "
              "date or date-time, e.g. 2018-05-07 or 2018-05-07T14:30:00-06:00)",
              "border.persons.csv:2:1: source 'shelter' does not match the file name (expected "
              "'border', the source in the file name)")


def test_every_problem_is_listed_up_to_the_cap(tmp_path, capsys, seeded):
    """All problems of a batch are reported, the list capped at 1,000 with a count of the rest."""
    rows = "".join(f"shelter,s{i},Ana,Q\n" for i in range(1_200))
    path = write(tmp_path, "shelter.persons.csv", "source,record_id,given_name,sex\n" + rows)
    err = _rejected(capsys, seeded, path,
                    "shelter.persons.csv:2:4: sex 'Q' is not a known value (expected one of "
                    "F, M, X)", "… and 200 more problems")
    assert err.count("is not a known value") == 1_000


def test_relation_needs_someone(tmp_path, capsys, seeded):
    """A relation names the other person by record or by name."""
    path = write(tmp_path, "shelter.relations.csv",
                 "source,record_id,relation,other_record_id,other_name\nshelter,s1,child_of,,\n")
    _rejected(capsys, seeded, path,
              "shelter.relations.csv:2:4: other_record_id and other_name are both empty "
              "(expected at least one of other_record_id or other_name)")


def test_field_over_its_limit(tmp_path, capsys, seeded):
    """A value longer than its column may hold is refused, naming the limit."""
    limit = FIELD_CHARS["family_name"]
    path = write(tmp_path, "shelter.persons.csv",
                 f"source,record_id,family_name\nshelter,s1,{'x' * (limit + 1)}\n")
    _rejected(capsys, seeded, path,
              f"shelter.persons.csv:2:3: family_name is {limit + 1} characters long "
              f"(expected at most {limit})")


def test_file_name_must_say_source_and_kind(tmp_path, capsys, seeded):
    """A data file in a folder whose name does not follow the pattern is refused, not skipped."""
    folder = good_batch(tmp_path / "b")
    write(folder, "border.people.csv", "source,record_id\nborder,x\n")
    _rejected(capsys, seeded, folder,
              "border.people.csv:1:1: file name does not say source, kind and format (expected "
              "<source>.<kind>.csv or .jsonl, kind one of persons, relations, events, "
              "inquiries; or <source>.source.json)")


def test_missing_path(tmp_path, capsys, seeded):
    """A path that does not exist is a problem, not a crash."""
    missing = tmp_path / "nowhere.persons.csv"
    _rejected(capsys, seeded, missing,
              f"{missing}:1:1: no such file or folder (expected a file or folder to ingest)")


def test_line_over_the_limit(tmp_path, capsys, seeded):
    """A physical line longer than MAX_LINE_BYTES is refused before it is held in memory."""
    from reunify.interchange.limits import MAX_LINE_BYTES

    header = "source,record_id,given_name,address\n"
    path = write(tmp_path, "shelter.persons.csv",
                 header + "shelter,s1,Ana," + "x" * MAX_LINE_BYTES + "\n")
    _rejected(capsys, seeded, path,
              f"shelter.persons.csv:2:1: line is longer than {MAX_LINE_BYTES} bytes (expected "
              f"at most {MAX_LINE_BYTES} bytes per line; the rest of the file is not read)")


def test_rows_over_the_limit(tmp_path, capsys, seeded, monkeypatch):
    """A file with more rows than allowed is refused at the first row over (limit lowered)."""
    monkeypatch.setattr("reunify.interchange.reading.MAX_ROWS_PER_FILE", 2)
    path = write(tmp_path, "shelter.persons.jsonl", "".join(
        f'{{"source": "shelter", "record_id": "s{i}", "given_name": "Ana"}}\n' for i in range(3)))
    _rejected(capsys, seeded, path,
              "shelter.persons.jsonl:3:1: more than 2 rows (expected at most 2 rows per file; "
              "split it)")


def test_file_over_the_size_limit(tmp_path, capsys, seeded, monkeypatch):
    """A file larger than allowed is refused before it is read (limit lowered)."""
    monkeypatch.setattr("reunify.interchange.batch.MAX_FILE_BYTES", 10)
    path = write(tmp_path, "shelter.persons.csv", "source,record_id,given_name\nshelter,s1,A\n")
    _rejected(capsys, seeded, path,
              "shelter.persons.csv:1:1: file is 41 bytes (expected at most 10 bytes; split it "
              "into several batches)")


def test_jsonl_column_is_where_the_key_starts(tmp_path, capsys, seeded):
    """In JSONL the column is the key's, even when an earlier value is spelled like the key."""
    path = write(tmp_path, "shelter.events.jsonl",
                 '{"source": "shelter", "event_id": "type", "record_id": "s1", "type": "x", '
                 '"at": "2018-06-01"}\n')
    _rejected(capsys, seeded, path,
              "shelter.events.jsonl:1:62: type 'x' is not a known value (expected one of "
              "apprehended, detained, referred, declined, charged, convicted, sentenced, "
              "separated, transferred, placed, released, removed, discharged, reunified)")


def test_stray_quote_is_reported_and_reading_goes_on(tmp_path, capsys, seeded):
    """A quoting error mid-file is located, and the rows after it are still checked."""
    path = write(tmp_path, "shelter.persons.csv",
                 'source,record_id,given_name,address\nshelter,s1,Ana,"12" Calle\n'
                 "shelter,s2,Eva,ok\nshelter,s3,,ok\n")
    _rejected(capsys, seeded, path,
              "shelter.persons.csv:2:4: CSV syntax: ',' expected after '\"' (expected fields "
              "quoted with \" and closed, \"\" for a quote inside)",
              "shelter.persons.csv:4:1: family_name and given_name are both empty (expected at "
              "least one of family_name or given_name)")


def test_control_separator_in_a_value(tmp_path, capsys, seeded):
    """Values may not hold U+001F/U+001E (they separate values when a row's content is hashed)."""
    path = write(tmp_path, "shelter.persons.csv",
                 "source,record_id,given_name\nshelter,s1,An\x1fa\n")
    _rejected(capsys, seeded, path,
              "shelter.persons.csv:2:3: given_name holds control character U+001F (expected "
              "text without control characters (tab and line breaks are allowed))")


CONTROL_EXPECTED = "(expected text without control characters (tab and line breaks are allowed))"


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x07", "\x7f", "\x9b"])
def test_control_characters_in_a_csv_value_are_refused(tmp_path, capsys, seeded, char):
    """NUL (which PostgreSQL cannot store: it crashed ingest there), escape and the other
    control characters are refused at their line and column, on any store; nothing written."""
    path = write(tmp_path, "shelter.persons.csv",
                 "source,record_id,given_name\nshelter,s1,Ana\nshelter,s2,E" + char + "va\n")
    _rejected(capsys, seeded, path,
              f"shelter.persons.csv:3:3: given_name holds control character U+{ord(char):04X} "
              + CONTROL_EXPECTED)


def test_control_characters_in_jsonl_are_refused_raw_or_escaped(tmp_path, capsys, seeded):
    """In JSONL a control character is refused whether written as a JSON escape (\\u0000,
    \\u001b) or raw, in a value or in a key, at the key's column."""
    lines = ['{"source": "shelter", "record_id": "s1", "given_name": "A\\u0000na"}',
             '{"source": "shelter", "record_id": "s2", "family_name": "\\u001b]8;;x\\u001b\\\\"}',
             '{"source": "shelter", "record_id": "s3", "given_name": "Eva", "no\\u0007te": "x"}']
    path = write(tmp_path, "shelter.persons.jsonl", "\n".join(lines) + "\n")
    given = lines[0].index('"given_name"') + 1
    family = lines[1].index('"family_name"') + 1
    key = lines[2].index('"no') + 1
    _rejected(capsys, seeded, path,
              f"shelter.persons.jsonl:1:{given}: given_name holds control character U+0000 "
              + CONTROL_EXPECTED,
              f"shelter.persons.jsonl:2:{family}: family_name holds control character U+001B "
              + CONTROL_EXPECTED,
              f"shelter.persons.jsonl:3:{key}: a key holds control character U+0007 "
              + CONTROL_EXPECTED)


def test_a_control_character_in_a_column_name_is_refused(tmp_path, capsys, seeded):
    """A header naming a column with a control character is refused at its column."""
    path = write(tmp_path, "shelter.persons.csv", "source,record_id,given_name,no\x00te\n"
                 "shelter,s1,Ana,x\n")
    _rejected(capsys, seeded, path,
              "shelter.persons.csv:1:4: a column name holds control character U+0000 "
              + CONTROL_EXPECTED)


def test_tabs_and_line_breaks_in_free_text_are_kept(tmp_path, capsys, seeded):
    """Tab, line feed and carriage return are text, not controls: such a value is ingested."""
    path = write(tmp_path, "shelter.persons.csv", 'source,record_id,given_name,address\n'
                 'shelter,s1,Ana,"Calle 5\tpiso 2\r\nZona 1"\n')
    status, _out, err = ingest(capsys, path)
    assert status == 0, err


def test_first_contact_must_be_a_day(tmp_path, capsys, seeded):
    """reunify's ``first_contact`` column on relations holds a day: a month alone or 31 June
    is refused at its own column, in CSV and in JSONL."""
    path = write(tmp_path, "shelter.relations.csv",
                 "source,record_id,relation,other_name,first_contact\n"
                 "shelter,s1,child_of,Rosa Tzoc,2018-07-02\n"
                 "shelter,s2,child_of,Luis Caal,2018-07\n")
    _rejected(capsys, seeded, path,
              "shelter.relations.csv:3:5: first_contact '2018-07' is not a day (expected "
              "YYYY-MM-DD naming a real day)")
    (tmp_path / "shelter.relations.csv").unlink()
    line = ('{"source": "shelter", "record_id": "s1", "relation": "child_of", '
            '"other_name": "Rosa", "first_contact": "2018-06-31"}')
    path = write(tmp_path, "shelter.relations.jsonl", line + "\n")
    column = line.index('"first_contact"') + 1
    _rejected(capsys, seeded, path,
              f"shelter.relations.jsonl:1:{column}: first_contact '2018-06-31' is not a day "
              "(expected YYYY-MM-DD naming a real day)")
