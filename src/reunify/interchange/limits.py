"""What one batch may hold. Input beyond these limits is refused with a clear problem.

The numbers are fixed here (not settings) so that every installation accepts the same files,
and so docs/ingest.md can state them. Field lengths are the store's column widths: a value that
would not fit is refused while validating instead of failing (or, on SQLite, silently passing)
in the middle of the write.
"""

from __future__ import annotations

#: Largest file accepted, in bytes (4 GiB: far above a season of any one source).
MAX_FILE_BYTES = 4 * 1024**3
#: Most data rows in one file (a header row does not count).
MAX_ROWS_PER_FILE = 10_000_000
#: Most files in one batch.
MAX_FILES_PER_BATCH = 1_000
#: Most columns (keys, for JSONL) in one file or row, spec columns and unknown ones together.
MAX_COLUMNS = 100
#: Longest physical line, in bytes; a longer one is refused before it is held in memory.
MAX_LINE_BYTES = 1024**2
#: Longest value of a column the spec does not name (kept in ``attributes``), in characters.
MAX_ATTRIBUTE_CHARS = 2_000
#: Most problems listed for a rejected batch; the rest are counted.
MAX_PROBLEMS_LISTED = 1_000

#: Longest value of each spec column, in characters (the store's column widths).
FIELD_CHARS: dict[str, int] = {
    "source": 32,
    "record_id": 128,
    "family_name": 200,
    "given_name": 200,
    "birth_date": 10,
    "sex": 1,
    "country": 2,
    "a_number": 32,
    "group_id": 128,
    "group_role": 16,
    "phone": 64,
    "address": 500,
    "languages": 200,
    "relation": 16,
    "other_record_id": 128,
    "other_name": 400,
    "other_birth_date": 10,
    "other_a_number": 32,
    "other_phone": 64,
    "evidence": 16,
    "event_id": 128,
    "type": 16,
    "at": 64,
    "custodian": 200,
    "facility": 200,
    "actor": 200,
    "authority": 500,
    "reason": 10_000,
    # kind inquiries (spec 1.1)
    "inquiry_id": 128,
    "inquirer_family_name": 200,
    "inquirer_given_name": 200,
    "inquirer_birth_date": 10,
    "inquirer_a_number": 32,
    "inquirer_phone": 64,
    "inquirer_country": 2,
    "inquirer_languages": 200,
    "sought_family_name": 200,
    "sought_given_name": 200,
    "sought_birth_date": 10,
    "sought_age": 3,
    "sought_sex": 1,
    "last_seen_place": 200,
    "last_seen_on": 10,
}
