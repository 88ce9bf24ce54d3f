"""Reading the review queue, the decisions people made, and what explaining a pair needs."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Func

from reunify.linkage.records import Profile
from reunify.models import LinkDecision, LinkRun, ReviewPair
from reunify.models.linkage import linkage_records
from reunify.models.profile import linkage_profiles


@dataclass
class PairDetail:
    """A review pair with its two records (current versions; None if no longer held)."""

    pair: ReviewPair
    left: dict | None
    right: dict | None


def open_pairs(*, limit: int = 50) -> tuple[int, list[ReviewPair]]:
    """(how many pairs are open, the ``limit`` most uncertain: weight nearest 0 first)."""
    pairs = ReviewPair.objects.filter(status=ReviewPair.OPEN)
    ordered = pairs.annotate(uncertainty=Func(F("match_weight"), function="ABS"))\
        .order_by("uncertainty", "pk")
    return pairs.count(), list(ordered[:limit])


def pair_detail(pk: int) -> PairDetail:
    """One review pair and both of its records; raises ``ReviewPair.DoesNotExist``."""
    pair = ReviewPair.objects.get(pk=pk)
    left, right = (pair.left_source, pair.left_record_id), (pair.right_source,
                                                            pair.right_record_id)
    found = {(r["source"], r["record_id"]): r for r in linkage_records([left, right])}
    return PairDetail(pair, found.get(left), found.get(right))


def decisions_about(source: str, record_id: str) -> list[LinkDecision]:
    """Every decision naming the record, oldest first (none is ever deleted)."""
    return list(LinkDecision.objects.filter(left_source=source, left_record_id=record_id)
                .union(LinkDecision.objects.filter(right_source=source,
                                                   right_record_id=record_id))
                .order_by("decided_at", "pk"))


def latest_model() -> LinkRun | None:
    """The latest finished link run (its engine and model explain pairs), or None."""
    # An incremental run (engine "incremental") carries no model of its own.
    return LinkRun.objects.exclude(finished_at=None).exclude(engine="incremental")\
        .order_by("-pk").first()


def explain_inputs(left: tuple[str, str], right: tuple[str, str]
                   ) -> tuple[dict | None, dict | None, list[dict]]:
    """The two records and the population of current records (for name frequencies)."""
    population = linkage_records()
    found = {(r["source"], r["record_id"]): r for r in population}
    return found.get(left), found.get(right), population


def source_profiles() -> dict[str, Profile]:
    """Each source's current profile, as the linker reads it."""
    return {source: Profile.of(p) for source, p in linkage_profiles().items()}
