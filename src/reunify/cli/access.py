"""``reunify access query|digest|verify``: who read whom, and proof that no row went missing.

``query`` answers "who looked at this child's record, and who tried to" (``--person P…`` or
``--family F…``, ``--user``, ``--since DAY``, ``--denied``); it is itself logged. ``digest``
anchors every past day's digest in the ledger (run it daily); ``verify`` recomputes them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys

from reunify.cli.actor import add_actor_option, reader, resolve_actor

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("access", help="the access log: who read whom; digest and verify it")
    cmds = p.add_subparsers(dest="access_command", metavar="ACCESS_COMMAND")
    cmds.required = True
    q = cmds.add_parser("query", help="reads (and refused reads) by person, family, user, day")
    q.add_argument("--person", help="a person id, P0000123")
    q.add_argument("--family", help="a family id, F0000045 (reads of it or of its members)")
    q.add_argument("--user", help="an account name (or the actor of command-line reads)")
    q.add_argument("--since", type=dt.date.fromisoformat, help="first day (UTC), YYYY-MM-DD")
    q.add_argument("--until", type=dt.date.fromisoformat, help="day after the last (UTC)")
    q.add_argument("--denied", action="store_true", help="only refused reads")
    q.add_argument("--limit", type=int, default=100)
    q.add_argument("--offset", type=int, default=0)
    q.add_argument("--json", action="store_true", help="one JSON object a line")
    q.set_defaults(func=run_query)
    d = cmds.add_parser("digest", help="anchor every past day's digest in the ledger (daily)")
    add_actor_option(d)
    d.set_defaults(func=run_digest)
    v = cmds.add_parser("verify", help="recompute every anchored day; fail if a row is missing")
    v.set_defaults(func=run_verify)


def run_query(args: argparse.Namespace) -> int:
    from reunify.actions.access import record_cli_reads
    from reunify.cli.main import prepare_store
    from reunify.queries.access import AccessFilter, find_reads

    for value, letter in ((args.person, "P"), (args.family, "F")):
        if value and not re.fullmatch(rf"{letter}\d{{7,12}}", value):
            print(f"reunify: {value!r} is not an id like {letter}0000123", file=sys.stderr)
            return EXIT_BAD_INPUT
    prepare_store()
    where = AccessFilter(person=args.person, family=args.family, user=args.user,
                         outcome="denied" if args.denied else None, since=args.since,
                         until=args.until)
    total, rows = find_reads(where, limit=args.limit, offset=args.offset)
    for row in rows:
        if args.json:
            print(json.dumps(row, ensure_ascii=False, sort_keys=True))
        else:
            print(f"{row['at']} {row['outcome']:6} {row['user']} ({row['role']}) "
                  f"{row['what']} {row['object_id']} via {row['route']}")
    print(f"{total} matching reads", file=sys.stderr)
    # An audit query reveals who read whom: it is itself a read of those persons.
    record_cli_reads("access query", [p for p in (args.person,) if p], actor=reader())
    return EXIT_OK


def run_digest(args: argparse.Namespace) -> int:
    from reunify.actions.access_audit import digest_access_log
    from reunify.cli.main import prepare_store

    actor = resolve_actor(args)
    prepare_store()
    days = digest_access_log(actor=actor)
    print(f"digested {len(days)} day(s)" + (f": {days[0]} … {days[-1]}" if days else ""))
    return EXIT_OK


def run_verify(args: argparse.Namespace) -> int:
    from reunify.cli.main import prepare_store
    from reunify.queries.access import verify_access_log

    prepare_store()
    verdict = verify_access_log()
    for note in verdict.notes:
        print(f"note: {note}")
    if not verdict.ok:
        print("FAILED: the access log does not match its digests in the ledger:")
        for problem in verdict.problems:
            print(f"  - {problem}")
        return EXIT_FAILURE
    print(f"OK: {verdict.days_checked} day(s) match their ledgered digests "
          f"({verdict.days_pruned} pruned)")
    return EXIT_OK
