"""``reunify report compliance|accountability --as-of DATE --format md|html|csv [--out FILE]``.

The reports live in ``reunify.reports``, a sibling of the CLI in the top layer that the CLI may
not import; this command brings the store up to date and runs ``python -m reunify.reports``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
from pathlib import Path

REPORTS = ("compliance", "accountability")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write the compliance or accountability report")
    p.add_argument("name", choices=REPORTS, help="which report")
    p.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                   help="date the register is computed for (default: today)")
    p.add_argument("--format", dest="fmt", choices=("md", "html", "csv"), default="md")
    p.add_argument("--out", type=Path, default=None,
                   help="file to write (default: standard output; Markdown figures need a file)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from reunify.cli.main import prepare_store

    prepare_store()
    argv = [sys.executable, "-m", "reunify.reports", args.name, "--format", args.fmt,
            "--as-of", (args.as_of or dt.date.today()).isoformat()]
    if args.out is not None:
        argv += ["--out", str(args.out)]
    return subprocess.run(argv, check=False).returncode
