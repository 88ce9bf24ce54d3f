"""Families as reconstructed from persons, relations and groups, with the evidence for each link."""

from django.db import models

from reunify.models.linkage import Person


class FamilyRun(models.Model):
    """One reconstruction of families from the current persons and records."""

    actor = models.CharField(max_length=200)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    stats = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "reunify_family_run"


class Family(models.Model):
    """People who belong together: parents or guardians and the children in their care."""

    run = models.ForeignKey(FamilyRun, on_delete=models.PROTECT, related_name="families")
    #: Flags on the family as a whole, e.g. ``conflicting_claims``.
    flags = models.JSONField(default=list, blank=True)

    class Meta:
        db_table = "reunify_family"

    def __str__(self) -> str:
        return self.public_id

    @property
    def public_id(self) -> str:
        return f"F{self.pk:07d}"


class FamilyMember(models.Model):
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=16)  # parent | child | guardian | relative

    class Meta:
        db_table = "reunify_family_member"
        constraints = [
            models.UniqueConstraint(fields=["family", "person"], name="family_member_unique"),
        ]


class FamilyLink(models.Model):
    """One piece of evidence that two persons are related, and how strong it is."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="links")
    from_person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    to_person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    relation = models.CharField(max_length=16)  # read: from_person <relation> to_person
    evidence = models.CharField(max_length=16)  # stated | observed | document | dna | group
    strength = models.FloatField()
    #: Which records said so: [{"source":…, "record_id":…, "kind":…, "line":…}].
    sources = models.JSONField(default=list)
    conflict = models.CharField(max_length=64, blank=True)

    class Meta:
        db_table = "reunify_family_link"
