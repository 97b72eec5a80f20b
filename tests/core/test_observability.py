"""Request ids, the JSON request log and the 503 while the database is away."""

from __future__ import annotations

import json
import logging
import sys
from typing import TYPE_CHECKING, Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError

from kabinet.core.observability import JsonFormatter

if TYPE_CHECKING:
    from django.test import Client

    from kabinet.identity.models import User


def request_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    formatter = JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == "kabinet.requests"]


@pytest.mark.django_db
def test_each_request_is_one_json_line_with_its_id_and_user(
    client: Client, customer: User, caplog: pytest.LogCaptureFixture
) -> None:
    client.force_login(customer)
    with caplog.at_level(logging.INFO, logger="kabinet.requests"):
        response = client.get("/", headers={"x-request-id": "nginx-4f2a9c"})
    (line,) = request_lines(caplog)
    assert response["X-Request-ID"] == "nginx-4f2a9c"
    assert line["request_id"] == "nginx-4f2a9c"
    assert line["user_id"] == str(customer.pk)
    assert (line["method"], line["path"], line["status"]) == ("GET", "/", response.status_code)
    assert isinstance(line["duration_ms"], float)
    assert line["level"] == "INFO"
    assert str(line["time"]).endswith("+00:00")


def test_an_unsafe_request_id_is_replaced_and_anonymous_has_no_user(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    # /healthz: no database, and the log must not load the session to find a user.
    with caplog.at_level(logging.INFO, logger="kabinet.requests"):
        response = client.get("/healthz", headers={"x-request-id": 'x"\nforged log line'})
    (line,) = request_lines(caplog)
    assert response["X-Request-ID"] == line["request_id"]
    assert len(str(line["request_id"])) == 32
    assert line["user_id"] is None


def test_a_traceback_becomes_one_json_field() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed %s", ("job",), None)
        record.exc_info = sys.exc_info()
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "failed job"
    assert "ValueError: boom" in entry["exception"]


@pytest.mark.urls("tests.core.urls_database_down")
def test_a_page_gets_the_russian_503_while_the_database_is_down(client: Client) -> None:
    response = client.get("/page/", headers={"accept-language": "ru"})
    html = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Сервис временно недоступен" in html
    assert response["X-Request-ID"] in html
    assert "Traceback" not in html
    assert "OperationalError" not in html


@pytest.mark.urls("tests.core.urls_database_down")
def test_the_503_page_names_the_support_line(client: Client, settings: Any) -> None:
    settings.SUPPORT_PHONE = "8 800 300-00-00"
    html = client.get("/page/").content.decode()
    assert "Обратитесь в службу поддержки" in html
    assert 'href="tel:88003000000"' in html


@pytest.mark.urls("tests.core.urls_database_down")
def test_the_api_gets_a_json_503_with_a_code(client: Client) -> None:
    response = client.get("/api/v1/thing/")
    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "service_unavailable"
    assert body["message"]
    assert body["fields"] == {}


@pytest.mark.urls("tests.core.urls_database_down")
def test_a_failure_after_the_view_also_gets_the_503(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.test import Client

    # As a server sees it: the test client would re-raise the exception Django handled.
    client = Client(raise_request_exception=False)

    def refuse(self: SessionStore, must_create: bool = False) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(SessionStore, "save", refuse)
    response = client.get("/session/")
    assert response.status_code == 503
    assert "Сервис временно недоступен" in response.content.decode()


@pytest.mark.parametrize(
    ("remote", "real", "seen"),
    [
        ("127.0.0.1", "198.51.100.7", "198.51.100.7"),  # from the proxy: its header counts
        ("203.0.113.9", "198.51.100.7", "203.0.113.9"),  # a client forging the header
        ("127.0.0.1", "not-an-address", "127.0.0.1"),
    ],
)
def test_the_client_address_comes_from_the_trusted_proxy_only(
    remote: str, real: str, seen: str, settings: Any
) -> None:
    from django.http import HttpRequest, HttpResponse
    from django.test import RequestFactory

    from kabinet.core.http import TrustedProxyMiddleware, client_ip

    settings.TRUSTED_PROXY_IPS = ["127.0.0.1", "::1"]
    addresses: list[str] = []

    def view(request: HttpRequest) -> HttpResponse:
        addresses.append(client_ip(request))
        return HttpResponse()

    request = RequestFactory().get("/", REMOTE_ADDR=remote, headers={"x-real-ip": real})
    TrustedProxyMiddleware(view)(request)
    assert addresses == [seen]


def test_a_real_api_endpoint_answers_the_json_503(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.test import Client

    from kabinet.api import auth

    def refuse(*args: object, **kwargs: object) -> None:
        raise OperationalError("could not connect to server: Connection refused")

    # The token lookup is the endpoint's first query: where an outage shows first.
    monkeypatch.setattr(auth, "authenticate_token", refuse)
    response = Client(raise_request_exception=False).get(
        "/api/v1/accounts", headers={"authorization": "Bearer some-token"}
    )
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
