"""Casework through the pages, the API and the CLI: the caseworker's queue, and the two-person
rule (whoever asks for a determination never signs it off) on every front end."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from reunify.actions.users import create_user
from reunify.cli.main import main as cli
from reunify.models import Case, Determination
from reunify.rules import casework as rules
from web_world import PASSWORD, world_fixture  # noqa: F401 - the world fixture

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def case_id(world, tag: str) -> str:
    return f"C{world.cases[tag]:07d}"


def second_supervisor():
    user, _secret = create_user("t-supervisor-2", PASSWORD, "supervisor", actor="tester")
    return user


def test_a_caseworkers_home_page_is_their_queue_with_overdue_in_red(world):
    """Home lists the caseworker's own case (not others'), its parent and deadlines; past the
    contact deadline the line is marked overdue."""
    client = client_of(world.users["caseworker"])
    page = client.get(reverse("home"), {"as_of": "2018-08-01"}).content.decode()
    assert case_id(world, "a") in page
    assert case_id(world, "b") not in page
    assert 'class="overdue"' in page
    assert f"P{world.parents['a']:07d}" in page or "María Alvarado" in page
    calm = client.get(reverse("home"), {"as_of": "2018-06-01"}).content.decode()
    assert 'class="overdue"' not in calm


def test_two_person_rule_on_the_pages(world):
    """A supervisor who asks for a release cannot sign it off (400, no form offered); a second
    supervisor can, and the case closes as released to a sponsor."""
    first = client_of(world.users["supervisor"])
    response = first.post(reverse("case_request", kwargs={"case_id": case_id(world, "b")}),
                          {"request-kind": rules.RELEASE_TO_OTHER,
                           "request-basis": "aunt vetted", "request-recipient": "aunt"})
    assert response.status_code == 302
    made = Determination.objects.get(case_id=world.cases["b"])
    page = first.get(reverse("case", kwargs={"case_id": case_id(world, "b")})).content.decode()
    assert reverse("determination_sign_off", kwargs={"determination_id": made.pk}) not in page
    refused = first.post(reverse("determination_sign_off",
                                 kwargs={"determination_id": made.pk}),
                         {"signoff-decision": "approve", "signoff-note": "fine"})
    assert refused.status_code == 400
    assert "second person" in refused.content.decode()
    assert Case.objects.get(pk=world.cases["b"]).closed is None
    second = client_of(second_supervisor())
    done = second.post(reverse("determination_sign_off", kwargs={"determination_id": made.pk}),
                       {"signoff-decision": "approve",
                        "signoff-note": "checked the sponsor file"})
    assert done.status_code == 302
    assert Case.objects.get(pk=world.cases["b"]).outcome == rules.RELEASED_TO_SPONSOR


def test_two_person_rule_in_the_api(world):
    """Through the API too: the requester's sign-off answers 400 and changes nothing."""
    client = client_of(world.users["supervisor"])
    url = reverse("api:case_request", kwargs={"case_id": case_id(world, "b")})
    body = {"kind": rules.RELEASE_TO_OTHER, "basis": "aunt vetted", "recipient": "aunt"}
    assert client.post(url, body, content_type="application/json").status_code == 200
    made = Determination.objects.get(case_id=world.cases["b"])
    sign = reverse("api:determination_sign_off", kwargs={"determination_id": made.pk})
    answer = client.post(sign, {"approve": True, "note": "ok"}, content_type="application/json")
    assert answer.status_code == 400
    assert "second person" in answer.json()["detail"]
    assert Determination.objects.get(pk=made.pk).status == rules.PENDING
    other = client_of(second_supervisor())
    answer = other.post(sign, {"approve": True, "note": "ok"}, content_type="application/json")
    assert answer.status_code == 200
    assert answer.json()["outcome"] == rules.RELEASED_TO_SPONSOR


