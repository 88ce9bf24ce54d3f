"""In a real browser (Debian's chromium, driven by Playwright) against a live server.

Skipped only when chromium is absent and CI is unset; in CI they always run. With
REUNIFY_SCREENSHOTS=1 they also refresh the screenshots of the key pages in docs/screenshots/.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from django.db import connection

from reunify.models.ledger import drop_append_only_triggers
from web_world import PASSWORD, build_world, one_time_code

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("CI"),
    reason="chromium is not installed (apt-get install -y chromium); CI always runs these",
)


@pytest.fixture(scope="module")
def browser():
    """One headless chromium for the module."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # (building fixtures) are synchronous and safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-extensions",
                  "--no-first-run", "--disable-sync"],
        )
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def site(live_server, transactional_db):
    """A live server over a committed world; the ledger's triggers go before the flush."""
    world = build_world()
    yield live_server.url, world
    drop_append_only_triggers(connection)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.console_errors = []
    page.on("console", lambda message: message.type == "error"
            and page.console_errors.append(message.text))
    yield page
    context.close()


def sign_in(page, url: str, username: str, code: str | None = None) -> None:
    code = one_time_code(username) if code is None else code
    page.goto(f"{url}/sign-in/")
    page.get_by_label("Account name").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    if code:
        page.get_by_label(re.compile("One-time code")).fill(code)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/")


def shot(page, name: str) -> None:
    """Refresh docs/screenshots/NAME.png, when asked to (REUNIFY_SCREENSHOTS=1): a plain test
    run leaves the committed pictures alone."""
    if os.environ.get("REUNIFY_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_caseworker_finds_a_separated_child_and_sees_where_the_parent_is(site, page):
    """A caseworker signs in, searches the child by a misspelt name, opens the family and sees
    the parent's custodian and facility and the missed-deadline flag."""
    url, world = site
    page.goto(f"{url}/sign-in/")
    shot(page, "sign-in")
    sign_in(page, url, "t-caseworker")
    page.get_by_role("link", name="Search").click()
    page.get_by_label("Name, A-number or record id").fill("Nino Alvarado")
    page.get_by_role("button", name="Search").click()
    child = f"P{world.children['a']:07d}"
    page.get_by_role("link", name=child).wait_for()
    shot(page, "search")
    family = f"F{world.families['a']:07d}"
    page.get_by_role("link", name=family).first.click()
    page.wait_for_url(re.compile(f"/families/{family}/"))
    parent_row = page.locator(f"tr[data-person='P{world.parents['a']:07d}']")
    assert "Port Isabel" in parent_row.inner_text()
    assert "ICE" in parent_row.inner_text()
    child_row = page.locator(f"tr[data-person='{child}']")
    assert "deadline_missed" in child_row.inner_text()
    shot(page, "family")
    page.get_by_role("link", name=child).click()
    page.locator("svg.chart").wait_for()
    shot(page, "person-timeline")
    # Nothing the pages do (htmx included) breaks the content security policy.
    assert page.console_errors == []


def test_caseworker_cannot_open_another_family(site, page):
    """Another caseworker's family answers 'Not found', as a family that does not exist."""
    url, world = site
    sign_in(page, url, "t-caseworker")
    response = page.goto(f"{url}/families/F{world.families['c']:07d}/")
    assert response.status == 404
    assert page.get_by_role("heading", name="Not found").is_visible()
    assert "Cifuentes" not in page.content()


def test_steward_signs_in_with_a_code_and_sees_queue_register_and_ledger(site, page):
    """A data steward signs in with a one-time code and sees the register dashboard and the
    review pair side by side."""
    url, world = site
    sign_in(page, url, "t-data_steward")
    page.goto(f"{url}/register/?as_of=2018-08-01")
    page.get_by_role("heading", name="Separation register").wait_for()
    shot(page, "register")
    page.get_by_role("link", name="Review queue").click()
    page.get_by_role("link", name=f"Pair {world.pair}").click()
    page.get_by_role("table", name="The two records side by side").wait_for()
    shot(page, "review-pair")


def test_steward_accepts_a_pair_and_the_family_page_changes(site, page):
    """A steward accepts a review pair in the queue with a reason; the family page shows the
    decision at once, and after the next link run and family rebuild the child's shelter record
    is part of the family."""
    from reunify.actions.family import build_families
    from reunify.actions.link import link

    url, world = site
    sign_in(page, url, "t-data_steward")
    family = f"F{world.families['a']:07d}"
    page.goto(f"{url}/families/{family}/")
    assert "shelter:S-1" not in page.content()
    page.get_by_role("link", name="Review queue").click()
    page.get_by_role("link", name=f"Pair {world.pair}").click()
    page.get_by_label("Same person (accept)").check()
    page.get_by_label("Reason").fill("Same birth date; the shelter wrote the name without ñ.")
    page.get_by_role("button", name="Record decision").click()
    page.wait_for_url(f"{url}/review/")
    page.goto(f"{url}/families/{family}/")
    reviews = page.get_by_role("region", name="Reviewers' decisions about these records")
    assert "border:a-c0 · shelter:S-1" in reviews.inner_text()
    # The operator's next runs (as `reunify link` and `reunify families` would do).
    link(actor="operator", engine="deterministic")
    build_families(actor="operator")
    page.get_by_role("link", name="Search").click()
    page.get_by_label("Name, A-number or record id").fill("Niño Alvarado")
    page.get_by_role("button", name="Search").click()
    child = f"P{world.children['a']:07d}"
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=child))
    row.get_by_role("link", name=re.compile(r"^F\d{7}$")).first.click()
    page.wait_for_url(re.compile(r"/families/F\d{7}/"))
    child_row = page.locator(f"tr[data-person='{child}']")
    assert "shelter:S-1" in child_row.inner_text()
    shot(page, "family-after-review")
