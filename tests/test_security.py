"""Sessions, sign-in, second factor, throttling, CSRF, headers, failing closed, deploy checks."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from reunify.actions.users import change_password, create_user, disable_user
from reunify.models import AccessLog, RoleGrant
from web_world import PASSWORD, one_time_code, world_fixture  # noqa: F401 - the world fixture

pytestmark = pytest.mark.django_db


def unmasked(html: bytes) -> bytes:
    """A page without its CSRF tokens (masked afresh on every response)."""
    return re.sub(rb'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+', rb"\1", html)


def sign_in(client: Client, username: str, password: str = PASSWORD, code: str | None = None):
    """Sign in through the form; without ``code``, with a valid one-time code of the account."""
    if code is None:
        code = one_time_code(username)
    return client.post(reverse("sign_in"), {"username": username, "password": password,
                                            "code": code})


def test_sign_in_rotates_the_session_id(world):
    """A session id the browser had before signing in is not the one it has after."""
    client = Client()
    client.get(reverse("sign_in"))
    session = client.session
    session["planted"] = True
    session.save()
    before = client.cookies["sessionid"].value
    response = sign_in(client, "t-caseworker")
    assert response.status_code == 302
    after = client.cookies["sessionid"].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()


def test_sign_out_deletes_the_session_on_the_server(world):
    """After signing out, the old session cookie opens nothing."""
    client = Client()
    assert sign_in(client, "t-caseworker").status_code == 302
    old = client.cookies["sessionid"].value
    assert client.post(reverse("sign_out")).status_code == 302
    assert not Session.objects.filter(session_key=old).exists()
    replay = Client()
    replay.cookies["sessionid"] = old
    assert replay.get(reverse("home")).status_code == 302


def test_password_change_and_disable_end_other_sessions(world):
    """Changing a password signs out every other session; disabling an account, all of them."""
    user, _ = create_user("t-sessions", PASSWORD, "caseworker", actor="tester")
    first, second = Client(), Client()
    assert sign_in(first, "t-sessions").status_code == 302
    assert sign_in(second, "t-sessions").status_code == 302
    response = first.post(reverse("password"), {"current": PASSWORD, "new": "another long "
                                                "passphrase 77", "again": "another long "
                                                "passphrase 77"})
    assert response.status_code == 200
    assert first.get(reverse("home")).status_code == 200  # the changing session stays
    assert second.get(reverse("home")).status_code == 302  # the other one is out
    disable_user(user.pk, actor="tester")
    assert first.get(reverse("home")).status_code == 302


def test_password_change_refuses_a_weak_password(world):
    """The validators apply: a short password is refused and the old one still works."""
    user = world.users["counsel"]
    with pytest.raises(Exception, match="short"):
        change_password(user.pk, "short", actor="tester")
    assert Client().login(username="t-counsel", password=PASSWORD)


def test_idle_session_expires_on_the_server(world, settings):
    """A session idle longer than the idle timeout is refused, whatever the browser keeps."""
    client = Client()
    assert sign_in(client, "t-caseworker").status_code == 302
    key = client.cookies["sessionid"].value
    from django.utils import timezone

    Session.objects.filter(session_key=key).update(expire_date=timezone.now())
    assert client.get(reverse("home")).status_code == 302
    assert settings.SESSION_COOKIE_AGE <= 30 * 60


def test_a_session_idle_too_long_is_signed_out(world, settings):
    """A session whose user was last seen longer ago than the idle timeout is signed out and
    deleted, even though its server-side expiry has not come yet; an active one is kept."""
    import time

    client = Client()
    assert sign_in(client, "t-caseworker").status_code == 302
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session["reunify_seen"] = int(time.time()) - settings.SESSION_COOKIE_AGE + 30
    session.save()
    assert client.get(reverse("home")).status_code == 200  # still within the timeout
    key = client.cookies["sessionid"].value
    session = client.session
    session["reunify_seen"] = int(time.time()) - settings.SESSION_COOKIE_AGE - 1
    session.save()
    assert client.get(reverse("home")).status_code == 302
    assert not Session.objects.filter(session_key=key).exists()


def test_failures_look_the_same_for_unknown_and_known_accounts(world):
    """Wrong password and unknown account answer the same status and the same message."""
    wrong = sign_in(Client(), "t-caseworker", "not the password at all")
    unknown = sign_in(Client(), "t-nobody-here", "not the password at all")
    assert wrong.status_code == unknown.status_code == 400
    message = b"Sign-in failed. Check the account name, password and one-time code."
    assert message in wrong.content
    assert message in unknown.content


def test_sign_in_is_throttled_per_account_name(world):
    """After five failures the right password is refused too (for 15 minutes), and an unknown
    account name is throttled the same way."""
    for name in ("t-auditor", "t-ghost"):
        client = Client()
        for _ in range(5):
            assert sign_in(client, name, "wrong password, wrong").status_code == 400
        assert sign_in(client, name).status_code == 429
    assert sign_in(Client(), "t-monitor").status_code == 302  # other accounts unaffected


def test_second_factor_is_required_for_every_role(world):
    """Every role (the auditor, who reads every child's record, too) needs a valid TOTP code;
    a code is accepted only once."""
    for role in ("admin", "data_steward", "caseworker", "counsel", "monitor", "auditor"):
        name = f"t-{role}"
        assert world.secrets[role]
        assert sign_in(Client(), name, code="").status_code == 400
        assert sign_in(Client(), name, code="000000").status_code == 400
        code = one_time_code(name)
        assert sign_in(Client(), name, code=code).status_code == 302
        assert sign_in(Client(), name, code=code).status_code == 400  # replayed


def test_csrf_is_enforced_on_forms(world):
    """A POST without the CSRF token is refused, signed in or not."""
    client = Client(enforce_csrf_checks=True)
    assert client.post(reverse("sign_in"), {"username": "x", "password": "y"}).status_code == 403
    client.force_login(world.users["caseworker"])
    assert client.post(reverse("search"), {"q": "Alvarado"}).status_code == 403
    assert client.post(reverse("api:search"), {"q": "Alvarado"},
                       content_type="application/json").status_code in (401, 403)


def test_every_response_forbids_caching_and_framing(world):
    """no-store, a content security policy and no framing, on pages, API, errors and statics."""
    client = Client()
    client.force_login(world.users["caseworker"])
    for url in (reverse("home"), reverse("api:me"), "/no/such/page/",
                reverse("family", kwargs={"family_id": "F9999999"}),
                "/static/reunify/site.css"):
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
        assert response["Cache-Control"] == "no-store", url
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
        assert response["X-Frame-Options"] == "DENY"


def test_a_user_without_a_role_may_do_nothing(world):
    """An account without a role grant gets 403 everywhere but the public pages."""
    from django.contrib.auth import get_user_model

    bare = get_user_model().objects.create_user("t-bare", password=PASSWORD)
    client = Client()
    client.force_login(bare)
    assert client.get(reverse("home")).status_code == 403
    assert client.get(reverse("api:me")).status_code == 403
    assert client.get(reverse("sign_in")).status_code == 200


def test_an_error_while_deciding_denies(world, monkeypatch):
    """If the object-level check itself fails, the request is refused, not let through."""
    from reunify.queries import scope

    def broken(pk):
        raise RuntimeError("store unavailable")

    monkeypatch.setattr(scope, "family_exists", broken)
    client = Client()
    client.force_login(world.users["data_steward"])
    url = reverse("family", kwargs={"family_id": f"F{world.families['a']:07d}"})
    assert client.get(url).status_code == 403


def test_a_route_without_a_rule_is_not_found(world, monkeypatch):
    """The enforcement point answers 404 for any route missing from the rule table."""
    from reunify.web import access, routes

    monkeypatch.setattr(access, "ROUTES", {k: v for k, v in routes.ROUTES.items()
                                            if k != "home"})
    client = Client()
    client.force_login(world.users["caseworker"])
    assert client.get(reverse("home")).status_code == 404


def test_another_family_answers_404_exactly_like_a_missing_one(world):
    """A caseworker cannot tell another caseworker's family from a family that does not exist."""
    client = Client()
    client.force_login(world.users["caseworker"])
    other = client.get(reverse("family", kwargs={"family_id": f"F{world.families['c']:07d}"}))
    missing = client.get(reverse("family", kwargs={"family_id": "F9999999"}))
    assert other.status_code == missing.status_code == 404
    assert unmasked(other.content) == unmasked(missing.content)
    api_other = client.get(reverse("api:family",
                                   kwargs={"family_id": f"F{world.families['c']:07d}"}))
    api_missing = client.get(reverse("api:family", kwargs={"family_id": "F9999999"}))
    assert api_other.status_code == api_missing.status_code == 404
    assert api_other.json() == api_missing.json()


def test_reads_of_persons_are_logged_with_who_when_what(world):
    """Opening a family logs one read per member shown: account, role, person id, route."""
    client = Client()
    client.force_login(world.users["caseworker"])
    before = AccessLog.objects.count()
    family = f"F{world.families['a']:07d}"
    assert client.get(reverse("family", kwargs={"family_id": family})).status_code == 200
    rows = list(AccessLog.objects.order_by("pk")[before:])
    assert {r.object_id for r in rows} == {f"P{world.children['a']:07d}",
                                           f"P{world.parents['a']:07d}"}
    assert {(r.user, r.role, r.what, r.route) for r in rows} == {
        ("t-caseworker", "caseworker", "person", "family")}


def test_register_reads_log_the_persons_shown(world):
    """The register page, its CSV and the API's register page log each person they show."""
    client = Client()
    client.force_login(world.users["data_steward"])
    everyone = {f"P{pk:07d}" for pk in (*world.children.values(), *world.parents.values())}
    for url in (reverse("register"), reverse("register_csv"), reverse("api:register")):
        before = AccessLog.objects.count()
        response = client.get(url, {"as_of": "2018-06-01"})
        if response.streaming:
            b"".join(response.streaming_content)
        logged = set(AccessLog.objects.order_by("pk")[before:].values_list("object_id",
                                                                           flat=True))
        assert logged == everyone, url


def test_every_read_of_an_auditor_is_logged(world):
    """An auditor's reads are logged even where no person is shown (the register, the queue)."""
    client = Client()
    client.force_login(world.users["auditor"])
    before = AccessLog.objects.filter(user="t-auditor").count()
    assert client.get(reverse("review_queue")).status_code == 200
    assert client.get(reverse("api:me")).status_code == 200
    routes = set(AccessLog.objects.filter(user="t-auditor").order_by("pk")[before:]
                 .values_list("route", flat=True))
    assert {"review_queue", "api:me"} <= routes


def test_monitor_sees_names_only_where_the_court_order_allows(world):
    """A monitor's register and its CSV carry names only when names_allowed is set."""
    client = Client()
    client.force_login(world.users["monitor"])
    as_of = {"as_of": "2018-06-01"}

    def csv_text():
        response = client.get(reverse("register_csv"), as_of)
        return b"".join(response.streaming_content).decode()

    assert "Alvarado" not in csv_text()
    assert "Alvarado" not in client.get(reverse("register"), as_of).content.decode()
    assert all(row["name"] == "" for row in
               client.get(reverse("api:register"), as_of).json()["items"])
    RoleGrant.objects.filter(user=world.users["monitor"]).update(names_allowed=True)
    assert "Alvarado" in csv_text()
    assert "Alvarado" in client.get(reverse("register"), as_of).content.decode()


def test_search_is_never_in_the_url(world):
    """A name in the query string is ignored; searching takes a POST."""
    client = Client()
    client.force_login(world.users["data_steward"])
    response = client.get(reverse("search"), {"q": "Alvarado"})
    assert "Alvarado" not in response.content.decode()
    assert "Alvarado" in client.post(reverse("search"), {"q": "Alvarado"}).content.decode()


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    """``manage.py check --deploy`` reports nothing with REUNIFY_ENV=production and a secret."""
    env = dict(os.environ)
    env.update({"REUNIFY_ENV": "production", "REUNIFY_SECRET_KEY": secrets.token_urlsafe(64),
                "REUNIFY_FIELD_KEY": "q" * 43 + "=",
                "DJANGO_SETTINGS_MODULE": "reunify.settings",
                "REUNIFY_DATABASE_URL": f"sqlite:///{tmp_path / 'store.sqlite3'}",
                "REUNIFY_DATA_DIR": str(tmp_path)})
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "DEBUG"],
        env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
