"""The Spark session for the linker when ``REUNIFY_LINKAGE_BACKEND=spark``.

Run as a plain command (``reunify link``), it is local mode on this machine's cores, a small
shuffle and the UI off: the session is a calculator, not a service. Run under
``spark-submit`` (a standalone or YARN cluster: docs/linkage.md, "Spark on a cluster"), the
master, executors and shuffle come from ``spark-submit`` and the cluster's defaults, and only
what the linker needs is added. pyspark is an optional install.

Environment: ``REUNIFY_SPARK_MASTER`` overrides the master (``spark://host:7077``, ``yarn``);
``REUNIFY_SPARK_CHECKPOINT_DIR`` is where Splink checkpoints long query lineages (a directory
every executor can reach on a cluster: ``hdfs:///tmp/reunify``); default a local temporary
directory. ``REUNIFY_SPARK_DRIVER_MEMORY`` sets the driver's JVM heap in local mode
(``spark.driver.memory``, default Spark's 1g); under ``spark-submit`` it is
``--driver-memory``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from functools import lru_cache

from reunify.linkage.edges import Edges

#: Shuffle partitions in local mode (two cores); a cluster takes its own.
LOCAL_PARTITIONS = 2
#: How Splink cuts the lineage of its intermediate tables (``SparkAPI``'s
#: ``break_lineage_method``) in local mode: written to Parquet files and read back (Splink's
#: default). Cached in the JVM instead (``persist``) took 22 % more of the JVM's CPU at
#: 10,000 records (docs/benchmarks.md, "Spark at 100k and beyond").
LOCAL_LINEAGE = "parquet"


@lru_cache(maxsize=1)
def session(jar: str = ""):
    """The process's Spark session (created once); ``jar`` adds SQL functions (Splink's
    string similarities)."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("reunify-linkage")
    master = os.environ.get("REUNIFY_SPARK_MASTER")
    # spark-submit starts the JVM first and hands the Python driver its gateway.
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ
    if master:
        builder = builder.master(master)
    elif not submitted:
        builder = (builder.master(f"local[{LOCAL_PARTITIONS}]")
                   .config("spark.sql.shuffle.partitions", str(LOCAL_PARTITIONS))
                   .config("spark.default.parallelism", str(LOCAL_PARTITIONS))
                   .config("spark.driver.bindAddress", "127.0.0.1")
                   .config("spark.driver.host", "127.0.0.1")
                   .config("spark.ui.showConsoleProgress", "false"))
        # Python workers (Jaro-Winkler, below) run this interpreter, with its packages;
        # pyspark reads the variable, not a setting, when the context starts.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        memory = os.environ.get("REUNIFY_SPARK_DRIVER_MEMORY")
        if memory:
            # Local mode runs driver and executors in one JVM, started by this process:
            # its heap is fixed at start-up.
            builder = builder.config("spark.driver.memory", memory)
    if jar:
        builder = builder.config("spark.jars", jar)
    spark = builder.config("spark.ui.enabled", str(bool(master or submitted)).lower()) \
        .getOrCreate()
    # Splink breaks long query lineages by checkpointing.
    spark.sparkContext.setCheckpointDir(os.environ.get("REUNIFY_SPARK_CHECKPOINT_DIR")
                                        or tempfile.mkdtemp(prefix="reunify-spark-"))
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def register_functions(spark) -> None:
    """SQL functions the comparisons use on Spark beyond Splink's jar: ``reunify_jaro_winkler``,
    Jaro-Winkler similarity as DuckDB's ``jaro_winkler_similarity`` computes it.

    Splink's jar has a ``jaro_winkler`` of its own, which differs from DuckDB's on about 8 % of
    pairs of digit strings a few slips apart (on 0.5-0.9 % of them it falls on the other side
    of a level's threshold), so the same model would score differently on each backend. This
    one is :func:`reunify.rules.names.jaro_winkler` (rapidfuzz's, DuckDB's own algorithm;
    equal to DuckDB's on 200,004 test pairs), run in Python workers on Arrow batches: the
    executors need reunify installed.
    """
    from pyspark.sql.functions import arrow_udf
    from pyspark.sql.types import DoubleType

    def similarity(left, right):
        import pyarrow as pa

        from reunify.rules.names import jaro_winkler

        # As DuckDB: unknown if either is unknown (jaro_winkler scores empty strings as it).
        return pa.array([None if a is None or b is None else jaro_winkler(a, b)
                         for a, b in zip(left.to_pylist(), right.to_pylist(), strict=True)],
                        pa.float64())

    spark.udf.register("reunify_jaro_winkler", arrow_udf(similarity, DoubleType()))


