"""Hard constraints of family structure hold whatever the scores say (reunify.linkage)."""

from __future__ import annotations

from reunify.linkage import clustering
from reunify.linkage.features import features, swapped_fields
from reunify.linkage.records import Decision, Profile, Relation
from reunify.linkage.resolution import resolve

#: The test sources' profiles (as the simulator's sources describe themselves): the rules
#: that depend on a profile read these, never the names.
PROFILES = {"border": Profile(family_units=True, custody=True), "docket": Profile("adults"),
            "detention": Profile(family_units=True, custody=True),
            "shelter": Profile("minors", custody=True)}


def _record(record_id: str, given: str, family: str, birth: str, **extra: str) -> dict:
    return {"source": extra.pop("source", "border"), "record_id": record_id,
            "given_name": given, "family_name": family, "birth_date": birth, **extra}


def _cluster(feats: list[dict], edges: list[tuple[float, int, int]], **kw):
    return clustering.cluster(feats, edges, accept=2.0, **{"profiles": PROFILES, **kw})


def _clusters(records: list[dict], edges: list[tuple[float, int, int]], **kw) -> list[list[int]]:
    feats = [features(i, r) for i, r in enumerate(records)]
    groups, _refused = clustering.cluster(feats, edges, accept=2.0,
                                          **{"profiles": PROFILES, **kw})
    return groups


def test_son_named_after_his_father_is_not_merged():
    """Juan Carlos Pérez Sr (1980) and Jr (2004): same name, even a strong score, two people."""
    records = [_record("sr", "Juan Carlos", "Pérez López", "1980-04-02"),
               _record("jr", "Juan Carlos", "Pérez López", "2004-01-01", source="shelter")]
    assert _clusters(records, [(30.0, 0, 1)]) == [[0], [1]]


def test_son_named_after_his_father_by_stated_relation():
    """With no birth dates, the source's own parent_of relation keeps father and son apart."""
    records = [_record("sr", "Juan", "Pérez", ""), _record("jr", "Juan", "Pérez", "")]
    result = resolve(records, relations=[Relation(("border", "sr"), "parent_of",
                                                  ("border", "jr"))], engine="deterministic")
    assert sorted(result.clusters) == [[("border", "jr")], [("border", "sr")]]


def test_twins_are_not_merged():
    """Twins share surnames, birth date, group and phone; different given names keep them
    two people even when the pair scores high."""
    twins = [_record("t1", "Ana", "Caal Xol", "2012-06-01", group_id="G", group_role="child"),
             _record("t2", "María", "Caal Xol", "2012-06-01", group_id="G",
                     group_role="child")]
    assert _clusters(twins, [(25.0, 0, 1)]) == [[0], [1]]


def test_nickname_is_not_a_different_given_name():
    """'José' and 'Pepe' with a strong score are one person (the twins rule does not fire)."""
    records = [_record("a", "José", "Hernández", "2001-02-03"),
               _record("b", "Pepe", "Hernandez", "2001-02-03", source="shelter")]
    assert _clusters(records, [(12.0, 0, 1)]) == [[0, 1]]


def test_same_group_different_roles_never_merge_even_through_others():
    """Parent and child of one group stay apart even when a third record links to both."""
    records = [_record("p", "Rosa", "Tzoc", "1990", group_id="G", group_role="parent"),
               _record("c", "Rosa", "Tzoc", "1991", group_id="G", group_role="child"),
               _record("x", "Rosa", "Tzoc", "1990", source="docket")]
    groups = _clusters(records, [(20.0, 0, 2), (19.0, 1, 2)])
    assert [0, 1] not in groups
    assert not any({0, 1} <= set(g) for g in groups)


