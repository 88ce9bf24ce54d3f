# ruff: noqa: S608 (the SQL is built from the trained model's levels and the records'
# column names, never from what a person typed)
"""An upper bound on a trained model's match weight, from cheap tests only: the candidate pairs
that cannot reach the floor are dropped before Splink scores them.

Splink's match weight of a pair is the prior's weight plus, for each comparison, the weight
``log2(m / u)`` of the first level whose condition holds (0 for a null level), plus that
level's term-frequency adjustment ``w * (log2(u_exact) - log2(max(tf, tf_minimum_u_value)))``.
:func:`bound_sql` gives, per pair, a number never below it: each level's condition with its
costly tests (string similarities, edit distances: any function call) replaced by SQL's
unknown (``NULL``), so that in three-valued logic it says *surely*, *surely not* or *maybe*;
a comparison weighs at most the largest weight among the levels that may be the first to hold
(every level up to the first that surely holds, but those that surely do not). Replacing a
test by unknown never turns a condition's answer around (Kleene's logic is monotone), and a
NULL the data gives is only more "maybe": the bound is safe whatever the columns hold.

Term-frequency adjustments are exact: the same shares of records Splink computes (each
value's count over the column's non-null count, on every record scored), joined to the pairs.

The model's probabilities are data (the trained model's JSON); no Splink here.
:func:`drop_unreachable` runs the bound in DuckDB over table ``candidate_pairs``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import duckdb
import pyarrow as pa

#: Splink's clamp of m and u probabilities before ``log2(m / u)``.
_CLAMP = 1e-300
#: Splink adds its terms in another order: a pair is dropped only when its bound is below the
#: floor by more than the rounding of a sum of a few dozen doubles could ever be.
MARGIN = 1e-6
#: A costly test: a function of two records' columns compared with a number.
_COSTLY = re.compile(r"\b(\w+)\(\s*\"?(\w+)_([lr])\"?\s*,\s*\"?(\w+)_([lr])\"?\s*\)\s*"
                     r"(>=|<=|<>|!=|=|<|>)\s*(\d+(?:\.\d+)?)\b")
#: Edit distances: each edit (a character inserted, dropped, changed, or two neighbours
#: swapped) changes the length by one at most and the count of each character by two in all
#: at most, so a distance is at least the length's difference and half the counts'.
_DISTANCES = {"levenshtein", "damerau_levenshtein"}
#: Functions a condition may still call once its costly tests are unknown: cheap arithmetic.
_CHEAP_CALLS = {"abs", "coalesce"}
#: Words a parenthesis may follow that call nothing.
_KEYWORDS = {"in", "and", "or", "not"}
_CALL = re.compile(r"\b(\w+)\s*\(")
#: Operators of arithmetic and concatenation: a costly test beside one is part of a larger
#: expression.
_ARITHMETIC = set("+-*/%|")
#: A column's characters are counted (for the edit distances' test) when its values are
#: written with at most this many characters, all ASCII (A-numbers' ten digits, say).
ALPHABET = 16


def _double(x: float) -> str:
    return f"CAST({x!r} AS DOUBLE)"


def level_weight(level: dict) -> float:
    """A level's match weight as Splink computes it (0 for a null level)."""
    if level.get("is_null_level"):
        return 0.0
    m, u = level["m_probability"], level["u_probability"]
    return math.log2(max(m, _CLAMP) / max(u, _CLAMP))


def prior_weight(model: dict) -> float:
    """The prior's match weight, as Splink computes it."""
    p = float(model["probability_two_random_records_match"])
    return math.log2(p / (1 - p))


def _distance_test(match: re.Match, counted: Collection[str]) -> str:
    """An edit distance's test, unknown unless the two values' lengths and character counts
    show it false (``FALSE`` then; unknown on NULLs, as the test itself is)."""
    name, left, side_l, right, side_r, op, limit = match.groups()
    if (name.lower() not in _DISTANCES or op not in ("<=", "<", "=") or left != right
            or left not in counted or {side_l, side_r} != {"l", "r"} or "." in limit):
        return "NULL"
    # NULL (unknown) on NULLs, as the test itself.
    return f"(CASE WHEN e_{left} > {int(limit)} THEN FALSE END)"


