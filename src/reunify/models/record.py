"""Records as the sources wrote them: persons, relations, events.

A record is keyed by its source and the source's own id. Re-sent with changed content it gets a
new version and the newer becomes current; no version is ever overwritten or deleted.
"""

from django.db import models

from reunify.models.ingest import SourceFile

#: The relations column that carries the day of first contact (``reunify.queries.contacts``).
FIRST_CONTACT = "first_contact"


class _SourceRow(models.Model):
    """What every ingested row carries: where it came from and which version it is."""

    source = models.CharField(max_length=32)
    version = models.PositiveIntegerField(default=1)
    is_current = models.BooleanField(default=True)
    file = models.ForeignKey(SourceFile, on_delete=models.PROTECT, related_name="+")
    line = models.PositiveIntegerField()
    #: sha256 of the row's canonical content; an identical re-send is recognised by it.
    content_hash = models.CharField(max_length=64)
    #: Columns the spec does not name, kept as they came.
    attributes = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True


class PersonRecord(_SourceRow):
    """One person as one source recorded them (kind ``persons``)."""

    record_id = models.CharField(max_length=128)
    family_name = models.CharField(max_length=200, blank=True)
    given_name = models.CharField(max_length=200, blank=True)
    birth_date = models.CharField(max_length=10, blank=True)  # YYYY-MM-DD | YYYY-MM | YYYY
    sex = models.CharField(max_length=1, blank=True)
    country = models.CharField(max_length=2, blank=True)
    a_number = models.CharField(max_length=32, blank=True)
    #: ``a_number``'s digits, leading zeros dropped (:func:`reunify.rules.anumber.key`), written
    #: with it by ingest: search by A-number reads an index of these instead of matching every
    #: record's text.
    a_number_key = models.CharField(max_length=32, blank=True, editable=False)
    group_id = models.CharField(max_length=128, blank=True)
    group_role = models.CharField(max_length=16, blank=True)
    phone = models.CharField(max_length=64, blank=True)
    address = models.CharField(max_length=500, blank=True)
    languages = models.CharField(max_length=200, blank=True)

    class Meta:
        db_table = "reunify_person_record"
        constraints = [
            models.UniqueConstraint(
                fields=["source", "record_id", "version"], name="person_record_version_unique"
            ),
        ]
        # No separate (source, record_id, is_current) index: the unique constraint's index has
        # (source, record_id) as its prefix and serves those look-ups; one index fewer to
        # maintain per ingested row.
        indexes = [
            models.Index(fields=["source", "group_id"]),
            models.Index(fields=["a_number_key"], name="person_record_a_number"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.record_id} v{self.version}"


class RelationRecord(_SourceRow):
    """A relationship one source recorded (kind ``relations``).

    Relations have no id of their own; ``relation_key`` (a hash of who, which relation and whom)
    identifies one across re-sends.
    """

    relation_key = models.CharField(max_length=64)
    record_id = models.CharField(max_length=128)
    relation = models.CharField(max_length=16)
    other_record_id = models.CharField(max_length=128, blank=True)
    other_name = models.CharField(max_length=400, blank=True)
    other_birth_date = models.CharField(max_length=10, blank=True)
    other_a_number = models.CharField(max_length=32, blank=True)
    other_phone = models.CharField(max_length=64, blank=True)
    evidence = models.CharField(max_length=16, default="stated")

    class Meta:
        db_table = "reunify_relation_record"
        constraints = [
            models.UniqueConstraint(
                fields=["source", "relation_key", "version"], name="relation_record_version_unique"
            ),
        ]
        # No separate (source, relation_key, is_current) index: the unique constraint's index has
        # (source, relation_key) as its prefix and serves those look-ups; one index fewer to
        # maintain per ingested row.
        # The rows that record a first contact, by the record they name: a person's page finds
        # the contacts of its family's records without a pass over every relation, and whether
        # a source records contact at all is one probe. Only those rows are in it.
        indexes = [
            models.Index(fields=["source", "record_id"]),
            models.Index(fields=["source", "other_record_id"],
                         condition=models.Q(attributes__has_key=FIRST_CONTACT),
                         name="relation_contact_other"),
        ]

    def __str__(self) -> str:
        other = self.other_record_id or self.other_name
        return f"{self.source}:{self.record_id} {self.relation} {other}"


class EventRecord(_SourceRow):
    """A custody event or a decision (kind ``events``)."""

    event_id = models.CharField(max_length=128)
    record_id = models.CharField(max_length=128)
    type = models.CharField(max_length=16)
    at = models.DateTimeField()
    custodian = models.CharField(max_length=200, blank=True)
    facility = models.CharField(max_length=200, blank=True)
    actor = models.CharField(max_length=200, blank=True)
    authority = models.CharField(max_length=500, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        db_table = "reunify_event_record"
        constraints = [
            models.UniqueConstraint(
                fields=["source", "event_id", "version"], name="event_record_version_unique"
            ),
        ]
        # No separate (source, event_id, is_current) index: the unique constraint's index has
        # (source, event_id) as its prefix and serves those look-ups; one index fewer to
        # maintain per ingested row.
        # ``at`` alone: the latest event of the store (the day the register, casework and
        # person pages open on) is read from its end, not by sorting every event per request.
        indexes = [
            models.Index(fields=["source", "record_id"]),
            models.Index(fields=["type", "at"]),
            models.Index(fields=["at"]),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.event_id} {self.type}"
