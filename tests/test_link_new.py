"""Incremental linking: every record ingested has a person before ``ingest`` returns."""

from __future__ import annotations

import json

import pytest

from link_batches import ingest_records, person
from reunify.actions.ingest import ingest_paths
from reunify.actions.link import link
from reunify.models import Identity, LedgerEntry, LinkRun, Person, PersonRecord
from reunify.queries.identities import identity_rows, records_without_person
from reunify.queries.search import search
from reunify.simulator import simulate

pytestmark = pytest.mark.django_db


def _persons() -> dict[tuple[str, str], int]:
    return {(s, r): p for s, r, p in
            Identity.objects.values_list("source", "record_id", "person_id")}


def test_before_any_link_run_each_new_record_is_a_person_of_its_own(tmp_path):
    """Without a model, two records of one person are two persons until a full run; the ingest
    wrote one ``link.new_records`` ledger entry; a full run then joins them."""
    ingest_records(tmp_path, [
        person("border", "b1", "Ana", "Ruiz", "1990-02-03", a_number="A200000001"),
        person("docket", "k1", "ANA", "RUIZ", "1990-02-03", a_number="200-000-001"),
    ])
    persons = dict(Identity.objects.values_list("record_id", "person_id"))
    assert set(persons) == {"b1", "k1"}
    assert persons["b1"] != persons["k1"]
    assert records_without_person() == 0
    entry = LedgerEntry.objects.get(type="link.new_records")
    assert json.loads(entry.body)["payload"]["persons_created"] == 2
    link(actor="tester", engine="deterministic")
    after = dict(Identity.objects.values_list("record_id", "person_id"))
    assert after["b1"] == after["k1"]
    assert after["b1"] in (persons["b1"], persons["k1"])


def test_a_record_ingested_again_in_a_new_version_keeps_its_person(tmp_path):
    """A changed record (a new version) has its person already: nothing is linked anew."""
    ingest_records(tmp_path / "one", [person("border", "b1", "Ana", "Ruiz", "1990-02-03")])
    before = Identity.objects.get(record_id="b1").person_id
    ingest_records(tmp_path / "two", [person("border", "b1", "Ana María", "Ruiz", "1990-02-03")])
    assert Identity.objects.get(record_id="b1").person_id == before
    assert LinkRun.objects.filter(engine="incremental").count() == 1


def test_new_records_join_known_persons_with_the_trained_model(tmp_path):
    """After a Splink run: a new record of a known person joins that person, a stranger gets
    a new person, both are in the identities and found by search when ``ingest`` returns,
    existing records keep their persons, and a second full run keeps every id."""
    simulate(tmp_path / "season", families=30, seed=3)
    ingest_paths([tmp_path / "season"], actor="tester")
    link(actor="tester", engine="splink")
    before = _persons()
    known = PersonRecord.objects.filter(is_current=True).exclude(a_number="")\
        .exclude(birth_date="").exclude(given_name="").order_by("source", "record_id").first()
    known_person = Identity.objects.get(source=known.source, record_id=known.record_id).person_id
    ingest_records(tmp_path / "day2", [
        person("newcomer", "n1", known.given_name, known.family_name, known.birth_date,
               a_number=known.a_number, sex=known.sex, country=known.country),
        person("newcomer", "n2", "Zacarías", "Quetzal Ixcoy", "1961-11-23",
               a_number="A987654321", sex="M"),
    ])
    # Before anything else runs: every record has a person, the new ones too.
    assert records_without_person() == 0
    ids = {(s, r): p for s, r, p in identity_rows()}
    assert ("newcomer", "n1") in ids
    assert ("newcomer", "n2") in ids
    persons = _persons()
    assert persons[("newcomer", "n1")] == known_person
    assert persons[("newcomer", "n2")] not in set(before.values())
    assert {k: persons[k] for k in before} == before
    assert search("Zacarías Quetzal")[0].person_pk == persons[("newcomer", "n2")]
    assert search("n1")[0].person_pk == known_person
    run = LinkRun.objects.filter(engine="incremental").latest("pk")
    assert run.stats["joined"] == 1
    assert run.stats["new_persons"] == 1
    link(actor="tester", engine="splink")
    assert _persons() == persons


