"""«Статистика»: the maths of a year's months, per service and zone, and the page that shows it
without JavaScript."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kabinet.billing.models import Service
from kabinet.billing.statistics import account_statistics, summarize
from kabinet.portal.templatetags import quantities
from tests.factories import make_charge, make_service
from tests.portal.sample import History

MONTHS = [dt.date(2026, m, 1) for m in range(1, 13)]
volumes = st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(MONTHS), st.one_of(st.none(), volumes)))
def test_highest_lowest_total_and_average_agree_with_the_months(
    values: dict[dt.date, Decimal | None],
) -> None:
    summary = summarize(values)
    known = {period: value for period, value in values.items() if value is not None}
    if not known:
        assert summary is None
        return
    assert summary is not None
    assert summary.total == sum(known.values())
    assert summary.months == len(known)
    assert summary.highest_value == max(known.values()) == known[summary.highest]
    assert summary.lowest_value == min(known.values()) == known[summary.lowest]
    # Of equal months the earliest is named.
    assert summary.highest == min(p for p, v in known.items() if v == summary.highest_value)
    assert summary.lowest == min(p for p, v in known.items() if v == summary.lowest_value)
    assert summary.lowest_value <= summary.average <= summary.highest_value
    assert abs(summary.average * len(known) - summary.total) <= Decimal("0.0005") * len(known)


def test_a_month_without_a_bill_is_not_the_lowest() -> None:
    summary = summarize({MONTHS[0]: Decimal("120"), MONTHS[1]: None, MONTHS[2]: Decimal("80")})

    assert summary is not None
    assert (summary.lowest, summary.lowest_value) == (MONTHS[2], Decimal("80"))
    assert summary.average == Decimal("100.000")


@pytest.mark.django_db
def test_consumption_per_zone_beside_last_year_and_charges(history: History) -> None:
    account, power = history.account, history.electricity
    water = make_service(name="Холодное водоснабжение", unit="м³", sort_order=20)
    penalty = make_service(name="Пени", kind=Service.Kind.PENALTY, unit="")
    for period, day, night in (
        (dt.date(2026, 3, 1), "200", "80"),
        (dt.date(2026, 7, 1), "90", "40"),
    ):
        make_charge(account, power, period=period, zone="day", volume=Decimal(day))
        make_charge(account, power, period=period, zone="night", volume=Decimal(night))
    make_charge(account, power, period=dt.date(2025, 3, 1), zone="day", volume=Decimal("150"))
    make_charge(account, water, period=dt.date(2026, 3, 1), volume=Decimal("4.125"))
    make_charge(account, penalty, period=dt.date(2026, 3, 1), volume=None, charged=Decimal("3.10"))
    make_charge(account, water, period=dt.date(2024, 3, 1), volume=Decimal("9"))  # not shown
    area = make_service(
        name="Содержание жилого помещения", kind=Service.Kind.MAINTENANCE, unit="м²"
    )
    make_charge(account, area, period=dt.date(2026, 3, 1), volume=Decimal("42.11"))

    stats = account_statistics(account.pk, 2026)

    # In the services' order.
    assert [s.service.name for s in stats.services] == [
        "Холодное водоснабжение",
        "Электроснабжение",
    ]
    electricity = next(s for s in stats.services if s.service == power)
    march = electricity.total.months[2]
    assert (march.value, march.last_year) == (Decimal("280"), Decimal("150"))
    assert electricity.total.summary is not None
    assert electricity.total.summary.highest == dt.date(2026, 3, 1)
    assert electricity.total.summary.lowest == dt.date(2026, 7, 1)
    assert electricity.total.summary.total == Decimal("410")
    assert [(z.title, z.series.months[2].value) for z in electricity.zones] == [
        ("T1 день", Decimal("200")),
        ("T2 ночь", Decimal("80")),
    ]
    cold = next(s for s in stats.services if s.service == water)
    assert cold.zones == []
    assert cold.total.months[2].last_year is None
    # Neither the penalty nor the flat's area is a consumption.
    assert all(s.service not in (penalty, area) for s in stats.services)
    # Charges per month: the penalty is money charged too.
    assert stats.charges.months[2].value == Decimal("500.00") * 4 + Decimal("3.10")


@pytest.mark.django_db
def test_the_page_names_the_years_highest_month_in_text_an_svg_and_a_table(
    client_in: Client, history: History
) -> None:
    power = history.electricity
    for month, volume in ((1, "310"), (4, "377"), (7, "189")):
        make_charge(history.account, power, period=dt.date(2025, month, 1), volume=Decimal(volume))

    url = reverse("portal:statistics", args=[history.account.pk])
    response = client_in.get(url, {"year": "2025"})
    html = response.content.decode()

    assert response.status_code == 200
    key = power.code
    assert response.context["year"] == 2025
    assert 'data-testid="highest-service-' + key + '">Апрель — 377 кВт·ч' in html
    assert 'data-testid="lowest-service-' + key + '">Июль — 189 кВт·ч' in html
    assert 'data-testid="total-service-' + key + '">876 кВт·ч' in html
    assert 'role="img" aria-labelledby="chart-service-' + key in html
    assert '<title id="chart-service-' + key + '-title">Электроснабжение' in html
    assert '<th scope="row" class="fw-normal">Апрель</th>' in html
    assert '<option value="2025" selected>2025</option>' in html


@pytest.mark.django_db
def test_a_year_not_offered_falls_back_to_this_year_with_a_message(
    client_in: Client, history: History
) -> None:
    url = reverse("portal:statistics", args=[history.account.pk])
    response = client_in.get(url, {"year": "1812"})

    assert response.status_code == 200
    assert response.context["form"].errors["year"]
    this_year = timezone.localdate(timezone=ZoneInfo("Europe/Moscow")).year
    assert response.context["year"] == this_year


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("3959.600"), "3\xa0959,6"),
        (Decimal("377.000"), "377"),
        (Decimal("4.125"), "4,125"),
        (Decimal("1E+3"), "1\xa0000"),
        (None, ""),
    ],
)
def test_a_volume_shows_the_fraction_digits_it_has(value: Decimal | None, shown: str) -> None:
    assert quantities.volume(value) == shown
