"""Lawful erasure of a person's data from the records, leaving the ledger untouched.

The ledger holds record ids and salted hashes only, so after an erasure every entry, every
checkpoint and every proof still verifies: nothing in them has to change.
"""

from __future__ import annotations

from reunify.actions.ledger import append_entry, in_transaction
from reunify.actions.register import forget_register
from reunify.models import EventRecord, Identity, PersonRecord, RelationRecord
from reunify.models.keys import with_keys

#: What identifies or locates a person in a person-record; blanked by an erasure.
ERASED_PERSON_FIELDS = ("family_name", "given_name", "birth_date", "a_number", "phone",
                        "address", "languages")
#: The same about another person, as a relation names them.
ERASED_RELATION_FIELDS = ("other_name", "other_birth_date", "other_a_number", "other_phone")


def _records_of(source: str, record_id: str) -> list[tuple[str, str]]:
    """The person's records: every record resolved to the same person, or just this one."""
    identity = Identity.objects.filter(source=source, record_id=record_id).first()
    if identity is None:
        return [(source, record_id)]
    return sorted(Identity.objects.filter(person_id=identity.person_id)
                  .values_list("source", "record_id"))


def erase_person_data(*, actor: str, source: str, record_id: str) -> dict[str, int]:
    """Blank the names, birth dates, numbers and contacts of one person in every version of
    every record that is theirs; blank free-text reasons of their events and what relations
    say about them. Record ids, structure and the ledger stay. Returns counts.
    """
    records = _records_of(source, record_id)
    with in_transaction():
        persons = sum(rows.update(**{f: "" for f in ERASED_PERSON_FIELDS}, attributes={})
                      for rows in with_keys(PersonRecord.objects.all(), records))
        if not persons:
            raise LookupError(f"no person-record {source}:{record_id}")
        relations = sum(rows.update(**{f: "" for f in ERASED_RELATION_FIELDS})
                        for rows in with_keys(RelationRecord.objects.all(), records,
                                              record_id="other_record_id"))
        events = sum(rows.exclude(reason="").update(reason="")
                     for rows in with_keys(EventRecord.objects.all(), records))
        counts = {"person_records": persons, "relation_records": relations,
                  "event_reasons": events}
        # The stored register holds names: forget it with the rest (it is recomputed).
        forget_register(actor=actor)
        append_entry(actor=actor, type="person.erased",
                     subjects=[f"{src}:{rid}" for src, rid in records], payload=counts)
    return counts
