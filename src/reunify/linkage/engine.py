"""The probabilistic engine: a Fellegi-Sunter model in Splink, trained on the records at hand.

The only module that imports Splink. It receives comparison-ready columns
(:mod:`reunify.linkage.features`), so every comparison here is a plain SQL condition on
precomputed keys; the domain knowledge lives in ``reunify.rules``. Each run:

1. finds candidate pairs by shared blocking keys (:func:`reunify.linkage.features.block_keys`);
2. estimates u probabilities by random sampling, the prior from two deterministic rules, and m
   probabilities by expectation maximisation in two sessions (blocked on A-number, then on
   given name and birth year), so every comparison is trained on pairs it did not select;
3. scores the candidate pairs; term frequencies make a common name weigh less.

The backend is DuckDB in-process, or Spark (local mode) when ``backend="spark"``.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from reunify.linkage.features import block_keys, max_block

#: Seed of the random sampling that estimates u probabilities: a run is reproducible.
SEED = 20180507
#: Pairs sampled to estimate u probabilities: ten per record, within these bounds (and never
#: more than there are pairs).
U_PAIRS = (300_000, 1_000_000)
#: Pairs scored below this weight are dropped (they can never be accepted nor reviewed).
FLOOR_WEIGHT = -8.0
#: No level's m probability is trained below this: clerks make every mistake sometimes, so no
#: single disagreement may veto a pair on its own (an A-number can be another person's).
MIN_M = 0.002
#: A level random sampling never met gets this u probability rather than none.
MIN_U = 0.00001

_COLUMNS = ("unique_id", "surname_a", "surname_b", "surname_set", "given_first", "given_second",
            "given_k1", "given_k2", "given_k3",
            "birth_date", "birth_year", "birth_month", "birth_day", "birth_precise", "sex",
            "country", "a_number", "phone", "seen_from", "seen_to", "source", "group")

_SCHEMA = pa.schema([
    ("unique_id", pa.int64()), ("surname_a", pa.string()), ("surname_b", pa.string()),
    ("surname_set", pa.string()), ("given_first", pa.string()), ("given_second", pa.string()),
    ("given_k1", pa.string()), ("given_k2", pa.string()), ("given_k3", pa.string()),
    ("birth_date", pa.string()),
    ("birth_year", pa.int32()), ("birth_month", pa.int32()), ("birth_day", pa.int32()),
    ("birth_precise", pa.bool_()), ("sex", pa.string()), ("country", pa.string()),
    ("a_number", pa.string()), ("phone", pa.string()), ("seen_from", pa.int32()),
    ("seen_to", pa.int32()), ("source", pa.string()), ("group", pa.string()),
])

#: SQL spellings that differ between backends.
_DIALECT = {
    "duckdb": {"jaro": "jaro_winkler_similarity({l}, {r})",
               "edits": "damerau_levenshtein({l}, {r})"},
    "spark": {"jaro": "jaro_winkler({l}, {r})",
              "edits": "levenshtein({l}, {r})"},
}


def _level(sql: str, label: str, **extra: Any) -> dict:
    # Column names are plain identifiers: unquoted, they read the same in every dialect
    # (Spark takes "double quotes" for a string).
    return {"sql_condition": re.sub(r'"(\w+)"', r"\1", sql), "label_for_charts": label,
            **extra}


def _null(column: str) -> dict:
    return _level(f'"{column}_l" IS NULL OR "{column}_r" IS NULL', "unknown", is_null_level=True)


def _seen_within(days: int) -> str:
    return (f'"seen_from_l" <= "seen_to_r" + {days} AND "seen_from_r" <= "seen_to_l" + {days}')


def comparisons(dialect: str = "duckdb") -> list[dict]:
    """The comparisons, as Splink comparison dicts; see docs/linkage.md for each level."""
    d = _DIALECT[dialect]

    def fn(name: str, column: str) -> str:
        return d[name].format(l=f'"{column}_l"', r=f'"{column}_r"')

    # Surnames as the first two sorted keys (a person has two): equality tests are cheap.
    a_l, b_l, a_r, b_r = '"surname_a_l"', '"surname_b_l"', '"surname_a_r"', '"surname_b_r"'
    in_right = f"({a_l} IN ({a_r}, {b_r}))", f"({b_l} IN ({a_r}, {b_r}))"
    both_precise = '"birth_precise_l" AND "birth_precise_r"'
    return [
        {"output_column_name": "given_name", "comparison_levels": [
            _null("given_first"),
            _level('"given_first_l" = "given_first_r"', "first given name (or nickname) same",
                   tf_adjustment_column="given_first", tf_adjustment_weight=1.0,
                   tf_minimum_u_value=0.001),
            _level(" OR ".join(f'"given_k{n}_l" IN ("given_k1_r", "given_k2_r", "given_k3_r")'
                               for n in (1, 2, 3)), "a given name in common"),
            _level(f'{fn("jaro", "given_first")} >= 0.88', "first given name alike"),
            _level(f'"given_first_l" IN ({a_r}, {b_r}) OR "given_first_r" IN ({a_l}, {b_l})',
                   "given name written as the other's surname"),
            _level("ELSE", "different"),
        ]},
        {"output_column_name": "family_name", "comparison_levels": [
            _null("surname_a"),
            _level('"surname_set_l" = "surname_set_r"', "same surnames",
                   tf_adjustment_column="surname_set", tf_adjustment_weight=1.0,
                   tf_minimum_u_value=0.001),
            _level(f"{in_right[0]} AND {in_right[1]}", "two surnames in common"),
            _level(f"({b_l} IS NULL AND {in_right[0]}) OR "
                   f"({b_r} IS NULL AND {a_r} IN ({a_l}, {b_l}))",
                   "one recorded only one of the surnames"),
            _level(f"{in_right[0]} OR {in_right[1]}", "one surname in common"),
            _level(f'{fn("jaro", "surname_set")} >= 0.88', "surnames alike"),
            _level(f'{a_l} IN ("given_first_r", "given_second_r") OR '
                   f'{a_r} IN ("given_first_l", "given_second_l")',
                   "surname written as the other's given name"),
            _level("ELSE", "different"),
        ]},
        {"output_column_name": "birth_date", "comparison_levels": [
            _null("birth_year"),
            _level(f'{both_precise} AND "birth_date_l" = "birth_date_r"', "exact"),
            _level(f'{both_precise} AND "birth_year_l" = "birth_year_r" AND '
                   '"birth_month_l" = "birth_day_r" AND "birth_day_l" = "birth_month_r"',
                   "day and month swapped"),
            _level(f'{both_precise} AND "birth_year_l" = "birth_year_r" AND '
                   '"birth_month_l" = "birth_month_r"', "same month (day mistyped)"),
            _level(f'"birth_year_l" = "birth_year_r" AND NOT ({both_precise})',
                   "same year, one date a default or a bare year"),
            _level('"birth_year_l" = "birth_year_r"', "same year"),
            _level(f'abs("birth_year_l" - "birth_year_r") = 1 AND NOT ({both_precise})',
                   "estimated year one off"),
            _level("ELSE", "different"),
        ]},
        {"output_column_name": "a_number", "comparison_levels": [
            _null("a_number"),
            _level('"a_number_l" = "a_number_r"', "exact"),
            _level(f'{fn("edits", "a_number")} <= '
                   f'{1 if dialect == "duckdb" else 2}', "one digit wrong or two swapped"),
            _level(f'{fn("edits", "a_number")} <= {2 if dialect == "duckdb" else 4}',
                   "two slips apart"),
            _level("ELSE", "different"),
        ]},
        {"output_column_name": "sex", "comparison_levels": [
            _null("sex"), _level('"sex_l" = "sex_r"', "same"), _level("ELSE", "different"),
        ]},
        {"output_column_name": "country", "comparison_levels": [
            _null("country"), _level('"country_l" = "country_r"', "same"),
            _level("ELSE", "different"),
        ]},
        {"output_column_name": "sources", "comparison_levels": [
            _level('"source_l" = "source_r"', "same source"),
            _level("ELSE", "different sources"),
        ]},
        {"output_column_name": "custody_time", "comparison_levels": [
            _level('"seen_from_l" IS NULL OR "seen_from_r" IS NULL', "unknown",
                   is_null_level=True),
            _level('abs("seen_from_l" - "seen_from_r") <= 3', "first seen within 3 days"),
            _level(_seen_within(3), "custody windows meet (3 days)"),
            _level(_seen_within(30), "custody windows within a month"),
            _level("ELSE", "custody windows far apart"),
        ]},
    ]


def settings(dialect: str = "duckdb") -> dict:
    """The untrained model: comparisons and the rules that say which pairs to compare."""
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "comparisons": comparisons(dialect),
        "blocking_rules_to_generate_predictions": [],
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": True,
        "em_convergence": 0.001,
        "max_iterations": 25,
    }


def _rows(features: Sequence[dict]) -> pa.Table:
    return pa.Table.from_pylist([{c: f[c] for c in _COLUMNS} for f in features], schema=_SCHEMA)


def _candidate_pairs(con: duckdb.DuckDBPyConnection, features: Sequence[dict]) -> int:
    """Write table ``candidate_pairs`` (l < r, each pair once); return how many."""
    ids, keys = [], []
    for f in features:
        for key in block_keys(f):
            ids.append(f["unique_id"])
            keys.append(key)
    con.register("block_keys_arrow", pa.table({"uid": pa.array(ids, pa.int64()),
                                               "k": pa.array(keys, pa.string())}))
    sql = f"""
        CREATE OR REPLACE TABLE candidate_pairs AS
        WITH usable AS (
            SELECT uid, k FROM block_keys_arrow
            WHERE k IN (SELECT k FROM block_keys_arrow GROUP BY k
                        HAVING count(*) BETWEEN 2 AND {max_block(len(features))}))
        SELECT DISTINCT a.uid AS l, b.uid AS r
        FROM usable a JOIN usable b ON a.k = b.k AND a.uid < b.uid
    """  # noqa: S608 - only a constant is formatted in
    con.execute(sql).fetchall()
    con.unregister("block_keys_arrow")
    return con.execute("SELECT count(*) FROM candidate_pairs").fetchall()[0][0]


@dataclass
class Model:
    """A trained, applied model: the scored pairs, and the model as JSON.

    Per-comparison weights are read on demand (:meth:`comparisons`) from the predictions,
    which stay in the engine's database until :meth:`close`.
    """

    edges: list[tuple[float, int, int]]
    model_json: str
    details: dict[tuple[int, int], tuple[float, list[dict]]] = field(default_factory=dict)
    con: Any = None
    table: str = ""

    def comparisons(self, pairs: Sequence[tuple[int, int]]
                    ) -> dict[tuple[int, int], tuple[float, list[dict]]]:
        """``(match probability, per-comparison weights)`` of scored pairs."""
        if self.con is not None and pairs:
            model = json.loads(self.model_json)
            labels, prior = _labels(model), _prior(model)
            wanted = pa.table({"l": pa.array([min(p) for p in pairs], pa.int64()),
                               "r": pa.array([max(p) for p in pairs], pa.int64())})
            self.con.register("wanted_pairs", wanted)
            rows = self.con.sql(
                f"SELECT p.* FROM {self.table} p JOIN wanted_pairs w "  # noqa: S608
                "ON least(p.unique_id_l, p.unique_id_r) = w.l "
                "AND greatest(p.unique_id_l, p.unique_id_r) = w.r").to_arrow_table().to_pylist()
            self.con.unregister("wanted_pairs")
            for row in rows:
                i, j = sorted((int(row["unique_id_l"]), int(row["unique_id_r"])))
                self.details[(i, j)] = (float(row["match_probability"]),
                                        _breakdown(row, labels, prior))
        return {p: self.details[p] for p in pairs if p in self.details}

    def close(self) -> None:
        """Let go of the engine's database."""
        if self.con is not None:
            self.con.close()
            self.con = None


