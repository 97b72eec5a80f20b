"""schemathesis against the customer API over HTTP: every operation of the OpenAPI schema,
anonymous and with a customer's token, must never answer 5xx and must answer only what the schema
says (status, content type, body shape, headers).

The server is gunicorn with DEBUG off (tests/gunicorn.py), so what is checked is what production
answers: its error handlers and middleware behind a real socket and WSGI server. It runs in every
leg of `make test`, with a bounded number of examples per operation. A failure shows the request
(as curl); a 500's traceback is in the server's gunicorn.log under pytest's temporary directory.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.gunicorn import Gunicorn, own_database, run_django, start_gunicorn

# The cases themselves touch no database, but pytest-django creates the test database (the one
# the server's is copied from) only for a run that has tests marked so.
pytestmark = pytest.mark.django_db

SCHEMA_PATH = "/api/v1/openapi.json"

# Cases are generated when the module is collected, before any server runs, so from the schema
# the application builds in-process; the server fixture checks that it serves the same one. A
# schema loaded as a plain document (not through WSGI) is called over HTTP.
DOCUMENT = schemathesis.openapi.from_wsgi(SCHEMA_PATH, get_wsgi_application()).raw_schema
schema = schemathesis.openapi.from_dict(DOCUMENT)

# "0 server errors, 0 schema violations". Not the checks that the schema holds every business
# rule (positive_data_acceptance): an empty e-mail is a string to the schema and a 422 to us.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

SEED_CUSTOMER = """
from kabinet.identity.services.tokens import issue_token
from tests.factories import make_account, make_customer, make_link, make_supplier
user = make_customer()
make_link(user, make_account(make_supplier()))
print(issue_token(user=user, label="schemathesis")[1])
"""


@pytest.fixture(scope="module")
def live(
    tmp_path_factory: pytest.TempPathFactory, django_db_setup: None, django_db_blocker: Any
) -> Iterator[tuple[Gunicorn, str]]:
    """One server for every case of the module, and a customer's API token on it. The server
    has a database of its own: what the fuzzing creates there never reaches another test."""
    tmp_path = tmp_path_factory.mktemp("schemathesis")
    with django_db_blocker.unblock(), own_database(tmp_path) as database_url:
        token = run_django(tmp_path, database_url, SEED_CUSTOMER).strip()
        server = start_gunicorn(
            tmp_path,
            database_url,
            # Login and code limits stay as in production; only the captcha's proof of work is
            # made small, so the time goes to requests.
            env={"ALTCHA_MAX_NUMBER": "1000"},
        )
        try:
            with urllib.request.urlopen(server.url + SCHEMA_PATH, timeout=30) as response:  # noqa: S310
                assert json.loads(response.read()) == DOCUMENT
            yield server, token
        finally:
            server.stop()


@pytest.fixture(params=["anonymous", "customer"])
def headers(request: pytest.FixtureRequest, live: tuple[Gunicorn, str]) -> dict[str, str]:
    return {} if request.param == "anonymous" else {"Authorization": f"Bearer {live[1]}"}


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_live_api_answers_as_its_schema_says(
    case: Any, live: tuple[Gunicorn, str], headers: dict[str, str]
) -> None:
    case.call_and_validate(base_url=live[0].url, headers=headers, checks=CHECKS, timeout=30)
