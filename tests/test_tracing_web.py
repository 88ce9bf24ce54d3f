"""The hotline page: an operator takes a call in Spanish and answers at once, telling nothing
of where anyone is; a caseworker confirms; the reference number finds the inquiry again."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from reunify.actions.users import assign, create_user
from reunify.models import Inquiry, InquiryCandidate
from test_tracing_match import _person_of, _store

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough passphrase 42"


def _client(role: str) -> Client:
    user, _secret = create_user(f"t-{role}", PASSWORD, role, actor="tester")
    client = Client()
    client.force_login(user)
    return client


def test_operator_takes_a_call_in_spanish_and_a_caseworker_confirms(tmp_path):
    """The operator's answer (in Spanish) gives a reference and says a match may exist, with no
    candidate's id or name; the caseworker sees the candidates and confirms one; quoting the
    reference then names the caseworker who will call back."""
    _store(tmp_path)
    operator = _client("operator")
    caseworker_user, _ = create_user("t-caseworker", PASSWORD, "caseworker", actor="tester")
    assign(caseworker_user.pk, _person_of("station", "b0"), actor="tester")
    operator.post("/language/", {"language": "es", "next": "/hotline/"})
    page = operator.get("/hotline/")
    assert "Línea de ayuda" in page.content.decode()
    answer = operator.post("/hotline/", {
        "inquirer_given_name": "Rosa", "inquirer_family_name": "Tzul Ajanel",
        "inquirer_phone": "+502 5555 1234", "relation": "parent",
        "sought_given_name": "Lupita", "sought_family_name": "Ajanel",
        "sought_birth_date": "2015-07-22", "sought_sex": "F"})
    assert answer.status_code == 200
    text = answer.content.decode()
    reference = re.search(r'id="reference">(T-[2-9A-Z]{4}-[2-9A-Z]{4})<', text).group(1)
    assert "Puede haber una coincidencia" in text
    assert "t-caseworker" in text  # assigned to the child's case: will call back
    child = _person_of("station", "b0")
    assert Inquiry.objects.get(reference=reference).candidates.get(rank=1).person_id == child
    assert f"P{child:07d}" not in text
    assert "TZUL AJANEL" not in text
    assert "station" not in text

    caseworker = Client()
    caseworker.force_login(caseworker_user)
    page = caseworker.get(f"/tracing/{reference}/")
    assert page.status_code == 200
    assert f"P{child:07d}" in page.content.decode()
    done = caseworker.post(f"/tracing/{reference}/decide/", {
        "person": f"P{child:07d}", "decision": "confirmed", "reason": "mother's description"})
    assert done.status_code == 302
    assert InquiryCandidate.objects.get(person_id=child).status == "confirmed"

    again = operator.post("/hotline/lookup/", {"reference": reference.lower()})
    text = again.content.decode()
    assert reference in text
    assert "t-caseworker" in text
    assert f"P{child:07d}" not in text


def test_bad_call_is_refused_with_the_field_named(tmp_path):
    """A call without the sought person's names is refused (422) naming what is missing, and
    nothing is stored."""
    operator = _client("operator")
    answer = operator.post("/hotline/", {"inquirer_given_name": "Rosa", "relation": "parent",
                                         "sought_age": "4"})
    assert answer.status_code == 422
    assert "sought_family_name and sought_given_name are both empty" in answer.content.decode()
    assert not Inquiry.objects.exists()