def test_two_person_rule_in_the_cli(world, capsys):
    """From the terminal the same: the requester's sign-off exits 2, another's takes effect."""
    case = case_id(world, "b")
    assert cli(["cases", "request", case, rules.CLOSE_DECLINED, "--basis", "x",
                "--as", "ana"]) == 2  # the case is still open: not yet in contact
    assert cli(["cases", "move", case, rules.IN_CONTACT, "--reason", "called",
                "--as", "ana"]) == 0
    assert cli(["cases", "request", case, rules.CLOSE_DECLINED, "--basis",
                "declined on a recorded call", "--as", "ana"]) == 0
    made = Determination.objects.get(case_id=world.cases["b"])
    assert cli(["cases", "sign-off", str(made.pk), "--note", "ok", "--as", "ana"]) == 2
    assert "second person" in capsys.readouterr().err
    assert cli(["cases", "sign-off", str(made.pk), "--note", "heard it", "--as", "ben"]) == 0
    assert Case.objects.get(pk=world.cases["b"]).outcome == rules.PARENT_DECLINED


def test_api_moves_need_the_version_read(world):
    """A move without If-Match is refused (428), with a stale one too (412); then it works."""
    client = client_of(world.users["caseworker"])
    url = reverse("api:case", kwargs={"case_id": case_id(world, "a")})
    etag = client.get(url)["ETag"]
    move = reverse("api:case_move", kwargs={"case_id": case_id(world, "a")})
    body = {"stage": rules.PARENT_LOCATED, "reason": "consulate found her"}
    assert client.post(move, body, content_type="application/json").status_code == 428
    assert client.post(move, body, content_type="application/json",
                       headers={"If-Match": '"999"'}).status_code == 412
    done = client.post(move, body, content_type="application/json", headers={"If-Match": etag})
    assert done.status_code == 200
    assert done.json()["stage"] == rules.PARENT_LOCATED


def test_a_caseworker_logs_a_call_and_records_wishes_on_the_page(world):
    """The case page's forms log a call and record wishes; both show on the page."""
    client = client_of(world.users["caseworker"])
    target = case_id(world, "a")
    answer = client.post(reverse("case_contact", kwargs={"case_id": target}), {
        "contact-kind": rules.CALL, "contact-channel": "phone",
        "contact-outcome": rules.REACHED, "contact-on": "2018-06-30", "contact-minutes": "15",
        "contact-language": "Mam", "contact-interpreter": "Juan"})
    assert answer.status_code == 302
    answer = client.post(reverse("case_wishes", kwargs={"case_id": target}), {
        "wishes-choice": rules.REUNIFY_HERE, "wishes-words": "Quiero a mi hijo conmigo",
        "wishes-advised_in": "Mam", "wishes-interpreter": "Juan", "wishes-witness": "consul",
        "wishes-on": "2018-06-30"})
    assert answer.status_code == 302
    page = client.get(reverse("case", kwargs={"case_id": target}),
                      {"as_of": "2018-07-10"}).content.decode()
    assert "Quiero a mi hijo conmigo" in page
    assert "call between parent and child" in page
    assert "first contact: 2018-07-06 — met" in page
    bad = client.post(reverse("case_contact", kwargs={"case_id": target}), {
        "contact-kind": rules.CALL, "contact-channel": "phone",
        "contact-outcome": rules.REACHED, "contact-on": "2018-06-30"})
    assert bad.status_code == 400
    assert "minutes" in bad.content.decode()


def test_serve_gives_the_demo_caseworker_a_queue_once(world):
    """``reunify serve`` (development) assigns the open cases due first to demo-caseworker,
    and only while they have none."""
    from reunify.cli.demo_casework import give_demo_caseworker_a_queue

    user, _secret = create_user("demo-caseworker", PASSWORD, "caseworker", actor="tester")
    assert give_demo_caseworker_a_queue(actor="serve") == 2  # b and c; a is t-caseworker's
    assert Case.objects.filter(assigned_to=user).count() == 2
    assert give_demo_caseworker_a_queue(actor="serve") == 0


def test_the_person_page_links_family_members_with_status_and_the_case(world):
    """A child's page links the parent with their status, days separated and flags, and the
    child's open case."""
    client = client_of(world.users["caseworker"])
    page = client.get(reverse("person", kwargs={"person_id": f"P{world.children['a']:07d}"}),
                      {"as_of": "2018-08-01"}).content.decode()
    parent = f"P{world.parents['a']:07d}"
    assert reverse("person", kwargs={"person_id": parent}) in page
    assert "Family members" in page
    assert "<strong>separated</strong>" in page
    assert reverse("case", kwargs={"case_id": case_id(world, "a")}) in page


