"""Every model names itself in the singular and the plural, and the admin never declines a
name by number itself (Django has two forms, Russian needs three: «8 загрузки из биллинга»)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from kabinet.billing.models import ImportBatch
from tests.factories import make_import_batch


def test_every_model_has_its_own_singular_and_plural_name() -> None:
    missing = [
        model._meta.label
        for model in apps.get_models()
        if model.__module__.startswith("kabinet.")
        and not {"verbose_name", "verbose_name_plural"} <= set(model._meta.original_attrs)
    ]
    assert missing == []


@pytest.mark.django_db
def test_the_admin_counts_rows_without_declining_the_model_name(admin_client: Client) -> None:
    for _ in range(8):
        make_import_batch()
    html = admin_client.get(reverse("admin:billing_importbatch_changelist")).content.decode()
    assert "Найдено: 8" in html
    assert f"8 {ImportBatch._meta.verbose_name_plural}" not in html
