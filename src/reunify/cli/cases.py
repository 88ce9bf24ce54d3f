"""``reunify cases …``: open cases from the register, and work them from a terminal.

``cases open --as-of DATE`` first keeps open cases on their children after relinking, then
opens one case for every child the register shows separated that has none not closed. The
other actions are the same as the web pages' and the API's; refused steps exit with status 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from pathlib import Path

from reunify.cli.actor import add_actor_option, resolve_actor


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (expected YYYY-MM-DD)") \
            from error


def _case_id(text: str) -> int:
    match = re.fullmatch(r"C?0*(\d{1,12})", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not a case id (expected C0000042)")
    return int(match.group(1))


def _person_id(text: str) -> int:
    match = re.fullmatch(r"P?0*(\d{1,12})", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not a person id (expected P0000042)")
    return int(match.group(1))


def register(sub: argparse._SubParsersAction) -> None:
    from reunify.rules import casework as rules

    p = sub.add_parser("cases", help="reunification cases: open from the register, work them")
    commands = p.add_subparsers(dest="cases_command", metavar="ACTION")
    commands.required = True

    def command(name: str, help: str, func) -> argparse.ArgumentParser:
        c = commands.add_parser(name, help=help)
        add_actor_option(c)
        c.set_defaults(func=func)
        return c

    c = command("open", "open a case for every separated child without one", run_open)
    c.add_argument("--as-of", type=_day, default=None, help="register day (default: today)")
    c.add_argument("--person", type=_person_id, default=None,
                   help="open one case by hand, for this child")
    c.add_argument("--reason", default="", help="why (required when opening by hand)")
    c = command("list", "list cases as of a day", run_list)
    c.add_argument("--as-of", type=_day, default=None)
    c.add_argument("--mine", action="store_true", help="only the acting caseworker's queue")
    c = command("assign", "assign or reassign a case to a caseworker", run_assign)
    c.add_argument("case", type=_case_id)
    c.add_argument("user", help="the caseworker's account name")
    c.add_argument("--reason", required=True)
    c = command("move", "move a case to another stage", run_move)
    c.add_argument("case", type=_case_id)
    c.add_argument("stage", choices=rules.ACTIVE_STAGES)
    c.add_argument("--reason", required=True)
    c.add_argument("--on", type=_day, default=None, help="register day (default: today)")
    c = command("close", "close a case as reunified", run_close)
    c.add_argument("case", type=_case_id)
    c.add_argument("--outcome", default=rules.REUNIFIED, choices=rules.OUTCOMES)
    c.add_argument("--reason", required=True)
    c.add_argument("--on", type=_day, default=None)
    c = command("contact", "log an attempt to reach a parent or a parent-child call",
                run_contact)
    c.add_argument("case", type=_case_id)
    c.add_argument("--kind", choices=rules.CONTACT_KINDS, default=rules.ATTEMPT)
    c.add_argument("--channel", choices=rules.CHANNELS, required=True)
    c.add_argument("--outcome", choices=rules.CONTACT_OUTCOMES, required=True)
    c.add_argument("--on", type=_day, default=None)
    c.add_argument("--minutes", type=int, default=None)
    c.add_argument("--interpreter", default="")
    c.add_argument("--language", default="")
    c.add_argument("--note", default="")
    c = command("wishes", "record (a new version of) the parent's wishes", run_wishes)
    c.add_argument("case", type=_case_id)
    c.add_argument("--choice", choices=rules.CHOICES, required=True)
    c.add_argument("--words", required=True, help="the parent's own words")
    c.add_argument("--advised-in", required=True, help="language the parent was advised in")
    c.add_argument("--interpreter", default="")
    c.add_argument("--witness", required=True)
    c.add_argument("--on", type=_day, default=None)
    c = command("request", "ask for a determination that needs a second person", run_request)
    c.add_argument("case", type=_case_id)
    c.add_argument("kind", choices=tuple(rules.SIGN_OFF))
    c.add_argument("--basis", required=True)
    c.add_argument("--recipient", default="", help="for a release: to whom")
    c = command("outreach", "parents outside the country not yet reached, by country; with "
                "--out, the export for a partner NGO (in the ledger)", run_outreach)
    c.add_argument("--as-of", type=_day, default=None)
    c.add_argument("--country", default="", help="only this country (ISO 3166-1 alpha-2)")
    c.add_argument("--out", type=Path, default=None)
    c.add_argument("--format", dest="fmt", choices=("csv", "jsonl"), default="csv")
    c = command("repoint", "tie a case to another person (after the child's records split)",
                run_repoint)
    c.add_argument("case", type=_case_id)
    c.add_argument("person", type=_person_id)
    c.add_argument("--reason", required=True)
    c = command("sign-off", "approve or refuse a determination (not your own)", run_sign_off)
    c.add_argument("determination", type=int)
    c.add_argument("--refuse", action="store_true")
    c.add_argument("--note", required=True)
    c.add_argument("--on", type=_day, default=None)


def _act(args: argparse.Namespace, do) -> int:
    """Run one action; a refused step or a bad id is bad input: exit 2, store unchanged."""
    from django.core.exceptions import ObjectDoesNotExist

    from reunify.actions.casework import StaleCase
    from reunify.cli.main import prepare_store
    from reunify.rules.casework import CaseworkError

    actor = resolve_actor(args)
    prepare_store()
    try:
        message = do(actor)
    except (CaseworkError, StaleCase, ObjectDoesNotExist) as error:
        print(f"reunify cases {args.cases_command}: {error}", file=sys.stderr)
        return 2
    print(message)
    return 0


def run_open(args: argparse.Namespace) -> int:
    from reunify.actions.casework import follow_persons, open_case, open_cases
    from reunify.queries.cases import needed_cases

    as_of = args.as_of or dt.date.today()

    def do(actor: str) -> str:
        if args.person is not None:
            case = open_case(args.person, actor=actor, on=as_of, reason=args.reason)
            return f"opened {case.public_id} for P{args.person:07d}"
        followed = follow_persons(actor=actor)
        opened = open_cases(needed_cases(as_of), actor=actor, on=as_of)
        moves = ", ".join(f"{n} {k}" for k, n in sorted(followed.items())) or "none"
        return f"opened {len(opened)} cases as of {as_of.isoformat()}; relinking: {moves}"

    return _act(args, do)


def run_list(args: argparse.Namespace) -> int:
    from django.contrib.auth import get_user_model
    from rich.console import Console
    from rich.table import Table

    from reunify.queries.cases import case_lines, queue

    as_of = args.as_of or dt.date.today()

    def do(actor: str) -> str:
        if args.mine:
            user = get_user_model().objects.get(username=actor)
            lines = queue(user.pk, as_of)
        else:
            lines = case_lines(as_of)
        table = Table(title=f"cases as of {as_of.isoformat()}")
        for column in ("case", "child", "stage", "assigned to", "next deadline", "days left"):
            table.add_column(column)
        for line in lines:
            due = line.next_deadline
            table.add_row(line.case.public_id, f"P{line.case.person_id:07d}", line.stage,
                          line.case.assigned_to.get_username() if line.case.assigned_to else "",
                          f"{due.name} {due.day.isoformat()}" if due else "",
                          str(due.days_left(as_of)) if due else "")
        Console().print(table)
        return f"{len(lines)} cases"

    return _act(args, do)


def run_assign(args: argparse.Namespace) -> int:
    from django.contrib.auth import get_user_model

    from reunify.actions.casework import assign_case

    def do(actor: str) -> str:
        user = get_user_model().objects.get(username=args.user)
        case = assign_case(args.case, user.pk, reason=args.reason, actor=actor)
        return f"{case.public_id} assigned to {args.user}"

    return _act(args, do)


def run_move(args: argparse.Namespace) -> int:
    from reunify.actions.casework import move_case

    def do(actor: str) -> str:
        case = move_case(args.case, args.stage, reason=args.reason, actor=actor,
                         on=args.on or dt.date.today())
        return f"{case.public_id} is at {case.stage}"

    return _act(args, do)


def run_close(args: argparse.Namespace) -> int:
    from reunify.actions.casework import close_case

    def do(actor: str) -> str:
        case = close_case(args.case, args.outcome, reason=args.reason, actor=actor,
                          on=args.on or dt.date.today())
        return f"{case.public_id} closed as {case.outcome}"

    return _act(args, do)


def run_contact(args: argparse.Namespace) -> int:
    from reunify.actions.case_records import log_contact

    def do(actor: str) -> str:
        entry = log_contact(args.case, kind=args.kind, on=args.on or dt.date.today(),
                            channel=args.channel, outcome=args.outcome, actor=actor,
                            minutes=args.minutes, interpreter=args.interpreter,
                            language=args.language, note=args.note)
        return f"logged {entry.kind} {entry.pk} on C{args.case:07d}"

    return _act(args, do)


def run_wishes(args: argparse.Namespace) -> int:
    from reunify.actions.case_records import record_wishes

    def do(actor: str) -> str:
        wishes = record_wishes(args.case, choice=args.choice, words=args.words,
                               advised_in=args.advised_in, witness=args.witness,
                               interpreter=args.interpreter, on=args.on or dt.date.today(),
                               actor=actor)
        return f"recorded the parent's wishes on C{args.case:07d}, version {wishes.version}"

    return _act(args, do)


def run_request(args: argparse.Namespace) -> int:
    from reunify.actions.case_records import request_determination

    def do(actor: str) -> str:
        made = request_determination(args.case, args.kind, basis=args.basis, actor=actor,
                                     recipient=args.recipient)
        return f"determination {made.pk} ({made.kind}) waits for a second person's sign-off"

    return _act(args, do)


def run_outreach(args: argparse.Namespace) -> int:
    from reunify.actions.export import export_rows
    from reunify.queries.outreach import (
        NGO_COLUMNS,
        ngo_rows,
        not_reached_by_country,
        parents_abroad,
    )

    as_of = args.as_of or dt.date.today()

    def do(actor: str) -> str:
        if args.out is None:
            counts = not_reached_by_country(parents_abroad(as_of))
            lines = [f"{country or '(country unknown)'}: {n}" for country, n in counts]
            return "\n".join(["parents outside the country not yet reached, by country:",
                              *lines]) if lines else "every parent outside the country was reached"
        count = export_rows("ngo_outreach", ngo_rows(as_of, country=args.country), NGO_COLUMNS,
                            args.out, fmt=args.fmt, actor=actor,
                            params={"as_of": as_of.isoformat(), "country": args.country})
        return f"wrote {count} parents to reach to {args.out} (recorded in the ledger)"

    return _act(args, do)


def run_repoint(args: argparse.Namespace) -> int:
    from reunify.actions.casework import repoint_case

    def do(actor: str) -> str:
        case = repoint_case(args.case, args.person, reason=args.reason, actor=actor)
        return f"{case.public_id} now follows P{case.person_id:07d}"

    return _act(args, do)


def run_sign_off(args: argparse.Namespace) -> int:
    from reunify.actions.case_records import sign_off

    def do(actor: str) -> str:
        made = sign_off(args.determination, approve=not args.refuse, note=args.note,
                        actor=actor, on=args.on or dt.date.today())
        return f"determination {made.pk} {made.status} by {made.decided_by}"

    return _act(args, do)
