"""Bad requests get clear answers: upload mistakes, CSRF failures in the site's style, API
errors in JSON."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from reunify.models import PersonRecord
from web_world import world_fixture  # noqa: F401 - the world fixture

pytestmark = pytest.mark.django_db

HEADER = b"source,record_id,family_name,given_name,birth_date\n"


def steward(world) -> Client:
    client = Client()
    client.force_login(world.users["data_steward"])
    return client


def upload(name: str, body: bytes = HEADER + b"clinic,K1,Ramos,Ana,2015-03-04\n"):
    return SimpleUploadedFile(name, body, content_type="text/csv")


def test_an_upload_without_files_says_so(world):
    """Sending no file is refused with a message, not answered "Ingested"."""
    response = steward(world).post(reverse("ingest"), {})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choose at least one file." in body
    assert "Ingested" not in body


def test_more_than_twenty_files_are_refused_with_a_message(world):
    """21 files are refused with a message saying the limit and the count."""
    files = [upload(f"clinic{i}.persons.csv") for i in range(21)]
    response = steward(world).post(reverse("ingest"), {"files": files})
    assert response.status_code == 400
    assert "At most 20 files at a time; 21 were sent." in response.content.decode()


def test_two_files_with_one_name_are_refused(world):
    """Two uploads named alike would overwrite each other: refused, naming the file, nothing
    written."""
    before = PersonRecord.objects.count()
    response = steward(world).post(reverse("ingest"), {"files": [
        upload("clinic.persons.csv"),
        upload("clinic.persons.csv", HEADER + b"clinic,K2,Ruiz,Eva,2015-03-04\n")]})
    assert response.status_code == 400
    assert "Two files are named clinic.persons.csv" in response.content.decode()
    assert PersonRecord.objects.count() == before


def test_an_uploaded_nul_is_a_validation_problem_not_a_server_error(world):
    """A NUL in an uploaded value is reported at its line and column (it was a 500 on
    PostgreSQL), and nothing is written."""
    before = PersonRecord.objects.count()
    response = steward(world).post(reverse("ingest"), {"files": [
        upload("clinic.persons.csv", HEADER + b"clinic,K1,Ra\x00mos,Ana,2015-03-04\n")]})
    assert response.status_code == 422
    assert "family_name holds control character U+0000" in response.content.decode()
    assert PersonRecord.objects.count() == before


def test_a_csrf_failure_is_shown_in_the_sites_style(world):
    """A form sent without its token gets the site's page saying what to do, not Django's."""
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("sign_in"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "Form expired" in body
    assert "reunify/site.css" in body
    assert "CSRF verification failed" not in body


def test_api_errors_are_json(world, settings):
    """An unknown API path (404), a forbidden operation (403), an unreadable body (400) and an
    oversized one are all answered in JSON."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client = Client()
    client.force_login(world.users["caseworker"])
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "not found"}
    forbidden = client.get(reverse("api:ledger"))
    assert forbidden.status_code == 403
    assert forbidden.json() == {"detail": "not allowed"}
    unreadable = client.post(reverse("api:search"), "{not json",
                             content_type="application/json")
    assert unreadable.status_code in (400, 422)
    assert "detail" in unreadable.json()
    oversized = client.post(reverse("api:search"), '{"q": "' + "x" * 4096 + '"}',
                            content_type="application/json")
    assert oversized.status_code == 400
    assert oversized["Content-Type"] == "application/json"
    assert oversized.json() == {"detail": "request body too large"}


def test_page_errors_are_the_sites_own(world):
    """A missing page is the site's 404 page, not Django's."""
    response = Client().get("/no/such/page/")
    assert response.status_code == 404
    assert "reunify/site.css" in response.content.decode()


@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01"])
def test_the_first_and_last_days_there_are_refused_without_a_server_error(world, as_of):
    """as_of=9999-12-31 (whose next day cannot be written) was a 500 on the register and family
    pages, their CSV and the API; a day out of the register's range is now a 400 everywhere
    (rules/as_of.py), never a server error."""
    client = Client()
    client.force_login(world.users["auditor"])
    family = f"F{world.families['a']:07d}"
    for url in (reverse("register"), reverse("register_csv"), reverse("api:register"),
                reverse("family", kwargs={"family_id": family}),
                reverse("api:family", kwargs={"family_id": family})):
        response = client.get(url, {"as_of": as_of})
        if response.streaming:
            b"".join(response.streaming_content)  # consumed: the test client closes it
        assert response.status_code == 400, url


@pytest.mark.parametrize("path", ["api:register", "register"])
def test_a_nul_in_a_request_is_a_bad_request_on_every_store(world, path):
    """A NUL in a filter (``status=\\x00``) is refused with 400 before any query (PostgreSQL
    cannot hold it: it was a 500 there), JSON under /api/."""
    client = Client()
    client.force_login(world.users["auditor"])
    response = client.get(reverse(path), {"status": "separated\x00", "as_of": "2018-08-01"})
    assert response.status_code == 400
    if path.startswith("api:"):
        assert response.json() == {"detail": "bad request"}
    form = client.post(reverse("search"), {"q": "Ana\x00"})
    assert form.status_code == 400


@pytest.mark.parametrize("path", ["api:register", "register", "register_csv"])
@pytest.mark.parametrize("query", [{"flag": "1"}, {"status": "lost"}, {"flag": "deadline-missed"}])
def test_an_unknown_register_filter_is_refused_everywhere_alike(world, path, query):
    """An unknown ``status`` or ``flag`` is a 400 on the API, the page and its CSV alike: the
    page used to drop it and show the whole register as if filtered, while the API answered
    none. The answer names the filter."""
    client = Client()
    client.force_login(world.users["auditor"])
    response = client.get(reverse(path), {"as_of": "2018-08-01", **query})
    assert response.status_code == 400
    name = next(iter(query))
    if path.startswith("api:"):
        assert response.json()["detail"].startswith(f"{name}: unknown value")
    else:
        assert name.encode() in response.content


@pytest.mark.parametrize("path", ["api:register", "register"])
def test_a_known_register_filter_still_answers(world, path):
    """A flag the register knows filters, on the API and the page: 200."""
    client = Client()
    client.force_login(world.users["auditor"])
    response = client.get(reverse(path), {"as_of": "2018-08-01", "flag": "deadline_missed"})
    assert response.status_code == 200
