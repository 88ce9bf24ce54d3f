"""The Spark session for the linker when ``REUNIFY_LINKAGE_BACKEND=spark``.

Run as a plain command (``reunify link``), it is local mode on this machine's cores, a small
shuffle and the UI off: the session is a calculator, not a service. Run under
``spark-submit`` (a standalone or YARN cluster: docs/linkage.md, "Spark on a cluster"), the
master, executors and shuffle come from ``spark-submit`` and the cluster's defaults, and only
what the linker needs is added. pyspark is an optional install.

Environment: ``REUNIFY_SPARK_MASTER`` overrides the master (``spark://host:7077``, ``yarn``);
``REUNIFY_SPARK_CHECKPOINT_DIR`` is where Splink checkpoints long query lineages (a directory
every executor can reach on a cluster: ``hdfs:///tmp/reunify``); default a local temporary
directory.
"""

from __future__ import annotations

import os
import tempfile
from functools import lru_cache

#: Shuffle partitions in local mode (two cores); a cluster takes its own.
LOCAL_PARTITIONS = 2


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
                   .config("spark.driver.host", "127.0.0.1"))
    if jar:
        builder = builder.config("spark.jars", jar)
    spark = builder.config("spark.ui.enabled", str(bool(master or submitted)).lower()) \
        .getOrCreate()
    # Splink breaks long query lineages by checkpointing.
    spark.sparkContext.setCheckpointDir(os.environ.get("REUNIFY_SPARK_CHECKPOINT_DIR")
                                        or tempfile.mkdtemp(prefix="reunify-spark-"))
    spark.sparkContext.setLogLevel("ERROR")
    return spark
