"""Link runs: every record gets a person, persons keep their ids, constraints hold, ledgered."""

from __future__ import annotations

import hashlib
import json

import pytest

from link_batches import ingest_records, person
from reunify.actions.link import link
from reunify.models import Identity, LedgerEntry, LinkRun, Person
from reunify.queries.identities import identity_rows

pytestmark = pytest.mark.django_db


def _persons() -> list[set[tuple[str, str]]]:
    by_person: dict[int, set] = {}
    for i in Identity.objects.all():
        by_person.setdefault(i.person_id, set()).add((i.source, i.record_id))
    return sorted(by_person.values(), key=sorted)


def test_every_record_gets_a_person_and_the_run_is_ledgered(tmp_path):
    """Deterministic run: one A-number in two formats is one person; a singleton is a person
    too; the run keeps its model and sha256, and its ledger entry names both."""
    ingest_records(tmp_path, [
        person("border", "b1", "María José", "García López", "1985-03-14", a_number="A123456789"),
        person("detention", "d1", "MARIA", "GARCIA", "1985-03-14", a_number="123-456-789"),
        person("border", "b2", "Luis", "Pérez", "2011"),
    ])
    run = link(actor="tester", engine="deterministic")
    assert _persons() == [{("border", "b1"), ("detention", "d1")}, {("border", "b2")}]
    assert run.stats["records"] == 3
    assert run.stats["persons"] == 2
    assert run.model_sha256 == hashlib.sha256(run.model_json.encode()).hexdigest()
    entry = LedgerEntry.objects.get(type="link.run")
    body = json.loads(entry.body)
    assert body["payload"]["link_run"] == run.pk
    assert body["payload"]["model_sha256"] == run.model_sha256
    rows = list(identity_rows())
    assert [(s, r) for s, r, _p in rows] == [("border", "b1"), ("border", "b2"),
                                             ("detention", "d1")]
    assert rows[0][2] == rows[2][2] != rows[1][2]
    assert rows[0][2].startswith("P")


def test_person_ids_persist_across_runs(tmp_path):
    """A second run keeps every person id; a new record of a known person joins that person."""
    ingest_records(tmp_path / "one", [
        person("border", "b1", "Ana", "Ruiz", "1990-02-03", a_number="A200000001"),
        person("border", "b2", "Luis", "Pérez", "1980-05-06", a_number="A200000002"),
    ])
    link(actor="tester", engine="deterministic")
    before = dict(Identity.objects.values_list("record_id", "person_id"))
    link(actor="tester", engine="deterministic")
    assert dict(Identity.objects.values_list("record_id", "person_id")) == before
    ingest_records(tmp_path / "two", [
        person("docket", "k1", "ANA", "RUIZ", "1990-02-03", a_number="200-000-001"),
    ])
    # The ingest linked k1 already (incremental linking); the full run agrees and moves nobody.
    assert Identity.objects.get(record_id="k1").person_id == before["b1"]
    run = link(actor="tester", engine="deterministic")
    after = dict(Identity.objects.values_list("record_id", "person_id"))
    assert after["k1"] == before["b1"]
    assert after["b2"] == before["b2"]
    assert run.stats["persons_created"] == 0
    assert run.stats["identities_moved"] == 0
    assert Person.objects.count() == 2
    assert LinkRun.objects.exclude(engine="incremental").count() == 3


def test_same_group_different_roles_are_never_one_person(tmp_path):
    """A parent and a child of one border group sharing an A-number (a clerk's copy) stay two
    people; the refusal is counted."""
    ingest_records(tmp_path, [
        person("border", "p", "Rosa", "Tzoc", "1988-01-02", a_number="A300000001", group="G1",
               role="parent"),
        person("border", "c", "Rosa", "Tzoc", "1989-01-02", a_number="A300000001", group="G1",
               role="child"),
    ])
    run = link(actor="tester", engine="deterministic")
    assert _persons() == [{("border", "c")}, {("border", "p")}]
    assert run.stats["refused_merges"] == {"group_role": 1}


def test_unknown_engine_and_missing_actor_are_refused():
    """An engine reunify does not have, or a run without an actor, is refused."""
    with pytest.raises(ValueError, match="engine"):
        link(actor="tester", engine="magic")
    with pytest.raises(ValueError, match="actor"):
        link(actor=" ", engine="deterministic")


def test_the_cycle_collector_is_off_from_reading_to_writing_and_back_after(tmp_path,
                                                                         monkeypatch):
    """The whole run (reading the records, writing the identities) runs with Python's cycle
    collector off, as resolving does, and leaves it on as it found it: the run's hundred
    thousand live objects are not rescanned for nothing."""
    import gc

    from reunify.actions import link as link_action

    ingest_records(tmp_path, [person("border", "b1", "Luis", "Pérez", "2011")])
    seen = []
    read, write = link_action.linkage_records, link_action._write_identities
    monkeypatch.setattr(link_action, "linkage_records",
                        lambda: seen.append(("read", gc.isenabled())) or read())
    monkeypatch.setattr(link_action, "_write_identities",
                        lambda *a: seen.append(("write", gc.isenabled())) or write(*a))
    assert gc.isenabled()
    link(actor="tester", engine="deterministic")
    assert seen == [("read", False), ("write", False)]
    assert gc.isenabled()
