"""Benchmark of ``reunify ingest`` against the databases' own bulk loaders.

Generates a synthetic persons CSV (default 1,000,000 rows), then, each in a child process on a
fresh store: ``reunify ingest`` on SQLite next to the ``sqlite3`` tool's ``.import`` of the same
file, and ``reunify ingest`` on PostgreSQL next to psql's ``\\copy`` into an equivalent table.
Prints wall time, rows/s and the child's peak RSS, and the ratios. Run it deliberately:

    .venv/bin/python bench/ingest.py                 # 1,000,000 rows, SQLite and PostgreSQL
    .venv/bin/python bench/ingest.py --rows 100000 --no-postgres
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COLUMNS = ("source", "record_id", "family_name", "given_name", "birth_date", "sex", "country",
           "a_number", "group_id", "group_role", "phone", "address", "languages")
_FAMILY = ("García", "López", "Hernández", "Martínez", "Pérez", "González", "Ramírez", "Cruz",
           "Flores", "Gómez", "Morales", "Vásquez", "Reyes", "Jiménez", "Torres", "Díaz")
_GIVEN = ("María", "José", "Juan", "Ana", "Luis", "Rosa", "Carlos", "Elena", "Jorge", "Sofía",
          "Miguel", "Lucía", "Pedro", "Carmen", "Diego", "Isabel", "Mateo", "Valentina")
_COUNTRIES = ("GT", "HN", "SV", "MX", "NI", "EC", "BR", "CO")
_ROLES = ("parent", "child", "child", "guardian", "relative", "other")
#: The equivalent table the database tools load: the spec's columns, the store's indexes.
_EQUIVALENT_DDL = (
    "CREATE TABLE persons ({columns});"
    "CREATE UNIQUE INDEX persons_key ON persons (source, record_id);"
    "CREATE INDEX persons_current ON persons (source, record_id, group_role);"
    "CREATE INDEX persons_group ON persons (source, group_id);"
)


def generate(path: Path, rows: int, seed: int = 2018) -> int:
    """Write a persons CSV of ``rows`` synthetic rows; return its size in bytes."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(COLUMNS) + "\n")
        for i in range(rows):
            family = f"{rng.choice(_FAMILY)} {rng.choice(_FAMILY)}" if i % 3 else rng.choice(
                _FAMILY)
            given = f"{rng.choice(_GIVEN)} {rng.choice(_GIVEN)}" if i % 4 == 0 else rng.choice(
                _GIVEN)
            year = rng.randint(1960, 2017)
            birth = (f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" if i % 10
                     else str(year))
            a_number = f"A{rng.randint(10**8, 10**9 - 1)}" if i % 2 else ""
            out.write(
                f"bench,r{i},{family},{given},{birth},{'FMX'[i % 3 if i % 50 else 2]},"
                f"{rng.choice(_COUNTRIES)},{a_number},g{i // 3},{rng.choice(_ROLES)},"
                f"+502 {rng.randint(10**7, 10**8 - 1)},\"{rng.randint(1, 99)} Calle "
                f"{rng.choice(_GIVEN)}, Zona {rng.randint(1, 25)}\",es;{'mam' if i % 7 else 'en'}\n"
            )
    return path.stat().st_size


