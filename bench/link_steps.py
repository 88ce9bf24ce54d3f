"""Where a link run's memory and time go: resident memory and CPU seconds at each step.

    nice -n 10 .venv/bin/python bench/link_steps.py /tmp/scalemem_100k [--src /work/main/src]

Reads a folder kept by ``bench/scale.py --keep``, runs the linker on the store's records as
``reunify link`` does (nothing is written) and prints, at each step the linker announces, the
process's CPU seconds (every thread), its resident memory then and its peak so far; then the
persons' digest (sha256 of the sorted clusters: two runs with the same digest found the same
persons), the kept edges' digest, the review pairs' (both whatever their order), and the
identity precision and recall against the batch's truth. ``--src`` runs
another checkout's code on the same records (the code before a change, say).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _rss_mb() -> int:
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 2**20


def _peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--src", type=Path, default=HERE.parent / "src")
    args = parser.parse_args()
    folder = args.folder.resolve()
    sys.path.insert(0, str(HERE))
    from calibration import _quality, _truth, open_kept_store

    open_kept_store(folder, args.src)
    from reunify.actions.link import _decisions_in_force, _relations
    from reunify.linkage import resolution
    from reunify.linkage.records import Profile
    from reunify.models.linkage import linkage_records
    from reunify.models.profile import linkage_profiles

    started = time.process_time()
    laps = []

    def say(step: str) -> None:
        laps.append({"step": step, "cpu_s": round(time.process_time() - started, 1),
                     "rss_mb": _rss_mb(), "peak_mb": _peak_mb()})
        print(json.dumps(laps[-1]), flush=True)

    from reunify.linkage import engine

    edges = {}
    scoring = engine.score

    def score(*args, **kwargs):
        # The kept edges, whatever their order (it varies from run to run): their digest.
        model = scoring(*args, **kwargs)
        kept = sorted((int(i), int(j), float(w).hex()) for w, i, j in model.edges)
        edges["edges"] = len(kept)
        edges["edges_digest"] = hashlib.sha256(json.dumps(kept).encode()).hexdigest()[:16]
        return model
    engine.score = score
    say("start")
    records, relations, decisions = linkage_records(), _relations(), _decisions_in_force()
    profiles = {source: Profile.of(p) for source, p in linkage_profiles().items()}
    say("records loaded")
    found = resolution.resolve(records, relations=relations, decisions=decisions,
                               profiles=profiles, progress=say)
    say("done")
    digest = hashlib.sha256(json.dumps(sorted(sorted(map(list, c)) for c in found.clusters)
                                       ).encode()).hexdigest()
    precision, recall = _quality(found.clusters, _truth(folder))
    print(json.dumps({"src": str(args.src), "records": len(records),
                      "persons": len(found.clusters), "digest": digest[:16],
                      "review_pairs": len(found.review),
                      # Sorted: the review pairs' order varies from run to run.
                      "review_digest": hashlib.sha256(json.dumps(sorted(json.dumps(
                          (p.left, p.right, p.match_weight, p.match_probability, p.comparisons),
                          default=str) for p in found.review)).encode()).hexdigest()[:16],
                      **edges, "candidate_pairs": found.stats["blocking"].get("candidate_pairs"),
                      "scored_pairs": found.stats["blocking"].get("scored_pairs"),
                      "model_sha256": hashlib.sha256(found.model_json.encode()).hexdigest()[:16],
                      "identity_precision": round(precision, 4),
                      "identity_recall": round(recall, 4),
                      "cpu_seconds": found.stats.get("cpu_seconds"),
                      "peak_mb": _peak_mb()}), flush=True)


if __name__ == "__main__":
    main()
