"""``reunify backup OUT`` and ``reunify restore IN``: an encrypted, online backup of the store
with the ledger's key and salt, and its restore into an empty store (verified after).

The passphrase comes from ``REUNIFY_BACKUP_PASSPHRASE`` (never the command line). See
docs/operations.md for the drill.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from reunify.cli.actor import add_actor_option, resolve_actor

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2
#: The shortest passphrase accepted.
MIN_PASSPHRASE = 12


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup", help="write an encrypted backup: database, ledger key and salt")
    p.add_argument("out", type=Path, metavar="OUT", help="the backup file to write (new)")
    add_actor_option(p)
    p.set_defaults(func=run_backup)
    r = sub.add_parser("restore", help="restore a backup into an empty store, then verify it")
    r.add_argument("source", type=Path, metavar="IN", help="a file written by `reunify backup`")
    add_actor_option(r)
    r.set_defaults(func=run_restore)


def _passphrase() -> str | None:
    value = os.environ.get("REUNIFY_BACKUP_PASSPHRASE", "")
    if len(value) < MIN_PASSPHRASE:
        print(f"reunify: set REUNIFY_BACKUP_PASSPHRASE (at least {MIN_PASSPHRASE} characters)",
              file=sys.stderr)
        return None
    return value


def run_backup(args: argparse.Namespace) -> int:
    from reunify.actions.backup import backup_store
    from reunify.cli.main import prepare_store

    actor = resolve_actor(args)
    passphrase = _passphrase()
    if passphrase is None:
        return EXIT_BAD_INPUT
    if args.out.exists():
        print(f"reunify: {args.out} exists; a backup never overwrites a file", file=sys.stderr)
        return EXIT_BAD_INPUT
    prepare_store()
    manifest = backup_store(args.out, passphrase, actor=actor)
    print(f"backup written to {args.out}: {manifest['entries']} ledger entries, signed head "
          f"{manifest['checkpoint_size']} ({manifest['vendor']})")
    return EXIT_OK


def run_restore(args: argparse.Namespace) -> int:
    from django.conf import settings

    from reunify.actions.backup import RestoreRefused, restore_store
    from reunify.actions.backup_crypto import BackupUnreadable

    actor = resolve_actor(args)
    passphrase = _passphrase()
    if passphrase is None:
        return EXIT_BAD_INPUT
    if not args.source.is_file():
        print(f"reunify: {args.source}: no such backup file", file=sys.stderr)
        return EXIT_BAD_INPUT
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3") and db["NAME"] != ":memory:":
        Path(db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    try:
        result = restore_store(args.source, passphrase, actor=actor)
    except (RestoreRefused, BackupUnreadable) as exc:
        print(f"reunify: restore refused: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    verdict, head, manifest = result["verdict"], result["head"], result["manifest"]
    if not verdict.ok or head["entries"] != manifest["entries"]:
        print("FAILED: the restored ledger does not verify:", file=sys.stderr)
        for problem in verdict.problems:
            print(f"  - {problem}", file=sys.stderr)
        if head["entries"] != manifest["entries"]:
            print(f"  - {head['entries']} entries restored, the backup had "
                  f"{manifest['entries']}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"restored the backup taken {manifest['taken_at']}: {head['entries']} ledger entries "
          f"verify (signed head {head['checkpoint_size']}, root {head['checkpoint_root'][:16]}…)")
    return EXIT_OK