def least_edits(column: str, words: int) -> str:
    """The fewest edits between the pair's two values of ``column`` could be: the lengths'
    difference, and half the characters one has and the other has not
    (:func:`counts_sql`'s counts in ``words`` numbers, one bit a character, set apart by
    ``xor``)."""
    apart = " + ".join(f"bit_count(xor(h{w}_{column}_l, h{w}_{column}_r))"
                       for w in range(words))
    return f"greatest(abs(n_{column}_l - n_{column}_r), ({apart} + 1) // 2) AS e_{column}"


def _plain(condition: str) -> str:
    return "TRUE" if condition.strip().upper() == "ELSE" else condition


def _in_arithmetic(condition: str, match: re.Match) -> bool:
    """Whether a costly test's call or number is an operand of arithmetic around it."""
    before = condition[:match.start()].rstrip()
    after = condition[match.end():].lstrip()
    return before[-1:] in _ARITHMETIC or after[:1] in _ARITHMETIC


def cheap(condition: str, counted: Collection[str] = ()) -> str:
    """``condition`` with every costly test unknown (``NULL``), but an edit distance of a
    column of ``counted`` (:func:`counts_sql`'s) its lengths and character counts rule
    out; a condition still calling a function that is not cheap arithmetic is wholly unknown.
    """
    if condition.strip().upper() == "ELSE":
        return "TRUE"
    if any(_in_arithmetic(condition, m) for m in _COSTLY.finditer(condition)):
        # ``x + f(a_l, a_r) >= 1`` compares the sum, not the call: replacing the call's test
        # alone would leave ``x + NULL`` (or a sum with a boolean), not a condition.
        return "NULL"
    out = _COSTLY.sub(lambda m: _distance_test(m, counted), condition)
    if any(name.lower() not in _CHEAP_CALLS | _KEYWORDS for name in _CALL.findall(out)):
        return "NULL"
    return out


def distance_columns(model: dict) -> list[str]:
    """The columns whose edit distance to themselves a level tests."""
    return sorted({m.group(2) for c in model["comparisons"] for lv in c["comparison_levels"]
                   for m in _COSTLY.finditer(lv["sql_condition"])
                   if m.group(1).lower() in _DISTANCES and m.group(2) == m.group(4)})


#: Bits of a number holding characters' counts in unary.
_WORD = 63


def counts_sql(column: str, alphabet: str, longest: int) -> list[str]:
    """A record's columns for :func:`cheap`'s test of ``column``: its length
    (``n_<column>``) and how many of each character of ``alphabet`` it holds, in unary
    (``c`` of a character, the first ``c`` of its ``longest`` bits) in numbers of
    :data:`_WORD` bits (``h0_<column>``, ``h1_<column>``...), so that two records' counts
    differ by as many bits as their ``xor`` holds."""
    per_word = _WORD // longest
    words: list[list[str]] = []
    for i, char in enumerate(alphabet):
        quoted = char.replace("'", "''")
        count = f"""length(x."{column}") - length(replace(x."{column}", '{quoted}', ''))"""
        if i % per_word == 0:
            words.append([])
        words[-1].append(f"(((1::BIGINT << ({count})) - 1) << {(i % per_word) * longest})")
    return [f'length(x."{column}") AS n_{column}',
            *(f"({' + '.join(bits)}) AS h{w}_{column}" for w, bits in enumerate(words))]


def _exact_column(condition: str) -> str | None:
    match = re.fullmatch(r'\s*"?(\w+)_([lr])"?\s*=\s*"?(\w+)_([lr])"?\s*', condition)
    if match and match.group(1) == match.group(3) and match.group(2) != match.group(4):
        return match.group(1)
    return None


def _adjusted(level: dict) -> bool:
    """Whether Splink adjusts a level's weight by term frequency."""
    return bool(level.get("tf_adjustment_column")) and not level.get("is_null_level") and \
        level["sql_condition"].strip().upper() != "ELSE" and \
        float(level.get("tf_adjustment_weight", 1.0)) != 0


def _tf_terms(level: dict, levels: Sequence[dict]) -> tuple[float, float, float]:
    """A term-frequency adjustment's ``(times, log2 u, minimum share)``: Splink's
    ``times * (log2 u - log2(max(share, minimum)))``, with the u of the level that is exactly
    the column's equality (the first such). Were there none (Splink refuses such a model), u
    is taken at the end of its range that makes the adjustment largest."""
    column = level["tf_adjustment_column"]
    times = float(level.get("tf_adjustment_weight", 1.0))
    exact = [lv for lv in levels if _exact_column(lv["sql_condition"]) == column]
    if level.get("disable_tf_exact_match_detection"):
        u = level["u_probability"]
    elif exact:
        u = exact[0]["u_probability"]
    else:
        u = 1.0 if times >= 0 else _CLAMP
    return times, math.log2(max(u, _CLAMP)), float(level.get("tf_minimum_u_value") or 0.0)


