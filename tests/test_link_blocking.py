"""Blocking with a fixed bound: a key too common is divided, not skipped, and pairs grow
linearly with the records (docs/linkage.md, "Candidate pairs")."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from reunify.linkage.blocking import candidate_pairs
from reunify.linkage.features import MAX_BLOCK, WINDOW, block_keys, features


def _record(n: int, given: str = "José", family: str = "Hernández López",
            birth: str = "", **extra) -> dict:
    return {"source": "s", "record_id": f"r{n}", "given_name": given, "family_name": family,
            "birth_date": birth, "sex": extra.pop("sex", "M"), "country": "", "a_number": "",
            "group_id": "", "group_role": "", "phone": "", "address": "", **extra}


def _pairs(records: list[dict], new: set[int] | None = None) -> tuple[set, dict]:
    feats = [features(i, r) for i, r in enumerate(records)]
    con = duckdb.connect()
    try:
        counts = candidate_pairs(con, feats, new)
        rows = con.execute("SELECT l, r FROM candidate_pairs").fetchall()
    finally:
        con.close()
    return set(rows), counts


def _many_namesakes(n: int) -> list[dict]:
    """``n`` men named José Hernández López, born over forty years on different days."""
    return [_record(i, birth=f"{1970 + i % 40}-{1 + i % 12:02d}-{1 + i % 28:02d}")
            for i in range(n)]


def test_a_key_over_the_bound_is_divided_and_its_pairs_still_found():
    """Two records of one man among more namesakes than the bound (one key alone would gather
    them all) still meet: the key is divided by the attributes of its kind (birth-year bands,
    then month), so the pair (same name, same birth date) is a candidate, and no part
    holds more than the bound."""
    records = [*_many_namesakes(3 * MAX_BLOCK), _record(999, birth="1985-04-11")]
    records.append(_record(1000, birth="1985-04-11"))
    pairs, counts = _pairs(records)
    n = len(records)
    assert (n - 2, n - 1) in pairs
    assert counts["keys_divided"] > 0
    assert len(pairs) < n * (n - 1) / 2 / 4  # far from every pair of namesakes


def test_an_age_estimated_a_year_off_stays_in_one_part():
    """A name-and-surname key divided by birth year keeps two records whose years are one
    apart (an age estimated at intake) in a common part: the bands overlap."""
    records = _many_namesakes(3 * MAX_BLOCK)
    records += [_record(900, birth="2003"), _record(901, birth="2004-12-31")]
    pairs, _ = _pairs(records)
    assert (len(records) - 2, len(records) - 1) in pairs


def test_a_record_that_does_not_say_joins_every_part():
    """A record without a birth date under a divided name key meets the namesakes of every birth
    year (it may be any of them), when there are few such records."""
    records = [*_many_namesakes(2 * MAX_BLOCK), _record(500, birth="")]
    pairs, _ = _pairs(records)
    last = len(records) - 1
    met = {i for pair in pairs if last in pair for i in pair} - {last}
    assert met == set(range(last))


def test_a_crowded_part_pairs_neighbours_instead_of_being_skipped():
    """Identical records beyond the bound, nothing to divide them by: the part is not skipped;
    each record meets its neighbours (:data:`WINDOW` each side) under each key it shares."""
    records = [_record(i, family="Pérez", birth="1990-01-01") for i in range(3 * MAX_BLOCK)]
    pairs, counts = _pairs(records)
    assert counts["crowded_parts"] > 0
    assert {(i, i + 1) for i in range(len(records) - 1)} <= pairs
    keys = len(block_keys(features(0, records[0])))
    assert len(pairs) <= len(records) * keys * WINDOW


@pytest.mark.parametrize("size", [MAX_BLOCK * 4, MAX_BLOCK * 8])
def test_candidate_pairs_grow_linearly_with_namesakes(size):
    """Pairs per record have a bound that does not depend on how many records there are:
    each of a record's keys adds at most the bound's or the window's worth of pairs."""
    records = _many_namesakes(size)
    pairs, _ = _pairs(records)
    keys = max(len(block_keys(features(i, r))) for i, r in enumerate(records))
    assert len(pairs) / len(records) <= keys * max(MAX_BLOCK, 2 * WINDOW)
    assert len(pairs) < size * (size - 1) / 2 / 4


