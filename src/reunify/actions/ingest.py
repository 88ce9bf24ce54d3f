"""Ingest a batch: every file of it commits together, or nothing of it is written.

Rows are read, checked and written in one streaming pass inside one transaction. The first
problem stops the writing (reading goes on, so every problem of the batch is reported) and the
transaction is rolled back by raising :class:`BatchRejected`. A record re-sent with changed
content gets a new version; an identical one is counted as unchanged and not stored again; an
identical file is recognised by its SHA-256 and not read at all.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from reunify.actions.ledger import append_entry, append_reported_decisions
from reunify.actions.link_new import link_new_records
from reunify.actions.record_writing import ProfileWriter, RecordWriter
from reunify.actions.store_lock import rebuild_lock
from reunify.actions.tracing_intake import open_inquiries
from reunify.interchange.batch import plan_batch
from reunify.interchange.problems import Problem, Problems
from reunify.interchange.profiles import read_profile
from reunify.interchange.reading import RowReader
from reunify.interchange.rows import Row, RowCheck
from reunify.models import ImportBatch, SourceFile
from reunify.rules.interchange import PROFILE_KIND

#: Rows written per statement: large enough that per-statement cost vanishes, small enough
#: that a chunk's memory does not matter.
_CHUNK_ROWS = 10_000
#: SQLite page cache while a batch is written, in KiB: the indexes of a million-row file stay
#: in memory instead of being spilled to the WAL and read back (peak memory stays < 1 GiB).
_SQLITE_CACHE_KIB = 256 * 1024

#: Arbitrary but fixed: the advisory lock that serialises batches on PostgreSQL.
_INGEST_LOCK_ID = 0x696E6765  # "inge"


class BatchRejected(Exception):
    """The batch had problems; nothing of it was written.

    ``problems`` lists the first problems (at most ``MAX_PROBLEMS_LISTED``), sorted by file, line
    and column; ``more`` counts those left off the list.
    """

    def __init__(self, problems: list[Problem], more: int = 0) -> None:
        self.problems = problems
        self.more = more
        super().__init__(f"batch rejected: {len(problems) + more} problems, nothing written")


@dataclass
class FileReport:
    """What one file brought: rows read, and how many were new, changed or unchanged."""

    name: str
    source: str
    kind: str
    sha256: str
    rows: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    decisions: int = 0

    def counts(self) -> dict[str, int]:
        """The counts as a dict (for the ledger and the batch)."""
        return {"rows": self.rows, "new": self.new, "changed": self.changed,
                "unchanged": self.unchanged}


@dataclass
class IngestReport:
    """The outcome of a batch that was not rejected."""

    #: The ImportBatch written, or None when every file had been ingested before.
    batch_id: int | None
    files: list[FileReport] = field(default_factory=list)
    #: Names of files whose exact bytes were ingested before (not read again).
    already_ingested: list[str] = field(default_factory=list)
    #: Files left out on purpose (truth files, files that are not batch files), one line each.
    notices: list[str] = field(default_factory=list)
    #: What incremental linking did with the batch's new records (a link run's stats), or {}.
    linked: dict[str, Any] = field(default_factory=dict)

    @property
    def changed_store(self) -> bool:
        """Whether this batch wrote anything."""
        return self.batch_id is not None

    def totals(self) -> dict[str, int]:
        """Counts summed over the batch's files."""
        total = {"files": len(self.files), "rows": 0, "new": 0, "changed": 0, "unchanged": 0,
                 "decisions": 0}
        for report in self.files:
            for name, value in report.counts().items():
                total[name] += value
            total["decisions"] += report.decisions
        return total

    def __str__(self) -> str:
        lines = list(self.notices)
        for name in self.already_ingested:
            lines.append(f"{name}: identical to a file already ingested; nothing to do")
        for r in self.files:
            lines.append(f"{r.name}: {r.rows} rows: {r.new} new, {r.changed} changed "
                         f"(new version), {r.unchanged} unchanged")
        if not self.files and not self.already_ingested:
            lines.append("no batch files found (expected <source>.<kind>.csv or .jsonl)")
        if self.batch_id is None:
            lines.append("nothing new: the store is unchanged")
        else:
            t = self.totals()
            lines.append(f"batch {self.batch_id} committed: {t['files']} files, {t['rows']} rows "
                         f"({t['new']} new, {t['changed']} changed, {t['unchanged']} unchanged), "
                         f"{t['decisions']} reported decisions added to the ledger")
        if self.linked:
            lines.append(f"linked {self.linked['new_records']} new records: "
                         f"{self.linked['joined']} joined a known person, "
                         f"{self.linked['persons_created']} new persons")
        return "\n".join(lines)


class _Progress:
    """Progress in bytes: a rich bar on a given Console, a callback(done, total), or nothing."""

    def __init__(self, target: Any, total: int) -> None:
        self._callback: Callable[[int, int], Any] | None = None
        self._bar = None
        self.total = total
        from rich.console import Console

        if isinstance(target, Console):
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )

            self._bar = Progress(TextColumn("ingesting"), BarColumn(), DownloadColumn(),
                                 TransferSpeedColumn(), TimeRemainingColumn(), console=target)
            self._task = self._bar.add_task("ingest", total=total)
        elif callable(target):
            self._callback = target

    def __enter__(self) -> _Progress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def update(self, done: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=done)
        elif self._callback is not None:
            self._callback(done, self.total)


