"""Comparison levels that keep names from deciding alone (issue 10, item 7): each pair below
hits the level its case calls for, read straight from the model's SQL conditions in DuckDB."""

from __future__ import annotations

import duckdb
import pytest

from reunify.linkage import clustering
from reunify.linkage.comparisons import comparisons
from reunify.linkage.engine import _COLUMNS
from reunify.linkage.features import block_keys, features


def _record(family: str, given: str = "Ana", birth: str = "", **extra: str) -> dict:
    return {"source": extra.pop("source", "s"), "record_id": extra.pop("record_id", "r"),
            "family_name": family, "given_name": given, "birth_date": birth, **extra}


def level(comparison: str, left: dict, right: dict) -> str:
    """The label of the first level of ``comparison`` the two records meet, as Splink reads
    the levels (in order, the first true condition wins)."""
    a, b = features(0, left), features(1, right)
    spec = next(c for c in comparisons() if c["output_column_name"] == comparison)
    con = duckdb.connect()
    try:
        columns = [f'${n} AS "{c}_{side}"' for side in "lr" for n, c in
                   [(i + (0 if side == "l" else len(_COLUMNS)) + 1, c)
                    for i, c in enumerate(_COLUMNS)]]
        values = [a[c] for c in _COLUMNS] + [b[c] for c in _COLUMNS]
        con.execute(f"CREATE TABLE pair AS SELECT {', '.join(columns)}", values)
        for lv in spec["comparison_levels"]:
            condition = lv["sql_condition"]
            if condition == "ELSE" or con.execute(
                    f"SELECT coalesce(({condition}), false) FROM pair").fetchone()[0]:
                return lv["label_for_charts"]
    finally:
        con.close()
    raise AssertionError("no level met")


def test_birth_year_one_off_on_the_same_day_and_month_is_its_own_level():
    """A child's age estimated at intake: 2010-03-04 and 2011-03-04 are "year one off, same day
    and month", not two different dates; and the two records meet in a blocking key."""
    left, right = _record("Pu", birth="2010-03-04"), _record("Pu", birth="2011-03-04")
    assert level("birth_date", left, right) == "year one off, same day and month"
    assert level("birth_date", left, _record("Pu", birth="2011-03-05")) == "different"
    shared = set(block_keys(features(0, left))) & set(block_keys(features(1, right)))
    assert shared - {k for k in shared if k.startswith(("sg:", "sy:"))}


@pytest.mark.parametrize(("left", "right"), [
    ("Gonzalez", "Gonzaelz"), ("Caal Xol", "Acal Xol"), ("Pérez Ramos", "Pérez Rmaos"),
    ("Ramos", "Pérez Rmaos"),
])
def test_two_adjacent_letters_swapped_in_a_surname_is_its_own_level(left, right):
    """A surname with two adjacent letters swapped (and the other surname, if any, the same)
    is "a surname with two letters swapped", not "different"."""
    assert level("family_name", _record(left), _record(right)) == \
        "a surname with two letters swapped"


def test_two_swaps_or_another_surname_are_not_a_transposition():
    """Two different letters, or a swapped surname beside a different one, are no swap."""
    assert level("family_name", _record("Gonzalez"), _record("Gonzaxyz")) != \
        "a surname with two letters swapped"
    assert level("family_name", _record("Pérez Ramos"), _record("Cruz Rmaos")) != \
        "a surname with two letters swapped"


@pytest.mark.parametrize(("left", "right", "expected"), [
    ("García López", "García López", "same surnames"),
    ("García López", "López García", "same two surnames, order swapped"),
    ("Villatoro", "Villatoro Chávez", "one recorded only the first surname"),
    ("Chávez", "Villatoro Chávez", "one recorded only one of the surnames"),
    ("Pérez Ramos", "Pérez Cruz", "first surname in common"),
    ("Pérez Ramos", "Ramos Cruz", "one's first surname the other's second"),
    ("Cruz Ramos", "Pérez Ramos", "one surname in common"),
])
def test_surnames_are_compared_by_position(left, right, expected):
    """Two surnames written in order are the paternal then the maternal: one woman's paternal
    surname matched to another's maternal one is a level of its own (and weaker), as is the
    same pair written in the other order."""
    assert level("family_name", _record(left), _record(right)) == expected


def _bare_case(*records: dict, edges, shared=()):
    feats = [features(i, r) for i, r in enumerate(records)]
    return clustering.cluster(feats, edges, accept=0.0, shared=shared)


SEEN = {"seen_from": "2018-05-29", "seen_to": "2018-05-29"}


def test_a_record_with_nothing_but_names_does_not_join_on_names_alone():
    """A docket's bare "LUIS FLORES" (no birth date, A-number, phone or group) scoring +3
    against a Luis Flores stays apart; the same pair seen the same week joins."""
    bare = _record("FLORES", "LUIS", record_id="d")
    other = _record("Flores", "Luis", "1970-08-25", record_id="b", a_number="A241226466",
                    seen_from="2018-05-28", seen_to="2018-05-30")
    assert _bare_case(bare, other, edges=[(3.0, 0, 1)]) == ([[0], [1]], {"names_alone": 1})
    assert _bare_case({**bare, **SEEN}, other, edges=[(3.0, 0, 1)])[0] == [[0, 1]]
    # Rare names weigh enough on their own.
    assert _bare_case(bare, other, edges=[(7.0, 0, 1)])[0] == [[0, 1]]
    # A companion of each already one person corroborates too.
    assert _bare_case(bare, other, edges=[(3.0, 0, 1)], shared={(0, 1)})[0] == [[0, 1]]


def test_a_bare_record_between_two_people_of_its_names_stays_apart():
    """Two Luis Flores it could both be, about as likely: the bare record joins neither; a
    rival it cannot be (a boy, for a record of an adult's group) does not count."""
    bare = _record("FLORES", "LUIS", record_id="d", **SEEN)
    one = _record("Flores", "Luis", "1970-08-25", record_id="b", **SEEN)
    two = _record("Flores Ramos", "Luis", "1981-06-14", record_id="c", **SEEN)
    groups, refused = _bare_case(bare, one, two, edges=[(3.0, 0, 1), (2.0, 0, 2)])
    assert groups == [[0], [1], [2]]
    assert refused == {"names_ambiguous": 2}
    parent = {**bare, "group_id": "G", "group_role": "parent"}
    boy = {**two, "group_id": "H", "group_role": "child"}
    assert _bare_case(parent, one, boy, edges=[(3.0, 0, 1), (2.0, 0, 2)])[0] == [[0, 1], [2]]
