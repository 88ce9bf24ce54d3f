"""The settings module reads the environment once and refuses unsafe production configurations."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from reunify.settings import parse_database_url


def _import_settings(**env: str) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith("REUNIFY_")}
    full.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import reunify.settings"], env=full, capture_output=True, text=True,
        check=False,
    )


def test_default_secret_is_refused_in_production():
    """Outside development the process refuses to start with the development secret."""
    result = _import_settings(REUNIFY_ENV="production")
    assert result.returncode != 0
    assert "REUNIFY_SECRET_KEY" in result.stderr


def test_real_secret_is_accepted_in_production():
    """A long random secret lets production settings load."""
    result = _import_settings(REUNIFY_ENV="production", REUNIFY_SECRET_KEY="x" * 64,
                              REUNIFY_FIELD_KEY="q" * 43 + "=")
    assert result.returncode == 0, result.stderr


def test_sqlite_url_is_durable_and_serialised(tmp_path):
    """SQLite stores run in WAL with synchronous=FULL and take the write lock at BEGIN."""
    db = parse_database_url(f"sqlite:///{tmp_path}/x.sqlite3")
    assert db["ENGINE"].endswith("sqlite3")
    assert db["NAME"] == str(tmp_path / "x.sqlite3")
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    assert "synchronous=FULL" in db["OPTIONS"]["init_command"]
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_postgresql_url_is_parsed():
    """A postgresql:// URL names user, host, port and database."""
    db = parse_database_url("postgresql://postgres:pw@127.0.0.1:5432/test")
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "postgres", "pw", "127.0.0.1", "5432", "test",
    )


def test_unknown_url_scheme_is_refused():
    """Anything but sqlite:// and postgresql:// is a configuration error that names the variable."""
    with pytest.raises(Exception, match="REUNIFY_DATABASE_URL"):
        parse_database_url("mysql://root@localhost/test")


@pytest.mark.django_db
def test_store_is_durable():
    """The store under test really runs with the durability the settings ask for."""
    from reunify.queries.store import check_durability

    found = check_durability()
    if found["vendor"] == "sqlite":
        assert found["journal_mode"] == "wal"
        assert found["synchronous"] == "FULL"


def _settings_value(expression: str, **env: str) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith("REUNIFY_")}
    full.update(env)
    return subprocess.run(
        [sys.executable, "-c", f"import reunify.settings as s; print({expression})"], env=full,
        capture_output=True, text=True, check=False,
    )


PRODUCTION = {"REUNIFY_ENV": "production", "REUNIFY_SECRET_KEY": "x" * 64,
              "REUNIFY_FIELD_KEY": "q" * 43 + "="}


def test_production_needs_a_field_key():
    """Outside development the key that encrypts stored secrets must be given, and valid."""
    missing = _import_settings(REUNIFY_ENV="production", REUNIFY_SECRET_KEY="x" * 64)
    assert missing.returncode != 0
    assert "REUNIFY_FIELD_KEY" in missing.stderr
    bad = _import_settings(**{**PRODUCTION, "REUNIFY_FIELD_KEY": "not-a-key"})
    assert bad.returncode != 0
    assert "REUNIFY_FIELD_KEY" in bad.stderr


def test_a_trusted_proxy_turns_on_forwarded_proto_and_host():
    """With REUNIFY_TRUSTED_PROXY_HOPS the forwarded scheme and host are believed; without it
    they are not, and HSTS and secure cookies are on in production either way."""
    expression = "(s.TRUSTED_PROXY_HOPS, getattr(s, 'SECURE_PROXY_SSL_HEADER', None), " \
        "getattr(s, 'USE_X_FORWARDED_HOST', False), s.SECURE_HSTS_SECONDS, " \
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    behind = _settings_value(expression, **PRODUCTION, REUNIFY_TRUSTED_PROXY_HOPS="1")
    assert behind.returncode == 0, behind.stderr
    assert behind.stdout.strip() == \
        "(1, ('HTTP_X_FORWARDED_PROTO', 'https'), True, 31536000, True, True)"
    direct = _settings_value(expression, **PRODUCTION)
    assert direct.stdout.strip() == "(0, None, False, 31536000, True, True)"
    wrong = _settings_value(expression, **PRODUCTION, REUNIFY_TRUSTED_PROXY_HOPS="one")
    assert wrong.returncode != 0
    assert "REUNIFY_TRUSTED_PROXY_HOPS" in wrong.stderr


def test_csrf_trusted_origins_are_read_and_checked():
    """REUNIFY_CSRF_TRUSTED_ORIGINS is a comma-separated list of https origins."""
    ok = _settings_value("s.CSRF_TRUSTED_ORIGINS", **PRODUCTION,
                         REUNIFY_CSRF_TRUSTED_ORIGINS="https://a.example, https://b.example:8443")
    assert ok.stdout.strip() == "['https://a.example', 'https://b.example:8443']"
    for bad in ("http://a.example", "a.example", "https://a.example/path"):
        refused = _settings_value("s.CSRF_TRUSTED_ORIGINS", **PRODUCTION,
                                  REUNIFY_CSRF_TRUSTED_ORIGINS=bad)
        assert refused.returncode != 0, bad
        assert "REUNIFY_CSRF_TRUSTED_ORIGINS" in refused.stderr


def test_the_client_address_honours_only_the_trusted_hops(settings):
    """Behind N trusted proxies the client is the N-th address from the right of
    X-Forwarded-For; entries further left (the client's own claims) are never believed, and
    without a trusted proxy the header is ignored."""
    from django.test import RequestFactory

    from reunify.web.client import client_address

    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2",
                                   HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7, 10.0.0.1")
    settings.TRUSTED_PROXY_HOPS = 0
    assert client_address(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_HOPS = 1
    assert client_address(request) == "10.0.0.1"
    settings.TRUSTED_PROXY_HOPS = 2
    assert client_address(request) == "203.0.113.7"
    settings.TRUSTED_PROXY_HOPS = 5  # fewer entries than hops: the proxy itself, not a claim
    assert client_address(request) == "10.0.0.2"
    forged = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="<script>")
    settings.TRUSTED_PROXY_HOPS = 1
    assert client_address(forged) == "10.0.0.2"
