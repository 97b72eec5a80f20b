"""submit_readings: what is saved, what is refused and why, replacement, concurrency, photo."""

from __future__ import annotations

import datetime as dt
import io
import re
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from kabinet.billing.models import Account, AccountLink
from kabinet.core.models import AuditEntry
from kabinet.metering import services
from kabinet.metering.models import Meter, Reading
from kabinet.metering.services import ReadingsError, check_readings, parse_value, submit_readings
from tests.factories import make_account, make_meter, make_reading
from tests.metering.conftest import OCT, Clock, accepted

pytestmark = pytest.mark.django_db


def submit(link: AccountLink, values: dict[int, list[str]], **kwargs: Any) -> list[Reading]:
    return submit_readings(user=link.user, link=link, values=values, **kwargs).readings


def refused(link: AccountLink, values: dict[int, list[str]], **kwargs: Any) -> ReadingsError:
    with pytest.raises(ReadingsError) as info:
        submit(link, values, **kwargs)
    return info.value


def jpeg(size: tuple[int, int] = (40, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, "JPEG")
    return SimpleUploadedFile("meter.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.mark.parametrize(
    ("text", "value"),
    [("123", "123"), ("123.4", "123.4"), ("123,4", "123.4"), (" 0012345 ", "12345"),
     ("5,10", "5.1")],
)  # fmt: skip
def test_it_reads_digits_with_a_point_or_a_comma(text: str, value: str) -> None:
    meter = Meter(integer_digits=5, fraction_digits=1)
    assert parse_value(text, meter) == Decimal(value)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("12a", "not_a_number"),
        ("1,2,3", "not_a_number"),
        ("1.2,3", "not_a_number"),
        ("12.", "not_a_number"),
        (",5", "not_a_number"),
        ("1 234", "not_a_number"),
        ("+12", "not_a_number"),
        ("-12", "negative"),
        ("１２", "not_a_number"),  # full-width digits are not ASCII
        ("123456", "too_many_digits"),
        ("12.34", "too_many_digits"),
        ("", "required"),
    ],
)
def test_it_refuses_what_is_not_a_reading_of_this_meter(text: str, code: str) -> None:
    meter = Meter(integer_digits=5, fraction_digits=1)
    with pytest.raises(ReadingsError) as info:
        parse_value(text, meter)
    assert info.value.code == code


def test_a_meter_without_fraction_digits_says_so() -> None:
    with pytest.raises(ReadingsError) as info:
        parse_value("12,5", Meter(integer_digits=6, fraction_digits=0))
    assert "только целые числа" in info.value.message


def test_it_saves_both_zones_for_the_window_period_with_todays_date(
    clock: Clock, link: AccountLink, day_night: Meter
) -> None:
    [reading] = submit(link, {day_night.pk: ["12400,5", "4600"]})

    reading.refresh_from_db()
    assert (reading.value_1, reading.value_2, reading.value_3) == (
        Decimal("12400.5"),
        Decimal("4600"),
        None,
    )
    assert (reading.period, reading.taken_on) == (OCT, dt.date(2026, 10, 20))
    assert (reading.source, reading.status) == (Reading.Source.PORTAL, Reading.Status.RECEIVED)
    assert reading.submitted_by == link.user
    assert reading.account_number == "700123"
    entry = AuditEntry.objects.get(action="metering.readings_submitted")
    assert (entry.actor, entry.object_id) == (link.user, str(link.account_id))
    assert entry.data == {
        "period": "2026-10-01",
        "readings": [
            {
                "id": reading.pk,
                "meter": day_night.pk,
                "values": ["12400.5", "4600.0"],
                "period": "2026-10-01",
                "rollover": False,
                "jump": False,
                "verification_overdue": False,
            }
        ],
        "replaced": 0,
        "photo": False,
    }


def test_a_first_submission_inserts_and_a_correction_updates_its_row(
    clock: Clock, link: AccountLink, day_night: Meter, cold: Meter
) -> None:
    with CaptureQueriesContext(connection) as queries:
        first = submit(link, {day_night.pk: ["12400", "4600"], cold.pk: ["121,5"]})
    inserts = [q["sql"] for q in queries if q["sql"].startswith("INSERT")]
    # Both readings in one statement, then the audit row; nothing is locked beforehand.
    assert [sql.split()[2] for sql in inserts] == ['"metering_reading"', '"core_auditentry"']
    assert not [q for q in queries if "FOR UPDATE" in q["sql"]]
    with CaptureQueriesContext(connection) as queries:
        second = submit(link, {day_night.pk: ["12401", "4601"]})
    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "metering_reading"')]
    assert len(updates) == 1
    assert second[0].pk == first[0].pk
    entries = AuditEntry.objects.filter(action="metering.readings_submitted").order_by("pk")
    assert [[(r["id"], r["meter"]) for r in e.data["readings"]] for e in entries] == [
        [(first[0].pk, day_night.pk), (first[1].pk, cold.pk)],
        [(first[0].pk, day_night.pk)],
    ]
    assert [e.data["replaced"] for e in entries] == [0, 1]