def test_a_weak_link_does_not_chain_two_strong_clusters():
    """Two tight clusters of three records each, joined by one barely-accepted pair, stay two:
    the pairs between them average far below the acceptance weight."""
    records = [_record(f"a{i}", "Luis", "Pérez", "1990-01-01") for i in range(3)] + \
              [_record(f"b{i}", "Luis", "Pérez", "1991-07-07") for i in range(3)]
    strong = [(15.0, i, j) for i in range(3) for j in range(i + 1, 3)] + \
             [(15.0, i, j) for i in range(3, 6) for j in range(i + 1, 6)]
    groups = _clusters(records, [*strong, (2.5, 2, 3)])
    assert groups == [[0, 1, 2], [3, 4, 5]]


def test_decisions_bind_the_clustering():
    """A ``different`` decision splits a strong pair; a ``same`` decision joins an unscored one."""
    records = [_record("a", "Luis", "Pérez", "1990-01-01", a_number="A111111111"),
               _record("b", "Luis", "Pérez", "1990-01-01", a_number="A111111111",
                       source="docket"),
               _record("c", "Carla", "Mejía", "1970", source="shelter")]
    result = resolve(records, engine="deterministic", decisions=[
        Decision(("border", "a"), ("docket", "b"), same=False),
        Decision(("border", "a"), ("shelter", "c"), same=True)])
    assert sorted(map(sorted, result.clusters)) == [
        [("border", "a"), ("shelter", "c")], [("docket", "b")]]


def test_conflicting_a_numbers_never_merge():
    """Two A-numbers more than two slips apart are two people, however alike the names."""
    records = [_record("a", "Luis", "López Gómez", "2004-05-18", a_number="A274478054"),
               _record("b", "Luis", "López Gómez", "2004-05-18", a_number="A278032596",
                       source="shelter")]
    assert _clusters(records, [(20.0, 0, 1)]) == [[0], [1]]


def test_swapped_name_fields_are_put_back():
    """A record whose given field holds words the others use as surnames (and the other way
    round) is read with its fields swapped."""
    records = [_record(f"r{i}", "María", f"Orellana {s}", "2001") for i, s in
               enumerate(["López", "Pérez", "Cruz", "Díaz"])]
    records.append(_record("x", "Orellana", "María", "2001", source="shelter"))
    assert swapped_fields(records) == {4}
    assert features(4, records[4], swapped=True)["given_first"] == \
        features(0, records[0])["given_first"]


def test_compound_name_cut_to_different_halves_joins_through_the_full_name():
    """'Luis' (border) and 'Carlos' (docket) are one man when his detention record writes
    'Luis Carlos' and links to both, even though the border also holds his twin 'Pedro'."""
    records = [_record("a", "Luis", "Cux López", "1995-05-04"),
               _record("b", "Luis Carlos", "Cux López", "1995-05-04", source="detention"),
               _record("c", "Carlos", "Cux López", "1995-05-04", source="docket"),
               _record("t", "Pedro", "Cux López", "1995-05-04")]
    assert _clusters(records, [(12.0, 0, 1), (11.0, 1, 2), (8.0, 0, 2)]) == [[0, 1, 2], [3]]


def test_different_given_names_part_records_only_where_a_twin_is():
    """'Luis' (border) and 'Carlos' (docket), alike in all else, are one man cut to two halves
    of his compound name, unless a source holds a same-age sibling of one of them (here the
    border's 'Pedro' of the same surnames and birth date): then nothing tells twins apart."""
    alone = [_record("a", "Luis", "Cux López", "1995-05-04"),
             _record("c", "Carlos", "Cux López", "1995-05-04", source="docket")]
    assert _clusters(alone, [(8.0, 0, 1)]) == [[0, 1]]
    twin = _record("t", "Pedro", "Cux", "1995-05-04")
    assert _clusters([*alone, twin], [(8.0, 0, 1)]) == [[0], [1], [2]]
    stranger = _record("s", "Pedro", "Cux López", "1995-06-04")
    assert _clusters([*alone, stranger], [(8.0, 0, 1)]) == [[0, 1], [2]]


