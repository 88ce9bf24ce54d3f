"""A batch killed mid-write leaves the store as it was before the batch (SQLite, PostgreSQL)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.ingest_batches import good_batch

#: Rows in the batch that is killed: enough that writing takes seconds on a slow machine.
_BIG_ROWS = 200_000


def _dump(store: Path) -> tuple[str, list[str]]:
    """(integrity_check answer, the whole database as SQL) — opening it recovers the WAL."""
    connection = sqlite3.connect(store)
    try:
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        return integrity, list(connection.iterdump())
    finally:
        connection.close()


def _big_persons(path: Path, rows: int) -> Path:
    with path.open("w", encoding="utf-8") as out:
        out.write("source,record_id,family_name,given_name,birth_date,sex,country,group_id\n")
        for i in range(rows):
            out.write(f"big,r{i},Apellido{i % 997},Nombre{i % 113},{1950 + i % 60}-0{1 + i % 9}"
                      f"-1{i % 9},{'FMX'[i % 3]},GT,g{i // 4}\n")
    return path


def _wal_size(store: Path) -> int:
    wal = store.with_name(store.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def test_sigkill_mid_batch_leaves_the_store_as_before(tmp_path, cli_env, run_cli):
    """kill -9 while a batch is being written: integrity_check is ok and no row of it remains."""
    store = Path(cli_env["REUNIFY_DATABASE_URL"][len("sqlite:///"):])
    seeded = run_cli("ingest", str(good_batch(tmp_path / "seed")))
    assert seeded.returncode == 0, seeded.stderr
    integrity, before = _dump(store)
    assert integrity == "ok"
    wal_before = _wal_size(store)
    big = _big_persons(tmp_path / "big.persons.csv", _BIG_ROWS)

    process = subprocess.Popen(
        [sys.executable, "-m", "reunify.cli.main", "ingest", str(big)],
        env=cli_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        # Uncommitted pages spill into the WAL once the page cache is full: proof of writing.
        while _wal_size(store) < wal_before + 4 * 1024**2:
            assert process.poll() is None, "the batch finished before it could be killed"
            assert time.monotonic() < deadline, "the batch never started writing"
            time.sleep(0.02)
        process.kill()  # SIGKILL: no handler, no rollback, no clean-up in the process
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=60)
    assert process.returncode == -9

    integrity, after = _dump(store)
    assert integrity == "ok"
    assert after == before
    again = run_cli("ingest", str(big))
    assert again.returncode == 0, again.stderr
    assert f"{_BIG_ROWS} rows: {_BIG_ROWS} new" in again.stdout


def _pg_rows(url: str) -> dict[str, list[tuple]]:
    import psycopg

    with psycopg.connect(url) as connection:
        tables = [name for (name,) in connection.execute(
            "SELECT tablename FROM pg_tables WHERE tablename LIKE 'reunify_%' ORDER BY 1")]
        return {t: connection.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
                for t in tables}


def test_sigkill_mid_batch_on_postgresql(tmp_path, cli_env, run_cli):
    """On PostgreSQL too, a batch whose process is killed mid-COPY leaves no row behind."""
    import os

    import psycopg

    url = os.environ.get("REUNIFY_DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("runs when the tests run on PostgreSQL")
    server = url.rsplit("/", 1)[0]
    database = f"reunify_kill_{os.getpid()}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {database}")
        admin.execute(f"CREATE DATABASE {database}")
    try:
        env = dict(cli_env, REUNIFY_DATABASE_URL=f"{server}/{database}")
        seeded = run_cli("ingest", str(good_batch(tmp_path / "seed")), env=env)
        assert seeded.returncode == 0, seeded.stderr
        before = _pg_rows(env["REUNIFY_DATABASE_URL"])
        big = _big_persons(tmp_path / "big.persons.csv", _BIG_ROWS)
        process = subprocess.Popen(
            [sys.executable, "-m", "reunify.cli.main", "ingest", str(big)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 300
            with psycopg.connect(f"{server}/{database}", autocommit=True) as watch:
                # Writing has begun when the batch's COPY is running on the server.
                while not watch.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                    "AND query LIKE 'COPY %%' AND state = 'active'", [database]
                ).fetchone()[0]:
                    assert process.poll() is None, "the batch finished before it could be killed"
                    assert time.monotonic() < deadline, "the batch never started writing"
                    time.sleep(0.02)
            process.kill()
            process.wait(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=60)
        assert process.returncode == -9
        # The server ends the orphaned transaction when it sees the connection gone; compare
        # once it has, so nothing of the batch could still be committed after the check.
        deadline = time.monotonic() + 60
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            while admin.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s",
                                [database]).fetchone()[0]:
                assert time.monotonic() < deadline, "the killed batch's session never ended"
                time.sleep(0.1)
        assert _pg_rows(env["REUNIFY_DATABASE_URL"]) == before
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
