"""The records as the model's columns: the Arrow table Splink scores, and the term
frequencies Splink is given rather than left to count. No Splink here."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from reunify.linkage import comparisons
from reunify.linkage.features import RATE_COLUMNS, one_surname_rates

#: The feature columns the model reads, ``unique_id`` first.
COLUMNS = ("unique_id", "surname_a", "surname_b", "surname_set", "surname_1", "surname_2",
           "surname_s1", "surname_s2", "given_first", "given_second",
           "given_k1", "given_k2", "given_k3",
           "birth_date", "birth_year", "birth_month", "birth_day", "birth_precise", "sex",
           "country", "a_number", "phone", "seen_from", "seen_to", "source", "group",
           "address", "place", "age_group")

#: Their types.
SCHEMA = pa.schema([
    ("unique_id", pa.int64()), ("surname_a", pa.string()), ("surname_b", pa.string()),
    ("surname_set", pa.string()), ("surname_1", pa.string()), ("surname_2", pa.string()),
    ("surname_s1", pa.string()), ("surname_s2", pa.string()),
    ("given_first", pa.string()), ("given_second", pa.string()),
    ("given_k1", pa.string()), ("given_k2", pa.string()), ("given_k3", pa.string()),
    ("birth_date", pa.string()),
    ("birth_year", pa.int32()), ("birth_month", pa.int32()), ("birth_day", pa.int32()),
    ("birth_precise", pa.bool_()), ("sex", pa.string()), ("country", pa.string()),
    ("a_number", pa.string()), ("phone", pa.string()), ("seen_from", pa.int32()),
    ("seen_to", pa.int32()), ("source", pa.string()), ("group", pa.string()),
    ("address", pa.string()), ("place", pa.string()), ("age_group", pa.string()),
])


def rows(features: Sequence[dict]) -> pa.Table:
    """Feature dicts as the table of :data:`COLUMNS`."""
    # Column by column: no second dict per record (a million of them at national scale).
    return pa.table({c: pa.array([f[c] for f in features], SCHEMA.field(c).type)
                     for c in COLUMNS}, schema=SCHEMA)


def lookup(column: str, frequencies: dict[str, float]) -> pa.Table:
    """A term-frequency table as Splink takes it: ``<column>`` and ``tf_<column>``."""
    return pa.table({column: pa.array(list(frequencies), pa.string()),
                     f"tf_{column}": pa.array(list(frequencies.values()), pa.float64())})


def rate_lookups(model: dict, features: Sequence[dict]) -> dict[str, pa.Table]:
    """The term frequencies Splink cannot count itself, by column (``<column>``,
    ``tf_<column>``): those of :data:`~reunify.linkage.features.RATE_COLUMNS` the model
    adjusts by, a level's u per value (:func:`~reunify.linkage.features.one_surname_rates`),
    not the share of records holding it. Splink is given them and the bound uses them."""
    wanted = [c for c in RATE_COLUMNS if c in comparisons.tf_columns(model)]
    if not wanted:
        return {}
    rates = one_surname_rates(features)
    return {column: lookup(column, rates[column]) for column in wanted}
