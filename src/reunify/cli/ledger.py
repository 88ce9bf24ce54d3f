"""``reunify ledger …``: checkpoint, export, verify, prove, publish, query, keygen.

``verify DIR`` needs no store at all: an auditor runs it on an export with the public key they
trust (``--key``), and ``--witness`` on the heads their witness holds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TypeVar

from reunify.cli.actor import add_actor_option, resolve_actor

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2
T = TypeVar("T")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ledger", help="the tamper-evident ledger: verify, prove, export, query")
    cmds = p.add_subparsers(dest="ledger_command", metavar="LEDGER_COMMAND")
    cmds.required = True

    c = cmds.add_parser("checkpoint", help="sign the current tree head (done after every action)")
    add_actor_option(c)
    c.set_defaults(func=run_checkpoint)

    c = cmds.add_parser("export", help="write entries, checkpoints and public key for auditors")
    c.add_argument("--out", required=True, type=Path, help="folder to write")
    add_actor_option(c)
    c.set_defaults(func=run_export)

    c = cmds.add_parser("verify", help="check a store or an export, trusting nothing stored")
    c.add_argument("folder", nargs="?", type=Path, help="an export folder (default: the store)")
    c.add_argument("--key", type=Path, help="the public key you trust (PEM); default: the "
                   "export's ledger.pub, or the store's key")
    c.add_argument("--witness", action="append", type=Path, default=[], metavar="DIR",
                   help="a witness folder: prove the ledger only grew since its heads")
    c.set_defaults(func=run_verify)

    c = cmds.add_parser("prove", help="print an inclusion proof of one entry")
    c.add_argument("entry", type=int, help="the entry's seq")
    c.set_defaults(func=run_prove)

    c = cmds.add_parser("publish", help="hand the latest signed tree head to a witness")
    c.add_argument("--to", required=True, help="witness folder (a path or file:///path)")
    add_actor_option(c)
    c.set_defaults(func=run_publish)

    c = cmds.add_parser("query", help="find entries")
    c.add_argument("--actor", help="who acted, or the official a source says decided")
    c.add_argument("--authority", help="the policy, order or statute cited (exact)")
    c.add_argument("--type", help="entry type, or a prefix ending in '.' (reported.)")
    c.add_argument("--person", metavar="SOURCE:RECORD_ID",
                   help="entries about any record of this person")
    c.add_argument("--subject", help="entries with exactly this subject")
    c.add_argument("--since", type=dt.datetime.fromisoformat, help="recorded at or after")
    c.add_argument("--until", type=dt.datetime.fromisoformat, help="recorded before")
    c.add_argument("--limit", type=int, default=50)
    c.add_argument("--offset", type=int, default=0)
    c.add_argument("--json", action="store_true", help="one JSON entry per line")
    c.set_defaults(func=run_query)

    c = cmds.add_parser("keygen", help="write a new Ed25519 signing key (for production)")
    c.add_argument("--out", required=True, type=Path, help="PEM file to create (mode 0600)")
    c.set_defaults(func=run_keygen)


def _progress(items: Iterable[T], total: int | None, description: str) -> Iterator[T]:
    from rich.progress import Progress

    from reunify.cli.terminal import Console

    console = Console(stderr=True)
    with Progress(console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task(description, total=total)
        for done, item in enumerate(items, start=1):
            yield item
            if done % 10_000 == 0:
                bar.update(task, completed=done)


def run_checkpoint(args: argparse.Namespace) -> int:
    from reunify.actions.ledger import LedgerDamaged, sign_checkpoint
    from reunify.cli.main import prepare_store

    actor = resolve_actor(args)
    prepare_store()
    try:
        head = sign_checkpoint(actor=actor)
    except LedgerDamaged as exc:
        print(f"reunify: refusing to sign: {exc} (run `reunify ledger verify`)", file=sys.stderr)
        return EXIT_FAILURE
    print(f"checkpoint: {head.tree_size} entries, root {head.root_hash}")
    return EXIT_OK


def run_export(args: argparse.Namespace) -> int:
    from reunify.actions.ledger import LedgerDamaged
    from reunify.actions.ledger_export import export_ledger
    from reunify.cli.main import prepare_store

    actor = resolve_actor(args)
    prepare_store()
    try:
        summary = export_ledger(args.out, actor=actor)
    except LedgerDamaged as exc:
        print(f"reunify: refusing to export: {exc} (run `reunify ledger verify`)", file=sys.stderr)
        return EXIT_FAILURE
    print(f"exported {summary['entries']} entries and {summary['checkpoints']} checkpoints "
          f"to {args.out} (root {summary['root_hash']})")
    return EXIT_OK


def _trusted_key(args: argparse.Namespace, folder: Path | None):
    """The public key to verify with, or an error message."""
    from reunify.models.ledger_keys import key_file, read_public_key
    from reunify.queries.ledger_files import key_path

    path = args.key or (key_path(folder) if folder is not None else key_file())
    if not path.exists():
        return None, f"no public key at {path} (give --key)"
    try:
        return read_public_key(path), None
    except ValueError as exc:
        return None, str(exc)


def run_verify(args: argparse.Namespace) -> int:
    from reunify.rules.ledger_verify import verify_ledger

    folder = args.folder
    if folder is not None:
        from reunify.queries.ledger_files import exported_checkpoints, exported_entries

        if not folder.is_dir():
            print(f"reunify: {folder} is not a folder", file=sys.stderr)
            return EXIT_BAD_INPUT
        entries, notes, total, what = (exported_entries(folder), exported_checkpoints(folder),
                                       None, f"export {folder}")
    else:
        from reunify.cli.main import prepare_store
        from reunify.queries.ledger import checkpoint_notes, entry_count, stored_entries

        prepare_store()
        entries, notes, total, what = stored_entries(), checkpoint_notes(), entry_count(), "store"
    key, error = _trusted_key(args, folder)
    if key is None:
        print(f"reunify: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    verdict = verify_ledger(_progress(entries, total, "verifying"), notes, key,
                            keep_leaves=bool(args.witness))
    problems = list(verdict.problems)
    for witness in args.witness:
        problems.extend(_verify_witness(witness, key, verdict))
    for note in verdict.notes:
        print(f"note: {note}")
    if problems:
        print(f"FAILED: the ledger ({what}) does not verify:")
        for problem in problems:
            print(f"  - {problem}")
        first = min((p.seq for p in problems if p.seq is not None), default=None)
        if first is not None:
            print(f"first bad entry: {first}")
        return EXIT_FAILURE
    latest = verdict.latest
    head = f"; latest signed head: size {latest.size}, root {latest.root.hex()}" if latest else ""
    witnessed = f"; consistent with {len(args.witness)} witness(es)" if args.witness else ""
    print(f"OK: {verdict.entries} entries, {verdict.checkpoints} checkpoints{head}{witnessed}")
    return EXIT_OK


def _verify_witness(folder: Path, key, verdict):
    from reunify.models.ledger_keys import public_key_pem, read_public_key
    from reunify.queries.ledger_files import key_path, witnessed_heads
    from reunify.rules.ledger_verify import Problem, verify_witnessed

    heads = witnessed_heads(folder)
    if not heads:
        return [Problem(f"witness {folder} holds no heads")]
    problems = []
    path = key_path(folder)
    witness_key = key
    if path.exists():
        witness_key = read_public_key(path)
        if public_key_pem(witness_key) != public_key_pem(key):
            problems.append(Problem(
                f"witness {folder} knows another key than the one verified with: the log's key "
                "was replaced since the witness first saw it"
            ))
    if verdict.latest is None or verdict.leaves is None:
        problems.append(Problem(f"witness {folder}: the ledger has no verified head to compare"))
        return problems
    found = verify_witnessed(heads, witness_key, verdict.leaves, verdict.latest)
    return problems + [type(p)(f"witness {folder}: {p.message}", p.seq) for p in found]


def run_prove(args: argparse.Namespace) -> int:
    from reunify.cli.main import prepare_store
    from reunify.models.ledger_keys import key_file, read_public_key
    from reunify.queries.ledger import entry_body, latest_checkpoint, leaf_hashes
    from reunify.rules import ledger as formats
    from reunify.rules import merkle

    prepare_store()
    head = latest_checkpoint()
    if head is None or not 0 <= args.entry < head.tree_size:
        print(f"reunify: entry {args.entry} is not covered by a signed checkpoint "
              "(run `reunify ledger checkpoint`)", file=sys.stderr)
        return EXIT_BAD_INPUT
    body = entry_body(args.entry)
    leaf = merkle.leaf_hash(body)
    proof = merkle.inclusion_proof(leaf_hashes(head.tree_size), args.entry, head.tree_size)
    signed = formats.open_checkpoint(head.note, read_public_key(key_file()))
    if not merkle.verify_inclusion(args.entry, signed.size, leaf, proof, signed.root):
        print(f"reunify: entry {args.entry} is not in the signed tree: the store is damaged "
              "(run `reunify ledger verify`)", file=sys.stderr)
        return EXIT_FAILURE
    print(json.dumps({
        "seq": args.entry, "body": body.decode("utf-8"), "leaf_hash": leaf.hex(),
        "tree_size": signed.size, "root_hash": signed.root.hex(),
        "proof": [h.hex() for h in proof], "checkpoint": head.note,
    }, indent=2, ensure_ascii=False))
    return EXIT_OK


def run_publish(args: argparse.Namespace) -> int:
    from reunify.actions.ledger import LedgerDamaged
    from reunify.actions.witness import WitnessRefused, publish_checkpoint
    from reunify.cli.main import prepare_store
    from reunify.rules import ledger as formats

    actor = resolve_actor(args)
    try:
        formats.witness_folder(args.to)
    except ValueError as exc:
        print(f"reunify: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    prepare_store()
    try:
        head = publish_checkpoint(args.to, actor=actor)
    except (WitnessRefused, LedgerDamaged) as exc:
        print(f"reunify: not published: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"published head of {head.tree_size} entries (root {head.root_hash}) to {args.to}")
    return EXIT_OK


def run_query(args: argparse.Namespace) -> int:
    from reunify.cli.main import prepare_store
    from reunify.queries.ledger import EntryFilter, find_entries

    if args.person and ":" not in args.person:
        print("reunify: --person takes SOURCE:RECORD_ID", file=sys.stderr)
        return EXIT_BAD_INPUT
    prepare_store()
    where = EntryFilter(actor=args.actor, authority=args.authority, type=args.type,
                        person=args.person, subject=args.subject, since=args.since,
                        until=args.until)
    total, entries = find_entries(where, limit=args.limit, offset=args.offset)
    for entry in entries:
        if args.json:
            print(json.dumps(entry, ensure_ascii=False, sort_keys=True))
        else:
            subjects = ", ".join(entry["subjects"])
            print(f"#{entry['seq']} {entry['at']} {entry['type']} by {entry['actor']}"
                  f"{' [' + subjects + ']' if subjects else ''} {json.dumps(entry['payload'])}")
    shown = f"{args.offset + 1}-{args.offset + len(entries)}" if entries else "none"
    print(f"{total} matching entries (showing {shown})", file=sys.stderr)
    return EXIT_OK


def run_keygen(args: argparse.Namespace) -> int:
    import os

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from reunify.models.ledger_keys import private_key_pem, public_key_pem
    from reunify.rules import ledger as formats

    if args.out.exists():
        print(f"reunify: {args.out} exists; a signing key is never overwritten", file=sys.stderr)
        return EXIT_BAD_INPUT
    key = Ed25519PrivateKey.generate()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(handle, "wb") as out:
        out.write(private_key_pem(key))
    print(public_key_pem(key.public_key()).decode(), end="")
    print(f"verifier key: {formats.verifier_key(key.public_key())}")
    return EXIT_OK
