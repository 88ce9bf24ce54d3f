"""What the sources' profiles (spec 1.1, kind ``source``) say, for the register and families.

Rules read a source's profile, never its name: a source without a profile gets none of the
rules that depend on one.
"""

from __future__ import annotations

from reunify.models import SourceProfile


def minors_only_sources() -> frozenset[str]:
    """Sources whose current profile says they hold minors only (a children's shelter)."""
    return frozenset(SourceProfile.objects.filter(
        is_current=True, holds=SourceProfile.MINORS).values_list("source", flat=True))


def family_unit_sources() -> frozenset[str]:
    """Sources whose current profile says they book people encountered together in one
    group (``family_units``): a child booked there as a group's ``child`` came with it."""
    return frozenset(SourceProfile.objects.filter(
        is_current=True, family_units=True).values_list("source", flat=True))
