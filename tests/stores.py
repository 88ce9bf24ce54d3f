"""Fresh stores for tests that run several processes: SQLite, or PostgreSQL when the suite
runs on it (a database of its own next to the test database, dropped afterwards)."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings


def postgres_store(prefix: str = "ops"):
    """A fresh PostgreSQL database: (url, drop)."""
    import psycopg

    db = settings.DATABASES["default"]
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    server = dict(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                  password=db["PASSWORD"] or None, dbname=db["NAME"], autocommit=True)
    with psycopg.connect(**server) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    url = f"postgresql://{auth}@{server['host']}:{server['port']}/{name}"

    def drop() -> None:
        with psycopg.connect(**server) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url, drop


def on_postgres() -> bool:
    """Whether the suite runs on PostgreSQL."""
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_env(request, cli_env):
    """Environment for processes sharing one fresh store, on SQLite and (when the suite runs on
    PostgreSQL) on PostgreSQL."""
    if request.param == "sqlite":
        yield cli_env
        return
    if not on_postgres():
        pytest.skip("the suite runs on SQLite; run it on PostgreSQL for this case")
    url, drop = postgres_store()
    yield {**cli_env, "REUNIFY_DATABASE_URL": url}
    drop()
