"""Column types shared by every app, so money and readings are stored the same everywhere."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models


def money_field(verbose_name: Any, **kwargs: Any) -> models.DecimalField:
    """Roubles with kopecks: Decimal with 2 places, up to 10^12; zero by default."""
    kwargs.setdefault("default", Decimal("0.00"))
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)


def quantity_field(verbose_name: Any, **kwargs: Any) -> models.DecimalField:
    """Volumes and meter readings: 10 integer and 4 fraction digits.

    That covers a 9-digit register and the finest (4-place) water meters; a reading is shown
    with its meter's own fraction digits.
    """
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=4, **kwargs)


def price_field(verbose_name: Any, **kwargs: Any) -> models.DecimalField:
    """Tariffs are published with up to 4 places (e.g. 5.2613 ₽/кВт·ч)."""
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=4, **kwargs)


def person_field(verbose_name: Any, *, related_name: str = "+") -> models.ForeignKey[Any, Any]:
    """Who did or owns something, as a pointer that may be empty.

    The record is the utility's and may outlive the login: when a person deletes their account
    (152-FZ) the pointer goes (SET_NULL). What else goes with the person is the app's
    personal_data module's to say (kabinet.core.personal_data); a test fails on a new
    person_field that no module covers.
    """
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name=related_name,
    )
