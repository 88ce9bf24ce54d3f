"""``reunify explain SOURCE:RECORD_ID SOURCE:RECORD_ID``: why the linker thinks what it does.

Scores the two records with the latest link run's model and prints each comparison's match
weight (they add up to the pair's weight); ``--chart FILE.png|.svg`` draws them as a waterfall.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def _record_key(text: str) -> tuple[str, str]:
    source, sep, record_id = text.partition(":")
    if not sep or not source or not record_id:
        raise argparse.ArgumentTypeError(f"{text!r}: expected SOURCE:RECORD_ID")
    return source, record_id


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("explain", help="per-comparison match weights of two records")
    p.add_argument("left", type=_record_key, metavar="SOURCE:RECORD_ID")
    p.add_argument("right", type=_record_key, metavar="SOURCE:RECORD_ID")
    p.add_argument("--chart", type=Path, metavar="FILE",
                   help="also draw a waterfall chart (.png or .svg)")
    p.set_defaults(func=run)


def waterfall(comparisons: list[dict], total: float, path: Path, title: str) -> None:
    """Draw the weights as a waterfall: each bar starts where the previous one ended."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 0.5 * len(comparisons) + 2))
    start = 0.0
    labels = []
    for n, c in enumerate(comparisons):
        weight = float(c.get("weight") or 0.0)
        ax.barh(n, weight, left=start, color="#2b7a3d" if weight >= 0 else "#b3362c")
        ax.text(start + weight, n, f" {weight:+.2f}", va="center", fontsize=8)
        labels.append(f"{c['name']}: {c['level']}")
        start += weight
    ax.barh(len(comparisons), total, color="#1f4e79")
    ax.text(total, len(comparisons), f" {total:+.2f}", va="center", fontsize=8)
    labels.append("match weight")
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("match weight (log2 of the odds)")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def run(args: argparse.Namespace) -> int:
    from rich.table import Table

    from reunify.actions.access import record_cli_reads
    from reunify.cli.actor import reader
    from reunify.cli.main import prepare_store
    from reunify.cli.terminal import Console
    from reunify.linkage.resolution import explain
    from reunify.queries.access import persons_of_records
    from reunify.queries.review import explain_inputs, latest_model, source_profiles

    prepare_store()
    err = Console(stderr=True)
    if args.chart is not None and args.chart.suffix.lower() not in (".png", ".svg"):
        err.print("--chart must name a .png or .svg file")
        return 2
    run_ = latest_model()
    if run_ is None:
        err.print("no link run yet: run `reunify link` first")
        return 1
    left, right, population = explain_inputs(args.left, args.right)
    for key, record in ((args.left, left), (args.right, right)):
        if record is None:
            err.print(f"no current person-record {key[0]}:{key[1]}")
            return 2
    record_cli_reads("explain", persons_of_records([args.left, args.right]), actor=reader())
    scored = explain(left, right, engine=run_.engine, model_json=run_.model_json,
                     population=population, profiles=source_profiles())
    title = (f"{args.left[0]}:{args.left[1]} ~ {args.right[0]}:{args.right[1]} "
             f"(link run {run_.pk}, {run_.engine})")
    table = Table(title=title)
    table.add_column("comparison", no_wrap=True)
    table.add_column("level", overflow="fold")
    table.add_column("weight", justify="right", no_wrap=True)
    for c in scored.comparisons:
        table.add_row(c["name"], c["level"], f"{c['weight']:+.2f}")
    table.add_row("match weight", f"probability {scored.match_probability:.4f}",
                  f"{scored.match_weight:+.2f}", style="bold")
    Console().print(table)
    if args.chart is not None:
        waterfall(scored.comparisons, scored.match_weight, args.chart, title)
        Console().print(f"chart written to {args.chart}")
    return 0
