"""Helpers of the staff tests: a customer of a supplier, a logged-in client. The builders
themselves are the shared ones of tests/factories.py, named here as the staff tests call them."""

from __future__ import annotations

from typing import Any

from django.test import Client

from kabinet.billing.models import AccountLink, Supplier
from kabinet.identity.models import User
from tests.factories import STAFF_PASSWORD as PASSWORD
from tests.factories import (
    file_appeal,
    file_document,
    file_request,
    make_account,
    make_customer,
    make_staff,
    png_upload,
)
from tests.factories import make_link as link

__all__ = [
    "PASSWORD",
    "customer_of",
    "file_appeal",
    "file_document",
    "file_request",
    "link",
    "make_customer",
    "make_staff",
    "png_upload",
    "staff_client",
]


def customer_of(supplier: Supplier, **kwargs: Any) -> tuple[User, AccountLink]:
    """A customer with an account of ``supplier`` linked."""
    customer = make_customer(**kwargs)
    return customer, link(customer, make_account(supplier))


def staff_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
