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


def prepare_store() -> None:
    """Bring the schema up to date and check the store is durable; commands call it first."""
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


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit status (0 ok, 1 failure, 2 bad input)."""
    _setup_django()
    parser = build_parser()
    args = parser.parse_args(argv)
    status = args.func(args)
    return int(status or 0)


def run() -> None:  # pragma: no cover - console script shim
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