def test_a_namesake_born_the_same_day_is_a_twin_only_when_met_together():
    """A source's 'Pedro' of the same surname and birth date is a twin of its 'Luis' (who
    then stays apart from the docket's 'Carlos') only when the two were met at one
    encounter: in one family unit, or first seen within days of each other when either has
    none. Booked two months apart, or in two family units, he is a stranger born the same
    day (such pairs grow with the square of a source's records) and 'Luis' and 'Carlos' are
    one man again."""
    seen = {"seen_from": "2018-05-01", "seen_to": "2018-05-02"}
    alone = [_record("a", "Luis", "Cux López", "1995-05-04", **seen),
             _record("c", "Carlos", "Cux López", "1995-05-04", source="docket", **seen)]
    booked_with = _record("t", "Pedro", "Cux", "1995-05-04", seen_from="2018-05-06",
                          seen_to="2018-05-06")
    assert _clusters([*alone, booked_with], [(8.0, 0, 1)]) == [[0], [1], [2]]
    booked_later = {**booked_with, "seen_from": "2018-07-01", "seen_to": "2018-07-02"}
    assert _clusters([*alone, booked_later], [(8.0, 0, 1)]) == [[0, 1], [2]]
    in_units = [{**alone[0], "group_id": "G", "group_role": "parent"}, alone[1]]
    other_unit = {**booked_with, "group_id": "H", "group_role": "parent"}
    assert _clusters([*in_units, other_unit], [(8.0, 0, 1)]) == [[0, 1], [2]]
    same_unit = {**booked_later, "group_id": "G", "group_role": "parent"}
    assert _clusters([*in_units, same_unit], [(8.0, 0, 1)]) == [[0], [1], [2]]


def test_full_compound_names_of_twins_are_no_bridge():
    """'María José' and 'María Fernanda' (twins) stay apart even when a record 'María'
    links to both: the bridge needs a record naming both halves without being a sibling."""
    records = [_record("a", "María José", "Caal", "2012-06-01"),
               _record("b", "María", "Caal", "2012-06-01", source="shelter"),
               _record("c", "María Fernanda", "Caal", "2012-06-01", source="detention")]
    groups = _clusters(records, [(12.0, 0, 1), (11.0, 1, 2), (10.0, 0, 2)])
    assert not any({0, 2} <= set(g) for g in groups)


def test_a_shared_a_number_vouches_for_a_second_given_name():
    """'José' and 'Ángel' under one A-number are one man (his compound name cut to either
    half); a docket's 'JOSE' without A-number then joins him, where twins with no A-number
    in common would stay apart."""
    records = [_record("a", "José", "Reyes Mendoza", "1968-08-14", a_number="A246856661"),
               _record("b", "Angel", "Reyes Mendoza", "1968-08-14", source="detention",
                       a_number="246856661"),
               _record("c", "JOSE", "REYES MENDOZA", "1968-08-14", source="docket")]
    assert _clusters(records, [(20.0, 0, 1), (16.0, 0, 2), (4.0, 1, 2)]) == [[0, 1, 2]]
    twins = [_record("a", "José", "Reyes Mendoza", "2010-08-14", a_number="A246856661"),
             _record("b", "Angel", "Reyes Mendoza", "2010-08-14", source="detention",
                     a_number="219938812"),
             _record("c", "JOSE", "REYES MENDOZA", "2010-08-14", source="docket")]
    groups = _clusters(twins, [(20.0, 0, 1), (16.0, 0, 2), (4.0, 1, 2)])
    assert not any({0, 1} <= set(g) for g in groups)


