"""The separation register, stored: one snapshot per (data version, as-of day, policy).

The register is derived: every row can be recomputed from the records, the persons and the
families. It is stored so that pages, the API, the reports and the CLI read it instead of
recomputing it on every request. A snapshot is keyed by the **data version** it reflects —
the ``seq`` of the latest ledger entry that can change the register's inputs — so a snapshot
of an older version is never read again (and is deleted when a newer one is stored).
"""

from __future__ import annotations

from django.db import models

from reunify.models.ledger import LedgerEntry

#: Ledger entry types that change none of the register's inputs (records, profiles, persons,
#: families): exports, the ledger's own exports and publications, user accounts, and review
#: and claim decisions — a decision binds the *next* link run or families build, and the
#: register reads neither table; the run that applies it appends its own entry. Every other
#: type — including any type added later — advances the data version, so a new kind of
#: casework action invalidates the stored register without anyone remembering to say so.
NOT_REGISTER_INPUTS = ("export", "ledger.export", "ledger.publish", "link.decision",
                       "family.claim_decision")
#: Prefixes of entry types that change no register input (accounts, sign-ins, assignments).
NOT_REGISTER_INPUT_PREFIXES = ("user.",)


def data_version() -> int:
    """The data version: ``seq`` of the latest ledger entry that can change the register, or
    -1 on an empty ledger. Every change of the records, persons, families and decisions
    appends its ledger entry in its own transaction, so this advances with each of them; the
    access log (reads) is not the ledger and never advances it."""
    entries = LedgerEntry.objects.exclude(type__in=NOT_REGISTER_INPUTS)
    for prefix in NOT_REGISTER_INPUT_PREFIXES:
        entries = entries.exclude(type__startswith=prefix)
    seq = entries.order_by("-seq").values_list("seq", flat=True).first()
    return -1 if seq is None else seq


class RegisterSnapshot(models.Model):
    """The register as of one day, computed at one data version with one deadline policy."""

    version = models.BigIntegerField()
    as_of = models.DateField()
    policy = models.CharField(max_length=32)
    computed_at = models.DateTimeField()
    #: Who asked first (the request or command that computed it).
    computed_by = models.CharField(max_length=200)
    rows = models.IntegerField(default=0)

    class Meta:
        db_table = "reunify_register_snapshot"
        constraints = [models.UniqueConstraint(fields=["version", "as_of", "policy"],
                                               name="register_snapshot_unique")]

    def __str__(self) -> str:
        return f"register as of {self.as_of} at version {self.version}"


class RegisterRow(models.Model):
    """One member's line of a stored register: the spec's columns, and what reports need."""

    snapshot = models.ForeignKey(RegisterSnapshot, on_delete=models.CASCADE,
                                 related_name="lines")
    family_pk = models.BigIntegerField()
    family_number = models.BigIntegerField()
    person = models.BigIntegerField()
    role = models.CharField(max_length=16)
    name = models.CharField(max_length=400, blank=True)
    birth_date = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=32)
    custodian = models.CharField(max_length=200, blank=True)
    facility = models.CharField(max_length=200, blank=True)
    since = models.DateField(null=True)
    separated_since = models.DateField(null=True)
    separation_ended = models.DateField(null=True)
    days_separated = models.IntegerField(null=True)
    #: ``;``-separated, as the spec writes them.
    flags = models.CharField(max_length=400, blank=True)

    class Meta:
        db_table = "reunify_register_row"
        # The register's order is families by number, members by person: this key.
        constraints = [models.UniqueConstraint(fields=["snapshot", "family_number", "person"],
                                               name="register_row_unique")]
        indexes = [models.Index(fields=["snapshot", "status", "family_number", "person"])]

    def __str__(self) -> str:
        return f"{self.snapshot_id}:{self.family_number}:{self.person}"
