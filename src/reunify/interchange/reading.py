"""Streaming readers for the two formats: one pass, constant memory, every problem located.

Lines are read as bytes and decoded one at a time, so broken UTF-8 is reported with its line and
column instead of aborting the file; CSV records that span lines are reported at the line they
start on.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from typing import BinaryIO

from reunify.interchange.batch import BatchFile
from reunify.interchange.limits import MAX_COLUMNS, MAX_LINE_BYTES, MAX_ROWS_PER_FILE
from reunify.interchange.problems import Problems
from reunify.interchange.rows import Row, RowCheck
from reunify.interchange.values import is_day
from reunify.rules.interchange import EXTENSION_COLUMNS

_JSONL_EXPECTED = "one JSON object per line"
#: reunify's extension columns (``EXTENSION_COLUMNS``, docs/ingest.md) each hold a day.
_DAY_EXPECTED = "YYYY-MM-DD naming a real day"
#: Rows checked together (see RowCheck.check_chunk).
_CHECK_ROWS = 2_000
#: Characters no value may hold: C0 controls but tab, line feed and carriage return (which are
#: text: a free-text value may span lines), DEL, and C1 controls. A NUL cannot be stored by
#: PostgreSQL at all; the others are terminal escapes and log forgery, never data.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: A JSON escape that may decode to such a character (\u0000-\u001f, \u007f-\u009f, \b, \f).
_JSON_CONTROL_ESCAPE = re.compile(r"\\(?:u00[01][0-9a-fA-F]|u007[fF]|u008[0-9a-fA-F]|"
                                  r"u009[0-9a-fA-F]|b|f)")
_CONTROL_EXPECTED = "text without control characters (tab and line breaks are allowed)"
#: The same characters as bytes of UTF-8 text, for one fast pass over a whole file first: C0
#: and DEL are single bytes (deleted by ``bytes.translate``), C1 are U+0080-U+009F = C2 80-9F.
_C0_BYTES = bytes(range(0x00, 0x09)) + b"\x0b\x0c" + bytes(range(0x0e, 0x20)) + b"\x7f"
_C1_BYTES = re.compile(rb"\xc2[\x80-\x9f]")
_SCAN_BLOCK = 1 << 20


def control_message(name: str, value: str) -> str | None:
    """What is wrong with ``value`` of column ``name`` if it holds a control character."""
    found = _CONTROL.search(value)
    if found is None:
        return None
    return f"{name} holds control character U+{ord(found.group()):04X}"


def _key_column(text: str, key: str) -> int:
    """Column of a JSON object's ``key`` in its line; 1 if not found. The key must be followed
    by a colon, so a value spelled like the key is not taken."""
    found = re.search(re.escape(json.dumps(key)) + r"\s*:", text)
    return found.start() + 1 if found else 1


def quote_column(text: str) -> int:
    """The 1-based field of a CSV line where quoting goes wrong (unclosed or stray quote)."""
    field, in_quotes, at_start, i = 1, False, True, 0
    opened = 1
    while i < len(text):
        char = text[i]
        if in_quotes:
            if char == '"':
                if text[i + 1 : i + 2] == '"':
                    i += 1
                else:
                    in_quotes = False
                    if text[i + 1 : i + 2] not in ("", ",", "\r", "\n"):
                        return field
        elif char == '"' and at_start:
            in_quotes, opened = True, field
        elif char == ",":
            field, at_start = field + 1, True
            i += 1
            continue
        at_start = False
        i += 1
    return opened if in_quotes else field


def _json_text(value: object) -> str | None:
    """A JSON scalar as the text a CSV cell would hold; None for values that are not scalars."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return json.dumps(value)


