"""One row of a batch file, checked against its kind, ready to be stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from hashlib import sha256
from itertools import repeat
from operator import gt

from reunify.interchange.limits import FIELD_CHARS, MAX_ATTRIBUTE_CHARS
from reunify.interchange.problems import Problems
from reunify.interchange.values import (
    REMEMBERED_DATES,
    VALID_DATES,
    is_partial_date,
    parse_instant,
)
from reunify.rules.interchange import (
    EVENT_TYPES,
    EVIDENCE,
    GROUP_ROLES,
    INQUIRER_NAMES,
    INQUIRY_RELATIONS,
    KINDS,
    RELATIONS,
    SEXES,
)

#: Columns whose values come from a fixed list.
_CHOICES: dict[str, tuple[str, ...]] = {
    "sex": SEXES, "group_role": GROUP_ROLES, "relation": RELATIONS, "evidence": EVIDENCE,
    "type": EVENT_TYPES,
}
#: Columns whose values come from a fixed list in one kind only (where a column name means
#: something else in another kind: an inquiry's ``relation`` is what the inquirer is).
_KIND_CHOICES: dict[str, dict[str, tuple[str, ...]]] = {
    "inquiries": {"relation": INQUIRY_RELATIONS, "sought_sex": SEXES},
}
_DATES = ("birth_date", "other_birth_date", "inquirer_birth_date", "sought_birth_date",
          "last_seen_on")
#: Columns holding an age in whole years.
_AGES = ("sought_age",)
_AGE_EXPECTED = "an age in whole years, 0 to 120"
#: Pairs of columns of which one must be given, beyond the kind's own ``one_of``.
_MORE_ONE_OF: dict[str, tuple[tuple[str, str], ...]] = {"inquiries": (INQUIRER_NAMES,)}


def is_age(value: str) -> bool:
    """An age in whole years as the interchange writes it: digits only, at most 120."""
    return value.isascii() and value.isdigit() and int(value) <= 120
_DEFAULTS = {"evidence": "stated"}
#: Separate values (and the attributes) inside hashed keys and contents. Values holding them are
#: refused, so two different rows can never hash alike.
_UNIT = "\x1f"
_RECORD = "\x1e"


class Row:
    """A checked row: its spec values in column order, unknown columns, and identity.

    ``key`` identifies the record within its source (the record's id, or for relations who,
    which relation and whom); ``content_hash`` recognises an identical re-send; ``at`` is the
    event's moment in UTC (events only).
    """

    __slots__ = ("at", "attributes", "content_hash", "key", "line", "values")

    def __init__(self, line: int, values: list[str], attributes: dict, key: str,
                 content_hash: str, at: dt.datetime | None) -> None:
        self.line = line
        self.values = values
        self.attributes = attributes
        self.key = key
        self.content_hash = content_hash
        self.at = at


def key_hash(key: str) -> str:
    """The stored form of a relation's key: SHA-256 of who, which relation and whom."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class RowCheck:
    """Checks the rows of one file; problems go to ``problems``, good rows come back as Row.

    ``seen`` maps each key already read in this batch (for this source and kind) to where it was
    read (an index into ``files`` shifted left 32 bits, plus the line), so the same key twice in
    one batch is found even across files. Ints, not strings: a million keys must fit in memory.
    """

    def __init__(self, *, file: str, source: str, kind: str, problems: Problems,
                 seen: dict[str, int], files: list[str]) -> None:
        self.file = file
        if file not in files:
            files.append(file)
        self.files = files
        self._file_tag = files.index(file) << 32
        self.source = source
        self.kind = KINDS[kind]
        self.problems = problems
        self.seen = seen
        columns = self.kind.columns
        self.columns = columns
        self._required = [(i, c) for i, c in enumerate(columns) if c in self.kind.required]
        self._one_of = [columns.index(c) for c in self.kind.one_of]
        #: Every pair of columns of which one must be given (the kind's, then any others).
        self._one_of_pairs = [tuple(columns.index(c) for c in pair) for pair in (
            *((self.kind.one_of,) if self.kind.one_of else ()), *_MORE_ONE_OF.get(kind, ()))]
        self._ages = [(i, c) for i, c in enumerate(columns) if c in _AGES]
        choices = {**_CHOICES, **_KIND_CHOICES.get(kind, {})}
        self._limits = [(i, c, FIELD_CHARS[c]) for i, c in enumerate(columns)]
        self._choices = [(i, c, frozenset(choices[c]), ", ".join(choices[c]))
                         for i, c in enumerate(columns) if c in choices]
        self._choices_or_empty = [(i, allowed | {""}) for i, _, allowed, _ in self._choices]
        self._dates = [(i, c) for i, c in enumerate(columns) if c in _DATES]
        self._defaults = [(i, _DEFAULTS[c]) for i, c in enumerate(columns) if c in _DEFAULTS]
        self._limit_values = [limit for _, _, limit in self._limits]
        self._key = [columns.index(c) for c in self.kind.key]
        self._single_key = len(self._key) == 1
        self._key_name = self.kind.key[0] if self._single_key else "relation"
        self._at = columns.index("at") if "at" in columns else None

    def _problem(self, line: int, column: int, message: str, expected: str) -> None:
        self.problems.add(self.file, line, column, message, expected)

    def check(self, line: int, values: list[str], where: Callable[[int], int],
              attributes: dict) -> Row | None:
        """Check one row; ``where(i)`` gives the column number of spec column ``i``."""
        # The common case (a good row) runs through as few Python operations as possible:
        # this is the inner loop of a million-row file.
        problems = self.problems
        before = problems.count
        columns = self.columns
        for i, default in self._defaults:
            if not values[i]:
                values[i] = default
        for i, column in self._required:
            if not values[i].strip():
                self._problem(line, where(i), f"{column} is empty",
                              f"a value: {column} is required")
        if values[0] != self.source and values[0]:
            self._problem(line, where(0), f"source {values[0]!r} does not match the file name",
                          f"{self.source!r}, the source in the file name")
        for first, second in self._one_of_pairs:
            if not (values[first].strip() or values[second].strip()):
                names = [columns[first], columns[second]]
                self._problem(line, where(first), f"{' and '.join(names)} are both empty",
                              f"at least one of {' or '.join(names)}")
        for i, column in self._ages:
            if values[i] and not is_age(values[i]):
                self._problem(line, where(i), f"{column} {values[i]!r} is not an age",
                              _AGE_EXPECTED)
        if any(map(gt, map(len, values), self._limit_values)):
            for i, column, limit in self._limits:
                if len(values[i]) > limit:
                    self._problem(line, where(i),
                                  f"{column} is {len(values[i])} characters long",
                                  f"at most {limit}")
        for i, value in enumerate(values):
            if _UNIT in value or _RECORD in value:
                self._problem(line, where(i), f"{columns[i]} holds a control character "
                              f"(U+001E or U+001F)", "text without control characters")
        for i, column, allowed, listed in self._choices:
            value = values[i]
            if value and value not in allowed:
                self._problem(line, where(i), f"{column} {value!r} is not a known value",
                              f"one of {listed}")
        for i, column in self._dates:
            value = values[i]
            if value and not (REMEMBERED_DATES.get(value) or is_partial_date(value)):
                self._problem(line, where(i), f"{column} {value!r} is not a date",
                              "YYYY-MM-DD, YYYY-MM or YYYY naming a real day, month or year")
        at = None
        if self._at is not None and values[self._at]:
            at = parse_instant(values[self._at])
            if at is None:
                self._problem(line, where(self._at), f"at {values[self._at]!r} is not a moment",
                              "an ISO 8601 date or date-time, e.g. 2018-05-07 or "
                              "2018-05-07T14:30:00-06:00")
        if attributes:
            for name, value in attributes.items():
                if isinstance(value, str) and len(value) > MAX_ATTRIBUTE_CHARS:
                    self._problem(line, 1, f"column {name!r} is {len(value)} characters long",
                                  f"at most {MAX_ATTRIBUTE_CHARS}")
        key_index = self._key[0]
        key = values[key_index] if self._single_key else _UNIT.join(
            [values[i] for i in self._key])
        first_seen = self.seen.get(key)
        if first_seen is not None:
            what = self._key_name
            where_first = f"{self.files[first_seen >> 32]}:{first_seen & 0xFFFFFFFF}"
            self._problem(line, where(key_index),
                          f"duplicate {what} {values[key_index]!r} (first at {where_first})",
                          f"each {what} once per source in a batch")
        elif values[key_index]:
            self.seen[key] = self._file_tag | line
        if problems.count != before:
            return None
        content = _UNIT.join(values)
        if attributes:
            content += _RECORD + json.dumps(attributes, sort_keys=True, ensure_ascii=False)
        return Row(line, values, attributes, key, sha256(content.encode()).hexdigest(), at)

    def check_chunk(self, entries: list[tuple[int, list[str], dict, Callable[[int], int]]]
                    ) -> list[Row]:
        """Check many ``(line, values, attributes, where)`` rows; return the good ones as Row.

        A chunk is checked column by column first (a handful of C-level passes instead of a
        dozen Python steps per row); only a chunk with some problem goes through :meth:`check`
        row by row, which locates and words every problem. Both accept exactly the same rows.
        """
        rows = self._good_chunk(entries)
        if rows is not None:
            return rows
        checked = []
        for line, values, attributes, where in entries:
            row = self.check(line, values, where, attributes)
            if row is not None:
                checked.append(row)
        return checked

    def _good_chunk(self, entries: list[tuple[int, list[str], dict, Callable[[int], int]]]
                    ) -> list[Row] | None:
        """The chunk's rows when every one of them is good, else None (and nothing recorded)."""
        if not entries:
            return []
        for i, default in self._defaults:
            for entry in entries:
                if not entry[1][i]:
                    entry[1][i] = default
        values_list = [entry[1] for entry in entries]
        columns = list(zip(*values_list, strict=True))
        for i, _ in self._required:
            if not all(map(str.strip, columns[i])):
                return None
        if set(columns[0]) != {self.source}:
            return None
        for first, second in self._one_of_pairs:
            if not all(map(str.strip, columns[first])) and not all(
                a.strip() or b.strip() for a, b in zip(columns[first], columns[second],
                                                       strict=True)
            ):
                return None
        for i, _ in self._ages:
            if not all(is_age(value) for value in columns[i] if value):
                return None
        contents = list(map(_UNIT.join, values_list))
        # No value is longer than its row's joined content: only columns whose limit is below
        # the longest content need measuring.
        longest = max(map(len, contents))
        for i, _, limit in self._limits:
            if limit < longest and max(map(len, columns[i])) > limit:
                return None
        for i, allowed in self._choices_or_empty:
            if not allowed.issuperset(columns[i]):
                return None
        for i, _ in self._dates:
            for value in set(columns[i]).difference(VALID_DATES):
                if value and not is_partial_date(value):
                    return None
        moments = None
        if self._at is not None:
            moments = list(map(parse_instant, columns[self._at]))
            if None in moments:
                return None
        attributes = [entry[2] for entry in entries]
        with_attributes = any(attributes)
        if with_attributes:
            for extra in attributes:
                for value in extra.values():
                    if isinstance(value, str) and len(value) > MAX_ATTRIBUTE_CHARS:
                        return None
        separators = len(self.columns) - 1
        if sum(map(str.count, contents, repeat(_UNIT))) != separators * len(contents) or any(
            map(str.__contains__, contents, repeat(_RECORD))
        ):
            return None
        keys = columns[self._key[0]] if self._single_key else list(
            map(_UNIT.join, zip(*(columns[i] for i in self._key), strict=True)))
        seen = self.seen
        if len(set(keys)) != len(keys) or not seen.keys().isdisjoint(keys):
            return None
        # Last: the chunk is good, so its keys are recorded (never for a chunk sent row by row).
        lines = [entry[0] for entry in entries]
        seen.update(zip(keys, map(self._file_tag.__or__, lines), strict=True))
        if with_attributes:
            contents = [
                content + _RECORD + json.dumps(extra, sort_keys=True, ensure_ascii=False)
                if extra else content
                for content, extra in zip(contents, attributes, strict=True)
            ]
        hashes = [sha256(content.encode()).hexdigest() for content in contents]
        return list(map(Row, lines, values_list, attributes, keys, hashes,
                        moments if moments is not None else repeat(None)))
