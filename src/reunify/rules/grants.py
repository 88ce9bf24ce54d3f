"""Who may do what: each role's permissions, as a table.

Enforcement lives in one place (``reunify.web.access``) and reads only this table; a permission
missing here is a permission nobody has. Object-level scope is a permission too: without
``SCOPE_ALL`` a user sees only the families they are assigned to (a caseworker's cases, counsel's
clients). There is deliberately no enforcement role.
"""

from __future__ import annotations

# Permissions. Nouns of the domain, then what one may do with them.
ACCOUNT_SELF = "account.self"  # sign out, change one's own password
USERS_READ = "users.read"
USERS_MANAGE = "users.manage"  # create users, set roles, assign families, disable
RECORDS_INGEST = "records.ingest"
REVIEW_READ = "review.read"
REVIEW_DECIDE = "review.decide"
SEARCH = "search"
PERSON_READ = "person.read"
FAMILY_READ = "family.read"
REGISTER_READ = "register.read"
LEDGER_READ = "ledger.read"
#: Read the access log: who read (or tried to read) whose record.
ACCESS_LOG_READ = "access_log.read"
#: Names of people are shown. Monitors get names only where the court order allows (per user).
NAMES_READ = "names.read"
#: Every family, not only the assigned ones.
SCOPE_ALL = "scope.all"
#: Reunification cases (docs/casework.md): see them; work them (steps, contact log, wishes,
#: asking for determinations); assign them to caseworkers; sign off another's determination.
CASES_READ = "cases.read"
CASES_WORK = "cases.work"
CASES_ASSIGN = "cases.assign"
CASES_SIGN_OFF = "cases.sign_off"
#: Take a tracing request (a call), find one again by its reference number, and tell the caller
#: whether a match exists and which caseworker will call back: never who or where the person is.
TRACING_INTAKE = "tracing.intake"
#: See an inquiry's candidates with their evidence, and confirm or reject one.
TRACING_DECIDE = "tracing.decide"

PERMISSIONS = frozenset({
    ACCOUNT_SELF, USERS_READ, USERS_MANAGE, RECORDS_INGEST, REVIEW_READ, REVIEW_DECIDE, SEARCH,
    PERSON_READ, FAMILY_READ, REGISTER_READ, LEDGER_READ, NAMES_READ, SCOPE_ALL,
    CASES_READ, CASES_WORK, CASES_ASSIGN, CASES_SIGN_OFF,
    ACCESS_LOG_READ,
    TRACING_INTAKE, TRACING_DECIDE,
})

ADMIN, DATA_STEWARD, CASEWORKER, COUNSEL, MONITOR, AUDITOR = (
    "admin", "data_steward", "caseworker", "counsel", "monitor", "auditor",
)
#: Assigns cases to caseworkers and signs off determinations (the two-person rule).
SUPERVISOR = "supervisor"
#: Answers the tracing hotline: takes inquiries, sees nothing of anyone's records.
OPERATOR = "operator"
ROLES = (ADMIN, DATA_STEWARD, CASEWORKER, COUNSEL, MONITOR, AUDITOR, SUPERVISOR, OPERATOR)

#: Role → the permissions it carries.
GRANTS: dict[str, frozenset[str]] = {
    ADMIN: frozenset({ACCOUNT_SELF, USERS_READ, USERS_MANAGE}),
    DATA_STEWARD: frozenset({
        ACCOUNT_SELF, RECORDS_INGEST, REVIEW_READ, REVIEW_DECIDE, SEARCH, PERSON_READ,
        FAMILY_READ, REGISTER_READ, NAMES_READ, SCOPE_ALL, CASES_READ,
    }),
    CASEWORKER: frozenset({ACCOUNT_SELF, SEARCH, PERSON_READ, FAMILY_READ, NAMES_READ,
                           CASES_READ, CASES_WORK, TRACING_DECIDE}),
    COUNSEL: frozenset({ACCOUNT_SELF, SEARCH, PERSON_READ, FAMILY_READ, NAMES_READ}),
    MONITOR: frozenset({ACCOUNT_SELF, REGISTER_READ}),
    AUDITOR: frozenset({
        ACCOUNT_SELF, USERS_READ, REVIEW_READ, SEARCH, PERSON_READ, FAMILY_READ, REGISTER_READ,
        LEDGER_READ, NAMES_READ, SCOPE_ALL, CASES_READ, ACCESS_LOG_READ,
    }),
    SUPERVISOR: frozenset({
        ACCOUNT_SELF, SEARCH, PERSON_READ, FAMILY_READ, REGISTER_READ, NAMES_READ, SCOPE_ALL,
        CASES_READ, CASES_WORK, CASES_ASSIGN, CASES_SIGN_OFF,
    }),
    OPERATOR: frozenset({ACCOUNT_SELF, TRACING_INTAKE}),
}

#: Roles that must give a one-time code (TOTP) at every sign-in: every role (the auditor reads
#: every child's record; a caseworker, the families they hold).
SECOND_FACTOR_REQUIRED = frozenset(ROLES)

#: Roles every one of whose reads is itself logged, not only reads of a person's record.
EVERY_READ_LOGGED = frozenset({AUDITOR})

#: Roles whose users are assigned families (one by one) to see them.
ASSIGNABLE = frozenset({CASEWORKER, COUNSEL})


def _check_table() -> None:
    for role, permissions in GRANTS.items():
        unknown = permissions - PERMISSIONS
        if unknown:
            raise AssertionError(f"{role}: unknown permissions {sorted(unknown)}")
    if set(GRANTS) != set(ROLES):
        raise AssertionError("every role needs a row in GRANTS")


_check_table()


def permissions_of(role: str | None, *, names_allowed: bool = False) -> frozenset[str]:
    """What a user holding ``role`` may do; an unknown or missing role may do nothing.

    ``names_allowed`` is the court order's word for a monitor: it adds ``NAMES_READ``.
    """
    granted = GRANTS.get(role or "", frozenset())
    if names_allowed and role == MONITOR:
        granted = granted | {NAMES_READ}
    return granted


def allows(role: str | None, permission: str, *, names_allowed: bool = False) -> bool:
    """Whether ``role`` carries ``permission`` (fails closed on anything unknown)."""
    return permission in permissions_of(role, names_allowed=names_allowed)
