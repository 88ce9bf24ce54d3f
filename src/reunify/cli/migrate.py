"""``reunify migrate``: bring the store's schema up to date."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("migrate", help="create or update the store's schema")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    from reunify.queries.store import check_durability

    call_command("migrate", verbosity=1, interactive=False)
    check_durability()
    return 0