def timed(command: list[str], env: dict[str, str] | None = None,
          stdin: str | None = None) -> tuple[float, float, int]:
    """Run a child process; (wall seconds, CPU seconds, peak RSS in MiB), from its own usage.

    CPU time (user + system) is reported beside wall time because the machine may be shared:
    other work stretches wall time, much less the CPU a process itself used.
    """
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdin=subprocess.PIPE if stdin else None,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if stdin:
        process.stdin.write(stdin)
        process.stdin.close()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    error = process.stderr.read()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{error[-3000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, cpu, usage.ru_maxrss // 1024  # ru_maxrss is in KiB on Linux


def reunify_env(url: str, data: Path) -> dict[str, str]:
    env = dict(os.environ, REUNIFY_DATABASE_URL=url, REUNIFY_DATA_DIR=str(data),
               REUNIFY_ACTOR="bench")
    env.pop("REUNIFY_ENV", None)
    return env


def line(label: str, rows: int, seconds: float, cpu: float, rss: int) -> None:
    print(f"  {label:<48} {seconds:7.2f} s wall {rows / seconds:>9,.0f} rows/s  "
          f"{cpu:7.2f} s CPU  peak RSS {rss:>5} MiB")


def bench_sqlite(work: Path, csv_path: Path, rows: int) -> None:
    python = sys.executable
    store = work / "sqlite" / "store.sqlite3"
    store.parent.mkdir()
    env = reunify_env(f"sqlite:///{store}", work / "sqlite" / "data")
    timed([python, "-m", "reunify.cli.main", "migrate"], env)  # schema first, not timed
    ours = timed([python, "-m", "reunify.cli.main", "ingest", str(csv_path)], env)
    print("SQLite (journal_mode=WAL, synchronous=FULL)")
    line("reunify ingest", rows, *ours)
    pragmas = "PRAGMA journal_mode=WAL;\nPRAGMA synchronous=FULL;\n"
    plain_db = work / "sqlite" / "plain.sqlite3"
    plain = timed(["sqlite3", str(plain_db)],
                  stdin=pragmas + f".mode csv\n.import {csv_path} persons\n")
    line("sqlite3 .import, new table (no indexes)", rows, *plain)
    indexed_db = work / "sqlite" / "indexed.sqlite3"
    ddl = _EQUIVALENT_DDL.format(columns=", ".join(f"{c} TEXT" for c in COLUMNS))
    indexed = timed(["sqlite3", str(indexed_db)],
                    stdin=pragmas + ddl.replace(";", ";\n")
                    + f".mode csv\n.import --skip 1 {csv_path} persons\n")
    line("sqlite3 .import, table with 3 indexes like ours", rows, *indexed)
    _ratios("reunify / .import (no indexes)", ours, plain)
    _ratios("reunify / .import (3 indexes)", ours, indexed)


def _ratios(label: str, ours: tuple[float, float, int], theirs: tuple[float, float, int]) -> None:
    print(f"  ratio {label}: {ours[0] / theirs[0]:.1f}x wall, {ours[1] / theirs[1]:.1f}x CPU")


def bench_postgres(work: Path, csv_path: Path, rows: int, server: str) -> None:
    python = sys.executable
    database = "reunify_bench_ingest"
    admin = f"{server.rstrip('/')}/postgres"
    quiet = dict(os.environ, PGOPTIONS="-c client_min_messages=warning")
    subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {database}"], check=True,
                   env=quiet)
    subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {database}"], check=True)
    try:
        url = f"{server.rstrip('/')}/{database}"
        env = reunify_env(url, work / "pg-data")
        timed([python, "-m", "reunify.cli.main", "migrate"], env)
        ours = timed([python, "-m", "reunify.cli.main", "ingest", str(csv_path)], env)
        print("PostgreSQL (CPU: the client process only; the server's work is not in it)")
        line("reunify ingest", rows, *ours)
        ddl = _EQUIVALENT_DDL.format(columns=", ".join(f"{c} text" for c in COLUMNS))
        subprocess.run(["psql", url, "-qc", ddl], check=True)
        copy = timed(["psql", url, "-qc",
                      f"\\copy persons FROM '{csv_path}' WITH (FORMAT csv, HEADER true)"])
        line("psql \\copy, table with 3 indexes like ours", rows, *copy)
        print(f"  ratio reunify / \\copy: {ours[0] / copy[0]:.1f}x wall")
    finally:
        subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {database}"], check=True,
                       env=quiet)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: tmp)")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432",
                        help="server URL without database (a bench database is created/dropped)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="reunify-bench-ingest-", dir=args.work))
    try:
        csv_path = work / "bench.persons.csv"
        started = time.perf_counter()
        size = generate(csv_path, args.rows)
        print(f"generated {args.rows:,} rows, {size / 1024**2:.0f} MiB, in "
              f"{time.perf_counter() - started:.1f} s: {csv_path.name}")
        if not args.no_sqlite:
            bench_sqlite(work, csv_path, args.rows)
        if not args.no_postgres:
            bench_postgres(work, csv_path, args.rows, args.postgres)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
