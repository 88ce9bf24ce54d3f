"""``reunify register``: the separation register's headline as of a day (rows: ``export``)."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os

from reunify.cli.as_of import as_of_day


def reader() -> str:
    """Who is reading, for a register computed on their request: ``$REUNIFY_ACTOR``, else
    the operating-system account (a read needs no ``--as``)."""
    return os.environ.get("REUNIFY_ACTOR", "").strip() or f"cli:{getpass.getuser()}"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("register", help="the separation register at a glance, as of a day")
    p.add_argument("--as-of", type=as_of_day, default=None,
                   help="date the register is computed for (default: today)")
    p.add_argument("--json", action="store_true", help="print the counts as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.table import Table

    from reunify.cli.main import prepare_store
    from reunify.cli.terminal import Console
    from reunify.reports.register import stored_headline

    prepare_store()
    as_of = args.as_of or dt.date.today()
    head = stored_headline(as_of, actor=reader())
    if args.json:
        print(json.dumps({"as_of": as_of.isoformat(), **head}, indent=2))
        return 0
    table = Table(title=f"Separation register as of {as_of.isoformat()}")
    table.add_column("")
    table.add_column("count", justify="right")
    for key, value in head.items():
        table.add_row(key, str(value))
    Console().print(table)
    print("rows: reunify export register --as-of DATE --out FILE")
    return 0
