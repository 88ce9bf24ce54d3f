"""The durable record. One module per noun; everything is re-exported here.

Every row that came from outside traces back to its batch, file and line.
"""

from reunify.models.access import AccessLog, Assignment, RoleGrant, SignInFailure
from reunify.models.family import (
    ClaimDecision,
    Family,
    FamilyClaim,
    FamilyLineage,
    FamilyLink,
    FamilyMember,
    FamilyRun,
)
from reunify.models.ingest import ImportBatch, SourceFile
from reunify.models.ledger import Checkpoint, LedgerEntry
from reunify.models.linkage import Identity, LinkDecision, LinkRun, Person, ReviewPair
from reunify.models.profile import SourceProfile
from reunify.models.record import EventRecord, PersonRecord, RelationRecord
from reunify.models.register import RegisterRow, RegisterSnapshot

__all__ = [
    "AccessLog",
    "Assignment",
    "Checkpoint",
    "ClaimDecision",
    "EventRecord",
    "Family",
    "FamilyClaim",
    "FamilyLineage",
    "FamilyLink",
    "FamilyMember",
    "FamilyRun",
    "Identity",
    "ImportBatch",
    "LedgerEntry",
    "LinkDecision",
    "LinkRun",
    "Person",
    "PersonRecord",
    "RegisterRow",
    "RegisterSnapshot",
    "RelationRecord",
    "ReviewPair",
    "RoleGrant",
    "SignInFailure",
    "SourceFile",
    "SourceProfile",
]
