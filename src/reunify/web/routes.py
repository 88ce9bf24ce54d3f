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
    "ingest": Rule(g.RECORDS_INGEST),
    "ledger": Rule(g.LEDGER_READ),
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
}

#: URL keyword → the kind of object it names; the enforcement point checks the user may see it.
OBJECT_KWARGS = {"family_id": "family", "person_id": "person", "pair_id": "review_pair",
                 "user_id": "user"}
