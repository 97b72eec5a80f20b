"""The demo operator: a staff member of the demo energy retailer, created by seed_demo."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from kabinet.billing.models import Supplier
from kabinet.demo.simulation import ENERGY, write_private_json
from kabinet.identity.models import User
from kabinet.staff.models import StaffMember

DEMO_OPERATOR = "operator"
OPERATOR_FILE = "demo_operator.json"
STAFF_URL = "http://127.0.0.1:8000/staff/"


def operator_path() -> Path:
    return Path(settings.VAR_DIR) / OPERATOR_FILE


@transaction.atomic
def ensure_demo_operator(suppliers: dict[str, Supplier]) -> str | None:
    """Create the operator bound to the energy supplier once; never reset the password.

    Returns a line for seed_demo to print, or None when there is nothing new to say.
    """
    supplier = suppliers.get(ENERGY)
    if supplier is None:
        return None
    user = User.objects.filter(username=DEMO_OPERATOR).first()
    created = user is None
    if user is None:
        password = secrets.token_urlsafe(9) + "Aa7"
        user = User.objects.create_user(
            username=DEMO_OPERATOR,
            password=password,
            last_name="Операторова",
            first_name="Ольга",
            is_staff=True,
        )
        write_private_json(
            operator_path(),
            {
                "url": STAFF_URL,
                "username": DEMO_OPERATOR,
                "password": password,
                "supplier": supplier.short_name,
            },
        )
    StaffMember.objects.get_or_create(
        user=user, defaults={"supplier": supplier, "position": "Оператор контакт-центра"}
    )
    if created:
        return (
            f"Создан оператор бэк-офиса «{DEMO_OPERATOR}» ({supplier.short_name}), "
            "пароль: manage.py demo_logins."
        )
    return None


def on_demo_loaded(sender: Any, suppliers: dict[str, Supplier], **kwargs: Any) -> str | None:
    return ensure_demo_operator(suppliers)
