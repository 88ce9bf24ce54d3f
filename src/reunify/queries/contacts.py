"""First contact between a separated child and a parent, as sources record it.

The interchange spec has no contact event; reunify reads an optional ``first_contact`` column
on relations rows (a conformant extension: a new optional column, docs/ingest.md): the day of
the first contact (a call, a visit) between the record and the other person that the source
recorded. A shelter's ``child_of`` row naming the parent is where ORR would write it.

Calls between parent and child logged on a case (``ContactEntry`` of kind ``call``) count as
contact too, for the case's child and the parent sought (docs/casework.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from reunify.models import Case, ContactEntry, Identity, RelationRecord
from reunify.rules.casework import COUNTS_AS_CONTACT

#: The relations column that carries the day of first contact.
FIRST_CONTACT = "first_contact"
#: Up to this many persons are looked up by id; more are matched over all identities (a long
#: IN list would exceed SQLite's limit on bound variables).
_FEW = 500


def first_contacts(person_ids: Iterable[int]) -> dict[int, dt.date] | None:
    """Person → earliest first contact recorded on a current relation of theirs, for the
    given persons; None when no current relation carries the column at all and no call is
    logged on any case (then nothing records contact, and the register cannot tell contact
    from its absence)."""
    rows = list(RelationRecord.objects.filter(
        is_current=True, attributes__has_key=FIRST_CONTACT,
    ).values_list("source", "record_id", "other_record_id", "attributes"))
    wanted = set(person_ids)
    logged = _logged_calls(wanted)
    if not rows:
        return logged
    keys = {(source, r) for source, record, other, _ in rows for r in (record, other) if r}
    identities = Identity.objects.all()
    if len(wanted) <= _FEW:  # one family's page: ask for its members only
        identities = identities.filter(person_id__in=wanted)
    person_of = {}
    for source, record_id, person in identities.values_list(
            "source", "record_id", "person_id").iterator(chunk_size=20000):
        if (source, record_id) in keys and person in wanted:
            person_of[(source, record_id)] = person
    out: dict[int, dt.date] = dict(logged or {})
    for source, record, other, attributes in rows:
        try:
            day = dt.date.fromisoformat(str(attributes.get(FIRST_CONTACT) or ""))
        except ValueError:
            continue  # empty: not recorded (ingest refuses anything but a date)
        for record_id in (record, other):
            person = person_of.get((source, record_id))
            if person is not None and (person not in out or day < out[person]):
                out[person] = day
    return out


def _logged_calls(wanted: set[int]) -> dict[int, dt.date] | None:
    """Person → earliest call logged on a case of theirs (as child or parent sought); None
    when no call is logged on any case."""
    calls = ContactEntry.objects.filter(kind__in=COUNTS_AS_CONTACT)
    if not calls.exists():
        return None
    out: dict[int, dt.date] = {}
    rows = Case.objects.filter(contacts__kind__in=COUNTS_AS_CONTACT).values_list(
        "person_id", "parent_id", "contacts__on")
    for child, parent, day in rows.iterator(chunk_size=20000):
        for person in (child, parent):
            if person in wanted and (person not in out or day < out[person]):
                out[person] = day
    return out
