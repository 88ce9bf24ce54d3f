"""Rows chosen by record keys ``(source, record_id)``, without one SQL condition per key.

An OR of ``source = … AND record_id = …`` per key nests one level deeper per key, and SQLite
refuses an expression deeper than 1000 ("Expression tree is too large"). Rows are chosen instead
per source, by chunks of record ids in one ``IN`` list each (:func:`with_keys`), or by a join on
identities (``reunify.models.linkage.of_persons``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db.models import QuerySet

#: Record ids per ``IN`` list: far below every store's limit on bound parameters.
CHUNK = 500


def with_keys(queryset: QuerySet, keys: Iterable[tuple[str, str]], *, source: str = "source",
              record_id: str = "record_id") -> Iterator[QuerySet]:
    """``queryset`` restricted to the rows whose ``(source, record_id)`` fields are one of
    ``keys``, as one query per source and chunk of :data:`CHUNK` record ids (none for no keys).
    ``source`` and ``record_id`` name the fields when they are called otherwise."""
    by_source: dict[str, set[str]] = {}
    for src, rid in keys:
        by_source.setdefault(src, set()).add(rid)
    for src in sorted(by_source):
        ids = sorted(by_source[src])
        for start in range(0, len(ids), CHUNK):
            yield queryset.filter(**{source: src, f"{record_id}__in": ids[start:start + CHUNK]})
