"""A local Spark session for the linker when ``REUNIFY_LINKAGE_BACKEND=spark``.

Local mode on this machine's cores, a small shuffle (the linker's tables are small per run),
and the UI off: the session is a calculator, not a service. pyspark is an optional install.
"""

from __future__ import annotations

import tempfile
from functools import lru_cache


@lru_cache(maxsize=1)
def session(jar: str = ""):
    """The process's Spark session (created once); ``jar`` adds SQL functions (Splink's
    string similarities)."""
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master("local[2]").appName("reunify-linkage")
             .config("spark.jars", jar)
             .config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", "2")
             .config("spark.default.parallelism", "2")
             .config("spark.driver.bindAddress", "127.0.0.1")
             .config("spark.driver.host", "127.0.0.1")
             .getOrCreate())
    # Splink breaks long query lineages by checkpointing.
    spark.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="reunify-spark-"))
    spark.sparkContext.setLogLevel("ERROR")
    return spark
