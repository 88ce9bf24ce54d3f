"""Why true pairs are not candidate pairs: every missed pair of a season, by cause.

    nice -n 19 .venv/bin/python bench/blocking_misses.py BATCH [--out misses.csv] [--top 15]

Builds the features exactly as ``bench/scale.py``'s ``blocking`` step (and ``reunify link``)
does, finds the candidate pairs with ``reunify.linkage.blocking.candidate_pairs``, and puts
every true pair of the truth files that is not a candidate pair under one cause:

- ``window: KIND``: both records are in the same part of a KIND key, still over the bound
  after its last division, and stand more than ``WINDOW`` apart in the neighbour order;
- ``divided: KIND by ATTRIBUTE (detail)``: they share a raw KIND key, but its division put
  them in different parts; ATTRIBUTE is the first one on which their parts differ (the
  nearest over their shared keys), and the detail says how the two records' values differ
  (a swapped day and month, birth years N apart, one side unsaid in a part of its own, ...);
  The walks in the order of ``seen_from`` (``UNSAID_WINDOW``, ``SEEN_KINDS``) leave no part:
  a pair they did not bring together either is counted under its division;
- ``no key``: they share no key at all; the fields that differ are counted apart (A-number
  on one side only or different, surnames in another order, one surname of two, given-name
  variant, birth date, sex).

Prints the counts by cause, by key kind and attribute, and the commonest field signatures of
the pairs with no key; ``--out`` writes one line per missed pair. Nothing is written
anywhere else. A diagnostic for blocking (docs/linkage.md, "Candidate pairs").
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

HERE = Path(__file__).resolve().parent


def _features(batch: Path, progress: Progress) -> tuple[list[dict], list[tuple[int, int]]]:
    """Feature dicts as ``reunify link`` builds them, and the truth's pairs (by index)."""
    from itertools import combinations

    from reunify.linkage.batch_files import read_batch, read_truth
    from reunify.linkage.context import companions
    from reunify.linkage.features import add_kin, features, swapped_fields

    task = progress.add_task("reading the batch", total=4)
    records, relations = read_batch(batch)
    truth = read_truth(batch)
    progress.advance(task)
    index = {(r["source"], r["record_id"]): i for i, r in enumerate(records)}
    people: dict[str, list[int]] = defaultdict(list)
    for key, who in truth.items():
        if key in index:
            people[who].append(index[key])
    pairs = sorted({p for members in people.values()
                    for p in combinations(sorted(set(members)), 2)})
    progress.advance(task)
    swapped = swapped_fields(list(records))
    feats = [features(i, r, swapped=i in swapped) for i, r in enumerate(records)]
    progress.advance(task)
    add_kin(feats, companions(feats, [(index[r.left], index[r.right]) for r in relations
                                      if r.left in index and r.right in index]))
    progress.advance(task)
    return feats, pairs


def _missed(feats: list[dict], pairs: list[tuple[int, int]], progress: Progress
            ) -> tuple[list[tuple[int, int]], dict[int, dict[str, int]], dict]:
    """The true pairs that are not candidate pairs, every part each of their records is in
    (part → the part's records), and the blocking counts."""
    import duckdb
    import pyarrow as pa

    from reunify.linkage.blocking import block_table, candidate_pairs

    task = progress.add_task("candidate pairs", total=3)
    spill = tempfile.mkdtemp(prefix="blocking-misses-")
    con = duckdb.connect(config={"threads": 2, "memory_limit": "3GB", "temp_directory": spill})
    block_table(con, feats)
    con.execute("CREATE TABLE kept AS SELECT uid, k, n FROM blocks")
    progress.advance(task)
    counts = candidate_pairs(con, feats)
    progress.advance(task)
    left, right = zip(*pairs, strict=True) if pairs else ((), ())
    con.register("true_pairs", pa.table({"l": pa.array(left, pa.int64()),
                                         "r": pa.array(right, pa.int64())}))
    missed = con.execute("SELECT t.l, t.r FROM true_pairs t ANTI JOIN candidate_pairs c "
                         "ON t.l = c.l AND t.r = c.r ORDER BY 1, 2").fetchall()
    uids = sorted({u for pair in missed for u in pair})
    con.register("missed_uids", pa.table({"uid": pa.array(uids, pa.int64())}))
    parts: dict[int, dict[str, int]] = defaultdict(dict)
    for uid, k, n in con.execute("SELECT uid, k, n FROM kept WHERE uid IN "
                                 "(SELECT uid FROM missed_uids)").fetchall():
        parts[uid][k] = n
    progress.advance(task)
    con.close()
    shutil.rmtree(spill, ignore_errors=True)
    return missed, parts, {**counts, "records": len(feats), "true_pairs": len(pairs)}


