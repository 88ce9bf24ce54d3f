"""Who is acting: ``--as ACTOR`` or ``REUNIFY_ACTOR``, never empty."""

from __future__ import annotations

import argparse
import os
import sys


def add_actor_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as", dest="actor", metavar="ACTOR", default=None,
        help="who is acting (default: $REUNIFY_ACTOR); recorded in the ledger",
    )


def resolve_actor(args: argparse.Namespace) -> str:
    """The acting person's name; exits with status 2 when there is none."""
    actor = (getattr(args, "actor", None) or os.environ.get("REUNIFY_ACTOR", "")).strip()
    if not actor:
        print("reunify: who is acting? Give --as ACTOR or set REUNIFY_ACTOR (it is recorded)",
              file=sys.stderr)
        raise SystemExit(2)
    return actor


def reader() -> str:
    """Who is reading, for the access log: ``REUNIFY_ACTOR``, else the operating-system
    account running the command (a read needs no ``--as``, but is never anonymous)."""
    import getpass

    actor = os.environ.get("REUNIFY_ACTOR", "").strip()
    if actor:
        return actor
    try:
        return f"os:{getpass.getuser()}"
    except (KeyError, OSError):
        return f"os:uid-{os.getuid()}"
