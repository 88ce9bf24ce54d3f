"""``reunify tracing match|show|confirm|reject|follow-up``: tracing requests answered.

``match`` finds candidates for inquiries not matched since the last ingest, link or family run
(``--all``: every inquiry); ``show REFERENCE`` lists an inquiry's candidates with each
comparison's weight (for a caseworker: it names people); ``confirm``/``reject`` decide a
candidate; ``follow-up`` lists open inquiries nobody answered for N days.
"""

from __future__ import annotations

import argparse

from reunify.cli.actor import add_actor_option, resolve_actor


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tracing", help="tracing requests: match, show, decide, follow up")
    commands = p.add_subparsers(dest="tracing_command", metavar="ACTION")
    commands.required = True
    match = commands.add_parser("match", help="find the persons inquiries seek")
    match.add_argument("--all", action="store_true", help="every inquiry, not only stale ones")
    add_actor_option(match)
    match.set_defaults(func=run_match)
    show = commands.add_parser("show", help="an inquiry's candidates, with their evidence")
    show.add_argument("reference", metavar="REFERENCE", help="e.g. T-4K7M-9X2P")
    show.set_defaults(func=run_show)
    for name, text in (("confirm", "the person is the one sought"),
                       ("reject", "the person is not the one sought")):
        cmd = commands.add_parser(name, help=f"decide: {text}")
        cmd.add_argument("reference", metavar="REFERENCE")
        cmd.add_argument("person", metavar="PERSON", help="person id, e.g. P0000042")
        cmd.add_argument("--reason", required=True, help="why (recorded with the decision)")
        add_actor_option(cmd)
        cmd.set_defaults(func=run_decide, decision=f"{name}ed" if name == "confirm"
                         else "rejected")
    follow = commands.add_parser("follow-up", help="open inquiries unanswered for N days")
    follow.add_argument("--days", type=int, default=None)
    follow.set_defaults(func=run_follow_up)


def refresh_matches(actor: str, *, everything: bool = False) -> dict[str, int] | None:
    """Match the inquiries whose candidates are stale (or all); None when there is no model."""
    from reunify.actions.tracing import NoModel, match_inquiries
    from reunify.queries.tracing import stale_inquiries

    keys = None if everything else stale_inquiries()
    if keys == []:
        return {"inquiries": 0}
    try:
        return match_inquiries(actor=actor, keys=keys)
    except NoModel:
        return None


def run_match(args: argparse.Namespace) -> int:
    from reunify.cli.main import prepare_store

    actor = resolve_actor(args)
    prepare_store()
    counts = refresh_matches(actor, everything=args.all)
    if counts is None:
        print("no Splink link run yet: run `reunify link` first")
        return 1
    print(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in counts.items()))
    return 0


def _person(text: str) -> int:
    digits = text.upper().removeprefix("P")
    if not digits.isdigit():
        raise SystemExit(f"reunify: {text!r} is not a person id (expected e.g. P0000042)")
    return int(digits)


def run_show(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from reunify.cli.main import prepare_store
    from reunify.queries.identities import person_public_id
    from reunify.queries.tracing import candidates, inquiry_by_reference, inquiry_record
    from reunify.rules.tracing import normal_reference

    prepare_store()
    inquiry = inquiry_by_reference(normal_reference(args.reference))
    if inquiry is None:
        print(f"no inquiry {args.reference}")
        return 2
    record = inquiry_record(inquiry)
    console = Console()
    console.print(f"{inquiry.reference} ({inquiry.source}:{inquiry.inquiry_id}), {inquiry.status}"
                  f"; received {inquiry.received_at:%Y-%m-%d}")
    if record is not None:
        console.print(f"sought: {record.sought_given_name} {record.sought_family_name}, "
                      f"born {record.sought_birth_date or '?'}"
                      f"{f', age {record.sought_age}' if record.sought_age else ''}; asked by "
                      f"{record.inquirer_given_name} {record.inquirer_family_name} "
                      f"({record.relation})")
    if inquiry.inquirer_person_id:
        console.print(f"inquirer recorded as {person_public_id(inquiry.inquirer_person_id)} "
                      f"(probability {inquiry.inquirer_probability:.2f})")
    found = candidates(inquiry)
    if not found:
        console.print("no candidates: nobody in the records is likely")
    for c in found:
        table = Table(title=f"#{c.rank} {person_public_id(c.person_id)}: probability "
                      f"{c.probability:.3f}, match weight {c.match_weight:+.2f} ({c.status})")
        table.add_column("comparison")
        table.add_column("level")
        table.add_column("weight", justify="right")
        for comparison in c.comparisons:
            table.add_row(comparison["name"], comparison["level"], f"{comparison['weight']:+.2f}")
        console.print(table)
    return 0


def run_decide(args: argparse.Namespace) -> int:
    from reunify.actions.tracing import decide_candidate
    from reunify.cli.main import prepare_store
    from reunify.models import Inquiry
    from reunify.rules.tracing import normal_reference

    actor = resolve_actor(args)
    prepare_store()
    try:
        made = decide_candidate(normal_reference(args.reference), _person(args.person),
                                args.decision, reason=args.reason, actor=actor)
    except Inquiry.DoesNotExist:
        print(f"no inquiry {args.reference}")
        return 2
    except ValueError as error:
        print(f"reunify: {error}")
        return 2
    print(f"{made.decision}: {args.person} for {args.reference} (decision {made.pk})")
    return 0


def run_follow_up(args: argparse.Namespace) -> int:
    from reunify.cli.main import prepare_store
    from reunify.queries.tracing import FOLLOW_UP_DAYS, unanswered

    prepare_store()
    days = FOLLOW_UP_DAYS if args.days is None else args.days
    due = unanswered(days)
    print(f"{len(due)} open inquiries unanswered for more than {days} days")
    for inquiry in due:
        print(f"{inquiry.reference}  {inquiry.source}:{inquiry.inquiry_id}  received "
              f"{inquiry.received_at:%Y-%m-%d}")
    return 0
