"""Comparison levels that keep names from deciding alone (issue 10, item 7): each pair below
hits the level its case calls for, read straight from the model's SQL conditions in DuckDB."""

from __future__ import annotations

import duckdb
import pytest

from reunify.linkage import clustering
from reunify.linkage.comparisons import comparisons
from reunify.linkage.facts import Facts
from reunify.linkage.features import block_keys, features
from reunify.linkage.records_table import COLUMNS as _COLUMNS


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
    and month", not two different dates; and the two records meet in a blocking key (their
    names'), so the pair is scored."""
    left, right = _record("Pu", birth="2010-03-04"), _record("Pu", birth="2011-03-04")
    assert level("birth_date", left, right) == "year one off, same day and month"
    assert level("birth_date", left, _record("Pu", birth="2011-03-05")) == "different"
    assert set(block_keys(features(0, left))) & set(block_keys(features(1, right)))


@pytest.mark.parametrize(("left", "right"), [
    ("Gonzalez", "Gonzaelz"), ("Mendoza Cruz", "Mendoza Curz"), ("Pérez Ramos", "Pérez Rmaos"),
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


class _Scores:
    """A scored run's per-comparison details, empty (the review keeps the pair's weight)."""

    def comparisons(self, pairs):
        return {}


def test_a_bare_record_kept_apart_is_offered_for_review():
    """An accepted pair of a bare record that the names-alone rule kept apart is a review
    pair (a person decides); an accepted pair of two full records that ended apart is not."""
    from reunify.linkage.resolution import _review

    bare = _record("FLORES", "LUIS", record_id="d")
    one = _record("Flores", "Luis", "1970-08-25", record_id="b")
    two = _record("Flores Ramos", "Luis", "1981-06-14", record_id="c")
    feats = [features(i, r) for i, r in enumerate([bare, one, two])]
    keys = [("s", r) for r in ("d", "b", "c")]
    scored = [(3.0, 0, 1), (2.0, 1, 2)]
    review = _review(scored, [[0], [1], [2]], keys, [], _Scores(), {},
                     held_back=Facts(feats).held_back)
    assert [(p.left, p.right, p.match_weight) for p in review] == [(("s", "d"), ("s", "b"), 3.0)]


def test_a_weakly_recorded_record_between_two_persons_joins_neither():
    """A record with a birth year but no precise date, A-number or phone ("Luis Flores",
    1986) that fits two persons equally (+2 each) is one person at most: the odds of either,
    2**2 against 1 + 2**2, are under even, and it stays apart. Alone with one of them, or
    with the other far less likely (-3), it joins; a rival it cannot be (a boy, for a man
    born in 1986: birth years 12 or more apart) does not count."""
    weak = _record("Flores", "Luis", "1986", record_id="w", **SEEN)
    one = _record("Flores", "Luis", "1986-04-02", record_id="b", a_number="A241226466", **SEEN)
    two = _record("Flores Ramos", "Luis", "1986-09-14", record_id="c", a_number="A209000001",
                  **SEEN)
    groups, refused = _bare_case(weak, one, two, edges=[(2.0, 0, 1), (2.0, 0, 2)])
    assert groups == [[0], [1], [2]]
    assert refused == {"weak_ambiguous": 2}
    assert _bare_case(weak, one, edges=[(2.0, 0, 1)])[0] == [[0, 1]]
    assert _bare_case(weak, one, two, edges=[(2.0, 0, 1), (-3.0, 0, 2)])[0] == [[0, 1], [2]]
    boy = {**two, "birth_date": "2010-09-14"}
    assert _bare_case(weak, one, boy, edges=[(2.0, 0, 1), (2.0, 0, 2)])[0] == [[0, 1], [2]]


def test_a_weakly_recorded_record_is_no_rival_of_the_person_it_belongs_to():
    """Two weakly recorded records of one Luis Flores (born 1986, seen the same week) and his
    full record, each pair +2: neither weak record is a second person the other could be
    instead, since each could itself be the full record's person (their pair is accepted and
    no rule parts them), so all three join. Two persons a rule keeps apart (two A-numbers)
    stay rivals even when their own pair weighs enough."""
    first = _record("Flores", "Luis", "1986", record_id="w", **SEEN)
    second = _record("FLORES", "LUIS", "1986", record_id="v", **SEEN)
    full = _record("Flores", "Luis", "1986-04-02", record_id="b", a_number="A241226466",
                   **SEEN)
    groups, refused = _bare_case(first, second, full,
                                 edges=[(2.0, 0, 1), (2.0, 0, 2), (2.0, 1, 2)])
    assert groups == [[0, 1, 2]]
    assert refused == {}
    weak = _record("Flores", "Luis", "1986", record_id="w", **SEEN)
    one = _record("Flores", "Luis", "1986-04-02", record_id="b", a_number="A241226466", **SEEN)
    two = _record("Flores Ramos", "Luis", "1986-09-14", record_id="c", a_number="A209000001",
                  **SEEN)
    groups, refused = _bare_case(weak, one, two, edges=[(3.0, 1, 2), (2.0, 0, 1), (2.0, 0, 2)])
    assert groups == [[0], [1], [2]]
    assert refused == {"a_number_conflict": 1, "weak_ambiguous": 2}


def test_a_bare_record_is_no_rival_of_the_person_it_belongs_to():
    """The same for records with nothing but names: two docket entries "LUIS FLORES" seen the
    week a Luis Flores was, each +3 with him and with each other, are his."""
    first = _record("FLORES", "LUIS", record_id="d", **SEEN)
    second = _record("FLORES", "LUIS", record_id="e", **SEEN)
    full = _record("Flores", "Luis", "1970-08-25", record_id="b", a_number="A241226466",
                   **SEEN)
    groups, refused = _bare_case(first, second, full,
                                 edges=[(3.0, 0, 1), (3.0, 0, 2), (3.0, 1, 2)])
    assert groups == [[0, 1, 2]]
    assert refused == {}


def test_a_record_with_a_precise_birth_date_is_not_held_back():
    """The same three records, the first with its full birth date: the strongest pair joins
    (it is no longer a record any namesake born that year fits)."""
    full = _record("Flores", "Luis", "1986-04-02", record_id="w", **SEEN)
    one = _record("Flores", "Luis", "1986-04-02", record_id="b", a_number="A241226466", **SEEN)
    two = _record("Flores Ramos", "Luis", "1986-04-02", record_id="c", a_number="A209000001",
                  **SEEN)
    groups, refused = _bare_case(full, one, two, edges=[(2.0, 0, 1), (1.9, 0, 2)])
    assert [0, 1] in groups
    assert "weak_ambiguous" not in refused


def test_a_weakly_recorded_record_kept_apart_is_offered_for_review():
    """Its accepted pairs that ended in two persons wait for a person to decide."""
    from reunify.linkage.resolution import _review

    weak = _record("Flores", "Luis", "1986", record_id="w", **SEEN)
    one = _record("Flores", "Luis", "1986-04-02", record_id="b", a_number="A241226466")
    feats = [features(i, r) for i, r in enumerate([weak, one])]
    review = _review([(2.0, 0, 1)], [[0], [1]], [("s", "w"), ("s", "b")], [], _Scores(), {},
                     held_back=Facts(feats).held_back)
    assert [(p.left, p.right) for p in review] == [(("s", "w"), ("s", "b"))]


def test_a_run_offers_its_held_back_records_pairs_for_review(monkeypatch):
    """A link run tells the review which records are held back: exactly those
    ``corroboration.held_back`` says (found once, for both clustering passes and the
    review), so the bare record's accepted pair kept apart is offered, as above."""
    from reunify.linkage import corroboration, resolution

    bare = _record("FLORES", "LUIS", record_id="d")
    one = _record("Flores", "Luis", "1970-08-25", record_id="b")
    two = _record("Flores Ramos", "Luis", "1981-06-14", record_id="c")
    feats = [features(i, r) for i, r in enumerate([bare, one, two])]
    told = []

    def review(*args, held_back=None, **kwargs):
        told.append(set(held_back))
        return resolution.__dict__["_review_before"](*args, held_back=held_back, **kwargs)

    monkeypatch.setitem(resolution.__dict__, "_review_before", resolution._review)
    monkeypatch.setattr(resolution, "_review", review)

    class Scored:
        edges, model_json, blocking, cpu_seconds = [(3.0, 0, 1), (2.0, 1, 2)], "{}", {}, {}

        def comparisons(self, pairs):
            return {}

        def close(self):
            pass

    from reunify.linkage import engine
    monkeypatch.setattr(engine, "score", lambda *a, **k: Scored())
    found = resolution.resolve([bare, one, two])
    assert told == [{i for i, f in enumerate(feats) if corroboration.held_back(f)}] == [{0}]
    assert [(p.left, p.right) for p in found.review] == [
        (("s", "d"), ("s", "b"))]


def _surnames_population() -> list[dict]:
    # "Hernández" written alone 50 times and first of two 10 times, "Chávez" second of two
    # twice and alone 20 times; "Villatoro" once alone, once first of two; "Xol" once alone,
    # once second of two.
    families = (["Hernández"] * 50 + ["Hernández López"] * 10 + ["Villatoro", "Villatoro Chávez"]
                + ["Pérez Chávez"] + ["Chávez"] * 20 + ["Xol", "Pérez Xol"])
    # And one person recorded twice with an A-number (the prior's rules need a pair).
    twice = [_record("Pu", "Rosa", "1990-02-03", record_id=f"p{i}", a_number="A201000001")
             for i in range(2)]
    return [_record(f, record_id=f"r{i}") for i, f in enumerate(families)] + twice


def test_one_surname_rates_are_the_levels_u_per_surname():
    """The rate of a surname at "one recorded only the first surname" is 2·A·B / ((A + B)·N)
    of the A records writing it alone and the B writing it first of two; at "one recorded
    only one of the surnames", of the B writing it second."""
    from reunify.linkage.features import one_surname_rates, term_frequencies

    feats = [features(i, r) for i, r in enumerate(_surnames_population())]
    n = len(feats)
    hernandez, villatoro, chavez = (features(0, _record(f))["surname_1"]
                                    for f in ("Hernández", "Villatoro", "Chávez"))
    rates = one_surname_rates(feats)
    first = rates["surname_1"]
    assert first == pytest.approx({hernandez: 2 * 50 * 10 / (60 * n),
                                   villatoro: 2 * 1 * 1 / (2 * n)})
    xol = features(0, _record("Xol"))["surname_1"]
    assert rates["surname_2"] == pytest.approx(
        {chavez: 2 * 20 * 2 / (22 * n), xol: 2 * 1 * 1 / (2 * n)})
    tf = term_frequencies(feats, {"surname_1": {villatoro}})
    assert tf["surname_1"] == pytest.approx({villatoro: 1 / n})


@pytest.mark.parametrize(("rare", "common", "column"), [
    (("Villatoro", "Villatoro Chávez"), ("Hernández", "Hernández López"), "surname_1"),
    (("Xol", "Pérez Xol"), ("Chávez", "Pérez Chávez"), "surname_2"),
])
def test_one_surname_of_two_weighs_by_how_rarely_it_meets_so(rare, common, column):
    """One record writing a surname alone and the other writing it among two weighs less when
    the surname is common: by the log of the two surnames' rates at that level, as the same
    surnames weigh by their frequencies."""
    import json
    import math

    from reunify.linkage import comparisons, engine
    from reunify.linkage.features import term_frequencies

    population = [features(i, r) for i, r in enumerate(_surnames_population())]
    tf = term_frequencies(population)
    model = json.dumps(comparisons.bounded(comparisons.settings()))

    def family_weight(left: str, right: str) -> float:
        a, b = features(0, _record(left)), features(1, _record(right))
        _w, _p, comps = engine.score_pair(model, a, b, tf)
        return next(c["weight"] for c in comps if c["name"] == "family_name")
    rates = tf[column]
    key_rare = features(0, _record(rare[1]))[column]
    key_common = features(0, _record(common[1]))[column]
    assert rates[key_common] > 2 * rates[key_rare]
    assert family_weight(*rare) - family_weight(*common) == pytest.approx(
        math.log2(max(rates[key_common], 0.001) / max(rates[key_rare], 0.001)), abs=0.01)


def test_a_link_run_weighs_one_surname_of_two_by_its_rate_not_its_share():
    """The run scores with the same rates as `explain` (registered with Splink, which would
    otherwise count the share of records holding the surname: 60 "Hernández" and 2
    "Villatoro", 30 to 1, where their rates at the level are 16.7 to 1)."""
    import math

    from reunify.linkage import engine
    from reunify.linkage.features import one_surname_rates

    feats = [features(i, r) for i, r in enumerate(_surnames_population())]
    families = [r["family_name"] for r in _surnames_population()]
    common = (families.index("Hernández"), families.index("Hernández López"))
    rare = (families.index("Villatoro"), families.index("Villatoro Chávez"))
    model = engine.score(feats)
    try:
        # The run's pairs as a person reviewing them sees them (scored again, the same way).
        details = model.comparisons([common, rare])
    finally:
        model.close()

    def family_weight(pair: tuple[int, int]) -> float:
        return next(c["weight"] for c in details[pair][1] if c["name"] == "family_name")
    rates = one_surname_rates(feats)["surname_1"]
    assert family_weight(rare) - family_weight(common) == pytest.approx(
        math.log2(rates[feats[common[0]]["surname_1"]] / rates[feats[rare[0]]["surname_1"]]),
        abs=0.01)


def test_a_rival_the_caller_never_merges_is_another_person():
    """A bare "LUIS FLORES" fits Luis Flores A and Luis Flores B nearly alike; A and B have an
    accepted pair. In a full run B may still be A's own record waiting its turn, so the bare
    record joins A; where the caller never merges the two (incremental linking, two existing
    persons) B is a second person it could be, and it is kept apart."""
    from reunify.linkage import corroboration

    bare = _record("FLORES", "LUIS", record_id="d", **SEEN)
    one = _record("Flores", "Luis", "1970-08-25", record_id="a", a_number="A241226466", **SEEN)
    two = _record("Flores", "Luis", "1970", record_id="b", **SEEN)
    feats = [features(i, r) for i, r in enumerate([bare, one, two])]
    clusters = clustering.Clusters(feats, [], twinned=set(), profiles={})
    weights = {0: {1: 3.0, 2: 2.5}, 1: {0: 3.0, 2: 1.0}, 2: {0: 2.5, 1: 1.0}}
    assert corroboration.refusal(clusters, feats, weights, 3.0, 0, 1, 0.0) is None
    assert corroboration.refusal(clusters, feats, weights, 3.0, 0, 1, 0.0,
                                 may_merge=lambda c, d: False) == "names_ambiguous"
