"""Pages: search, a person's timeline, a family's page, the register, review queue, accounts,
and Spanish."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from reunify.models import Assignment, LedgerEntry
from web_world import PASSWORD, world_fixture  # noqa: F401 - the world fixture

pytestmark = pytest.mark.django_db


def client_of(world, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def test_search_finds_by_misspelt_name_a_number_and_record_id(world):
    """Names match without accents and with a typo; A-numbers in any spelling; record ids."""
    client = client_of(world, "data_steward")
    child = f"P{world.children['b']:07d}"
    parent = f"P{world.parents['b']:07d}"
    for query, expected in (("nino benitez", child), ("Niño Benítes", child),
                            ("A200-123-451", parent), ("200123451", parent), ("b-c0", child)):
        page = client.post(reverse("search"), {"q": query}).content.decode()
        assert expected in page, query


def test_search_shows_a_caseworker_only_their_families(world):
    """A caseworker's search never lists a person outside their assigned families."""
    client = client_of(world, "caseworker")
    page = client.post(reverse("search"), {"q": "Niño"}).content.decode()
    assert f"P{world.children['a']:07d}" in page
    assert f"P{world.children['c']:07d}" not in page


def test_search_answers_htmx_with_the_results_only(world):
    """Under htmx the search answers only the results table, to swap into the page."""
    client = client_of(world, "data_steward")
    response = client.post(reverse("search"), {"q": "Alvarado"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<table>" in body
    assert "<html" not in body


def test_person_page_draws_the_custody_timeline(world):
    """The person page carries an inline SVG timeline with each custodian and event."""
    client = client_of(world, "caseworker")
    page = client.get(reverse("person", kwargs={"person_id": f"P{world.children['a']:07d}"}),
                      {"as_of": "2018-06-01"}).content.decode()
    assert "<svg" in page
    assert 'role="img"' in page
    for text in ("ORR", "CBP", "separated 2018-05-10", "apprehended 2018-05-09"):
        assert text in page


def test_family_page_shows_where_the_parent_is_and_the_deadline(world):
    """A caseworker sees the parent's custodian and facility, days apart, the deadline flag and
    the decision that separated them, with who decided and under what authority."""
    client = client_of(world, "caseworker")
    page = client.get(reverse("family", kwargs={"family_id": f"F{world.families['a']:07d}"}),
                      {"as_of": "2018-08-01"}).content.decode()
    assert "Port Isabel" in page
    assert "ICE" in page
    assert "deadline_missed" in page
    assert "tender_age" in page
    assert ">83<" in page  # days separated, 10 May to 1 August (deadline: 10 July)
    assert "zero tolerance memo" in page
    assert "Agent Smith" in page
    assert "María Alvarado" in page


def test_register_dashboard_filters_and_plots(world):
    """The register shows charts and filters rows by status and flag."""
    client = client_of(world, "data_steward")
    page = client.get(reverse("register"), {"as_of": "2018-06-01", "flag": "tender_age"})
    body = page.content.decode()
    assert body.count("<svg") == 3
    assert "3 members as of" in body  # one tender-age child per family
    none = client.get(reverse("register"), {"as_of": "2018-06-01", "status": "reunified"})
    assert "0 members as of" in none.content.decode()


def test_register_csv_is_the_spec_export_and_is_in_the_ledger(world):
    """The CSV download has the spec's columns first and leaves a ledger entry."""
    client = client_of(world, "data_steward")
    before = LedgerEntry.objects.filter(type="export").count()
    response = client.get(reverse("register_csv"), {"as_of": "2018-06-01"})
    text = b"".join(response.streaming_content).decode()
    assert text.splitlines()[0].startswith(
        "family_id,person_id,name,birth_date,status,custodian,facility,since,separated_since,"
        "days_separated,flags")
    assert len(text.splitlines()) == 7
    assert LedgerEntry.objects.filter(type="export").count() == before + 1


def test_review_pair_shows_both_records_and_weights(world):
    """The pair page shows the two records side by side, their weights, and an ETag."""
    client = client_of(world, "data_steward")
    response = client.get(reverse("review_pair", kwargs={"pair_id": world.pair}))
    body = response.content.decode()
    assert "border:a-c0" in body
    assert "shelter:S-1" in body
    assert "1.50" in body
    assert "given_name" in body
    assert response["ETag"].startswith('"')
    queue = client.get(reverse("review_queue")).content.decode()
    assert f'href="/review/{world.pair}/"' in queue


def test_admin_creates_assigns_and_disables_accounts(world):
    """An administrator creates a caseworker, assigns a family, disables the account; each
    change is in the ledger."""
    client = client_of(world, "admin")
    before = LedgerEntry.objects.count()
    response = client.post(reverse("user_create"), {"username": "t-new", "password": PASSWORD,
                                                    "role": "caseworker"})
    assert response.status_code == 201
    from django.contrib.auth import get_user_model

    new = get_user_model().objects.get(username="t-new")
    person = f"P{world.children['c']:07d}"
    assert client.post(reverse("user_change", kwargs={"user_id": new.pk}),
                       {"what": "assign", "person": person}).status_code == 302
    assert Assignment.objects.filter(user=new, person_id=world.children["c"]).exists()
    assert client.post(reverse("user_change", kwargs={"user_id": new.pk}),
                       {"what": "disable"}).status_code == 302
    new.refresh_from_db()
    assert not new.is_active
    types = list(LedgerEntry.objects.filter(seq__gte=before).values_list("type", flat=True))
    assert types == ["user.created", "user.assigned", "user.disabled"]


def test_pages_speak_spanish(world):
    """With Spanish chosen, the pages are in Spanish."""
    client = client_of(world, "caseworker")
    page = client.get(reverse("home"), headers={"Accept-Language": "es"}).content.decode()
    assert 'lang="es"' in page
    assert "Buscar" in page
    assert "Cerrar sesión" in page


def test_ledger_page_shows_verification(world):
    """The auditor's ledger page lists entries and says whether the ledger verifies: not while
    no signed checkpoint vouches for the entries, and yes once one does."""
    from reunify.actions.ledger import sign_checkpoint

    client = client_of(world, "auditor")
    page = client.get(reverse("ledger")).content.decode()
    assert "NOT VERIFIED" in page
    assert "no signed checkpoint" in page
    assert "user.created" in page
    sign_checkpoint(actor="tester")
    page = client.get(reverse("ledger")).content.decode()
    assert "<strong>verified</strong>" in page


def test_ingest_by_upload_shows_the_validation_report(world):
    """A steward uploads a batch: a bad file gets the problems by file, line and column and
    nothing is written; a good one is ingested and reported."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from reunify.models import PersonRecord

    client = client_of(world, "data_steward")
    before = PersonRecord.objects.count()
    bad = SimpleUploadedFile("clinic.persons.csv",
                             b"source,record_id,family_name,given_name,birth_date\n"
                             b"clinic,K1,Ramos,Ana,2015-13-40\n", content_type="text/csv")
    response = client.post(reverse("ingest"), {"files": [bad]})
    assert response.status_code == 422
    body = response.content.decode()
    assert "clinic.persons.csv" in body
    assert "birth_date" in body
    assert PersonRecord.objects.count() == before
    good = SimpleUploadedFile("clinic.persons.csv",
                              b"source,record_id,family_name,given_name,birth_date\n"
                              b"clinic,K1,Ramos,Ana,2015-03-04\n", content_type="text/csv")
    response = client.post(reverse("ingest"), {"files": [good]})
    assert response.status_code == 200
    assert "1 new" in response.content.decode()
    assert PersonRecord.objects.count() == before + 1


@pytest.mark.parametrize("as_of", ["2018-05-09", "2018-06-01", "2018-08-01"])
def test_family_page_agrees_with_the_register(world, as_of):
    """Every member's status, place, days and flags on a family page are the register's."""
    import datetime as dt

    from reunify.queries.families import current_family_pk
    from reunify.queries.family_page import family_page
    from reunify.queries.register import register_rows

    day = dt.date.fromisoformat(as_of)
    register = {row["person_id"]: row for row in register_rows(day)}
    for family in world.families.values():
        for member in family_page(current_family_pk(family), as_of=day).members:
            row = register[member.public_id]
            assert (member.status, member.custodian, member.facility) == (
                row["status"], row["custodian"], row["facility"])
            assert ("" if member.days_separated is None else member.days_separated) == \
                row["days_separated"]
            assert ";".join(member.flags) == row["flags"]


def test_review_form_records_a_decision_and_refuses_a_stale_one(world):
    """The pair page's form accepts a pair with a reason; the same form sent again is stale."""
    from reunify.models import LinkDecision, ReviewPair

    client = client_of(world, "data_steward")
    page = client.get(reverse("review_pair", kwargs={"pair_id": world.pair}))
    version = page["ETag"].strip('"')
    url = reverse("review_decide", kwargs={"pair_id": world.pair})
    form = {"decision": "different", "reason": "different mothers named", "version": version}
    assert client.post(url, form).status_code == 302
    assert ReviewPair.objects.get(pk=world.pair).status == "rejected"
    assert client.post(url, form).status_code == 412
    assert LinkDecision.objects.filter(decision="different").count() == 1


def test_spanish_catalogue_is_complete_and_compiled():
    """Every message of the pages has a Spanish translation, and the committed .mo says the
    same as the .po (run `make messages` after changing either)."""
    import gettext
    import re
    from pathlib import Path

    import reunify

    folder = Path(reunify.__file__).parent / "locale" / "es" / "LC_MESSAGES"
    po = (folder / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in po
    with (folder / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    singular = re.compile(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n)+)', re.MULTILINE)

    def text(quoted: str) -> str:
        return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', quoted)).replace('\\"', '"')

    pairs = [(text(m.group(1)), text(m.group(2))) for m in singular.finditer(po)]
    pairs = [(msgid, msgstr) for msgid, msgstr in pairs if msgid]
    assert len(pairs) > 100
    for msgid, msgstr in pairs:
        assert msgstr, msgid
        assert compiled.gettext(msgid) == msgstr, msgid


def test_monitor_reads_reports_without_names_unless_the_order_allows(world):
    """A monitor reads the compliance report: names and birth dates withheld, the persons shown
    logged; with the court order's permission the names appear. The accountability report
    names who decided under what authority."""
    from reunify.models import AccessLog, RoleGrant

    client = client_of(world, "monitor")
    url = reverse("report", kwargs={"report_name": "compliance"})
    before = AccessLog.objects.filter(user="t-monitor", what="person").count()
    page = client.get(url, {"as_of": "2018-08-01"}).content.decode()
    assert "Deadline missed" in page
    assert f"P{world.children['a']:07d}" in page
    assert "Alvarado" not in page
    assert "2014-05-06" not in page
    assert AccessLog.objects.filter(user="t-monitor", what="person").count() > before
    RoleGrant.objects.filter(user=world.users["monitor"]).update(names_allowed=True)
    assert "Alvarado" in client.get(url, {"as_of": "2018-08-01"}).content.decode()
    accountability = client.get(reverse("report", kwargs={"report_name": "accountability"}),
                                {"as_of": "2018-08-01"}).content.decode()
    assert "zero tolerance memo" in accountability
    assert client.get(reverse("report", kwargs={"report_name": "other"})).status_code == 404
