"""The separation register dashboard: figures, charts, a filtered table, and its CSV export."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django import forms
from django.core.exceptions import BadRequest
from django.core.paginator import Paginator
from django.db.models import F
from django.http import FileResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from reunify.actions.export import export_rows
from reunify.queries import register_store
from reunify.reports.register import register_snapshot
from reunify.rules.flags import FLAGS
from reunify.rules.interchange import EXPORT_COLUMNS, STATUSES
from reunify.web.access import log_reads
from reunify.web.charts import bar_chart, histogram
from reunify.web.views.records import as_of_day

PAGE_SIZE = 100
#: Columns a user without the right to names never receives, on screen or in an export.
NAME_COLUMNS = ("name", "birth_date")


class RegisterFilter(forms.Form):
    as_of = forms.DateField(label=gettext_lazy("As of"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False,
                               choices=[("", "—")] + [(s, s) for s in STATUSES])
    flag = forms.ChoiceField(label=gettext_lazy("Flag"), required=False,
                             choices=[("", "—")] + [(f, f) for f in FLAGS])
    role = forms.ChoiceField(label=gettext_lazy("Role"), required=False,
                             choices=[("", "—"), ("child", "child"), ("parent", "parent"),
                                      ("guardian", "guardian"), ("relative", "relative")])
    sort = forms.ChoiceField(label=gettext_lazy("Sort by"), required=False, choices=[
        ("", gettext_lazy("family")), ("days", gettext_lazy("days separated, most first")),
        ("since", gettext_lazy("separated since, earliest first")),
        ("status", gettext_lazy("status"))])
    page = forms.IntegerField(required=False, min_value=1)


#: Orders of the register's rows (the default: family by family, as the export), in SQL.
SORTS = {
    "days": (F("days_separated").desc(nulls_last=True), "family_number", "person"),
    "since": (F("separated_since").asc(nulls_last=True), "family_number", "person"),
    "status": ("status", "family_number", "person"),
}


def register_day(request):
    """``?as_of=`` when given, else the latest day of the data (not today: a register of 2018
    opened in 2026 would count eight years of separation)."""
    from reunify.queries.cases import latest_data_day

    return as_of_day(request) if request.GET.get("as_of") else latest_data_day()


def _lines(access, as_of, *, status="", flag="", role=""):
    """The stored register's rows as of a day, filtered (a query, not yet read)."""
    snapshot = register_snapshot(as_of, actor=access.username)
    return register_store.lines(snapshot, status=status, flag=flag, role=role)


def _as_seen(access, rows) -> list[dict]:
    rows = list(rows)
    if not access.names:
        for row in rows:
            for column in NAME_COLUMNS:
                row[column] = ""
    return rows


def register_for(access, as_of, *, status="", flag="", role="") -> list[dict]:
    """Register rows as this user may see them: filtered, and without names unless allowed."""
    return _as_seen(access, register_store.spec_rows(
        _lines(access, as_of, status=status, flag=flag, role=role)))


def register_page(access, as_of, *, status="", flag="", role="", page=1,
                  size=PAGE_SIZE) -> tuple[int, list[dict]]:
    """One page of the register as this user may see it, and how many rows the filter
    keeps: the database counts and slices, so a page never reads the whole register."""
    snapshot = register_snapshot(as_of, actor=access.username)
    rows = register_store.lines(snapshot, status=status, flag=flag, role=role)
    start = (page - 1) * size
    # The total from the counts kept per process (stored intervals never change), not a count
    # of the day's rows per request.
    total = register_store.counted(snapshot, status=status, flag=flag, role=role).total
    return total, _as_seen(access, register_store.spec_rows(rows[start:start + size]))


#: The filters whose values are a fixed list: an unknown one is the request's mistake.
FILTERS = ("status", "flag", "role")


def _filters(request):
    form = RegisterFilter(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    # An unknown status, flag or role would show the whole register as if it were the
    # filtered one; the API answers 400 for it, and so do the page and its CSV.
    wrong = [f"{name}: {'; '.join(form.errors[name])}" for name in FILTERS if name in form.errors]
    if wrong:
        raise BadRequest(", ".join(wrong))
    return form, {k: data.get(k) or "" for k in FILTERS}, data.get("page") or 1


@require_GET
def register(request):
    """The dashboard: counts by status, days separated, flags, and the rows themselves."""
    form, filters, page_number = _filters(request)
    as_of = register_day(request)
    snapshot = register_snapshot(as_of, actor=request.access.username)
    rows = register_store.lines(snapshot, **filters)
    sort = form.cleaned_data.get("sort") if form.is_valid() else ""
    if sort in SORTS:
        rows = rows.order_by(*SORTS[sort])
    counts = register_store.counted(snapshot, **filters)
    separated_days = [d for d, n in sorted(counts.separated_days.items()) for _ in range(n)]
    charts = {
        "status": bar_chart([(s, counts.by_status.get(s, 0)) for s in STATUSES],
                            title=_("Members by status")),
        "flags": bar_chart([(f, counts.by_flag.get(f, 0)) for f in FLAGS], title=_("Flags")),
        "days": histogram(separated_days, bins=(0, 15, 31, 61, 91, 181, 366),
                          title=_("Days separated, members still separated")),
    }
    page = Paginator(rows, PAGE_SIZE).get_page(page_number)
    page.object_list = _as_seen(request.access, register_store.spec_rows(page.object_list))
    log_reads(request, "person", [row["person_id"] for row in page])
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "reunify/register.html", {
        "form": form, "page": page, "charts": charts, "as_of": as_of, "total": counts.total,
        "by_status": [(s, counts.by_status.get(s, 0)) for s in STATUSES],
        "by_flag": [(f, counts.by_flag.get(f, 0)) for f in FLAGS], "query": query.urlencode(),
        "names": request.access.names,
    })


@require_GET
def register_csv(request):
    """The filtered register as the spec's CSV, with no more columns than the role allows;
    the export is recorded in the ledger like any other. A person downloads it to open in a
    spreadsheet, so formula-like cells are neutralised (``reunify export`` stays exact)."""
    _form, filters, _page = _filters(request)
    as_of = register_day(request)
    rows = register_for(request.access, as_of, **filters)
    log_reads(request, "person", [row["person_id"] for row in rows])
    folder = tempfile.mkdtemp(prefix="reunify-export-")
    out = Path(folder) / f"register-{as_of.isoformat()}.csv"
    export_rows("register", rows, EXPORT_COLUMNS["register"], out,
                actor=request.access.username,
                params={"as_of": as_of.isoformat(), **{k: v for k, v in filters.items() if v},
                        "names": "yes" if request.access.names else "no"},
                for_spreadsheet=True)
    handle = out.open("rb")
    out.unlink()  # the open handle keeps the bytes; nothing personal stays on disk
    Path(folder).rmdir()
    return FileResponse(handle, as_attachment=True, filename=out.name, content_type="text/csv")
