"""Compliance and accountability reports, their three formats, and spreadsheet-safe CSV cells."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from family_store import StoreBuilder
from reunify.actions.family import build_families
from reunify.reports.accountability import accountability_report
from reunify.reports.compliance import compliance_report
from reunify.reports.document import Report, Section, Table, render
from reunify.reports.writing import write_report
from reunify.rules.spreadsheet import neutralise_cell

AS_OF = dt.date(2018, 7, 20)


def _season(store: StoreBuilder) -> None:
    """Three families: an infant still separated, a parent removed, one reunified in time."""
    for tag, birth in (("a", "2018-01-01"), ("b", "2009-01-01"), ("c", "2012-01-01")):
        store.border_family(tag, child_births=(birth,))
        store.event("border", f"{tag}-p", "referred", "2018-05-10", custodian="USMS",
                    actor="Agent Smith", authority="8 USC 1325")
        store.event("border", f"{tag}-c0", "separated", "2018-05-10", custodian="ORR",
                    facility="Casa A", actor="Agent Smith", authority="zero tolerance memo")
        store.event("border", f"{tag}-p", "separated", "2018-05-10", custodian="CBP",
                    facility="Ursula", actor="Agent Smith", authority="zero tolerance memo")
    store.event("border", "b-p", "removed", "2018-06-20")
    store.event("border", "c-p", "reunified", "2018-07-01", custodian="ICE", facility="Dilley")
    store.event("border", "c-c0", "reunified", "2018-07-01", custodian="ICE", facility="Dilley")
    store.person("shelter", "sh1", given="Ada", family="Luna", birth_date="2013")
    store.event("shelter", "sh1", "separated", "2018-06-01", custodian="ORR", facility="Casa B")
    build_families(actor="tester")


def _table(report: Report, title: str) -> Table:
    return next(t for s in report.sections for t in s.tables if t.title == title)


@pytest.mark.django_db
def test_compliance_counts_deadlines_removals_and_unlinked():
    """The compliance report classes deadlines met and missed and lists removals and unlinked."""
    store = StoreBuilder()
    _season(store)
    report = compliance_report(AS_OF)
    deadlines = {(k, o): n for k, o, n in
                 _table(report, "Reunification deadlines by age at separation").rows}
    # Ada (born mid-2013) was 4 when separated on 1 June: under 5, due 10 July, missed.
    assert deadlines == {("under 5", "missed"): 2, ("5 and over", "met"): 1,
                         ("5 and over", "pending (deadline not yet passed)"): 1}
    removed = _table(report, "Parents removed while a child stayed separated").rows
    assert len(removed) == 1
    assert removed[0][4] == 1
    unlinked = _table(report, "Unlinked children").rows
    assert [row[2] for row in unlinked] == ["Ada Luna"]


@pytest.mark.django_db
def test_compliance_checks_first_contact_only_where_sources_record_it():
    """Without contact records the report says the 10-day contact deadline cannot be checked;
    once a source records a first contact (family b's child on 5 July), the others with records
    in that source still apart past 6 July without one missed it; a child none of whose sources
    records contact is "not known", never "missed"; the reunification table is unchanged."""
    store = StoreBuilder()
    _season(store)
    report = compliance_report(AS_OF)
    text = " ".join(line for section in report.sections for line in section.text)
    assert "10-day first-contact deadline cannot be checked" in text
    store.relation("border", "b-c0", "child_of", other_record_id="b-p",
                   attributes={"first_contact": "2018-07-05"})
    report = compliance_report(AS_OF)
    contact = dict(_table(report, "First contact with a parent within 10 days").rows)
    assert contact == {"met: contact recorded in time": 1,
                       "missed: no contact recorded by the deadline": 1,
                       "not known: no source of this child's records records contact": 1,
                       "separation ended first": 1}
    deadlines = {(k, o): n for k, o, n in
                 _table(report, "Reunification deadlines by age at separation").rows}
    assert deadlines[("5 and over", "pending (deadline not yet passed)")] == 1


@pytest.mark.django_db
def test_compliance_reconciles_sources():
    """Each source says how many separated children it holds and why it differs."""
    store = StoreBuilder()
    _season(store)
    rows = {r[0]: r for r in _table(compliance_report(AS_OF),
                                    "Separated children per source").rows}
    assert rows["border"][1:6] == [3, 3, 3, 0, 1]  # Ada's separation is on the shelter
    assert rows["shelter"][1:6] == [1, 1, 0, 0, 3]
    assert "never held 3 of the 4 children" in rows["shelter"][6]
    assert "3 separations it reported are on the parents" in rows["border"][6]


@pytest.mark.django_db
def test_accountability_counts_decisions_and_tender_age():
    """Decisions are grouped by decider and authority, one per family and day however many
    members it was recorded on; those touching under-fives are counted."""
    store = StoreBuilder()
    _season(store)
    rows = _table(accountability_report(AS_OF),
                  "Decisions by who decided and the authority cited").rows
    by_key = {(r[0], r[1], r[2]): r[3:] for r in rows}
    # One separation per family (recorded on parent and child alike), six persons.
    assert by_key[("separated", "Agent Smith", "zero tolerance memo")] == [3, 6, 1]
    assert by_key[("referred", "Agent Smith", "8 USC 1325")] == [3, 3, 1]


@pytest.mark.django_db
def test_three_formats_and_the_figure(tmp_path):
    """Markdown links a PNG written beside it; HTML embeds it; CSV holds every table."""
    store = StoreBuilder()
    _season(store)
    out = tmp_path / "compliance.md"
    write_report("compliance", AS_OF, "md", out)
    text = out.read_text()
    assert "![Days separated" in text
    png = tmp_path / "compliance.days-separated.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = render(compliance_report(AS_OF), "html", None)
    assert page.startswith("<!DOCTYPE html>")
    assert "data:image/png;base64," in page
    sheet = render(compliance_report(AS_OF), "csv", None)
    assert "Separated children per source" in sheet


def test_csv_report_cells_are_neutralised():
    """A name that starts like a formula is prefixed with a quote in a CSV report."""
    report = Report("t", "s", [Section("S", tables=[Table("T", ["name", "n"],
                                                          [["=HYPERLINK(1)", -3]])])])
    rows = list(csv.reader(io.StringIO(render(report, "csv", None))))
    assert rows[2] == ["'=HYPERLINK(1)", "-3"]


def test_markdown_and_html_escape_their_syntax():
    """Pipes cannot break a Markdown table, and HTML is escaped in both (Markdown passes raw
    HTML on to whatever renders it, so it is escaped there too)."""
    report = Report("t", "s", [Section("S", tables=[Table("T", ["a"], [["x|<b>"]])])])
    assert "x\\|&lt;b&gt;" in render(report, "md", None)
    assert "x|&lt;b&gt;" in render(report, "html", None)


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-cmd", "'-cmd"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("María", "María"), ("", ""), (None, ""), (-5, "-5"), (2.5, "2.5"),
    ("2018-06-26", "2018-06-26"),
])
def test_neutralise_cell(value, expected):
    """Cells a spreadsheet would evaluate get a leading quote; numbers and plain text do not."""
    assert neutralise_cell(value) == expected


def test_report_command_runs_on_an_empty_store(run_cli, tmp_path):
    """``reunify report`` writes a report even before anything was ingested."""
    out = tmp_path / "acc.html"
    result = run_cli("report", "accountability", "--as-of", "2018-07-01", "--format", "html",
                     "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "<h1>Accountability report" in out.read_text()