def test_an_adult_and_a_minor_are_never_one_person():
    """A docket record (adults are charged) never joins a shelter record (ORR holds minors),
    even with one name and a strong score; nor a family unit's child a docket record."""
    records = [_record("d", "Miguel", "Pu Sic", "", source="docket"),
               _record("s", "Miguel Carlos", "Pu", "", source="shelter"),
               _record("c", "Miguel", "Pu", "", group_id="G", group_role="child")]
    feats = [features(i, r) for i, r in enumerate(records)]
    groups, refused = _cluster(feats, [(15.0, 0, 1), (14.0, 0, 2)])
    assert groups == [[0], [1], [2]]
    assert refused == {"adult_and_minor": 2}


def test_a_person_decided_adult_and_minor_joins_no_one_more():
    """A cluster a person's ``same`` decision made of an adult's and a minor's records is
    already impossible: no other record joins it, even one that says no age of its own."""
    records = [_record("d", "Miguel", "Pu Sic", "", source="docket"),
               _record("s", "Miguel", "Pu Sic", "", source="shelter"),
               _record("x", "Miguel", "Pu Sic", "", source="detention")]
    feats = [features(i, r) for i, r in enumerate(records)]
    groups, refused = _cluster(feats, [(15.0, 0, 2)], must=[(0, 1)])
    assert groups == [[0, 1], [2]]
    assert refused == {"adult_and_minor": 1}


def _seen(record: dict, day: str = "2018-05-10") -> dict:
    return {**record, "seen_from": day, "seen_to": day}


def test_one_source_puts_a_person_in_one_family_unit():
    """Two border records in two family units are two people, however alike; a second
    booking in the same unit (a re-encounter) is the same person."""
    records = [_record("a", "Luis", "Rodríguez", "1990-05-29", group_id="FU-1",
                       group_role="parent"),
               _record("b", "Luis", "Rodríguez", "1990-05-29", group_id="FU-2",
                       group_role="parent"),
               _record("c", "Luis", "Rodríguez", "1990-05-29", group_id="FU-1",
                       group_role="parent")]
    groups, refused = _cluster([features(i, r) for i, r in enumerate(records)],
                                         [(20.0, 0, 1), (19.0, 0, 2)])
    assert groups == [[0, 2], [1]]
    assert refused == {"two_family_units": 1}


def test_a_child_booked_alone_is_not_a_child_booked_with_family():
    """The border books a child with its family or as unaccompanied: a minor's border record
    without a unit and one in a family unit are two children. An adult's record without a
    unit may be a parent's whose unit link was lost, and joins."""
    child = [_seen(_record("a", "José", "Tzoc", "2009-01-01")),
             _seen(_record("b", "José", "Shol Tzoc", "2009-04-10", group_id="FU-1",
                           group_role="child"))]
    feats = [features(i, r) for i, r in enumerate(child)]
    assert _cluster(feats, [(8.0, 0, 1)])[0] == [[0], [1]]
    adult = [_seen(_record("a", "José", "Tzoc", "1980-01-01")),
             _seen(_record("b", "José", "Shol Tzoc", "1980-04-10", group_id="FU-1",
                           group_role="parent"))]
    feats = [features(i, r) for i, r in enumerate(adult)]
    assert _cluster(feats, [(8.0, 0, 1)])[0] == [[0, 1]]
    # Sixteen at the border (born in November 2001, seen in May 2018) is a minor.
    teen = [_seen(_record("a", "Ana", "Ordóñez", "2001-11-22")),
            _seen(_record("b", "Ana", "Ordóñez", "2001-01-07", group_id="FU-1",
                          group_role="child"))]
    feats = [features(i, r) for i, r in enumerate(teen)]
    assert _cluster(feats, [(8.0, 0, 1)])[0] == [[0], [1]]


