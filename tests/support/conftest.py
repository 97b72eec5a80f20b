"""Builders for the support tests: a customer with a linked account, request types, catalog
items, and files that are (or pretend to be) images and PDFs."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from kabinet.billing.models import Account, AccountLink, Supplier
from kabinet.identity.models import User
from kabinet.staff.models import StaffMember
from kabinet.support import services
from kabinet.support.models import Appeal, CatalogItem, RequestType, ServiceRequest
from tests.factories import make_account, make_supplier
from tests.identity.test_profile import make_customer


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_upload(name: str = "meter.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def pdf_upload(name: str = "passport.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def fake_pdf_upload(name: str = "invoice.pdf") -> SimpleUploadedFile:
    """A Windows executable named like a PDF, with the browser's PDF content type."""
    return SimpleUploadedFile(name, b"MZ\x90\x00" + b"\x00" * 60, content_type="application/pdf")


def tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


def link(user: User, account: Account) -> AccountLink:
    return AccountLink.objects.create(user=user, account=account, relation="owner")


def make_request_type(supplier: Supplier, **kwargs: Any) -> RequestType:
    defaults: dict[str, Any] = {"name": "Снятие показаний", "sort_order": 10}
    defaults.update(kwargs)
    return RequestType.objects.create(supplier=supplier, **defaults)


def make_catalog_item(supplier: Supplier, **kwargs: Any) -> CatalogItem:
    defaults: dict[str, Any] = {
        "code": f"item-{CatalogItem.objects.count() + 1}",
        "name": "Замена электросчётчика",
        "price": Decimal("1500.00"),
    }
    defaults.update(kwargs)
    return CatalogItem.objects.create(supplier=supplier, **defaults)


def file_request(customer_link: AccountLink, **kwargs: Any) -> ServiceRequest:
    request_type = kwargs.pop("request_type", None) or make_request_type(
        customer_link.account.supplier, name=f"Тип {RequestType.objects.count() + 1}"
    )
    defaults: dict[str, Any] = {
        "reason": "Счётчик не показывает",
        "contact_phone": "+79161234567",
        "desired_date": tomorrow(),
        "desired_slot": "09-12",
    }
    defaults.update(kwargs)
    return services.create_request(link=customer_link, request_type=request_type, **defaults)


def file_appeal(user: User, supplier: Supplier, **kwargs: Any) -> Appeal:
    defaults: dict[str, Any] = {"account": None, "topic": "payment", "text": "Где мой платёж?"}
    defaults.update(kwargs)
    return services.create_appeal(user=user, supplier=supplier, **defaults)


def make_staff(supplier: Supplier | None = None, **kwargs: Any) -> User:
    """A staff user with an active StaffMember (supplier None = every supplier)."""
    defaults: dict[str, Any] = {"username": f"staff{User.objects.count() + 1}", "is_staff": True}
    defaults.update(kwargs)
    user = User.objects.create_user(password="Staff-Pass-2024x", **defaults)
    StaffMember.objects.create(user=user, supplier=supplier)
    return user


@pytest.fixture
def supplier(db: None) -> Supplier:
    return make_supplier(short_name="ТЭСК", time_zone="Europe/Moscow")


@pytest.fixture
def customer(db: None) -> User:
    return make_customer()


@pytest.fixture
def account(supplier: Supplier) -> Account:
    return make_account(supplier)


@pytest.fixture
def customer_link(customer: User, account: Account) -> AccountLink:
    return link(customer, account)


@pytest.fixture
def client_in(client: Client, customer: User) -> Client:
    client.force_login(customer)
    return client


@pytest.fixture
def stranger(db: None) -> User:
    return make_customer(last_name="Чужой")


@pytest.fixture
def staff(db: None) -> User:
    return make_staff()
