"""``reunify export NAME --out FILE``: the spec's exports (identities, families, register,
cases, matches).

Machine exports: values are written exactly as they are, for other programs, with no
spreadsheet formula neutralisation (a name may begin with ``=``). A person who wants the
register in a spreadsheet downloads ``/register.csv``, which is neutralised; see
docs/families.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from reunify.cli.actor import add_actor_option, resolve_actor
from reunify.cli.as_of import as_of_day


def _identities(as_of: dt.date) -> Iterator[dict]:
    from reunify.queries.identities import identity_rows

    for source, record_id, person_id in identity_rows():
        yield {"source": source, "record_id": record_id, "person_id": person_id}


def _families(as_of: dt.date) -> Iterator[dict]:
    from reunify.queries.families import family_rows

    return family_rows()


def _register(as_of: dt.date) -> Iterator[dict]:
    from reunify.queries.register import register_rows

    return register_rows(as_of)


def _cases(as_of: dt.date) -> Iterator[dict]:
    from reunify.queries.cases import case_rows

    return case_rows(as_of)


def _matches(as_of: dt.date) -> Iterator[dict]:
    from reunify.queries.tracing import match_rows

    return match_rows()


#: Export name → the query that yields its rows, given the as-of date.
EXPORTS: dict[str, Callable[[dt.date], Iterator[dict]]] = {
    "identities": _identities,
    "families": _families,
    "register": _register,
    "cases": _cases,
    "matches": _matches,
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="write an export of the interchange spec (CSV or JSONL; "
                       "exact values for programs, not neutralised for spreadsheets)")
    p.add_argument("name", choices=sorted(EXPORTS), help="which export")
    p.add_argument("--out", required=True, type=Path, help="file to write")
    p.add_argument("--format", dest="fmt", choices=("csv", "jsonl"), default="csv")
    p.add_argument("--as-of", type=as_of_day, default=None,
                   help="date the register is computed for (default: today)")
    add_actor_option(p)
    p.set_defaults(func=run)


def _noting_persons(rows: Iterator[dict], revealed: list[str]) -> Iterator[dict]:
    """The rows, noting every person id they reveal (for the access log)."""
    for row in rows:
        person = row.get("person_id")
        if person:
            revealed.append(str(person))
        yield row


def run(args: argparse.Namespace) -> int:
    from reunify.actions.access import record_cli_reads
    from reunify.actions.export import export_rows
    from reunify.cli.main import prepare_store
    from reunify.rules.interchange import EXPORT_COLUMNS

    actor = resolve_actor(args)
    prepare_store()
    if args.name == "identities":
        from reunify.queries.identities import records_without_person

        # The spec's identities cover every ingested record: never write a partial list.
        if missing := records_without_person():
            print(f"reunify: {missing} person-records have no person yet; run `reunify link` "
                  f"first (the identities export covers every ingested record)",
                  file=sys.stderr)
            return 2
    query = EXPORTS[args.name]
    if args.name == "matches":
        from reunify.cli.tracing import refresh_matches

        refresh_matches(actor)
    as_of = args.as_of or dt.date.today()
    if args.name == "cases":
        _open_cases(as_of, actor)
    if args.name == "register":
        from reunify.reports.register import stored_rows

        rows = stored_rows(as_of, actor=actor)
    else:
        rows = query(as_of)
    revealed: list[str] = []
    count = export_rows(
        args.name, _noting_persons(rows, revealed), EXPORT_COLUMNS[args.name], args.out,
        fmt=args.fmt, actor=actor, params={"as_of": as_of.isoformat()},
    )
    record_cli_reads(f"export {args.name}", revealed, actor=actor)
    print(f"wrote {count} rows of {args.name} to {args.out}")
    return 0


def _open_cases(as_of: dt.date, actor: str) -> None:
    """Before the ``cases`` export: the cases the register calls for on that day, opened (as
    ``reunify cases open`` would), so that every child it shows separated has one."""
    from reunify.actions.casework import follow_persons, open_cases
    from reunify.queries.cases import needed_cases

    follow_persons(actor=actor)
    opened = open_cases(needed_cases(as_of), actor=actor, on=as_of)
    if opened:
        print(f"opened {len(opened)} cases the register calls for on {as_of.isoformat()}")
