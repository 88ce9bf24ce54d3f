"""Every route x every role x (own / other's object): the status the GRANTS table implies.

The cases are generated from Django's URL resolver (pages and the ninja API alike) and from
``reunify.rules.grants.GRANTS``; a route without a rule in ``reunify.web.routes.ROUTES`` fails
``test_every_route_has_a_rule``, and is refused (404) by the enforcement point meanwhile.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from reunify.rules.grants import GRANTS, ROLES, SCOPE_ALL
from reunify.web.routes import OBJECT_KWARGS, PUBLIC, ROUTES
from web_world import world_fixture  # noqa: F401 - the world fixture

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"

#: How each route is probed, and the status it answers when the request is allowed:
#: (method, form or JSON body, status). Bodies of writes are deliberately invalid, so that an
#: allowed write is refused by validation (4xx) and changes nothing.
PROBES: dict[str, tuple[str, dict | None, int]] = {
    "sign_in": ("get", None, 200),
    "set_language": ("get", None, 302),
    "enrol": ("get", None, 302),
    "healthz": ("get", None, 200),
    # Not ready: the world's ledger entries are unsigned (their checkpoints run after commits,
    # which a test's transaction never makes).
    "readyz": ("get", None, 503),
    "metrics": ("get", None, 404),  # off: REUNIFY_METRICS_TOKEN is not set
    "sign_out": ("post", {}, 302),
    "home": ("get", None, 200),
    "password": ("get", None, 200),
    "search": ("get", None, 200),
    "person": ("get", None, 200),
    "family": ("get", None, 200),
    "register": ("get", None, 200),
    "register_csv": ("get", None, 200),
    "reports": ("get", None, 200),
    "report": ("get", None, 200),
    "review_queue": ("get", None, 200),
    "review_pair": ("get", None, 200),
    "review_decide": ("post", {}, 400),
    "ingest": ("get", None, 200),
    "ledger": ("get", None, 200),
    "access_log": ("get", None, 200),
    "users": ("get", None, 200),
    "user_create": ("post", {}, 400),
    "user_detail": ("get", None, 200),
    "user_change": ("post", {}, 400),
    "hotline": ("get", None, 200),
    "hotline_lookup": ("post", {}, 400),
    # No inquiry bears this reference: an allowed request is answered 404, a refused one 403.
    "tracing_inquiry": ("get", None, 404),
    "tracing_decide": ("post", {}, 404),
    "api:api-root": ("get", None, 404),
    "api:openapi-json": ("get", None, 200),
    "api:me": ("get", None, 200),
    "api:search": ("json", {"q": "Alvarado"}, 200),
    "api:person": ("get", None, 200),
    "api:family": ("get", None, 200),
    "api:register": ("get", None, 200),
    "api:review_pairs": ("get", None, 200),
    "api:review_pair": ("get", None, 200),
    "api:review_decide": ("json", {}, 422),
    "api:ledger": ("get", None, 200),
    "cases": ("get", None, 200),
    "case": ("get", None, 200),
    "case_open": ("post", {}, 400),
    "cases_outreach": ("get", None, 200),
    "cases_outreach_csv": ("get", None, 200),
    "case_move": ("post", {}, 400),
    "case_close": ("post", {}, 400),
    "case_contact": ("post", {}, 400),
    "case_wishes": ("post", {}, 400),
    "case_request": ("post", {}, 400),
    "case_assign": ("post", {}, 400),
    "case_repoint": ("post", {}, 400),
    "determination_sign_off": ("post", {}, 400),
    "api:cases": ("get", None, 200),
    "api:cases_outreach": ("get", None, 200),
    "api:case": ("get", None, 200),
    "api:case_move": ("json", {}, 422),
    "api:case_close": ("json", {}, 422),
    "api:case_contact": ("json", {}, 422),
    "api:case_wishes": ("json", {}, 422),
    "api:case_request": ("json", {}, 422),
    "api:case_assign": ("json", {}, 422),
    "api:case_repoint": ("json", {}, 422),
    "api:determination_sign_off": ("json", {}, 422),
    "api:access_log": ("get", None, 200),
}


def route_patterns() -> dict[str, URLPattern]:
    """Every named route the URL resolver knows, ``namespace:name`` for namespaced ones."""
    found: dict[str, URLPattern] = {}

    def walk(patterns, namespace: str) -> None:
        for item in patterns:
            if isinstance(item, URLResolver):
                inner = f"{namespace}{item.namespace}:" if item.namespace else namespace
                walk(item.url_patterns, inner)
            elif isinstance(item, URLPattern):
                found[f"{namespace}{item.name}"] = item

    walk(get_resolver().url_patterns, "")
    return found


def object_kwargs(name: str) -> list[str]:
    """The object keywords a route's URL carries."""
    pattern = route_patterns()[name].pattern
    converters = getattr(pattern, "converters", {}) or {}
    names = set(converters) | set(pattern.regex.groupindex)
    return sorted(k for k in names if k in OBJECT_KWARGS)


