"""The probabilistic engine: a Fellegi-Sunter model in Splink, trained on the records at hand.

The only module that imports Splink. It receives comparison-ready columns
(:mod:`reunify.linkage.features`); the comparisons (:mod:`reunify.linkage.comparisons`) are
plain SQL conditions on precomputed keys; the domain knowledge lives in ``reunify.rules``.
Each run:

1. finds candidate pairs by shared blocking keys (:func:`reunify.linkage.features.block_keys`);
2. estimates u probabilities by random sampling, the prior from two deterministic rules, and m
   probabilities by expectation maximisation in two sessions (blocked on A-number, then on
   given name, a surname and birth year: a block tight enough to hold mostly one person's
   pairs, so EM does not mistake the A-number's agreement for chance), so every comparison is
   trained on pairs it did not select;
3. scores the candidate pairs; term frequencies make a common name weigh less. The pairs
   whose upper bound (:mod:`reunify.linkage.bound`) is below :data:`FLOOR_WEIGHT` are dropped
   first: Splink would drop them, and most candidate pairs are such.

Training (2) always runs in DuckDB in-process, on the driver: it works on a sample and on tight
blocks. Scoring (3) runs on the chosen backend, DuckDB or Spark (``backend="spark"``), with
the model trained once, so both backends score with the same model
(docs/decisions/0004-one-trained-model.md).
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from reunify.linkage import bound, comparisons, records_table
from reunify.linkage.blocking import candidate_pairs
from reunify.linkage.edges import Edges
from reunify.linkage.predictions import Model

#: Seed of the random sampling that estimates u probabilities: a run is reproducible.
SEED = 20180507
#: Pairs sampled to estimate u probabilities: ten per record, within these bounds (and never
#: more than there are pairs).
U_PAIRS = (100_000, 1_000_000)
#: Pairs scored below this weight are dropped (they can never be accepted nor reviewed).
FLOOR_WEIGHT = -8.0

class _Laps:
    """CPU seconds of this process (every thread: DuckDB's too) between successive laps."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.process_time()

    def lap(self, name: str) -> None:
        now = time.process_time()
        self.laps[name] = round(now - self._last, 3)
        self._last = now


#: DuckDB's memory while linking; past it, joins and scored pairs spill to a temporary folder
#: (tens of millions of pairs at a million records), so the run's peak stays bounded.
MEMORY_LIMIT = "1GB"


def _connect(spill: str) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(config={"threads": 2, "memory_limit": MEMORY_LIMIT,
                                  "temp_directory": spill})


def _db_api(backend: str, con: duckdb.DuckDBPyConnection):
    if backend == "spark":
        from splink.backends.spark import SparkAPI, similarity_jar_location

        from reunify.linkage.spark import options, register_functions, session

        spark = session(similarity_jar_location())
        register_functions(spark)
        return SparkAPI(spark_session=spark, **options())
    from splink.backends.duckdb import DuckDBAPI

    return DuckDBAPI(connection=con)


def _trained(con: duckdb.DuckDBPyConnection, records, features: Sequence[dict],
             say: Callable[[str], None]) -> dict:
    """The model trained on ``records`` (a table of DuckDB's Splink API on ``con``), in
    DuckDB's dialect: whatever backend scores the pairs, training runs here, so every backend
    scores with the same model (docs/decisions/0004-one-trained-model.md).

    On one DuckDB thread: on two, EM's sums are added in an order that varies from run to run
    and the probabilities differ in their last digits (four runs on 10,210 records, four
    models); on one, the same records give the same model, byte for byte, for the same CPU.
    """
    from splink import Linker

    threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    con.execute("SET threads = 1")
    try:
        linker = Linker(records, comparisons.settings("duckdb"), log_level=None)
        if len(features) > 1:
            _train(linker, features, say)
        return comparisons.bounded(linker.misc.save_model_to_json())
    finally:
        con.execute(f"SET threads = {int(threads)}")


def _train(linker, features: Sequence[dict], say: Callable[[str], None]) -> None:
    from splink import block_on

    say("training: prior from deterministic rules")
    linker.training.estimate_probability_two_random_records_match(
        [block_on("a_number"), block_on("given_first", "surname_set", "birth_date")],
        recall=0.8)
    say("training: u probabilities by random sampling")
    low, high = U_PAIRS
    n_records = len(features)
    pairs = min(max(low, 10 * n_records), high, max(1.0, n_records * (n_records - 1) / 2))
    # One pass over the sample: Splink's chunked early exit never triggers here (an A-number's
    # agreement is far rarer than its minimum count) and its probes cost a third more.
    linker.training.estimate_u_using_random_sampling(max_pairs=pairs, seed=SEED, num_chunks=1)
    for what, columns in (("A-number", ("a_number",)),
                          ("given name, surname and birth year",
                           ("given_first", "surname_a", "birth_year"))):
        if not _any_pair(features, columns):
            # Too few records to hold such pairs: the comparisons keep the other session's
            # estimates (or Splink's starting values), bounded below by comparisons.MIN_M.
            say(f"training: no two records share {what}; that session is skipped")
            continue
        say(f"training: m probabilities by EM, blocked on {what}")
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on(*columns), record_sample_proportion=1.0)


