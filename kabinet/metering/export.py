"""The ``readings`` export: what customers submitted in the portal, for billing to take back.

Registered from the app config; see kabinet.billing.exchange.exports and docs/exchange.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from django.utils import timezone

from kabinet.billing.exchange.exports import ExportKind, register_export
from kabinet.core.periods import format_period
from kabinet.metering.models import Reading

COLUMNS = (
    "portal_id",
    "supplier",
    "branch",
    "account",
    "meter_id",
    "serial_number",
    "service",
    "taken_on",
    "period",
    "value_1",
    "value_2",
    "value_3",
    "source",
    "submitted_at",
    # Appended, so a reader that takes columns by name keeps working: billing learns that the
    # customer confirmed a value the portal found doubtful, and that a photo backs it.
    "rollover_confirmed",
    "jump_confirmed",
    "has_photo",
    # The meter was past its verification date; its supplier took the reading flagged so that
    # billing decides whether to charge by it.
    "verification_overdue",
)

# Readings that billing sent us are its own; only what customers submitted goes back.
EXPORTED_SOURCES = (Reading.Source.PORTAL, Reading.Source.PHOTO)

CHUNK_SIZE = 2000


def reading_rows(since: dt.datetime, until: dt.datetime) -> Iterator[list[str]]:
    """Readings submitted through the portal or by photo in ``[since, until)``, oldest first.

    One query whatever the number of rows: the meter, its account, supplier, branch and service
    come joined, and rows are fetched in chunks.
    """
    readings = (
        Reading.objects.filter(
            source__in=EXPORTED_SOURCES, submitted_at__gte=since, submitted_at__lt=until
        )
        .select_related(
            "meter__supplier", "meter__service", "meter__account__branch", "meter__account"
        )
        .order_by("submitted_at", "pk")
    )
    for reading in readings.iterator(chunk_size=CHUNK_SIZE):
        meter = reading.meter
        account = meter.account
        digits = meter.fraction_digits
        yield [
            str(reading.pk),
            meter.supplier.code,
            account.branch.code if account.branch else "",
            # The number the customer saw when submitting; accounts do get renumbered.
            reading.account_number or account.number_display or account.number,
            meter.external_id,
            meter.serial_number,
            meter.service.code,
            reading.taken_on.isoformat(),
            format_period(reading.period),
            _value(reading.value_1, digits),
            _value(reading.value_2, digits),
            _value(reading.value_3, digits),
            reading.source,
            timezone.localtime(reading.submitted_at).isoformat(timespec="seconds"),
            _flag(reading.rollover_confirmed),
            _flag(reading.jump_confirmed),
            _flag(bool(reading.photo)),
            _flag(reading.verification_overdue),
        ]


def _flag(value: bool) -> str:
    return "1" if value else "0"


def _value(value: Decimal | None, fraction_digits: int) -> str:
    # Decimal formatting never goes through float, so 12345.67 stays exactly that.
    return "" if value is None else format(value, f".{fraction_digits}f")


READINGS = register_export(ExportKind(name="readings", columns=COLUMNS, rows=reading_rows))
