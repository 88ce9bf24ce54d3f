"""Candidate pairs: the records that share a part of a blocking key, found in DuckDB.

A key (:func:`reunify.linkage.features.block_keys`) held by more than
:data:`~reunify.linkage.features.MAX_BLOCK` records is divided by the attributes
:data:`~reunify.linkage.features.DIVISIONS` names for its kind, never skipped (docs/linkage.md,
"Candidate pairs"). No Splink here: the engine scores the pairs this module writes.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pyarrow as pa

from reunify.linkage.features import (
    DIVIDE_DEPTH,
    DIVISIONS,
    MAX_BLOCK,
    SEEN_KINDS,
    SEEN_WINDOW,
    UNSAID_BUDGET,
    UNSAID_WINDOW,
    WINDOW,
    block_keys,
)


def _divide_sql(depth: int) -> str:
    """The attribute a key of each kind is divided by at its ``depth``-th division (SQL, on the
    columns of :data:`DIVIDE_SQL`); NULL once a kind has no more."""
    whens = " ".join(f"WHEN '{kind}' THEN \"{chain[depth]}\""
                     for kind, chain in DIVISIONS.items() if len(chain) > depth)
    return f"CASE kind {whens} END"


#: The feature columns the dividing attributes are computed from (``unique_id`` as ``uid``).
_DIVIDE_INPUT = {"unique_id": pa.int64(), "sex": pa.string(), "birth_year": pa.int32(),
                "birth_month": pa.int32(), "birth_day": pa.int32(),
                "given_keys": pa.list_(pa.string()), "surnames": pa.list_(pa.string()),
                "full_name": pa.string(), "birth_date": pa.string(), "seen_from": pa.int64()}


def _prefixes(column: str, letters: int) -> str:
    return (f"list_sort(list_distinct(list_transform(list_filter(coalesce({column}, []), "
            f"lambda x: x <> ''), lambda x: x[1:{letters}])))")


#: :data:`~reunify.linkage.features.DIVIDE_BY`, and the neighbour order, in SQL (one pass in
#: DuckDB rather than Python per record; a test holds them equal).
DIVIDE_SQL = {
    "sex": "CASE WHEN sex IN ('M', 'F') THEN [sex] ELSE []::VARCHAR[] END",
    "age": "CASE WHEN birth_year IS NULL THEN []::VARCHAR[] ELSE "
           "[(birth_year // 4)::VARCHAR || 'a', ((birth_year + 2) // 4)::VARCHAR || 'b'] END",
    "month": "CASE WHEN coalesce(birth_month, 0) = 0 THEN []::VARCHAR[] "
             "WHEN coalesce(birth_day, 99) <= 12 THEN list_sort(list_distinct("
             "[birth_month::VARCHAR, birth_day::VARCHAR])) ELSE [birth_month::VARCHAR] END",
    "given": _prefixes("given_keys", 1), "surname": _prefixes("surnames", 1),
    "given2": _prefixes("given_keys", 2), "surname2": _prefixes("surnames", 2),
    "neighbour": "coalesce(full_name, '') || chr(31) || coalesce(birth_date, '')",
}


def block_table(con: duckdb.DuckDBPyConnection, features: Sequence[dict]) -> dict[str, int]:
    """Write table ``blocks`` (``uid``, ``k``, ``neighbour``, ``n``): every record under each
    part of its blocking keys, a key held by more than
    :data:`~reunify.linkage.features.MAX_BLOCK` records divided by the attributes
    :data:`~reunify.linkage.features.DIVISIONS` names for its kind, in turn; ``n`` counts the
    part's records (a part still over the bound after its last division stays whole, and
    :func:`candidate_pairs` pairs neighbours in it: ``neighbour``, the order there, is NULL
    in parts within the bound). Returns how many keys were divided."""
    ids, keys = [], []
    for f in features:
        for key in block_keys(f):
            ids.append(f["unique_id"])
            keys.append(key)
    con.register("block_keys_arrow", pa.table({"uid": pa.array(ids, pa.int64()),
                                               "k": pa.array(keys, pa.string())}))
    con.register("divide_arrow", pa.table(
        {"uid" if column == "unique_id" else column: pa.array([f[column] for f in features], kind)
         for column, kind in _DIVIDE_INPUT.items()}))
    # Most keys are within the bound at once: they are counted and settled on the narrow
    # (uid, key) rows, and only the crowded keys' rows get the dividing attributes (a million
    # wide rows at 100,000 records otherwise, computed and copied for nothing). A settled
    # part's neighbour order is never read (only parts over the bound pair neighbours).
    con.execute("CREATE OR REPLACE TEMP TABLE keyed AS SELECT uid, k, count(*) OVER "
                "(PARTITION BY k) AS n FROM block_keys_arrow")
    con.unregister("block_keys_arrow")
    con.execute("CREATE OR REPLACE TEMP TABLE blocks "
                "(uid BIGINT, k VARCHAR, neighbour VARCHAR, n BIGINT, seen BIGINT)")
    con.execute("INSERT INTO blocks SELECT uid, k, NULL, n, NULL FROM keyed "  # DuckDB scratch
                "WHERE n <= $largest", {"largest": MAX_BLOCK})
    divided = con.execute("SELECT count(DISTINCT k) FROM keyed WHERE n > $largest",
                          {"largest": MAX_BLOCK}).fetchall()[0][0]
    # The dividing attributes once per record (a table of its own), not on each of a
    # record's rows under a crowded key: the rows stay narrow through every division, and
    # each division joins the one attribute it divides by.
    columns = ", ".join(f'{sql} AS "{name}"' for name, sql in DIVIDE_SQL.items()
                        if name != "neighbour")
    con.execute(f"CREATE OR REPLACE TEMP TABLE attrs AS SELECT uid, {columns} FROM divide_arrow WHERE uid IN (SELECT uid FROM keyed WHERE n > $largest)",  # noqa: E501, S608 # nosec B608
                {"largest": MAX_BLOCK})
    con.execute(f"CREATE OR REPLACE TEMP TABLE sized AS SELECT b.uid, b.k, NULL::VARCHAR AS whole, split_part(b.k, ':', 1) AS kind, {DIVIDE_SQL['neighbour']} AS neighbour, s.seen_from AS seen, b.n FROM keyed b JOIN divide_arrow s ON b.uid = s.uid WHERE b.n > $largest",  # noqa: E501, S608 # nosec B608
                {"largest": MAX_BLOCK})
    con.execute("DROP TABLE keyed")
    # The keys of kinds made for pairs that disagree on the very attribute they are divided
    # by are also walked whole in the order of the interval each record covers.
    kinds = ", ".join(f"'{kind}'" for kind in SEEN_KINDS)
    con.execute(f"CREATE OR REPLACE TEMP TABLE timed AS SELECT uid, k, row_number() OVER (PARTITION BY k ORDER BY seen, uid) AS o FROM sized WHERE kind IN ({kinds})")  # noqa: E501, S608 # nosec B608
    con.execute("CREATE OR REPLACE TEMP TABLE unsaid "
                "(uid BIGINT, k VARCHAR, seen BIGINT, anchor BOOLEAN)")
    con.unregister("divide_arrow")
    bounds = {"largest": MAX_BLOCK, "budget": UNSAID_BUDGET}
    for depth in range(DIVIDE_DEPTH + 1):
        if depth > 0:
            con.execute("CREATE OR REPLACE TEMP TABLE sized AS SELECT *, count(*) OVER "
                        "(PARTITION BY k) AS n FROM crowded")
            settled = ("INSERT INTO blocks "  # DuckDB scratch
                       "SELECT uid, k, neighbour, n, seen FROM sized ")
            con.execute(settled + "WHERE n <= $largest OR $last",
                        {"largest": MAX_BLOCK, "last": depth == DIVIDE_DEPTH})
        if depth == DIVIDE_DEPTH:
            break
        by = _divide_sql(depth)
        # A part per value; a record that does not say joins every part of its key when few
        # such records are there (its key's values), a part of its own ('?') otherwise. A
        # kind with no more attributes keeps its key (a crowded part, at the end).
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE crowded AS WITH t AS (SELECT s.*, {by} AS vals FROM sized s JOIN attrs a ON s.uid = a.uid WHERE s.n > $largest), big AS (SELECT k, count(*) FILTER (WHERE len(vals) = 0) AS unsaid, max(n) AS n, list_distinct(flatten(list(vals))) AS every FROM t WHERE vals IS NOT NULL GROUP BY k) SELECT t.* EXCLUDE (k, n, vals, part, whole), t.k AS whole, CASE WHEN part IS NULL THEN t.k ELSE t.k || '|' || part END AS k FROM (SELECT t.*, unnest(CASE WHEN big.k IS NULL THEN [NULL] WHEN len(t.vals) > 0 THEN t.vals WHEN big.unsaid * big.n <= $budget AND len(big.every) > 0 THEN big.every ELSE ['?'] END) AS part FROM t LEFT JOIN big ON t.k = big.k) t",  # noqa: E501, S608 # nosec B608
            bounds)
        # The records of a part of their own ('?') meet, besides each other, their
        # neighbours among all the records of the key they were divided from: the more such
        # records a season has, the fewer may join every part, and a true pair must not be
        # lost for it (a record without a birth date, its namesakes by the hundred).
        con.execute(
            "INSERT INTO unsaid SELECT uid, whole, any_value(seen), "  # DuckDB scratch
            "bool_or(k = whole || '|?') FROM crowded WHERE whole IN (SELECT whole FROM crowded "
            "WHERE k = whole || '|?') GROUP BY uid, whole")
    con.execute("DROP TABLE crowded")
    con.execute("DROP TABLE sized")
    con.execute("DROP TABLE attrs")
    return {"keys_divided": divided}


def candidate_pairs(con: duckdb.DuckDBPyConnection, features: Sequence[dict],
                    new: set[int] | None = None) -> dict[str, int]:
    """Write table ``candidate_pairs`` (``l`` < ``r``, each pair once): the pairs that share a
    part of a key of :func:`block_table`; in a part still held by more than
    :data:`~reunify.linkage.features.MAX_BLOCK` records after its last division, each record
    with its :data:`~reunify.linkage.features.WINDOW` neighbours before and after it, in the
    order of ``seen_from``, then :func:`~reunify.linkage.features.neighbour_key`; each record
    a part of its own for not saying an attribute with the
    :data:`~reunify.linkage.features.UNSAID_WINDOW` others of its key seen about when it was;
    each record of a crowded key of :data:`~reunify.linkage.features.SEEN_KINDS` with the
    :data:`~reunify.linkage.features.SEEN_WINDOW` after it in that key, in the order of
    ``seen_from``. With ``new``, only the pairs
    that hold at least one of those records. Returns how many (``candidate_pairs``), and the
    keys divided and the parts still crowded."""
    stats = block_table(con, features)
    # A record is under a part once (its values are distinct): no grouping needed. Only the
    # crowded parts are put in order.
    con.execute("CREATE OR REPLACE TEMP TABLE crowded AS SELECT uid, k, row_number() OVER "
                "(PARTITION BY k ORDER BY seen, neighbour, uid) AS o FROM blocks "
                "WHERE n > $largest",
                {"largest": MAX_BLOCK})
    # In a key some records of which went to a part of their own for not saying an
    # attribute, each such record (an anchor) meets the WINDOW records before and the WINDOW
    # after it among the others, in the neighbour order: ``o`` numbers the others, and an
    # anchor stands after the ``o`` others ahead of it.
    con.execute("CREATE OR REPLACE TEMP TABLE anchors AS SELECT uid, k, anchor, count(*) "
                "FILTER (WHERE NOT anchor) OVER (PARTITION BY k ORDER BY seen, uid "
                "ROWS UNBOUNDED PRECEDING) AS o FROM unsaid")
    con.execute("DROP TABLE unsaid")
    alone = "DELETE FROM blocks WHERE n < 2 OR n > $largest"  # DuckDB scratch
    con.execute(alone, {"largest": MAX_BLOCK})
    stats["crowded_parts"] = con.execute("SELECT count(DISTINCT k) FROM crowded"
                                         ).fetchall()[0][0]
    if new is not None:
        con.register("new_ids_arrow", pa.table({"uid": pa.array(sorted(new), pa.int64())}))
        # Only the parts that hold a new record (neighbours were numbered on the whole part).
        for table in ("blocks", "crowded", "anchors", "timed"):
            con.execute(f"DELETE FROM {table} WHERE k NOT IN (SELECT k FROM {table} WHERE uid IN (SELECT uid FROM new_ids_arrow))")  # noqa: E501, S608 # nosec B608 DuckDB scratch
    fresh = ("" if new is None else
             " WHERE l IN (SELECT uid FROM new_ids_arrow) OR r IN (SELECT uid FROM new_ids_arrow)")
    con.execute(
        f"CREATE OR REPLACE TABLE candidate_pairs AS SELECT DISTINCT least(l, r) AS l, greatest(l, r) AS r FROM (SELECT a.uid AS l, b.uid AS r FROM blocks a JOIN blocks b ON a.k = b.k AND a.uid < b.uid UNION ALL SELECT a.uid AS l, b.uid AS r FROM (SELECT uid, k, o + unnest(range(1, $window + 1)) AS o FROM crowded) a JOIN crowded b ON a.k = b.k AND a.o = b.o UNION ALL SELECT a.uid AS l, b.uid AS r FROM (SELECT uid, k, o + unnest(range(1 - $reach, $reach + 1)) AS o FROM anchors WHERE anchor) a JOIN anchors b ON a.k = b.k AND a.o = b.o AND NOT b.anchor UNION ALL SELECT a.uid AS l, b.uid AS r FROM (SELECT uid, k, o + unnest(range(1, $seen + 1)) AS o FROM timed) a JOIN timed b ON a.k = b.k AND a.o = b.o) pairs{fresh}",  # noqa: E501, S608 # nosec B608
        {"window": WINDOW, "reach": UNSAID_WINDOW, "seen": SEEN_WINDOW})
    if new is not None:
        con.unregister("new_ids_arrow")
    con.execute("DROP TABLE blocks")
    con.execute("DROP TABLE crowded")
    con.execute("DROP TABLE anchors")
    con.execute("DROP TABLE timed")
    n = con.execute("SELECT count(*) FROM candidate_pairs").fetchall()[0][0]
    return {**stats, "candidate_pairs": n}
