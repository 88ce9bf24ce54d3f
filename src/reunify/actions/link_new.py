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

from django.db.models import Exists, OuterRef
from django.utils import timezone

from reunify.actions.ledger import append_entry, in_transaction
from reunify.actions.link import _decisions_in_force, _relations
from reunify.actions.store_lock import rebuild_lock
from reunify.linkage.incremental import attach
from reunify.linkage.records import Profile
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


def _unlinked() -> bool:
    return PersonRecord.objects.filter(is_current=True).filter(~Exists(Identity.objects.filter(
        source=OuterRef("source"), record_id=OuterRef("record_id")))).exists()


def link_new_records(*, actor: str) -> LinkRun | None:
    """Give each current person-record without a person a person; None when none lacked one.

    Takes the store's rebuild lock (re-entrant: ingest already holds it) and runs in one
    transaction with its ledger entry.
    """
    if not actor or not actor.strip():
        raise ValueError("linking new records needs an actor")
    with rebuild_lock(), in_transaction():
        if not _unlinked():
            return None
        started = timezone.now()
        base = _latest_full_run()
        engine = base.engine if base is not None and base.engine in ENGINES else None
        persons = {(s, r): p for s, r, p in
                   Identity.objects.values_list("source", "record_id", "person_id")}
        if engine is None:
            # Nothing to score with: only the new records are read.
            records = [{"source": s, "record_id": r} for s, r in
                       PersonRecord.objects.filter(is_current=True)
                       .values_list("source", "record_id").distinct()
                       if (s, r) not in persons]
            attachment = attach(records, persons, engine=None)
        else:
            profiles = {source: Profile.of(p) for source, p in linkage_profiles().items()}
            attachment = attach(linkage_records(), persons, engine=engine,
                                model_json=base.model_json, relations=_relations(),
                                decisions=_decisions_in_force(), profiles=profiles)
        run = LinkRun.objects.create(
            actor=actor, started_at=started, engine=INCREMENTAL,
            model_sha256=base.model_sha256 if base is not None else "",
            params={"base_run": base.pk if base is not None else None,
                    "base_engine": engine or ""},
        )
        created = Person.objects.bulk_create([Person(created_run=run) for _ in attachment.fresh],
                                             batch_size=_BATCH)
        identities = [Identity(source=k[0], record_id=k[1], person_id=p, run=run)
                      for k, p in attachment.joined.items()]
        for person, members in zip(created, attachment.fresh, strict=True):
            identities.extend(Identity(source=k[0], record_id=k[1], person=person, run=run)
                              for k in members)
        Identity.objects.bulk_create(identities, batch_size=_BATCH)
        run.stats = {**attachment.stats, "persons_created": len(created),
                     "identities_created": len(identities)}
        run.finished_at = timezone.now()
        run.save(update_fields=["stats", "finished_at"])
        append_entry(actor=actor, type="link.new_records", subjects=[f"link_run:{run.pk}"],
                     payload={"link_run": run.pk, "base_run": run.params["base_run"],
                              "model_sha256": run.model_sha256,
                              "new_records": attachment.stats["new_records"],
                              "joined": len(attachment.joined),
                              "persons_created": len(created)})
    return run
