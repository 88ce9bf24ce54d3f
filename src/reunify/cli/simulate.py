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
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from reunify.cli.terminal import Console
    from reunify.simulator import simulate

    console = Console(stderr=True)
    if args.families < 0:
        console.print("--families must be zero or more")
        return EXIT_BAD_INPUT
    with Progress(TextColumn("simulating families"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        task = progress.add_task("simulate", total=args.families)
        counts = simulate(args.outdir, families=args.families, seed=args.seed, as_of=args.as_of,
                          fmt=args.fmt,
                          progress=lambda done, total: progress.update(task, completed=done,
                                                                       total=total))
    records = sum(v for k, v in counts.items()
                  if k.endswith(f".persons.{args.fmt}") and not k.startswith("truth."))
    print(f"{args.outdir}: {counts['families']} families, {counts['persons']} persons, "
          f"{records} person-records (manifest.json lists every file)")
    return EXIT_OK