class RowReader:
    """Iterate the checked rows of one file. ``bytes_read`` and ``rows_read`` follow progress."""

    def __init__(self, batch_file: BatchFile, check: RowCheck, problems: Problems) -> None:
        self.file = batch_file
        self.check = check
        self.problems = problems
        self.bytes_read = 0
        self.rows_read = 0
        self.line = 0
        self._record_first: str | None = None
        #: Whether the file holds a control character anywhere (one fast pass over its bytes
        #: finds out; only then are values searched one by one, to say which column holds it).
        self.saw_control = False

    def _problem(self, line: int, column: int, message: str, expected: str = "") -> None:
        self.problems.add(self.file.name, line, column, message, expected)

    def __iter__(self) -> Iterator[Row]:
        for rows in self.chunks():
            yield from rows

    def chunks(self) -> Iterator[list[Row]]:
        """The checked rows in lists of up to a few thousand (one hop per list, not per row)."""
        self.saw_control = self._holds_controls()
        with self.file.path.open("rb") as raw:
            lines = self._lines(raw)
            if self.file.format == "csv":
                yield from self._csv(lines)
            else:
                yield from self._jsonl(lines)

    def _lines(self, raw: BinaryIO) -> Iterator[str]:
        limit = MAX_LINE_BYTES
        while data := raw.readline(limit + 1):
            self.line += 1
            self.bytes_read += len(data)
            if len(data) > limit and not data.endswith(b"\n"):
                self._problem(self.line, 1, f"line is longer than {limit} bytes",
                              f"at most {limit} bytes per line; the rest of the file is not read")
                return
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as error:
                column = len(data[: error.start].decode("utf-8", "replace")) + 1
                self._problem(self.line, column,
                              f"not valid UTF-8 (byte 0x{data[error.start]:02x})", "UTF-8 text")
                text = data.decode("utf-8", "replace")
            if self.line == 1 and text.startswith("\ufeff"):
                text = text[1:]
            if self._record_first is None:
                self._record_first = text
            yield text

    def _holds_controls(self) -> bool:
        """Whether the file's bytes hold a control character (C0 but tab and line breaks, DEL,
        C1), in blocks: a C-speed pass, a few percent of reading the file."""
        tail = b""
        with self.file.path.open("rb") as raw:
            while block := raw.read(_SCAN_BLOCK):
                if len(block.translate(None, _C0_BYTES)) != len(block):
                    return True
                if _C1_BYTES.search(tail + block[:1]) or _C1_BYTES.search(block):
                    return True
                tail = block[-1:]
        return False

    def _too_many_rows(self) -> bool:
        self.rows_read += 1
        if self.rows_read > MAX_ROWS_PER_FILE:
            self._problem(self.line, 1, f"more than {MAX_ROWS_PER_FILE} rows",
                          f"at most {MAX_ROWS_PER_FILE} rows per file; split it")
            return True
        return False

    def _csv_records(self, lines: Iterator[str]) -> Iterator[tuple[int, list[str]]]:
        """(starting line, fields) of each CSV record; syntax errors become problems."""
        reader = csv.reader(lines, strict=True)
        while True:
            start = self.line + 1
            self._record_first = None
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                first = self._record_first or ""
                message = str(error)
                if "end of data" in message:
                    message = "quoted field is not closed before the end of the file"
                self._problem(start, quote_column(first), f"CSV syntax: {message}",
                              "fields quoted with \" and closed, \"\" for a quote inside")
                continue
            yield start, fields

    def _header(self, header: list[str]) -> tuple[list[int], list[tuple[str, int]]] | None:
        """Positions of the spec's columns in the header (-1: absent) and the unknown columns."""
        kind = self.check.kind
        ok = True
        if len(header) > MAX_COLUMNS:
            self._problem(1, MAX_COLUMNS + 1, f"header has {len(header)} columns",
                          f"at most {MAX_COLUMNS}")
            return None
        seen: dict[str, int] = {}
        for j, name in enumerate(header):
            if control_message("a column name", name):
                self._problem(1, j + 1, control_message("a column name", name),
                              _CONTROL_EXPECTED)
                ok = False
            elif not name.strip():
                self._problem(1, j + 1, "column has no name", "a name for every column")
                ok = False
            elif name in seen:
                self._problem(1, j + 1, f"column {name!r} appears twice (first in column "
                              f"{seen[name] + 1})", "each column once")
                ok = False
            else:
                seen[name] = j
        expected = ", ".join(kind.columns)
        for column in kind.required:
            if column not in seen:
                self._problem(1, 1, f"missing required column {column!r}",
                              f"a header with the {kind.name} columns: {expected}")
                ok = False
        if kind.one_of and not any(column in seen for column in kind.one_of):
            names = " or ".join(kind.one_of)
            self._problem(1, 1, f"missing column {names}", f"at least one of {names}")
            ok = False
        if not ok:
            return None
        positions = [seen.get(column, -1) for column in kind.columns]
        unknown = [(name, j) for name, j in seen.items() if name not in kind.columns]
        return positions, unknown

    def _days_ok(self, line: int, cells: list[tuple[str, str, int]]) -> bool:
        """Check ``(column, value, column number)`` cells of :data:`EXTENSION_COLUMNS`; a bad one is
        a problem of the file (and the row is not kept)."""
        ok = True
        for name, value, column in cells:
            if value and not is_day(value):
                self._problem(line, column, f"{name} {value!r} is not a day", _DAY_EXPECTED)
                ok = False
        return ok

    def _csv(self, lines: Iterator[str]) -> Iterator[list[Row]]:
        before = len(self.problems)
        records = self._csv_records(lines)
        first = next(records, None)
        if first is None:
            if len(self.problems) == before:
                self._problem(1, 1, "file has no header row", "a header row naming the columns")
            return
        header = self._header(first[1])
        if header is None:
            return  # every row would repeat the header's problem
        positions, unknown = header
        width = len(first[1])
        # Absent columns read an extra empty cell appended to each row.
        take = [p if p >= 0 else width for p in positions]
        numbers = [p + 1 if p >= 0 else 1 for p in positions]
        where = numbers.__getitem__
        # The header is exactly the spec's columns in order: rows are used as they are.
        identity = take == list(range(width))
        check = self.check.check_chunk
        days = [(name, j) for name, j in unknown
                if name in EXTENSION_COLUMNS.get(self.check.kind.name, ())]
        pending: list = []
        for line, fields in records:
            if len(fields) != width:
                if not fields:
                    continue  # a blank line
                if len(fields) < width:
                    self._problem(line, len(fields) + 1,
                                  f"row ends after {len(fields)} of {width} fields",
                                  "one value per header column; is the line cut off?")
                else:
                    self._problem(line, width + 1, f"row has {len(fields)} fields",
                                  f"{width}, one per header column")
                if self._too_many_rows():
                    return
                continue
            if self.rows_read >= MAX_ROWS_PER_FILE:  # the next row is one too many
                self._too_many_rows()
                return
            self.rows_read += 1  # inline: _too_many_rows would be a call per row
            if self.saw_control and self._controls_in(line, first[1], fields):
                continue
            if identity:
                values = fields
            else:
                fields.append("")
                values = [fields[p] for p in take]
            attributes = {name: fields[j] for name, j in unknown if fields[j]} if unknown else {}
            if days and not self._days_ok(line, [(name, fields[j], j + 1) for name, j in days]):
                continue
            pending.append((line, values, attributes, where))
            if len(pending) >= _CHECK_ROWS:
                yield check(pending)
                pending = []
        yield check(pending)

    def _controls_in(self, line: int, header: list[str], fields: list[str]) -> bool:
        """Report every CSV field of a row holding a control character; whether one did."""
        found = False
        for j, value in enumerate(fields):
            message = control_message(header[j] if j < len(header) else f"field {j + 1}", value)
            if message:
                self._problem(line, j + 1, message, _CONTROL_EXPECTED)
                found = True
        return found

    def _jsonl_controls_in(self, line: int, text: str, obj: dict) -> bool:
        """Report every JSONL value holding a control character (raw or escaped); whether one
        did."""
        found = False
        for key, value in obj.items():
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            message = control_message("a key", key) or control_message(str(key), shown)
            if message:
                self._problem(line, _key_column(text, str(key)), message, _CONTROL_EXPECTED)
                found = True
        return found

    def _jsonl(self, lines: Iterator[str]) -> Iterator[list[Row]]:
        kind_columns = self.check.kind.columns
        spec = frozenset(kind_columns)
        check = self.check.check_chunk
        pending: list = []
        for text in lines:
            line = self.line
            if not text.strip():
                continue
            if self._too_many_rows():
                return
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as error:
                self._problem(line, error.colno, f"not valid JSON: {error.msg}", _JSONL_EXPECTED)
                continue
            if not isinstance(obj, dict):
                self._problem(line, 1, f"a JSON {type(obj).__name__}, not an object",
                              _JSONL_EXPECTED)
                continue
            if len(obj) > MAX_COLUMNS:
                self._problem(line, 1, f"object has {len(obj)} keys", f"at most {MAX_COLUMNS}")
                continue
            if (self.saw_control or ("\\" in text and _JSON_CONTROL_ESCAPE.search(text))) \
                    and self._jsonl_controls_in(line, text, obj):
                continue

            def where(i: int, text: str = text) -> int:
                return _key_column(text, kind_columns[i])

            values = [obj.get(column, "") for column in kind_columns]
            bad = False
            for i, value in enumerate(values):
                if value.__class__ is not str:
                    converted = _json_text(value)
                    if converted is None:
                        self._problem(line, where(i), f"{kind_columns[i]} is a JSON "
                                      f"{type(value).__name__}", "a string, a number or null")
                        bad = True
                    else:
                        values[i] = converted
            if bad:
                continue
            attributes = (
                {k: v for k, v in obj.items() if k not in spec and v is not None and v != ""}
                if any(k not in spec for k in obj) else {}
            )
            found = [(name, attributes[name]) for name in EXTENSION_COLUMNS.get(
                self.check.kind.name, ()) if name in attributes]
            if found and not self._days_ok(line, [
                    (name, value if isinstance(value, str) else json.dumps(value),
                     _key_column(text, name)) for name, value in found]):
                continue
            pending.append((line, values, attributes, where))
            if len(pending) >= _CHECK_ROWS:
                yield check(pending)
                pending = []
        yield check(pending)
