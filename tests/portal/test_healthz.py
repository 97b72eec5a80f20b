from __future__ import annotations

from django.test import Client


def test_healthz_answers_ok_without_the_database(client: Client) -> None:
    # No db fixture: pytest-django fails the test if the view touches the database.
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok")
