"""«Обращения» on the account card (seed 004 §4.4.4.5): the customer's appeals and service
requests about this account only, the last 3 months unless another period is chosen."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kabinet.identity.models import User
from kabinet.support.models import Appeal, ServiceRequest
from tests.factories import (
    file_appeal,
    file_request,
    make_account,
    make_customer,
    make_link,
    make_supplier,
)

pytestmark = pytest.mark.django_db


def _tab(client: Client, account_id: int, query: str = "") -> str:
    response = client.get(reverse("support:account_appeals", args=[account_id]) + query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_tab_lists_only_this_accounts_appeals_and_requests(
    client_in: Client, customer: User
) -> None:
    supplier = make_supplier()
    here = make_link(customer, make_account(supplier))
    there = make_link(customer, make_account(supplier))
    mine = file_appeal(here, text="Про этот счёт")
    elsewhere = file_appeal(there, text="Про другой счёт")
    about_nothing = file_appeal(customer, supplier, text="Общий вопрос")
    ordered = file_request(here)
    other_order = file_request(there)
    co_owner = make_link(make_customer(), here.account)
    their_appeal = file_appeal(co_owner, text="Вопрос совладельца")

    html = _tab(client_in, here.account_id)
    assert f'href="{reverse("support:appeal", args=[mine.pk])}"' in html
    assert f'href="{reverse("support:request", args=[ordered.pk])}"' in html
    for absent in (elsewhere, about_nothing, their_appeal):
        assert f'href="{reverse("support:appeal", args=[absent.pk])}"' not in html
    assert f'href="{reverse("support:request", args=[other_order.pk])}"' not in html


def test_the_last_three_months_by_default_and_older_on_request(
    client_in: Client, customer: User
) -> None:
    link = make_link(customer, make_account())
    old = file_appeal(link)
    old_request = file_request(link)
    long_ago = timezone.now() - dt.timedelta(days=200)
    Appeal.objects.filter(pk=old.pk).update(created_at=long_ago)
    ServiceRequest.objects.filter(pk=old_request.pk).update(created_at=long_ago)
    recent = file_appeal(link)

    html = _tab(client_in, link.account_id)
    assert f'href="{reverse("support:appeal", args=[recent.pk])}"' in html
    assert f'href="{reverse("support:appeal", args=[old.pk])}"' not in html
    assert "За выбранный период заявок нет." in html

    html = _tab(client_in, link.account_id, "?range=12")
    assert f'href="{reverse("support:appeal", args=[old.pk])}"' in html
    assert f'href="{reverse("support:request", args=[old_request.pk])}"' in html


def test_someone_elses_account_is_not_found(client_in: Client) -> None:
    theirs = make_link(make_customer(), make_account())
    file_appeal(theirs)
    url = reverse("support:account_appeals", args=[theirs.account_id])
    assert client_in.get(url).status_code == 404
