"""Every response carries the Content-Security-Policy: scripts from this site (or with the
request's nonce) only, never inline; uploaded files keep their stricter sandbox."""

from __future__ import annotations

import re

import pytest
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.test import Client, RequestFactory

from kabinet.core.csp import HEADER, ContentSecurityPolicyMiddleware
from kabinet.identity.models import User
from tests.factories import make_account, make_link, make_staff, make_supplier

pytestmark = pytest.mark.django_db


def directives(header: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in header.split(";") if d.strip()}


def assert_strict(response: HttpResponseBase) -> None:
    policy = directives(response[HEADER])
    assert policy["script-src"][0] == "'self'"
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize(
    "path",
    ["/", "/login/", "/register/", "/support/faq/", "/admin/login/", "/api/v1/docs", "/nowhere/"],
)
def test_every_public_page_has_the_policy(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code in {200, 404}
    assert response["Content-Type"].startswith("text/html")
    assert_strict(response)


def test_customer_and_staff_pages_have_the_policy(client: Client, customer: User) -> None:
    account = make_account(make_supplier())
    make_link(customer, account)
    client.force_login(customer)
    for path in ["/", "/accounts/", f"/accounts/{account.pk}/", "/support/appeals/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_strict(response)
    client.force_login(make_staff())
    staff = client.get("/staff/", follow=True)
    assert staff.status_code == 200
    assert_strict(staff)


def test_no_page_carries_an_inline_script_or_handler(client: Client, customer: User) -> None:
    from tests.documents.sample import make_two_recipient_bill

    account = make_two_recipient_bill().account
    make_link(customer, account)
    client.force_login(customer)
    pay = client.get(f"/accounts/{account.pk}/pay/").content.decode()
    assert 'src="/static/payments/pay.js"' in pay  # the pay page's behaviour, now a file
    for path in ["/", f"/accounts/{account.pk}/", f"/accounts/{account.pk}/pay/"]:
        html = client.get(path).content.decode()
        # <script> with no src, other than a JSON data block, would be blocked.
        assert not re.search(r"<script(?![^>]*\b(src|type=\"application/json\")\b)[^>]*>", html)
        assert not re.search(r"\son[a-z]+\s*=", html), path


def test_a_page_that_uses_the_nonce_gets_it_in_the_header() -> None:
    seen: list[str] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(str(request.csp_nonce))  # type: ignore[attr-defined]
        return HttpResponse(f'<script nonce="{seen[0]}">1</script>')

    response = ContentSecurityPolicyMiddleware(view)(RequestFactory().get("/"))
    assert f"'nonce-{seen[0]}'" in directives(response[HEADER])["script-src"]
    assert len(seen[0]) >= 22
    other = ContentSecurityPolicyMiddleware(view)(RequestFactory().get("/"))
    assert other[HEADER] != response[HEADER]  # a fresh nonce per response


def test_an_uploaded_file_keeps_its_sandbox(client: Client, customer: User) -> None:
    from tests.factories import file_appeal, png_upload

    appeal = file_appeal(customer, make_supplier(), files=[png_upload()])
    client.force_login(customer)
    response = client.get(f"/support/attachments/{appeal.attachments.get().pk}/")
    assert response.status_code == 200
    assert response[HEADER].startswith("sandbox")
