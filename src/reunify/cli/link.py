"""``reunify link``: resolve every current person-record into persons."""

from __future__ import annotations

import argparse
import sys

from reunify.cli.actor import add_actor_option, resolve_actor


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("link", help="resolve records into persons (identity resolution)")
    p.add_argument("--engine", choices=("splink", "deterministic"), default="splink",
                   help="splink: trained per run (default); deterministic: exact keys only")
    add_actor_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.table import Table

    from reunify.actions.link import DecisionsChanged, link
    from reunify.cli.main import EXIT_FAILURE, prepare_store
    from reunify.cli.terminal import Console

    actor = resolve_actor(args)
    prepare_store()
    console = Console(stderr=True)
    try:
        link_run = link(actor=actor, engine=args.engine, progress=console)
    except DecisionsChanged as changed:
        print(f"reunify: {changed}", file=sys.stderr)
        return EXIT_FAILURE
    stats = link_run.stats
    table = Table(title=f"link run {link_run.pk} ({link_run.engine})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key in ("records", "persons", "accepted_pairs", "review_pairs", "persons_created",
                "identities_created", "identities_moved", "identities_removed"):
        table.add_row(key.replace("_", " "), str(stats.get(key, "")))
    refused = stats.get("refused_merges") or {}
    table.add_row("merges refused", ", ".join(f"{k} {v}" for k, v in sorted(refused.items()))
                  or "0")
    table.add_row("model sha256", link_run.model_sha256[:16] + "…")
    Console().print(table)
    from reunify.cli.families import refresh_register_now

    refresh_register_now(console, actor)
    return 0