def _labels(model: dict) -> dict[str, dict[int, str]]:
    """Comparison name → comparison vector value → level label."""
    out = {}
    for comparison in model["comparisons"]:
        levels, labels, value = comparison["comparison_levels"], {}, None
        value = sum(1 for lv in levels if not lv.get("is_null_level")) - 1
        for lv in levels:
            if lv.get("is_null_level"):
                labels[-1] = lv.get("label_for_charts", "unknown")
            else:
                labels[value] = lv.get("label_for_charts", "")
                value -= 1
        out[comparison["output_column_name"]] = labels
    return out


def _prior(model: dict) -> dict:
    """The starting weight every pair has before any comparison: log2 of the prior odds."""
    p = float(model.get("probability_two_random_records_match") or 1e-4)
    return {"name": "prior", "level": "two records picked at random are one person",
            "weight": round(math.log2(p / (1 - p)), 3)}


def _breakdown(row: dict, labels: dict[str, dict[int, str]], prior: dict) -> list[dict]:
    """Per comparison: the level hit and its match weight (term-frequency adjustment in),
    after the prior; the weights add up to the pair's match weight."""
    out = [prior]
    for name, by_value in labels.items():
        gamma = row.get(f"gamma_{name}")
        weight = (row.get(f"mw_{name}") or 0.0) + (row.get(f"mw_tf_adj_{name}") or 0.0)
        out.append({"name": name, "level": by_value.get(gamma, str(gamma)),
                    "weight": round(float(weight), 3)})
    return out


