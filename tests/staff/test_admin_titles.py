"""The admin's page titles read as correct Russian whatever the gender of the model's name.

Django builds them as «Выберите %s для изменения», «Добавить %s», «Изменить %s» with the
nominative name, which breaks on feminine names («Выберите загрузка из биллинга…»).
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.db import models
from django.test import Client
from django.urls import reverse

from kabinet.billing.models import ImportBatch, Service, Supplier
from tests.factories import make_import_batch, make_service, make_supplier

pytestmark = pytest.mark.django_db

# What Django would have said for the feminine models (загрузка, услуга).
BROKEN = (
    "Выберите загрузка",
    "Добавить загрузка",
    "Изменить загрузка",
    "Просмотреть загрузка",
    "Выберите услуга",
    "Добавить услуга",
    "Изменить услуга",
    "удалить услуга",
)


def admin_url(model: type[models.Model], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def headings(client: Client, url: str, language: str = "ru") -> tuple[str, str, str]:
    """The page's <title>, its <h1> and its whole text, whitespace collapsed."""
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    page = response.content.decode()

    def text(pattern: str) -> str:
        match = re.search(pattern, page, re.S)
        assert match, pattern
        return " ".join(html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).split())

    return text(r"<title>(.*?)</title>"), text(r"<h1[^>]*>(.*?)</h1>"), page


def assert_not_broken(page: str) -> None:
    assert [phrase for phrase in BROKEN if phrase in page] == []


def test_the_list_of_a_feminine_model_is_titled_with_its_plural_name(
    admin_client: Client,
) -> None:
    make_import_batch()
    title, h1, page = headings(admin_client, admin_url(ImportBatch, "changelist"))
    assert h1 == "Загрузки из биллинга"
    assert title.startswith("Загрузки из биллинга | ")
    assert_not_broken(page)


def test_the_add_and_change_pages_of_a_feminine_model_name_it_after_a_colon(
    admin_client: Client,
) -> None:
    service = make_service(name="Электроснабжение")
    title, h1, page = headings(admin_client, admin_url(Service, "add"))
    assert h1 == "Добавление: услуга"
    assert title.startswith("Добавление: услуга | ")
    assert_not_broken(page)

    title, h1, page = headings(admin_client, admin_url(Service, "change", service.pk))
    assert h1 == "Изменение: Электроснабжение"
    assert title.startswith("Изменение: Электроснабжение | ")
    assert_not_broken(page)

    _, h1, page = headings(admin_client, admin_url(Service, "changelist"))
    assert h1 == "Услуги"
    assert_not_broken(page)


def test_a_view_only_feminine_model_is_titled_as_viewing_the_object(
    admin_client: Client,
) -> None:
    batch = make_import_batch()
    title, h1, page = headings(admin_client, admin_url(ImportBatch, "change", batch.pk))
    assert h1 == f"Просмотр: {batch}"
    assert title.startswith(f"Просмотр: {batch} | ")
    assert_not_broken(page)


def test_the_pages_of_a_masculine_model_read_the_same_way(admin_client: Client) -> None:
    supplier = make_supplier(short_name="Энергосбыт")
    assert headings(admin_client, admin_url(Supplier, "changelist"))[1] == "Поставщики"
    assert headings(admin_client, admin_url(Supplier, "add"))[1] == "Добавление: поставщик"
    change = headings(admin_client, admin_url(Supplier, "change", supplier.pk))
    assert change[1] == "Изменение: Энергосбыт"


def test_the_delete_page_names_the_object(admin_client: Client) -> None:
    service = make_service(name="Электроснабжение")
    title, h1, _ = headings(admin_client, admin_url(Service, "delete", service.pk))
    assert h1 == "Удаление: Электроснабжение"
    assert title.startswith("Удаление: Электроснабжение | ")


def test_the_titles_are_translated_to_english(admin_client: Client) -> None:
    service = make_service(name="Электроснабжение")
    batch = make_import_batch()
    en = "en"
    assert headings(admin_client, admin_url(ImportBatch, "changelist"), en)[1] == "Billing imports"
    assert headings(admin_client, admin_url(Service, "add"), en)[1] == "Add service"
    title, h1, _ = headings(admin_client, admin_url(Service, "change", service.pk), en)
    assert h1 == "Change: Электроснабжение"
    assert title.startswith("Change: Электроснабжение | ")
    assert headings(admin_client, admin_url(ImportBatch, "change", batch.pk), en)[1] == (
        f"View: {batch}"
    )
    delete = headings(admin_client, admin_url(Service, "delete", service.pk), en)
    assert delete[1] == "Delete: Электроснабжение"
