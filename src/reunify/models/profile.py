"""Source profiles (spec 1.1, kind ``source``): what each recording system can record.

Versioned like records: a later batch's profile of a source supersedes the earlier one (which
is kept); the current version applies. The linker reads them (:func:`linkage_profiles`) so no
rule depends on a source's name.
"""

from django.db import models

from reunify.models.record import _SourceRow


class SourceProfile(_SourceRow):
    """One version of a source's profile (``<source>.source.json``)."""

    ADULTS, MINORS, ANYONE = "adults", "minors", "anyone"

    agency = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    holds = models.CharField(max_length=8, default=ANYONE)
    family_units = models.BooleanField(default=False)
    custody = models.BooleanField(default=False)

    class Meta:
        db_table = "reunify_source_profile"
        constraints = [
            models.UniqueConstraint(fields=["source", "version"],
                                    name="source_profile_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.source} profile v{self.version}"


def linkage_profiles() -> dict[str, dict]:
    """The current profile of every source that has one, as plain data for the linker:
    source → ``{"holds", "family_units", "custody"}``."""
    return {p["source"]: {"holds": p["holds"], "family_units": p["family_units"],
                          "custody": p["custody"]}
            for p in SourceProfile.objects.filter(is_current=True)
            .values("source", "holds", "family_units", "custody")}


def minors_only_sources() -> frozenset[str]:
    """Sources whose current profile says they hold minors only (a children's shelter)."""
    return frozenset(SourceProfile.objects.filter(
        is_current=True, holds=SourceProfile.MINORS).values_list("source", flat=True))


def family_unit_sources() -> frozenset[str]:
    """Sources whose current profile says they book people encountered together in one group
    (``family_units``): a child booked there as a group's ``child`` came with that group."""
    return frozenset(SourceProfile.objects.filter(
        is_current=True, family_units=True).values_list("source", flat=True))
