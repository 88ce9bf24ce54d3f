"""Reading the stored register of a day: the status intervals that hold on it, filtered and
counted in the database.

The register of day D is the stored intervals with ``start <= D < until`` (one query on the
index ``register_interval_day``); ``days_separated`` is the stored number, or, for a
separation still open, D minus its start — computed in the query, so it sorts and counts
like a column. A page of the register reads one page of rows and a few counts, not the whole
register: at 100,000 persons the counts are two queries and the page is 100 rows.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from django.db.models import Case as Choose
from django.db.models import Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Greatest

from reunify.models import (
    Case,
    EventRecord,
    Identity,
    LedgerEntry,
    PersonRecord,
    RegisterInterval,
    RegisterIntervals,
    SourceFile,
)
from reunify.models.keys import with_keys
from reunify.models.register import NOT_REGISTER_INPUT_PREFIXES, NOT_REGISTER_INPUTS
from reunify.queries.families import FamilyView, family_public_id, person_public_id
from reunify.queries.register import Entry
from reunify.queries.standing import Standing
from reunify.rules.flags import FLAGS
from reunify.rules.interchange import STATUSES
from reunify.rules.status import MemberState

#: The stored columns read back, in this order.
_COLUMNS = ("family_pk", "family_number", "person", "role", "name", "birth_date", "status",
            "custodian", "facility", "since", "separated_since", "separation_ended",
            "days_separated", "flags")


def find_intervals(version: int, policy: str) -> RegisterIntervals | None:
    """The stored intervals for this data version and policy, if they were computed."""
    return RegisterIntervals.objects.filter(version=version, policy=policy).first()


def latest_before(version: int, policy: str) -> RegisterIntervals | None:
    """The newest intervals of this policy at an older data version (never served: the base
    of an incremental update)."""
    return RegisterIntervals.objects.filter(policy=policy, version__lt=version)\
        .order_by("-version").first()


@dataclass(frozen=True)
class RegisterDay:
    """The stored register as of one day: the intervals of a data version, read on a day."""

    intervals: RegisterIntervals
    as_of: dt.date

    @property
    def version(self) -> int:
        """The data version the register reflects."""
        return self.intervals.version

    @property
    def rows(self) -> int:
        """How many lines the register has on this day."""
        return lines(self).count()


#: Kinds of files whose rows touch only the persons of their own records.
_PER_PERSON_KINDS = {"persons", "events"}


def changed_persons(since: int, until: int) -> set[int] | None:
    """The persons whose register inputs changed between two data versions, when only
    batches of person-records and events came in (each row touches its own person only) or
    casework was done (a case touches its child and the parent sought: a case closed as
    reunified or released is an event of the child's, a call logged is their contact); None
    when anything else changed — a link run, a families build, an erasure, relations (which
    decide whether a source records contact, for all its persons) or profiles — so the
    whole register must be computed again."""
    entries = LedgerEntry.objects.filter(seq__gt=since, seq__lte=until)\
        .exclude(type__in=NOT_REGISTER_INPUTS)
    for prefix in NOT_REGISTER_INPUT_PREFIXES:
        entries = entries.exclude(type__startswith=prefix)
    batches = []
    cases: set[int] = set()
    named: set[int] = set()
    for type_, body in entries.exclude(type__startswith="reported.")\
            .values_list("type", "body"):
        content = json.loads(body)
        payload = content.get("payload", {})
        if type_.startswith("case."):
            # The case's child and parent sought now, and any person it named (a case
            # repointed from one child to another names both).
            for text in (*content.get("subjects", []), *map(str, payload.values())):
                if text.startswith("case:C") and text[6:].isdigit():
                    cases.add(int(text[6:]))
                elif len(text) == 8 and text.startswith("P") and text[1:].isdigit():
                    named.add(int(text[1:]))
            continue
        if type_ != "ingest.batch" or any(f.get("kind") not in _PER_PERSON_KINDS
                                          for f in payload.get("files", [])):
            return None
        batches.append(payload["batch"])
    files = list(SourceFile.objects.filter(batch_id__in=batches).values_list("pk", flat=True))
    keys: set[tuple[str, str]] = set()
    for model in (PersonRecord, EventRecord):
        keys.update(model.objects.filter(file_id__in=files).values_list("source", "record_id"))
    persons: set[int] = set(named)
    for rows in with_keys(Identity.objects.all(), keys):
        persons.update(rows.values_list("person_id", flat=True))
    ordered = sorted(cases)
    for start in range(0, len(ordered), 500):
        for child, parent in Case.objects.filter(pk__in=ordered[start:start + 500])\
                .values_list("person_id", "parent_id"):
            persons.update(p for p in (child, parent) if p is not None)
    return persons


def lines(day: RegisterDay, *, status: str = "", flag: str = "",
          role: str = "") -> QuerySet:
    """The register's rows on the day, filtered, in register order."""
    rows = RegisterInterval.objects.filter(intervals=day.intervals, start__lte=day.as_of,
                                           until__gt=day.as_of)
    if status:
        rows = rows.filter(status=status)
    if role:
        rows = rows.filter(role=role)
    if flag not in ("", *FLAGS):
        # Still annotated below: counting an unknown flag's (no) rows reads days separated.
        rows = rows.none()
    elif flag:
        rows = rows.alias(flag_bit=F("flag_bits").bitand(1 << FLAGS.index(flag)))\
            .filter(flag_bit__gt=0)
    # PostgreSQL's GREATEST skips NULLs (SQLite's MAX does not): only open separations.
    open_days = Greatest(Value(day.as_of.toordinal()) - F("open_from"), Value(0))
    days = Choose(When(open_from__isnull=False, then=open_days), default=F("days_fixed"))
    return rows.annotate(days_separated=days).order_by("family_number", "person")


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def spec_rows(rows: QuerySet) -> Iterator[dict]:
    """The spec's register columns (then ``role``) of stored rows."""
    for (_pk, number, person, role, name, birth, status, custodian, facility, since, apart,
         _ended, days, flags) in rows.values_list(*_COLUMNS).iterator(chunk_size=5000):
        yield {"family_id": family_public_id(number), "person_id": person_public_id(person),
               "name": name, "birth_date": birth, "status": status, "custodian": custodian,
               "facility": facility, "since": _iso(since), "separated_since": _iso(apart),
               "days_separated": "" if days is None else days, "flags": flags, "role": role}


def entries(rows: QuerySet) -> Iterator[Entry]:
    """Stored rows as register entries, for the reports and the headline."""
    for (pk, number, person, role, name, birth, status, custodian, facility, since, apart,
         ended, days, flags) in rows.values_list(*_COLUMNS).iterator(chunk_size=5000):
        flag_list = [f for f in flags.split(";") if f]
        state = MemberState(status=status, since=since, separated_since=apart,
                            separation_ended=ended, custodian=custodian, facility=facility)
        standing = Standing(person, role, status, custodian, facility, since, apart, ended,
                            days, flag_list, state)
        yield Entry(FamilyView(pk, [], {}, set(), number), person, role, name, birth, standing)


@dataclass
class Counts:
    """The figures above the register's table, for the rows a filter keeps."""

    total: int
    by_status: dict[str, int]
    by_flag: dict[str, int]
    #: Days separated of members still separated: day → members.
    separated_days: dict[int, int]


def counted(day: RegisterDay, *, status: str = "", flag: str = "", role: str = "") -> Counts:
    """``count`` of a day's filtered rows, kept in this process: stored intervals never
    change, so the counts of a day are counted once per process and filter."""
    return _counted(day.intervals.pk, day.intervals.computed_at, day.as_of, status, flag, role)


@lru_cache(maxsize=256)
def _counted(pk: int, computed_at: dt.datetime, as_of: dt.date, status: str, flag: str,
             role: str) -> Counts:
    # ``computed_at`` too: a key a rolled-back test transaction gave back is not the same
    # set of intervals.
    day = RegisterDay(RegisterIntervals(pk=pk, computed_at=computed_at), as_of)
    return count(lines(day, status=status, flag=flag, role=role))


def count(rows: QuerySet) -> Counts:
    """Counts by status and flag, and days separated of those still separated, in SQL: one
    pass over the day's rows for the counts (flags as bits), one for the days."""
    rows = rows.order_by()
    sums = rows.aggregate(
        total=Count("pk"),
        **{f"status_{i}": Count("pk", filter=Q(status=s)) for i, s in enumerate(STATUSES)},
        **{f"flag_{i}": Sum(F("flag_bits").bitand(1 << i)) for i in range(len(FLAGS))})
    by_status = {s: n for i, s in enumerate(STATUSES) if (n := sums[f"status_{i}"])}
    other = sums["total"] - sum(by_status.values())
    if other:  # a status the spec does not list: counted apart, as it is
        by_status.update(rows.exclude(status__in=STATUSES).values_list("status")
                         .annotate(n=Count("pk")))
    by_flag = {f: (sums[f"flag_{i}"] or 0) >> i for i, f in enumerate(FLAGS)}
    days = rows.filter(status="separated", days_separated__isnull=False)
    return Counts(sums["total"], by_status, by_flag,
                  dict(days.values_list("days_separated").annotate(n=Count("pk"))))