def _any_pair(features: Sequence[dict], columns: tuple[str, ...]) -> bool:
    """Whether two records agree on every one of ``columns`` (all known)."""
    seen = set()
    for f in features:
        value = tuple(f[c] for c in columns)
        if None in value:
            continue
        if value in seen:
            return True
        seen.add(value)
    return False


def _edges(con: duckdb.DuckDBPyConnection, predictions, backend: str) -> Edges:
    """Every scored pair as ``(weight, i, j)``, i < j, in columns."""
    if backend == "spark":
        from reunify.linkage import spark

        return spark.edges(predictions.db_api.spark, predictions.physical_name)
    cols = con.sql("SELECT least(unique_id_l, unique_id_r) AS l, "  # noqa: S608 # nosec B608
                   "greatest(unique_id_l, unique_id_r) AS r, match_weight "
                   f"FROM {predictions.physical_name}").fetchnumpy()
    return Edges(cols["match_weight"], cols["l"], cols["r"])


def _frame(db_api, table: pa.Table, name: str) -> pa.Table | str:
    """``table`` as the backend takes it: on Spark, the name of a table of its own
    (:func:`reunify.linkage.spark.frame`)."""
    if db_api.sql_dialect.sql_dialect_str == "spark":
        from reunify.linkage import spark

        return spark.frame(db_api.spark, table, name)
    return table


def _scored_again(records, db_api, model_json: str):
    """:attr:`Model.rows` on DuckDB: the run scored every pair without its per-comparison
    columns (tens of millions of pairs at a million records); the pairs asked about are
    scored again with them, by the same model on the same records (so the same term
    frequencies: those registered with ``db_api`` stay in its cache)."""
    from splink import Linker

    asked = 0

    def rows(wanted: pa.Table) -> list[dict]:
        nonlocal asked
        asked += 1
        pairs = pa.table({"match_key": pa.array(["reunify"] * wanted.num_rows, pa.string()),
                          "join_key_l": wanted.column("l"), "join_key_r": wanted.column("r")})
        linker = Linker(records, json.loads(model_json), log_level=None,
                        validate_settings=False)
        linker.table_management.register_blocked_pairs_for_predict(
            db_api.register(pairs, table_name=f"asked_pairs_{asked}"))
        return linker.inference.predict(warning_mode="never").as_record_list()
    return rows


def _register_rates(linker, db_api, lookups: dict[str, pa.Table]) -> None:
    """Give ``linker`` term frequencies by column (:func:`~reunify.linkage.records_table.lookup`
    tables: those of :func:`~reunify.linkage.records_table.rate_lookups` in a run)."""
    for column, lookup in lookups.items():
        linker.table_management.register_term_frequency_lookup(
            db_api.register(_frame(db_api, lookup, f"tf_lookup_{column}"),
                            table_name=f"tf_lookup_{column}"), column)


