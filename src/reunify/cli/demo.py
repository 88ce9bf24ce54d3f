"""``reunify demo``: the main job on embedded defaults — what ``make run`` does.

Simulate a season, ingest it, link it, rebuild families, open a case for every separated child
and work a few, and print a summary a newcomer understands. Everything is synthetic; re-running
it on the same store changes nothing but the link and family runs (and opens the cases new
separations call for).
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

from reunify.cli.actor import add_actor_option


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="simulate a season, ingest, link, build families, summarise")
    p.add_argument("--families", type=int, default=2000, help="family units to simulate")
    p.add_argument("--seed", type=int, default=2018)
    p.add_argument("--out", type=Path, default=None,
                   help="where the simulated batch goes (default: $REUNIFY_DATA_DIR/demo/…)")
    p.add_argument("--engine", choices=("splink", "deterministic"), default="splink")
    add_actor_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from django.conf import settings
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from reunify.actions.family import build_families
    from reunify.actions.ingest import ingest_paths
    from reunify.actions.link import link
    from reunify.cli.main import prepare_store
    from reunify.queries.summary import store_summary
    from reunify.simulator import simulate

    console = Console()
    actor = (args.actor or "demo").strip() or "demo"
    prepare_store()
    out = args.out or Path(settings.DATA_DIR) / "demo" / f"season-{args.families}-{args.seed}"
    started = time.monotonic()

    def bar() -> Progress:
        return Progress(TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, transient=False)

    console.rule("[bold]reunify demo: a synthetic 2018 season")
    with bar() as progress:
        task = progress.add_task("simulating families", total=args.families)
        simulate(out, families=args.families, seed=args.seed,
                 progress=lambda done, total: progress.update(task, completed=done, total=total))
    console.print(f"simulated batch written to {out}")

    files = sorted(p for p in out.iterdir() if not p.name.startswith("truth.") and
                   p.suffix in {".csv", ".jsonl"})
    report = ingest_paths(files, actor=actor, progress=console)
    console.print(str(report))
    link_run = link(actor=actor, engine=args.engine, progress=console)
    stats = link_run.stats
    console.print(
        f"link run {link_run.pk} ({link_run.engine}): {stats.get('records', '?')} records → "
        f"{stats.get('persons', '?')} persons, {stats.get('review_pairs', 0)} pairs for review; "
        f"model sha256 {link_run.model_sha256[:12] or '—'}"
    )
    family_run = build_families(actor=actor, progress=console)
    stats = family_run.stats
    console.print(
        f"family run {family_run.pk}: {stats.get('families', '?')} families, "
        f"{stats.get('members', '?')} members, {stats.get('conflicting', 0)} with conflicting "
        f"claims, {stats.get('unlinked_children', 0)} children with no parent found"
    )

    from reunify.cli.demo_casework import court_check, open_and_work_cases

    console.print(open_and_work_cases(_as_of(out), actor=actor))
    console.print(court_check(_as_of(out)))

    from reunify.cli.families import refresh_register_now

    refresh_register_now(console, actor)
    summary = store_summary()
    table = Table(title="Records per source (current versions)")
    for column in ("source", "persons", "relations", "events"):
        table.add_column(column, justify="right" if column != "source" else "left")
    for source, counts in summary["records_by_source"].items():
        table.add_row(source, *(str(counts.get(k, 0)) for k in ("persons", "relations", "events")))
    console.print(table)
    console.print(
        f"[bold]{summary['person_records']}[/] person-records resolve to "
        f"[bold]{summary['persons']}[/] persons; "
        f"{summary['persons_seen_by_one_record_only']} persons are seen by one record only; "
        f"{summary['review_pairs_open']} pairs wait for a person's review "
        f"(`reunify review list`)."
    )
    _print_headline(console, out)
    _print_ledger(console)
    console.print(f"done in {time.monotonic() - started:.0f} s. "
                  "Browse it: [bold]make serve[/] (demo users are printed there).")
    return 0


def _as_of(out: Path) -> dt.date:
    """The simulated season's as-of day, from its manifest."""
    import json

    return dt.date.fromisoformat(json.loads((out / "manifest.json").read_text())["as_of"])


def _print_headline(console, out: Path) -> None:
    import json

    from rich.table import Table

    from reunify.cli.register import reader
    from reunify.reports.register import stored_headline

    manifest = json.loads((out / "manifest.json").read_text())
    as_of = dt.date.fromisoformat(manifest["as_of"])
    head = stored_headline(as_of, actor=reader())
    table = Table(title=f"Separation register as of {as_of.isoformat()}")
    table.add_column("")
    table.add_column("count", justify="right")
    for key, value in head.items():
        table.add_row(str(key).replace("_", " "), str(value))
    console.print(table)


def _print_ledger(console) -> None:
    """Verify the store's ledger as an outside auditor would, and say so in one line."""
    from reunify.models.ledger_keys import key_file, read_public_key
    from reunify.queries.ledger import checkpoint_notes, stored_entries
    from reunify.rules.ledger_verify import verify_ledger

    verdict = verify_ledger(stored_entries(), checkpoint_notes(), read_public_key(key_file()))
    if verdict.ok:
        console.print(f"ledger: {verdict.entries} entries under {verdict.checkpoints} signed "
                      "checkpoints; verified (`reunify ledger verify`)")
    else:
        console.print(f"[bold red]ledger does NOT verify[/]: first bad entry "
                      f"{verdict.first_bad_entry}; run `reunify ledger verify`")
