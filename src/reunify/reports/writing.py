"""Building a report by name and writing it whole (or not at all)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

REPORTS = ("compliance", "accountability", "court")
FORMATS = ("md", "html", "csv")


def write_report(name: str, as_of: dt.date, fmt: str, out: Path | None) -> str:
    """Build report ``name`` as of ``as_of`` in ``fmt``; write it to ``out`` or return its text.

    A file is written beside its final name and renamed into place when complete, so a reader
    never sees half a report. Markdown figures are PNG files written next to ``out``.
    """
    from reunify.reports.document import render

    if name not in REPORTS:
        raise ValueError(f"unknown report {name!r}: expected one of {', '.join(REPORTS)}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if name == "compliance":
        from reunify.reports.compliance import compliance_report

        report = compliance_report(as_of)
    elif name == "court":
        from reunify.reports.court import court_report

        report = court_report(as_of)
    else:
        from reunify.reports.accountability import accountability_report

        report = accountability_report(as_of)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
    text = render(report, fmt, out)
    if out is not None:
        partial = out.with_name(out.name + ".partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(out)
    return text
