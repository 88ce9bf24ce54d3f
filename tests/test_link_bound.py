"""The bound on a pair's match weight (linkage/bound.py): never below the weight Splink gives,
so the candidate pairs it drops before scoring are pairs Splink would drop."""

from __future__ import annotations

import json
from collections import Counter

import duckdb
import pytest

from link_batches import simulated_season
from reunify.linkage import bound, comparisons, engine, records_table
from reunify.linkage.blocking import candidate_pairs


def _shares(feats: list[dict], columns: list[str]) -> dict[str, dict[str, float]]:
    """Each value's share of the records that hold one, by column: Splink's term frequencies."""
    out = {}
    for column in columns:
        counts = Counter(f[column] for f in feats if f[column] is not None)
        total = sum(counts.values())
        out[column] = {value: n / total for value, n in counts.items()}
    return out


@pytest.fixture(scope="module")
def season(tmp_path_factory):
    """A simulated season, its trained model and every candidate pair's bound and Splink
    score (each pair scored alone, no floor)."""
    folder = tmp_path_factory.mktemp("season")
    _records, feats = simulated_season(folder)
    scored = engine.score(feats)
    try:
        model_json, edges = scored.model_json, scored.edges
        n_candidates = scored.blocking["candidate_pairs"]
        n_scored = scored.blocking["scored_pairs"]
        details = scored.comparisons([(int(i), int(j)) for _w, i, j in edges])
    finally:
        scored.close()
    model = json.loads(model_json)
    con = duckdb.connect()
    try:
        candidate_pairs(con, feats)
        con.register("records", records_table.rows(feats))
        # The rates Splink is given for the one-surname levels, not shares it counts.
        lookups = records_table.rate_lookups(model, feats)
        bounds = {(int(left), int(right)): b for left, right, b in
                  bound.bounds(con, model, "records", records_table.COLUMNS[1:], lookups)}
    finally:
        con.close()
    frequencies = _shares(feats, bound.tf_columns(model))
    frequencies.update({column: dict(zip(*(table.column(n).to_pylist() for n in (0, 1)),
                                         strict=True))
                        for column, table in lookups.items()})
    listed = engine.score_listed(model_json, feats, sorted(bounds), frequencies)
    return {"feats": feats, "model": model, "bounds": bounds, "listed": listed,
            "edges": {(int(i), int(j)): float(w) for w, i, j in edges},
            "candidates": n_candidates, "scored": n_scored, "lookups": lookups,
            "details": details}


def test_the_bound_is_never_below_splinks_weight(season):
    """On every candidate pair of a season (thousands), Splink's match weight is at most the
    bound, and among them are pairs of every kind the bound must handle: a term-frequency
    adjusted level (common and rare names), NULLs, A-numbers a slip or two apart (bounded by
    their digits' counts), names alike (a costly test left unknown), places of custody alike
    and apart, age groups alike and apart."""
    bounds, listed = season["bounds"], season["listed"]
    assert len(bounds) > 5000
    assert listed.weights.keys() == bounds.keys()
    below = [(pair, bounds[pair], weight) for pair, (weight, _p) in listed.weights.items()
             if bounds[pair] < weight - 1e-9]
    assert below == []
    rows = listed.rows.values()
    adjusted = [r for r in rows if float(r.get("mw_tf_adj_given_name") or 0) != 0]
    assert any(float(r["mw_tf_adj_given_name"]) > 0 for r in adjusted)
    assert any(float(r["mw_tf_adj_given_name"]) < 0 for r in adjusted)
    levels = Counter((name, label) for r in rows
                     for name, label in _levels(season["model"], r).items())
    for name, label in (("a_number", "unknown"), ("a_number", "one digit wrong or two swapped"),
                        ("a_number", "two slips apart"), ("birth_date", "unknown"),
                        ("given_name", "first given name alike"),
                        ("family_name", "surnames alike"),
                        ("family_name", "one recorded only the first surname"),
                        ("family_name", "one recorded only one of the surnames"),
                        # The places learnt from the records: both levels and none.
                        ("place", "held in one place"), ("place", "held in places apart"),
                        ("place", "unknown"),
                        # Age groups, weighed only where a birth year is missing.
                        ("age_group", "both minors or both adults"),
                        ("age_group", "a minor and an adult"), ("age_group", "unknown")):
        assert levels[name, label] > 0, (name, label)
    # The one-surname levels weigh by rates Splink is given (not shares it counts): the bound
    # reads the same rates.
    assert set(season["lookups"]) == {"surname_1", "surname_2"}
    assert any(float(r.get("mw_tf_adj_family_name") or 0) > 0 for r in rows)


