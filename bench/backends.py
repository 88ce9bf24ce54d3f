"""The same batch linked on DuckDB and on Spark: the persons compared as sets, and time.

    nice -n 10 .venv/bin/python bench/backends.py --families 1400 [--seed 7] [--out DIR]
        [--backends duckdb spark] [--driver-memory 4g] [--kept]

Simulates ``--families`` family units (``--conventions mixed``) into ``DIR/batch`` (kept, and
reused when it is already there), then runs ``resolve`` (``engine="splink"``, with the batch's
relations and profiles) once per backend, each in a process of its own, so each run's peak
memory is its own. Per backend it prints wall seconds, CPU seconds of the Python process (every
thread: DuckDB's too) and, on Spark, of the JVM (local mode: driver and executors are one JVM,
a child of the Python process), peak resident memory of each, identity precision / recall
against the batch's truth, and the run's CPU seconds by step (``stats.cpu_seconds``). Then the
persons of the two backends as sets of records: each person one backend has and the other
not, with the pairs that join or part it and their match weight on each backend (none: not
scored at or above the floor weight, or not a candidate pair), and the trained level weights
that differ most between the backends (with ``--kept``, a backend whose persons are already
in DIR is not run again: a long Spark run compared with a later DuckDB one; one backend
alone is measured, not compared). Results go in
docs/benchmarks.md (Scale, "Spark at 100k and beyond").
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

#: Differing persons printed in full (every one is counted).
SHOWN = 20


def _stat(pid: int) -> list[str]:
    # The fields after the command name: field 3 (state) first.
    return Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()


def _jvm_usage() -> dict:
    """CPU seconds and peak resident memory of the Spark JVM, if this process started one, and
    CPU seconds of its Python workers (Jaro-Winkler), alive or reaped by their daemon."""
    from reunify.linkage import spark

    if not spark.session.cache_info().currsize:
        return {}
    pid = int(spark.session()._jvm.java.lang.ProcessHandle.current().pid())
    ticks = os.sysconf("SC_CLK_TCK")
    status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    peak = next(int(line.split()[1]) for line in status.splitlines()
                if line.startswith("VmHWM:"))
    stat = _stat(pid)
    workers, parents = 0, {pid}
    # Descendants of the JVM: pyspark's daemon and the workers it forks (parents first).
    for child in sorted(int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()):
        try:
            fields = _stat(child)
        except OSError:
            continue
        if int(fields[1]) in parents:
            parents.add(child)
            # utime, stime, and the same of children it waited for (fields 14-17).
            workers += sum(int(f) for f in fields[11:15])
    return {"jvm_cpu_seconds": round((int(stat[11]) + int(stat[12])) / ticks, 1),
            "python_workers_cpu_seconds": round(workers / ticks, 1),
            "jvm_peak_rss_mb": round(peak / 1024)}


def run(backend: str, batch: Path, out: Path) -> dict:
    """Resolve the batch on one backend (in this process); write its persons and scored
    pairs to ``out``; return the figures."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from reunify.linkage import engine
    from reunify.linkage.batch_files import read_batch, read_profiles, read_truth
    from reunify.linkage.resolution import resolve
    from reunify.rules.scoring import pairwise_scores

    records, relations = read_batch(batch)
    profiles = read_profiles(batch)
    captured = {}
    score = engine.score

    def keep_edges(*args, **kwargs):
        model = score(*args, **kwargs)
        captured["edges"] = model.edges
        return model
    engine.score = keep_edges
    started, cpu = time.perf_counter(), time.process_time()
    result = resolve(records, relations=relations, engine="splink", backend=backend,
                     profiles=profiles, progress=lambda step: print(
                         f"  {backend} {time.perf_counter() - started:7.1f} s: {step}",
                         file=sys.stderr, flush=True))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    keys = [[r["source"], r["record_id"]] for r in records]
    edges = captured["edges"]
    pq.write_table(pa.table({"w": [e[0] for e in edges], "l": [e[1] for e in edges],
                             "r": [e[2] for e in edges]}), out / f"{backend}_edges.parquet")
    clusters = [[list(k) for k in cluster] for cluster in result.clusters]
    (out / f"{backend}_persons.json").write_text(json.dumps({"keys": keys,
                                                             "persons": clusters}))
    (out / f"{backend}_model.json").write_text(result.model_json)
    predicted = {tuple(k): n for n, cluster in enumerate(result.clusters) for k in cluster}
    scores = pairwise_scores(predicted, read_truth(batch))
    return {"backend": backend, "records": len(records), "persons": len(clusters),
            "scored_pairs": result.stats["scored_pairs"],
            "seconds": round(wall, 1), "cpu_seconds": round(cpu, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            **_jvm_usage(),
            "precision": round(scores["precision"], 4), "recall": round(scores["recall"], 4),
            "steps_cpu_seconds": result.stats["cpu_seconds"]}


def _weights(out: Path, backend: str) -> dict[tuple[int, int], float]:
    import pyarrow.parquet as pq

    cols = pq.read_table(out / f"{backend}_edges.parquet").to_pydict()
    return {(l_, r_): w for w, l_, r_ in zip(cols["w"], cols["l"], cols["r"], strict=True)}


def compare(out: Path, first: str, second: str) -> dict:
    """The persons one backend has and the other not, with the pairs that join or part them."""
    from reunify.linkage import comparisons

    runs = {b: json.loads((out / f"{b}_persons.json").read_text()) for b in (first, second)}
    index = {tuple(k): i for i, k in enumerate(runs[first]["keys"])}
    person_of, persons = {}, {}
    for b in (first, second):
        sets = [frozenset(index[tuple(k)] for k in p) for p in runs[b]["persons"]]
        persons[b] = set(sets)
        person_of[b] = {i: s for s in sets for i in s}
    only = {first: persons[first] - persons[second], second: persons[second] - persons[first]}
    weights = {b: _weights(out, b) for b in (first, second)}
    # A difference is a connected group of records whose persons differ: its records'
    # persons on both backends.
    groups, seen = [], set()
    for b in (first, second):
        for person in sorted(only[b], key=min):
            if person & seen:
                continue
            group, todo = set(), set(person)
            while todo:
                i = todo.pop()
                group.add(i)
                for side in (first, second):
                    todo |= person_of[side][i] - group
            seen |= group
            groups.append(group)
    keys = runs[first]["keys"]
    shown = []
    for group in groups[:SHOWN]:
        members = sorted(group)
        pairs = []
        for n, i in enumerate(members):
            for j in members[n + 1:]:
                together = {b: person_of[b][i] == person_of[b][j] for b in (first, second)}
                if together[first] == together[second]:
                    continue
                w = {b: weights[b].get((i, j)) for b in (first, second)}
                pairs.append({"pair": [keys[i], keys[j]],
                              "together_on": first if together[first] else second,
                              **{f"weight_{b}": None if w[b] is None else round(w[b], 3)
                                 for b in (first, second)}})
        shown.append({"records": [keys[i] for i in members],
                      f"persons_{first}": sorted(len(p) for p in
                                                 {person_of[first][i] for i in group}),
                      f"persons_{second}": sorted(len(p) for p in
                                                  {person_of[second][i] for i in group}),
                      "pairs_apart_on_one": pairs})
    levels = {b: comparisons.labels(json.loads((out / f"{b}_model.json").read_text()))
              for b in (first, second)}
    moved = sorted(((abs(w - levels[second][name][g][1]), name, label, round(w, 3),
                     round(levels[second][name][g][1], 3))
                    for name, by_value in levels[first].items()
                    for g, (label, w) in by_value.items() if g >= 0), reverse=True)
    common = set(weights[first]) & set(weights[second])
    drift = sorted((abs(weights[first][p] - weights[second][p]) for p in common), reverse=True)
    models = {b: (out / f"{b}_model.json").read_text() for b in (first, second)}
    return {"same_persons": not groups, "differences": len(groups),
            # Training runs once, in DuckDB (docs/decisions/0004-one-trained-model.md).
            "same_model": models[first] == models[second],
            f"persons_only_{first}": len(only[first]),
            f"persons_only_{second}": len(only[second]),
            "scored_pairs_both": len(common),
            f"scored_pairs_only_{first}": len(set(weights[first]) - common),
            f"scored_pairs_only_{second}": len(set(weights[second]) - common),
            "weight_difference_max": round(drift[0], 4) if drift else 0.0,
            "weight_difference_p99": round(drift[len(drift) // 100], 4) if drift else 0.0,
            # The trained model's level weights that differ most between the backends.
            f"level_weights_{first}_{second}": [m[1:] for m in moved[:8]],
            "shown": shown}


def main() -> None:
    """Simulate once, resolve on each backend in a child, compare."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=1400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--backends", nargs="+", default=["duckdb", "spark"])
    parser.add_argument("--driver-memory", default=None,
                        help="REUNIFY_SPARK_DRIVER_MEMORY for the Spark run")
    parser.add_argument("--kept", action="store_true",
                        help="do not run again a backend whose persons are already in --out "
                             "(a long run's result compared with a later one's)")
    parser.add_argument("--child", nargs=3, metavar=("BACKEND", "BATCH", "OUT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        # `kill -USR1` a run that seems stuck prints where Python is.
        faulthandler.register(signal.SIGUSR1)
        backend, batch, out = args.child
        print(json.dumps(run(backend, Path(batch), Path(out))), flush=True)
        return
    out = args.out or Path(f"/tmp/backends_f{args.families}_s{args.seed}")
    batch = out / "batch"
    out.mkdir(parents=True, exist_ok=True)
    if not (batch / "manifest.json").exists():
        from reunify.simulator import simulate

        simulate(batch, families=args.families, seed=args.seed, conventions="mixed")
    env = dict(os.environ)
    if args.driver_memory:
        env["REUNIFY_SPARK_DRIVER_MEMORY"] = args.driver_memory
    results = {}
    for backend in args.backends:
        if args.kept and (out / f"{backend}_persons.json").exists():
            continue
        stamp = time.strftime("%H:%M:%S", time.gmtime())
        load = os.getloadavg()[0]
        done = subprocess.run(  # nosec B603 (this script, by its own path)
            [sys.executable, __file__, "--child", backend, str(batch), str(out)],
            env=env, check=True, stdout=subprocess.PIPE, text=True).stdout
        results[backend] = json.loads(done.strip().splitlines()[-1])
        results[backend].update(started_utc=stamp, ended_utc=time.strftime(
            "%H:%M:%S", time.gmtime()), load_start=round(load, 1),
            load_end=round(os.getloadavg()[0], 1))
        print(json.dumps(results[backend]), flush=True)
    # Two backends to compare (one alone, e.g. a long Spark run, is only measured).
    if len(args.backends) > 1 and all((out / f"{b}_persons.json").exists()
                                      for b in args.backends[:2]):
        differences = compare(out, *args.backends[:2])
        (out / "differences.json").write_text(json.dumps(differences, indent=1))
        print(json.dumps({k: v for k, v in differences.items() if k != "shown"}), flush=True)
        for group in differences["shown"]:
            print(json.dumps(group), flush=True)


if __name__ == "__main__":
    main()
