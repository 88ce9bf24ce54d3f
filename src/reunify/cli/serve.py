"""``reunify serve [--port 8000]``: the web UI and API on 127.0.0.1, behind gunicorn.

In development it first creates one demonstration account per role and prints each with its
password and its one-time-code secret (every role has one). Outside development no
demonstration account is ever created.
"""

from __future__ import annotations

import argparse
import os
import sys

from reunify.cli.actor import add_actor_option


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="serve the web UI and the API on 127.0.0.1 (gunicorn)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1; put a TLS proxy in front)")
    # One process per core and threads to overlap database waits measured best (bench/web.py).
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="gunicorn worker processes (default: one per core)")
    p.add_argument("--threads", type=int, default=8, help="threads per worker (default 8)")
    p.add_argument("--no-demo-users", action="store_true",
                   help="do not create the demonstration accounts (development)")
    add_actor_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from django.conf import settings

    from reunify.cli.main import prepare_store

    if not 0 < args.port < 65536:
        print("reunify: --port must be 1-65535", file=sys.stderr)
        return 2
    prepare_store()
    if settings.DEVELOPMENT and not args.no_demo_users:
        from reunify.actions.users import create_demo_users

        actor = (args.actor or os.environ.get("REUNIFY_ACTOR") or "reunify-serve").strip()
        made = create_demo_users(actor=actor)
        if made:
            print("Demonstration accounts (development only; shown once):")
            for user in made:
                extra = f"  one-time-code secret: {user.totp_secret}" if user.totp_secret else ""
                families = f"  families: {', '.join(user.assigned)}" if user.assigned else ""
                print(f"  {user.role:13} {user.username:18} password: {user.password}"
                      f"{extra}{families}")
        else:
            print("Demonstration accounts exist already (their passwords were shown when "
                  "they were created).")
    print(f"Serving on http://{args.host}:{args.port}/  (Ctrl-C to stop)", flush=True)
    command = [
        sys.executable, "-m", "gunicorn", "reunify.wsgi:application",
        "--bind", f"{args.host}:{args.port}", "--workers", str(max(args.workers, 1)),
        "--threads", str(max(args.threads, 1)), "--worker-class", "gthread",
        "--access-logfile", "-", "--logger-class", "reunify.web.log_lines.GunicornLogger",
        "--access-logformat", '%(t)s "%(m)s %(U)s" %(s)s %(M)sms',
    ]
    os.execv(sys.executable, command)  # noqa: S606 - fixed command, no shell
    return 0  # pragma: no cover - execv does not return