def _levels(model: dict, row: dict) -> dict[str, str]:
    """The level each comparison of a scored row is at: the one of its weight."""
    out = {}
    for name, by_value in comparisons.labels(model).items():
        weight = float(row[f"mw_{name}"])
        out[name] = min(by_value.values(), key=lambda level: abs(level[1] - weight))[0]
    return out


def test_the_bound_drops_most_pairs_below_the_floor(season):
    """The bound is not vacuous: of the candidate pairs Splink scores below the floor, it
    finds most (the run scored only the others)."""
    weights = {pair: w for pair, (w, _p) in season["listed"].weights.items()}
    under = [pair for pair, w in weights.items() if w < engine.FLOOR_WEIGHT]
    dropped = [pair for pair in under if season["bounds"][pair] < engine.FLOOR_WEIGHT]
    assert len(dropped) > 0.5 * len(under)
    assert season["scored"] == sum(1 for b in season["bounds"].values()
                                   if b >= engine.FLOOR_WEIGHT - bound.MARGIN)
    assert season["scored"] < season["candidates"]


def test_the_filter_changes_no_edge_at_or_above_the_floor(season):
    """A run that drops pairs by their bound keeps exactly the pairs (and weights) that
    scoring every candidate pair and keeping those at the floor or above keeps."""
    expected = {pair: w for pair, (w, _p) in season["listed"].weights.items()
                if w >= engine.FLOOR_WEIGHT}
    assert season["edges"].keys() == expected.keys()
    assert all(season["edges"][p] == pytest.approx(w, abs=1e-9) for p, w in expected.items())


def test_cheap_conditions_say_surely_surely_not_or_maybe():
    """A costly test is unknown (NULL) but an edit distance of counted characters, which is
    surely not when the counts differ by more than two edits can make; other calls make the
    whole condition unknown; ELSE surely holds."""
    assert bound.cheap("ELSE") == "TRUE"
    assert bound.cheap("jaro_winkler_similarity(given_first_l, given_first_r) >= 0.88") == "NULL"
    assert bound.cheap("a_l = a_r AND jaro_winkler_similarity(b_l, b_r) >= 0.85") == \
        "a_l = a_r AND NULL"
    assert bound.cheap("damerau_levenshtein(a_number_l, a_number_r) <= 1") == "NULL"
    assert bound.cheap("damerau_levenshtein(a_number_l, a_number_r) <= 1", {"a_number"}) == \
        "(CASE WHEN e_a_number > 1 THEN FALSE END)"
    assert bound.cheap("soundex(x_l) = soundex(x_r)") == "NULL"
    assert bound.cheap('"given_k1_l" IN ("given_k1_r", "given_k2_r")') == \
        '"given_k1_l" IN ("given_k1_r", "given_k2_r")'


def test_a_costly_call_inside_arithmetic_makes_the_condition_unknown():
    """A costly call that is an operand of arithmetic (its test compares a sum, not the call)
    makes the whole condition unknown, not ``x + NULL`` or a sum with a boolean; a test beside
    arithmetic that is its own (joined by AND) is replaced alone."""
    assert bound.cheap("seen_from_l + jaro_winkler_similarity(a_l, a_r) >= 0.5") == "NULL"
    assert bound.cheap("damerau_levenshtein(a_number_l, a_number_r) <= 1 + seen_to_l",
                       {"a_number"}) == "NULL"
    assert bound.cheap("abs(seen_from_l - seen_from_r) <= 3 AND "
                       "jaro_winkler_similarity(a_l, a_r) >= 0.9") == \
        "abs(seen_from_l - seen_from_r) <= 3 AND NULL"


