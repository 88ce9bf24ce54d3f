"""Sessions in the database, whose "still here" touch never makes a page wait for a write.

``reunify.web.access.end_idle_session`` writes a session back at most once a minute only to
note its user as seen. On SQLite that write needs the store's write lock, which an ingest or a
link run may hold for minutes: the page would wait (then fail). A save that changes nothing but
that mark is tried without waiting and skipped if the lock is taken — the next request notes
the user again. Any other change to a session (sign-in, sign-out) is saved as always.
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import OperationalError, connections, router

log = logging.getLogger(__name__)

#: The session key that only says when its user was last seen.
SEEN = "reunify_seen"


class SessionStore(DatabaseSessionStore):
    """See the module docstring."""

    def _only_seen_changed(self) -> bool:
        loaded = getattr(self, "_reunify_loaded", None)
        if loaded is None or self.session_key != loaded[0]:
            return False
        now = {k: v for k, v in self._session.items() if k != SEEN}
        return now == loaded[1]

    def load(self):
        data = super().load()
        self._reunify_loaded = (self.session_key, {k: v for k, v in data.items() if k != SEEN})
        return data

    def save(self, must_create: bool = False) -> None:
        using = router.db_for_write(self.model, instance=None)
        connection = connections[using]
        if must_create or connection.vendor != "sqlite" or connection.in_atomic_block \
                or not self._only_seen_changed():
            return super().save(must_create)
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout = 0")
        try:
            super().save(must_create)
        except UpdateError as exc:
            # Django turns the failed UPDATE into UpdateError; only a taken lock is skipped.
            if not isinstance(exc.__context__, OperationalError):
                raise
            log.info("session touch skipped: %s", exc.__context__)
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")


#: The busy timeout every connection starts with (settings: ``PRAGMA busy_timeout=60000``).
_BUSY_MS = 60000
