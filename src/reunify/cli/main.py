"""Entry point of the ``reunify`` console script.

Commands are discovered: every module of ``reunify.cli`` that defines ``register(subparsers)``
adds its sub-command, so a new command is one new file.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reunify.settings")
    import django

    django.setup()


#: The actor of checkpoints signed at start-up (over entries an earlier process left unsigned).
STARTUP_ACTOR = "reunify:start-up"


def prepare_store(*, sign: bool = True) -> None:
    """Bring the schema up to date, check the store is durable and sign any entry an earlier
    process left unsigned; commands call it first."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from reunify.queries.store import check_durability

    if connection.vendor == "sqlite":
        name = settings.DATABASES["default"]["NAME"]
        if name != ":memory:":
            os.makedirs(os.path.dirname(name) or ".", exist_ok=True)
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        if not settings.DEVELOPMENT:
            raise SystemExit("the store's schema is not up to date: run `reunify migrate` first")
        call_command("migrate", verbosity=0, interactive=False)
    check_durability()
    if sign:
        _sign_at_start_up()
    from reunify.actions.access_queue import replay_orphans

    replay_orphans()  # access-log rows a killed process left in its spool


def _sign_at_start_up() -> None:
    from django.core.exceptions import ImproperlyConfigured

    from reunify.actions.ledger import LedgerDamaged, sign_pending
    from reunify.models.ledger_keys import salt, signing_key
    from reunify.queries.ledger import entry_count

    try:
        if entry_count():
            signing_key()  # a store with entries and no key or salt: an error, never a new one
            salt()
        sign_pending(actor=STARTUP_ACTOR)
    except (LedgerDamaged, ImproperlyConfigured) as exc:
        raise SystemExit(f"reunify: the ledger's unsigned entries cannot be signed: {exc} "
                         "(run `reunify ledger verify`)") from exc


def finish_signing() -> int:
    """After a command: if a checkpoint failed after its commit, retry it once on a fresh
    connection; return EXIT_FAILURE with a clear message if the ledger stays unsigned."""
    from django.db import connection

    from reunify.actions.ledger import failed_checkpoint, forget_failed_checkpoint, sign_pending

    failure = failed_checkpoint()
    if failure is None:
        return EXIT_OK
    connection.close()  # the failure may have been the connection itself
    try:
        sign_pending(actor=STARTUP_ACTOR)
    except Exception as exc:
        print(f"reunify: the command's changes are committed but the ledger's newest entries "
              f"are not signed: {exc}; run `reunify ledger checkpoint` once this is fixed",
              file=sys.stderr)
        return EXIT_FAILURE
    forget_failed_checkpoint()
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reunify",
        description="Keep separated families findable and bring them back together.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    import reunify.cli as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name == "main" or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"reunify.cli.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def _disk_full(exc: BaseException) -> bool:
    """Whether an error says the disk (or the database's space) is full."""
    import errno

    cause = exc.__cause__ or exc
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    if getattr(cause, "sqlstate", None) == "53100":  # PostgreSQL disk_full
        return True
    text = str(exc).lower()
    return "database or disk is full" in text or "no space left on device" in text


def _run_retrying(args: argparse.Namespace) -> int:
    """Run the command; on a transient database error (a dropped connection, a server
    restarting) retry it once on a fresh connection, then give a clear message. Every action
    is one transaction, so a retried command never applies anything twice."""
    import psycopg
    from django.db import DatabaseError, InterfaceError, OperationalError, connection

    # psycopg's own errors reach here unwrapped from a COPY (ingest writes records by COPY).
    transient = (OperationalError, InterfaceError, psycopg.OperationalError,
                 psycopg.InterfaceError)
    for attempt in (1, 2):
        try:
            return int(args.func(args) or 0)
        except (OSError, DatabaseError, psycopg.Error) as exc:
            if _disk_full(exc):
                print(f"reunify: no space left for the store or its files "
                      f"({str(exc).strip()[:200]}); the step that failed wrote nothing: free "
                      "space and run the command again", file=sys.stderr)
                return EXIT_BAD_INPUT
            if not isinstance(exc, transient):
                raise
            connection.close()
            if attempt == 2:
                print(f"reunify: the database failed twice ({str(exc).strip()[:300]}); nothing "
                      "of the failed step was written. Check the database and run the command "
                      "again", file=sys.stderr)
                return EXIT_FAILURE
            print(f"reunify: database error ({str(exc).strip()[:200]}); retrying once",
                  file=sys.stderr)
    return EXIT_FAILURE  # pragma: no cover - the loop always returns


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit status (0 ok, 1 failure, 2 bad input)."""
    _setup_django()
    parser = build_parser()
    args = parser.parse_args(argv)
    from reunify.actions.ledger import forget_failed_checkpoint

    forget_failed_checkpoint()  # only this command's failures count (main runs in-process too)
    status = _run_retrying(args)
    signed = finish_signing()
    return status if signed == EXIT_OK else signed


def run() -> None:  # pragma: no cover - console script shim
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
