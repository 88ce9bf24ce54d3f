"""Parents outside the country: the list of those not yet reached, by country, and the export
for a partner NGO with only what a field search needs, each export in the ledger."""

from __future__ import annotations

import csv

import pytest
from django.test import Client
from django.urls import reverse

from family_store import StoreBuilder
from reunify.actions.case_records import log_contact
from reunify.cli.main import main as cli
from reunify.models import LedgerEntry, PersonRecord
from reunify.queries.outreach import NGO_COLUMNS, ngo_rows, not_reached_by_country, parents_abroad
from reunify.rules import casework as rules
from test_casework import DAY, open_all, separate
from web_world import world_fixture  # noqa: F401 - the world fixture

pytestmark = pytest.mark.django_db


def _removed_parents() -> dict[str, int]:
    """Three families; the parents of a (Guatemala) and b (Honduras) removed, c's still held."""
    store = StoreBuilder()
    for tag in "abc":
        separate(store, tag)
    for tag, country in (("a", "gt"), ("b", "HN")):
        store.event("border", f"{tag}-p", "removed", "2018-07-15", custodian="ICE")
        PersonRecord.objects.filter(record_id=f"{tag}-p").update(
            country=country, address=f"aldea {tag}", phone=f"+502 555 000{ord(tag)}",
            a_number="A 200 111 222")
    cases = open_all()
    return {c.person.identities.first().record_id[0]: c.pk for c in cases}


def test_parents_not_reached_by_country_and_reaching_one():
    """Removed parents are listed by country until reached; a reached one leaves the count."""
    cases = _removed_parents()
    lines = parents_abroad(DAY)
    assert sorted(ln.contact.country for ln in lines) == ["GT", "HN"]
    assert not_reached_by_country(lines) == [("GT", 1), ("HN", 1)]
    log_contact(cases["a"], kind=rules.ATTEMPT, on=DAY, channel="ngo_field_search",
                outcome=rules.NO_ANSWER, actor="cw")
    log_contact(cases["a"], kind=rules.ATTEMPT, on=DAY, channel="whatsapp",
                outcome=rules.REACHED, actor="cw")
    lines = parents_abroad(DAY)
    line = next(ln for ln in lines if ln.contact.country == "GT")
    assert (line.attempts, line.reached, line.last_outcome) == (2, True, rules.REACHED)
    assert not_reached_by_country(lines) == [("HN", 1)]
    assert [r["country"] for r in ngo_rows(DAY)] == ["HN"]


def test_the_ngo_export_carries_only_what_a_field_search_needs(tmp_path, capsys):
    """The export has exactly NGO_COLUMNS: no A-number, no facility, nothing of where the
    child is; it is an entry in the ledger."""
    _removed_parents()
    out = tmp_path / "ngo.csv"
    assert cli(["cases", "outreach", "--as-of", DAY.isoformat(), "--country", "gt",
                "--out", str(out), "--as", "cw"]) == 0
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(NGO_COLUMNS)
    assert [(r["country"], r["child_first_name"], r["child_age"]) for r in rows] == [
        ("GT", "Niño0", "4")]
    text = out.read_text()
    for secret in ("A 200 111 222", "Casa A", "ORR"):
        assert secret not in text
    entry = LedgerEntry.objects.filter(type="export").latest("seq")
    assert entry.actor == "cw"
    assert cli(["cases", "outreach", "--as-of", DAY.isoformat(), "--as", "cw"]) == 0
    assert "GT: 1" in capsys.readouterr().out


def test_outreach_page_and_csv_for_the_caseworker(world):
    """The caseworker's outreach page lists their case's removed parent; the CSV download is
    the NGO export and is in the ledger."""
    store = StoreBuilder()
    store.event("border", "a-p", "removed", "2018-06-01", custodian="ICE")
    client = Client()
    client.force_login(world.users["caseworker"])
    page = client.get(reverse("cases_outreach"), {"as_of": "2018-08-01"}).content.decode()
    assert f"C{world.cases['a']:07d}" in page
    response = client.get(reverse("cases_outreach_csv"), {"as_of": "2018-08-01"})
    body = b"".join(response.streaming_content).decode()
    assert body.splitlines()[0] == ",".join(NGO_COLUMNS)
    assert f"C{world.cases['a']:07d}" in body
    assert "A 200" not in body
    assert LedgerEntry.objects.filter(type="export", actor="t-caseworker").exists()