def _birth(a: dict, b: dict) -> str:
    if not a["birth_year"] or not b["birth_year"]:
        return "birth unsaid"
    if a["birth_date"] == b["birth_date"]:
        return "same birth date"
    ya, yb = a["birth_year"], b["birth_year"]
    ma, mb, da, db = a["birth_month"], b["birth_month"], a["birth_day"], b["birth_day"]
    if ya == yb and ma and mb and ma == db and mb == da:
        return "day/month swapped"
    if ya != yb:
        return f"birth year {abs(ya - yb)} apart" if abs(ya - yb) < 3 else "birth year 3+ apart"
    if not (ma and mb and da and db):
        return "birth month or day unsaid"
    return "month differs" if ma != mb else "day differs"


def _surnames(a: dict, b: dict) -> str:
    sa, sb = set(a["surnames"] or ()), set(b["surnames"] or ())
    if not sa or not sb:
        return "surname unsaid"
    if sa == sb:
        return ("surnames same" if (a["surname_1"], a["surname_2"]) == (b["surname_1"],
                                                                         b["surname_2"])
                else "surnames in another order")
    if sa & sb:
        return "one surname of two" if sa < sb or sb < sa else "one surname in common"
    return "surnames differ"


def _given(a: dict, b: dict) -> str:
    if not a["given_first"] or not b["given_first"]:
        return "given unsaid"
    if a["given_first"] == b["given_first"]:
        return "first given same"
    if set(a["given_keys"] or ()) & set(b["given_keys"] or ()):
        return "given names overlap"
    return "given names differ"


def _other(a: dict, b: dict, field: str) -> str:
    if not a[field] and not b[field]:
        return f"{field} neither"
    if not a[field] or not b[field]:
        return f"{field} one side"
    return f"{field} same" if a[field] == b[field] else f"{field} differs"


def signature(a: dict, b: dict) -> tuple[str, ...]:
    """How two records' fields differ, one phrase per field."""
    return (_other(a, b, "a_number"), _surnames(a, b), _given(a, b), _birth(a, b),
            _other(a, b, "sex"), _other(a, b, "phone"))


def _detail(attribute: str, a: dict, b: dict, part_a: str, part_b: str) -> str:
    if part_a.endswith("|?") or part_b.endswith("|?"):
        return "one side unsaid, a part of its own"
    if attribute in ("month", "age"):
        return _birth(a, b)
    if attribute == "sex":
        return _other(a, b, "sex")
    if attribute.startswith("given"):
        return _given(a, b)
    return _surnames(a, b)


