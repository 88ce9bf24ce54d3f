"""``reunify erase request|approve|list``: erasing a person's data takes two people.

One asks (``request SOURCE:RECORD_ID --reason``), another approves (``approve N``); the
names are the actors (``--as`` or ``REUNIFY_ACTOR``), both recorded in the ledger.
"""

from __future__ import annotations

import argparse
import sys

from reunify.cli.actor import add_actor_option, resolve_actor

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("erase", help="erase a person's data: one asks, a second approves")
    cmds = p.add_subparsers(dest="erase_command", metavar="ERASE_COMMAND")
    cmds.required = True
    r = cmds.add_parser("request", help="ask for the erasure of a person's data")
    r.add_argument("record", metavar="SOURCE:RECORD_ID")
    r.add_argument("--reason", required=True, help="the legal ground")
    a = cmds.add_parser("approve", help="approve (and carry out) another person's request")
    a.add_argument("request", type=int, metavar="N")
    cmds.add_parser("list", help="pending requests")
    for parser in (r, a):
        add_actor_option(parser)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from reunify.actions.erasure import ErasureRefused, approve_erasure, request_erasure
    from reunify.cli.main import prepare_store
    from reunify.models import ErasureRequest

    if args.erase_command == "list":
        prepare_store()
        for asked in ErasureRequest.objects.filter(status=ErasureRequest.PENDING).order_by("pk"):
            print(f"{asked.pk}: {asked.source}:{asked.record_id} asked by {asked.requested_by} "
                  f"at {asked.requested_at:%Y-%m-%d %H:%M}")
        return EXIT_OK
    actor = resolve_actor(args)
    try:
        if args.erase_command == "request":
            source, sep, record_id = args.record.partition(":")
            if not sep or not source or not record_id:
                print("reunify: give the record as SOURCE:RECORD_ID", file=sys.stderr)
                return EXIT_BAD_INPUT
            prepare_store()
            made = request_erasure(source, record_id, reason=args.reason, actor=actor)
            print(f"erasure request {made.pk} recorded; another person approves it with "
                  f"`reunify erase approve {made.pk}`")
            return EXIT_OK
        prepare_store()
        counts = approve_erasure(args.request, actor=actor)
    except (ErasureRefused, LookupError, ErasureRequest.DoesNotExist) as exc:
        print(f"reunify: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"erased: {counts}")
    return EXIT_OK