def test_the_case_vocabulary_is_spanish_on_spanish_pages(world):
    """Stages, deadlines and the queue's words show in Spanish when Spanish is chosen."""
    client = client_of(world.users["caseworker"])
    home = client.get(reverse("home"), {"as_of": "2018-08-01"},
                      headers={"Accept-Language": "es"}).content.decode()
    assert "Su cola de casos" in home
    assert "abierto" in home
    assert "primer contacto" in home
    case = client.get(reverse("case", kwargs={"case_id": case_id(world, "a")}),
                      headers={"Accept-Language": "es"}).content.decode()
    assert "Registro de contactos" in case
    assert "llamada entre padre o madre e hijo" in case  # a choice of the contact form


def test_search_results_show_role_status_and_where_held(world):
    """A search hit says whether the person is a parent or a child, their register status and
    who holds them where."""
    client = client_of(world.users["caseworker"])
    page = client.post(reverse("search"), {"q": "Alvarado"}).content.decode()
    row = next(line for line in page.split("<tr>") if f"P{world.parents['a']:07d}" in line)
    assert "<td>parent</td>" in row
    assert "<td>separated</td>" in row
    assert "ICE Port Isabel" in row


def test_the_register_opens_on_the_latest_day_of_the_data_sorts_and_links_persons(world):
    """Without a day asked for, the register is as of the latest event (not today); it sorts
    by days separated; a role allowed persons gets links to them."""
    client = client_of(world.users["data_steward"])
    page = client.get(reverse("register")).content.decode()
    assert "as of May 10, 2018" in page
    assert reverse("person", kwargs={"person_id": f"P{world.children['a']:07d}"}) in page
    sorted_page = client.get(reverse("register"), {"as_of": "2018-08-01", "sort": "days"})
    assert sorted_page.status_code == 200
    monitor = client_of(world.users["monitor"]).get(reverse("register")).content.decode()
    assert reverse("person", kwargs={"person_id": f"P{world.children['a']:07d}"}) not in monitor


def test_api_lists_cases_by_page_for_who_sees_all_and_the_queue_for_a_caseworker(world):
    """A supervisor pages through every open case, the longest separated first; a caseworker
    gets their queue."""
    supervisor = client_of(world.users["supervisor"])
    first = supervisor.get(reverse("api:cases"), {"as_of": "2018-08-01"}).json()
    assert sorted(c["case_id"] for c in first) == sorted(case_id(world, t) for t in "abc")
    assert supervisor.get(reverse("api:cases"), {"as_of": "2018-08-01", "page": 2}).json() == []
    mine = client_of(world.users["caseworker"]).get(reverse("api:cases")).json()
    assert [c["case_id"] for c in mine] == [case_id(world, "a")]


def test_a_caseworker_chooses_whom_a_split_case_follows_on_the_page(world):
    """The case page's form ties the case to another person the caseworker may see; one they
    may not see is refused as unknown."""
    client = client_of(world.users["caseworker"])
    target = case_id(world, "a")
    other = f"P{world.children['c']:07d}"  # not the caseworker's
    refused = client.post(reverse("case_repoint", kwargs={"case_id": target}),
                          {"repoint-person": other, "repoint-reason": "split"})
    assert refused.status_code == 400
    assert "No such person." in refused.content.decode()
    from family_store import StoreBuilder
    from reunify.actions.users import assign

    lone = StoreBuilder().person("shelter", "S-9", given="Niño", family="Alvarado")
    assign(world.users["caseworker"].pk, lone.pk, actor="supervisor")
    done = client.post(reverse("case_repoint", kwargs={"case_id": target}),
                       {"repoint-person": lone.public_id, "repoint-reason": "split"})
    assert done.status_code == 302
    assert Case.objects.get(pk=world.cases["a"]).person_id == lone.pk
