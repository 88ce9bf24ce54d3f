"""One row of a batch file, checked against its kind, ready to be stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from hashlib import sha256
from itertools import repeat

from reunify.interchange.limits import FIELD_CHARS, MAX_ATTRIBUTE_CHARS
from reunify.interchange.problems import Problems
from reunify.interchange.values import is_partial_date, parse_instant
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
_DEFAULTS = {"evidence": "stated"}
#: Separate values (and the attributes) inside hashed keys and contents. Values holding them are
#: refused, so two different rows can never hash alike.
#: Partial dates already found good (birth dates repeat a lot): a chunk's distinct dates minus
#: this set, one C-level operation, leaves only those still to parse.
_VALID_DATES: set[str] = {""}
_DATE_MEMORY = 200_000
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


def is_age(value: str) -> bool:
    """An age in whole years as the interchange writes it: digits only, at most 120."""
    return value.isascii() and value.isdigit() and int(value) <= 120


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
        self._key = [columns.index(c) for c in self.kind.key]
        self._single_key = len(self._key) == 1
        self._key_name = self.kind.key[0] if self._single_key else "relation"
        self._at = columns.index("at") if "at" in columns else None

    def check_chunk(self, entries: list[tuple[int, list[str], dict, Callable[[int], int]]]
                    ) -> list[Row]:
        """Check ``(line, values, attributes, where)`` rows (``where(i)`` gives the column
        number of spec column ``i``); record every problem; return the good rows as Row.

        The one row validator. Each rule runs over a whole column at once (a C-level pass when
        every value is good, the common case of a million-row file) and, only where a value
        fails, finds and words each failing one. Problems are recorded row by row, in the order
        of the rules, as if the rows had been checked one at a time.
        """
        if not entries:
            return []
        values_list = [entry[1] for entry in entries]
        for i, default in self._defaults:
            for values in values_list:
                if not values[i]:
                    values[i] = default
        columns = list(zip(*values_list, strict=True))
        # (row index, rule, spec column or -1 for the whole row, message, expected)
        found: list[tuple[int, int, int, str, str]] = []
        for i, column in self._required:
            if not all(map(str.strip, columns[i])):
                found += [(k, 0, i, f"{column} is empty", f"a value: {column} is required")
                          for k, value in enumerate(columns[i]) if not value.strip()]
        if set(columns[0]) - {self.source, ""}:
            found += [(k, 1, 0, f"source {value!r} does not match the file name",
                       f"{self.source!r}, the source in the file name")
                      for k, value in enumerate(columns[0]) if value and value != self.source]
        for first, second in self._one_of_pairs:
            if not all(map(str.strip, columns[first])):
                names = [self.columns[first], self.columns[second]]
                found += [(k, 2, first, f"{' and '.join(names)} are both empty",
                           f"at least one of {' or '.join(names)}")
                          for k, (a, b) in enumerate(zip(columns[first], columns[second],
                                                         strict=True))
                          if not (a.strip() or b.strip())]
        for i, column in self._ages:
            if not all(is_age(value) for value in columns[i] if value):
                found += [(k, 2, i, f"{column} {value!r} is not an age", _AGE_EXPECTED)
                          for k, value in enumerate(columns[i]) if value and not is_age(value)]
        contents = list(map(_UNIT.join, values_list))
        # No value is longer than its row's joined content: only columns whose limit is below
        # the longest content need measuring.
        longest = max(map(len, contents))
        for i, column, limit in self._limits:
            if limit < longest and max(map(len, columns[i])) > limit:
                found += [(k, 3, i, f"{column} is {len(value)} characters long",
                           f"at most {limit}")
                          for k, value in enumerate(columns[i]) if len(value) > limit]
        separators = len(self.columns) - 1
        if sum(map(str.count, contents, repeat(_UNIT))) != separators * len(contents) or any(
            map(str.__contains__, contents, repeat(_RECORD))
        ):
            found += [(k, 4, i, f"{self.columns[i]} holds a control character "
                       "(U+001E or U+001F)", "text without control characters")
                      for k, values in enumerate(values_list) for i, value in enumerate(values)
                      if _UNIT in value or _RECORD in value]
        for (i, column, allowed, listed), (_, allowed_or_empty) in zip(
                self._choices, self._choices_or_empty, strict=True):
            if not allowed_or_empty.issuperset(columns[i]):
                found += [(k, 5, i, f"{column} {value!r} is not a known value",
                           f"one of {listed}")
                          for k, value in enumerate(columns[i])
                          if value and value not in allowed]
        for i, column in self._dates:
            unknown = set(columns[i]).difference(_VALID_DATES)
            bad = {value for value in unknown if value and not is_partial_date(value)}
            if len(_VALID_DATES) > _DATE_MEMORY:
                _VALID_DATES.clear()
            _VALID_DATES.update(unknown - bad)
            if bad:
                found += [(k, 6, i, f"{column} {value!r} is not a date",
                           "YYYY-MM-DD, YYYY-MM or YYYY naming a real day, month or year")
                          for k, value in enumerate(columns[i]) if value in bad]
        moments: list[dt.datetime | None] | None = None
        if self._at is not None:
            moments = list(map(parse_instant, columns[self._at]))
            found += [(k, 7, self._at, f"at {value!r} is not a moment",
                       "an ISO 8601 date or date-time, e.g. 2018-05-07 or "
                       "2018-05-07T14:30:00-06:00")
                      for k, (value, moment) in enumerate(zip(columns[self._at], moments,
                                                              strict=True))
                      if value and moment is None]
        attributes = [entry[2] for entry in entries]
        with_attributes = any(attributes)
        if with_attributes:
            found += [(k, 8, -1, f"column {name!r} is {len(value)} characters long",
                       f"at most {MAX_ATTRIBUTE_CHARS}")
                      for k, extra in enumerate(attributes) for name, value in extra.items()
                      if isinstance(value, str) and len(value) > MAX_ATTRIBUTE_CHARS]
        key_index = self._key[0]
        keys = columns[key_index] if self._single_key else list(
            map(_UNIT.join, zip(*(columns[i] for i in self._key), strict=True)))
        lines = [entry[0] for entry in entries]
        seen = self.seen
        if len(set(keys)) == len(keys) and seen.keys().isdisjoint(keys):
            seen.update((key, self._file_tag | line)
                        for key, line, named in zip(keys, lines, columns[key_index],
                                                    strict=True) if named)
        else:
            for k, (key, line, named) in enumerate(zip(keys, lines, columns[key_index],
                                                       strict=True)):
                first_seen = seen.get(key)
                if first_seen is not None:
                    what = self._key_name
                    where_first = f"{self.files[first_seen >> 32]}:{first_seen & 0xFFFFFFFF}"
                    found.append((k, 9, key_index,
                                  f"duplicate {what} {named!r} (first at {where_first})",
                                  f"each {what} once per source in a batch"))
                elif named:
                    seen[key] = self._file_tag | line
        bad_rows = set()
        if found:
            found.sort(key=lambda problem: problem[:3])
            for k, _rule, i, message, expected in found:
                line, _values, _attributes, where = entries[k]
                self.problems.add(self.file, line, where(i) if i >= 0 else 1, message, expected)
                bad_rows.add(k)
        if with_attributes:
            contents = [
                content + _RECORD + json.dumps(extra, sort_keys=True, ensure_ascii=False)
                if extra else content
                for content, extra in zip(contents, attributes, strict=True)
            ]
        return [Row(line, values, extra, key, sha256(content.encode()).hexdigest(), at)
                for k, (line, values, extra, key, content, at) in enumerate(zip(
                    lines, values_list, attributes, keys, contents,
                    moments if moments is not None else repeat(None), strict=False))
                if k not in bad_rows]
