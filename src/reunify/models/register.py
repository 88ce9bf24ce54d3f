"""The separation register, stored: per data version and policy, each member's status
intervals — the register of any day is the intervals that hold on it.

The register is derived: every row can be recomputed from the records, the persons and the
families. It is stored so that pages, the API, the reports and the CLI read it instead of
recomputing it on every request. A set of intervals is keyed by the **data version** it
reflects — the ``seq`` of the latest ledger entry that can change the register's inputs — so
intervals of an older version are never read again (and are deleted when newer ones are
stored).
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


class RegisterIntervals(models.Model):
    """The register of every day at one data version and deadline policy, as the intervals
    over which each member's line of the register stays the same (``RegisterInterval``)."""

    version = models.BigIntegerField()
    policy = models.CharField(max_length=32)
    computed_at = models.DateTimeField()
    #: Who asked first (the request or command that computed it).
    computed_by = models.CharField(max_length=200)
    #: How many intervals it holds.
    rows = models.IntegerField(default=0)

    class Meta:
        db_table = "reunify_register_intervals"
        constraints = [models.UniqueConstraint(fields=["version", "policy"],
                                               name="register_intervals_unique")]

    def __str__(self) -> str:
        return f"register intervals at version {self.version}"


class RegisterInterval(models.Model):
    """One member's line of the register, the same on every day from ``start`` to the day
    before ``until``: the spec's columns, and what reports need. ``days_separated`` is not
    stored when it grows with the day asked: ``open_from`` (the day number,
    ``date.toordinal()``, of the open separation's start) gives it for any day."""

    intervals = models.ForeignKey(RegisterIntervals, on_delete=models.CASCADE,
                                  related_name="lines")
    start = models.DateField()
    #: The first day the line no longer holds (``END`` when it holds for every later day).
    until = models.DateField()
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
    #: Days separated when they no longer grow (the separation ended), else None.
    days_fixed = models.IntegerField(null=True)
    #: ``separated_since.toordinal()`` of a separation still open in this interval, else None.
    open_from = models.IntegerField(null=True)
    #: ``;``-separated, as the spec writes them.
    flags = models.CharField(max_length=400, blank=True)
    #: The same flags as bits (``reunify.rules.flags.flag_bits``), counted in SQL.
    flag_bits = models.IntegerField(default=0)

    class Meta:
        db_table = "reunify_register_interval"
        # The register's order is families by number, members by person; then the day.
        constraints = [models.UniqueConstraint(
            fields=["intervals", "family_number", "person", "start"],
            name="register_interval_unique")]
        # In register order, with what a day's filter and counts read: a page walks it in
        # order (no sort) and counting a day reads this index only.
        indexes = [models.Index(fields=["intervals", "family_number", "person", "start",
                                        "until", "status", "role", "flag_bits", "days_fixed",
                                        "open_from"],
                                name="register_interval_day")]

    def __str__(self) -> str:
        return f"{self.intervals_id}:{self.family_number}:{self.person}:{self.start}"