def _predict_candidates(con: duckdb.DuckDBPyConnection, db_api, linker, model: dict,
                        stats: dict[str, int] | None = None, cpu: _Laps | None = None,
                        lookups: dict[str, pa.Table] | None = None):
    """Splink's scores of the pairs in table ``candidate_pairs`` (ours, not Splink's blocking
    rules), those at or above :data:`FLOOR_WEIGHT`. ``model`` is the linker's, in DuckDB's
    dialect: the pairs it cannot score at the floor (their bound, on the records of DuckDB
    table ``records``, :mod:`reunify.linkage.bound`) are dropped first, whatever the
    backend (Splink would drop them: the same pairs are kept); ``stats`` gets how many were
    scored (``scored_pairs``), ``cpu`` a lap (``bound``); ``lookups`` are the term
    frequencies given to Splink by column (:func:`_register_rates`), which the bound uses too."""
    kept = bound.drop_unreachable(con, model, "records", records_table.COLUMNS[1:], FLOOR_WEIGHT,
                                  lookups=lookups)
    if stats is not None:
        stats["scored_pairs"] = kept
    if cpu is not None:
        cpu.lap("bound")
    pairs = con.sql("SELECT 'reunify' AS match_key, l AS join_key_l, r AS join_key_r "
                    "FROM candidate_pairs").to_arrow_table()
    linker.table_management.register_blocked_pairs_for_predict(
        db_api.register(_frame(db_api, pairs, "candidate_pairs_registered"),
                        table_name="candidate_pairs_registered"))
    return linker.inference.predict(threshold_match_weight=FLOOR_WEIGHT, warning_mode="never")


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
    spill = tempfile.mkdtemp(prefix="reunify-link-")
    con = _connect(spill)
    keep = False
    cpu = _Laps()
    try:
        say("finding candidate pairs")
        blocking = candidate_pairs(con, features)
        cpu.lap("blocking")
        n_pairs = blocking["candidate_pairs"]
        db_api = _db_api("duckdb", con)
        table = db_api.register(records_table.rows(features), table_name="records")
        trained = _trained(con, table, features, say)
        bounded = json.loads(json.dumps(trained))
        if backend == "spark":
            db_api = _db_api(backend, con)
            table = db_api.register(_frame(db_api, records_table.rows(features), "records"),
                                    table_name="records")
            trained = comparisons.in_dialect(trained, "spark")
        else:
            # Every pair's per-comparison columns would be written with it: ~50 columns
            # of tens of millions of pairs at a million records. Only the pairs a person
            # reviews need them (Model.comparisons scores those again with them).
            trained["retain_intermediate_calculation_columns"] = False
        # The comparisons were validated when the training Linker was made: validating them
        # again parses every level's SQL for nothing (a tenth of a 10,000-record run).
        linker = Linker(table, trained, log_level=None, validate_settings=False)
        lookups = records_table.rate_lookups(trained, features)
        _register_rates(linker, db_api, lookups)
        cpu.lap("training")
        say(f"scoring {n_pairs} candidate pairs")
        predictions = _predict_candidates(con, db_api, linker, bounded, blocking, cpu, lookups)
        # Stored in DuckDB's dialect whatever the backend: the same model, byte for byte.
        model = comparisons.in_dialect(linker.misc.save_model_to_json(), "duckdb")
        # A random id per Linker, not part of the model: without it the same data gives the
        # same model, byte for byte (and the same sha256 in the ledger).
        model.pop("linker_uid", None)
        # The model as stored keeps them: `reunify explain` and tracing show each comparison.
        model["retain_intermediate_calculation_columns"] = True
        edges = _edges(con, predictions, backend)
        cpu.lap("predict")
        model_json = json.dumps(model, sort_keys=True, indent=1, default=str)
        if backend == "spark":
            from reunify.linkage import spark

            on = predictions.db_api.spark
            return Model(edges, model_json, rows=spark.rows_of(on, predictions.physical_name),
                         release=lambda: spark.release(on), blocking=blocking,
                         cpu_seconds=cpu.laps)
        keep = True
        # Scored and fetched: DuckDB and Arrow let go of the pairs before clustering needs
        # the memory (tens of millions of them at a million records).
        predictions.drop_table_from_database_and_remove_from_cache()
        con.unregister("candidate_pairs_registered")
        con.execute("DROP TABLE candidate_pairs")

        def release() -> None:
            con.close()
            shutil.rmtree(spill, ignore_errors=True)
        return Model(edges, model_json, rows=_scored_again(table, db_api, model_json),
                     release=release, blocking=blocking, cpu_seconds=cpu.laps)
    finally:
        if not keep:
            con.close()
            shutil.rmtree(spill, ignore_errors=True)


def score_pair(model_json: str, left: dict, right: dict,
               tf: dict[str, dict[str, float]] | None = None) -> tuple[float, float, list[dict]]:
    """Score one pair of records (feature dicts) with a stored model: ``(match weight, match
    probability, per-comparison weights)``. ``tf`` gives term frequencies by column and value
    (the share of records holding it); without it the pair itself is the population."""
    from splink import Linker
    from splink.backends.duckdb import DuckDBAPI

    logging.getLogger("splink").setLevel(logging.ERROR)
    model = comparisons.in_dialect(json.loads(model_json), "duckdb")
    con = duckdb.connect()
    try:
        records = [{c: f[c] for c in records_table.COLUMNS} for f in (left, right)]
        for record in records:
            for column, freq in (tf or {}).items():
                record[f"tf_{column}"] = freq.get(record[column] or "", None)
        linker = Linker(DuckDBAPI(connection=con).register(records_table.rows([left, right]),
                                                          table_name="records"),
                        model, log_level=None)
        scored = linker.inference.score_pair(records[0], records[1]).as_record_list()[0]
        return (float(scored["match_weight"]), float(scored["match_probability"]),
                comparisons.breakdown(scored, comparisons.labels(model), comparisons.prior(model)))
    finally:
        con.close()


