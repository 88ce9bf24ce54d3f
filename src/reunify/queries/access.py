"""Reading the access log: who read (or tried to read) whom, and whether rows are missing.

``verify_access_log`` recomputes every day digest the ledger holds (see
``reunify.models.access_digest``) that the prune horizon has not passed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Max

from reunify.models import AccessLog, AccessPrune, FamilyMember, Identity
from reunify.models.access_digest import (
    day_bounds,
    day_digest,
    digested_days,
    ledgered_horizon,
    logged_days,
)


@dataclass
class AccessVerdict:
    """What ``verify_access_log`` found."""

    days_checked: int = 0
    days_pruned: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_access_log(today: dt.date | None = None) -> AccessVerdict:
    """Recompute every day digested in the ledger and compare; check the store's prune horizon
    is one the ledger recorded."""
    verdict = AccessVerdict()
    horizon = ledgered_horizon()
    stored = AccessPrune.objects.aggregate(m=Max("before"))["m"]
    if stored is not None and (horizon is None or stored > horizon):
        verdict.problems.append(
            f"the store's prune horizon {stored.isoformat()} is not in the ledger: rows were "
            "deleted outside `reunify prune`"
        )
    digests = digested_days()
    for day, payload in sorted(digests.items()):
        if horizon is not None and day_bounds(day)[1] <= horizon:
            verdict.days_pruned += 1
            continue
        count, sha = day_digest(day)
        verdict.days_checked += 1
        if (count, sha) != (payload["rows"], payload["sha256"]):
            verdict.problems.append(
                f"{day}: {count} rows in the log, the ledger's digest says {payload['rows']} "
                f"(sha256 {'differs' if sha != payload['sha256'] else 'matches'}): rows were "
                "deleted, changed or added after the digest"
            )
    today = today or dt.datetime.now(dt.UTC).date()
    undigested = [d for d in logged_days(today) if d not in digests]
    if undigested:
        verdict.notes.append(f"{len(undigested)} past day(s) not yet digested (from "
                             f"{undigested[0]}): run `reunify access digest`")
    return verdict


@dataclass(frozen=True)
class AccessFilter:
    """Which rows to find: by person (``P…``), family (``F…``: its members), user, outcome,
    from ``since`` (inclusive) to ``until`` (exclusive), both days in UTC."""

    person: str | None = None
    family: str | None = None
    user: str | None = None
    outcome: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None


def _family_members(family: str) -> list[str]:
    """Persons ever members of the family with this public id (its number, in any run)."""
    if not (family.startswith("F") and family[1:].isdigit() and len(family) <= 13):
        return []
    return sorted({f"P{pk:07d}" for pk in FamilyMember.objects.filter(
        family__number=int(family[1:])).values_list("person_id", flat=True)})


def find_reads(where: AccessFilter, *, limit: int = 100, offset: int = 0
               ) -> tuple[int, list[dict]]:
    """(total, rows newest first) of the access log matching ``where``."""
    rows = AccessLog.objects.all()
    if where.person or where.family:
        ids: list[str] = []
        if where.person:
            ids.append(where.person)
        if where.family:
            ids += [where.family, *_family_members(where.family)]
        rows = rows.filter(object_id__in=ids)
    if where.user:
        rows = rows.filter(user=where.user)
    if where.outcome:
        rows = rows.filter(outcome=where.outcome)
    if where.since:
        rows = rows.filter(at__gte=day_bounds(where.since)[0])
    if where.until:
        rows = rows.filter(at__lt=day_bounds(where.until)[0])
    total = rows.count()
    page = rows.order_by("-at", "-pk")[offset:offset + limit] if limit else []
    return total, [
        {"at": r.at.isoformat().replace("+00:00", "Z"), "user": r.user, "role": r.role,
         "what": r.what, "object_id": r.object_id, "route": r.route, "outcome": r.outcome}
        for r in page
    ]



def persons_of_records(records: list[tuple[str, str]]) -> list[str]:
    """The persons (``P…``) the given ``(source, record_id)`` records resolve to."""
    found: list[str] = []
    for source, record_id in records:
        pk = (Identity.objects.filter(source=source, record_id=record_id)
              .values_list("person_id", flat=True).first())
        if pk is not None:
            found.append(f"P{pk:07d}")
    return found
