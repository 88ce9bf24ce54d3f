"""Reunification cases and what is recorded while working them (docs/casework.md).

A case is tied to its child's person and remembers the child's records, so that it follows the
child through relinking. Everything recorded on a case is appended, never changed: its steps
(``CaseStep``), the contact log, the parent's wishes (each change a new version) and the
determinations waiting for, or given, a second person's sign-off.
"""

from django.conf import settings
from django.db import models

from reunify.models.linkage import Person


def case_public_id(pk: int) -> str:
    """How cases are named outside the store (``C0000042``)."""
    return f"C{pk:07d}"


class Case(models.Model):
    """One separated child's way back to a parent, from opening to an outcome."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases")
    #: The parent (or guardian) sought, when the register knows one.
    parent = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    #: The child's records when the case was opened or last followed: [[source, record_id]].
    records = models.JSONField(default=list)
    stage = models.CharField(max_length=32)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="cases")
    opened = models.DateField()
    opened_by = models.CharField(max_length=200)
    closed = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=32, blank=True)
    outcome_reason = models.TextField(blank=True)
    #: Set when a parent was determined unfit (signed off): the court's "excluded" class.
    parent_excluded = models.BooleanField(default=False)
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    #: Bumped on every change: a form carries it so that a stale page cannot overwrite.
    version = models.IntegerField(default=0)

    class Meta:
        db_table = "reunify_case"
        indexes = [models.Index(fields=["person", "closed"]),
                   models.Index(fields=["assigned_to", "closed"])]

    def __str__(self) -> str:
        return self.public_id

    @property
    def public_id(self) -> str:
        return case_public_id(self.pk)


class CaseStep(models.Model):
    """One thing that happened to a case: opened, moved, assigned, merged, closed …"""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="steps")
    at = models.DateTimeField()
    #: The register day a step that changes the stage took effect (``to_stage`` set): the
    #: ``cases`` export as of a day shows the stage of the last such step on or before it.
    #: Empty for steps that change no stage.
    on = models.DateField(null=True, blank=True)
    actor = models.CharField(max_length=200)
    kind = models.CharField(max_length=32)
    from_stage = models.CharField(max_length=32, blank=True)
    to_stage = models.CharField(max_length=32, blank=True)
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "reunify_case_step"


class CaseNotice(models.Model):
    """A message to a caseworker about one of their cases (a merge, a split, an assignment)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="case_notices")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notices")
    at = models.DateTimeField()
    text = models.TextField()

    class Meta:
        db_table = "reunify_case_notice"


class ContactEntry(models.Model):
    """One line of a case's contact log: an attempt to reach a parent, or a parent-child call."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="contacts")
    kind = models.CharField(max_length=16)  # attempt | call
    on = models.DateField()
    channel = models.CharField(max_length=32)
    outcome = models.CharField(max_length=32)
    minutes = models.IntegerField(null=True, blank=True)
    interpreter = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=64, blank=True)
    note = models.TextField(blank=True)
    actor = models.CharField(max_length=200)
    recorded_at = models.DateTimeField()

    class Meta:
        db_table = "reunify_contact_entry"


class ParentWishes(models.Model):
    """One version of what a parent wants for their child, in their own words."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="wishes")
    parent = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    version = models.IntegerField()
    choice = models.CharField(max_length=32)
    words = models.TextField()
    advised_in = models.CharField(max_length=64)
    interpreter = models.CharField(max_length=200, blank=True)
    witness = models.CharField(max_length=200)
    on = models.DateField()
    actor = models.CharField(max_length=200)
    recorded_at = models.DateTimeField()

    class Meta:
        db_table = "reunify_parent_wishes"
        constraints = [models.UniqueConstraint(fields=["case", "version"],
                                               name="parent_wishes_version_unique")]


class Determination(models.Model):
    """A decision that takes effect only when a second person signs it off."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="determinations")
    kind = models.CharField(max_length=32)
    basis = models.TextField()
    #: For a release: to whom (a sponsor's name and relation).
    recipient = models.CharField(max_length=200, blank=True)
    requested_by = models.CharField(max_length=200)
    requested_at = models.DateTimeField()
    status = models.CharField(max_length=16, default="pending")
    decided_by = models.CharField(max_length=200, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        db_table = "reunify_determination"
