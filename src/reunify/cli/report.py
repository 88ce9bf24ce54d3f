"""``reunify report compliance|accountability --as-of DATE --format md|html|csv [--out FILE]``."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from reunify.cli.as_of import as_of_day
from reunify.reports.writing import FORMATS, REPORTS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write the compliance or accountability report")
    p.add_argument("name", choices=REPORTS, help="which report")
    p.add_argument("--as-of", type=as_of_day, default=None,
                   help="date the register is computed for (default: today)")
    p.add_argument("--format", dest="fmt", choices=FORMATS, default="md")
    p.add_argument("--out", type=Path, default=None,
                   help="file to write (default: standard output; Markdown figures need a file)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from reunify.cli.main import prepare_store
    from reunify.reports.writing import write_report

    prepare_store()
    text = write_report(args.name, args.as_of or dt.date.today(), args.fmt, args.out)
    if args.out is None:
        sys.stdout.write(text)
    else:
        print(f"wrote the {args.name} report to {args.out}")
    return 0
