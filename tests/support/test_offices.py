"""«Офисы на карте» (seed 004): the offices with hours, drawn from the coordinates the supplier
entered, with links to map services and no third-party script."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kabinet.billing.models import Supplier
from kabinet.support.maps import HEIGHT, PADDING, WIDTH, office_map
from kabinet.support.models import SupportContact
from tests.factories import make_customer, make_supplier

pytestmark = pytest.mark.django_db


def office(
    title: str, lat: str | None, lon: str | None, supplier: Supplier | None = None, **kwargs: Any
) -> SupportContact:
    return SupportContact.objects.create(
        supplier=supplier or make_supplier(short_name="ТЭСК"),
        kind=SupportContact.Kind.OFFICE,
        title=title,
        address=f"{title}, ул. Ленина, д. 1",
        hours="пн–пт 9:00–18:00",
        latitude=Decimal(lat) if lat else None,
        longitude=Decimal(lon) if lon else None,
        **kwargs,
    )


def test_the_page_lists_offices_with_hours_numbers_and_map_links(client: Client) -> None:
    supplier = make_supplier(short_name="ТЭСК")
    office("Центральный офис", "56.83670", "60.61430", supplier=supplier, sort_order=1)
    office("Западный офис", "56.90800", "59.94300", supplier=supplier, sort_order=2)
    office("Без координат", None, None, supplier=supplier, sort_order=3)
    SupportContact.objects.create(
        supplier=supplier, kind=SupportContact.Kind.PHONE, title="Контакт-центр", phone="8 800"
    )

    response = client.get(reverse("support:offices"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="office"') == 3
    assert "Контакт-центр" not in html
    assert "Часы работы: пн–пт 9:00–18:00" in html
    assert html.count("<circle") == 2
    assert "https://yandex.ru/maps/?pt=60.61430,56.83670&amp;z=17&amp;l=map" in html
    assert "https://www.openstreetmap.org/?mlat=56.90800&amp;mlon=59.94300" in html
    assert "<script" not in html.split("<main", 1)[-1].split("</main>")[0]

    client.force_login(make_customer())
    api = client.get("/api/v1/support/offices").json()
    assert [o["title"] for o in api] == ["Центральный офис", "Западный офис", "Без координат"]
    assert api[0]["latitude"] == "56.83670"


def test_markers_stay_in_the_frame_and_keep_west_left_and_north_up() -> None:
    east = office("Восток", "56.80000", "60.70000")
    west = office("Запад", "56.90000", "59.90000")
    markers = {m.office.title: m for m in office_map([east, west]).markers}
    for marker in markers.values():
        assert PADDING - 0.1 <= marker.x <= WIDTH - PADDING + 0.1
        assert PADDING - 0.1 <= marker.y <= HEIGHT - PADDING + 0.1
    assert markers["Запад"].x < markers["Восток"].x
    assert markers["Запад"].y < markers["Восток"].y  # further north is higher up

    [alone] = office_map([east]).markers
    assert (alone.x, alone.y) == (WIDTH / 2, HEIGHT / 2)
    assert office_map([office("Нигде", None, None)]).markers == []
