"""The durable record. One module per noun; everything is re-exported here.

Every row that came from outside traces back to its batch, file and line.
"""

from reunify.models.access import AccessLog, AccessPrune, Assignment, RoleGrant, SignInFailure
from reunify.models.casework import (
    Case,
    CaseNotice,
    CaseStep,
    ContactEntry,
    Determination,
    ParentWishes,
)
from reunify.models.erasure import ErasureRequest
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
from reunify.models.register import RegisterInterval, RegisterIntervals
from reunify.models.sign_in import RecoveryCode, SecondFactorReset, SignInCounter
from reunify.models.tracing import Inquiry, InquiryCandidate, InquiryDecision, InquiryRecord

__all__ = [
    "AccessLog",
    "AccessPrune",
    "Assignment",
    "Case",
    "CaseNotice",
    "CaseStep",
    "Checkpoint",
    "ClaimDecision",
    "ContactEntry",
    "Determination",
    "ErasureRequest",
    "EventRecord",
    "Family",
    "FamilyClaim",
    "FamilyLineage",
    "FamilyLink",
    "FamilyMember",
    "FamilyRun",
    "Identity",
    "ImportBatch",
    "Inquiry",
    "InquiryCandidate",
    "InquiryDecision",
    "InquiryRecord",
    "LedgerEntry",
    "LinkDecision",
    "LinkRun",
    "ParentWishes",
    "Person",
    "PersonRecord",
    "RecoveryCode",
    "RegisterInterval",
    "RegisterIntervals",
    "RelationRecord",
    "ReviewPair",
    "RoleGrant",
    "SecondFactorReset",
    "SignInCounter",
    "SignInFailure",
    "SourceFile",
    "SourceProfile",
]
