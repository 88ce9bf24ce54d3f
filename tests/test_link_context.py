"""Family context's named relatives: a relative one record's source names without a record of
theirs (a child's parent, as the child says the name) who is the person of a companion of the
other record is evidence of its own, weighed from the data (docs/linkage.md, Family context)."""

from __future__ import annotations

import pytest

from reunify.linkage import context
from reunify.linkage.batch_files import read_batch
from reunify.linkage.features import features


def _feats(*records: dict) -> list[dict]:
    return [features(i, {"source": "s", "record_id": f"r{i}", **r}) for i, r in
            enumerate(records)]


def _family(named: list[tuple[str, str, str]], parent: dict | None = None) -> tuple:
    """A shelter child naming ``named``, and a border child grouped with ``parent``: the
    features, the companions (the border child's is the parent) and one person per record."""
    feats = _feats(
        {"source": "shelter", "family_name": "Jiménez Sánchez", "given_name": "Juan",
         "named": named},
        {"source": "border", "family_name": "JIMENEZ", "given_name": "JUAN", "group_id": "FU-1",
         "group_role": "child"},
        {"source": "border", "family_name": "Jimenez", "given_name": "Baltazar",
         "group_id": "FU-1", "group_role": "parent", **(parent or {})},
    )
    mates = context.companions(feats, [])
    return feats, mates, {i: i for i in range(len(feats))}


@pytest.mark.parametrize("named", [
    [("Baltazar Jiménez", "", "")],          # given name, then surname
    [("JIMENEZ BALTASAR", "", "")],          # the other way round, spelled by ear
    [("Jiménez, Baltazar", "", "")],         # "FAMILY, GIVEN"
    [("Papá", "A 205-481-283", "")],         # no name in common: the A-number
])
def test_a_named_parent_who_is_the_others_companion_is_its_own_level(named):
    """The shelter child's named parent is the border child's grouped parent (by a given name
    and a surname in either order, by a one-word given name, or by A-number): the pair hits
    the level "a relative one names is a companion of the other"."""
    feats, mates, cluster_of = _family(named, {"a_number": "205481283"})
    persons = context._Persons(feats, cluster_of)
    assert context._level(0, 1, feats, mates, cluster_of, persons) == context.NAMED


def test_a_named_parent_by_a_given_name_alone_is_a_level_of_its_own():
    """A child who names the parent by a given name alone ("Balta", "Baltazar"): the pair
    hits the level of a relative named by a given name alone, weaker evidence than a given
    name with a surname, which the data weigh apart."""
    feats, mates, cluster_of = _family([("Balta", "", ""), ("Baltazar", "", "")])
    persons = context._Persons(feats, cluster_of)
    assert context._level(0, 1, feats, mates, cluster_of, persons) == context.NAMED_GIVEN


def test_a_named_parent_of_another_name_is_not_the_companion():
    """A named parent whose names are not the companion's (the given name alone is not
    enough when the name has a surname of another) hits the negative level; a record that
    names nobody gets no level unless both records have companions."""
    feats, mates, cluster_of = _family([("Baltazar Ramos", "", "")])
    persons = context._Persons(feats, cluster_of)
    assert context._level(0, 1, feats, mates, cluster_of, persons) == context.NOT_NAMED
    feats, mates, cluster_of = _family([])
    persons = context._Persons(feats, cluster_of)
    assert context._level(0, 1, feats, mates, cluster_of, persons) is None


def test_the_named_level_is_weighed_from_the_data_and_added():
    """With accepted pairs that mostly hit the named level and clear non-matches that rarely
    do, the level weighs more than zero and is added to a pair that hits it; the estimates are
    returned by level, and the pair shows the comparison."""
    records, edges = [], []
    for n in range(24):
        # Letters, not digits: names are compared by their letters.
        surname, father = f"Apellido{chr(65 + n)}", f"Padre{chr(65 + n)}"
        parent = father if n < 12 else "Otro"
        base = len(records)
        records += [
            {"source": "shelter", "family_name": surname, "given_name": "Hijo",
             "named": [(f"{parent} {surname}", "", "")]},
            {"source": "border", "family_name": surname, "given_name": "Hijo",
             "group_id": f"G{n}", "group_role": "child"},
            {"source": "border", "family_name": surname, "given_name": father,
             "group_id": f"G{n}", "group_role": "parent"},
        ]
        # The first twelve are accepted and name their parent; the rest are clear
        # non-matches naming someone else.
        edges.append((5.0 if n < 12 else -7.0, base, base + 1))
    edges.append((-1.0, 0, 4))  # the first child's named parent is not the fourth's parent
    feats = _feats(*records)
    mates = context.companions(feats, [])
    cluster_of = {i: i for i in range(len(feats))}
    adjusted, model, shown = context.adjust(edges, mates, cluster_of, 0.0, feats)
    assert model is not None
    assert model["weights"][context.NAMED] > 3
    assert model["weights"][context.NOT_NAMED] < 0
    by_pair = {(i, j): w for w, i, j in adjusted}
    assert by_pair[(0, 1)] == pytest.approx(5.0 + model["weights"][context.NAMED])
    assert shown[(0, 1)]["level"] == context.NAMED
    assert shown[(0, 4)]["level"] == context.NOT_NAMED


