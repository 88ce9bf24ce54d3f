"""``reunify prune``: apply the retention policy (docs/operations.md), recorded in the ledger."""

from __future__ import annotations

import argparse

from reunify.cli.actor import add_actor_option, resolve_actor


def register(sub: argparse._SubParsersAction) -> None:
    from reunify.actions.access_audit import ACCESS_LOG_DAYS, SIGN_IN_FAILURE_DAYS

    p = sub.add_parser("prune", help="delete access-log rows, sign-in failures and sessions "
                       "past their retention (digests stay in the ledger)")
    p.add_argument("--access-days", type=int, default=ACCESS_LOG_DAYS,
                   help=f"keep raw access-log rows this many days (default {ACCESS_LOG_DAYS})")
    p.add_argument("--sign-in-days", type=int, default=SIGN_IN_FAILURE_DAYS,
                   help=f"keep sign-in failures this many days (default {SIGN_IN_FAILURE_DAYS})")
    add_actor_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from reunify.actions.access_audit import prune
    from reunify.cli.main import EXIT_BAD_INPUT, prepare_store

    actor = resolve_actor(args)
    if args.access_days < 1 or args.sign_in_days < 1:
        print("reunify: retention periods are at least one day")
        return EXIT_BAD_INPUT
    prepare_store()
    counts = prune(actor=actor, access_days=args.access_days, sign_in_days=args.sign_in_days)
    print(f"pruned: {counts['access_rows']} access-log rows logged before {counts['before']}, "
          f"{counts['sign_in_failures']} sign-in failures, {counts['expired_sessions']} "
          "expired sessions")
    return 0
