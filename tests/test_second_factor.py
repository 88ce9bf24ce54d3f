"""A second factor for every role: secrets encrypted at rest, enrolment with a QR code,
recovery codes, a reset two administrators make, and role changes that lock nobody out."""

from __future__ import annotations

import re

import pyotp
import pytest
from django.test import Client
from django.urls import reverse

from reunify.actions.users import create_user, set_role
from reunify.models import LedgerEntry, RecoveryCode, RoleGrant
from reunify.models.field_crypto import field_keys, seal, unseal
from web_world import PASSWORD, one_time_code, world_fixture  # noqa: F401 - the world fixture

pytestmark = pytest.mark.django_db


def post_sign_in(client: Client, username: str, code: str, password: str = PASSWORD):
    return client.post(reverse("sign_in"), {"username": username, "password": password,
                                            "code": code})


def enrolled(client: Client, username: str) -> list[str]:
    """Sign ``username`` (an account without a second factor) in through enrolment; returns
    the recovery codes shown."""
    response = post_sign_in(client, username, "")
    assert response.status_code == 302
    assert response["Location"] == reverse("enrol")
    page = client.get(reverse("enrol")).content.decode()
    secret = re.search(r"<code>([A-Z2-7]{32})</code>", page)[1]
    done = client.post(reverse("enrol"), {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    return re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", done.content.decode())


def test_secrets_are_encrypted_at_rest(world):
    """The store holds a Fernet token, never the secret; the key opens it."""
    for role, secret in world.secrets.items():
        stored = RoleGrant.objects.get(user=world.users[role]).totp_secret
        assert secret not in stored, role
        assert stored.startswith("gAAAAA")
        assert unseal(stored) == secret


def test_a_development_field_key_is_made_under_the_data_dir(settings, tmp_path):
    """Without REUNIFY_FIELD_KEY, development makes one key under DATA_DIR, once."""
    settings.FIELD_KEYS = []
    settings.DATA_DIR = tmp_path
    first = field_keys()
    assert (tmp_path / "field.key").read_text().strip() == first[0]
    assert field_keys() == first
    assert unseal(seal("JBSWY3DPEHPK3PXP")) == "JBSWY3DPEHPK3PXP"


def test_a_failed_sign_in_never_echoes_the_code(world):
    """The page after a failure keeps the account name but not the password or the code."""
    response = post_sign_in(Client(), "t-caseworker", "493817", password="not the password!!")
    body = response.content.decode()
    assert response.status_code == 400
    assert "493817" not in body
    assert "not the password!!" not in body
    assert 'value="t-caseworker"' in body


def test_an_account_without_a_second_factor_enrols_one_before_signing_in(world):
    """A right password for an account with no secret leads to enrolment (QR code as inline
    SVG, the secret as text), not into the site; a right code enrols it, signs in and shows
    ten recovery codes, kept only as hashes."""
    user, _secret = create_user("t-legacy", PASSWORD, "auditor", actor="tester")
    RoleGrant.objects.filter(user=user).update(totp_secret="")  # as before every role had one
    client = Client()
    assert post_sign_in(client, "t-legacy", "")["Location"] == reverse("enrol")
    page = client.get(reverse("enrol"))
    assert "<svg" in page.content.decode()
    assert client.get(reverse("home")).status_code == 302  # not signed in yet
    assert client.post(reverse("enrol"), {"code": "000000"}).status_code == 400
    assert not RoleGrant.objects.get(user=user).totp_secret
    secret = re.search(r"<code>([A-Z2-7]{32})</code>", page.content.decode())[1]
    done = client.post(reverse("enrol"), {"code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", done.content.decode())
    assert len(codes) == 10
    assert client.get(reverse("home")).status_code == 200
    assert unseal(RoleGrant.objects.get(user=user).totp_secret) == secret
    kept = set(RecoveryCode.objects.filter(user=user).values_list("code_hash", flat=True))
    assert len(kept) == 10
    assert not kept & set(codes)


def test_enrolment_is_reached_only_after_a_right_password(world):
    """Without a right password first, the enrolment page sends one to sign in."""
    assert Client().get(reverse("enrol"))["Location"] == reverse("sign_in")
    client = Client()
    assert post_sign_in(client, "t-caseworker", "", password="wrong password!").status_code == 400
    assert client.get(reverse("enrol"))["Location"] == reverse("sign_in")


def test_a_recovery_code_signs_in_once(world):
    """A recovery code stands in for a one-time code, once; each use is a ledger entry."""
    user, _ = create_user("t-recovering", PASSWORD, "counsel", actor="tester")
    RoleGrant.objects.filter(user=user).update(totp_secret="")
    codes = enrolled(Client(), "t-recovering")
    assert post_sign_in(Client(), "t-recovering", codes[0]).status_code == 302
    assert post_sign_in(Client(), "t-recovering", codes[0]).status_code == 400
    assert post_sign_in(Client(), "t-recovering", "aaaaa-bbbbb").status_code == 400
    assert LedgerEntry.objects.filter(type="user.recovery_code_used").count() >= 1


def test_a_reset_needs_a_second_administrator(world):
    """One administrator asks, the same one cannot approve, another one does: the account then
    enrols afresh at its next sign-in."""
    other, _ = create_user("t-admin-2", PASSWORD, "admin", actor="tester")
    target = world.users["monitor"]
    url = reverse("user_change", kwargs={"user_id": target.pk})
    first, second = Client(), Client()
    first.force_login(world.users["admin"])
    second.force_login(other)
    assert first.post(url, {"what": "reset_request"}).status_code == 302
    assert RoleGrant.objects.get(user=target).totp_secret  # nothing changed yet
    refused = first.post(url, {"what": "reset_approve"})
    assert refused.status_code == 400
    assert "another administrator must approve" in refused.content.decode()
    assert RoleGrant.objects.get(user=target).totp_secret
    assert second.post(url, {"what": "reset_approve"}).status_code == 302
    assert RoleGrant.objects.get(user=target).totp_secret == ""
    assert post_sign_in(Client(), "t-monitor", "")["Location"] == reverse("enrol")
    assert set(LedgerEntry.objects.filter(type__startswith="user.second_factor_reset")
               .values_list("type", flat=True)) == {"user.second_factor_reset_requested",
                                                    "user.second_factor_reset"}


def test_the_set_role_form_has_no_default(world):
    """The role select starts empty (never on admin); sending it empty changes nothing."""
    client = Client()
    client.force_login(world.users["admin"])
    target = world.users["counsel"]
    page = client.get(reverse("user_detail", kwargs={"user_id": target.pk})).content.decode()
    select = re.search(r'<select id="role-role" name="role">(.*?)</select>', page, re.S)[1]
    assert select.startswith('<option value="">')
    assert "selected" not in select
    response = client.post(reverse("user_change", kwargs={"user_id": target.pk}),
                           {"what": "role", "role": ""})
    assert response.status_code == 400
    assert RoleGrant.objects.get(user=target).role == "counsel"
    create = client.get(reverse("users")).content.decode()
    assert re.search(r'<select name="role"[^>]*>\s*<option value="" selected>', create)


def test_a_role_change_makes_no_secret_nobody_is_shown(world):
    """Making an account without a second factor an administrator leaves it without one (it
    enrols at its next sign-in) instead of locking it out with a secret nobody saw."""
    user, _ = create_user("t-promoted", PASSWORD, "caseworker", actor="tester")
    RoleGrant.objects.filter(user=user).update(totp_secret="")
    assert set_role(user.pk, "admin", actor="tester") == ""
    assert RoleGrant.objects.get(user=user).totp_secret == ""
    assert post_sign_in(Client(), "t-promoted", "")["Location"] == reverse("enrol")


def test_the_demo_helper_gives_codes_for_every_role(world):
    """Every test account holds a second factor (the helper the other tests use works)."""
    for role in world.secrets:
        assert one_time_code(f"t-{role}").isdigit()