def test_a_new_record_never_joins_a_person_it_cannot_be(tmp_path):
    """A new record that scores high against a known person but is a child where the known
    record is the parent of the same border group is refused: it becomes its own person."""
    ingest_records(tmp_path / "one", [
        person("border", "p", "Rosa", "Tzoc", "1988-01-02", a_number="A300000001", group="G1",
               role="parent"),
    ])
    link(actor="tester", engine="deterministic")
    parent = Identity.objects.get(record_id="p").person_id
    ingest_records(tmp_path / "two", [
        person("border", "c", "Rosa", "Tzoc", "1988-01-02", a_number="A300000001", group="G1",
               role="child"),
    ])
    assert Identity.objects.get(record_id="c").person_id != parent
    run = LinkRun.objects.filter(engine="incremental").latest("pk")
    assert run.stats["refused_merges"] == {"group_role": 1}


def test_a_batch_whose_linking_fails_is_not_written(tmp_path, monkeypatch):
    """Linking runs in the batch's transaction: when it fails, no record of the batch, no
    person and no ledger entry remain."""
    from reunify.actions import ingest as ingest_action
    from reunify.models import ImportBatch

    def broken(*, actor: str):
        raise RuntimeError("the linker broke")

    monkeypatch.setattr(ingest_action, "link_new_records", broken)
    with pytest.raises(RuntimeError, match="the linker broke"):
        ingest_records(tmp_path, [person("border", "b1", "Ana", "Ruiz", "1990-02-03")])
    assert not PersonRecord.objects.exists()
    assert not ImportBatch.objects.exists()
    assert not Identity.objects.exists()
    assert not LedgerEntry.objects.exists()


def test_without_a_model_a_large_batch_gets_one_person_per_record(tmp_path):
    """More records than one written chunk (2,000): each gets its own person, none twice."""
    ingest_records(tmp_path, [person("border", f"b{n}", "Ana", f"Ruiz{n}", "1990-02-03")
                              for n in range(2_500)])
    assert records_without_person() == 0
    assert Identity.objects.count() == 2_500
    assert Identity.objects.values("person").distinct().count() == 2_500
    run = LinkRun.objects.get(engine="incremental")
    assert run.stats["persons_created"] == 2_500
    # The persons' ids were given in one statement: the next person still gets a fresh id.
    highest = Identity.objects.order_by("-person_id").values_list("person_id", flat=True)[0]
    assert Person.objects.create(created_run=run).pk > highest


def test_a_model_trained_on_spark_scores_new_records_as_on_duckdb(tmp_path):
    """A full run's model written in Spark's SQL (as a Spark run stores it) scores new records
    with DuckDB exactly as the same model in DuckDB's SQL does."""
    from reunify.linkage import comparisons
    from reunify.linkage.engine import score_new
    from reunify.linkage.features import features, swapped_fields
    from reunify.models.linkage import linkage_records

    simulate(tmp_path / "season", families=30, seed=3)
    ingest_paths([tmp_path / "season"], actor="tester")
    run = link(actor="tester", engine="splink")
    model = json.loads(run.model_json)
    spark = json.loads(run.model_json)
    spark["sql_dialect"] = "spark"
    for comparison, written in zip(spark["comparisons"], comparisons.settings("spark")
                                   ["comparisons"], strict=True):
        for level, as_spark in zip(comparison["comparison_levels"],
                                   written["comparison_levels"], strict=True):
            level["sql_condition"] = as_spark["sql_condition"]
    assert spark["comparisons"] != model["comparisons"]  # some levels differ in Spark's SQL
    records = linkage_records()
    swapped = swapped_fields(records)
    feats = [features(i, r, swapped=i in swapped) for i, r in enumerate(records)]
    new = set(range(0, len(feats), 7))
    ours = score_new(feats, new, json.dumps(model))
    theirs = score_new(feats, new, json.dumps(spark))
    assert ours
    assert sorted(theirs) == sorted(ours)
