"""The court monitor's reports (compliance, accountability) as pages, with the role's limits:
names and birth dates only where the court order allows."""

from __future__ import annotations

import base64

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from reunify.reports.accountability import accountability_report
from reunify.reports.compliance import compliance_report
from reunify.reports.court import court_report
from reunify.web.access import log_reads
from reunify.web.views.records import as_of_day

#: Report name (as in the URL) → the function that builds it for a day.
REPORTS = {"compliance": compliance_report, "accountability": accountability_report,
           "court": court_report}
#: Columns withheld from a user without the right to names.
NAME_COLUMNS = frozenset({"name", "birth date", "birth_date", "given name", "family name"})
_PERSON_COLUMNS = frozenset({"person", "person_id"})


@require_GET
def reports(request):
    """The reports there are."""
    return render(request, "reunify/reports.html", {"reports": sorted(REPORTS)})


def redact(report, *, names: bool) -> list[str]:
    """Blank the name columns of every table unless ``names``; return the person ids shown."""
    shown: list[str] = []
    for section in report.sections:
        for table in section.tables:
            hidden = [] if names else [i for i, c in enumerate(table.columns)
                                       if c.lower() in NAME_COLUMNS]
            people = [i for i, c in enumerate(table.columns) if c.lower() in _PERSON_COLUMNS]
            for row in table.rows:
                for i in hidden:
                    row[i] = ""
                shown.extend(str(row[i]) for i in people if row[i])
    return shown


@require_GET
def report(request, report_name: str):
    """One report as of a day (``?as_of=``), its figures inline."""
    build = REPORTS.get(report_name)
    if build is None:
        raise Http404
    as_of = as_of_day(request)
    built = build(as_of)
    shown = redact(built, names=request.access.names)
    log_reads(request, "person", shown)
    figures = {
        id(f): "data:image/png;base64," + base64.b64encode(f.png).decode("ascii")
        for s in built.sections for f in s.figures
    }
    sections = [
        {"title": s.title, "text": s.text, "tables": s.tables,
         "figures": [{"src": figures[id(f)], "caption": f.caption} for f in s.figures]}
        for s in built.sections
    ]
    return render(request, "reunify/report.html",
                  {"report": built, "sections": sections, "as_of": as_of, "name": report_name})