def test_a_second_submission_in_the_period_replaces_the_first_until_billing_answers(
    clock: Clock, link: AccountLink, day_night: Meter
) -> None:
    [first] = submit(link, {day_night.pk: ["12400", "4600"]})
    [second] = submit(link, {day_night.pk: ["12401", "4601"]})

    assert second.pk == first.pk
    assert Reading.objects.filter(meter=day_night, source="portal").count() == 1
    Reading.objects.filter(pk=first.pk).update(status=Reading.Status.ACCEPTED)
    [third] = submit(link, {day_night.pk: ["12402", "4602"]})
    assert third.pk != first.pk


def test_a_submission_billing_took_meanwhile_is_not_overwritten(
    clock: Clock, link: AccountLink, day_night: Meter, monkeypatch: pytest.MonkeyPatch
) -> None:
    [first] = submit(link, {day_night.pk: ["12400", "4600"]})
    check = services.check_readings

    def billing_answers_after_the_check(**kwargs: Any) -> services.Plan:
        plan = check(**kwargs)
        assert plan.readings[0].replaces is not None  # the check saw the open submission
        Reading.objects.filter(pk=first.pk).update(status=Reading.Status.ACCEPTED)
        return plan

    monkeypatch.setattr(services, "check_readings", billing_answers_after_the_check)
    [second] = submit(link, {day_night.pk: ["12401", "4601"]})

    assert second.pk != first.pk
    first.refresh_from_db()
    assert (first.status, first.value_1) == (Reading.Status.ACCEPTED, Decimal("12400"))
    assert Reading.objects.get(pk=second.pk).value_1 == Decimal("12401")


def test_a_lower_value_is_refused_with_the_previous_one(
    clock: Clock, link: AccountLink, day_night: Meter
) -> None:
    error = refused(link, {day_night.pk: ["12000", "4600"]}, confirm_rollover=True)

    assert [(p.code, p.field) for p in error.problems] == [
        ("lower_than_previous", f"m{day_night.pk}_z1")
    ]
    assert "12\xa0345,6" in error.message  # grouped with a no-break space
    assert not Reading.objects.filter(source="portal").exists()


def test_a_meter_not_read_for_over_a_year_is_checked_against_its_last_reading(
    clock: Clock, link: AccountLink, electricity: Any
) -> None:
    meter = make_meter(link.account, electricity)
    accepted(meter, dt.date(2025, 6, 20), "500")  # before the 400 days of history

    error = refused(link, {meter.pk: ["400"]}, confirm_rollover=True)
    assert [(p.code, p.field) for p in error.problems] == [
        ("lower_than_previous", f"m{meter.pk}_z1")
    ]
    [reading] = submit(link, {meter.pk: ["510"]})
    assert reading.value_1 == Decimal("510")


def test_a_roll_over_past_the_capacity_needs_the_customers_confirmation(
    clock: Clock, link: AccountLink, account: Any
) -> None:
    meter = make_meter(account, integer_digits=4, fraction_digits=0)
    accepted(meter, dt.date(2026, 9, 20), "9990")

    error = refused(link, {meter.pk: ["15"]})
    assert error.code == "needs_rollover_confirmation"
    assert error.only_confirmations

    [reading] = submit(link, {meter.pk: ["15"]}, confirm_rollover=True)
    assert reading.rollover_confirmed is True
    assert reading.value_1 == Decimal("15")


def test_a_jump_far_above_the_usual_use_needs_confirmation(
    clock: Clock, link: AccountLink, cold: Meter
) -> None:
    # About 5 m³ a month over the year; 10× that is the supplier's default limit.
    accepted(cold, dt.date(2025, 11, 20), "70.5")
    accepted(cold, dt.date(2026, 5, 20), "100.5")

    assert submit(link, {cold.pk: ["160"]})  # 39.5 m³ in a month: fine
    error = refused(link, {cold.pk: ["200"]})
    assert error.code == "needs_jump_confirmation"
    assert "79,500" in error.message

    [reading] = submit(link, {cold.pk: ["200"]}, confirm_jump=True)
    assert (reading.jump_confirmed, reading.value_1) == (True, Decimal("200"))