@dataclass
class ListedScores:
    """Scores of listed pairs: ``weights[(l, r)] = (match weight, match probability)``;
    :meth:`comparisons` explains one pair (the waterfall of ``reunify explain``)."""

    weights: dict[tuple[int, int], tuple[float, float]]
    rows: dict[tuple[int, int], dict]
    labels: dict
    prior: dict

    def comparisons(self, pair: tuple[int, int]) -> list[dict]:
        """Per-comparison weights of a scored pair, after the prior."""
        return comparisons.breakdown(self.rows[pair], self.labels, self.prior)


def score_listed(model_json: str, features: Sequence[dict],
                 pairs: Sequence[tuple[int, int]],
                 tf: dict[str, dict[str, float]] | None = None) -> ListedScores:
    """Score the listed pairs of ``features`` (by ``unique_id``) with a stored model, in one
    pass, each pair as given. ``tf`` gives term frequencies by column and value (the share of
    the whole store's records holding it), so a common name weighs as little as in the link
    run.

    Used to score tracing requests (:mod:`reunify.linkage.inquiry`) against person-records
    with the comparisons and the trained m/u probabilities of the latest link run.
    """
    from splink import Linker
    from splink.backends.duckdb import DuckDBAPI

    model = comparisons.in_dialect(json.loads(model_json), "duckdb")
    labels, prior = comparisons.labels(model), comparisons.prior(model)
    if not pairs:
        return ListedScores({}, {}, labels, prior)
    logging.getLogger("splink").setLevel(logging.ERROR)
    con = duckdb.connect(config={"threads": 1})
    try:
        db_api = DuckDBAPI(connection=con)
        # The model was validated when it was trained; validating it again per inquiry would
        # cost a third of the answer's time.
        linker = Linker(db_api.register(records_table.rows(features), table_name="records"), model,
                        log_level=None, validate_settings=False)
        _register_rates(linker, db_api, {
            column: records_table.lookup(column, (tf or {}).get(column, {}))
            for column in comparisons.tf_columns(model)})
        wanted = pa.table({"match_key": pa.array(["reunify"] * len(pairs), pa.string()),
                           "join_key_l": pa.array([p[0] for p in pairs], pa.int64()),
                           "join_key_r": pa.array([p[1] for p in pairs], pa.int64())})
        linker.table_management.register_blocked_pairs_for_predict(
            db_api.register(wanted, table_name="listed_pairs"))
        rows = linker.inference.predict(warning_mode="never").as_record_list()
        by_pair = {(int(r["unique_id_l"]), int(r["unique_id_r"])): r for r in rows}
        return ListedScores({p: (float(r["match_weight"]), float(r["match_probability"]))
                             for p, r in by_pair.items()}, by_pair, labels, prior)
    finally:
        con.close()


def score_new(features: Sequence[dict], new: set[int], model_json: str
              ) -> Sequence[tuple[float, int, int]]:
    """Score the ``new`` records (indexes into ``features``) against every record with a stored,
    trained model: no training, the same blocking keys as a full run, term frequencies from all
    of ``features``. Returns ``(match_weight, i, j)``, ``i < j``, for each candidate pair that
    holds a new record and scores :data:`FLOOR_WEIGHT` or more. Always DuckDB in-process: a
    day's batch is small, whatever backend the full runs use."""
    from splink import Linker
    from splink.backends.duckdb import DuckDBAPI

    if not new:
        return []
    logging.getLogger("splink").setLevel(logging.ERROR)
    spill = tempfile.mkdtemp(prefix="reunify-link-")
    con = _connect(spill)
    try:
        if candidate_pairs(con, features, new)["candidate_pairs"] == 0:
            return []
        db_api = DuckDBAPI(connection=con)
        table = db_api.register(records_table.rows(features), table_name="records")
        # A trained model's comparisons were validated when it was trained.
        model = comparisons.in_dialect(json.loads(model_json), "duckdb")
        linker = Linker(table, json.loads(json.dumps(model)), log_level=None,
                        validate_settings=False)
        lookups = records_table.rate_lookups(model, features)
        _register_rates(linker, db_api, lookups)
        return _edges(con, _predict_candidates(con, db_api, linker, model, lookups=lookups),
                      "duckdb")
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
