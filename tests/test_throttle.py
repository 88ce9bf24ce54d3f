"""Sign-in throttling: keyed on the real client address, atomic, back-off per account+address."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from reunify.models import SignInCounter
from reunify.rules import throttle
from web_world import PASSWORD, one_time_code, world_fixture  # noqa: F401 - the world fixture

WRONG = "wrong password, wrong"


def attempt(username: str, password: str = WRONG, *, address: str = "127.0.0.1",
            forwarded: str | None = None):
    extra = {"REMOTE_ADDR": address}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    code = one_time_code(username) if password == PASSWORD else ""
    return Client().post(reverse("sign_in"), {"username": username, "password": password,
                                              "code": code}, **extra)


def test_pair_back_off_doubles_and_is_capped():
    """Five failures lock a pair for a minute, each further one doubles it, up to 15 minutes."""
    assert throttle.pair_lock(4) == dt.timedelta(0)
    assert throttle.pair_lock(5) == dt.timedelta(minutes=1)
    assert throttle.pair_lock(6) == dt.timedelta(minutes=2)
    assert throttle.pair_lock(8) == dt.timedelta(minutes=8)
    assert throttle.pair_lock(9) == throttle.pair_lock(500) == dt.timedelta(minutes=15)


def test_an_expired_address_window_starts_again():
    """An address's count runs over one window from its first failure, then starts afresh."""
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    full = throttle.Count(throttle.MAX_FAILURES_PER_ADDRESS, start, start)
    assert throttle.wait(throttle.ADDRESS, full, start + dt.timedelta(minutes=5)) == \
        dt.timedelta(minutes=10)
    assert throttle.wait(throttle.ADDRESS, full, start + throttle.WINDOW) == dt.timedelta(0)


@pytest.mark.django_db
def test_an_attacker_cannot_lock_the_owner_out(world):
    """Failures from one address lock that address's attempts at the account only: the owner,
    from another address, still signs in; and the lock is one minute, not fifteen."""
    for _ in range(throttle.MAX_FAILURES_PER_PAIR):
        assert attempt("t-auditor", address="198.51.100.7").status_code == 400
    refused = attempt("t-auditor", PASSWORD, address="198.51.100.7")
    assert refused.status_code == 429
    assert refused["Retry-After"] in {"59", "60"}
    assert attempt("t-auditor", PASSWORD, address="198.51.100.8").status_code == 302


@pytest.mark.django_db
def test_back_off_lets_one_attempt_through_when_the_lock_ends(world):
    """When a pair's lock has passed one more attempt is evaluated; failing, it locks longer."""
    for _ in range(throttle.MAX_FAILURES_PER_PAIR):
        attempt("t-monitor", address="198.51.100.9")
    key = throttle.pair_key("t-monitor", "198.51.100.9")
    counter = SignInCounter.objects.get(key=key)
    SignInCounter.objects.filter(key=key).update(
        last_at=counter.last_at - dt.timedelta(seconds=61))
    assert attempt("t-monitor", address="198.51.100.9").status_code == 400
    refused = attempt("t-monitor", PASSWORD, address="198.51.100.9")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 60


@pytest.mark.django_db
def test_address_limit_is_keyed_on_the_client_behind_the_trusted_proxy(world, settings):
    """Behind one trusted proxy, 20 failures from one client refuse that client only; another
    client behind the same proxy is not refused, and a forged X-Forwarded-For entry is
    ignored."""
    settings.TRUSTED_PROXY_HOPS = 1
    for number in range(throttle.MAX_FAILURES_PER_ADDRESS):
        assert attempt(f"t-nobody-{number}", address="10.0.0.2",
                       forwarded="203.0.113.1").status_code == 400
    assert attempt("t-someone", address="10.0.0.2", forwarded="203.0.113.1").status_code == 429
    assert attempt("t-someone", address="10.0.0.2",
                   forwarded="203.0.113.99, 203.0.113.1").status_code == 429
    assert attempt("t-caseworker", PASSWORD, address="10.0.0.2",
                   forwarded="203.0.113.2").status_code == 302
