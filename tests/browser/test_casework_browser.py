"""A caseworker's day in a real browser (Debian's chromium, Playwright), in English and Spanish:
the queue, a call logged, the parent's wishes through an interpreter, the case moved to a
planned reunification and closed; a supervisor signs off a release that the requester could not;
the register and the court report change accordingly."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pyotp
import pytest
from test_browser import CHROMIUM, browser, page, shot, sign_in, site  # noqa: F401 - fixtures

from reunify.models import Case
from reunify.rules import casework as rules
from web_world import PASSWORD, one_time_code

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("CI"),
    reason="chromium is not installed (apt-get install -y chromium); CI always runs these")


def form(tab, heading: str):
    """The case page's form under this heading."""
    return tab.locator("form").filter(has=tab.get_by_role("heading", name=heading))


def work_the_case(tab, url: str, world, words: dict[str, str]) -> None:
    """From the queue: log an attempt and a call, record wishes, move to a planned
    reunification and close as reunified. ``words`` are the labels in the page's language."""
    case = f"C{world.cases['a']:07d}"
    tab.get_by_role("link", name=case).first.click()
    tab.wait_for_url(re.compile(f"/cases/{case}/"))
    contact = form(tab, words["log contact"])
    contact.get_by_label(words["kind"]).select_option(rules.CALL)
    contact.get_by_label(words["outcome"]).select_option(rules.REACHED)
    contact.get_by_label(words["minutes"]).fill("14")
    contact.get_by_label(words["language"]).fill("Mam")
    contact.get_by_label(words["interpreter"]).fill("Juan Pérez")
    contact.get_by_role("button", name=words["log contact"]).click()
    tab.wait_for_url(re.compile(f"/cases/{case}/$"))
    wishes = form(tab, words["record the parent's wishes"])
    wishes.get_by_label(words["choice"]).select_option(rules.REUNIFY_HERE)
    wishes.get_by_label(words["own words"]).fill("Quiero a mi hijo aquí conmigo.")
    wishes.get_by_label(words["advised in"]).fill("Mam")
    wishes.get_by_label(words["interpreter"]).fill("Juan Pérez")
    wishes.get_by_label(words["witness"]).fill("consular officer")
    wishes.get_by_role("button", name=words["record wishes"]).click()
    tab.wait_for_url(re.compile(f"/cases/{case}/$"))
    for stage in (rules.IN_CONTACT, rules.WISHES_RECORDED, rules.VERIFIED,
                  rules.REUNIFICATION_PLANNED):
        move = form(tab, words["move to a stage"])
        move.get_by_label(words["next stage"]).select_option(stage)
        move.get_by_label(words["reason"]).fill(f"browser: {stage}")
        move.get_by_role("button", name=words["move"]).click()
        tab.wait_for_url(re.compile(f"/cases/{case}/$"))
    close = form(tab, words["close as reunified"])
    close.get_by_label(words["reason"]).fill("handed to the mother at the facility")
    close.get_by_role("button", name=words["close as reunified"]).click()
    tab.wait_for_url(re.compile(f"/cases/{case}/$"))
    assert Case.objects.get(pk=world.cases["a"]).outcome == rules.REUNIFIED


ENGLISH = {"log contact": "Log contact", "kind": "Kind", "outcome": "Outcome",
           "minutes": "Minutes", "language": "Language", "interpreter": "Interpreter",
           "record the parent's wishes": "Record the parent's wishes",
           "choice": "The parent's choice", "own words": "In the parent's own words",
           "advised in": "Language the parent was advised in", "witness": "Witness",
           "record wishes": "Record wishes", "move to a stage": "Move to a stage",
           "next stage": "Next stage", "reason": "Reason", "move": "Move",
           "close as reunified": "Close as reunified"}
SPANISH = {"log contact": "Registrar contacto", "kind": "Tipo", "outcome": "Resultado",
           "minutes": "Minutos", "language": "Idioma", "interpreter": "Intérprete",
           "record the parent's wishes": "Registrar los deseos del padre o la madre",
           "choice": "La decisión del padre o la madre",
           "own words": "En las propias palabras del padre o la madre",
           "advised in": "Idioma en que se asesoró al padre o la madre", "witness": "Testigo",
           "record wishes": "Registrar deseos", "move to a stage": "Pasar a una etapa",
           "next stage": "Etapa siguiente", "reason": "Motivo", "move": "Pasar",
           "close as reunified": "Cerrar como reunificado"}


def test_a_caseworkers_day_and_the_supervisors_sign_off(site, page):  # noqa: F811
    """The caseworker works their case from the queue to reunified; the supervisor cannot
    sign off their own request but signs off another's; the court report counts the child as
    reunified."""
    url, world = site
    sign_in(page, url, "t-caseworker")
    page.get_by_role("heading", name="Your queue").wait_for()
    shot(page, "caseworker-queue")
    work_the_case(page, url, world, ENGLISH)
    assert "Quiero a mi hijo aquí conmigo." in page.content()
    shot(page, "case")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, url, "t-supervisor", pyotp.TOTP(world.secrets["supervisor"]).now())
    page.get_by_role("link", name="Cases").click()
    page.get_by_role("heading", name="Determinations waiting for your sign-off").wait_for()
    page.get_by_role("link", name=f"C{world.cases['c']:07d}").first.click()
    signer = page.locator("form").filter(has=page.get_by_role("group", name="Sign off"))
    signer.get_by_label("Approve").check()
    signer.get_by_label("Note").fill("sponsor file checked")
    signer.get_by_role("button", name="Sign off").click()
    page.wait_for_url(re.compile(r"/cases/C\d{7}/$"))
    assert Case.objects.get(pk=world.cases["c"]).outcome == rules.RELEASED_TO_SPONSOR
    # Their own request: no sign-off form, only the reason why not.
    page.goto(f"{url}/cases/C{world.cases['b']:07d}/")
    ask = form(page, "Ask for a determination")
    ask.get_by_label("Determination").select_option(rules.RELEASE_TO_OTHER)
    ask.get_by_label("Basis").fill("grandmother vetted")
    ask.get_by_label("Released to (for a release)").fill("grandmother")
    ask.get_by_role("button", name="Ask for sign-off").click()
    page.wait_for_url(re.compile(r"/cases/C\d{7}/$"))
    assert "a second person must sign it off" in page.content()
    assert page.locator("form").filter(
        has=page.get_by_role("group", name="Sign off")).count() == 0
    page.goto(f"{url}/reports/court/?as_of=2018-08-01")
    report = page.content()
    assert re.search(r"<td>reunified</td>\s*<td[^>]*>1</td>", report)
    assert re.search(r"<td>released to a sponsor</td>\s*<td[^>]*>1</td>", report)
    assert "adds up" in report
    assert page.console_errors == []


def test_a_caseworkers_day_in_spanish(site, browser):  # noqa: F811
    """The same day with the pages in Spanish."""
    url, world = site
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="es-ES",
                                  extra_http_headers={"Accept-Language": "es"})
    spanish = context.new_page()
    spanish.set_default_timeout(15_000)
    spanish.goto(f"{url}/sign-in/")
    spanish.locator("main input[name=username]").fill("t-caseworker")
    spanish.locator("main input[name=password]").fill(PASSWORD)
    spanish.locator("main input[name=code]").fill(one_time_code("t-caseworker"))
    spanish.locator("main form button[type=submit]").first.click()
    spanish.wait_for_url(f"{url}/")
    spanish.get_by_role("heading", name="Su cola de casos").wait_for()
    work_the_case(spanish, url, world, SPANISH)
    assert "reunificado" in spanish.content()
    context.close()
