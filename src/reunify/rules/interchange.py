"""The interchange format, version 1, as data (see docs/interchange.md and the shared spec).

Kinds, their columns, which are required and which values each may take. Readers, writers and
the simulator all take their column names from here, so there is one spelling of each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SOURCE_PATTERN = re.compile(r"[a-z0-9_-]{1,32}")
#: ``<source>.<kind>.<csv|jsonl>``
FILE_NAME_PATTERN = re.compile(
    r"(?P<source>[a-z0-9_-]{1,32})\.(?P<kind>[a-z]+)\.(?P<format>csv|jsonl)"
)

#: ``<source>.source.json``: a source's profile (spec 1.1, kind ``source``).
PROFILE_FILE_PATTERN = re.compile(r"(?P<source>[a-z0-9_-]{1,32})\.source\.json")
PROFILE_KIND = "source"
#: A profile's keys, in spec order, and the values ``holds`` may take (default ``anyone``).
PROFILE_KEYS = ("source", "agency", "description", "holds", "family_units", "custody")
HOLDS = ("adults", "minors", "anyone")

SEXES = ("F", "M", "X")
GROUP_ROLES = ("parent", "child", "guardian", "relative", "other")
RELATIONS = ("parent_of", "child_of", "guardian_of", "ward_of", "sibling_of")
EVIDENCE = ("stated", "observed", "document", "dna")
EVENT_TYPES = (
    "apprehended", "detained", "referred", "declined", "charged", "convicted", "sentenced",
    "separated", "transferred", "placed", "released", "removed", "discharged", "reunified",
)
FAMILY_ROLES = ("parent", "child", "guardian", "relative")
STATUSES = ("together", "separated", "reunified", "released", "removed", "unknown")


@dataclass(frozen=True)
class Kind:
    """One kind of row: its columns in spec order, which are required, which identify a row."""

    name: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    #: Columns of which at least one must be non-empty, e.g. one of the two names.
    one_of: tuple[str, ...] = ()
    #: Columns that identify a record within its source (empty: identified by content).
    key: tuple[str, ...] = ()


PERSONS = Kind(
    name="persons",
    columns=("source", "record_id", "family_name", "given_name", "birth_date", "sex", "country",
             "a_number", "group_id", "group_role", "phone", "address", "languages"),
    required=("source", "record_id"),
    one_of=("family_name", "given_name"),
    key=("record_id",),
)
RELATIONS_KIND = Kind(
    name="relations",
    columns=("source", "record_id", "relation", "other_record_id", "other_name",
             "other_birth_date", "other_a_number", "other_phone", "evidence"),
    required=("source", "record_id", "relation"),
    one_of=("other_record_id", "other_name"),
    key=("record_id", "relation", "other_record_id", "other_name"),
)
EVENTS = Kind(
    name="events",
    columns=("source", "event_id", "record_id", "type", "at", "custodian", "facility", "actor",
             "authority", "reason"),
    required=("source", "event_id", "record_id", "type", "at"),
    key=("event_id",),
)

#: What an inquirer is to the person sought (kind ``inquiries``, spec 1.1).
INQUIRY_RELATIONS = ("parent", "guardian", "relative", "sibling", "counsel", "other")
INQUIRIES = Kind(
    name="inquiries",
    columns=("source", "inquiry_id", "at", "inquirer_family_name", "inquirer_given_name",
             "inquirer_birth_date", "inquirer_a_number", "inquirer_phone", "inquirer_country",
             "inquirer_languages", "relation", "sought_family_name", "sought_given_name",
             "sought_birth_date", "sought_age", "sought_sex", "last_seen_place",
             "last_seen_on"),
    required=("source", "inquiry_id", "at", "relation"),
    one_of=("sought_family_name", "sought_given_name"),
    key=("inquiry_id",),
)
#: The inquirer's names: one of the two is required too (checked beside ``one_of``).
INQUIRER_NAMES = ("inquirer_family_name", "inquirer_given_name")

KINDS: dict[str, Kind] = {k.name: k for k in (PERSONS, RELATIONS_KIND, EVENTS, INQUIRIES)}
#: reunify's extensions (new optional columns, as the spec allows), by kind; kept with a row's
#: other unknown columns. ``first_contact``: the day of the first contact (a call, a visit)
#: between the record and the other person of a relation, as the source recorded it.
EXTENSION_COLUMNS: dict[str, tuple[str, ...]] = {"relations": ("first_contact",)}

#: Export columns, in the order the spec fixes.
EXPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "identities": ("source", "record_id", "person_id"),
    "families": ("family_id", "person_id", "role"),
    "register": ("family_id", "person_id", "name", "birth_date", "status", "custodian",
                 "facility", "since", "separated_since", "days_separated", "flags"),
    "cases": ("case_id", "person_id", "family_id", "stage", "assigned_to", "opened", "closed",
              "outcome", "next_deadline"),
    "matches": ("source", "inquiry_id", "rank", "person_id", "probability"),
}