def classify(a: dict, b: dict, parts_a: dict[str, int], parts_b: dict[str, int]
             ) -> tuple[str, str]:
    """The cause of one missed pair (``window: KIND``, ``divided: KIND by ATTRIBUTE`` or
    ``no key``), and its detail."""
    from reunify.linkage.features import DIVISIONS, MAX_BLOCK

    by_raw_a: dict[str, list[str]] = defaultdict(list)
    by_raw_b: dict[str, list[str]] = defaultdict(list)
    for k in parts_a:
        by_raw_a[k.split("|")[0]].append(k)
    for k in parts_b:
        by_raw_b[k.split("|")[0]].append(k)
    shared = sorted(set(by_raw_a) & set(by_raw_b))
    if not shared:
        return "no key", "; ".join(signature(a, b))
    best: tuple[int, str, str] | None = None
    for raw in shared:
        kind = raw.split(":")[0]
        for pa_ in by_raw_a[raw]:
            for pb in by_raw_b[raw]:
                if pa_ == pb:
                    if parts_a[pa_] > MAX_BLOCK:
                        return f"window: {kind}", f"part of {parts_a[pa_]} records"
                    continue
                sa, sb = pa_.split("|"), pb.split("|")
                depth = next(i for i in range(min(len(sa), len(sb)) + 1)
                             if i >= min(len(sa), len(sb)) or sa[i] != sb[i]) - 1
                chain = DIVISIONS.get(kind, ())
                attribute = chain[depth] if 0 <= depth < len(chain) else "?"
                if best is None or depth > best[0]:
                    best = (depth, f"divided: {kind} by {attribute}",
                            _detail(attribute, a, b, pa_, pb))
    if best is None:
        return "met (not missed?)", ""
    return best[1], best[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("batch", type=Path)
    parser.add_argument("--out", type=Path, default=None, help="one line per missed pair")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE.parent / "src"))
    console = Console(stderr=True)
    started, cpu = time.perf_counter(), time.process_time()
    with Progress(console=console, transient=True) as progress:
        feats, pairs = _features(args.batch, progress)
        missed, parts, counts = _missed(feats, pairs, progress)
        task = progress.add_task("classifying", total=len(missed))
        rows = []
        for left, right in missed:
            a, b = feats[left], feats[right]
            cause, detail = classify(a, b, parts.get(left, {}), parts.get(right, {}))
            rows.append({"left": f"{a['source']}:{a['record_id']}",
                         "right": f"{b['source']}:{b['record_id']}",
                         "cause": cause, "detail": detail,
                         "fields": "; ".join(signature(a, b))})
            progress.advance(task)
    true = counts["true_pairs"]
    console.print(f"{counts['records']:,} records, {true:,} true pairs, "
                  f"{counts['candidate_pairs']:,} candidate pairs "
                  f"({counts['candidate_pairs'] / max(counts['records'], 1):.1f} per record), "
                  f"{len(missed):,} true pairs missed: recall after blocking "
                  f"{1 - len(missed) / max(true, 1):.4f}; "
                  f"{time.perf_counter() - started:.0f} s wall, "
                  f"{time.process_time() - cpu:.0f} CPU s")
    causes = Counter(r["cause"].split(":")[0] for r in rows)
    table = Table("cause", "pairs", "of true pairs")
    for cause, n in causes.most_common():
        table.add_row(cause, f"{n:,}", f"{n / max(true, 1):.4f}")
    console.print(table)
    table = Table("cause (key kind, attribute)", "detail", "pairs")
    for (cause, detail), n in Counter((r["cause"], r["detail"]) for r in rows
                                      if r["cause"] != "no key").most_common(args.top):
        table.add_row(cause, detail, f"{n:,}")
    console.print(table)
    fields: Counter[str] = Counter()
    for r in rows:
        if r["cause"] == "no key":
            fields.update(p for p in r["detail"].split("; ")
                          if not p.endswith((" same", " neither")))
    table = Table("no key: field (pairs may count under several)", "pairs")
    for field, n in fields.most_common(args.top):
        table.add_row(field, f"{n:,}")
    console.print(table)
    table = Table("no key: whole signature", "pairs")
    for detail, n in Counter(r["detail"] for r in rows
                             if r["cause"] == "no key").most_common(args.top):
        table.add_row(detail, f"{n:,}")
    console.print(table)
    if args.out:
        with args.out.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=["left", "right", "cause", "detail",
                                                        "fields"])
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    main()
