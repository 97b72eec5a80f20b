"""Builders for the staff tests: staff members, customers and what customers file."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from kabinet.billing.models import Account, AccountLink, Supplier
from kabinet.identity.models import User
from kabinet.staff.models import StaffMember
from kabinet.support import services as support
from kabinet.support.models import Appeal, RequestType, ServiceRequest, SocialNormDocument
from tests.factories import make_account

PASSWORD = "Staff-Pass-2024x"
_seq = itertools.count(1)


def make_staff(supplier: Supplier | None = None, **kwargs: Any) -> User:
    """A staff user with an active StaffMember (supplier None = every supplier)."""
    n = next(_seq)
    defaults: dict[str, Any] = {
        "username": f"operator{n}",
        "last_name": "Сотрудникова",
        "first_name": f"Ольга{n}",
        "is_staff": True,
    }
    defaults.update(kwargs)
    user = User.objects.create_user(password=PASSWORD, **defaults)
    StaffMember.objects.create(user=user, supplier=supplier, position="Оператор")
    return user


def make_customer(**kwargs: Any) -> User:
    n = next(_seq)
    defaults: dict[str, Any] = {
        "username": f"client{n}",
        "last_name": "Клиентова",
        "first_name": "Анна",
        "phone": f"+7916555{n:04d}",
        "phone_confirmed_at": timezone.now(),
    }
    defaults.update(kwargs)
    return User.objects.create_user(password=PASSWORD, **defaults)


def link(user: User, account: Account) -> AccountLink:
    return AccountLink.objects.create(user=user, account=account, relation="owner")


def customer_of(supplier: Supplier, **kwargs: Any) -> tuple[User, AccountLink]:
    """A customer with an account of ``supplier`` linked."""
    customer = make_customer(**kwargs)
    return customer, link(customer, make_account(supplier))


def png_upload(name: str = "photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def file_appeal(customer_link: AccountLink, **kwargs: Any) -> Appeal:
    defaults: dict[str, Any] = {"topic": "payment", "text": "Где мой платёж?"}
    defaults.update(kwargs)
    return support.create_appeal(
        user=customer_link.user,
        supplier=customer_link.account.supplier,
        account=customer_link.account,
        **defaults,
    )


def file_request(customer_link: AccountLink, **kwargs: Any) -> ServiceRequest:
    supplier = customer_link.account.supplier
    request_type = (
        kwargs.pop("request_type", None)
        or RequestType.objects.get_or_create(supplier=supplier, name="Снятие показаний")[0]
    )
    tomorrow = timezone.localdate(timezone=ZoneInfo(supplier.time_zone)) + dt.timedelta(days=1)
    defaults: dict[str, Any] = {
        "reason": "Счётчик не показывает",
        "contact_phone": "+79161234567",
        "desired_date": tomorrow,
        "desired_slot": "09-12",
    }
    defaults.update(kwargs)
    return support.create_request(link=customer_link, request_type=request_type, **defaults)


def file_document(customer_link: AccountLink) -> SocialNormDocument:
    return support.upload_social_document(
        link=customer_link, kind="residents", files=[png_upload("spravka.png")]
    )


def staff_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
