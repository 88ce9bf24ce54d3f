"""The court status report: each child ever separated in exactly one category, adding up to
the register's count, on a small store and on a simulated season."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from family_store import StoreBuilder
from reunify.actions.case_records import log_contact, record_wishes
from reunify.reports.court import court_report
from reunify.rules import casework as casework_rules
from reunify.rules import court
from test_casework import DAY, open_all, separate

pytestmark = pytest.mark.django_db


def _categories(as_of: dt.date) -> dict[str, int]:
    report = court_report(as_of)
    return {row[0]: row[1] for row in report.sections[0].tables[0].rows}


def test_removed_parents_split_by_wishes_and_reach():
    """Three children whose parents were removed: one with wishes recorded, one reached, one
    not reached; a fourth whose parent is still held."""
    store = StoreBuilder()
    for tag in "abcd":
        separate(store, tag)
    for tag in "abc":
        store.event("border", f"{tag}-p", "removed", "2018-07-15", custodian="ICE")
    cases = {c.person.identities.first().record_id: c for c in open_all()}
    record_wishes(cases["a-c0"].pk, choice=casework_rules.RETURN_TOGETHER, words="...",
                  advised_in="Spanish", witness="consul", on=DAY, actor="cw")
    log_contact(cases["b-c0"].pk, kind=casework_rules.ATTEMPT, on=DAY, channel="whatsapp",
                outcome=casework_rules.REACHED, actor="cw")
    counts = _categories(DAY)
    assert counts[court.REMOVED_WISHES] == 1
    assert counts[court.REMOVED_REACHED] == 1
    assert counts[court.REMOVED_NOT_REACHED] == 1
    assert counts[court.IN_CUSTODY] == 1
    assert counts["total"] == 4
    assert "add up to 4, the register's count of children ever separated (4): yes" in \
        court_report(DAY).sections[0].text[1]


def test_court_report_cli_writes_md_html_and_csv(run_cli, tmp_path):
    """``reunify report court`` writes each format on an empty store and says it adds up."""
    for fmt in ("md", "html", "csv"):
        out = tmp_path / f"court.{fmt}"
        result = run_cli("report", "court", "--as-of", "2018-09-30", "--format", fmt,
                         "--out", str(out))
        assert result.returncode == 0, result.stderr
        assert "Children by category" in out.read_text()


@pytest.mark.slow
def test_cases_and_the_court_report_add_up_on_a_simulated_season(run_cli, tmp_path):
    """On a simulated season (the demo, which opens cases and works a few): every child the
    register shows separated has exactly one case not closed, and the court report's
    categories add up to the register's count of children ever separated."""
    season = tmp_path / "season"
    result = run_cli("demo", "--families", "60", "--seed", "11", "--engine", "deterministic",
                     "--out", str(season))
    assert result.returncode == 0, result.stderr
    assert "cases opened; worked 5" in result.stdout
    assert "adds up: yes" in result.stdout
    as_of = "2018-09-30"
    paths = {name: tmp_path / f"{name}.csv" for name in ("cases", "register")}
    for name, path in paths.items():
        done = run_cli("export", name, "--as-of", as_of, "--out", str(path))
        assert done.returncode == 0, done.stderr
    with paths["register"].open(encoding="utf-8", newline="") as handle:
        register = list(csv.DictReader(handle))
    with paths["cases"].open(encoding="utf-8", newline="") as handle:
        cases = list(csv.DictReader(handle))
    separated = sorted(r["person_id"] for r in register
                       if r["role"] == "child" and r["status"] == "separated")
    assert separated
    assert sorted(c["person_id"] for c in cases if not c["closed"]) == separated
    assert any(c["closed"] for c in cases)  # the demo worked a few to the end
    ever = sum(1 for r in register if r["role"] == "child" and r["separated_since"])
    report = tmp_path / "court.csv"
    done = run_cli("report", "court", "--as-of", as_of, "--format", "csv", "--out", str(report))
    assert done.returncode == 0, done.stderr
    with report.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.reader(handle) if len(row) == 2]
    counts = {row[0]: int(row[1]) for row in rows if row[0] in court.CATEGORIES}
    assert sum(counts.values()) == ever
    checks = dict(row for row in rows if row[0] not in court.CATEGORIES)
    assert checks["the register's children ever separated"] == str(ever)
    assert checks["adds up"] == "yes"


def test_export_cases_opens_what_the_register_calls_for_on_any_day(run_cli, tmp_path):
    """On a season nobody opened cases for, `export cases --as-of DATE` first opens the cases
    the register calls for that day; every child it shows separated has exactly one."""
    season = tmp_path / "season"
    assert run_cli("simulate", str(season), "--families", "30", "--seed", "5").returncode == 0
    assert run_cli("ingest", str(season)).returncode == 0
    assert run_cli("link", "--engine", "deterministic").returncode == 0
    assert run_cli("families", "build").returncode == 0
    for as_of in ("2018-06-15", "2018-09-30"):
        paths = {name: tmp_path / f"{name}-{as_of}.csv" for name in ("cases", "register")}
        for name, path in paths.items():
            done = run_cli("export", name, "--as-of", as_of, "--out", str(path))
            assert done.returncode == 0, done.stderr
        with paths["register"].open(encoding="utf-8", newline="") as handle:
            separated = sorted(r["person_id"] for r in csv.DictReader(handle)
                               if r["role"] == "child" and r["status"] == "separated")
        with paths["cases"].open(encoding="utf-8", newline="") as handle:
            open_cases = sorted(r["person_id"] for r in csv.DictReader(handle)
                                if not r["closed"] and r["person_id"] in set(separated))
        assert separated
        assert open_cases == separated


def test_a_parent_excluded_is_counted_and_listed_with_the_basis():
    """A signed-off unfit determination puts the child in 'parent excluded' and lists the
    basis, who asked and who signed."""
    from reunify.actions.case_records import request_determination, sign_off

    store = StoreBuilder()
    separate(store, "a")
    (case,) = open_all()
    made = request_determination(case.pk, casework_rules.PARENT_UNFIT, actor="cw",
                                 basis="criminal court record of child abuse")
    sign_off(made.pk, approve=True, note="record checked", actor="sup", on=DAY)
    assert _categories(DAY)[court.PARENT_EXCLUDED] == 1
    excluded = court_report(DAY).sections[1].tables[0].rows
    assert excluded == [[case.public_id, f"P{case.person_id:07d}",
                         "criminal court record of child abuse", "cw", "sup"]]