def _tf_sql(level: dict, levels: Sequence[dict]) -> str:
    """A level's term-frequency adjustment, as Splink computes it, on columns
    ``tf_<column>_l`` and ``tf_<column>_r`` (0 when neither record holds a value)."""
    column = level["tf_adjustment_column"]
    times, log_u, least = _tf_terms(level, levels)
    tf_l, tf_r = f"tf_{column}_l", f"tf_{column}_r"
    largest = f"greatest(coalesce({tf_l}, {tf_r}), coalesce({tf_r}, {tf_l}), {_double(least)})"
    return (f"CASE WHEN coalesce({tf_l}, {tf_r}) IS NULL THEN CAST(0 AS DOUBLE) ELSE "
            f"{_double(times)} * ({_double(log_u)} - log2({largest})) END")


def _comparison(comparison: dict, counted: Collection[str]) -> str:
    """The comparison's bound: Splink's levels in order, each as sure as its cheap tests
    make it. A level whose tests are all cheap holds or not (a NULL is "not", as in
    Splink's CASE); one with a costly test may hold, or surely not, or surely. The first that
    surely holds weighs the pair, unless a heavier level before it may hold: the bound is
    then the heaviest of those."""
    levels = comparison["comparison_levels"]
    conditions = [cheap(lv["sql_condition"], counted) for lv in levels]
    adjusted = [_adjusted(level) for level in levels]
    # An adjusted level's weight is the pair's own: it may be the heaviest or not.
    weights = [f"({_double(level_weight(level))} + {_tf_sql(level, levels)})" if adjusted[n]
               else _double(level_weight(level)) for n, level in enumerate(levels)]
    unsure = [n for n, (level, condition) in enumerate(zip(levels, conditions, strict=True))
              if condition != _plain(level["sql_condition"])]

    def heavier(n: int) -> list[str]:
        """The weights of the levels before level ``n`` that may hold and may weigh more."""
        return [f"CASE WHEN ({conditions[m]}) IS NOT FALSE THEN {weights[m]} END"
                for m in unsure if m < n and (adjusted[m] or adjusted[n] or
                                              level_weight(levels[m]) > level_weight(levels[n]))]
    branches = []
    for n, condition in enumerate(conditions):
        before = heavier(n)
        value = f"greatest({weights[n]}, {', '.join(before)})" if before else weights[n]
        if condition == "TRUE":
            branches.append(f"ELSE {value}")
            break
        branches.append(f"WHEN {condition} THEN {value}")
    else:
        # No level surely holds and none is ELSE: where none holds Splink's weight is NULL
        # and the pair is dropped, so any number bounds it; the levels that may hold, else 0.
        before = heavier(len(levels))
        branches.append(f"ELSE greatest(CAST(0 AS DOUBLE), {', '.join(before)})"
                        if before else "ELSE CAST(0 AS DOUBLE)")
    return f"(CASE {' '.join(branches)} END)"


def tf_columns(model: dict) -> list[str]:
    """The columns whose term frequencies the model uses."""
    return sorted({lv["tf_adjustment_column"] for c in model["comparisons"]
                   for lv in c["comparison_levels"] if lv.get("tf_adjustment_column")})


def _heaviest(comparison: dict) -> float:
    """The most a comparison can weigh: its heaviest level, term-frequency adjustment in (at
    its largest: a share between the minimum and 1, or none)."""
    levels = comparison["comparison_levels"]
    out = 0.0
    for level in levels:
        weight = level_weight(level)
        if _adjusted(level):
            times, log_u, least = _tf_terms(level, levels)
            weight += max(0.0, times * log_u,
                          times * (log_u - math.log2(max(least, _CLAMP))))
        out = max(out, weight)
    return out


