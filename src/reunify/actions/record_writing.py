"""Writing one file's checked rows: as new records, new versions of changed ones, or not at all.

Used by :func:`reunify.actions.ingest.ingest_paths` inside its transaction (the only caller):
this module writes, but is not an action of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import connection

from reunify.interchange.batch import BatchFile
from reunify.interchange.profiles import CheckedProfile
from reunify.interchange.rows import Row, key_hash
from reunify.models import (
    EventRecord,
    InquiryRecord,
    PersonRecord,
    RelationRecord,
    SourceProfile,
)
from reunify.rules import anumber
from reunify.rules.interchange import KINDS

if TYPE_CHECKING:
    from reunify.actions.ingest import FileReport

#: Keys per look-up of existing versions (well under SQLite's limit of bound variables).
_LOOKUP_KEYS = 2_000
_MODELS = {"persons": PersonRecord, "relations": RelationRecord, "events": EventRecord,
           "inquiries": InquiryRecord}
#: The column that names a record within its source, per kind.
_KEY_COLUMN = {"persons": "record_id", "relations": "relation_key", "events": "event_id",
               "inquiries": "inquiry_id"}


class RecordWriter:
    """Writes the checked rows of one file, in chunks, as new records or new versions."""

    def __init__(self, batch_file: BatchFile, file_id: int, report: FileReport) -> None:
        self.kind = batch_file.kind
        self.source = batch_file.source
        self.file_id = file_id
        self.report = report
        model = _MODELS[self.kind]
        self.table = model._meta.db_table
        self.key_column = _KEY_COLUMN[self.kind]
        spec = list(KINDS[self.kind].columns)
        # Spec columns first, as the row holds them, so a row's value list becomes its
        # parameters by appending the rest (no copy per row).
        self.columns = [*spec, "version", "is_current", "file_id", "line", "content_hash",
                        "attributes", *(["relation_key"] if self.kind == "relations" else []),
                        *(["a_number_key"] if self.kind == "persons" else [])]
        self._at = spec.index("at") if "at" in spec else None
        #: Where a person-record's A-number is among its values: its search key goes with it.
        self._a_number = spec.index("a_number") if self.kind == "persons" else None
        self._attributes = model._meta.get_field("attributes")
        self._empty_attributes = self._attributes.get_db_prep_save({}, connection)
        # A source seen for the first time needs no look-ups of earlier versions.
        self.source_known = model.objects.filter(source=self.source).exists()
        #: PostgreSQL: one COPY kept open across the file's chunks while nothing else needs the
        #: connection (a new source: no look-ups, no updates). The server then inserts while
        #: this process reads and checks the next chunk, instead of both taking turns.
        self._copy_cursor: Any = None
        self._copy_block: Any = None
        self._copy: Any = None

    def _current_versions(self, keys: list[str]) -> dict[str, tuple[int, int, str]]:
        found: dict[str, tuple[int, int, str]] = {}
        if not self.source_known:
            return found
        with connection.cursor() as cursor:
            for start in range(0, len(keys), _LOOKUP_KEYS):
                part = keys[start : start + _LOOKUP_KEYS]
                marks = ", ".join(["%s"] * len(part))
                cursor.execute(
                    f"SELECT {self.key_column}, id, version, content_hash FROM {self.table} "  # noqa: S608 # nosec B608 - names are ours, values bound
                    f"WHERE source = %s AND is_current = %s AND {self.key_column} IN ({marks})",
                    [self.source, True, *part],
                )
                for key, pk, version, content_hash in cursor.fetchall():
                    found[key] = (pk, version, content_hash)
        return found

    def write(self, rows: list[Row]) -> None:
        """Write one chunk: look up current versions, retire changed ones, insert the rest."""
        relations = self.kind == "relations"
        if relations:
            for row in rows:
                row.key = key_hash(row.key)
        if self.source_known:
            self.finish()  # the look-ups and updates below need the connection
        current = self._current_versions([row.key for row in rows]) if self.source_known else {}
        report = self.report
        if not current and self._at is None and not relations:
            # Every row is a first version (a new source, or keys the store has not seen) and
            # needs no conversion: the common case of a large file, without per-row branches.
            empty = self._empty_attributes
            prep = self._attributes.get_db_prep_save
            file_id = self.file_id
            params = [
                [*row.values, 1, True, file_id, row.line, row.content_hash,
                 prep(row.attributes, connection) if row.attributes else empty]
                for row in rows
            ]
            self._add_a_number_keys(params)
            report.new += len(params)
            if params:
                self._insert(params)
            return
        retired: list[int] = []
        params: list[list] = []
        prep_attributes = self._attributes.get_db_prep_save
        adapt_at = connection.ops.adapt_datetimefield_value
        empty_attributes = self._empty_attributes
        at_index = self._at
        file_id = self.file_id
        new = 0
        for row in rows:
            version = 1
            if current:
                earlier = current.get(row.key)
                if earlier is not None:
                    if earlier[2] == row.content_hash:
                        report.unchanged += 1
                        continue
                    version = earlier[1] + 1
                    retired.append(earlier[0])
                    report.changed += 1
                    new -= 1
            new += 1
            values = row.values
            if at_index is not None:
                values[at_index] = adapt_at(row.at)
            values += (version, True, file_id, row.line, row.content_hash,
                       prep_attributes(row.attributes, connection) if row.attributes
                       else empty_attributes)
            if relations:
                values.append(row.key)
            params.append(values)
        self._add_a_number_keys(params)
        report.new += new
        with connection.cursor() as cursor:
            for start in range(0, len(retired), _LOOKUP_KEYS):
                part = retired[start : start + _LOOKUP_KEYS]
                marks = ", ".join(["%s"] * len(part))
                cursor.execute(
                    f"UPDATE {self.table} SET is_current = %s WHERE id IN ({marks})",  # noqa: S608 # nosec B608
                    [False, *part],
                )
        if params:
            self._insert(params)

    def _add_a_number_keys(self, params: list[list]) -> None:
        at = self._a_number
        if at is not None:
            key = anumber.key
            for values in params:
                values.append(key(values[at]))

    def _insert(self, params: list[list]) -> None:
        names = ", ".join(self.columns)
        if connection.vendor == "postgresql":
            # COPY is PostgreSQL's bulk path: several times faster than row-by-row INSERTs.
            if self._copy is None:
                self._copy_cursor = connection.cursor()
                self._copy_block = self._copy_cursor.cursor.copy(
                    f"COPY {self.table} ({names}) FROM STDIN")
                self._copy = self._copy_block.__enter__()
            write_row = self._copy.write_row
            for row in params:
                write_row(row)
            return
        marks = ", ".join(["%s"] * len(self.columns))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {self.table} ({names}) VALUES ({marks})", params  # noqa: S608 # nosec B608
            )

    def finish(self, error: BaseException | None = None) -> None:
        """End an open COPY: completed, or (given the ``error`` that stops the batch) aborted.

        Must run before the connection is used for anything else, and after the file's last
        chunk; the rows are in the table (uncommitted) once it returns.
        """
        if self._copy is None:
            return
        block, cursor = self._copy_block, self._copy_cursor
        self._copy = self._copy_block = self._copy_cursor = None
        try:
            if error is None:
                block.__exit__(None, None, None)
            else:
                block.__exit__(type(error), error, error.__traceback__)
        finally:
            cursor.close()


class ProfileWriter:
    """Writes a source's profile (``<source>.source.json``) as its new current version, unless
    the current one says the same (then it is counted unchanged and not stored again)."""

    def __init__(self, file_id: int, report: FileReport) -> None:
        self.file_id = file_id
        self.report = report

    def write(self, profile: CheckedProfile) -> None:
        """Store ``profile``: new, a new version of a changed one, or nothing."""
        content_hash = profile.content_hash()
        report = self.report
        report.rows = 1
        current = SourceProfile.objects.filter(source=profile.source, is_current=True).first()
        if current is not None and current.content_hash == content_hash:
            report.unchanged += 1
            return
        version = 1
        if current is not None:
            SourceProfile.objects.filter(pk=current.pk).update(is_current=False)
            version = current.version + 1
            report.changed += 1
        else:
            report.new += 1
        SourceProfile.objects.create(
            source=profile.source, version=version, is_current=True, file_id=self.file_id,
            line=1, content_hash=content_hash, attributes=profile.attributes,
            agency=profile.agency, description=profile.description, holds=profile.holds,
            family_units=profile.family_units, custody=profile.custody)
