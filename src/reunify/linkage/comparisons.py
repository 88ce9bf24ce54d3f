"""The model's comparisons as Splink settings (plain dicts), and reading its scores back.

Each comparison is a list of SQL conditions on the columns :mod:`reunify.linkage.features`
computes; the domain knowledge behind them is in ``reunify.rules`` and docs/linkage.md. No
Splink import here: :mod:`reunify.linkage.engine` hands these to Splink.
"""

from __future__ import annotations

import math
import re
from typing import Any

#: SQL spellings that differ between backends.
_DIALECT = {
    "duckdb": {"jaro": "jaro_winkler_similarity({l}, {r})",
               "edits": "damerau_levenshtein({l}, {r})",
               "levenshtein": "levenshtein({l}, {r})"},
    # Splink's jar gives Spark the Damerau distance (``damerau_levenshtein``): the same
    # distance as DuckDB's on 50,072 test pairs of digit strings (docs/benchmarks.md, "Spark
    # at 100k and beyond"). Its Jaro-Winkler is not DuckDB's: ours is
    # (:func:`reunify.linkage.spark.register_functions`).
    "spark": {"jaro": "reunify_jaro_winkler({l}, {r})",
              "edits": "damerau_levenshtein({l}, {r})",
              "levenshtein": "levenshtein({l}, {r})"},
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

    def jaro(left: str, right: str) -> str:
        return d["jaro"].format(l=left, r=right)
    both_precise = '"birth_precise_l" AND "birth_precise_r"'

    def swap(left: str, right: str) -> str:
        # Two adjacent letters swapped: the same letters (a cheap test of precomputed
        # columns that rules out nearly every pair), one Damerau edit apart.
        letters = (f"{left.replace('_1', '_s1').replace('_2', '_s2')} = "
                   f"{right.replace('_1', '_s1').replace('_2', '_s2')} AND {left} <> {right}")
        return f"({letters} AND {d['edits'].format(l=left, r=right)} = 1)"

    # On the surnames' phonetic keys, in the order written (none for three surnames or more).
    w1_l, w2_l, w1_r, w2_r = ('"surname_1_l"', '"surname_2_l"', '"surname_1_r"',
                              '"surname_2_r"')

    def agree(left: str, right: str) -> str:
        return f"({left} = {right} OR {swap(left, right)})"
    transposed = (
        f"({swap(w1_l, w1_r)} OR {swap(w1_l, w2_r)} OR {swap(w2_l, w1_r)} OR "
        f"{swap(w2_l, w2_r)}) AND ({w2_l} IS NULL OR {w2_r} IS NULL OR "
        f"({agree(w1_l, w1_r)} AND {agree(w2_l, w2_r)}) OR "
        f"({agree(w1_l, w2_r)} AND {agree(w2_l, w1_r)}))")
    # Both records write two surnames in order: the first is the paternal one.
    ordered = '"surname_2_l" IS NOT NULL AND "surname_2_r" IS NOT NULL'

    def slips(limit: int) -> str:
        # DuckDB's Damerau distance costs seven times the plain one; a swap is two plain edits
        # at most, so the plain distance rules out nearly every pair first (same levels).
        return (f'{fn("levenshtein", "a_number")} <= {2 * limit} '
                f'AND {fn("edits", "a_number")} <= {limit}')
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
            # Before the exact match: Splink takes the u of the level that is exactly
            # "surname_set equal" as the reference of the term-frequency adjustment.
            _level(f'"surname_set_l" = "surname_set_r" AND {ordered} AND '
                   '"surname_1_l" <> "surname_1_r"', "same two surnames, order swapped"),
            _level('"surname_set_l" = "surname_set_r"', "same surnames",
                   tf_adjustment_column="surname_set", tf_adjustment_weight=1.0,
                   tf_minimum_u_value=0.001),
            _level(f"{in_right[0]} AND {in_right[1]}", "two surnames in common"),
            # Term-frequency adjusted like "same surnames": "Villatoro" for "Villatoro Chávez"
            # weighs more than "Hernández" for "Hernández López". The surname's frequency is
            # the level's own u for it (features.one_surname_rates), against the level's u.
            _level(f'({b_l} IS NULL AND {a_l} = "surname_1_r") OR '
                   f'({b_r} IS NULL AND {a_r} = "surname_1_l")',
                   "one recorded only the first surname",
                   tf_adjustment_column="surname_1", tf_adjustment_weight=1.0,
                   tf_minimum_u_value=0.001, disable_tf_exact_match_detection=True),
            # The same, the one surname the other's second (three surnames: no order, no
            # adjustment).
            _level(f"({b_l} IS NULL AND {in_right[0]}) OR "
                   f"({b_r} IS NULL AND {a_r} IN ({a_l}, {b_l}))",
                   "one recorded only one of the surnames",
                   tf_adjustment_column="surname_2", tf_adjustment_weight=1.0,
                   tf_minimum_u_value=0.001, disable_tf_exact_match_detection=True),
            _level(transposed, "a surname with two letters swapped"),
            _level(f"({a_l} = {a_r} AND {jaro(b_l, b_r)} >= 0.85) OR "
                   f"({b_l} = {b_r} AND {jaro(a_l, a_r)} >= 0.85) OR "
                   f"({a_l} = {b_r} AND {jaro(b_l, a_r)} >= 0.85) OR "
                   f"({b_l} = {a_r} AND {jaro(a_l, b_r)} >= 0.85)",
                   "one surname in common, the other alike"),
            _level(f'{ordered} AND "surname_1_l" = "surname_1_r"', "first surname in common"),
            _level(f'{ordered} AND ("surname_1_l" = "surname_2_r" OR '
                   '"surname_2_l" = "surname_1_r")',
                   "one's first surname the other's second"),
            # The rest: the second surnames the same, or three surnames written (no order).
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
            _level(f'{both_precise} AND abs("birth_year_l" - "birth_year_r") = 1 AND '
                   '"birth_month_l" = "birth_month_r" AND "birth_day_l" = "birth_day_r"',
                   "year one off, same day and month"),
            _level(f'abs("birth_year_l" - "birth_year_r") = 1 AND NOT ({both_precise})',
                   "estimated year one off"),
            _level("ELSE", "different"),
        ]},
        {"output_column_name": "a_number", "comparison_levels": [
            _null("a_number"),
            _level('"a_number_l" = "a_number_r"', "exact"),
            _level(slips(1), "one digit wrong or two swapped"),
            _level(slips(2), "two slips apart"),
            _level("ELSE", "different"),
        ]},
        {"output_column_name": "sex", "comparison_levels": [
            _null("sex"), _level('"sex_l" = "sex_r"', "same"), _level("ELSE", "different"),
        ]},
        {"output_column_name": "country", "comparison_levels": [
            _null("country"), _level('"country_l" = "country_r"', "same"),
            _level("ELSE", "different"),
        ]},
        {"output_column_name": "address", "comparison_levels": [
            _null("address"),
            _level('"address_l" = "address_r"', "same"),
            _level(f'{fn("jaro", "address")} >= 0.92', "alike"),
            _level(f'{fn("jaro", "address")} >= 0.8', "somewhat alike"),
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
            # One source may write its events days after another (spec 1.1): a shelter's
            # placement a week after the border's separation is still the same custody.
            _level(_seen_within(10), "custody windows meet (10 days)"),
            _level(_seen_within(30), "custody windows within a month"),
            _level("ELSE", "custody windows far apart"),
        ]},
        # Where each source first held the person, as a place learnt from the records
        # (linkage/places.py): a station, its district's court and detention centres are one
        # place. Unknown where a facility goes with no other source's, so it weighs nothing.
        {"output_column_name": "place", "comparison_levels": [
            _null("place"),
            _level('"place_l" = "place_r"', "held in one place"),
            _level("ELSE", "held in places apart"),
        ]},
        # Minor or adult (linkage/ages.py: the age when first held, else the family unit's
        # role, else whom the source holds), weighed only where the birth dates cannot say
        # it: one record or both without a birth year.
        {"output_column_name": "age_group", "comparison_levels": [
            _level('"age_group_l" IS NULL OR "age_group_r" IS NULL OR '
                   '("birth_year_l" IS NOT NULL AND "birth_year_r" IS NOT NULL)', "unknown",
                   is_null_level=True),
            _level('"age_group_l" = "age_group_r"', "both minors or both adults"),
            _level("ELSE", "a minor and an adult"),
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
        # EM stops once no probability moves by more than this in an iteration: at 0.001 the
        # second session took two more iterations (Splink's fixed cost, ~0.15 CPU s each at
        # 100,000 records) for changes under 0.02 bits of any weight (docs/benchmarks.md,
        # "ratio4").
        "em_convergence": 0.01,
        "max_iterations": 25,
    }


def labels(model: dict) -> dict[str, dict[int, tuple[str, float]]]:
    """Comparison name → comparison vector value → (level label, its match weight)."""
    out = {}
    for comparison in model["comparisons"]:
        levels, labels = comparison["comparison_levels"], {}
        value = sum(1 for lv in levels if not lv.get("is_null_level")) - 1
        for lv in levels:
            if lv.get("is_null_level"):
                labels[-1] = (lv.get("label_for_charts", "unknown"), 0.0)
                continue
            m, u = lv.get("m_probability"), lv.get("u_probability")
            weight = math.log2(m / u) if isinstance(m, float | int) and isinstance(
                u, float | int) and m > 0 and u > 0 else 0.0
            labels[value] = (lv.get("label_for_charts", ""), weight)
            value -= 1
        out[comparison["output_column_name"]] = labels
    return out


def prior(model: dict) -> dict:
    """The starting weight every pair has before any comparison: log2 of the prior odds."""
    p = float(model.get("probability_two_random_records_match") or 1e-4)
    return {"name": "prior", "level": "two records picked at random are one person",
            "weight": round(math.log2(p / (1 - p)), 3)}


def breakdown(row: dict, labels: dict[str, dict[int, str]], prior: dict) -> list[dict]:
    """Per comparison: the level hit and its match weight (term-frequency adjustment in),
    after the prior; the weights add up to the pair's match weight."""
    out = [prior]
    for name, by_value in labels.items():
        gamma = row.get(f"gamma_{name}")
        level_weight = float(row.get(f"mw_{name}") or 0.0)
        if gamma is None:
            # Splink's predictions keep each comparison's weight, not its level: the level is
            # the one with that weight (levels of one weight read alike, so either is right).
            gamma = min(by_value, key=lambda g: abs(by_value[g][1] - level_weight))
        weight = level_weight + float(row.get(f"mw_tf_adj_{name}") or 0.0)
        out.append({"name": name, "level": by_value[gamma][0] if gamma in by_value
                    else str(gamma), "weight": round(weight, 3)})
    return out


def tf_columns(model: dict) -> list[str]:
    """The columns whose agreement the model weighs by term frequency."""
    return sorted({level["tf_adjustment_column"] for comparison in model["comparisons"]
                   for level in comparison["comparison_levels"]
                   if level.get("tf_adjustment_column")})


def in_dialect(model: dict, dialect: str) -> dict:
    """A trained model as ``dialect``'s backend runs it (``duckdb``, ``spark``): the same
    probabilities, and that dialect's SQL for the same levels
    (:func:`comparisons` builds the same levels in every dialect; only the functions
    differ). Models stored before training moved to DuckDB may be Spark's. Comparisons are
    matched by name: a model stored before a comparison was added (``place``) has fewer."""
    if model.get("sql_dialect", "duckdb") == dialect:
        return model
    ours = {c["output_column_name"]: c for c in settings(dialect)["comparisons"]}
    for theirs in model["comparisons"]:
        mine = ours[theirs["output_column_name"]]
        for level, same in zip(theirs["comparison_levels"], mine["comparison_levels"],
                               strict=True):
            level["sql_condition"] = same["sql_condition"]
    model["sql_dialect"] = dialect
    return model


#: No level's m probability is trained below this: clerks make every mistake sometimes, so no
#: single disagreement may veto a pair on its own (an A-number can be another person's).
MIN_M = 0.002
#: A level random sampling never met gets this u probability rather than none.
MIN_U = 0.00001


def bounded(model: dict) -> dict:
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