def test_all_zones_of_a_meter_go_together(
    clock: Clock, link: AccountLink, day_night: Meter
) -> None:
    error = refused(link, {day_night.pk: ["12400", " "]})
    assert [(p.code, p.field) for p in error.problems] == [
        ("zones_incomplete", f"m{day_night.pk}_z2")
    ]


def test_nothing_is_saved_when_one_meter_of_the_submission_is_wrong(
    clock: Clock, link: AccountLink, day_night: Meter, cold: Meter
) -> None:
    error = refused(link, {day_night.pk: ["12400", "4600"], cold.pk: ["12,3456"]})

    assert [(p.code, p.field) for p in error.problems] == [("too_many_digits", f"m{cold.pk}_z1")]
    assert not Reading.objects.filter(source="portal").exists()


def test_a_meter_of_another_account_is_not_found(
    clock: Clock, link: AccountLink, day_night: Meter
) -> None:
    foreign = make_meter(make_account(link.account.supplier))

    error = refused(link, {foreign.pk: ["100"], day_night.pk: ["12400", "4600"]})

    assert [(p.code, p.field) for p in error.problems] == [("meter_not_found", f"m{foreign.pk}")]
    assert not Reading.objects.filter(source="portal").exists()


def test_an_empty_submission_asks_for_a_value(
    clock: Clock, link: AccountLink, day_night: Meter
) -> None:
    assert refused(link, {day_night.pk: ["", ""]}).code == "nothing_to_send"


def test_the_window_closed_refuses_with_the_days_until_it_opens(
    clock: Clock, link: AccountLink, day_night: Meter
) -> None:
    clock.moment = dt.datetime(2026, 10, 26, 17, 0, tzinfo=clock.moment.tzinfo)

    error = refused(link, {day_night.pk: ["12400", "4600"]})

    assert error.code == "window_closed"
    assert "с 15 по 26 число (до 17:00)" in error.message
    assert "Приём откроется через 20 дн. — 15.11.2026" in error.message


def test_meters_read_remotely_take_no_manual_readings(
    clock: Clock, link: AccountLink, account: Any, day_night: Meter
) -> None:
    remote = make_meter(account, is_automatic=True)
    assert refused(link, {remote.pk: ["1"]}).code == "automatic_meter"
    account.automatic_readings = True
    account.save()
    assert refused(link, {day_night.pk: ["12400", "4600"]}).code == "automatic_meter"


def test_a_removed_meter_takes_no_readings(
    clock: Clock, link: AccountLink, day_night: Meter
) -> None:
    Meter.objects.filter(pk=day_night.pk).update(removed_on=dt.date(2026, 10, 1))
    assert refused(link, {day_night.pk: ["12400", "4600"]}).code == "meter_not_found"


def test_a_photo_is_stored_privately_under_a_generated_name(
    clock: Clock, link: AccountLink, day_night: Meter, settings: Any
) -> None:
    [reading] = submit(link, {day_night.pk: ["12400", "4600"]}, photo=jpeg())

    reading.refresh_from_db()
    name = str(reading.photo.name)
    assert re.fullmatch(r"readings/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", name)
    assert reading.photo_content_type == "image/jpeg"
    assert (Path(settings.UPLOADS_ROOT) / name).is_file()


def test_a_correction_keeps_the_photo_unless_it_brings_another(
    clock: Clock, link: AccountLink, day_night: Meter
) -> None:
    [first] = submit(link, {day_night.pk: ["12400", "4600"]}, photo=jpeg())
    first.refresh_from_db()
    [second] = submit(link, {day_night.pk: ["12401", "4601"]})
    second.refresh_from_db()
    assert (second.pk, second.photo.name, second.value_1) == (
        first.pk,
        first.photo.name,
        Decimal("12401"),
    )
    [third] = submit(link, {day_night.pk: ["12402", "4602"]}, photo=jpeg((20, 20)))
    third.refresh_from_db()
    assert third.pk == first.pk
    assert third.photo.name not in ("", first.photo.name)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("x.jpg", b"MZ\x90\x00 not an image", "image/jpeg"), "JPG"),
        (SimpleUploadedFile("x.jpg", b"\xff\xd8\xff\xe0broken", "image/jpeg"), "повреждён"),
    ],
)
def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_saved(
    clock: Clock,
    link: AccountLink,
    day_night: Meter,
    settings: Any,
    upload: SimpleUploadedFile,
    message: str,
) -> None:
    error = refused(link, {day_night.pk: ["12400", "4600"]}, photo=upload)

    assert (error.code, error.problems[0].field) == ("photo_invalid", "photo")
    assert message in error.message
    assert not Reading.objects.filter(source="portal").exists()
    assert not Path(settings.UPLOADS_ROOT).exists() or not any(
        Path(settings.UPLOADS_ROOT).rglob("*.*")
    )