def cases():
    for name in sorted(route_patterns()):
        kinds = ("own", "other") if object_kwargs(name) else ("none",)
        for role in (*ROLES, ANONYMOUS):
            for whose in kinds:
                yield pytest.param(name, role, whose, id=f"{name}-{role}-{whose}")


def test_every_route_has_a_rule_and_a_probe():
    """No route exists without an access rule (and a probe here), and no rule without a route."""
    names = set(route_patterns())
    assert names == set(ROUTES)
    assert names == set(PROBES)


def expected_status(name: str, role: str, whose: str, world) -> int:
    """What the GRANTS table says this request must answer."""
    rule = ROUTES[name]
    _method, _body, ok = PROBES[name]
    if rule.permission == PUBLIC:
        return ok
    if role == ANONYMOUS:
        return 401 if name.startswith("api:") else 302
    granted = GRANTS[role]
    if rule.permission not in granted:
        return 403
    if whose == "other" and SCOPE_ALL not in granted and any(
        k in ("family_id", "person_id", "case_id") for k in object_kwargs(name)
    ):
        return 404
    return ok


def url_for(name: str, role: str, whose: str, world) -> str:
    """The route's URL, naming the role's own object or somebody else's."""
    if name == "report":
        return reverse("report", kwargs={"report_name": "compliance"})
    if name in ("tracing_inquiry", "tracing_decide"):
        return reverse(name, kwargs={"reference": "T-2222-2222"})
    tag = world.own.get(role, "a") if whose != "other" else "c"
    if whose == "other" and role not in world.own:
        tag = "c"
    values = {
        "family_id": f"F{world.families[tag]:07d}",
        "person_id": f"P{world.children[tag]:07d}",
        "pair_id": str(world.pair),
        "case_id": f"C{world.cases[tag]:07d}",
        "determination_id": str(world.determination),
        "user_id": str(world.users.get(role, world.users["admin"]).pk if whose == "own"
                       else world.users["auditor"].pk),
    }
    kwargs = {k: values[k] for k in object_kwargs(name)}
    return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize(("name", "role", "whose"), list(cases()))
def test_route_answers_what_grants_say(world, name, role, whose):
    """Each route answers each role, for their own object and another's, as GRANTS implies."""
    client = Client()
    if role != ANONYMOUS:
        client.force_login(world.users[role])
    url = url_for(name, role, whose, world)
    method, body, _ok = PROBES[name]
    if method == "get":
        response = client.get(url)
    elif method == "post":
        response = client.post(url, body or {})
    else:
        response = client.post(url, body or {}, content_type="application/json")
    if response.streaming:
        # Read to the end: the test client then closes the file the response streams.
        b"".join(response.streaming_content)
    assert response.status_code == expected_status(name, role, whose, world), url
    assert response["Cache-Control"] == "no-store"
