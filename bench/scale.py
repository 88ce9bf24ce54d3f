"""The whole pipeline at a size: time and peak memory per step, beside plain Splink, and quality.

    nice -n 10 .venv/bin/python bench/scale.py --families 1400 [--seed 7] [--keep DIR]

Simulates ``--families`` family units (``--conventions mixed``: each source writes its events
its own way), then, on a fresh SQLite store, runs ``reunify ingest`` (which now gives every
record a person: no link run yet, so each its own), ``reunify link`` (Splink, DuckDB),
``reunify families build``, ``reunify register`` and ``reunify evaluate --json``; then plain
Splink as its documentation teaches (``bench/linkage.py``, ``plain_splink``) on the same
records; then a day's batch ingested after the link run (``ingest_day``: copies of 20 records
under a source of their own, and 2 strangers: incremental linking); then the recall of true
pairs *after blocking* (the share of the truth's pairs that
any blocking key makes a candidate pair) for reunify's keys and for plain Splink's four rules,
apart from each model's recall (reunify's blocking exactly as ``reunify link`` does it:
``reunify.linkage.blocking.candidate_pairs``); and the CPU ratio of ``reunify link`` to plain
Splink, with the link run's CPU seconds by step (``stats.cpu_seconds``). Every step runs in a
process of its own, so each peak resident memory (``ru_maxrss``) is that step's. Prints one
JSON line per step, then a table. Results go in docs/benchmarks.md.

Each step's result is kept in the folder (``results.jsonl``): ``--until STEP`` stops after a
step, ``--resume DIR`` goes on in a kept folder without running again the steps it has, and
``--only STEP ...`` runs those steps in that order (a million records: the season ingested
once, the link run and plain Splink first).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _measure(fn) -> dict:
    """Run ``fn`` (returning a dict) and add wall seconds, CPU seconds and peak RSS."""
    started, cpu = time.perf_counter(), time.process_time()
    out = fn()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {**out, "seconds": round(time.perf_counter() - started, 1),
            "cpu_seconds": round(time.process_time() - cpu, 1),
            "peak_rss_mb": round(usage.ru_maxrss / 1024)}


def _cli(args: list[str]) -> dict:
    from reunify.cli.main import main

    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        status = main(args)
    if status != 0:
        raise SystemExit(f"reunify {' '.join(args)} exited {status}")
    return {"output": captured.getvalue()}


def _plain(batch: Path) -> dict:
    sys.path.insert(0, str(HERE))
    from linkage import plain_splink
    from reunify.linkage.batch_files import read_batch, read_truth
    from reunify.rules.scoring import pairwise_scores

    records, _relations = read_batch(batch)
    scores = pairwise_scores(plain_splink(records), read_truth(batch))
    return {k: round(scores[k], 4) for k in ("precision", "recall", "f1")}


def _pairs_of(blocks: dict[str, list[int]], largest: int | None) -> set[tuple[int, int]]:
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        if len(members) < 2 or (largest is not None and len(members) > largest):
            continue
        pairs.update(combinations(sorted(set(members)), 2))
    return pairs


def _blocking(batch: Path) -> dict:
    """Recall of true pairs after blocking: reunify's (its keys, divided while over the bound,
    exactly as ``reunify link`` finds candidate pairs), plain Splink's four rules. The pairs
    are counted and matched against the truth in DuckDB (tens of millions at a million
    records: no Python set of them)."""
    import duckdb
    import pyarrow as pa

    sys.path.insert(0, str(HERE))
    from linkage import _dob, _plain
    from reunify.linkage.batch_files import read_batch, read_truth
    from reunify.linkage.blocking import candidate_pairs
    from reunify.linkage.context import companions
    from reunify.linkage.features import add_kin, features, swapped_fields

    records, relations = read_batch(batch)
    truth = read_truth(batch)
    index = {(r["source"], r["record_id"]): i for i, r in enumerate(records)}
    people: dict[str, list[int]] = defaultdict(list)
    for key, who in truth.items():
        if key in index:
            people[who].append(index[key])
    true_pairs = _pairs_of(people, None)
    swapped = swapped_fields(list(records))
    feats = [features(i, r, swapped=i in swapped) for i, r in enumerate(records)]
    add_kin(feats, companions(feats, [(index[r.left], index[r.right]) for r in relations
                                      if r.left in index and r.right in index]))
    spill = tempfile.mkdtemp(prefix="scale-blocking-")
    con = duckdb.connect(config={"threads": 2, "memory_limit": "2GB", "temp_directory": spill})
    counts = candidate_pairs(con, feats)
    del feats
    left, right = zip(*sorted(true_pairs), strict=True) if true_pairs else ((), ())
    con.register("true_pairs", pa.table({"l": pa.array(left, pa.int64()),
                                         "r": pa.array(right, pa.int64())}))
    found = con.execute("SELECT count(*) FROM true_pairs t JOIN candidate_pairs c "
                        "ON t.l = c.l AND t.r = c.r").fetchall()[0][0]
    con.execute("DROP TABLE candidate_pairs")
    uids, keys = [], []
    for i, r in enumerate(records):
        first, surname, dob = _plain(r["given_name"]), _plain(r["family_name"]), _dob(
            r["birth_date"])
        a_number = re.sub(r"\D", "", r["a_number"] or "").lstrip("0") or None
        for name, parts in (("fs", (first, surname)), ("sd", (surname, dob)),
                            ("fd", (first, dob)), ("a", (a_number,))):
            if all(parts):
                uids.append(i)
                keys.append(f"{name}:{parts}")
    con.register("plain_keys", pa.table({"uid": pa.array(uids, pa.int64()),
                                         "k": pa.array(keys, pa.string())}))
    con.execute("CREATE TABLE plain_pairs AS SELECT DISTINCT a.uid AS l, b.uid AS r "
                "FROM plain_keys a JOIN plain_keys b ON a.k = b.k AND a.uid < b.uid")
    plain_found = con.execute("SELECT count(*) FROM true_pairs t JOIN plain_pairs c "
                              "ON t.l = c.l AND t.r = c.r").fetchall()[0][0]
    plain_candidates = con.execute("SELECT count(*) FROM plain_pairs").fetchall()[0][0]
    con.close()
    shutil.rmtree(spill, ignore_errors=True)
    return {"records": len(records), "true_pairs": len(true_pairs),
            "candidate_pairs": counts["candidate_pairs"], "keys_divided": counts["keys_divided"],
            "crowded_parts": counts["crowded_parts"],
            "blocking_recall": round(found / max(len(true_pairs), 1), 4),
            "plain_candidate_pairs": plain_candidates,
            "plain_blocking_recall": round(plain_found / max(len(true_pairs), 1), 4)}


#: Columns of the day's batch (``ingest_day``).
_DAY_COLUMNS = ("source", "record_id", "family_name", "given_name", "birth_date", "sex",
                "country", "a_number", "group_id", "group_role", "phone")


def _day(folder: Path) -> dict:
    """A day's batch after the link run: copies of 20 records of the season under a source
    of their own (each should join its original's person) and 2 strangers (new persons).
    Ingests it, then counts copies that joined their original's person."""
    import csv

    originals = []
    for path in sorted((folder / "batch").glob("*.persons.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            originals += [r for r in csv.DictReader(handle)
                          if r.get("a_number") and r.get("birth_date")][:5]
    day = folder / "day"
    day.mkdir(exist_ok=True)
    with (day / "later.persons.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=_DAY_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for n, row in enumerate(originals):
            writer.writerow({**{c: row.get(c, "") for c in _DAY_COLUMNS}, "source": "later",
                             "record_id": f"copy{n}", "group_id": "", "group_role": ""})
        writer.writerow({"source": "later", "record_id": "stranger1", "given_name": "Zacarías",
                         "family_name": "Quetzal Ixcoy", "birth_date": "1961-11-23", "sex": "M",
                         "a_number": "A987654321"})
        writer.writerow({"source": "later", "record_id": "stranger2", "given_name": "Eulalia",
                         "family_name": "Pocop Sajbin", "birth_date": "1949-06-02", "sex": "F"})
    out = _cli(["ingest", str(day)])
    from reunify.models import Identity

    person = {(s, r): p for s, r, p in
              Identity.objects.values_list("source", "record_id", "person_id")}
    right = sum(person[("later", f"copy{n}")] == person[(row["source"], row["record_id"])]
                for n, row in enumerate(originals))
    return {**out, "copies": len(originals), "copies_joined_their_person": right,
            "strangers_alone": sum(
                list(person.values()).count(person[("later", s)]) == 1
                for s in ("stranger1", "stranger2"))}


def step(name: str, folder: Path, args: list[str]) -> dict:
    """One step, in this process (the parent runs each in a child)."""
    batch = folder / "batch"
    if name == "simulate":
        out = _measure(lambda: _cli(["simulate", str(batch), *args]))
        manifest = json.loads((batch / "manifest.json").read_text(encoding="utf-8"))
        out["as_of"] = manifest.get("as_of")
        return out
    if name == "plain_splink":
        return _measure(lambda: _plain(batch))
    if name == "blocking":
        return _measure(lambda: _blocking(batch))
    if name == "ingest_day":
        return _measure(lambda: _day(folder))
    out = _measure(lambda: _cli(args))
    if name == "link":
        from reunify.models import LinkRun

        stats = LinkRun.objects.exclude(engine="incremental").latest("pk").stats
        out["link_cpu_seconds"] = stats.get("cpu_seconds")
        out["link_blocking"] = stats.get("blocking")
    return out


def _child(name: str, folder: Path, args: list[str], env: dict[str, str]) -> dict:
    done = subprocess.run([sys.executable, __file__, "step", name, str(folder), "--", *args],
                          env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"step {name} failed:\n{done.stderr[-4000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["step"] = name
    return result


#: The steps after ``simulate``, in order, with their command lines (``as_of`` filled in).
STEPS = ("ingest", "link", "families_build", "register", "evaluate", "ingest_day",
         "plain_splink", "blocking")


def run(families: int, seed: int, folder: Path, until: str | None = None,
        only: list[str] | None = None) -> list[dict]:
    """Every step on a fresh store in ``folder``; one result per step. Each result is also
    appended to ``folder/results.jsonl``: a step found there already is not run again
    (``--resume``), so a long run can be taken in parts (``--until``), or its steps in
    another order (``--only``: the link run and plain Splink first, when time is short)."""
    env = {**os.environ, "REUNIFY_DATABASE_URL": f"sqlite:///{folder}/store.sqlite3",
           "REUNIFY_DATA_DIR": str(folder / "data"), "REUNIFY_ACTOR": "bench",
           "PYTHONPATH": os.pathsep.join([str(HERE.parent / "src"),
                                          os.environ.get("PYTHONPATH", "")])}
    batch = str(folder / "batch")
    log = folder / "results.jsonl"
    done = {r["step"]: r for r in (json.loads(line) for line in
                                   log.read_text(encoding="utf-8").splitlines())
            } if log.exists() else {}

    def keep(result: dict) -> None:
        print(json.dumps(result), flush=True)
        results.append(result)
        if result["step"] not in done:
            with log.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(result) + "\n")

    results: list[dict] = []
    sim = done.get("simulate") or _child(
        "simulate", folder, ["--families", str(families), "--seed", str(seed),
                             "--conventions", "mixed"], env)
    sim.pop("output", None)
    keep(sim)
    as_of = ["--as-of", sim["as_of"]] if sim.get("as_of") else []
    commands = {"ingest": ["ingest", batch], "link": ["link"],
                "families_build": ["families", "build"],
                "register": ["register", *as_of, "--json"],
                "evaluate": ["evaluate", batch, *as_of, "--json"]}
    for name in only or STEPS:
        if until is not None and results[-1]["step"] == until:
            break
        if name in done:
            keep(done[name])
            continue
        result = _child(name, folder, commands.get(name, []), env)
        if name == "evaluate":
            result["scores"] = json.loads(result.pop("output"))
        elif name in ("ingest", "link", "families_build", "register", "ingest_day"):
            result.pop("output", None)
        result["utc"] = time.strftime("%H:%M:%S", time.gmtime())
        result["load"] = os.getloadavg()[0]
        keep(result)
    return results


def _table(results: list[dict]) -> str:
    by = {r["step"]: r for r in results}
    lines = ["| step | wall s | CPU s | peak RSS MB |", "| --- | --- | --- | --- |"]
    for r in results:
        lines.append(f"| {r['step']} | {r['seconds']} | {r['cpu_seconds']} | "
                     f"{r['peak_rss_mb']} |")
    ident = by["evaluate"]["scores"].get("identities", {})
    fam = by["evaluate"]["scores"].get("families", {})
    plain, block, day = by["plain_splink"], by["blocking"], by["ingest_day"]
    link = by["link"]
    lines += [
        "",
        f"reunify link / plain Splink, same records: CPU "
        f"{link['cpu_seconds'] / max(plain['cpu_seconds'], 0.1):.2f}x, peak RSS "
        f"{link['peak_rss_mb'] / max(plain['peak_rss_mb'], 1):.2f}x",
        f"reunify link, CPU s by step: {link.get('link_cpu_seconds')}",
        f"ingest_day (after the link run): {day['copies_joined_their_person']} of "
        f"{day['copies']} copies joined their original's person, {day['strangers_alone']} of 2 "
        "strangers are persons of their own",
        f"records {block['records']}, true pairs {block['true_pairs']}",
        f"reunify: identity P/R {ident.get('precision')} / {ident.get('recall')}, families "
        f"whole {fam.get('whole', fam.get('families_whole'))}; blocking: "
        f"{block['candidate_pairs']} candidate pairs, recall after blocking "
        f"{block['blocking_recall']}",
        f"plain Splink: P/R {plain['precision']} / {plain['recall']}; blocking: "
        f"{block['plain_candidate_pairs']} candidate pairs, recall after blocking "
        f"{block['plain_blocking_recall']}",
    ]
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "step":
        name, folder = sys.argv[2], Path(sys.argv[3])
        args = sys.argv[sys.argv.index("--") + 1:]
        print(json.dumps(step(name, folder, args)), flush=True)
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", type=int, default=1400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, default=None,
                        help="work in this (new) folder and keep it; default a temporary one")
    parser.add_argument("--resume", type=Path, default=None,
                        help="go on in this folder (of --keep): the steps it has results of "
                             "are not run again")
    parser.add_argument("--until", choices=("simulate", *STEPS), default=None,
                        help="stop after this step (go on later with --resume)")
    parser.add_argument("--only", nargs="+", choices=STEPS, default=None,
                        help="run these steps only, in this order (with --resume)")
    args = parser.parse_args()
    if args.resume is not None:
        results = run(args.families, args.seed, args.resume.resolve(), args.until, args.only)
    elif args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=False)
        results = run(args.families, args.seed, args.keep.resolve(), args.until)
    else:
        with tempfile.TemporaryDirectory() as folder:
            results = run(args.families, args.seed, Path(folder), args.until)
    if {r["step"] for r in results} >= set(STEPS):
        print(_table(results))


if __name__ == "__main__":
    main()
