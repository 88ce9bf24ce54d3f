"""``reunify simulate OUTDIR``: write a synthetic zero-tolerance season as an interchange batch.

The batch has four sources (border, docket, detention, shelter), truth files and a manifest;
docs/simulator.md describes what is in it. No store is touched.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from reunify.cli.main import EXIT_BAD_INPUT, EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("simulate", help="write a synthetic 2018 season as an interchange batch")
    p.add_argument("outdir", type=Path, help="folder the batch is written to (created)")
    p.add_argument("--families", type=int, default=2000, help="family units (default 2000)")
    p.add_argument("--seed", type=int, default=2018, help="random seed (default 2018)")
    p.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                   help="the day the sources export (default 2018-09-30); later events are "
                        "not written and the truth register is as of this day")
    p.add_argument("--format", dest="fmt", choices=("csv", "jsonl"), default="csv",
                   help="file format of the batch (truth files are always CSV)")
    p.add_argument("--conventions", default="canonical",
                   help="how each source writes its events: canonical (default), mixed (drawn "
                        "per source from the seed) or KEY=VALUE / SOURCE:KEY=VALUE items, "
                        "comma-separated, e.g. separated=child,detention:lag=3 "
                        "(docs/simulator.md, 'Recording conventions')")
    names = p.add_mutually_exclusive_group()
    names.add_argument("--source-names", default=None, metavar="NAME,NAME,NAME,NAME",
                       help="write the four sources (border, docket, detention, shelter) "
                            "under these names instead")
    names.add_argument("--rename-sources", type=int, default=None, metavar="SEED",
                       help="write the sources under other names drawn with SEED")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from reunify.cli.terminal import Console
    from reunify.simulator import simulate
    from reunify.simulator.batch import SOURCES
    from reunify.simulator.conventions import ConventionError, parse
    from reunify.simulator.sources import given_names, source_names

    console = Console(stderr=True)
    if args.families < 0:
        console.print("--families must be zero or more")
        return EXIT_BAD_INPUT
    try:
        conventions = parse(args.conventions, SOURCES, args.seed)
    except ConventionError as error:
        console.print(f"--conventions: {error}", markup=False, highlight=False, soft_wrap=True)
        return EXIT_BAD_INPUT
    names = None
    if args.source_names is not None:
        try:
            names = given_names(args.source_names.split(","))
        except ValueError as error:
            console.print(f"--source-names: {error}")
            return EXIT_BAD_INPUT
    elif args.rename_sources is not None:
        names = source_names(args.rename_sources)
    with Progress(TextColumn("simulating families"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        task = progress.add_task("simulate", total=args.families)
        counts = simulate(args.outdir, families=args.families, seed=args.seed, as_of=args.as_of,
                          fmt=args.fmt, conventions=conventions, source_names=names,
                          progress=lambda done, total: progress.update(task, completed=done,
                                                                       total=total))
    records = sum(v for k, v in counts.items()
                  if k.endswith(f".persons.{args.fmt}") and not k.startswith("truth."))
    print(f"{args.outdir}: {counts['families']} families, {counts['persons']} persons, "
          f"{records} person-records (manifest.json lists every file)")
    return EXIT_OK
