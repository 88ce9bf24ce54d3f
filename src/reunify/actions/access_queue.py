"""The access log's write path: a page never waits for the database to log a read.

A read in autocommit (every page and API request) is appended to a spool file of this
process (``DATA_DIR/access-spool/<pid>-<random>.jsonl``, mode 0600, fsync'd: on disk before the
page is answered) and queued in memory; a background thread inserts the queue in batches on its
own connection, and deletes a spool segment once its rows are committed. No row is dropped:

* a database that is busy or down only delays the insert (the thread retries; the segment stays);
* at exit the queue is flushed (``atexit``; gunicorn's worker exit runs it too);
* a process killed with rows still queued leaves its segment behind, locked while it lived
  (``flock``): the next start-up (``replay_orphans``, called by every command and the web
  server) inserts the rows of every segment no live process holds.

Each row carries a random ``key`` (unique in the table), so a segment replayed after a crash
between the commit and the deletion is stored once.
"""

from __future__ import annotations

import atexit
import fcntl
import json
import logging
import os
import secrets
import threading
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from reunify.models import AccessLog

log = logging.getLogger(__name__)

_FIELDS = ("key", "at", "user", "role", "what", "object_id", "route", "outcome")
#: Seconds the writer waits for more rows before inserting what it has.
FLUSH_SECONDS = 0.5


def spool_folder() -> Path:
    """Where spool segments are kept."""
    return Path(settings.DATA_DIR) / "access-spool"


def _as_line(row: AccessLog) -> bytes:
    values = {f: getattr(row, f) for f in _FIELDS}
    values["at"] = row.at.isoformat()
    return (json.dumps(values, ensure_ascii=False) + "\n").encode("utf-8")


def _from_line(line: str) -> AccessLog:
    values = json.loads(line)
    values["at"] = parse_datetime(values["at"])
    return AccessLog(**values)


def insert_rows(rows: list[AccessLog]) -> None:
    """Insert rows (stamping ``logged_at``); rows already stored (same key) are skipped."""
    now = timezone.now()
    for row in rows:
        row.logged_at = now
    with transaction.atomic():
        AccessLog.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


class _Segment:
    """One spool file, held locked by this process while it is being written."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path = folder / f"{os.getpid()}-{secrets.token_hex(8)}.jsonl"
        self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_EXCL, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        self.rows: list[AccessLog] = []

    def append(self, rows: list[AccessLog]) -> int:
        """Write rows (not yet synced); return a duplicate of the file's descriptor, which the
        caller syncs and closes — outside the queue's lock, so that the threads of a process
        sync together rather than one after another. The duplicate stays valid if the segment
        is stored and discarded meanwhile."""
        os.write(self.fd, b"".join(_as_line(r) for r in rows))
        self.rows.extend(rows)
        return os.dup(self.fd)

    def discard(self) -> None:
        os.unlink(self.path)
        os.close(self.fd)


class AccessQueue:
    """The process's queue of access-log rows and the thread that writes them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._segment: _Segment | None = None
        self._waiting: list[_Segment] = []
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()

    def submit(self, rows: list[AccessLog]) -> None:
        """Spool and queue rows; returns once they are on disk (never waits for the database)."""
        with self._lock:
            if self._pid != os.getpid():  # forked (a gunicorn worker): start afresh
                self.__init__()
            if self._segment is None:
                self._segment = _Segment(spool_folder())
            written = self._segment.append(rows)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="access-log",
                                                daemon=True)
                self._thread.start()
        try:
            os.fsync(written)  # on disk before the page is answered
        finally:
            os.close(written)
        self._wake.set()

    def _run(self) -> None:
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if not self.flush():
                    self._wake.wait(FLUSH_SECONDS * 4)  # the database is busy or down: retry
                    self._wake.set()
                elif not self._pending():
                    # Hold no connection while idle: an idle thread's session would keep a
                    # database from being dropped or restored, and counts against its limit.
                    connection.close()
                    self._wake.wait(FLUSH_SECONDS)
        finally:
            connection.close()

    def _pending(self) -> bool:
        with self._lock:
            return bool(self._waiting or self._segment)

    def flush(self) -> bool:
        """Insert every queued row; True when nothing is left queued."""
        with self._lock:
            if self._segment is not None:
                self._waiting.append(self._segment)
                self._segment = None
            waiting = list(self._waiting)
        for segment in waiting:
            try:
                insert_rows(segment.rows)
            except Exception as exc:  # kept on disk and in memory: retried, never dropped
                log.warning("access log: %d rows not yet stored (%s); will retry",
                            len(segment.rows), exc)
                connection.close()
                return False
            with self._lock:
                if segment not in self._waiting:
                    continue  # flushed meanwhile by the other caller (exit and thread)
                self._waiting.remove(segment)
            segment.discard()
        return True


QUEUE = AccessQueue()


def flush_at_exit() -> None:
    """Flush what is queued (at interpreter exit and gunicorn worker exit)."""
    if QUEUE._pid == os.getpid() and QUEUE._pending():
        QUEUE.flush()


atexit.register(flush_at_exit)


def replay_orphans() -> int:
    """Insert the rows of spool segments no live process holds (left by a killed process);
    return how many rows were read. Called at every start-up."""
    folder = spool_folder()
    if not folder.is_dir():
        return 0
    count = 0
    for path in sorted(folder.glob("*.jsonl")):
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a live process is writing it
            with os.fdopen(os.dup(fd), encoding="utf-8") as handle:
                rows = [_from_line(line) for line in handle if line.strip()]
            if rows:
                insert_rows(rows)
            count += len(rows)
            path.unlink()
        finally:
            os.close(fd)
    return count
