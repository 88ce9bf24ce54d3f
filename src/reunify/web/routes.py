"""Every route's rule: which permission it needs, and which object its URL names.

The enforcement point refuses any route missing here, so a new page or API operation is
unreachable until it is given a rule (and the permission test fails until then).
"""

from __future__ import annotations

from dataclasses import dataclass

from reunify.rules import grants as g

#: A route anyone may reach, signed in or not.
PUBLIC = "public"


@dataclass(frozen=True)
class Rule:
    """``permission`` is a permission of ``reunify.rules.grants`` or ``PUBLIC``."""

    permission: str


#: URL name (``namespace:name`` for the API) → its rule.
ROUTES: dict[str, Rule] = {
    # pages
    "sign_in": Rule(PUBLIC),
    "set_language": Rule(PUBLIC),
    # Reached between a right password and a second factor, before one is signed in; it serves
    # only a session that start_enrolment marked (anything else is sent to sign in).
    "enrol": Rule(PUBLIC),
    "healthz": Rule(PUBLIC),
    "readyz": Rule(PUBLIC),
    "metrics": Rule(PUBLIC),  # a bearer token of its own (reunify.web.operations.metrics)
    "sign_out": Rule(g.ACCOUNT_SELF),
    "home": Rule(g.ACCOUNT_SELF),
    "password": Rule(g.ACCOUNT_SELF),
    "search": Rule(g.SEARCH),
    "person": Rule(g.PERSON_READ),
    "family": Rule(g.FAMILY_READ),
    "register": Rule(g.REGISTER_READ),
    "register_csv": Rule(g.REGISTER_READ),
    "reports": Rule(g.REGISTER_READ),
    "report": Rule(g.REGISTER_READ),
    "review_queue": Rule(g.REVIEW_READ),
    "review_pair": Rule(g.REVIEW_READ),
    "review_decide": Rule(g.REVIEW_DECIDE),
    "cases": Rule(g.CASES_READ),
    "case": Rule(g.CASES_READ),
    "case_open": Rule(g.CASES_WORK),
    "cases_outreach": Rule(g.CASES_READ),
    "cases_outreach_csv": Rule(g.CASES_WORK),
    "case_move": Rule(g.CASES_WORK),
    "case_close": Rule(g.CASES_WORK),
    "case_contact": Rule(g.CASES_WORK),
    "case_wishes": Rule(g.CASES_WORK),
    "case_request": Rule(g.CASES_WORK),
    "case_assign": Rule(g.CASES_ASSIGN),
    "case_repoint": Rule(g.CASES_WORK),
    "determination_sign_off": Rule(g.CASES_SIGN_OFF),
    "ingest": Rule(g.RECORDS_INGEST),
    "ledger": Rule(g.LEDGER_READ),
    "access_log": Rule(g.ACCESS_LOG_READ),
    "users": Rule(g.USERS_READ),
    "user_create": Rule(g.USERS_MANAGE),
    "user_detail": Rule(g.USERS_READ),
    "user_change": Rule(g.USERS_MANAGE),
    "hotline": Rule(g.TRACING_INTAKE),
    "hotline_lookup": Rule(g.TRACING_INTAKE),
    "tracing_inquiry": Rule(g.TRACING_DECIDE),
    "tracing_decide": Rule(g.TRACING_DECIDE),
    # API
    "api:openapi-json": Rule(g.ACCOUNT_SELF),
    "api:api-root": Rule(g.ACCOUNT_SELF),  # answers 404: only a base for reverse()
    "api:me": Rule(g.ACCOUNT_SELF),
    "api:search": Rule(g.SEARCH),
    "api:person": Rule(g.PERSON_READ),
    "api:family": Rule(g.FAMILY_READ),
    "api:register": Rule(g.REGISTER_READ),
    "api:review_pairs": Rule(g.REVIEW_READ),
    "api:review_pair": Rule(g.REVIEW_READ),
    "api:review_decide": Rule(g.REVIEW_DECIDE),
    "api:ledger": Rule(g.LEDGER_READ),
    "api:cases": Rule(g.CASES_READ),
    "api:cases_outreach": Rule(g.CASES_READ),
    "api:case": Rule(g.CASES_READ),
    "api:case_move": Rule(g.CASES_WORK),
    "api:case_close": Rule(g.CASES_WORK),
    "api:case_contact": Rule(g.CASES_WORK),
    "api:case_wishes": Rule(g.CASES_WORK),
    "api:case_request": Rule(g.CASES_WORK),
    "api:case_assign": Rule(g.CASES_ASSIGN),
    "api:case_repoint": Rule(g.CASES_WORK),
    "api:determination_sign_off": Rule(g.CASES_SIGN_OFF),
    "api:access_log": Rule(g.ACCESS_LOG_READ),
}

#: URL keyword → the kind of object it names; the enforcement point checks the user may see it.
OBJECT_KWARGS = {"family_id": "family", "person_id": "person", "pair_id": "review_pair",
                 "user_id": "user", "case_id": "case", "determination_id": "determination"}
