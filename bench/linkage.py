"""Identity resolution benchmarks: reunify's linker against plain Splink, at scale, on FEBRL4.

    .venv/bin/python bench/linkage.py compare --families 2000 --seeds 1 2 3 [--repeat 3]
        [--rename-sources SEED] [--no-profiles]
    .venv/bin/python bench/linkage.py scale --records 10000 30000 100000
    .venv/bin/python bench/linkage.py febrl4 --data DIR   # DIR holds FEBRL's dataset4a/4b.csv

``compare`` links the same simulated batch in one process per seed, in turns, ``--repeat``
times each (the median time counts): with reunify
(``reunify.linkage.resolution.resolve``) and with Splink as its documentation teaches for
person data (name, date of birth, A-number, sex and country comparisons from Splink's
comparison library, term-frequency adjustments, u by random sampling, m by EM on two blocking
rules, connected components at match probability 0.95). ``--rename-sources SEED`` writes the
season under source names drawn with SEED (``reunify.simulator.sources``), so the linker meets
names it has never seen; ``--no-profiles`` links without the sources' profiles. Results go in
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reunify.linkage.batch_files import read_batch, read_profiles, read_truth
from reunify.linkage.resolution import resolve
from reunify.rules.names import strip_accents
from reunify.rules.scoring import pairwise_scores
from reunify.simulator import simulate
from reunify.simulator.sources import source_names

#: Person-records per simulated family unit (single adults and children alone included).
RECORDS_PER_FAMILY = 7.4


def _plain(text: str) -> str | None:
    text = strip_accents(text or "").lower().strip()
    return text or None


def _dob(raw: str) -> str | None:
    return raw if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw or "") else None


def plain_splink(records: list[dict]) -> dict[tuple[str, str], int]:
    """Cluster records with Splink's documented person-data model; key → cluster id."""
    import duckdb
    import pyarrow as pa
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    rows = [{"unique_id": i, "first_name": _plain(r["given_name"]),
             "surname": _plain(r["family_name"]), "dob": _dob(r["birth_date"]),
             "sex": r["sex"] or None, "country": r["country"] or None,
             "a_number": re.sub(r"\D", "", r["a_number"] or "").lstrip("0") or None}
            for i, r in enumerate(records)]
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.LevenshteinAtThresholds("a_number", 2),
            cl.ExactMatch("sex"),
            cl.ExactMatch("country"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "surname"), block_on("surname", "dob"),
            block_on("first_name", "dob"), block_on("a_number"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    con = duckdb.connect()
    db_api = DuckDBAPI(connection=con)
    table = db_api.register(pa.Table.from_pylist(rows))
    linker = Linker(table, settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob"), block_on("a_number")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "surname"), record_sample_proportion=1.0)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("dob"), record_sample_proportion=1.0)
    predictions = linker.inference.predict(threshold_match_probability=0.5,
                                           warning_mode="never")
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=0.95)
    out = {}
    for row in clusters.as_record_list():
        r = records[int(row["unique_id"])]
        out[(r["source"], r["record_id"])] = row["cluster_id"]
    con.close()
    return out


def _reunify(records: list[dict], relations, person_rules: bool = True,
             profiles: dict | None = None) -> tuple[dict, dict]:
    result = resolve(records, relations=relations, engine="splink", person_rules=person_rules,
                     profiles=profiles)
    return {k: n for n, c in enumerate(result.clusters) for k in c}, result.stats


def compare_one(families: int, seed: int, repeat: int, rename: int | None = None,
                profiles: bool = True) -> dict:
    """reunify and plain Splink on one simulated batch: F1, median wall time of ``repeat``
    runs each (taken in turns, so both meet the same machine), and the ratio of the medians."""
    # Both linkers are timed warm: Splink, DuckDB and reunify's engine are imported before
    # the first clock starts, so neither run pays the other's imports.
    import splink  # noqa: F401

    from reunify.linkage import engine  # noqa: F401

    records, relations, truth, found = _simulated_batch(families, seed, rename)
    found = found if profiles else {}
    ours_s, theirs_s, ours_cpu, theirs_cpu = [], [], [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        ours, stats = _reunify(records, relations, profiles=found)
        ours_s.append(time.perf_counter() - started)
        ours_cpu.append(time.process_time() - cpu)
        started, cpu = time.perf_counter(), time.process_time()
        theirs = plain_splink(records)
        theirs_s.append(time.perf_counter() - started)
        theirs_cpu.append(time.process_time() - cpu)
    a, b = pairwise_scores(ours, truth), pairwise_scores(theirs, truth)
    ours_t, theirs_t = statistics.median(ours_s), statistics.median(theirs_s)
    return {"families": families, "seed": seed, "records": len(records), "runs": repeat,
            "sources": sorted({r["source"] for r in records}), "profiles": bool(found),
            "reunify": {k: round(a[k], 4) for k in ("precision", "recall", "f1")},
            "reunify_seconds": round(ours_t, 2),
            "splink": {k: round(b[k], 4) for k in ("precision", "recall", "f1")},
            "splink_seconds": round(theirs_t, 2),
            "time_ratio": round(ours_t / theirs_t, 2),
            # CPU seconds (every thread of the process): steadier than wall time on a
            # machine others share.
            "cpu_ratio": round(statistics.median(ours_cpu) / statistics.median(theirs_cpu), 2),
            "reunify_stage_seconds": stats["seconds"]}


def _simulated_batch(families: int, seed: int, rename: int | None = None
                     ) -> tuple[list[dict], list, dict, dict]:
    """Records, relations, truth and source profiles of a freshly simulated season (its files
    are then removed); ``rename`` draws other source names with that seed."""
    names = source_names(rename) if rename is not None else None
    with tempfile.TemporaryDirectory() as folder:
        simulate(Path(folder), families=families, seed=seed, source_names=names)
        records, relations = read_batch(Path(folder))
        return records, relations, read_truth(Path(folder)), read_profiles(Path(folder))


def scale_one(records_wanted: int, seed: int = 7) -> dict:
    """Link one simulated batch of about ``records_wanted`` person-records; time and memory."""
    families = max(1, round(records_wanted / RECORDS_PER_FAMILY))
    records, relations, truth, profiles = _simulated_batch(families, seed)
    started = time.perf_counter()
    ours, stats = _reunify(records, relations, profiles=profiles)
    seconds = time.perf_counter() - started
    scores = pairwise_scores(ours, truth)
    return {"records": len(records), "families": families, "seconds": round(seconds, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "f1": round(scores["f1"], 4), "precision": round(scores["precision"], 4),
            "recall": round(scores["recall"], 4), "scored_pairs": stats["scored_pairs"],
            "stage_seconds": stats["seconds"]}


def febrl4(data: Path) -> dict:
    """FEBRL4 (5,000 originals, 5,000 duplicates): names, date of birth and the social
    security number (as the A-number); one source per file."""
    records, truth = [], {}
    for name, source in (("dataset4a.csv", "a"), ("dataset4b.csv", "b")):
        with (data / name).open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle, skipinitialspace=True):
                rec_id = row["rec_id"].strip()
                dob = (row.get("date_of_birth") or "").strip()
                birth = f"{dob[:4]}-{dob[4:6]}-{dob[6:8]}" if re.fullmatch(r"\d{8}", dob) else ""
                records.append({"source": source, "record_id": rec_id,
                                "given_name": row.get("given_name") or "",
                                "family_name": row.get("surname") or "", "birth_date": birth,
                                "a_number": row.get("soc_sec_id") or "", "sex": "",
                                "address": " ".join((row.get(c) or "").strip() for c in (
                                    "street_number", "address_1", "address_2", "suburb",
                                    "postcode", "state")),
                                "country": "", "group_id": "", "group_role": "", "phone": ""})
                truth[(source, rec_id)] = re.sub(r"-(org|dup-\d+)$", "", rec_id)
    started = time.perf_counter()
    # FEBRL corrupts birth dates by decades and replaces whole ids and given names: the
    # domain's constraints on people (birth years, A-numbers, siblings) do not hold there.
    ours, stats = _reunify(records, [], person_rules=False)
    seconds = time.perf_counter() - started
    scores = pairwise_scores(ours, truth)
    return {"records": len(records), "seconds": round(seconds, 1), "person_rules": False,
            "scored_pairs": stats["scored_pairs"], "stage_seconds": stats["seconds"],
            **{k: round(scores[k], 4) for k in ("precision", "recall", "f1")}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    c = sub.add_parser("compare")
    c.add_argument("--families", type=int, default=2000)
    c.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    c.add_argument("--repeat", type=int, default=3, help="runs of each linker per seed")
    c.add_argument("--rename-sources", type=int, default=None, metavar="SEED",
                   help="write the seasons under source names drawn with SEED")
    c.add_argument("--no-profiles", action="store_true",
                   help="link without the sources' profiles")
    c1 = sub.add_parser("compare-one")
    c1.add_argument("families", type=int)
    c1.add_argument("seed", type=int)
    c1.add_argument("repeat", type=int)
    c1.add_argument("--rename-sources", type=int, default=None)
    c1.add_argument("--no-profiles", action="store_true")
    s = sub.add_parser("scale")
    s.add_argument("--records", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    one = sub.add_parser("scale-one")
    one.add_argument("records", type=int)
    f = sub.add_parser("febrl4")
    f.add_argument("--data", type=Path, required=True)
    args = parser.parse_args()
    if args.what == "compare":
        for seed in args.seeds:  # one process per seed: no run inherits another's heap
            extra = ([] if args.rename_sources is None
                     else ["--rename-sources", str(args.rename_sources)]) + \
                (["--no-profiles"] if args.no_profiles else [])
            subprocess.run([sys.executable, __file__, "compare-one", str(args.families),
                            str(seed), str(args.repeat), *extra], check=True)
    elif args.what == "compare-one":
        print(json.dumps(compare_one(args.families, args.seed, args.repeat,
                                     args.rename_sources, not args.no_profiles)), flush=True)
    elif args.what == "scale":
        for n in args.records:  # one process each, so peak memory is each run's own
            subprocess.run([sys.executable, __file__, "scale-one", str(n)], check=True)
    elif args.what == "scale-one":
        print(json.dumps(scale_one(args.records)), flush=True)
    else:
        print(json.dumps(febrl4(args.data)), flush=True)


if __name__ == "__main__":
    main()