def _db_api(backend: str, con: duckdb.DuckDBPyConnection):
    if backend == "spark":
        from splink.backends.spark import SparkAPI, similarity_jar_location

        from reunify.linkage.spark import session

        return SparkAPI(spark_session=session(similarity_jar_location()))
    from splink.backends.duckdb import DuckDBAPI

    return DuckDBAPI(connection=con)


def _train(linker, n_records: int, say: Callable[[str], None]) -> None:
    from splink import block_on

    say("training: prior from deterministic rules")
    linker.training.estimate_probability_two_random_records_match(
        [block_on("a_number"), block_on("given_first", "surname_set", "birth_date")],
        recall=0.8)
    say("training: u probabilities by random sampling")
    low, high = U_PAIRS
    pairs = min(max(low, 10 * n_records), high, max(1.0, n_records * (n_records - 1) / 2))
    linker.training.estimate_u_using_random_sampling(max_pairs=pairs, seed=SEED)
    say("training: m probabilities by EM, blocked on A-number")
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("a_number"), record_sample_proportion=1.0)
    say("training: m probabilities by EM, blocked on given name and birth year")
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("given_first", "birth_year"), record_sample_proportion=1.0)


def _bounded(model: dict) -> dict:
    """The trained model with every m probability at least :data:`MIN_M` and every u at least
    :data:`MIN_U` (untrained levels included), so no weight is infinite or missing."""
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            level["m_probability"] = max(m if isinstance(m, float | int) else 0.0, MIN_M)
            level["u_probability"] = max(u if isinstance(u, float | int) else 0.0, MIN_U)
    return model


