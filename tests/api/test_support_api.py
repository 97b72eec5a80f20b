"""Customer API /api/v1/support and /api/v1/accounts/{id}/documents."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from kabinet.billing.models import AccountLink, Supplier
from kabinet.identity.models import User
from kabinet.identity.services.tokens import issue_token
from kabinet.support import services
from kabinet.support.models import (
    Appeal,
    Attachment,
    FaqCategory,
    FaqQuestion,
    ServiceRequest,
)
from tests.factories import (
    bomb_png_upload,
    fake_pdf_upload,
    file_appeal,
    file_request,
    make_account,
    make_catalog_item,
    make_customer,
    make_request_type,
    make_staff,
    make_supplier,
    pdf_upload,
    png_upload,
    truncated_jpeg_upload,
)
from tests.factories import make_link as link
from tests.support.conftest import tomorrow

pytestmark = pytest.mark.django_db

API = "/api/v1/support"


def auth(user: User) -> dict[str, Any]:
    _, key = issue_token(user=user, label="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def supplier() -> Supplier:
    return make_supplier(short_name="ТЭСК")


@pytest.fixture
def customer() -> User:
    return make_customer()


@pytest.fixture
def customer_link(customer: User, supplier: Supplier) -> AccountLink:
    return link(customer, make_account(supplier))


@pytest.fixture
def headers(customer: User) -> dict[str, Any]:
    return auth(customer)


def test_anonymous_is_401(client: Client) -> None:
    assert client.get(f"{API}/requests").status_code == 401


def test_catalog_and_faq(client: Client, headers: dict[str, Any], supplier: Supplier) -> None:
    make_catalog_item(supplier, name="Поверка", price=Decimal("1200.00"))
    category = FaqCategory.objects.create(supplier=None, name="Оплата")
    FaqQuestion.objects.create(category=category, question="Как оплатить?", answer="Картой.")
    FaqQuestion.objects.create(category=category, question="Где чек?", answer="На почте.")

    catalog = client.get(f"{API}/catalog", **headers).json()
    assert catalog[0]["items"][0]["name"] == "Поверка"
    assert catalog[0]["items"][0]["price"] == "1200.00"
    faq = client.get(f"{API}/faq?q=ОПЛАТИТЬ", **headers).json()
    assert [q["question"] for c in faq["categories"] for q in c["questions"]] == ["Как оплатить?"]


def test_file_list_and_cancel_a_request(
    client: Client, headers: dict[str, Any], customer_link: AccountLink
) -> None:
    request_type = make_request_type(customer_link.account.supplier)
    types = client.get(
        f"{API}/request-types?account_id={customer_link.account_id}", **headers
    ).json()
    assert [t["id"] for t in types] == [request_type.pk]

    created = client.post(
        f"{API}/requests",
        {
            "account_id": customer_link.account_id,
            "request_type_id": request_type.pk,
            "reason": "Снять показания",
            "contact_phone": "8 916 000-11-22",
            "desired_date": tomorrow().isoformat(),
            "desired_slot": "12-15",
            "attachments": [png_upload()],
        },
        **headers,
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status_label"] == "Принята в систему"
    assert body["number"].startswith("З-")
    assert body["can_cancel"] is True
    assert len(body["attachments"]) == 1
    download = client.get(body["attachments"][0]["url"], **headers)
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"

    listed = client.get(f"{API}/requests?status=new", **headers).json()
    assert [r["id"] for r in listed] == [body["id"]]

    canceled = client.post(f"{API}/requests/{body['id']}/cancel", {"reason": "Не нужно"}, **headers)
    assert canceled.status_code == 200
    assert [e["status"] for e in canceled.json()["events"]] == ["new", "canceled_by_customer"]
    again = client.post(f"{API}/requests/{body['id']}/cancel", {}, **headers)
    assert again.status_code == 409
    assert again.json()["code"] == "not_cancellable"


def test_order_a_catalog_item(
    client: Client, headers: dict[str, Any], customer_link: AccountLink
) -> None:
    item = make_catalog_item(customer_link.account.supplier)
    created = client.post(
        f"{API}/requests",
        {
            "account_id": customer_link.account_id,
            "catalog_item_id": item.pk,
            "contact_phone": "+79160001122",
            "desired_date": tomorrow().isoformat(),
        },
        **headers,
    )
    assert created.status_code == 201
    assert created.json()["price"] == "1500.00"
    assert created.json()["title"] == item.name


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"desired_date": "2020-01-01"}, 400, "desired_date"),
        ({"reason": ""}, 400, "reason"),
        ({"reason": "я" * 4001}, 400, "reason"),
        ({"contact_phone": "12"}, 400, "contact_phone"),
        ({"attachments": [fake_pdf_upload()]}, 400, "attachments"),
        ({"request_type_id": 999999}, 400, "request_type_id"),
    ],
    ids=["past", "blank", "oversized", "phone", "fake-pdf", "unknown-type"],
)
def test_bad_request_input_is_a_4xx_with_the_field(
    client: Client,
    headers: dict[str, Any],
    customer_link: AccountLink,
    changes: dict[str, Any],
    status: int,
    field: str,
) -> None:
    request_type = make_request_type(customer_link.account.supplier)
    data: dict[str, Any] = {
        "account_id": customer_link.account_id,
        "request_type_id": request_type.pk,
        "reason": "Причина",
        "contact_phone": "+79160001122",
        "desired_date": tomorrow().isoformat(),
    }
    data.update(changes)
    response = client.post(f"{API}/requests", data, **headers)
    assert response.status_code == status, response.json()
    assert field in response.json()["fields"]
    assert not ServiceRequest.objects.exists()


def test_appeal_with_attachment_answered_by_staff_and_replied(
    client: Client, headers: dict[str, Any], customer: User, customer_link: AccountLink
) -> None:
    created = client.post(
        f"{API}/appeals",
        {
            "supplier_id": customer_link.account.supplier_id,
            "account_id": customer_link.account_id,
            "topic": "complaint",
            "text": "Счёт пришёл дважды",
            "attachments": [pdf_upload()],
        },
        **headers,
    )
    assert created.status_code == 201, created.json()
    appeal_id = created.json()["id"]
    assert created.json()["number"].startswith("О-")
    assert created.json()["status_label"] == "Зарегистрировано"

    appeal = Appeal.objects.get(pk=appeal_id)
    services.answer_appeal(appeal=appeal, staff=make_staff(), text="Второй счёт аннулирован.")
    listed = client.get(f"{API}/appeals", **headers).json()
    assert listed[0]["has_unread_answer"] is True
    detail = client.get(f"{API}/appeals/{appeal_id}", **headers).json()
    assert detail["has_unread_answer"] is True
    assert detail["messages"][0]["text"] == "Второй счёт аннулирован."
    assert detail["messages"][0]["by_staff"] is True
    assert client.get(f"{API}/appeals", **headers).json()[0]["has_unread_answer"] is False

    reply = client.post(f"{API}/appeals/{appeal_id}/messages", {"text": "Спасибо"}, **headers)
    assert reply.status_code == 201
    assert reply.json()["status"] == "in_progress"
    blank = client.post(f"{API}/appeals/{appeal_id}/messages", {"text": " "}, **headers)
    assert blank.status_code == 400
    assert blank.json()["fields"] == {"text": ["Заполните это поле."]}


def test_appeal_rate_limit_is_429(
    client: Client, headers: dict[str, Any], supplier: Supplier, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "CREATE_LIMIT_PER_HOUR", 1)
    body = {"supplier_id": supplier.pk, "topic": "other", "text": "Вопрос"}
    assert client.post(f"{API}/appeals", body, **headers).status_code == 201
    refused = client.post(f"{API}/appeals", body, **headers)
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"


def test_documents_of_an_account(
    client: Client, headers: dict[str, Any], customer_link: AccountLink
) -> None:
    url = f"/api/v1/accounts/{customer_link.account_id}/documents"
    none = client.post(url, {"kind": "residents"}, **headers)
    assert none.status_code == 400
    assert "attachments" in none.json()["fields"]
    created = client.post(url, {"kind": "residents", "attachments": [pdf_upload()]}, **headers)
    assert created.status_code == 201
    assert created.json()["status_label"] == "Получены"
    assert [d["id"] for d in client.get(url, **headers).json()] == [created.json()["id"]]


@pytest.mark.parametrize("endpoint", ["appeal", "reply", "request", "documents"])
@pytest.mark.parametrize("upload", [bomb_png_upload, truncated_jpeg_upload])
def test_an_image_the_decoder_refuses_is_a_400_with_the_field(
    client: Client, headers: dict[str, Any], customer_link: AccountLink, endpoint: str, upload: Any
) -> None:
    supplier_id = customer_link.account.supplier_id
    appeal = file_appeal(customer_link.user, customer_link.account.supplier)
    posts: dict[str, tuple[str, dict[str, Any]]] = {
        "appeal": (
            f"{API}/appeals",
            {"supplier_id": supplier_id, "topic": "other", "text": "Вопрос"},
        ),
        "reply": (f"{API}/appeals/{appeal.pk}/messages", {"text": "Дополняю"}),
        "request": (
            f"{API}/requests",
            {
                "account_id": customer_link.account_id,
                "request_type_id": make_request_type(customer_link.account.supplier).pk,
                "reason": "Причина",
                "contact_phone": "+79160001122",
                "desired_date": tomorrow().isoformat(),
            },
        ),
        "documents": (
            f"/api/v1/accounts/{customer_link.account_id}/documents",
            {"kind": "residents"},
        ),
    }
    url, data = posts[endpoint]
    response = client.post(url, {**data, "attachments": [upload()]}, **headers)
    assert response.status_code == 400, response.content
    [error] = response.json()["fields"]["attachments"]
    assert error.endswith(": Файл повреждён или это не изображение."), error
    assert not Attachment.objects.exists()


def test_everything_of_another_customer_is_404(
    client: Client, customer: User, customer_link: AccountLink
) -> None:
    request = file_request(customer_link, files=[png_upload()])
    appeal = file_appeal(customer, customer_link.account.supplier, files=[png_upload()])
    document = services.upload_social_document(
        link=customer_link, kind="residents", files=[pdf_upload()]
    )
    account_id = customer_link.account_id
    stranger = auth(make_customer())
    calls: list[tuple[str, str, dict[str, Any] | None]] = [
        ("get", f"{API}/requests/{request.pk}", None),
        ("post", f"{API}/requests/{request.pk}/cancel", {}),
        ("get", f"{API}/appeals/{appeal.pk}", None),
        ("post", f"{API}/appeals/{appeal.pk}/messages", {"text": "чужое"}),
        ("get", f"{API}/request-types?account_id={account_id}", None),
        ("get", f"{API}/attachments/{request.attachments.get().pk}", None),
        ("get", f"{API}/attachments/{appeal.attachments.get().pk}", None),
        ("get", f"{API}/attachments/{document.attachments.get().pk}", None),
        ("get", f"/api/v1/accounts/{account_id}/documents", None),
        ("post", f"/api/v1/accounts/{account_id}/documents", {"kind": "residents"}),
        (
            "post",
            f"{API}/requests",
            {
                "account_id": account_id,
                "request_type_id": make_request_type(customer_link.account.supplier).pk,
                "reason": "x",
                "contact_phone": "+79160001122",
                "desired_date": tomorrow().isoformat(),
            },
        ),
        (
            "post",
            f"{API}/appeals",
            {
                "supplier_id": customer_link.account.supplier_id,
                "account_id": account_id,
                "topic": "other",
                "text": "x",
            },
        ),
    ]
    for method, url, body in calls:
        response = getattr(client, method)(url, body or {}, **stranger)
        assert response.status_code == 404, (method, url, response.content)
        assert response.json()["code"] == "not_found"
    request.refresh_from_db()
    assert request.status == "new"
    assert appeal.messages.count() == 0
    assert ServiceRequest.objects.count() == 1
    assert Appeal.objects.count() == 1
    # Lists show only the caller's own rows.
    assert client.get(f"{API}/requests", **stranger).json() == []
    assert client.get(f"{API}/appeals", **stranger).json() == []


def test_the_schema_lists_the_account_scoped_document_operations(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    item = schema["paths"]["/api/v1/accounts/{account_id}/documents"]
    assert set(item) == {"get", "post"}


def test_a_second_suppliers_catalog_can_be_filtered(
    client: Client, headers: dict[str, Any], supplier: Supplier
) -> None:
    other = make_supplier(short_name="Водоканал")
    make_catalog_item(supplier)
    make_catalog_item(other, name="Поверка водомера")
    only = client.get(f"{API}/catalog?supplier_id={other.pk}", **headers).json()
    assert [g["supplier"] for g in only] == ["Водоканал"]
