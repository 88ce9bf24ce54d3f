"""Candidate pairs of the same records with the blocking module of several commits, timed.

    .venv/bin/python bench/blocking_versions.py BATCH REV [REV ...] [--memory 1GB]

Reads a simulated season (``BATCH``, as ``reunify simulate`` writes it), builds the linker's
features once (as ``bench/scale.py``'s blocking step does), then for each git revision runs that
revision's ``src/reunify/linkage/blocking.py`` (``candidate_pairs``, against the features of the
working tree) in a process of its own, on a DuckDB connection configured as ``reunify link``
opens it, and prints one JSON line per revision: pairs, keys divided, crowded parts, wall and
CPU seconds (all threads), peak RSS, and a digest of the pairs (equal digests: equal pairs).
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _features(batch: Path, out: Path) -> None:
    from reunify.linkage.batch_files import read_batch
    from reunify.linkage.context import companions
    from reunify.linkage.features import add_kin, features, swapped_fields

    records, relations = read_batch(batch)
    index = {(r["source"], r["record_id"]): i for i, r in enumerate(records)}
    swapped = swapped_fields(list(records))
    feats = [features(i, r, swapped=i in swapped) for i, r in enumerate(records)]
    add_kin(feats, companions(feats, [(index[r.left], index[r.right]) for r in relations
                                      if r.left in index and r.right in index]))
    out.write_bytes(pickle.dumps(feats, protocol=5))


def _time(module: Path, feats: Path, memory: str) -> dict:
    import importlib.util

    import duckdb

    spec = importlib.util.spec_from_file_location("blocking_under_test", module)
    blocking = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(blocking)
    features = pickle.loads(feats.read_bytes())  # nosec B301 our own file
    with tempfile.TemporaryDirectory(prefix="blocking-versions-") as spill:
        con = duckdb.connect(config={"threads": 2, "memory_limit": memory,
                                     "temp_directory": spill})
        started, cpu = time.perf_counter(), time.process_time()
        counts = blocking.candidate_pairs(con, features)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
        digest = con.execute("SELECT bit_xor(hash(l, r)) FROM candidate_pairs").fetchall()[0][0]
    return {**counts, "seconds": round(seconds, 1), "cpu_seconds": round(cpu_seconds, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "pairs_digest": str(digest)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("batch", type=Path)
    parser.add_argument("revisions", nargs="+")
    parser.add_argument("--memory", default="1GB", help="DuckDB's memory limit (the link's)")
    parser.add_argument("--time", nargs=2, metavar=("MODULE", "FEATURES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.time:
        print(json.dumps(_time(Path(args.time[0]), Path(args.time[1]), args.memory)))
        return
    with tempfile.TemporaryDirectory(prefix="blocking-versions-") as folder:
        feats = Path(folder) / "features.pickle"
        _features(args.batch, feats)
        for rev in args.revisions:
            module = Path(folder) / f"blocking_{len(rev)}_{abs(hash(rev))}.py"
            module.write_text(subprocess.run(
                ["git", "show", f"{rev}:src/reunify/linkage/blocking.py"], cwd=HERE.parent,
                check=True, capture_output=True, text=True).stdout)
            out = subprocess.run([sys.executable, __file__, str(args.batch), rev, "--memory",
                                  args.memory, "--time", str(module), str(feats)],
                                 check=True, capture_output=True, text=True).stdout
            print(json.dumps({"revision": rev, **json.loads(out)}), flush=True)


if __name__ == "__main__":
    main()
