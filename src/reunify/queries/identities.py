"""Who is who: each record's person, as the latest link run resolved it."""

from __future__ import annotations

from collections.abc import Iterator

from reunify.models import Identity, LinkRun, PersonRecord


def person_public_id(pk: int) -> str:
    """A person's public id, as exports and pages show it (``P0000042``)."""
    return f"P{pk:07d}"


def identity_rows() -> Iterator[tuple[str, str, str]]:
    """``(source, record_id, person_id)`` for every record that has a person, in source and
    record order; ``person_id`` is the person's public id."""
    rows = Identity.objects.order_by("source", "record_id")\
        .values_list("source", "record_id", "person_id")
    for source, record_id, person in rows.iterator(chunk_size=5000):
        yield source, record_id, person_public_id(person)


def person_of(source: str, record_id: str) -> int | None:
    """The person (primary key) a record belongs to, or None before it was linked."""
    return Identity.objects.filter(source=source, record_id=record_id)\
        .values_list("person_id", flat=True).first()


def latest_run() -> LinkRun | None:
    """The most recent finished link run, or None before the first."""
    # An incremental run (engine "incremental") carries no model of its own.
    return LinkRun.objects.exclude(finished_at=None).exclude(engine="incremental")\
        .order_by("-pk").first()


def records_without_person() -> int:
    """How many current person-records no link run has given a person yet."""
    linked = Identity.objects.values("source", "record_id")
    total = PersonRecord.objects.filter(is_current=True).values("source", "record_id")\
        .distinct().count()
    return max(0, total - linked.count())
