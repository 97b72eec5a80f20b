"""Meters of several suppliers on one account (a payment agent's): each meter is read in its own
supplier's window and zone, and its supplier decides about meters past their verification date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kabinet.billing.models import Account, AccountLink, Service, Supplier
from kabinet.core.models import AuditEntry
from kabinet.metering.models import Meter, Reading
from kabinet.metering.services import ReadingsError, check_readings, submit_readings
from tests.factories import make_meter, make_supplier
from tests.metering.conftest import MSK, OCT, Clock, accepted

pytestmark = pytest.mark.django_db

NOV = dt.date(2026, 11, 1)


@pytest.fixture
def tomsk() -> Supplier:
    """A water utility in Tomsk (UTC+7) that takes readings from the 1st to the 10th."""
    return make_supplier(
        short_name="Томскводоканал",
        time_zone="Asia/Tomsk",
        readings_first_day=1,
        readings_last_day=10,
    )


@pytest.fixture
def tomsk_meter(account: Account, water: Service, tomsk: Supplier) -> Meter:
    """A meter of the Tomsk utility on the (Moscow) account, last read at 120 in September."""
    meter = make_meter(account, water, supplier=tomsk, serial_number="TOM-1", fraction_digits=0)
    accepted(meter, dt.date(2026, 9, 5), "120")
    return meter


def submit(link: AccountLink, values: dict[int, list[str]], **kwargs: Any) -> list[Reading]:
    return submit_readings(user=link.user, link=link, values=values, **kwargs).readings


def refused(link: AccountLink, values: dict[int, list[str]]) -> ReadingsError:
    with pytest.raises(ReadingsError) as info:
        submit(link, values)
    return info.value


def test_a_meter_is_read_in_its_own_suppliers_window_not_the_accounts(
    clock: Clock, link: AccountLink, day_night: Meter, tomsk_meter: Meter
) -> None:
    # 21:00 on 5 October in Moscow: the account's supplier (15th–26th) is closed; in Tomsk it
    # is already 01:00 on the 6th, inside the utility's 1st–10th window.
    clock.moment = dt.datetime(2026, 10, 5, 21, 0, tzinfo=MSK)

    [reading] = submit(link, {tomsk_meter.pk: ["125"]})

    reading.refresh_from_db()
    assert (reading.period, reading.taken_on) == (OCT, dt.date(2026, 10, 6))
    error = refused(link, {day_night.pk: ["12400", "4600"]})
    assert error.code == "window_closed"
    assert error.fields == {f"meters.{day_night.pk}": [error.message]}
    assert "Приём откроется через 10 дн. — 15.10.2026" in error.message


def test_a_closed_window_of_one_supplier_refuses_only_its_meter(
    clock: Clock, link: AccountLink, day_night: Meter, tomsk_meter: Meter
) -> None:
    # 20 October: the Moscow window is open, the Tomsk one closed until 1 November.
    error = refused(link, {day_night.pk: ["12400", "4600"], tomsk_meter.pk: ["130"]})

    assert list(error.fields) == [f"meters.{tomsk_meter.pk}"]
    assert error.code == "window_closed"
    assert error.message == (
        "Приём показаний закрыт. Показания принимаются с 1 по 10 число (по времени Томска). "
        "Приём откроется через 12 дн. — 01.11.2026 00:00 по времени Томска."
    )
    assert not Reading.objects.filter(source="portal").exists()
    assert [r.meter for r in submit(link, {day_night.pk: ["12400", "4600"]})] == [day_night]


def test_when_every_window_is_closed_the_soonest_opening_is_named(
    clock: Clock, link: AccountLink, day_night: Meter, tomsk_meter: Meter
) -> None:
    clock.moment = dt.datetime(2026, 10, 12, 12, 0, tzinfo=MSK)

    error = refused(link, {day_night.pk: ["12400", "4600"]})

    assert error.code == "window_closed"
    assert error.fields == {"__all__": [error.message]}
    assert error.message.endswith("Приём откроется через 3 дн. — 15.10.2026.")


def test_each_meter_gets_its_own_period_and_a_correction_replaces_it_there(
    clock: Clock, link: AccountLink, supplier: Supplier, day_night: Meter, tomsk_meter: Meter
) -> None:
    # The account's supplier takes late readings (for November); Tomsk's window wraps the
    # month end and is still October's on 2 November.
    supplier.readings_strict = False
    supplier.save()
    Supplier.objects.filter(pk=tomsk_meter.supplier_id).update(
        readings_first_day=25, readings_last_day=5
    )
    clock.moment = dt.datetime(2026, 11, 2, 12, 0, tzinfo=MSK)
    values = {day_night.pk: ["12400", "4600"], tomsk_meter.pk: ["130"]}

    first = submit_readings(user=link.user, link=link, values=values)
    second = submit_readings(user=link.user, link=link, values=values)

    assert {r.meter_id: r.period for r in first.readings} == {
        day_night.pk: NOV,
        tomsk_meter.pk: OCT,
    }
    assert second.replaced == 2
    assert {r.pk for r in second.readings} == {r.pk for r in first.readings}
    assert Reading.objects.filter(source="portal").count() == 2


def test_the_jump_check_uses_the_meters_supplier_threshold(
    clock: Clock, link: AccountLink, tomsk: Supplier, tomsk_meter: Meter
) -> None:
    clock.moment = dt.datetime(2026, 11, 5, 12, 0, tzinfo=MSK)
    accepted(tomsk_meter, dt.date(2026, 10, 5), "130")  # 10 a month
    Supplier.objects.filter(pk=tomsk.pk).update(readings_jump_factor=Decimal("2"))

    # 25 in a month: over twice the usual for the Tomsk utility, under the account's ×10.
    error = refused(link, {tomsk_meter.pk: ["155"]})

    assert error.code == "needs_jump_confirmation"


def test_meters_of_several_suppliers_cost_no_more_queries_than_one(
    clock: Clock,
    link: AccountLink,
    account: Account,
    water: Service,
    day_night: Meter,
    tomsk: Supplier,
) -> None:
    Supplier.objects.filter(pk=tomsk.pk).update(readings_first_day=15, readings_last_day=26)

    def queries(values: dict[int, list[str]]) -> int:
        with CaptureQueriesContext(connection) as captured:
            check_readings(link=link, values=values)
        return len(captured)

    one = queries({day_night.pk: ["12400", "4600"]})
    meters = [make_meter(account, water, supplier=tomsk, serial_number=f"T-{n}") for n in range(3)]
    for meter in meters:
        accepted(meter, dt.date(2026, 9, 20), "10")
    many = queries({day_night.pk: ["12400", "4600"], **{m.pk: ["20"] for m in meters}})

    assert many == one


# --- meters past their verification date ---------------------------------------------------------


def overdue_meter(account: Account, due: dt.date, **kwargs: Any) -> Meter:
    meter = make_meter(
        account, serial_number="OVD-1", fraction_digits=0, verification_due=due, **kwargs
    )
    accepted(meter, dt.date(2026, 9, 20), "100")
    return meter


def test_a_supplier_that_accepts_overdue_meters_gets_the_reading_flagged(
    clock: Clock, link: AccountLink, account: Account
) -> None:
    meter = overdue_meter(account, dt.date(2026, 10, 19))

    [reading] = submit(link, {meter.pk: ["110"]})

    reading.refresh_from_db()
    assert reading.verification_overdue is True
    entry = AuditEntry.objects.get(action="metering.readings_submitted")
    assert entry.data["readings"][0]["verification_overdue"] is True


def test_a_meter_due_today_is_not_overdue_yet(
    clock: Clock, link: AccountLink, account: Account
) -> None:
    meter = overdue_meter(account, dt.date(2026, 10, 20))

    [reading] = submit(link, {meter.pk: ["110"]})

    reading.refresh_from_db()
    assert reading.verification_overdue is False


def test_a_supplier_that_refuses_overdue_meters_says_why_and_saves_nothing(
    clock: Clock, link: AccountLink, account: Account, supplier: Supplier, day_night: Meter
) -> None:
    Supplier.objects.filter(pk=supplier.pk).update(
        readings_overdue_verification=Supplier.OverdueVerification.REFUSE
    )
    meter = overdue_meter(account, dt.date(2026, 10, 19))

    error = refused(link, {meter.pk: ["110"], day_night.pk: ["12400", "4600"]})

    assert error.code == "verification_overdue"
    assert error.fields == {
        f"meters.{meter.pk}": [
            "Истёк срок поверки прибора учёта № OVD-1 (поверка до 19.10.2026). Передать "
            "показания можно после поверки."
        ]
    }
    assert not Reading.objects.filter(source="portal").exists()


def test_overdue_is_decided_on_the_date_in_the_meters_supplier_zone(
    clock: Clock, link: AccountLink, account: Account
) -> None:
    yekaterinburg = make_supplier(
        time_zone="Asia/Yekaterinburg",
        readings_first_day=15,
        readings_last_day=26,
        readings_overdue_verification=Supplier.OverdueVerification.REFUSE,
    )
    Supplier.objects.filter(pk=account.supplier_id).update(
        readings_overdue_verification=Supplier.OverdueVerification.REFUSE
    )
    due = dt.date(2026, 10, 20)
    in_yekaterinburg = overdue_meter(account, due, supplier=yekaterinburg, external_id="Y-1")
    in_moscow = overdue_meter(account, due, external_id="M-1")
    # 23:30 on the 20th in Moscow is 01:30 on the 21st in Yekaterinburg.
    clock.moment = dt.datetime(2026, 10, 20, 23, 30, tzinfo=ZoneInfo("Europe/Moscow"))

    error = refused(link, {in_yekaterinburg.pk: ["110"], in_moscow.pk: ["110"]})

    assert list(error.fields) == [f"meters.{in_yekaterinburg.pk}"]
    [reading] = submit(link, {in_moscow.pk: ["110"]})
    assert (reading.verification_overdue, reading.taken_on) == (False, due)
