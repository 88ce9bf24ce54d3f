"""Tracing requests: someone asks where a person is (kind ``inquiries``), and what came of it.

``InquiryRecord`` is the request as its channel sent it, versioned like every record.
``Inquiry`` is the request as reunify follows it up, one per ``(source, inquiry_id)`` across
versions: the reference number the inquirer quotes, the latest candidates, the caseworkers'
decisions and the child found.
"""

from django.db import models

from reunify.models.linkage import Person
from reunify.models.record import _SourceRow


class InquiryRecord(_SourceRow):
    """One tracing request as one channel recorded it (kind ``inquiries``)."""

    inquiry_id = models.CharField(max_length=128)
    at = models.DateTimeField()
    inquirer_family_name = models.CharField(max_length=200, blank=True)
    inquirer_given_name = models.CharField(max_length=200, blank=True)
    inquirer_birth_date = models.CharField(max_length=10, blank=True)
    inquirer_a_number = models.CharField(max_length=32, blank=True)
    inquirer_phone = models.CharField(max_length=64, blank=True)
    inquirer_country = models.CharField(max_length=2, blank=True)
    inquirer_languages = models.CharField(max_length=200, blank=True)
    relation = models.CharField(max_length=16)
    sought_family_name = models.CharField(max_length=200, blank=True)
    sought_given_name = models.CharField(max_length=200, blank=True)
    sought_birth_date = models.CharField(max_length=10, blank=True)
    sought_age = models.CharField(max_length=3, blank=True)
    sought_sex = models.CharField(max_length=1, blank=True)
    last_seen_place = models.CharField(max_length=200, blank=True)
    last_seen_on = models.CharField(max_length=10, blank=True)

    class Meta:
        db_table = "reunify_inquiry_record"
        constraints = [
            models.UniqueConstraint(
                fields=["source", "inquiry_id", "version"], name="inquiry_record_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.inquiry_id} v{self.version}"


class Inquiry(models.Model):
    """A tracing request followed up: its reference number, state and the child found."""

    OPEN, FOUND, CLOSED = "open", "found", "closed"

    source = models.CharField(max_length=32)
    inquiry_id = models.CharField(max_length=128)
    #: What the inquirer quotes on the next call (``T-XXXX-XXXX``): random, not a sequence.
    reference = models.CharField(max_length=16, unique=True)
    status = models.CharField(max_length=16, default=OPEN)
    received_at = models.DateTimeField()
    #: When candidates were last computed, and when a caseworker last decided on one.
    matched_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    #: The person sought, once a caseworker confirmed a candidate.
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    #: The inquirer as a person already in the record (a parent who was in custody), if found.
    inquirer_person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+")
    inquirer_probability = models.FloatField(null=True, blank=True)
    #: The caseworker who can call the inquirer back (username), once one decided.
    caseworker = models.CharField(max_length=200, blank=True)

    class Meta:
        db_table = "reunify_inquiry"
        constraints = [
            models.UniqueConstraint(fields=["source", "inquiry_id"], name="inquiry_unique"),
        ]
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.reference} ({self.source}:{self.inquiry_id})"


class InquiryCandidate(models.Model):
    """A person an inquiry may seek, as the latest matching ranked them."""

    PROPOSED, CONFIRMED, REJECTED = "proposed", "confirmed", "rejected"

    inquiry = models.ForeignKey(Inquiry, on_delete=models.PROTECT, related_name="candidates")
    rank = models.PositiveSmallIntegerField()
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    probability = models.FloatField()
    match_weight = models.FloatField()
    #: Per comparison: name, level label, weight (the waterfall of ``reunify explain``).
    comparisons = models.JSONField(default=list)
    status = models.CharField(max_length=16, default=PROPOSED)

    class Meta:
        db_table = "reunify_inquiry_candidate"
        constraints = [
            models.UniqueConstraint(fields=["inquiry", "person"], name="inquiry_candidate_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.inquiry_id} #{self.rank} {self.person_id}"


class InquiryDecision(models.Model):
    """A caseworker's binding word on a candidate: it is (``confirmed``) or is not the person
    sought (``rejected``), with the reason."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.PROTECT, related_name="decisions")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=16)
    reason = models.TextField()
    actor = models.CharField(max_length=200)
    decided_at = models.DateTimeField()

    class Meta:
        db_table = "reunify_inquiry_decision"

    def __str__(self) -> str:
        return f"{self.decision}: {self.inquiry_id} / {self.person_id}"