def _least_edits(pairs: list[tuple[str, str]]) -> list[tuple[int, int, int]]:
    """``(least edits by the counts, Damerau distance, Levenshtein distance)`` of each pair
    of digit strings, in DuckDB."""
    counts = bound.counts_sql("a", "0123456789", 9)
    names = [sql.split(" AS ")[-1] for sql in counts]
    words = sum(1 for name in names if name.startswith("h"))
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE t (id INT, side VARCHAR, a VARCHAR)")
        con.executemany("INSERT INTO t VALUES (?, ?, ?)",
                        [(n, side, value) for n, pair in enumerate(pairs)
                         for side, value in zip("lr", pair, strict=True)])
        con.execute(f"CREATE TABLE c AS SELECT id, side, a, {', '.join(counts)} FROM t x")
        both = ", ".join(f"l.{c} AS {c}_l, r.{c} AS {c}_r" for c in names)
        return con.execute(
            f"SELECT {bound.least_edits('a', words).replace(' AS e_a', '')}, "
            "damerau_levenshtein(a_l, a_r), levenshtein(a_l, a_r) FROM (SELECT l.id, "
            f"l.a AS a_l, r.a AS a_r, {both} FROM c l JOIN c r ON l.id = r.id "
            "AND l.side = 'l' AND r.side = 'r') ORDER BY id").fetchall()
    finally:
        con.close()


def test_character_counts_never_say_more_edits_than_there_are():
    """The fewest edits the counts allow is never more than the Damerau or Levenshtein
    distance, on slips of every kind (a digit changed, dropped, added, two swapped) and on
    unrelated numbers; and it rules out the unrelated."""
    import random

    rng = random.Random(5)
    pairs = []
    for _ in range(3000):
        a = "".join(rng.choice("0123456789") for _ in range(9))
        b = list(a)
        for _slip in range(rng.randint(0, 3)):
            at = rng.randrange(len(b))
            kind = rng.choice(("change", "drop", "add", "swap"))
            if kind == "change":
                b[at] = rng.choice("0123456789")
            elif kind == "drop" and len(b) > 7:
                del b[at]
            elif kind == "add" and len(b) < 9:
                b.insert(at, rng.choice("0123456789"))
            elif kind == "swap" and at + 1 < len(b):
                b[at], b[at + 1] = b[at + 1], b[at]
        pairs.append((a, "".join(b)))
        pairs.append((a, "".join(rng.choice("0123456789") for _ in range(9))))
    found = _least_edits(pairs)
    assert all(least <= min(damerau, plain) for least, damerau, plain in found)
    assert _least_edits([("123456789", "123456780"), ("111111111", "222222222"),
                         ("123456789", "12345678")]) == [(1, 1, 1), (9, 9, 9), (1, 1, 1)]
    unrelated = [least for least, _d, _p in found[1::2]]
    assert sum(1 for least in unrelated if least > 2) > 0.8 * len(unrelated)


def test_a_pair_asked_about_weighs_what_the_run_weighed_it(season):
    """The comparisons a reviewer is shown (the run's pairs scored again with their columns)
    add up to the weight the run gave the pair, the one-surname levels' rates included."""
    details, edges = season["details"], season["edges"]
    assert details.keys() == edges.keys()
    for pair, (_probability, parts) in details.items():
        assert sum(part["weight"] for part in parts) == pytest.approx(edges[pair], abs=0.01)
    assert any(part["level"] == "one recorded only the first surname"
               for _p, parts in details.values() for part in parts)
