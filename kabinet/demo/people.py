"""People of the demo: the admin, two portal customers and their accounts, and where their
passwords are kept.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from kabinet.billing.models import Account, AccountLink, Supplier
from kabinet.demo.reference import ENERGY, HEAT_WATER, WASTE
from kabinet.identity.models import Consent, User
from kabinet.identity.services.consents import accept_consent
from kabinet.staff.models import StaffMember

CREDENTIALS_FILE = "demo_credentials.json"
DEMO_ADMIN = "admin"


def credentials_path() -> Path:
    return Path(settings.VAR_DIR) / CREDENTIALS_FILE


def ensure_demo_admin() -> tuple[str, bool]:
    """Create the demo superuser with a random password kept in var/; never reset one.

    Returns the username and whether it was created now.
    """
    user_model = get_user_model()
    if user_model.objects.filter(username=DEMO_ADMIN).exists():
        return DEMO_ADMIN, False
    password = secrets.token_urlsafe(16)
    user_model.objects.create_superuser(DEMO_ADMIN, "admin@example.com", password)
    payload = {"url": "http://127.0.0.1:8000/admin/", "username": DEMO_ADMIN, "password": password}
    # Created 0600, so the password is never readable by others, not even for a moment; the
    # chmod covers a file left by an earlier demo with other permissions.
    write_private_json(credentials_path(), payload)
    return DEMO_ADMIN, True


CUSTOMERS_FILE = "demo_customers.json"
# (login kind, login, surname, name, patronymic): one who registered by phone, one by e-mail.
DEMO_CUSTOMERS = (
    ("phone", "+79000000001", "Смирнова", "Анна", "Викторовна"),
    ("email", "demo@example.org", "Кузнецов", "Сергей", "Петрович"),
)


def customers_path() -> Path:
    return Path(settings.VAR_DIR) / CUSTOMERS_FILE


def ensure_demo_customers() -> list[dict[str, str]]:
    """Portal customers to log in as, with random passwords kept in var/; existing ones stay.

    They are created as if they had registered: login confirmed, consents given. Returns the
    logins created now (an empty list when all existed).
    """
    user_model = get_user_model()
    path = customers_path()
    known = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    created = []
    for kind, login, last_name, first_name, patronymic in DEMO_CUSTOMERS:
        lookup = {"phone": login} if kind == "phone" else {"email": login}
        if user_model.objects.filter(**lookup).exists():
            continue
        now = timezone.now()
        user, password = create_demo_user(
            "demo-" + kind,
            last_name=last_name,
            first_name=first_name,
            patronymic=patronymic,
            **lookup,
        )
        # Confirmed as registration would have confirmed it.
        if kind == "phone":
            user.phone_confirmed_at = now
        else:
            user.email_confirmed_at = now
        user.save(update_fields=["phone_confirmed_at", "email_confirmed_at"])
        for consent in (Consent.Kind.PERSONAL_DATA, Consent.Kind.USER_AGREEMENT):
            accept_consent(user=user, kind=consent, ip_address=None)
        entry = {"login": login, "password": password, "name": f"{last_name} {first_name}"}
        known = [k for k in known if k.get("login") != login] + [entry]
        created.append(entry)
    if created:
        write_private_json(path, known)
    return created


# Which suppliers' accounts each demo customer has linked, as if they had done it themselves.
DEMO_CUSTOMER_ACCOUNTS = {"+79000000001": (ENERGY, HEAT_WATER), "demo@example.org": (WASTE,)}


def link_demo_customers() -> int:
    """Link each demo customer to an open account of their suppliers (idempotent).

    The e-mail customer receives bills on paper-free terms. Returns how many links were made.
    """
    user_model = get_user_model()
    made = 0
    for login, suppliers in DEMO_CUSTOMER_ACCOUNTS.items():
        user = user_model.objects.filter(phone=login).first() or (
            user_model.objects.filter(email=login).first()
        )
        if user is None or AccountLink.objects.filter(user=user).exists():
            continue
        for code in suppliers:
            account = (
                Account.objects.filter(supplier__code=code, status=Account.Status.OPEN)
                .exclude(bills=None)
                .order_by("pk")
                .first()
            )
            if account is None:
                continue
            AccountLink.objects.create(
                user=user,
                account=account,
                relation=AccountLink.Relation.OWNER,
                paperless="@" in login,
            )
            made += 1
    return made


def create_demo_user(username: str, **fields: Any) -> tuple[User, str]:
    """A user with a random password that always meets the password policy (upper, lower, digit,
    8+ characters); returns the user and the password, to be kept with write_private_json."""
    password = secrets.token_urlsafe(9) + "Aa7"
    return User.objects.create_user(username=username, password=password, **fields), password


def write_private_json(path: Path, payload: object) -> None:
    """Demo passwords go to a file only its owner can read (0600 from creation)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, ensure_ascii=False, indent=2)
    path.chmod(0o600)


DEMO_OPERATOR = "operator"
OPERATOR_FILE = "demo_operator.json"
STAFF_URL = "http://127.0.0.1:8000/staff/"


def operator_path() -> Path:
    return Path(settings.VAR_DIR) / OPERATOR_FILE


@transaction.atomic
def ensure_demo_operator(suppliers: dict[str, Supplier]) -> str | None:
    """The back-office operator of the energy supplier, created once; never reset the password.

    Returns a line for seed_demo to print, or None when there is nothing new to say.
    """
    supplier = suppliers.get(ENERGY)
    if supplier is None:
        return None
    user = User.objects.filter(username=DEMO_OPERATOR).first()
    created = user is None
    if user is None:
        user, password = create_demo_user(
            DEMO_OPERATOR, last_name="Операторова", first_name="Ольга", is_staff=True
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
