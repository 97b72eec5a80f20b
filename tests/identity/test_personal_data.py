"""152-FZ: the person downloads what is stored about them and can have it destroyed."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth import authenticate
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kabinet.core.models import AuditEntry
from kabinet.identity.models import ApiToken, Consent, User, Verification
from kabinet.identity.services import personal_data
from kabinet.identity.services.profile import ProfileError
from kabinet.identity.services.tokens import issue_token
from kabinet.metering.models import Reading
from tests.factories import PASSWORD, make_account, make_customer, make_meter, make_reading

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer() -> User:
    user = make_customer(
        patronymic="Петровна", birth_date=dt.date(1980, 5, 17), gender=User.Gender.FEMALE
    )
    Consent.objects.create(user=user, kind=Consent.Kind.PERSONAL_DATA, version="1")
    Consent.objects.create(
        user=user, kind=Consent.Kind.MARKETING, version="2", withdrawn_at=timezone.now()
    )
    issue_token(user=user, label="Android")
    return user


def test_the_export_holds_the_person_their_consents_and_devices(customer: User) -> None:
    data = personal_data.export_personal_data(user=customer)

    assert data["user"]["last_name"] == "Иванова"
    assert data["user"]["patronymic"] == "Петровна"
    assert data["user"]["birth_date"] == "1980-05-17"
    assert data["user"]["phone"] == customer.phone
    assert data["user"]["email"] == customer.email
    assert "password" not in data["user"]
    assert [(c["kind"], c["version"]) for c in data["consents"]] == [
        ("personal_data", "1"),
        ("marketing", "2"),
    ]
    assert data["consents"][1]["withdrawn_at"] is not None
    assert [t["device"] for t in data["api_tokens"]] == ["Android"]
    token_hash = ApiToken.objects.get(user=customer).key_hash
    assert token_hash not in json.dumps(data)  # never a secret, not even hashed
    assert data["account_links"] == []
    json.dumps(data)  # serialisable as is
    assert AuditEntry.objects.filter(
        actor=customer, action="identity.personal_data_exported"
    ).exists()


def test_it_downloads_the_export_as_a_json_file(client: Client, customer: User) -> None:
    client.force_login(customer)
    response = client.get(reverse("profile:personal-data"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    assert json.loads(response.content)["user"]["first_name"] == "Мария"


def test_the_export_needs_a_login(client: Client) -> None:
    assert client.get(reverse("profile:personal-data")).status_code == 302


def test_it_deletes_the_person_and_keeps_the_utilitys_records(
    client: Client, customer: User
) -> None:
    reading = make_reading(make_meter(make_account()), submitted_by=customer)
    Verification.objects.create(
        purpose=Verification.Purpose.RECOVER,
        channel=Verification.Channel.SMS,
        target=customer.phone or "",
        secret_hash="c" * 64,
        expires_at=timezone.now() + dt.timedelta(minutes=10),
    )
    user_id = customer.pk
    client.force_login(customer)

    response = client.post(
        reverse("profile:delete"), {"current_password": PASSWORD, "confirm": "on"}, follow=True
    )

    assert "Учётная запись и ваши персональные данные удалены." in response.content.decode()
    assert not User.objects.filter(pk=user_id).exists()
    assert not Consent.objects.filter(user_id=user_id).exists()
    assert not ApiToken.objects.filter(user_id=user_id).exists()
    assert not Verification.objects.filter(target=customer.phone).exists()
    # The reading is the utility's record: it stays, without the pointer to the person.
    reading.refresh_from_db()
    assert reading.submitted_by is None
    assert Reading.objects.filter(pk=reading.pk).exists()
    # The deletion is on record, with no personal data in it.
    entry = AuditEntry.objects.get(action="identity.user_deleted")
    assert entry.actor is None
    assert entry.object_id == str(user_id)
    recorded = json.dumps([entry.actor_label, entry.data], ensure_ascii=False)
    for value in ("Иванова", str(customer.phone), str(customer.email)):
        assert value not in recorded
    # Logged out, and the credentials are dead.
    assert client.get(reverse("profile:index")).status_code == 302
    assert authenticate(username=customer.phone, password=PASSWORD) is None
    assert authenticate(username=customer.email, password=PASSWORD) is None


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"current_password": "wrong-Password-1", "confirm": "on"},
            "current_password",
            "Неверный текущий пароль.",
        ),
        ({"current_password": PASSWORD}, "confirm", "Подтвердите удаление."),
    ],
)
def test_it_does_not_delete_without_password_and_checkbox(
    client: Client, customer: User, data: dict[str, str], field: str, message: str
) -> None:
    client.force_login(customer)
    response = client.post(reverse("profile:delete"), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert User.objects.filter(pk=customer.pk).exists()


def test_the_service_needs_the_explicit_confirmation(customer: User) -> None:
    with pytest.raises(ProfileError) as error:
        personal_data.delete_user(user=customer, current_password=PASSWORD, confirmed=False)
    assert list(error.value.fields) == ["confirm"]
    assert User.objects.filter(pk=customer.pk).exists()