def test_new_records_meet_the_same_candidates():
    """With ``new``, the pairs are exactly those of a full run that hold a new record."""
    records = [*_many_namesakes(2 * MAX_BLOCK), _record(700, birth="1985-04-11")]
    everything, _ = _pairs(records)
    new = {len(records) - 1, 5}
    fresh, _ = _pairs(records, new)
    assert fresh == {p for p in everything if set(p) & new}


def test_dividing_attributes_in_sql_are_the_rules_in_python(tmp_path):
    """DuckDB computes the dividing attributes (``blocking.DIVIDE_SQL``) for speed; on a simulated
    season they are, record by record, what ``features.DIVIDE_BY`` and ``neighbour_key`` say."""
    import pyarrow as pa

    from reunify.linkage.batch_files import read_batch
    from reunify.linkage.blocking import _DIVIDE_INPUT, DIVIDE_SQL
    from reunify.linkage.features import divide_columns, neighbour_key
    from reunify.simulator import simulate

    simulate(tmp_path, families=40, seed=3, conventions="mixed")
    records, _ = read_batch(tmp_path)
    feats = [features(i, r) for i, r in enumerate(records)]
    con = duckdb.connect()
    try:
        con.register("divide_arrow", pa.table(
            {"uid" if c == "unique_id" else c: pa.array([f[c] for f in feats], kind)
             for c, kind in _DIVIDE_INPUT.items()}))
        rows = con.execute("SELECT " + ", ".join(DIVIDE_SQL.values())
                           + " FROM divide_arrow ORDER BY uid").fetchall()
    finally:
        con.close()
    for f, row in zip(feats, rows, strict=True):
        expected = {**divide_columns(f), "neighbour": neighbour_key(f)}
        assert dict(zip(DIVIDE_SQL, row, strict=True)) == expected


def test_two_surnames_with_the_given_name_are_a_key_whatever_their_order():
    """A record with two surnames has a key of both with its first given name, the same
    whichever surname it writes first (so two records of one man meet there even where each
    surname alone is too common: a key of its own, divided by age and sex when crowded); a
    record with one surname has no such key."""
    both = [k for k in block_keys(features(0, _record(0))) if k.startswith("ss:")]
    swapped = [k for k in block_keys(features(1, _record(1, family="López Hernández")))
               if k.startswith("ss:")]
    one = [k for k in block_keys(features(2, _record(2, family="Hernández")))
           if k.startswith("ss:")]
    assert len(both) == 1
    assert both == swapped
    assert one == []


def test_a_day_and_month_swapped_stay_in_a_common_part():
    """Two records of one man whose birth date one source wrote day-first and the other
    month-first (11 March, 3 November) meet under a name key crowded with namesakes of the
    same birth year: the birth month divides the key as the unordered day and month, when the
    day could be a month."""
    records = [_record(i, birth=f"1985-{1 + i % 12:02d}-{13 + i % 15:02d}")
               for i in range(1, 3 * MAX_BLOCK)]
    records = [_record(0, birth="1985-03-11"), *records, _record(999, birth="1985-11-03")]
    pairs, counts = _pairs(records)
    assert counts["keys_divided"] > 0
    assert (0, len(records) - 1) in pairs


def _seen(day: int) -> str:
    return (dt.date(2018, 1, 1) + dt.timedelta(days=day)).isoformat()


