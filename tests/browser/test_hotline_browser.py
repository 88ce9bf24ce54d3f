"""The tracing hotline in a real browser: an operator takes a call in Spanish, finds the child,
a caseworker confirms, and the caller's reference number finds the inquiry again."""

from __future__ import annotations

import re

import pytest
from test_browser import CHROMIUM, browser, page, sign_in  # noqa: F401 - fixtures

from link_batches import ingest_records, person
from reunify.actions.ingest import ingest_paths
from reunify.actions.link import link
from reunify.simulator import simulate
from test_tracing_match import CHILDREN, _person_of

pytestmark = pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(),
                                reason="chromium is not installed")


@pytest.fixture
def tracing_site(live_server, transactional_db, tmp_path):
    """A live server over a committed world plus a small linked season and the children of
    the tracing tests."""
    from django.db import connection

    from reunify.models.ledger import drop_append_only_triggers
    from web_world import build_world

    world = build_world()
    simulate(tmp_path / "season", families=150, seed=11)
    ingest_paths([p for p in (tmp_path / "season").iterdir()
                  if ".persons." in p.name or ".events." in p.name], actor="tester")
    ingest_records(tmp_path / "records", [
        person("station", f"b{n}", given.upper(), family.upper(), birth, sex=sex)
        for n, (given, family, birth, sex) in enumerate(CHILDREN)])
    link(actor="tester", engine="splink")
    yield live_server.url, world
    drop_append_only_triggers(connection)


def _sign_out(tab, url: str) -> None:
    """Sign out, and read the next pages in English again."""
    tab.locator("form.sign-out button").click()
    tab.goto(f"{url}/sign-in/")
    tab.locator("#language").select_option("en")
    tab.locator("form.language button").click()


def test_operator_call_in_spanish_caseworker_confirms_reference_finds_it(
        tracing_site, page):  # noqa: F811 - the page fixture of test_browser
    """The operator switches to Spanish, takes the call, reads the reference and that a match
    may exist (no name, no place); the caseworker confirms the first candidate; quoting the
    reference then tells which caseworker will call back."""
    url, _world = tracing_site
    sign_in(page, url, "t-operator")
    page.locator("#language").select_option("es")
    page.locator("form.language button").click()
    page.get_by_role("link", name="Línea de ayuda").click()
    page.get_by_label("Nombre(s) de quien llama").fill("Rosa")
    page.get_by_label("Apellido(s) de quien llama").fill("Tzul Ajanel")
    page.get_by_label("Teléfono para devolver la llamada").fill("+502 5555 1234")
    page.get_by_label("Nombre(s) de la persona buscada").fill("Lupita")
    page.get_by_label("Apellido(s) de la persona buscada").fill("Ajanel")
    page.get_by_label("Fecha de nacimiento (o año)").fill("2015-07-22")
    page.get_by_role("button", name="Registrar la solicitud y buscar").click()
    reference = page.locator("#reference").inner_text()
    assert re.fullmatch(r"T-[2-9A-Z]{4}-[2-9A-Z]{4}", reference)
    answer = page.locator("#answer").inner_text()
    assert "Puede haber una coincidencia" in answer
    child = f"P{_person_of('station', 'b0'):07d}"
    assert child not in page.content()
    _sign_out(page, url)

    sign_in(page, url, "t-caseworker")
    page.goto(f"{url}/tracing/{reference}/")
    first = page.locator("section.candidate").first
    assert child in first.inner_text()
    first.get_by_label("This is the person sought").check()
    first.get_by_label("Reason").fill("The mother described her birthmark")
    first.get_by_role("button", name="Record decision").click()
    page.wait_for_url(re.compile(f"/tracing/{reference}/"))
    assert "confirmed" in page.locator("section.candidate").first.inner_text()
    _sign_out(page, url)

    sign_in(page, url, "t-operator")
    page.locator("#language").select_option("es")
    page.locator("form.language button").click()
    page.goto(f"{url}/hotline/")
    page.get_by_label("Número de referencia").fill(reference.lower().replace("-", " "))
    page.get_by_role("button", name="Buscar la solicitud").click()
    assert reference in page.locator("#reference").inner_text()
    assert "t-caseworker" in page.locator("#caseworker").inner_text()
    assert child not in page.content()
    assert page.console_errors == []
