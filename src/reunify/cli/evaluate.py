"""``reunify evaluate TRUTH_DIR``: score the current store against a simulated batch's truth."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from reunify.cli.as_of import as_of_day


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="score identities (and families) against truth files")
    p.add_argument("truth_dir", type=Path, help="folder holding truth.identities.csv (and more)")
    p.add_argument("--as-of", type=as_of_day, default=None,
                   help="date the register is scored for (default: the batch manifest's as_of)")
    p.add_argument("--json", action="store_true", help="print the scores as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.table import Table

    from reunify.cli.main import prepare_store
    from reunify.cli.terminal import Console
    from reunify.linkage.batch_files import read_truth
    from reunify.queries.identities import identity_rows
    from reunify.rules.scoring import pairwise_scores

    prepare_store()
    truth_dir: Path = args.truth_dir
    if not (truth_dir / "truth.identities.csv").is_file():
        Console(stderr=True).print(
            f"{truth_dir}: no truth.identities.csv, so nothing can be scored (expected a "
            "batch's truth files: truth.identities.csv, truth.families.csv, truth.status.csv)",
            markup=False, highlight=False, soft_wrap=True)
        return 2
    truth = read_truth(truth_dir)
    predicted = {(source, record_id): person for source, record_id, person in identity_rows()}
    scores: dict[str, dict] = {"identities": pairwise_scores(predicted, truth)}
    missing = len(set(truth) - set(predicted))
    scores["identities"]["records_without_identity"] = missing
    if not scores["identities"]["records"]:
        # Nothing to compare: no score, rather than the 1.0 of zero pairs out of zero.
        scores["identities"] = {"records_without_identity": missing, "not_scored": [
            "no record of truth.identities.csv has an identity in the store (ingest the "
            "batch and run `reunify link`)"]}

    as_of = args.as_of
    manifest = truth_dir / "manifest.json"
    if as_of is None and manifest.is_file():
        as_of = dt.date.fromisoformat(json.loads(manifest.read_text())["as_of"])
    if as_of is None:
        as_of = dt.date.today()
        Console(stderr=True).print(
            f"{truth_dir}: no manifest.json and no --as-of: the register is scored as of "
            f"today, {as_of}; truth.status.csv is as of the batch's as-of day", markup=False,
            highlight=False, soft_wrap=True)
    scores.update(_family_scores(truth_dir, as_of))
    from reunify.queries.tracing_evaluation import tracing_scores

    scores.update(tracing_scores(truth_dir))

    if args.json:
        print(json.dumps(scores, indent=2, sort_keys=True, default=str))
        return 0
    console = Console()
    for section, values in scores.items():
        table = Table(title=section, show_header=True)
        table.add_column("measure")
        table.add_column("value", justify="right")
        notes = values.pop("not_scored", [])
        for key, value in values.items():
            table.add_row(key, f"{value:.4f}" if isinstance(value, float) else str(value))
        if values:
            console.print(table)
        for note in notes:
            console.print(f"{section}: not scored: {note}", markup=False, highlight=False,
                          soft_wrap=True)
    return 0


def _family_scores(truth_dir: Path, as_of: dt.date) -> dict[str, dict]:
    """Family and register scores, once families exist; what cannot be scored is said."""
    from reunify.models import Family

    if not Family.objects.exists():
        return {"families": {"not_scored": [
            "no families built yet (run `reunify families build`)"]}}
    from reunify.queries.family_evaluation import score_families

    return {"families": score_families(truth_dir, as_of)}
