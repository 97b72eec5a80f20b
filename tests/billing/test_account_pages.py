"""Account overview, charges and details pages; ownership of every account-scoped URL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kabinet.billing.models import Account, AccountLink, Charge, Service, Supplier
from kabinet.billing.selectors import ChargesPage
from kabinet.identity.models import User
from tests.factories import (
    fill_charges,
    make_account,
    make_bill,
    make_charge,
    make_customer,
    make_link,
    make_meter,
    make_premises,
    make_service,
    make_supplier,
)

pytestmark = pytest.mark.django_db

SEPT = dt.date(2026, 9, 1)
OCT = dt.date(2026, 10, 1)


@pytest.fixture
def energy() -> Supplier:
    return make_supplier(
        short_name="ТЭСК", name="ПАО «Тамбовская энергосбытовая компания»", inn="6829012680"
    )


@pytest.fixture
def waste() -> Supplier:
    return make_supplier(short_name="ТКО Регион", kind=Supplier.Kind.WASTE, inn="6829000000")


@pytest.fixture
def electricity() -> Service:
    return make_service(name="Электроснабжение", unit="кВт·ч", sort_order=1)


@pytest.fixture
def account(customer: User, energy: Supplier, waste: Supplier, electricity: Service) -> Account:
    account = make_account(
        energy,
        number="700123",
        owner_name="Петрова Анна Сергеевна",
        premises=make_premises(
            address="г. Тамбов, ул. Мичуринская, д. 5, кв. 17",
            flat="17",
            total_area=Decimal("54.30"),
            living_area=Decimal("32.10"),
            residents=3,
        ),
    )
    make_link(customer, account, alias="Дом")
    return account


# --- overview ---


def test_overview_shows_debt_due_date_suppliers_and_honest_placeholders(
    client_in: Client, account: Account, energy: Supplier, waste: Supplier, electricity: Service
) -> None:
    fill_charges(account, energy, waste, electricity)
    html = client_in.get(reverse("accounts:overview", args=[account.pk])).content.decode()
    assert "ул. Мичуринская" in html
    assert "ТЭСК" in html
    assert "ТКО Регион" in html
    assert "Задолженность: 1\u00a0293,72\u00a0₽" in html
    assert "Оплатить до 25.11.2026" in html
    assert f'href="{reverse("payments:pay", args=[account.pk])}"' in html
    assert f'href="{reverse("readings:submit", args=[account.pk])}"' in html


def test_overview_overpayment_and_no_bill(client_in: Client, account: Account) -> None:
    url = reverse("accounts:overview", args=[account.pk])
    assert "Квитанций по этому счёту пока нет." in client_in.get(url).content.decode()
    make_bill(account, period=OCT, sections=[(account.supplier, Decimal("-40.10"))])
    assert "Переплата: 40,10\u00a0₽" in client_in.get(url).content.decode()


def test_overview_queries_do_not_grow_with_rows(
    client_in: Client,
    customer: User,
    account: Account,
    energy: Supplier,
    waste: Supplier,
    electricity: Service,
    django_assert_max_num_queries: Any,
) -> None:
    fill_charges(account, energy, waste, electricity)
    for _ in range(5):
        other = make_account(energy)
        make_link(customer, other)
    # Session, user, the ETag's versions, the user's links (ownership and sidebar in one), the
    # latest bill's sections, the portal payments billing has not accounted yet, the menu's
    # unread-answers badge, and the unread notifications (the menu's badge and the accounts'
    # marks from one query).
    with django_assert_max_num_queries(8):
        assert client_in.get(reverse("accounts:overview", args=[account.pk])).status_code == 200
    with django_assert_max_num_queries(10):
        assert client_in.get(reverse("accounts:list")).status_code == 200


# --- charges ---


def test_charges_table_per_supplier_with_totals(
    client_in: Client, account: Account, energy: Supplier, waste: Supplier, electricity: Service
) -> None:
    fill_charges(account, energy, waste, electricity)
    response = client_in.get(reverse("accounts:charges", args=[account.pk]))
    page = response.context["page"]
    assert page.period == OCT
    assert page.periods == [OCT, SEPT]
    assert [g.supplier for g in page.suppliers] == [waste, energy]  # by name
    assert page.suppliers[1].totals["penalties"] == Decimal("3.17")
    assert page.suppliers[1].totals["charged"] == Decimal("1107.50")
    assert page.totals["total"] == Decimal("1293.72")
    html = response.content.decode()
    for text in [
        "Электроснабжение",
        "210,500 кВт·ч",
        "5,26",
        "1\u00a0107,50",
        "\u221212,30",
        "100,00",
        "3,17",
    ]:
        assert text in html
    assert "Итого к оплате: 1\u00a0293,72\u00a0₽" in html


def test_charges_of_an_earlier_period_and_empty_or_bad_ones(
    client_in: Client, account: Account, energy: Supplier, waste: Supplier, electricity: Service
) -> None:
    fill_charges(account, energy, waste, electricity)
    url = reverse("accounts:charges", args=[account.pk])
    page = client_in.get(url, {"period": "2026-09"}).context["page"]
    assert page.period == SEPT
    assert len(page.suppliers) == 1
    assert len(page.suppliers[0].lines) == 1
    response = client_in.get(url, {"period": "2025-01"})
    assert response.status_code == 200
    assert "начислений нет" in response.content.decode()
    response = client_in.get(url, {"period": "2026-13"})
    assert response.status_code == 200
    assert response.context["page"].period == OCT


def test_charges_without_any_charge(client_in: Client, account: Account) -> None:
    response = client_in.get(reverse("accounts:charges", args=[account.pk]))
    assert response.status_code == 200
    assert "Начислений по этому счёту пока нет." in response.content.decode()


def test_charge_detail(
    client_in: Client, account: Account, energy: Supplier, waste: Supplier, electricity: Service
) -> None:
    fill_charges(account, energy, waste, electricity)
    charge = account.charges.get(period=OCT, service=electricity)
    html = client_in.get(reverse("accounts:charge", args=[account.pk, charge.pk])).content.decode()
    assert "210,500 кВт·ч" in html
    assert "995,20" in html


def test_charges_queries_do_not_grow_with_rows(
    client_in: Client,
    account: Account,
    energy: Supplier,
    waste: Supplier,
    electricity: Service,
    django_assert_max_num_queries: Any,
) -> None:
    fill_charges(account, energy, waste, electricity)
    for i in range(8):
        make_charge(account, make_service(), period=OCT, supplier=waste if i % 2 else energy)
    # Session, user, the ETag's versions, the links, the periods, the charges, the badges of
    # unread answers and unread notifications.
    with django_assert_max_num_queries(8):
        assert client_in.get(reverse("accounts:charges", args=[account.pk])).status_code == 200


# --- details ---


def test_details_owner_contracts_tariffs_meters_requisites(
    client_in: Client, account: Account, energy: Supplier, waste: Supplier, electricity: Service
) -> None:
    fill_charges(account, energy, waste, electricity)
    make_meter(
        account,
        electricity,
        serial_number="011552148",
        zones=2,
        integer_digits=6,
        fraction_digits=2,
        location="Лестничная площадка",
        installed_on=dt.date(2019, 3, 4),
        verification_due=dt.date(2035, 3, 4),
    )
    response = client_in.get(reverse("accounts:details", args=[account.pk]))
    details = response.context["details"]
    current = next(c for c in details.contracts if c.service == electricity)
    assert current.tariff is not None
    assert current.tariff.name == "Одноставочный 2026"
    assert {t.name for t in details.tariff_history} == {
        "Одноставочный 2025",
        "Одноставочный 2026",
    }
    html = response.content.decode()
    for text in [
        "Петрова Анна Сергеевна",
        "54,3",
        "32,1",
        "011552148",
        "6.2",
        "04.03.2019",
        "04.03.2035",
        "Лестничная площадка",
        "6829012680",
        "044525225",
        "40702810938000000001",
        "ТКО Регион",
        "5,2613",
        "История тарифов",
    ]:
        assert text in html, text
    assert "Чужой тариф" not in html


def test_the_charges_history_shows_several_months_each_adding_up(
    client_in: Client, account: Account, energy: Supplier, waste: Supplier, electricity: Service
) -> None:
    """Seed 000: «История начислений (за последние 6 месяцев)» in one report."""
    fill_charges(account, energy, waste, electricity)
    url = reverse("accounts:charges", args=[account.pk])
    response = client_in.get(url, {"months": "6"})
    pages = response.context["history"].pages
    assert [page.period for page in pages] == [dt.date(2026, 10, 1), dt.date(2026, 9, 1)]
    for page in pages:
        assert page.totals["total"] == sum(
            (group.totals["total"] for group in page.suppliers), Decimal("0.00")
        )
    html = response.content.decode()
    assert html.count('data-testid="charges-total"') == 2
    assert "Итого к оплате: 1\u00a0293,72\u00a0₽" in html
    # Up to a chosen month only; an unknown number of months shows the one month.
    until = client_in.get(url, {"months": "3", "period": "2026-09"}).context["history"]
    assert [page.period for page in until.pages] == [dt.date(2026, 9, 1)]
    assert client_in.get(url, {"months": "7"}).context["history"] is None

    api = client_in.get(f"/api/v1/accounts/{account.pk}/charges/history", {"months": 6}).json()
    assert [month["period"] for month in api] == ["2026-10", "2026-09"]
    bad = client_in.get(f"/api/v1/accounts/{account.pk}/charges/history", {"months": 13})
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_months"


def test_the_meter_list_of_a_period_shows_the_meters_removed_in_it(
    client_in: Client, account: Account, electricity: Service
) -> None:
    """Seed 003, Рис. 32: «Список счётчиков» with «Дата снятия», for a chosen period."""
    make_meter(account, electricity, serial_number="NOW-1")
    removed_on = timezone.localdate() - dt.timedelta(days=40)
    make_meter(account, electricity, serial_number="OLD-7", removed_on=removed_on)
    make_meter(account, electricity, serial_number="ANCIENT-3", removed_on=dt.date(2015, 1, 1))
    url = reverse("accounts:details", args=[account.pk])

    current = client_in.get(url).content.decode()
    assert "NOW-1" in current
    assert "OLD-7" not in current
    quarter = client_in.get(url, {"meters": "3"}).content.decode()
    assert "OLD-7" in quarter
    assert removed_on.strftime("%d.%m.%Y") in quarter
    assert "ANCIENT-3" not in quarter
    assert "ANCIENT-3" in client_in.get(url, {"meters": "all"}).content.decode()
    assert "OLD-7" not in client_in.get(url, {"meters": "nonsense"}).content.decode()
    api = client_in.get(
        f"/api/v1/accounts/{account.pk}/details",
        {"meters_since": (removed_on - dt.timedelta(days=1)).isoformat()},
    ).json()
    assert {m["serial_number"] for m in api["meters"]} == {"NOW-1", "OLD-7"}


# --- ownership: every account-scoped page answers 404 to someone else ---


def account_urls(account: Account) -> list[str]:
    charge = account.charges.first()
    assert charge is not None
    return [
        reverse("accounts:overview", args=[account.pk]),
        reverse("accounts:edit", args=[account.pk]),
        reverse("accounts:unlink", args=[account.pk]),
        reverse("accounts:charges", args=[account.pk]),
        reverse("accounts:charge", args=[account.pk, charge.pk]),
        reverse("accounts:details", args=[account.pk]),
        reverse("accounts:group", args=[account.pk]),
        reverse("accounts:access", args=[account.pk]),
    ]


def post_only_account_urls(account: Account) -> list[str]:
    return [
        reverse("accounts:revoke_invitation", args=[account.pk, 1]),
        reverse("accounts:revoke_member", args=[account.pk, 1]),
    ]


def test_every_account_page_is_404_for_another_user(
    client: Client, account: Account, energy: Supplier, waste: Supplier, electricity: Service
) -> None:
    fill_charges(account, energy, waste, electricity)
    stranger = make_customer()
    own = make_account(energy)
    make_link(stranger, own)
    client.force_login(stranger)
    for url in account_urls(account):
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code in {404, 405}, url
    for url in post_only_account_urls(account):
        assert client.post(url).status_code == 404, url
    # A charge of someone else's account under one's own account id is not found either.
    foreign_charge = account.charges.first()
    assert foreign_charge is not None
    url = reverse("accounts:charge", args=[own.pk, foreign_charge.pk])
    assert client.get(url).status_code == 404
    assert AccountLink.objects.filter(account=account).count() == 1
    # The URLs list covers every account-scoped route of the app.
    from kabinet.billing import urls

    scoped = [p for p in urls.urlpatterns if "account_id" in str(p.pattern)]
    assert len(scoped) == len(account_urls(account)) + len(post_only_account_urls(account))


def test_cached_menus_and_tabs_follow_the_account_and_the_language(
    client_in: Client, customer: User
) -> None:
    """The menus and tabs come from the fragment cache: each account gets its own tab links
    and each language its own text, whichever was rendered first."""
    first, second = make_account(), make_account()
    make_link(customer, first)
    make_link(customer, second)

    client_in.get(reverse("accounts:overview", args=[first.pk]), HTTP_ACCEPT_LANGUAGE="ru")
    page = client_in.get(
        reverse("accounts:overview", args=[second.pk]), HTTP_ACCEPT_LANGUAGE="ru"
    ).content.decode()
    assert f'href="{reverse("accounts:charges", args=[second.pk])}"' in page
    assert f'href="{reverse("accounts:charges", args=[first.pk])}"' not in page
    assert f'href="{reverse("readings:submit", args=[second.pk])}"' in page
    assert ">Начисления<" in page
    assert ">Лицевые счета<" in page

    # LocaleMiddleware leaves the request's language active in the thread; later tests need ru.
    with translation.override(translation.get_language()):
        english = client_in.get(
            reverse("accounts:overview", args=[second.pk]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    assert ">Charges<" in english
    assert ">Personal accounts<" in english
    assert ">Начисления<" not in english
    assert 'name="csrfmiddlewaretoken"' in english  # the logout form keeps a token of its own


def test_charges_rows_add_up_with_the_surcharge_and_zones_in_t_order(
    client_in: Client, account: Account, energy: Supplier, electricity: Service
) -> None:
    """Each row's printed columns give its «К оплате», the increasing-coefficient surcharge
    included; zone lines read «T1 пик», «T2 ночь», «T3 полупик» in that order, as on the bill."""
    for zone, charged in (("semipeak", "300.00"), ("night", "200.00"), ("peak", "400.00")):
        make_charge(
            account,
            electricity,
            period=OCT,
            supplier=energy,
            zone=zone,
            charged=Decimal(charged),
            surcharge=Decimal("15.00"),
            total=Decimal(charged) + Decimal("15.00"),
        )
    response = client_in.get(reverse("accounts:charges", args=[account.pk]))
    assert response.context["page"].has_surcharge
    html = response.content.decode()
    assert "Повышающий коэффициент, ₽" in html
    labels = [html.index(f"({label})") for label in ("T1 пик", "T2 ночь", "T3 полупик")]
    assert labels == sorted(labels)
    [group] = response.context["page"].suppliers
    for line in group.lines:
        c = line.charge
        printed = (
            c.opening_balance
            + line.charged
            + c.surcharge
            + c.recalculation
            - c.benefits
            + line.penalties
            - c.paid
        )
        assert printed == c.total
    assert group.totals["surcharge"] == Decimal("45.00")
    assert "945,00" in html  # the total, the surcharges with it


def test_charges_without_a_surcharge_have_no_surcharge_column(
    client_in: Client, account: Account, energy: Supplier, electricity: Service
) -> None:
    make_charge(account, electricity, period=OCT, supplier=energy)
    response = client_in.get(reverse("accounts:charges", args=[account.pk]))
    assert "Повышающий коэффициент" not in response.content.decode()


AMOUNT = st.decimals(min_value=Decimal("-999.99"), max_value=Decimal("9999.99"), places=2)
POSITIVE = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("9999.99"), places=2)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(
        st.tuples(
            st.sampled_from(["", "peak", "night", "semipeak"]),
            AMOUNT,  # opening balance
            POSITIVE,  # charged
            POSITIVE,  # surcharge
            AMOUNT,  # recalculation
            POSITIVE,  # benefits
            POSITIVE,  # paid
        ),
        min_size=1,
        max_size=4,
        unique_by=lambda line: line[0],
    )
)
def test_every_charges_row_and_total_adds_up(
    account: Account, energy: Supplier, electricity: Service, lines: list[tuple[Any, ...]]
) -> None:
    """Whatever billing sends, each printed row of the charges page gives its «К оплате» and
    the «Итого» row is the rows added up, column by column."""
    Charge.objects.filter(account=account).delete()
    for zone, opening, charged, surcharge, recalculation, benefits, paid in lines:
        make_charge(
            account,
            electricity,
            period=OCT,
            supplier=energy,
            zone=zone,
            opening_balance=opening,
            charged=charged,
            surcharge=surcharge,
            recalculation=recalculation,
            benefits=benefits,
            paid=paid,
            total=opening + charged + surcharge + recalculation - benefits - paid,
        )
    page = ChargesPage(account.pk, OCT)
    [group] = page.suppliers
    for line in group.lines:
        c = line.charge
        row = (
            c.opening_balance
            + line.charged
            + c.surcharge
            + c.recalculation
            - c.benefits
            + line.penalties
            - c.paid
        )
        assert row == c.total
    columns = ("opening_balance", "charged", "surcharge", "recalculation", "benefits", "paid")
    for name in columns:
        assert group.totals[name] == sum(
            (
                getattr(line, name) if name == "charged" else getattr(line.charge, name)
                for line in group.lines
            ),
            Decimal("0.00"),
        )
    assert group.totals["total"] == sum(
        (line.charge.total for line in group.lines), Decimal("0.00")
    )
    assert page.totals["total"] == group.totals["total"]
