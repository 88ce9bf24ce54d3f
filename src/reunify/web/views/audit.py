"""The access log for auditors: who read (or tried to read) whose record."""

from __future__ import annotations

import datetime as dt
import re

from django.shortcuts import render
from django.views.decorators.http import require_GET

from reunify.queries.access import AccessFilter, find_reads
from reunify.web.access import log_reads

_ID = {"person": re.compile(r"^P\d{7,12}$"), "family": re.compile(r"^F\d{7,12}$")}


def _day(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def access_filter(*, person, family, user, since, until, denied, limit, offset):
    """The filter (ids that do not look like ids are ignored) and one page of matching reads."""
    where = AccessFilter(
        person=person if person and _ID["person"].match(person) else None,
        family=family if family and _ID["family"].match(family) else None,
        user=user or None, outcome="denied" if denied else None, since=since, until=until,
    )
    total, rows = find_reads(where, limit=limit, offset=offset)
    return where, total, rows


@require_GET
def access_log(request):
    """Find reads by person, family, user and days (default: the last 30 days)."""
    q = request.GET
    since = _day(q.get("since")) or (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=30))
    where, total, rows = access_filter(
        person=q.get("person", "").strip(), family=q.get("family", "").strip(),
        user=q.get("user", "").strip(), since=since, until=_day(q.get("until")),
        denied=q.get("denied") == "1", limit=200, offset=0,
    )
    if where.person:
        log_reads(request, "person", [where.person])
    return render(request, "reunify/access_log.html",
                  {"where": where, "total": total, "rows": rows, "since": since})