def options() -> dict:
    """Splink's ``SparkAPI`` options: how intermediate tables are materialised.

    ``REUNIFY_SPARK_BREAK_LINEAGE`` chooses (``persist``, ``checkpoint``, ``parquet``); in
    local mode the default is :data:`LOCAL_LINEAGE` and Splink repartitions its tables into
    :data:`LOCAL_PARTITIONS` (its default, half the shuffle partitions, is one: one core
    idle); on a cluster Splink's own defaults (Parquet in the checkpoint directory, half the
    shuffle partitions).
    """
    chosen = os.environ.get("REUNIFY_SPARK_BREAK_LINEAGE")
    if _on_cluster():
        return {"break_lineage_method": chosen} if chosen else {}
    return {"break_lineage_method": chosen or LOCAL_LINEAGE,
            "num_partitions_on_repartition": LOCAL_PARTITIONS}


def frame(spark, table, name: str) -> str:
    """An Arrow table as Spark's table ``name`` (replaced if a run before made it), for
    Splink to read many times.

    Cut loose from the driver's copy (checkpointed): a DataFrame made from local data is a
    local relation in every query plan built on it, and Spark's optimiser evaluates such a
    relation row by row, in the driver, each time a query reads it (minutes per EM iteration
    at 10,000 records).
    """
    df = spark.createDataFrame(table)
    df = df.checkpoint(eager=True) if _on_cluster() else df.localCheckpoint(eager=True)
    df.createOrReplaceTempView(name)
    return name


def _on_cluster() -> bool:
    return bool(os.environ.get("REUNIFY_SPARK_MASTER")) or "PYSPARK_GATEWAY_PORT" in os.environ


def edges(spark, table: str) -> Edges:
    """Every scored pair of Splink's predictions ``table`` as ``(weight, i, j)``, i < j.

    Three columns through Arrow: a Python Row (or dict) per scored pair would cost the driver
    more than Spark's scoring of it.
    """
    cols = spark.sql("SELECT least(unique_id_l, unique_id_r) AS l, "  # noqa: S608 # nosec B608
                     "greatest(unique_id_l, unique_id_r) AS r, match_weight "
                     f"FROM {table}").toArrow()
    return Edges(cols.column("match_weight").to_numpy(), cols.column("l").to_numpy(),
                 cols.column("r").to_numpy())


def rows_of(spark, table: str):
    """A function giving the full predicted rows (dicts) of Splink's predictions ``table``
    for the pairs of an Arrow table ``l``, ``r`` (``l < r``): the few a run explains."""

    def rows(wanted) -> list[dict]:
        spark.createDataFrame(wanted).createOrReplaceTempView("reunify_wanted_pairs")
        found = spark.sql(
            f"SELECT p.* FROM {table} p JOIN reunify_wanted_pairs w "  # noqa: S608 # nosec B608
            "ON least(p.unique_id_l, p.unique_id_r) = w.l "
            "AND greatest(p.unique_id_l, p.unique_id_r) = w.r").toArrow().to_pylist()
        spark.catalog.dropTempView("reunify_wanted_pairs")
        return found
    return rows


def release(spark) -> None:
    """Let go of what a run cached (Splink persists its intermediate tables here)."""
    spark.catalog.clearCache()