def bound_sql(model: dict, counted: Collection[str] = (),
              among: Collection[int] | None = None) -> str:
    """The bound of a pair, never below its match weight, from columns ``<column>_l`` and
    ``<column>_r`` of every column the model compares, ``tf_<column>_l`` and
    ``tf_<column>_r`` of each of :func:`tf_columns`, and ``e_<column>`` of each of ``counted``
    (:func:`least_edits`); ``model`` in DuckDB's dialect. With ``among``, the prior and those
    comparisons (by index) only."""
    terms = [_double(prior_weight(model))]
    terms += [_comparison(comparison, counted) for n, comparison in
              enumerate(model["comparisons"]) if among is None or n in among]
    return " + ".join(terms)


def _alphabet(con: duckdb.DuckDBPyConnection, records: str, column: str
              ) -> tuple[str, int] | None:
    """The characters ``column``'s values are written with and the longest value's length,
    when the characters are few, all ASCII, and no value is longer than a word."""
    chars = con.execute(f'SELECT DISTINCT unnest(string_split("{column}", \'\')) FROM {records} '  # nosec B608
                        f'WHERE "{column}" IS NOT NULL LIMIT {ALPHABET + 1}').fetchall()
    alphabet = "".join(sorted(c for (c,) in chars))
    longest = con.execute(f'SELECT max(length("{column}")) FROM {records}').fetchall()[0][0]  # nosec B608
    if alphabet and len(alphabet) <= ALPHABET and alphabet.isascii() and longest <= _WORD:
        return alphabet, longest
    return None


@dataclass(frozen=True)
class _Pairs:
    """The records' columns a bound reads, written to temporary table ``bound_records``."""

    columns: list[str]
    #: Column -> how many numbers hold its counts.
    counted: dict[str, int]

    def of(self, table: str) -> str:
        """A query of ``table``'s rows (``l``, ``r`` and any other column) with both records'
        columns and the fewest edits of each counted column."""
        selected = [f'{t}."{column}" AS "{column}_{side}"'
                    for column in self.columns for t, side in (("a", "l"), ("b", "r"))]
        query = (f"SELECT c.*, {', '.join(selected)} FROM {table} c "  # nosec B608
                 "JOIN bound_records a ON a.unique_id = c.l "
                 "JOIN bound_records b ON b.unique_id = c.r")
        if self.counted:
            edits = ", ".join(least_edits(column, words)
                              for column, words in self.counted.items())
            query = f"SELECT *, {edits} FROM ({query}) e"  # nosec B608
        return query


def _records(con: duckdb.DuckDBPyConnection, model: dict, records: str,
             columns: Sequence[str], lookups: Mapping[str, pa.Table] | None = None) -> _Pairs:
    """Write temporary tables ``bound_records`` (the records' ``columns``, texts as numbers,
    their term frequencies and character counts) and ``bound_codes`` (the numbers).
    ``lookups``: the term frequencies Splink was given by column (``<column>``,
    ``tf_<column>``) rather than left to count."""
    counted = {column: alphabet for column in distance_columns(model)
               if (alphabet := _alphabet(con, records, column)) is not None}
    tfs = tf_columns(model)
    types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {records})"  # nosec B608
                             ).fetchall())
    texts = [column for column in columns if types[column] == "VARCHAR"]
    # Every text as a number (one numbering for all the columns, which are compared with
    # each other): the pairs' equalities compare numbers, not strings.
    every = ", ".join(f'x."{column}"' for column in texts)
    con.execute("CREATE OR REPLACE TEMP TABLE bound_codes AS SELECT v, "  # nosec B608
                f"CAST(row_number() OVER () AS INTEGER) AS code FROM (SELECT DISTINCT "
                f"unnest([{every}]) AS v FROM {records} x) WHERE v IS NOT NULL")
    joins, per_record = [], []
    for n, column in enumerate(columns):
        if column in texts:
            joins.append(f'LEFT JOIN bound_codes c{n} ON c{n}.v = x."{column}"')
            per_record.append(f'c{n}.code AS "{column}"')
        else:
            per_record.append(f'x."{column}"')
    for n, column in enumerate(tfs):
        if column in (lookups or {}):
            con.register(f"bound_tf_{n}", lookups[column])
            joins.append(f'LEFT JOIN (SELECT "{column}" AS v, "tf_{column}" AS tf FROM '  # nosec B608
                         f'bound_tf_{n}) tf{n} ON tf{n}.v = x."{column}"')
            per_record.append(f"tf{n}.tf AS tf_{column}")
            continue
        # Splink's shares: a value's records over the column's non-null records, all records.
        joins.append(f'LEFT JOIN (SELECT "{column}" AS v, count(*)::DOUBLE / (SELECT '  # nosec B608
                     f'count("{column}") FROM {records}) AS tf FROM {records} WHERE '
                     f'"{column}" IS NOT NULL GROUP BY "{column}") tf{n} ON tf{n}.v = '
                     f'x."{column}"')
        per_record.append(f"tf{n}.tf AS tf_{column}")
    counts = [sql for column, (alphabet, longest) in counted.items()
              for sql in counts_sql(column, alphabet, longest)]
    con.execute("CREATE OR REPLACE TEMP TABLE bound_records AS SELECT unique_id, "  # nosec B608
                f"{', '.join(per_record + counts)} FROM {records} x {' '.join(joins)}")
    return _Pairs([*columns, *(f"tf_{column}" for column in tfs),
                   *(sql.split(" AS ")[-1] for sql in counts)],
                  {column: sum(1 for sql in counts if sql.endswith(f"_{column}")
                               and sql.split(" AS ")[-1].startswith("h"))
                   for column in counted})


