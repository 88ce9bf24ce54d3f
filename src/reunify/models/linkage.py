"""Resolved persons, the runs that resolved them, and people's decisions about pairs."""

import datetime as dt
from collections.abc import Iterable

from django.db import models
from django.db.models import CharField, Exists, Max, Min, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat

from reunify.models.keys import with_keys
from reunify.models.record import EventRecord, PersonRecord, RelationRecord
from reunify.models.streaming import streaming_reads

#: The person-record fields the linker reads (``reunify.linkage.records``).
LINKAGE_FIELDS = ("source", "record_id", "family_name", "given_name", "birth_date", "sex",
                  "country", "a_number", "group_id", "group_role", "phone", "address")


#: Rows fetched at a time when the linker reads the store.
_CHUNK = 10_000


def _day(value: object) -> dt.date | None:
    """The day of a stored moment as the database driver gives it: SQLite's text (in the
    connection's time zone, as Django stores it), or PostgreSQL's datetime (in the
    connection's time zone: UTC); the same day Django's own conversion gives."""
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value.date() if isinstance(value, dt.datetime) else None


def linkage_records(keys: list[tuple[str, str]] | None = None) -> list[dict]:
    """Current person-records as the linker takes them (plain dicts, in source and record
    order), each with ``seen_from``/``seen_to``: the first and last day (``datetime.date``) of
    its source's events about it, ``facility``: the facility of the first of them naming one,
    and
    ``named``: the relatives its source names without a record of theirs (``(name, a_number,
    phone)`` of each relation with ``other_name``: the parent a child names at interview).
    ``keys`` restricts them to those ``(source, record_id)``."""
    records = PersonRecord.objects.filter(is_current=True)
    events = EventRecord.objects.filter(is_current=True)
    relations = RelationRecord.objects.filter(is_current=True, other_record_id="")\
        .exclude(other_name="")
    chosen = [(records, events, relations)] if keys is None else zip(
        with_keys(records, keys), with_keys(events, keys), with_keys(relations, keys),
        strict=True)
    rows: list[dict] = []
    seen: dict[tuple[str, str], tuple] = {}
    named: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    # In chunks (a server-side cursor on PostgreSQL, streamed: ``models.streaming``): the
    # driver never holds every row of a large store at once beside the dicts built from them.
    with streaming_reads():
        for some_records, some_events, some_relations in chosen:
            for s, r, name, number, phone in some_relations.values_list(
                    "source", "record_id", "other_name", "other_a_number", "other_phone")\
                    .iterator(chunk_size=_CHUNK):
                named.setdefault((s, r), []).append((name, number, phone))
            rows.extend(some_records.order_by("source", "record_id").values(*LINKAGE_FIELDS)
                        .iterator(chunk_size=_CHUNK))
            # Only the day is read: the driver's value, not a datetime Django builds and
            # makes aware for each (half the reading time at 100,000 records, on SQLite).
            # The facility of the first event naming one: the least of "moment|facility"
            # (a moment's text sorts as the moment; it holds no "|").
            first = Min(Concat(Cast("at", CharField()), Value("|"), "facility",
                               output_field=CharField()), filter=~Q(facility=""))
            seen.update({(s, r): (_day(lo), _day(hi), (place or "|").split("|", 1)[1])
                         for s, r, lo, hi, place in
                         some_events.values("source", "record_id")
                         .annotate(lo=Min("at", output_field=CharField()),
                                   hi=Max("at", output_field=CharField()), place=first)
                         .values_list("source", "record_id", "lo", "hi", "place")
                         .iterator(chunk_size=_CHUNK)})
    if keys is not None:  # several queries: put their rows in one order
        rows.sort(key=lambda row: (row["source"], row["record_id"]))
    for row in rows:
        row["seen_from"], row["seen_to"], row["facility"] = seen.get(
            (row["source"], row["record_id"]), (None, None, ""))
        row["named"] = sorted(named.get((row["source"], row["record_id"]), ()))
    return rows


class LinkRun(models.Model):
    """One run of the linker over the current records."""

    actor = models.CharField(max_length=200)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    engine = models.CharField(max_length=32)  # deterministic | splink
    #: The trained model as JSON (Splink settings with m/u probabilities), and its sha256.
    model_json = models.TextField(blank=True)
    model_sha256 = models.CharField(max_length=64, blank=True)
    params = models.JSONField(default=dict, blank=True)
    stats = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "reunify_link_run"

    def __str__(self) -> str:
        return f"link run {self.pk} ({self.engine})"


class Person(models.Model):
    """A real person as reunify believes them to be: the cluster of their records."""

    created_run = models.ForeignKey(LinkRun, on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "reunify_person"

    def __str__(self) -> str:
        return self.public_id

    @property
    def public_id(self) -> str:
        return f"P{self.pk:07d}"


class Identity(models.Model):
    """Which person a record (by source and record id, all versions) belongs to now."""

    source = models.CharField(max_length=32)
    record_id = models.CharField(max_length=128)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="identities")
    run = models.ForeignKey(LinkRun, on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "reunify_identity"
        constraints = [
            models.UniqueConstraint(fields=["source", "record_id"], name="identity_record_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.record_id} -> {self.person_id}"


def of_persons(queryset: QuerySet, persons: Iterable[int], *, source: str = "source",
               record_id: str = "record_id") -> QuerySet:
    """``queryset`` restricted to rows about a record of one of ``persons``: a join (``EXISTS``)
    on identities, not one condition per record. ``source`` and ``record_id`` name the row's
    fields holding the record's key."""
    return queryset.filter(Exists(Identity.objects.filter(
        person_id__in=list(persons), source=OuterRef(source), record_id=OuterRef(record_id))))


class ReviewPair(models.Model):
    """A pair the linker was unsure of, waiting for a person to decide."""

    OPEN, ACCEPTED, REJECTED, SUPERSEDED = "open", "accepted", "rejected", "superseded"

    run = models.ForeignKey(LinkRun, on_delete=models.PROTECT, related_name="review_pairs")
    left_source = models.CharField(max_length=32)
    left_record_id = models.CharField(max_length=128)
    right_source = models.CharField(max_length=32)
    right_record_id = models.CharField(max_length=128)
    match_weight = models.FloatField()
    match_probability = models.FloatField()
    #: Per comparison: name, level label, match weight.
    comparisons = models.JSONField(default=list)
    status = models.CharField(max_length=16, default=OPEN)

    class Meta:
        db_table = "reunify_review_pair"
        indexes = [models.Index(fields=["status", "match_weight"])]

    def __str__(self) -> str:
        return (
            f"{self.left_source}:{self.left_record_id} ~ "
            f"{self.right_source}:{self.right_record_id}"
        )


class LinkDecision(models.Model):
    """A person's ruling on a pair of records: the same person or not. Binds every later run."""

    SAME, DIFFERENT = "same", "different"

    left_source = models.CharField(max_length=32)
    left_record_id = models.CharField(max_length=128)
    right_source = models.CharField(max_length=32)
    right_record_id = models.CharField(max_length=128)
    decision = models.CharField(max_length=16)
    actor = models.CharField(max_length=200)
    reason = models.TextField()
    decided_at = models.DateTimeField()

    class Meta:
        db_table = "reunify_link_decision"
        indexes = [models.Index(fields=["left_source", "left_record_id"])]

    def __str__(self) -> str:
        return f"{self.decision}: {self.left_record_id} / {self.right_record_id}"
