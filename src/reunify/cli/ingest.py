"""``reunify ingest PATH…``: bring a batch of interchange files into the store, all or nothing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reunify.cli.actor import add_actor_option, resolve_actor


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ingest", help="ingest a batch: files <source>.<kind>.csv|jsonl, or folders of them",
        description="Ingest one batch. Every file commits, or (on any problem) none does; "
        "problems are listed as FILE:LINE:COLUMN on stderr and the exit status is 2.",
    )
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                   help="a file <source>.<kind>.csv|jsonl, or a folder of them")
    add_actor_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from reunify.actions.ingest import BatchRejected, ingest_paths
    from reunify.cli.main import EXIT_BAD_INPUT, EXIT_OK, prepare_store
    from reunify.cli.terminal import Console

    actor = resolve_actor(args)
    prepare_store()
    try:
        report = ingest_paths(args.paths, actor=actor, progress=Console(stderr=True))
    except BatchRejected as rejected:
        for problem in rejected.problems:
            print(problem, file=sys.stderr)
        if rejected.more:
            print(f"… and {rejected.more} more problems", file=sys.stderr)
        total = len(rejected.problems) + rejected.more
        print(f"batch rejected: {total} problem{'s' if total != 1 else ''}; nothing was written",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    print(report)
    return EXIT_OK