def test_a_record_that_does_not_say_meets_the_others_seen_about_when_it_was():
    """Under a name key with too many records without a birth date for each to join every
    part, those records form a part of their own, and each still meets the records of the
    key seen about when it was (``UNSAID_WINDOW`` before and after it in the order of
    ``seen_from``): a man's undated record meets his dated one seen a day later."""
    dated = [_record(i, birth=f"{1960 + i % 40}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                     seen_from=_seen(3 * i)) for i in range(2 * MAX_BLOCK)]
    undated = [_record(100 + i, seen_from=_seen(3 * i + 1)) for i in range(12 * MAX_BLOCK)]
    records = [*dated, *undated]
    him, his = len(records), len(records) + 1
    records += [_record(him, seen_from=_seen(400)), _record(his, birth="1977-07-07",
                                                            seen_from=_seen(401))]
    pairs, _ = _pairs(records)
    assert (him, his) in pairs
    assert len(pairs) < len(records) * 100


def test_a_first_name_and_year_meets_a_surname_written_otherwise_seen_days_apart():
    """A first name with a birth year is the key of pairs whose surnames disagree (a child under
    the mother's surname at one source, the father's at another); crowded, it is divided by
    surname, which parts them, so its records also meet their neighbours in the order of the
    interval each record covers (``SEEN_WINDOW``): two records of one boy seen a day apart
    meet among a hundred namesakes of his year."""
    surnames = ["García", "López", "Martínez", "Rodríguez", "Sánchez", "Ramírez", "Torres",
                "Flores", "Rivera", "Gómez", "Díaz", "Cruz", "Morales", "Ortiz", "Gutiérrez"]
    records = [_record(i, family=surnames[i % len(surnames)],
                       birth=f"2010-{1 + i % 12:02d}-{1 + i % 28:02d}", seen_from=_seen(2 * i))
               for i in range(4 * MAX_BLOCK)]
    boy = len(records)
    records += [_record(boy, family="Pérez", birth="2010-05-30", seen_from=_seen(301)),
                _record(boy + 1, family="Hernández", birth="2010-06-30", seen_from=_seen(302))]
    pairs, _ = _pairs(records)
    assert (boy, boy + 1) in pairs


def test_pairs_per_record_stay_bounded_with_the_new_windows():
    """The windows in the order of the interval seen add a bounded number of pairs per record:
    at most ``SEEN_WINDOW`` per key of the kinds walked so, ``2 * UNSAID_WINDOW`` per key a
    record did not say the attribute of."""
    from reunify.linkage.features import SEEN_WINDOW, UNSAID_WINDOW

    records = [_record(i, birth="" if i % 3 == 0 else f"{1970 + i % 40}-01-{1 + i % 28:02d}",
                       seen_from=_seen(i)) for i in range(20 * MAX_BLOCK)]
    pairs, _ = _pairs(records)
    keys = max(len(block_keys(features(i, r))) for i, r in enumerate(records))
    bound = keys * (max(MAX_BLOCK, 2 * WINDOW) + SEEN_WINDOW + 2 * UNSAID_WINDOW)
    assert len(pairs) / len(records) <= bound


def test_a_crowded_part_puts_records_seen_the_same_days_side_by_side():
    """Namesakes without a birth date, nothing to divide them by: in the crowded part that is
    left, records stand in the order of the day their interval starts, so a man's two records
    seen a day apart meet, however far apart the order of their rows put them."""
    records = [_record(i, seen_from=_seen(3 * i)) for i in range(1, 3 * MAX_BLOCK)]
    records = [_record(0, seen_from=_seen(500)), *records,
               _record(999, seen_from=_seen(501))]
    pairs, counts = _pairs(records)
    assert counts["crowded_parts"] > 0
    assert (0, len(records) - 1) in pairs


def test_a_first_name_with_a_kinsmans_is_not_divided_by_surname():
    """The key of a first name with a kinsman's given name is there for a child whose surname
    is written otherwise at another source; crowded, it is divided by birth-year band and sex,
    not by surname, so a girl's two records under two surnames still meet there."""
    surnames = ["García", "López", "Martínez", "Rodríguez", "Sánchez", "Ramírez"]
    records = [_record(i, given="Ana", family=surnames[i % len(surnames)], sex="F",
                       birth=f"{1960 + i % 40}-{1 + i % 12:02d}-{1 + i % 28:02d}")
               for i in range(1, 3 * MAX_BLOCK)]
    records = [_record(0, given="Ana", family="Pérez", sex="F", birth="2011-02-03"),
               *records,
               _record(999, given="Ana", family="Gómez", sex="F", birth="2012-08-09")]
    feats = [features(i, r) for i, r in enumerate(records)]
    for f in feats:
        f["kin"] = ("MR",)
    con = duckdb.connect()
    try:
        counts = candidate_pairs(con, feats)
        pairs = set(con.execute("SELECT l, r FROM candidate_pairs").fetchall())
    finally:
        con.close()
    assert counts["keys_divided"] > 0
    assert (0, len(records) - 1) in pairs