def _release(con: duckdb.DuckDBPyConnection) -> None:
    for (name,) in con.execute("SELECT view_name FROM duckdb_views() "
                               "WHERE view_name LIKE 'bound_tf_%'").fetchall():
        con.unregister(name)
    con.execute("DROP TABLE IF EXISTS bound_records")
    con.execute("DROP TABLE IF EXISTS bound_codes")
    con.execute("DROP TABLE IF EXISTS bound_early")


def bounds(con: duckdb.DuckDBPyConnection, model: dict, records: str,
           columns: Sequence[str], lookups: Mapping[str, pa.Table] | None = None
           ) -> list[tuple[int, int, float]]:
    """``(l, r, bound)`` of every pair of table ``candidate_pairs`` (``l``, ``r``:
    ``unique_id`` of ``records``); ``columns``: the records' columns the model compares;
    ``lookups``: term frequencies Splink was given (:func:`drop_unreachable`)."""
    pairs = _records(con, model, records, columns, lookups)
    try:
        return con.execute(f"SELECT l, r, {bound_sql(model, pairs.counted)} "  # nosec B608
                           f"FROM ({pairs.of('candidate_pairs')}) p").fetchall()
    finally:
        _release(con)


def drop_unreachable(con: duckdb.DuckDBPyConnection, model: dict, records: str,
                     columns: Sequence[str], floor: float,
                     lookups: Mapping[str, pa.Table] | None = None) -> int:
    """Drop from table ``candidate_pairs`` (``l``, ``r``: ``unique_id`` of ``records``)
    every pair whose bound is below ``floor`` (by more than :data:`MARGIN`); ``columns``
    are the records' columns the model compares; ``lookups`` the term frequencies Splink was
    given by column (``<column>``, ``tf_<column>``), where it does not count shares itself.
    Returns how many pairs are left.

    In two passes: every comparison but the one of the most levels (the costliest to bound:
    the surnames', fourteen), that one at its heaviest; then that one, on the pairs the first
    pass leaves (a fifth of them at 100,000 records)."""
    pairs = _records(con, model, records, columns, lookups)
    least = _double(floor - MARGIN)
    sizes = [len(comparison["comparison_levels"]) for comparison in model["comparisons"]]
    late = {sizes.index(max(sizes))} if sizes else set()
    early = set(range(len(model["comparisons"]))) - late
    heaviest = _double(sum(_heaviest(c) for n, c in enumerate(model["comparisons"])
                           if n in late))
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE bound_early AS SELECT l, r, e FROM "  # nosec B608
                    f"(SELECT l, r, {bound_sql(model, pairs.counted, early)} AS e "
                    f"FROM ({pairs.of('candidate_pairs')}) p) WHERE e + {heaviest} >= {least}")
        rest = " + ".join(["e", *(_comparison(c, pairs.counted)
                                  for n, c in enumerate(model["comparisons"]) if n in late)])
        con.execute("CREATE OR REPLACE TABLE candidate_pairs AS SELECT l, r FROM "  # nosec B608
                    f"({pairs.of('bound_early')}) p WHERE {rest} >= {least}")
    finally:
        _release(con)
    return con.execute("SELECT count(*) FROM candidate_pairs").fetchall()[0][0]
