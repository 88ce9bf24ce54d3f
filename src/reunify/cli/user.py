"""``reunify user …``: create accounts, set roles, assign families, disable, set passwords."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from reunify.cli.actor import add_actor_option, resolve_actor


def _password(prompt: str) -> str:
    # A password never goes on the command line (it would show in `ps` and shell history).
    given = os.environ.get("REUNIFY_NEW_PASSWORD")
    if given:
        return given
    first = getpass.getpass(prompt)
    if first != getpass.getpass("again: "):
        raise SystemExit("reunify: the two passwords differ")
    return first


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("user", help="manage accounts: create, role, assign, disable, password")
    cmds = p.add_subparsers(dest="user_command", metavar="ACTION")
    cmds.required = True
    c = cmds.add_parser("create", help="create an account (password from a prompt or "
                        "$REUNIFY_NEW_PASSWORD)")
    c.add_argument("username")
    c.add_argument("--role", required=True)
    c.add_argument("--names-allowed", action="store_true",
                   help="monitors: the court order allows names")
    r = cmds.add_parser("role", help="set an account's role")
    r.add_argument("username")
    r.add_argument("role")
    r.add_argument("--names-allowed", action="store_true")
    a = cmds.add_parser("assign", help="let a caseworker or counsel see a person's families")
    a.add_argument("username")
    a.add_argument("person", help="person id, e.g. P0000123")
    d = cmds.add_parser("disable", help="disable an account (its sessions stop working)")
    d.add_argument("username")
    w = cmds.add_parser("password", help="set an account's password")
    w.add_argument("username")
    for parser in (c, r, a, d, w):
        add_actor_option(parser)
        parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ObjectDoesNotExist

    from reunify.actions import users
    from reunify.cli.main import prepare_store

    actor = resolve_actor(args)
    prepare_store()
    try:
        if args.user_command == "create":
            _user, secret = users.create_user(args.username, _password("password: "),
                                              args.role, actor=actor,
                                              names_allowed=args.names_allowed)
            print(f"created {args.username} ({args.role})")
            if secret:
                print(f"one-time-code secret (enrol it in an authenticator now): {secret}")
            return 0
        account = get_user_model().objects.filter(username=args.username).first()
        if account is None:
            print(f"reunify: no account {args.username!r}", file=sys.stderr)
            return 2
        if args.user_command == "role":
            secret = users.set_role(account.pk, args.role, actor=actor,
                                    names_allowed=args.names_allowed)
            print(f"{args.username} is now {args.role}")
            if secret:
                print(f"one-time-code secret (enrol it now): {secret}")
        elif args.user_command == "assign":
            person = args.person.strip().upper()
            if not (person.startswith("P") and person[1:].isdigit()):
                print("reunify: a person id looks like P0000123", file=sys.stderr)
                return 2
            users.assign(account.pk, int(person[1:]), actor=actor)
            print(f"{args.username} may now see the families of {person}")
        elif args.user_command == "disable":
            users.disable_user(account.pk, actor=actor)
            print(f"{args.username} is disabled")
        elif args.user_command == "password":
            users.change_password(account.pk, _password("new password: "), actor=actor)
            print(f"password of {args.username} changed")
    except (users.AccountError, ObjectDoesNotExist) as error:
        print(f"reunify: {error}", file=sys.stderr)
        return 2
    return 0
