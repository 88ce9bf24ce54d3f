"""``python -m reunify.reports NAME --as-of DATE --format md|html|csv [--out FILE]``.

Reports sit beside the CLI and the web in the top layer and neither imports the other; the
``reunify report`` command runs this module as its own process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

REPORTS = ("compliance", "accountability")
FORMATS = ("md", "html", "csv")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m reunify.reports")
    parser.add_argument("name", choices=REPORTS)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--format", dest="fmt", choices=FORMATS, default="md")
    parser.add_argument("--out", type=Path, default=None)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Build and write one report; return 0 (written) or 2 (bad arguments)."""
    args = build_parser().parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reunify.settings")
    import django

    django.setup()
    from reunify.reports.document import render

    as_of = args.as_of or dt.date.today()
    if args.name == "compliance":
        from reunify.reports.compliance import compliance_report

        report = compliance_report(as_of)
    else:
        from reunify.reports.accountability import accountability_report

        report = accountability_report(as_of)
    out: Path | None = args.out
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
    text = render(report, args.fmt, out)
    if out is None:
        sys.stdout.write(text)
        return 0
    partial = out.with_name(out.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(out)
    print(f"wrote the {args.name} report to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
