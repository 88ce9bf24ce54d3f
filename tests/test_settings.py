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
    result = _import_settings(REUNIFY_ENV="production", REUNIFY_SECRET_KEY="x" * 64)
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
