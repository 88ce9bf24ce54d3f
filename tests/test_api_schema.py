"""Schemathesis against the API's own OpenAPI schema: no server error and no answer that
violates its schema, for generated requests (bounded), signed in as a data steward."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from web_world import world_fixture  # noqa: F401 - the world fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(world):
    """Cookies and headers of a signed-in data steward (session and CSRF)."""
    client = Client()
    client.force_login(world.users["data_steward"])
    token = _get_new_csrf_string()
    return {
        "cookies": {"sessionid": client.cookies["sessionid"].value, "csrftoken": token},
        "headers": {"X-CSRFToken": token},
    }


@pytest.fixture
def in_process():
    """Requests through the WSGI application share the test's connection and transaction, as
    under Django's test client: the per-request connection clean-up must not close it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(session, in_process):
    """The schema as the running application serves it."""
    return schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", get_wsgi_application(),
        headers={"Cookie": "; ".join(f"{k}={v}" for k, v in session["cookies"].items())},
    )


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_answers_within_its_schema(case, session):
    """Whatever is sent, the API answers without a server error and within its schema."""
    case.call_and_validate(
        headers=session["headers"], cookies=session["cookies"],
        checks=[not_a_server_error, response_schema_conformance],
    )