def test_children_of_one_family_unit_born_on_distinct_days_are_two_children():
    """Sisters both written "MARÍA" in one detention family group, born in January and May of
    one year, stay two children even when a third record links to both; a mistyped day in
    the same month does not part them."""
    records = [_record("a", "María", "Tobar Hernández", "2006-01-10", source="detention",
                       group_id="G", group_role="child"),
               _record("b", "María", "Tobar Hernández", "2006-05-04", source="detention",
                       group_id="G", group_role="child"),
               _record("c", "María", "Tobar Hernández", "2006-01-01", source="shelter")]
    groups, refused = _cluster([features(i, r) for i, r in enumerate(records)],
                                         [(20.0, 0, 2), (19.0, 1, 2)])
    assert not any({0, 1} <= set(g) for g in groups)
    assert refused == {"group_birth_dates": 1}
    records[1]["birth_date"] = "2006-01-19"
    groups, _ = _cluster([features(i, r) for i, r in enumerate(records)],
                                   [(20.0, 0, 2), (19.0, 1, 2)])
    assert groups == [[0, 1, 2]]


def test_a_source_never_holds_one_person_under_two_records_at_once():
    """Two shelter records of a "María Méndez" held in two shelters over the same weeks are two
    children, however alike; a transfer re-booked as a new record (the second starting where
    the first ends) and a duplicate booking of one day are one child."""
    def held(record_id: str, start: str, end: str) -> dict:
        return {**_record(record_id, "María", "Méndez", "2004", source="shelter"),
                "seen_from": start, "seen_to": end}

    feats = [features(i, r) for i, r in enumerate([
        held("a", "2018-05-31", "2018-08-06"), held("b", "2018-06-14", "2018-08-17")])]
    groups, refused = _cluster(feats, [(9.0, 0, 1)])
    assert (groups, refused) == ([[0], [1]], {"held_twice": 1})
    for later in (held("b", "2018-08-06", "2018-09-01"), held("b", "2018-05-31", "2018-05-31")):
        feats = [features(i, r) for i, r in enumerate([held("a", "2018-05-31", "2018-08-06"),
                                                        later])]
        assert _cluster(feats, [(9.0, 0, 1)])[0] == [[0, 1]]


def test_blocking_keys_of_a_street_address_and_of_sex():
    """A street address gives keys of its house number (with the street, with each surname);
    a village, shared by too many, gives none. Surname and birth year go with the sex, under
    both sexes when the record does not say."""
    from reunify.linkage.features import block_keys

    street = features(0, _record("a", "Laura", "Hefford", "", address="3 partridge street"))
    assert sorted(block_keys(street)) == ["ad:3:PARTRIDGE", "as:EFORD:3", "sg:EFORD:LAURA"]
    village = features(1, _record("b", "Ana", "Tzoc", "", address="Aldea Sesajal, Carchá"))
    assert not [k for k in block_keys(village) if k.startswith(("ad:", "as:"))]
    unsexed = features(2, _record("c", "Ana", "Tzoc", "2001-05-06"))
    female = features(3, _record("d", "Ana", "Tzoc", "2001-05-06", sex="F"))
    year_keys = [k for k in block_keys(unsexed) if k.startswith("sy:")]
    assert len(year_keys) == 2 * len(unsexed["surnames"])
    assert {k for k in block_keys(female) if k.startswith("sy:")} < set(year_keys)


def test_clustering_tells_which_rule_refused_each_pair():
    """``cluster(refusals=...)`` receives every refused pair with the rule that refused it,
    as many by rule as the counts it returns (bench/identity_errors.py classes missed joins
    by it)."""
    records = [_record("sr", "Juan Carlos", "Pérez López", "1980-04-02"),
               _record("jr", "Juan Carlos", "Pérez López", "2004-01-01", source="shelter"),
               _record("d", "Juan Carlos", "Pérez López", "", source="docket")]
    feats = [features(i, r) for i, r in enumerate(records)]
    told: dict = {}
    groups, refused = _cluster(feats, [(30.0, 0, 1), (20.0, 0, 2), (19.0, 1, 2)],
                               refusals=told)
    assert told == {(0, 1): "age_gap", (1, 2): "age_gap"}
    assert refused == {"age_gap": 2}
    assert groups == [[0, 2], [1]]
