"""Finding a customer by phone, e-mail, account number or address, within the staff's scope."""

from __future__ import annotations

import pytest

from kabinet.support.models import Appeal
from tests.factories import make_account, make_bill, make_premises, make_supplier
from tests.staff.builders import (
    file_appeal,
    file_request,
    link,
    make_customer,
    make_staff,
    staff_client,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, object]:
    supplier, other = make_supplier(short_name="Энергосбыт"), make_supplier(short_name="Водоканал")
    customer = make_customer(phone="+79161112233", email="petrova@example.org", last_name="Петрова")
    account = make_account(
        supplier,
        number="100500",
        premises=make_premises(address="г. Тамбов, ул. Мичуринская, д. 7, кв. 12"),
    )
    customer_link = link(customer, account)
    make_bill(account)
    foreign_account = make_account(
        other,
        number="700700",
        premises=make_premises(address="г. Тамбов, ул. Мичуринская, д. 9, кв. 1"),
    )
    stranger = make_customer(phone="+79164445566", email="stranger@example.org")
    link(stranger, foreign_account)
    link(customer, foreign_account)
    return {
        "supplier": supplier,
        "other": other,
        "customer": customer,
        "stranger": stranger,
        "appeal": file_appeal(customer_link),
        "foreign_appeal": Appeal.objects.create(
            user=customer, supplier=other, topic="other", text="Вода"
        ),
        "request": file_request(customer_link),
    }


def search(client: object, kind: str, q: str) -> list[object]:
    response = client.get("/staff/customers/", {"kind": kind, "q": q})  # type: ignore[attr-defined]
    assert response.status_code == 200
    return list(response.context["results"])


@pytest.mark.parametrize(
    ("kind", "q"),
    [
        ("phone", "8 (916) 111-22-33"),
        ("email", "Petrova@Example.org"),
        ("account", "л/с № 0100-500"),
        ("address", "мичуринская, д. 7"),
    ],
)
def test_staff_find_their_customer_by_each_key(world: dict[str, object], kind: str, q: str) -> None:
    client = staff_client(make_staff(world["supplier"]))  # type: ignore[arg-type]
    assert search(client, kind, q) == [world["customer"]]


@pytest.mark.parametrize(
    ("kind", "q"),
    [("phone", "+7 916 444-55-66"), ("email", "stranger@example.org"), ("account", "700700")],
)
def test_another_suppliers_customer_is_not_found(
    world: dict[str, object], kind: str, q: str
) -> None:
    client = staff_client(make_staff(world["supplier"]))  # type: ignore[arg-type]
    assert search(client, kind, q) == []
    # Staff of all suppliers do find them.
    assert world["stranger"] in search(staff_client(make_staff(None)), kind, q)


def test_an_address_matching_only_another_suppliers_account_finds_nobody(
    world: dict[str, object],
) -> None:
    client = staff_client(make_staff(world["supplier"]))  # type: ignore[arg-type]
    assert search(client, "address", "Мичуринская, д. 9") == []


def test_empty_or_too_short_queries_get_a_message(world: dict[str, object]) -> None:
    client = staff_client(make_staff(world["supplier"]))  # type: ignore[arg-type]
    empty = client.get("/staff/customers/", {"kind": "phone", "q": ""})
    assert "Введите телефон, e-mail, номер счёта или адрес." in empty.text
    short = client.get("/staff/customers/", {"kind": "address", "q": "ул"})
    assert "Введите хотя бы 3 символа адреса." in short.text


def test_the_card_shows_only_the_staffs_suppliers_records(world: dict[str, object]) -> None:
    customer = world["customer"]
    client = staff_client(make_staff(world["supplier"]))  # type: ignore[arg-type]
    response = client.get(f"/staff/customers/{customer.pk}/")  # type: ignore[attr-defined]
    card = response.context["card"]
    assert [row.link.account.number for row in card.accounts] == ["100500"]
    assert card.accounts[0].balance is not None
    assert card.appeals == [world["appeal"]]
    assert card.requests == [world["request"]]
    assert "+79161112233" in response.text
    assert "подтверждён" in response.text
    # Never a password hash.
    assert customer.password not in response.text  # type: ignore[attr-defined]
    assert "md5$" not in response.text


def test_the_card_of_another_suppliers_customer_is_404(world: dict[str, object]) -> None:
    stranger = world["stranger"]
    client = staff_client(make_staff(world["supplier"]))  # type: ignore[arg-type]
    assert client.get(f"/staff/customers/{stranger.pk}/").status_code == 404  # type: ignore[attr-defined]
    staff = make_staff(None)
    assert client.get(f"/staff/customers/{staff.pk}/").status_code == 404
