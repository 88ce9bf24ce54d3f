"""What a newcomer wants to know about the store at a glance."""

from __future__ import annotations

from django.db.models import Count

from reunify.models import EventRecord, Identity, PersonRecord, RelationRecord, ReviewPair


def store_summary() -> dict:
    """Current records per source and kind, persons, and what is still unlinked or unsure."""
    per_source: dict[str, dict[str, int]] = {}
    for model, kind in ((PersonRecord, "persons"), (RelationRecord, "relations"),
                        (EventRecord, "events")):
        counts = model.objects.filter(is_current=True).values("source").annotate(n=Count("pk"))
        for row in counts:
            per_source.setdefault(row["source"], {})[kind] = row["n"]
    sizes = Identity.objects.values("person_id").annotate(n=Count("pk"))
    persons = sizes.count()
    singletons = sizes.filter(n=1).count()
    return {
        "records_by_source": dict(sorted(per_source.items())),
        "person_records": PersonRecord.objects.filter(is_current=True).count(),
        "persons": persons,
        "persons_seen_by_one_record_only": singletons,
        "records_without_person": PersonRecord.objects.filter(is_current=True).count()
        - Identity.objects.count(),
        "review_pairs_open": ReviewPair.objects.filter(status=ReviewPair.OPEN).count(),
    }