def _edges(con: duckdb.DuckDBPyConnection, predictions, backend: str
           ) -> tuple[list[tuple[float, int, int]], list[dict]]:
    """Every scored pair as ``(weight, i, j)``, i < j; on Spark also every full row."""
    if backend == "spark":
        rows = predictions.as_record_list()
        edges = [(float(r["match_weight"]), *sorted((int(r["unique_id_l"]),
                                                     int(r["unique_id_r"])))) for r in rows]
        return edges, rows
    cols = con.sql("SELECT least(unique_id_l, unique_id_r) AS l, "  # noqa: S608
                   "greatest(unique_id_l, unique_id_r) AS r, match_weight "
                   f"FROM {predictions.physical_name}").fetchnumpy()
    return list(zip(cols["match_weight"].tolist(), cols["l"].tolist(), cols["r"].tolist(),
                    strict=True)), []


def score(features: Sequence[dict], *, backend: str = "duckdb",
          progress: Callable[[str], None] | None = None) -> Model:
    """Train a model on ``features`` and score their candidate pairs.

    Returns every candidate pair scored at :data:`FLOOR_WEIGHT` or more, as
    ``(match_weight, i, j)`` with ``i < j`` indexes into ``features``. Close the model when
    done with its :meth:`Model.comparisons`.
    """
    from splink import Linker

    say = progress or (lambda _step: None)
    logging.getLogger("splink").setLevel(logging.ERROR)
    con = duckdb.connect()
    keep = False
    try:
        say("finding candidate pairs")
        n_pairs = _candidate_pairs(con, features)
        db_api = _db_api(backend, con)
        dialect = "spark" if backend == "spark" else "duckdb"
        table = db_api.register(_rows(features), table_name="records")
        linker = Linker(table, settings(dialect), log_level=None)
        if len(features) > 1:
            _train(linker, len(features), say)
            linker = Linker(table, _bounded(linker.misc.save_model_to_json()), log_level=None)
        say(f"scoring {n_pairs} candidate pairs")
        pairs = con.sql("SELECT 'reunify' AS match_key, l AS join_key_l, r AS join_key_r "
                        "FROM candidate_pairs").to_arrow_table()
        linker.table_management.register_blocked_pairs_for_predict(
            db_api.register(pairs, table_name="candidate_pairs_registered"))
        predictions = linker.inference.predict(threshold_match_weight=FLOOR_WEIGHT,
                                               warning_mode="never")
        model = linker.misc.save_model_to_json()
        edges, rows = _edges(con, predictions, backend)
        model_json = json.dumps(model, sort_keys=True, indent=1, default=str)
        if backend == "spark":
            labels, prior = _labels(model), _prior(model)
            details = {tuple(sorted((int(r["unique_id_l"]), int(r["unique_id_r"])))):
                       (float(r["match_probability"]), _breakdown(r, labels, prior))
                       for r in rows}
            return Model(edges, model_json, details)
        keep = True
        return Model(edges, model_json, con=con, table=predictions.physical_name)
    finally:
        if not keep:
            con.close()


def score_pair(model_json: str, left: dict, right: dict,
               tf: dict[str, dict[str, float]] | None = None) -> tuple[float, float, list[dict]]:
    """Score one pair of records (feature dicts) with a stored model: ``(match weight, match
    probability, per-comparison weights)``. ``tf`` gives term frequencies by column and value
    (the share of records holding it); without it the pair itself is the population."""
    from splink import Linker
    from splink.backends.duckdb import DuckDBAPI

    logging.getLogger("splink").setLevel(logging.ERROR)
    model = json.loads(model_json)
    con = duckdb.connect()
    try:
        records = [{c: f[c] for c in _COLUMNS} for f in (left, right)]
        for record in records:
            for column, freq in (tf or {}).items():
                record[f"tf_{column}"] = freq.get(record[column] or "", None)
        linker = Linker(DuckDBAPI(connection=con).register(_rows([left, right]),
                                                          table_name="records"),
                        model, log_level=None)
        scored = linker.inference.score_pair(records[0], records[1]).as_record_list()[0]
        return (float(scored["match_weight"]), float(scored["match_probability"]),
                _breakdown(scored, _labels(model), _prior(model)))
    finally:
        con.close()
