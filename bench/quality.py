"""End-to-end quality on seasons written as other agencies would write them.

For each seed: simulate a season of N families in mixed recording conventions (drawn per
source from the seed) under source names the code has never seen (drawn from the seed too),
ingest it into a fresh SQLite store, link, build families, and score the exports against the
truth files with ``reunify evaluate --json``. ``--no-profiles`` removes the sources' profiles
before ingest (a source without a profile gets none of the profile rules).

    .venv/bin/python bench/quality.py --families 2000 --seeds 1 2 3 4 9041 --out /tmp/quality

Prints one row per seed (identity P/R, families whole, child status accuracy, separated
children recall and precision, unaccompanied children reported separated) and writes
``quality.json`` in ``--out``. Figures go in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

COMMAND = [sys.executable, "-m", "reunify.cli.main"]
HERE = Path(__file__).resolve().parent


def _run(env: dict, *args: str) -> str:
    done = subprocess.run([*COMMAND, *args], env=env, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise SystemExit(f"reunify {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def season(seed: int, families: int, out: Path, *, profiles: bool,
           conventions: str) -> dict:
    """Simulate, ingest, link, build and evaluate one season; the evaluation's JSON."""
    folder = out / f"seed-{seed}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    # This tree's code, not the one the virtualenv installed: a frozen copy of another
    # commit measures its own code (as bench/scale.py does).
    env = dict(os.environ, REUNIFY_DATABASE_URL=f"sqlite:///{folder / 'store.sqlite3'}",
               REUNIFY_DATA_DIR=str(folder / "data"), REUNIFY_ACTOR="bench-quality",
               PYTHONPATH=os.pathsep.join([str(HERE.parent / "src"),
                                           os.environ.get("PYTHONPATH", "")]))
    batch = folder / "batch"
    _run(env, "simulate", str(batch), "--families", str(families), "--seed", str(seed),
         "--conventions", conventions, "--rename-sources", str(seed))
    if not profiles:
        for path in batch.glob("*.source.json"):
            path.unlink()
    started = time.monotonic()
    _run(env, "migrate")
    _run(env, "ingest", str(batch))
    _run(env, "link")
    _run(env, "families", "build")
    elapsed = time.monotonic() - started
    scores = json.loads(_run(env, "evaluate", str(batch), "--json"))
    manifest = json.loads((batch / "manifest.json").read_text())
    return {"seed": seed, "seconds": round(elapsed, 1), "sources": manifest.get("sources"),
            "conventions": manifest.get("conventions"), "scores": scores}


def _get(scores: dict, *path: str):
    for key in path:
        if not isinstance(scores, dict) or key not in scores:
            return None
        scores = scores[key]
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=2000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 9041])
    parser.add_argument("--conventions", default="mixed")
    parser.add_argument("--no-profiles", action="store_true")
    parser.add_argument("--out", type=Path, default=Path("bench/out/quality"))
    args = parser.parse_args()
    console = Console()
    results = []
    table = Table(title=f"{args.families} families, conventions {args.conventions}, renamed "
                        f"sources{', no profiles' if args.no_profiles else ''}")
    for column in ("seed", "identity P", "identity R", "families whole", "child status",
                   "separated R", "separated P", "UAC as separated", "seconds"):
        table.add_column(column, justify="right")
    for seed in args.seeds:
        result = season(seed, args.families, args.out, profiles=not args.no_profiles,
                        conventions=args.conventions)
        results.append(result)
        s = result["scores"]

        def fmt(value) -> str:
            return "—" if value is None else (f"{value:.4f}" if isinstance(value, float)
                                              else str(value))

        table.add_row(str(seed), fmt(_get(s, "identities", "precision")),
                      fmt(_get(s, "identities", "recall")),
                      fmt(_get(s, "families", "families_whole")),
                      fmt(_get(s, "families", "child_status_accuracy")),
                      fmt(_get(s, "families", "separated_children_recall")),
                      fmt(_get(s, "families", "separated_children_precision")),
                      fmt(_get(s, "families", "unaccompanied_reported_separated")),
                      str(result["seconds"]))
        console.print(f"seed {seed} done in {result['seconds']} s")
    console.print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "quality.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
