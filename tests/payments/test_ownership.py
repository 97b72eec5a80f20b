"""Every account-scoped page of the payments app is a 404 for another user, GET and POST."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from kabinet.billing.models import Account
from kabinet.payments import urls
from kabinet.payments.models import Payment
from tests.factories import make_customer
from tests.payments.conftest import form

pytestmark = pytest.mark.django_db


def test_every_account_and_payment_page_is_404_for_another_user(
    client_in: Client, account: Account
) -> None:
    client_in.post(reverse("payments:pay", args=[account.pk]), form(account))
    payment = Payment.objects.get()
    stranger = Client()
    stranger.force_login(make_customer())
    scoped = [
        p
        for p in urls.urlpatterns
        if isinstance(p, URLPattern)
        and ("account_id" in str(p.pattern) or "payment_id" in str(p.pattern))
    ]
    assert {p.name for p in scoped} == {"pay", "account_history", "return", "retry", "document"}
    for pattern in scoped:
        kwargs = (
            {"account_id": account.pk}
            if "account_id" in str(pattern.pattern)
            else {"payment_id": payment.pk}
        )
        url = reverse(f"payments:{pattern.name}", kwargs=kwargs)
        statuses = {
            method: getattr(stranger, method)(
                url, form(account) if method == "post" else None
            ).status_code
            for method in ("get", "post")
        }
        # 405 is a method the view refuses to anyone; the method it serves must be a 404.
        assert set(statuses.values()) <= {404, 405}, (url, statuses)
        assert 404 in statuses.values(), (url, statuses)
    assert Payment.objects.count() == 1


def test_pages_need_a_login(client: Client, account: Account) -> None:
    response = client.get(reverse("payments:pay", args=[account.pk]))

    assert response.status_code == 302
    assert "/login/" in response["Location"]
