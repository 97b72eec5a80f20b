"""schemathesis against the customer API: every operation of the OpenAPI schema, anonymous and
with a customer's token, must never answer 5xx and must answer only what the schema says (status,
content type, body shape, headers). It runs in every leg of `make test`, in-process through the
WSGI application, with a bounded number of examples per operation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kabinet.identity.services.tokens import issue_token
from tests.factories import make_account, make_link, make_supplier
from tests.factories import make_customer as customer_with

pytestmark = pytest.mark.django_db

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())

# "0 server errors, 0 schema violations". Not the checks that the schema holds every business
# rule (positive_data_acceptance): an empty e-mail is a string to the schema and a 422 to us.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """The WSGI handler closes the database connection when a request ends; inside a test
    that is the test's transaction (PostgreSQL then answers every later query with «the
    connection is closed»). Django's test client unhooks the same signal handler."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(params=["anonymous", "customer"])
def headers(request: pytest.FixtureRequest) -> dict[str, str]:
    if request.param == "anonymous":
        return {}
    user = customer_with()
    make_link(user, make_account(make_supplier()))
    return {"Authorization": f"Bearer {issue_token(user=user, label='schemathesis')[1]}"}


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_as_its_schema_says(case: Any, headers: dict[str, str]) -> None:
    case.call_and_validate(headers=headers, checks=CHECKS)
