"""``reunify review list|show|accept|reject``: the pairs the linker was unsure of."""

from __future__ import annotations

import argparse

from reunify.cli.actor import add_actor_option, resolve_actor

_SHOWN = ("given_name", "family_name", "birth_date", "sex", "country", "a_number", "group_id",
          "group_role", "phone", "seen_from", "seen_to", "facility")


def _cell(record: dict | None, field: str) -> str:
    value = None if record is None else record.get(field)
    if value is None or value == "":
        return ""
    return str(value)[:10] if field.startswith("seen_") else str(value)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("review", help="review pairs the linker was unsure of")
    commands = p.add_subparsers(dest="review_command", metavar="ACTION")
    commands.required = True
    listing = commands.add_parser("list", help="open pairs, the most uncertain first")
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(func=run_list)
    show = commands.add_parser("show", help="a pair's two records side by side, with weights")
    show.add_argument("pair", type=int, metavar="PAIR")
    show.set_defaults(func=run_show)
    for name, decision, text in (("accept", "same", "the two records are one person"),
                                 ("reject", "different", "the two records are two people")):
        cmd = commands.add_parser(name, help=f"decide: {text} (binds every later link run)")
        cmd.add_argument("pair", type=int, metavar="PAIR")
        cmd.add_argument("--reason", required=True, help="why (recorded with the decision)")
        add_actor_option(cmd)
        cmd.set_defaults(func=run_decide, decision=decision)


def run_list(args: argparse.Namespace) -> int:
    from rich.table import Table

    from reunify.cli.main import prepare_store
    from reunify.cli.terminal import Console
    from reunify.queries.review import open_pairs

    prepare_store()
    total, pairs = open_pairs(limit=args.limit)
    table = Table(title=f"open review pairs: {total} (most uncertain first)")
    for column in ("pair", "left", "right", "match weight", "probability"):
        table.add_column(column, justify="right" if column in ("pair", "match weight",
                                                               "probability") else "left")
    for p in pairs:
        table.add_row(str(p.pk), f"{p.left_source}:{p.left_record_id}",
                      f"{p.right_source}:{p.right_record_id}", f"{p.match_weight:.2f}",
                      f"{p.match_probability:.3f}")
    Console().print(table)
    return 0


def run_show(args: argparse.Namespace) -> int:
    from rich.table import Table

    from reunify.actions.access import record_cli_reads
    from reunify.cli.actor import reader
    from reunify.cli.main import prepare_store
    from reunify.cli.terminal import Console
    from reunify.models import ReviewPair
    from reunify.queries.access import persons_of_records
    from reunify.queries.review import pair_detail

    prepare_store()
    try:
        detail = pair_detail(args.pair)
    except ReviewPair.DoesNotExist:
        Console(stderr=True).print(f"no review pair {args.pair}")
        return 2
    pair, console = detail.pair, Console()
    record_cli_reads("review show", persons_of_records(
        [(pair.left_source, pair.left_record_id), (pair.right_source, pair.right_record_id)]),
        actor=reader())
    records = Table(title=f"review pair {pair.pk} ({pair.status})")
    records.add_column("field")
    records.add_column(f"{pair.left_source}:{pair.left_record_id}")
    records.add_column(f"{pair.right_source}:{pair.right_record_id}")
    for field in _SHOWN:
        left, right = (_cell(r, field) for r in (detail.left, detail.right))
        records.add_row(field.replace("_", " "), left, right)
    console.print(records)
    weights = Table(title=f"match weight {pair.match_weight:.2f} "
                          f"(probability {pair.match_probability:.3f})")
    weights.add_column("comparison", no_wrap=True)
    weights.add_column("level", overflow="fold")
    weights.add_column("weight", justify="right", no_wrap=True)
    for c in pair.comparisons:
        weights.add_row(str(c.get("name", "")), str(c.get("level", "")),
                        f"{c.get('weight', 0.0):+.2f}")
    console.print(weights)
    return 0


def run_decide(args: argparse.Namespace) -> int:
    from reunify.actions.review import StaleReview, decide_pair
    from reunify.cli.main import prepare_store
    from reunify.cli.terminal import Console
    from reunify.models import ReviewPair

    actor = resolve_actor(args)
    prepare_store()
    err = Console(stderr=True)
    try:
        made = decide_pair(args.pair, args.decision, reason=args.reason, actor=actor)
    except ReviewPair.DoesNotExist:
        err.print(f"no review pair {args.pair}")
        return 2
    except StaleReview as stale:
        err.print(str(stale))
        return 1
    except ValueError as bad:
        err.print(str(bad))
        return 2
    Console().print(f"decision {made.pk}: pair {args.pair} is {made.decision}; "
                    "it binds every later `reunify link`")
    return 0
