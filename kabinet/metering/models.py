"""Meters and their readings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import Account, Service, Supplier, Zone, first_of_month
from kabinet.core.fields import person_field, quantity_field
from kabinet.core.periods import month_year
from kabinet.core.uploads import get_private_storage

# The zones a meter with 1, 2 or 3 tariff zones reports, in the order of value_1..value_3.
ZONES_BY_COUNT: dict[int, tuple[Zone, ...]] = {
    1: (Zone.SINGLE,),
    2: (Zone.DAY, Zone.NIGHT),
    3: (Zone.PEAK, Zone.SEMIPEAK, Zone.NIGHT),
}


class Meter(models.Model):
    """A meter (прибор учёта) of an account's service."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("Индивидуальный")
        COMMON = "common", _("Общий (квартирный)")

    supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("поставщик"),
        on_delete=models.PROTECT,
        related_name="meters",
        db_index=False,  # the unique (supplier, external_id) index serves it
    )
    external_id = models.CharField(_("код в биллинге"), max_length=64)
    account = models.ForeignKey(
        Account, verbose_name=_("лицевой счёт"), on_delete=models.CASCADE, related_name="meters"
    )
    service = models.ForeignKey(
        Service, verbose_name=_("услуга"), on_delete=models.PROTECT, related_name="+"
    )
    serial_number = models.CharField(_("заводской номер"), max_length=64)
    model = models.CharField(_("модель"), max_length=120, blank=True)
    kind = models.CharField(_("тип"), max_length=12, choices=Kind.choices, default=Kind.INDIVIDUAL)
    zones = models.PositiveSmallIntegerField(
        _("тарифных зон"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(3)],
    )
    integer_digits = models.PositiveSmallIntegerField(
        _("разрядов до запятой"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    fraction_digits = models.PositiveSmallIntegerField(
        _("разрядов после запятой"), default=0, validators=[MaxValueValidator(4)]
    )
    transformation_ratio = models.DecimalField(
        _("коэффициент трансформации"), max_digits=10, decimal_places=2, default=Decimal("1")
    )
    location = models.CharField(_("место установки"), max_length=160, blank=True)
    installed_on = models.DateField(_("дата установки"), null=True, blank=True)
    verified_on = models.DateField(_("дата поверки"), null=True, blank=True)
    verification_due = models.DateField(_("дата следующей поверки"), null=True, blank=True)
    is_automatic = models.BooleanField(_("дистанционный съём показаний"), default=False)
    removed_on = models.DateField(_("снят"), null=True, blank=True)

    class Meta:
        verbose_name = _("прибор учёта")
        verbose_name_plural = _("приборы учёта")
        ordering = ["account", "service", "serial_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "external_id"], name="meter_external_unique"
            ),
            models.CheckConstraint(
                condition=Q(zones__gte=1) & Q(zones__lte=3), name="meter_zones_1_to_3"
            ),
            models.CheckConstraint(
                condition=Q(fraction_digits__lte=4), name="meter_fraction_digits_max_4"
            ),
        ]
        indexes = [models.Index(fields=["verification_due"], name="meter_verification_due_idx")]

    def __str__(self) -> str:
        return f"№ {self.serial_number}"

    @property
    def zone_list(self) -> tuple[Zone, ...]:
        return ZONES_BY_COUNT[self.zones]

    def show(self, value: Decimal) -> str:
        """A value as the customer reads it: «1 234,50» with this meter's fraction digits."""
        return number_format(value, self.fraction_digits, use_l10n=True, force_grouping=True)

    def show_values(self, values: list[Decimal]) -> str:
        """All zones of a reading: «1 234» or «День 1 234 / Ночь 567»."""
        if self.zones == 1 or len(values) == 1:
            return " / ".join(self.show(v) for v in values)
        labels = [str(z.label) for z in self.zone_list]
        return " / ".join(f"{labels[i]} {self.show(v)}" for i, v in enumerate(values))

    def verification_overdue_on(self, day: dt.date) -> bool:
        """Past its verification date (МПИ) on ``day``, a date in the supplier's zone: from the
        day after the due date the meter counts as faulty."""
        return self.verification_due is not None and self.verification_due < day

    @property
    def capacity(self) -> str:
        """Digit capacity as printed in meter passports: «6.3»."""
        return f"{self.integer_digits}.{self.fraction_digits}"


OPEN_SUBMISSION = "reading_one_open_submission"


class Reading(models.Model):
    """Values of all zones of a meter at a date, with where they came from and what billing did."""

    class Source(models.TextChoices):
        PORTAL = "portal", _("Личный кабинет")
        PHOTO = "photo", _("Фото")
        BILLING = "billing", _("Биллинг")
        INSPECTOR = "inspector", _("Контролёр")
        AUTOMATIC = "automatic", _("Дистанционный съём")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Передано")
        ACCEPTED = "accepted", _("Принято")
        REJECTED = "rejected", _("Отклонено")
        BILLED = "billed", _("Учтено в счёте")

    meter = models.ForeignKey(
        Meter,
        verbose_name=_("прибор учёта"),
        on_delete=models.CASCADE,
        related_name="readings",
        db_index=False,  # served by the (meter, taken_on) index
    )
    # The account number as it was when the reading was taken (accounts get renumbered).
    account_number = models.CharField(_("лицевой счёт"), max_length=30, blank=True)
    period = models.DateField(_("период"))
    taken_on = models.DateField(_("дата показаний"))
    submitted_at = models.DateTimeField(_("получено"), auto_now_add=True)
    source = models.CharField(_("источник"), max_length=12, choices=Source.choices)
    status = models.CharField(
        _("статус"), max_length=12, choices=Status.choices, default=Status.RECEIVED
    )
    reject_reason = models.CharField(_("причина отклонения"), max_length=255, blank=True)
    billed_period = models.DateField(_("учтено в счёте за"), null=True, blank=True)
    value_1 = quantity_field(_("показание (зона 1)"))
    value_2 = quantity_field(_("показание (зона 2)"), null=True, blank=True)
    value_3 = quantity_field(_("показание (зона 3)"), null=True, blank=True)
    external_id = models.CharField(_("код в биллинге"), max_length=64, blank=True)
    submitted_by = person_field(_("кто передал"))
    # What the customer confirmed when the value looked wrong: billing sees a lower value that
    # is a roll-over past the digit capacity, or a jump far above the usual consumption.
    # Database defaults too: the importer writes readings with plain SQL and leaves these out.
    rollover_confirmed = models.BooleanField(
        _("подтверждён переход через ноль"), default=False, db_default=False
    )
    jump_confirmed = models.BooleanField(
        _("подтверждён большой расход"), default=False, db_default=False
    )
    photo = models.FileField(
        _("фото счётчика или квитанции"),
        storage=get_private_storage,
        max_length=255,
        blank=True,
        default="",
        db_default="",
    )
    photo_content_type = models.CharField(
        _("тип файла фото"), max_length=32, blank=True, default="", db_default=""
    )
    # The meter was past its verification date when the customer sent this, and the supplier
    # takes such readings flagged: billing decides what to charge.
    verification_overdue = models.BooleanField(
        _("истёк срок поверки прибора"), default=False, db_default=False
    )
    # Filled by photo recognition (a later issue): the values it read, per zone, for staff to
    # compare with what the customer typed.
    recognized_values = models.JSONField(_("распознано на фото"), null=True, blank=True)

    class Meta:
        verbose_name = _("показание")
        verbose_name_plural = _("показания")
        ordering = ["meter", "-taken_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["meter", "external_id"],
                condition=~Q(external_id=""),
                name="reading_external_unique",
            ),
            # One unanswered customer submission per meter and period: a second one replaces
            # it. The save is an upsert on this index, so two submissions at once leave one row
            # without locking the meter first (billing never sends a reading as received).
            models.UniqueConstraint(
                fields=["meter", "period"],
                condition=Q(status="received", source__in=["portal", "photo"]),
                name=OPEN_SUBMISSION,
            ),
            models.CheckConstraint(condition=first_of_month("period"), name="reading_period_month"),
            models.CheckConstraint(
                condition=Q(billed_period__isnull=True) | first_of_month("billed_period"),
                name="reading_billed_period_month",
            ),
            models.CheckConstraint(
                condition=Q(value_1__gte=0)
                & (Q(value_2__isnull=True) | Q(value_2__gte=0))
                & (Q(value_3__isnull=True) | Q(value_3__gte=0)),
                name="reading_values_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["meter", "-taken_on"], name="reading_meter_date_idx"),
            models.Index(fields=["status", "source"], name="reading_status_source_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.meter} {self.taken_on:%d.%m.%Y}"

    @property
    def values(self) -> list[Decimal]:
        return [v for v in (self.value_1, self.value_2, self.value_3) if v is not None]

    @property
    def status_text(self) -> str:
        """What the customer reads: «Принято», «Отклонено: <причина>», «Учтено в счёте за …»."""
        if self.status == self.Status.REJECTED and self.reject_reason:
            return _("Отклонено: %(reason)s") % {"reason": self.reject_reason}
        if self.status == self.Status.BILLED and self.billed_period is not None:
            month = month_year(self.billed_period)
            return _("Учтено в счёте за %(period)s") % {"period": month}
        return str(self.get_status_display())
