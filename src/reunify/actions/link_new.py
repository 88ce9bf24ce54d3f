"""Incremental linking: give every current person-record without a person one, at once.

``reunify ingest`` calls :func:`link_new_records` inside its own transaction, so a batch's
records are in ``export identities`` and found by search before the ingest returns. The new
records are scored against every current record with the latest *full* link run's model
(:mod:`reunify.linkage.incremental`); a record that matches nobody becomes a new person of its
own, and without any full run yet every new record does. Existing records never change person.
The run is stored as a :class:`~reunify.models.LinkRun` with ``engine="incremental"`` (its
persons and identities point to it) and one ``link.new_records`` ledger entry.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils import timezone

from reunify.actions.ledger import append_entry, in_transaction
from reunify.actions.link import _decisions_in_force, _relations
from reunify.actions.store_lock import rebuild_lock
from reunify.linkage.incremental import attach
from reunify.linkage.records import Key, Profile
from reunify.linkage.resolution import ENGINES
from reunify.models import Identity, LinkRun, Person, PersonRecord
from reunify.models.linkage import linkage_records
from reunify.models.profile import linkage_profiles

#: The engine name of an incremental run (never a full run's model).
INCREMENTAL = "incremental"
_BATCH = 2000


def _latest_full_run() -> LinkRun | None:
    """The most recent finished full link run (whose model new records are scored with)."""
    return LinkRun.objects.exclude(finished_at=None).exclude(engine=INCREMENTAL)\
        .order_by("-pk").first()


def _unlinked():
    """Current person-records no identity holds (a queryset)."""
    return PersonRecord.objects.filter(is_current=True).filter(~Exists(Identity.objects.filter(
        source=OuterRef("source"), record_id=OuterRef("record_id"))))


def _write(run: LinkRun, joined: dict[Key, int], fresh: list[list[Key]]) -> dict[str, int]:
    """Identities for records joining known persons, and a new person per fresh group."""
    created = Person.objects.bulk_create([Person(created_run=run) for _ in fresh],
                                         batch_size=_BATCH)
    identities = [Identity(source=k[0], record_id=k[1], person_id=p, run=run)
                  for k, p in joined.items()]
    for person, members in zip(created, fresh, strict=True):
        identities.extend(Identity(source=k[0], record_id=k[1], person=person, run=run)
                          for k in members)
    Identity.objects.bulk_create(identities, batch_size=_BATCH)
    return {"persons_created": len(created), "identities_created": len(identities)}


#: Every current person-record no identity holds, each once, numbered in key order.
_UNLINKED_SQL = """
    SELECT source, record_id, row_number() OVER (ORDER BY source, record_id) AS n
    FROM (SELECT DISTINCT r.source, r.record_id FROM reunify_person_record r
          WHERE r.is_current AND NOT EXISTS (
              SELECT 1 FROM reunify_identity i
              WHERE i.source = r.source AND i.record_id = r.record_id)) AS unlinked
"""
# Constant SQL (values go as parameters).
_PERSONS_SQL = ("INSERT INTO reunify_person (id, created_run_id) "  # noqa: S608 # nosec B608
                f"SELECT %s + n, %s FROM ({_UNLINKED_SQL}) AS numbered")
_IDENTITIES_SQL = ("INSERT INTO reunify_identity (source, record_id, person_id, run_id) "  # noqa: S608 # nosec B608
                   f"SELECT source, record_id, %s + n, %s FROM ({_UNLINKED_SQL}) AS numbered")


def _each_its_own(run: LinkRun) -> dict:
    """No model yet: each record without a person becomes a person of its own, in two
    set-oriented statements (a batch of a million records never becomes a million Python
    objects): persons numbered after the largest id, then identities under the same numbers.
    Only link actions create persons, and they hold the rebuild lock: the ids are free."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM reunify_person")
        base = cursor.fetchone()[0]
        cursor.execute(_PERSONS_SQL, [base, run.pk])
        created = cursor.rowcount
        cursor.execute(_IDENTITIES_SQL, [base, run.pk])
        if connection.vendor == "postgresql":
            # Ids were given explicitly: the sequence must move past them.
            cursor.execute("SELECT setval(pg_get_serial_sequence('reunify_person', 'id'), "
                           "(SELECT max(id) FROM reunify_person))")
    return {"new_records": created, "scored_pairs": 0, "joined": 0, "new_persons": created,
            "refused_merges": {}, "persons_created": created, "identities_created": created}


def link_new_records(*, actor: str) -> LinkRun | None:
    """Give each current person-record without a person a person; None when none lacked one.

    Takes the store's rebuild lock (re-entrant: ingest already holds it) and runs in one
    transaction with its ledger entry.
    """
    if not actor or not actor.strip():
        raise ValueError("linking new records needs an actor")
    with rebuild_lock(), in_transaction():
        if not _unlinked().exists():
            return None
        started = timezone.now()
        base = _latest_full_run()
        engine = base.engine if base is not None and base.engine in ENGINES else None
        run = LinkRun.objects.create(
            actor=actor, started_at=started, engine=INCREMENTAL,
            model_sha256=base.model_sha256 if base is not None else "",
            params={"base_run": base.pk if base is not None else None,
                    "base_engine": engine or ""},
        )
        if engine is None:
            stats = _each_its_own(run)
        else:
            persons = {(s, r): p for s, r, p in
                       Identity.objects.values_list("source", "record_id", "person_id")}
            profiles = {source: Profile.of(p) for source, p in linkage_profiles().items()}
            attachment = attach(linkage_records(), persons, engine=engine,
                                model_json=base.model_json, relations=_relations(),
                                decisions=_decisions_in_force(), profiles=profiles)
            stats = {**attachment.stats, **_write(run, attachment.joined, attachment.fresh)}
        run.stats = stats
        run.finished_at = timezone.now()
        run.save(update_fields=["stats", "finished_at"])
        append_entry(actor=actor, type="link.new_records", subjects=[f"link_run:{run.pk}"],
                     payload={"link_run": run.pk, "base_run": run.params["base_run"],
                              "model_sha256": run.model_sha256,
                              "new_records": stats["new_records"],
                              "joined": stats["joined"],
                              "persons_created": stats["persons_created"]})
    return run