def test_relatives_named_without_a_record_are_read_from_batch_files(tmp_path):
    """``read_batch`` gives each record the relatives its source names without a record
    (name, A-number, phone), as the store does; relations between records stay relations."""
    (tmp_path / "shelter.persons.csv").write_text(
        "source,record_id,family_name,given_name\nshelter,C1,Tiul,Carmen\n"
        "shelter,C2,Tiul,Rosa\n", encoding="utf-8")
    (tmp_path / "shelter.relations.csv").write_text(
        "source,record_id,relation,other_record_id,other_name,other_a_number,other_phone\n"
        "shelter,C1,child_of,,José Tzoc,A205481283,\nshelter,C1,sibling_of,C2,,,\n",
        encoding="utf-8")
    records, relations = read_batch(tmp_path)
    by_id = {r["record_id"]: r for r in records}
    assert by_id["C1"]["named"] == [("José Tzoc", "A205481283", "")]
    assert by_id["C2"]["named"] == []
    assert [(r.left, r.right) for r in relations] == [(("shelter", "C1"), ("shelter", "C2"))]


@pytest.mark.django_db
def test_relatives_named_without_a_record_are_read_from_the_store():
    """The linker's records from the store carry the relatives each names without a record;
    a relation to a record of the source is not among them."""
    from family_store import StoreBuilder
    from reunify.models.linkage import linkage_records

    store = StoreBuilder()
    store.person("shelter", "C1", given="Carmen", family="Tiul")
    store.person("shelter", "C2", given="Rosa", family="Tiul")
    store.relation("shelter", "C1", "child_of", other_name="José Tzoc", other_phone="55123456")
    store.relation("shelter", "C1", "sibling_of", other_record_id="C2")
    by_id = {r["record_id"]: r for r in linkage_records()}
    assert by_id["C1"]["named"] == [("José Tzoc", "", "55123456")]
    assert by_id["C2"]["named"] == []
    assert linkage_records([("shelter", "C1")])[0]["named"] == [("José Tzoc", "", "55123456")]


def test_a_first_name_with_a_kinsmans_makes_two_records_candidates():
    """A border child grouped with her father and the shelter's record of her naming that
    father share no other blocking key (another surname recorded, no birth date) but meet
    under the key of her first name with his; a stranger's record naming another father does
    not."""
    import duckdb

    from reunify.linkage.blocking import candidate_pairs
    from reunify.linkage.features import add_kin, block_keys

    feats = _feats(
        {"source": "border", "family_name": "López", "given_name": "Ana",
         "birth_date": "2004-03-02", "group_id": "FU-1", "group_role": "child"},
        {"source": "border", "family_name": "López", "given_name": "José",
         "birth_date": "1980-01-05", "group_id": "FU-1", "group_role": "parent"},
        {"source": "shelter", "family_name": "Cruz", "given_name": "Ana",
         "named": [("José López", "", "")]},
        {"source": "shelter", "family_name": "Cruz", "given_name": "Ana",
         "named": [("Pedro", "", "")]},
    )
    assert not set(block_keys(feats[0])) & set(block_keys(feats[2]))
    add_kin(feats, context.companions(feats, []))
    assert "k:ANA:OSE" in set(block_keys(feats[0])) & set(block_keys(feats[2]))
    con = duckdb.connect()
    try:
        candidate_pairs(con, feats)
        pairs = set(con.execute("SELECT l, r FROM candidate_pairs").fetchall())
    finally:
        con.close()
    assert (0, 2) in pairs
    assert (0, 3) not in pairs