class _BulkLoad:
    """For the duration of a batch: no cyclic garbage collection, and on SQLite a large cache.

    A batch makes millions of short-lived objects without cycles; the cyclic collector would
    scan them again and again for nothing (about a sixth of the CPU time of a large file).
    Both come back as they were afterwards.
    """

    def __enter__(self) -> _BulkLoad:
        self.collecting = gc.isenabled()
        gc.disable()
        self.previous = None
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                self.previous = cursor.execute("PRAGMA cache_size").fetchone()[0]
                cursor.execute(f"PRAGMA cache_size = -{_SQLITE_CACHE_KIB}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.collecting:
            gc.enable()
        if self.previous is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(self.previous)}")


def _sorted(problems: Problems) -> list[Problem]:
    return sorted(problems.listed, key=lambda p: (p.file, p.line, p.column))


def ingest_paths(
    paths: Iterable[Path], *, actor: str, progress: Any = None
) -> IngestReport:
    """Ingest the files (and folders of files) of one batch, all or nothing.

    ``progress`` is a rich Console to draw a progress bar on, a callable ``(done, total)`` in
    bytes, or None. Raises :class:`BatchRejected` (nothing written) when any file has a problem.
    """
    if not actor or not actor.strip():
        raise ValueError("an ingest needs an actor")
    problems = Problems()
    plan = plan_batch([Path(p) for p in paths], problems)
    with rebuild_lock(), _BulkLoad(), transaction.atomic():
        if connection.vendor == "postgresql":
            # One batch at a time, as on SQLite (whose transactions take the write lock at
            # BEGIN): two batches re-sending one record would otherwise both write version 2.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_INGEST_LOCK_ID])
        known = set(
            SourceFile.objects.filter(sha256__in=[f.sha256 for f in plan.files])
            .values_list("sha256", flat=True)
        )
        todo = [f for f in plan.files if f.sha256 not in known]
        report = IngestReport(batch_id=None, notices=plan.notices,
                              already_ingested=[f.name for f in plan.files if f.sha256 in known])
        if not todo and not problems:
            return report  # nothing new: nothing is written
        started = timezone.now()
        batch = ImportBatch.objects.create(actor=actor, started_at=started, committed_at=started)
        seen: dict[tuple[str, str], dict[str, int]] = {}
        names: list[str] = []
        with _Progress(progress, sum(f.size for f in todo)) as bar:
            done = 0
            for batch_file in todo:
                file_report = FileReport(name=batch_file.name, source=batch_file.source,
                                         kind=batch_file.kind, sha256=batch_file.sha256)
                report.files.append(file_report)
                source_file = SourceFile.objects.create(
                    batch=batch, name=batch_file.name, sha256=batch_file.sha256,
                    source=batch_file.source, kind=batch_file.kind, format=batch_file.format,
                    size=batch_file.size, rows=0,
                )
                if batch_file.kind == PROFILE_KIND:
                    profile = read_profile(batch_file, problems)
                    if profile is not None and not problems:
                        ProfileWriter(source_file.pk, file_report).write(profile)
                    done += batch_file.size
                    bar.update(done)
                    SourceFile.objects.filter(pk=source_file.pk).update(
                        rows=file_report.rows, rows_new=file_report.new,
                        rows_changed=file_report.changed, rows_unchanged=file_report.unchanged)
                    continue
                check = RowCheck(file=batch_file.name, source=batch_file.source,
                                 kind=batch_file.kind, problems=problems,
                                 seen=seen.setdefault((batch_file.source, batch_file.kind), {}),
                                 files=names)
                reader = RowReader(batch_file, check, problems)
                writer = RecordWriter(batch_file, source_file.pk, file_report)
                chunk: list[Row] = []
                try:
                    for rows in reader.chunks():
                        if problems:
                            continue  # keep reading to report every problem; writing is pointless
                        chunk += rows
                        if len(chunk) >= _CHUNK_ROWS:
                            writer.write(chunk)
                            chunk = []
                            bar.update(done + reader.bytes_read)
                    if chunk and not problems:
                        writer.write(chunk)
                except BaseException as error:
                    writer.finish(error)  # abort an open COPY, so the rollback can run
                    raise
                writer.finish()
                done += batch_file.size
                bar.update(done)
                file_report.rows = reader.rows_read
                SourceFile.objects.filter(pk=source_file.pk).update(
                    rows=file_report.rows, rows_new=file_report.new,
                    rows_changed=file_report.changed, rows_unchanged=file_report.unchanged,
                )
                if batch_file.kind == "events" and not problems:
                    file_report.decisions = append_reported_decisions(
                        actor=actor, file_id=source_file.pk
                    )
                if batch_file.kind == "inquiries" and not problems:
                    open_inquiries(actor=actor, file_id=source_file.pk)
        if problems:
            raise BatchRejected(_sorted(problems), problems.more)
        report.batch_id = batch.pk
        totals = report.totals()
        ImportBatch.objects.filter(pk=batch.pk).update(committed_at=timezone.now(),
                                                       counts=totals)
        append_entry(
            actor=actor, type="ingest.batch", subjects=[f"batch:{batch.pk}"],
            payload={
                "batch": batch.pk,
                "files": [{"name": r.name, "sha256": r.sha256, "source": r.source,
                           "kind": r.kind, **r.counts(), "decisions": r.decisions}
                          for r in report.files],
                "already_ingested": [{"name": f.name, "sha256": f.sha256}
                                     for f in plan.files if f.sha256 in known],
                "counts": totals,
            },
        )
        # Every record has a person before the batch commits (export identities, search).
        run = link_new_records(actor=actor)
        report.linked = run.stats if run is not None else {}
    return report
