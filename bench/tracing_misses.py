"""The inquiries a store's matching gets wrong, and why: one line per miss.

    # on a store where `reunify demo --seed S --out DIR` ran (inquiries included):
    .venv/bin/python bench/tracing_misses.py DIR [--limit 60]

For every inquiry whose right person is not ranked first (against the batch's
``truth.inquiries.csv``), and every request for someone never recorded that gets a confident
candidate, prints what the inquiry says, where the right person ranks with no floor and no
limit (or that blocking never found them), and the evidence of the first candidate beside the
right one's. Nothing is written to the store. A diagnostic for working on the matcher.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
from pathlib import Path


def _weights(candidate) -> dict[str, float]:
    return {c["name"]: round(float(c.get("weight") or 0.0), 2) for c in candidate.comparisons
            if c.get("weight")}


def _describe(q: dict) -> str:
    said = [q["relation"], f"given={q.get('sought_given_name')!r}",
            f"family={q.get('sought_family_name')!r}"]
    for column in ("sought_birth_date", "sought_age", "sought_sex", "last_seen_place",
                   "last_seen_on", "inquirer_family_name", "inquirer_phone"):
        if q.get(column):
            said.append(f"{column.replace('sought_', '')}={q[column]}")
    return " ".join(said)


def blank(q: dict) -> bool:
    """An inquiry that says nothing of which child beyond a given name: no surname, no birth
    date or age, no place or day of separation (docs/tracing.md, "What cannot be answered")."""
    return not any(q.get(c) for c in ("sought_family_name", "sought_birth_date", "sought_age",
                                      "last_seen_place", "last_seen_on"))


def kind(q: dict) -> str:
    """A rough class of what an inquiry tells about the person sought."""
    surnames = len((q.get("sought_family_name") or "").split())
    when = ("date" if len(q.get("sought_birth_date") or "") == 10 else
            "partial" if q.get("sought_birth_date") else "age" if q.get("sought_age") else
            "nothing")
    return (f"{'parent' if q['relation'] in ('parent', 'guardian') else 'other'}"
            f"/{surnames}surn/{when}/{'place' if q.get('last_seen_place') else '-'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("truth_dir", type=Path)
    parser.add_argument("--limit", type=int, default=80, help="misses printed at most")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reunify.settings")
    import django

    django.setup()
    from reunify.actions import tracing as matching
    from reunify.linkage import inquiry
    from reunify.models import InquiryRecord
    from reunify.queries.tracing_evaluation import _sought

    ranked_by = inquiry.rank_persons

    def everyone(scored, **kw):
        if kw.get("none_odds", inquiry.NOT_RECORDED_ODDS) != inquiry.NOT_RECORDED_ODDS:
            return ranked_by(scored, **kw)
        return ranked_by(scored, **{**kw, "limit": 10_000, "floor": 0.0})

    inquiry.rank_persons = everyone
    inquiry.MAX_CANDIDATES = 10_000
    sought = _sought(args.truth_dir)
    rows = list(InquiryRecord.objects.filter(is_current=True).order_by("source", "inquiry_id")
                .values())
    answers = []
    for start in range(0, len(rows), 500):
        answers += matching._answer(rows[start:start + 500])
    kinds: collections.Counter = collections.Counter()
    tally: collections.Counter = collections.Counter()
    missed: collections.Counter = collections.Counter()
    printed = 0
    for q, answer in zip(rows, answers, strict=True):
        right = sought.get((q["source"], q["inquiry_id"]))
        kept = [c for c in answer.candidates if c.probability >= inquiry.MIN_PROBABILITY]
        if right is None:
            tally["never"] += 1
            tally["confident"] += bool(kept and kept[0].probability >= 0.5)
            if kept and kept[0].probability >= 0.5:
                print(f"CONFIDENT-NEVER {q['inquiry_id']} {_describe(q)}\n"
                      f"    first p={kept[0].probability:.2f} {_weights(kept[0])}")
            continue
        kinds[kind(q)] += 1
        rank = next((n for n, c in enumerate(answer.candidates) if c.person in right), None)
        group = "parents" if q["relation"] in ("parent", "guardian") else "others"
        groups = ["all", group] + ([] if blank(q) else ["answerable"])
        for name in groups:
            tally[f"{name}"] += 1
            tally[f"{name}_top1"] += bool(kept and kept[0].person in right)
            tally[f"{name}_top5"] += any(c.person in right for c in kept[:5])
        if rank == 0 and kept and kept[0].person in right:
            continue
        missed[kind(q)] += 1
        if printed >= args.limit:
            continue
        printed += 1
        where = "never scored" if rank is None else f"rank {rank + 1} of {len(answer.candidates)}"
        print(f"MISS {q['inquiry_id']} [{kind(q)}] {_describe(q)}\n    right: {where}"
              + (f" p={answer.candidates[rank].probability:.3f} "
                 f"w={answer.candidates[rank].match_weight:.1f} "
                 f"{_weights(answer.candidates[rank])}" if rank is not None else "")
              + (f"\n    first: p={answer.candidates[0].probability:.3f} "
                 f"w={answer.candidates[0].match_weight:.1f} {_weights(answer.candidates[0])}"
                 if answer.candidates and rank != 0 else "")
              + f"\n    inquirer found: {answer.inquirer.person if answer.inquirer else None}")
    for name in ("all", "parents", "others", "answerable"):
        print(f"{name}: first {tally[name + '_top1'] / max(tally[name], 1):.1%}, among five "
              f"{tally[name + '_top5'] / max(tally[name], 1):.1%} ({tally[name]})")
    print(f"confident for never recorded: {tally['confident'] / max(tally['never'], 1):.1%} "
          f"({tally['confident']} of {tally['never']})")
    print("\nmisses by kind (missed / asked):")
    for k, n in sorted(kinds.items(), key=lambda kv: -missed[kv[0]]):
        if missed[k]:
            print(f"  {k:32s} {missed[k]:3d} / {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
