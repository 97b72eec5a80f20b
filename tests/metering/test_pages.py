"""The readings pages: form, confirmation, success, messages next to the field, ownership."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from kabinet.billing.models import Account, AccountLink, Supplier
from kabinet.identity.models import User
from kabinet.metering.models import Meter, Reading
from tests.factories import (
    bomb_png_upload,
    make_account,
    make_customer,
    make_link,
    make_meter,
    make_reading,
    make_service,
    make_supplier,
    truncated_jpeg_upload,
)
from tests.metering.conftest import MSK, OCT, Clock, accepted

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_in(client: Client, customer: User, link: AccountLink) -> Client:
    client.force_login(customer)
    return client


def url(name: str, account: Account, *args: int) -> str:
    return reverse(f"readings:{name}", args=[account.pk, *args])


def text(response: Any) -> str:
    return re.sub(r"[ \t\r\n]+", " ", response.content.decode())


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(buffer, "PNG")
    return SimpleUploadedFile("IMG_0001.png", buffer.getvalue(), "image/png")


def test_the_page_lists_every_meter_with_its_last_accepted_reading(
    clock: Clock, client_in: Client, account: Account, day_night: Meter, cold: Meter
) -> None:
    Meter.objects.filter(pk=cold.pk).update(verification_due=dt.date(2027, 3, 1))
    removed = make_meter(account, serial_number="OLD-1", removed_on=dt.date(2026, 1, 1))

    page = text(client_in.get(url("submit", account)))

    assert "№ 007017945" in page
    assert "Двухтарифный" in page
    assert "День 12\xa0345,6 / Ночь 4\xa0567,8" in page
    assert "20.09.2026" in page
    assert "Поверка до 01.03.2027" in page
    assert f'name="m{day_night.pk}_z1"' in page
    assert f'name="m{day_night.pk}_z2"' in page
    assert f'<label class="form-label small mb-0" for="id_m{day_night.pk}_z2">Ночь</label>' in page
    assert "м³" in page
    assert "120,500" in page
    assert removed.serial_number not in page
    assert "Приём открыт до 26.10.2026 17:00" in page


def test_the_overview_quick_action_leads_to_the_form(client_in: Client, account: Account) -> None:
    page = text(client_in.get(reverse("accounts:overview", args=[account.pk])))
    assert f'href="{url("submit", account)}">Передать показания' in page


def test_confirmation_lists_what_will_be_sent_and_saves_nothing(
    clock: Clock, client_in: Client, account: Account, day_night: Meter, cold: Meter
) -> None:
    response = client_in.post(
        url("confirm", account), {f"m{day_night.pk}_z1": "12400,5", f"m{day_night.pk}_z2": "4600"}
    )

    page = text(response)
    assert response.status_code == 200
    assert "Подтвердите передачу показаний" in page
    assert "№ 007017945 — Электроснабжение" in page
    assert 'День: <span class="fw-semibold">12\xa0400,5</span> кВт·ч' in page
    assert 'Ночь: <span class="fw-semibold">4\xa0600,0</span>' in page
    assert "4234851" not in page  # the water meter was left empty: it is not sent
    assert not Reading.objects.filter(source="portal").exists()


def test_correcting_from_the_confirmation_keeps_the_values(
    clock: Clock, client_in: Client, account: Account, day_night: Meter
) -> None:
    response = client_in.post(
        url("submit", account),
        {f"m{day_night.pk}_z1": "12400,5", f"m{day_night.pk}_z2": "4600", "edit": "1"},
    )

    page = text(response)
    assert 'value="12400,5"' in page
    assert 'value="4600"' in page
    assert not Reading.objects.filter(source="portal").exists()


def test_sending_saves_and_shows_the_entered_reading_with_its_status(
    clock: Clock, client_in: Client, account: Account, day_night: Meter
) -> None:
    response = client_in.post(
        url("submit", account),
        {f"m{day_night.pk}_z1": "12400,5", f"m{day_night.pk}_z2": "4600", "send": "1"},
        follow=True,
    )

    page = text(response)
    assert "Показания переданы (приборов учёта: 1)" in page
    entered = re.search(r'data-testid="entered">(.*?)</td>', page)
    assert entered is not None
    assert "День 12\xa0400,5 / Ночь 4\xa0600,0" in entered.group(1)
    assert "Передано" in entered.group(1)
    assert "20.10.2026" in entered.group(1)
    assert Reading.objects.get(source="portal").period == OCT


BAD = [
    ("letters", "12a4", "Введите число"),
    ("comma and point", "12,4.5", "Введите число"),
    ("point with nothing after", "12400.", "Введите число"),
    ("too many digits", "1234567", "6 разрядов до запятой"),
    ("too many fraction digits", "12400,55", "После запятой не больше 1"),
    ("negative", "-12400", "не может быть отрицательным"),
    ("lower", "12000", "меньше предыдущего принятого"),
]


@pytest.mark.parametrize(("case", "typed", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_gets_a_message_next_to_the_field(
    clock: Clock,
    client_in: Client,
    account: Account,
    day_night: Meter,
    case: str,
    typed: str,
    message: str,
) -> None:
    for step in ("confirm", "submit"):
        response = client_in.post(
            url(step, account),
            {f"m{day_night.pk}_z1": typed, f"m{day_night.pk}_z2": "4600", "send": "1"},
        )
        page = text(response)
        assert response.status_code == 400, step
        feedback = re.search(rf'id="id_m{day_night.pk}_z1_error">([^<]*)<', page)
        assert feedback is not None, step
        assert message in feedback.group(1)
        assert f'value="{typed}"' in page  # what was typed stays for correcting
    assert not Reading.objects.filter(source="portal").exists()


def test_an_empty_zone_is_marked(
    clock: Clock, client_in: Client, account: Account, day_night: Meter
) -> None:
    response = client_in.post(url("confirm", account), {f"m{day_night.pk}_z1": "12400"})
    feedback = re.search(rf'id="id_m{day_night.pk}_z2_error">([^<]*)<', text(response))
    assert feedback is not None
    assert "всех зон" in feedback.group(1)


def test_a_meter_of_another_account_is_refused(
    clock: Clock, client_in: Client, account: Account, day_night: Meter
) -> None:
    foreign = make_meter(make_account(account.supplier))
    response = client_in.post(url("submit", account), {f"m{foreign.pk}_z1": "100", "send": "1"})
    assert response.status_code == 400
    assert "Такого прибора учёта нет среди приборов этого лицевого счёта" in text(response)
    assert not Reading.objects.filter(meter=foreign).exists()


def test_outside_the_window_the_form_is_closed_with_a_countdown(
    clock: Clock, client_in: Client, account: Account, day_night: Meter
) -> None:
    clock.moment = dt.datetime(2026, 10, 5, 10, 0, tzinfo=clock.moment.tzinfo)

    page = text(client_in.get(url("submit", account)))
    assert "Приём показаний закрыт" in page
    assert "Приём откроется через 10 дн. — 15.10.2026" in page
    assert f'name="m{day_night.pk}_z1"' not in page

    response = client_in.post(
        url("submit", account),
        {f"m{day_night.pk}_z1": "12400", f"m{day_night.pk}_z2": "4600", "send": "1"},
    )
    assert response.status_code == 400
    assert "Приём показаний закрыт" in text(response)
    assert not Reading.objects.filter(source="portal").exists()


def test_an_account_read_remotely_says_why_there_is_no_form(
    clock: Clock, client_in: Client, account: Account, day_night: Meter
) -> None:
    Account.objects.filter(pk=account.pk).update(automatic_readings=True)
    page = text(client_in.get(url("submit", account)))
    assert "снимаются дистанционно" in page
    assert f'name="m{day_night.pk}_z1"' not in page


def test_a_roll_over_is_sent_only_once_confirmed(
    clock: Clock, client_in: Client, account: Account
) -> None:
    meter = make_meter(account, integer_digits=4, fraction_digits=0)
    accepted(meter, dt.date(2026, 9, 20), "9990")
    values = {f"m{meter.pk}_z1": "12"}

    page = text(client_in.post(url("confirm", account), values))
    assert "Если счётчик перешёл через ноль после 9999, подтвердите это" in page
    assert 'name="confirm_rollover"' in page

    unconfirmed = client_in.post(url("submit", account), {**values, "send": "1"})
    assert unconfirmed.status_code == 400
    assert 'name="confirm_rollover"' in text(unconfirmed)
    assert not Reading.objects.filter(source="portal").exists()

    client_in.post(url("submit", account), {**values, "send": "1", "confirm_rollover": "1"})
    assert Reading.objects.get(source="portal").rollover_confirmed


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("bill.png", b"<?php echo 1; ?>", "image/png"), "Можно приложить"),
        (SimpleUploadedFile("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * 200, "image/png"), "больше"),
    ],
    ids=["not an image", "too large"],
)
def test_a_bad_photo_is_refused_next_to_its_field(
    clock: Clock,
    client_in: Client,
    account: Account,
    day_night: Meter,
    settings: Any,
    upload: SimpleUploadedFile,
    message: str,
) -> None:
    settings.UPLOAD_MAX_BYTES = 100
    response = client_in.post(
        url("submit", account),
        {f"m{day_night.pk}_z1": "12400", f"m{day_night.pk}_z2": "4600", "send": "1",
         "photo": upload},
    )  # fmt: skip
    feedback = re.search(r'id="id_photo_error">([^<]*)<', text(response))
    assert response.status_code == 400
    assert feedback is not None
    assert message in feedback.group(1)
    assert not Reading.objects.filter(source="portal").exists()


@pytest.mark.parametrize("upload", [bomb_png_upload, truncated_jpeg_upload])
def test_a_photo_the_decoder_refuses_is_a_400_next_to_its_field(
    clock: Clock, client_in: Client, account: Account, day_night: Meter, upload: Any
) -> None:
    response = client_in.post(
        url("submit", account),
        {f"m{day_night.pk}_z1": "12400", f"m{day_night.pk}_z2": "4600", "send": "1",
         "photo": upload()},
    )  # fmt: skip
    feedback = re.search(r'id="id_photo_error">([^<]*)<', text(response))
    assert response.status_code == 400
    assert feedback is not None
    assert "Файл повреждён или это не изображение." in feedback.group(1)
    assert not Reading.objects.filter(source="portal").exists()


def test_a_photo_is_shown_to_the_owner_and_staff_only(
    clock: Clock, client_in: Client, account: Account, day_night: Meter, client: Client
) -> None:
    client_in.post(
        url("submit", account),
        {f"m{day_night.pk}_z1": "12400", f"m{day_night.pk}_z2": "4600", "send": "1",
         "photo": png()},
    )  # fmt: skip
    reading = Reading.objects.get(source="portal")
    history = text(client_in.get(url("history", account)))
    assert url("photo", account, reading.pk) in history

    mine = client_in.get(url("photo", account, reading.pk))
    assert (mine.status_code, mine["Content-Type"]) == (200, "image/png")
    assert mine["Cache-Control"] == "private, no-store"
    assert b"".join(mine.streaming_content).startswith(b"\x89PNG")  # type: ignore[attr-defined]

    stranger = Client()
    stranger.force_login(make_customer())
    assert stranger.get(url("photo", account, reading.pk)).status_code == 404

    staff = Client()
    staff.force_login(make_customer(is_staff=True, is_superuser=True))
    admin_page = text(staff.get(reverse("admin:metering_reading_change", args=[reading.pk])))
    photo_url = reverse("admin:metering_reading_photo", args=[reading.pk])
    assert photo_url in admin_page
    assert staff.get(photo_url).status_code == 200
    assert stranger.get(photo_url).status_code == 302  # to the admin login


def account_urls(account: Account, reading: Reading) -> list[str]:
    return [
        url("submit", account),
        url("confirm", account),
        url("history", account),
        url("report", account),
        url("photo", account, reading.pk),
    ]


def test_every_readings_page_is_404_for_another_user(
    clock: Clock, client: Client, account: Account, day_night: Meter, link: AccountLink
) -> None:
    reading = make_reading(day_night, photo="readings/x.png", photo_content_type="image/png")
    before = Reading.objects.count()
    stranger = make_customer()
    own = make_account(account.supplier)
    make_link(stranger, own)
    client.force_login(stranger)
    for address in account_urls(account, reading):
        assert client.get(address).status_code == 404, address
        post = client.post(
            address, {f"m{day_night.pk}_z1": "1", f"m{day_night.pk}_z2": "1", "send": "1"}
        )
        assert post.status_code in {404, 405}, address
    # A reading of someone else's account under one's own account id is not found either.
    assert client.get(url("photo", own, reading.pk)).status_code == 404
    assert Reading.objects.count() == before
    from kabinet.metering import urls

    scoped = [p for p in urls.urlpatterns if "account_id" in str(p.pattern)]
    assert len(scoped) == len(account_urls(account, reading))


def test_history_shows_source_status_and_the_billed_month(
    clock: Clock, client_in: Client, account: Account, day_night: Meter
) -> None:
    make_reading(
        day_night, taken_on=dt.date(2026, 10, 18), value_1=12400, value_2=4600,
        status=Reading.Status.REJECTED, reject_reason="Показание меньше контрольного",
    )  # fmt: skip
    make_reading(
        day_night, period=dt.date(2026, 8, 1), taken_on=dt.date(2026, 8, 20), value_1=12300,
        value_2=4500, status=Reading.Status.BILLED, billed_period=dt.date(2026, 8, 1),
    )  # fmt: skip
    make_reading(day_night, period=dt.date(2025, 1, 1), taken_on=dt.date(2025, 1, 20))

    page = text(client_in.get(url("history", account)))
    assert "Отклонено: Показание меньше контрольного" in page
    assert "Учтено в счёте за август 2026" in page
    assert "Биллинг" in page
    assert "Личный кабинет" in page
    assert "20.01.2025" not in page  # older than the default 3 months

    custom = text(
        client_in.get(
            url("history", account),
            {"range": "custom", "date_from": "2025-01", "date_to": "2025-02"},
        )
    )
    assert "20.01.2025" in custom
    assert "20.08.2026" not in custom
    bad = text(client_in.get(url("history", account), {"range": "custom", "date_from": "2025-13"}))
    assert "Укажите месяц в виде ГГГГ-ММ" in bad


def test_the_report_shows_readings_at_both_ends_of_the_range(
    clock: Clock, client_in: Client, account: Account, day_night: Meter
) -> None:
    accepted(day_night, dt.date(2026, 6, 14), "12100.0", "4400.0")
    query = {"date_from": "2026-07-01", "date_to": "2026-09-30"}

    page = text(client_in.get(url("report", account), query))
    assert "14.06.2026" in page
    assert "20.09.2026" in page
    assert "245,6" in page  # day zone used: 12 345,6 − 12 100,0

    csv_response = client_in.get(url("report", account), {**query, "format": "csv"})
    assert csv_response["Content-Type"].startswith("text/csv")
    lines = csv_response.content.decode().splitlines()
    assert lines[1].split(";")[2:8] == [
        "День", "14.06.2026", "12\xa0100,0", "20.09.2026", "12\xa0345,6", "245,6",
    ]  # fmt: skip
    reversed_range = text(
        client_in.get(url("report", account), {"date_from": "2026-09-30", "date_to": "2026-07-01"})
    )
    assert "Конец периода раньше его начала" in reversed_range


def test_the_report_filters_by_the_kind_of_meter(
    clock: Clock, client_in: Client, account: Account, day_night: Meter
) -> None:
    """Seed 000, Рис. 28: «Вид: с: по:» — the report of one kind of meter."""
    cold_water = make_service(code="cold_water", name="Холодное водоснабжение", unit="м³")
    water = make_meter(account, cold_water, serial_number="CW-42")
    accepted(water, dt.date(2026, 9, 14), "88")
    query = {"date_from": "2026-07-01", "date_to": "2026-09-30"}

    both = text(client_in.get(url("report", account), query))
    assert "CW-42" in both
    assert day_night.serial_number in both
    only_water = text(
        client_in.get(url("report", account), {**query, "service": str(water.service_id)})
    )
    assert "CW-42" in only_water
    assert day_night.serial_number not in only_water
    page = client_in.get(url("report", account), query).content.decode()
    assert f'<option value="{water.service_id}">Холодное водоснабжение</option>' in page
    bad = client_in.get(url("report", account), {**query, "service": "999999"})
    assert bad.status_code == 200
    assert "CW-42" not in text(bad)


# --- each meter's own supplier: its window in its zone, its rule for overdue meters -------------


def tomsk_supplier(**kwargs: Any) -> Supplier:
    return make_supplier(
        short_name="Томскводоканал",
        time_zone="Asia/Tomsk",
        readings_first_day=kwargs.pop("first", 1),
        readings_last_day=kwargs.pop("last", 10),
        readings_close_time=dt.time(18, 0),
        **kwargs,
    )


def test_a_tomsk_suppliers_window_is_shown_in_tomsk_time(
    clock: Clock, client: Client, customer: User
) -> None:
    account = make_account(tomsk_supplier(), number="TOM-700")
    make_link(customer, account)
    make_meter(account, serial_number="TOM-1")
    client.force_login(customer)
    # 20:00 on 31 October in Moscow is midnight of 1 November in Tomsk: the window opens.
    clock.moment = dt.datetime(2026, 10, 31, 20, 0, tzinfo=MSK)

    page = text(client.get(url("submit", account)))

    assert "Приём открыт до 10.11.2026 18:00 по времени Томска." in page

    clock.moment = dt.datetime(2026, 10, 31, 19, 59, tzinfo=MSK)
    page = text(client.get(url("submit", account)))

    assert "Показания принимаются с 1 по 10 число (до 18:00 по времени Томска)." in page
    # Not «31.10.2026»: that is the Moscow date of Tomsk's midnight.
    assert "Приём откроется через 1 день — 01.11.2026 00:00 по времени Томска" in page


def test_meters_of_two_suppliers_each_show_their_own_window(
    clock: Clock, client_in: Client, account: Account, day_night: Meter
) -> None:
    tomsk_meter = make_meter(account, supplier=tomsk_supplier(), serial_number="TOM-1")

    page = text(client_in.get(url("submit", account)))

    assert "СУЭСК" in page
    assert "Томскводоканал" in page
    assert "Приём открыт до 26.10.2026 17:00." in page
    assert "Приём откроется через 12 дн. — 01.11.2026 00:00 по времени Томска" in page
    assert f'name="m{day_night.pk}_z1"' in page
    assert f'name="m{tomsk_meter.pk}_z1"' not in page
    row = re.search(r'<tr data-meter="TOM-1">(.*?)</tr>', page)
    assert row is not None
    assert "Приём закрыт" in row.group(1)


def test_a_single_supplier_is_not_named_above_its_window(
    clock: Clock, client_in: Client, account: Account, day_night: Meter
) -> None:
    page = text(client_in.get(url("submit", account)))
    assert '<p class="mb-1 fw-semibold">СУЭСК</p>' not in page


def test_an_overdue_meter_is_warned_about_before_sending_and_sent_flagged(
    clock: Clock, client_in: Client, account: Account, day_night: Meter
) -> None:
    Meter.objects.filter(pk=day_night.pk).update(verification_due=dt.date(2026, 10, 1))
    warning = (
        "Истёк срок поверки прибора учёта (поверка до 01.10.2026). Показания будут переданы "
        "с отметкой об этом"
    )
    values = {f"m{day_night.pk}_z1": "12400", f"m{day_night.pk}_z2": "4600"}

    form = text(client_in.get(url("submit", account)))
    confirmation = text(client_in.post(url("confirm", account), values))
    client_in.post(url("submit", account), {**values, "send": "1"})

    assert warning in form
    assert f'name="m{day_night.pk}_z1"' in form
    assert warning in confirmation
    reading = Reading.objects.get(source="portal")
    assert reading.verification_overdue is True
    # Staff find such readings in the admin by the flag.
    make_reading(day_night, period=dt.date(2026, 9, 1), taken_on=dt.date(2026, 9, 20))
    staff = Client()
    staff.force_login(make_customer(is_staff=True, is_superuser=True))
    listed = staff.get(
        reverse("admin:metering_reading_changelist"), {"verification_overdue__exact": "1"}
    )
    assert [r.pk for r in listed.context["cl"].result_list] == [reading.pk]


def test_an_overdue_meter_of_a_refusing_supplier_takes_no_input(
    clock: Clock, client_in: Client, account: Account, supplier: Supplier, day_night: Meter
) -> None:
    Supplier.objects.filter(pk=supplier.pk).update(
        readings_overdue_verification=Supplier.OverdueVerification.REFUSE
    )
    Meter.objects.filter(pk=day_night.pk).update(verification_due=dt.date(2026, 10, 1))
    refusal = (
        "Истёк срок поверки прибора учёта № 007017945 (поверка до 01.10.2026). Передать "
        "показания можно после поверки."
    )

    form = text(client_in.get(url("submit", account)))
    response = client_in.post(
        url("submit", account),
        {f"m{day_night.pk}_z1": "12400", f"m{day_night.pk}_z2": "4600", "send": "1"},
    )

    assert refusal in form
    assert f'name="m{day_night.pk}_z1"' not in form
    assert "Передать показания</button>" not in form
    assert response.status_code == 400
    assert refusal in text(response)
    assert not Reading.objects.filter(source="portal").exists()