def test_a_photo_over_the_size_limit_is_refused(
    clock: Clock, link: AccountLink, day_night: Meter, settings: Any
) -> None:
    settings.UPLOAD_MAX_BYTES = 100
    error = refused(link, {day_night.pk: ["12400", "4600"]}, photo=jpeg())
    assert error.code == "photo_invalid"
    assert "больше" in error.message
    assert not Reading.objects.filter(source="portal").exists()


def test_a_submission_that_another_one_beat_to_the_row_replaces_that_row(
    clock: Clock, link: AccountLink, day_night: Meter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between this submission's check and its write, another one (another device of the same
    customer) saves the meter's first reading of the period: the index refuses a second open
    row, and this submission replaces the other one's values instead."""
    check = services.check_readings

    def another_submission_lands_after_the_check(**kwargs: Any) -> services.Plan:
        plan = check(**kwargs)
        assert plan.readings[0].replaces is None
        make_reading(
            day_night,
            period=plan.window.period,
            source=Reading.Source.PORTAL,
            status=Reading.Status.RECEIVED,
            value_1=Decimal("12300"),
            value_2=Decimal("4500"),
        )
        return plan

    monkeypatch.setattr(services, "check_readings", another_submission_lands_after_the_check)
    [saved] = submit(link, {day_night.pk: ["12400", "4600"]})

    rows = Reading.objects.filter(meter=day_night, source="portal", status="received")
    assert list(rows.values_list("pk", "value_1")) == [(saved.pk, Decimal("12400"))]
    entry = AuditEntry.objects.get(action="metering.readings_submitted")
    assert entry.data["replaced"] == 1
    assert entry.data["readings"][0]["id"] == saved.pk


@pytest.mark.django_db(transaction=True)
def test_a_failed_audit_row_saves_no_reading_and_leaves_no_file(
    clock: Clock, link: AccountLink, day_night: Meter, settings: Any
) -> None:
    # A real database error on the audit row's INSERT: its table is away for the submission.
    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} RENAME TO {table}_away")
    try:
        with pytest.raises(DatabaseError):
            submit(link, {day_night.pk: ["12400", "4600"]}, photo=jpeg())
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table}_away RENAME TO {table}")

    assert not Reading.objects.filter(source="portal").exists()
    assert not any(Path(settings.UPLOADS_ROOT).rglob("*.jpg"))


def test_the_check_alone_saves_nothing(clock: Clock, link: AccountLink, day_night: Meter) -> None:
    plan = check_readings(link=link, values={day_night.pk: ["12400", "4600"]})
    assert [p.values for p in plan.readings] == [[Decimal("12400"), Decimal("4600")]]
    assert not Reading.objects.filter(source="portal").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one write at a time")
@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_once_leave_one_row(clock: Clock, link: AccountLink) -> None:
    meter = make_meter(link.account)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def send(value: str) -> None:
        from django.db import connections

        try:
            barrier.wait(timeout=10)
            submit(link, {meter.pk: [value]})
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(v,)) for v in ("100", "101")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    rows = Reading.objects.filter(meter=meter, source="portal")
    assert rows.count() == 1
    assert rows.get().value_1 in {Decimal("100"), Decimal("101")}


def test_a_submission_moves_the_accounts_data_version(
    clock: Clock, link: AccountLink, day_night: Meter
) -> None:
    """The account pages' ETag and cached markup are keyed by it (billing.versions)."""
    before = Account.objects.get(pk=link.account_id).data_version
    submit(link, {day_night.pk: ["12400", "4600"]})
    assert Account.objects.get(pk=link.account_id).data_version == before + 1
    with pytest.raises(ReadingsError):
        submit(link, {day_night.pk: ["1", "1"]})
    assert Account.objects.get(pk=link.account_id).data_version == before + 1
