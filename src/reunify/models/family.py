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
    """People who belong together: parents or guardians and the children in their care.

    Each family run stores its families anew; ``number`` is what outlives rebuilds: a family
    keeps its number (and so its public id ``F0000042``) for as long as it keeps a member.
    """

    run = models.ForeignKey(FamilyRun, on_delete=models.PROTECT, related_name="families")
    number = models.PositiveIntegerField(db_index=True)
    #: Flags on the family as a whole, e.g. ``conflicting_claims``.
    flags = models.JSONField(default=list, blank=True)

    class Meta:
        db_table = "reunify_family"
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="family_number_unique"),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def public_id(self) -> str:
        return f"F{self.number:07d}"


class FamilyLineage(models.Model):
    """Where a family's members went at a rebuild: family ``number`` of the previous run gave
    members to family ``moved_to`` of ``run`` (two families merged, one divided in
    two, or one that ended). A number that lives on has rows only for members that left it."""

    run = models.ForeignKey(FamilyRun, on_delete=models.PROTECT, related_name="lineage")
    number = models.PositiveIntegerField(db_index=True)
    moved_to = models.PositiveIntegerField()

    class Meta:
        db_table = "reunify_family_lineage"
        constraints = [
            models.UniqueConstraint(fields=["run", "number", "moved_to"],
                                    name="family_lineage_unique"),
        ]


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


class FamilyClaim(models.Model):
    """A relation naming a carer by name only that nothing else corroborated, at one family
    run: a review item. The claim is the relations row (``source``, ``record_id``, ``line``);
    ``candidates`` are the persons its name fits."""

    run = models.ForeignKey(FamilyRun, on_delete=models.PROTECT, related_name="claims")
    claimant = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=32)
    record_id = models.CharField(max_length=128)
    relation = models.CharField(max_length=16)
    other_name = models.CharField(max_length=300)
    line = models.PositiveIntegerField()
    #: [{"person": pk, "match": kind, "facts": [...]}], best first.
    candidates = models.JSONField(default=list)

    class Meta:
        db_table = "reunify_family_claim"


class ClaimDecision(models.Model):
    """A person's ruling on a claim: it names ``person`` (``accepted``), or nobody reunify
    holds (``rejected``). Binds every later family run; never changed, a later one overrides."""

    ACCEPTED, REJECTED = "accepted", "rejected"

    source = models.CharField(max_length=32)
    record_id = models.CharField(max_length=128)
    relation = models.CharField(max_length=16)
    other_name = models.CharField(max_length=300)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    decision = models.CharField(max_length=16)
    actor = models.CharField(max_length=200)
    reason = models.TextField()
    decided_at = models.DateTimeField()

    class Meta:
        db_table = "reunify_claim_decision"
        indexes = [models.Index(fields=["source", "record_id"])]
