"""Shared fixtures. Tests run on the store REUNIFY_DATABASE_URL names (SQLite or PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from stores import store_env  # noqa: F401 - a fixture: a fresh SQLite and PostgreSQL store

REPO = Path(__file__).resolve().parents[1]


def pytest_configure(config: pytest.Config) -> None:
    """The SQLite test store is a file under the data directory, which must exist."""
    from django.conf import settings

    Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """Environment for running ``reunify`` in a subprocess against its own fresh SQLite store."""
    env = dict(os.environ)
    env["REUNIFY_DATABASE_URL"] = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    env["REUNIFY_DATA_DIR"] = str(tmp_path / "data")
    env["REUNIFY_ACTOR"] = "test-runner"
    env.pop("REUNIFY_ENV", None)
    return env


@pytest.fixture
def run_cli(cli_env: dict[str, str]):
    """Run ``reunify ARGS…`` as a separate process; returns the CompletedProcess."""

    def run(*args: str, env: dict[str, str] | None = None, check: bool = False):
        return subprocess.run(
            [sys.executable, "-m", "reunify.cli.main", *args],
            env=env or cli_env, capture_output=True, text=True, check=check, timeout=600,
        )

    return run
