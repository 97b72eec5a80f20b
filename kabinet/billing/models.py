"""The utility as billing sees it: suppliers, premises, accounts, services, tariffs, charges, bills.

Every record that billing sends has a natural key (supplier code + account number, service code,
…) with a unique constraint, so loading the same file twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.billing.requisites import requisites_problems
from kabinet.core.fields import money_field, person_field, price_field, quantity_field

inn_validator = RegexValidator(r"^(\d{10}|\d{12})$", _("ИНН — 10 или 12 цифр."))
kpp_validator = RegexValidator(r"^\d{9}$", _("КПП — 9 цифр."))
bic_validator = RegexValidator(r"^\d{9}$", _("БИК — 9 цифр."))
bank_account_validator = RegexValidator(r"^\d{20}$", _("Счёт — 20 цифр."))
# ГИС ЖКХ single account number: 2 digits, 2 capital Cyrillic letters, 6 digits.
els_validator = RegexValidator(r"^\d{2}[А-Я]{2}\d{6}$", _("ЕЛС — 10 знаков, например 90ВВ144120."))
izhku_validator = RegexValidator(
    r"^\d{2}[А-Я]{2}\d{6}-\d{2}$", _("ИЖКУ — ЕЛС, дефис и 2 цифры, например 90ВВ144120-11.")
)


def first_of_month(field: str) -> Q:
    """Check-constraint condition: a period is stored as the first day of its month."""
    return Q(**{f"{field}__day": 1})


class Supplier(models.Model):
    """A legal entity that charges for services, with everything a payment QR needs."""

    class Kind(models.TextChoices):
        ENERGY = "energy", _("Энергосбытовая компания")
        HEAT_WATER = "heat_water", _("Тепло- и водоснабжение")
        WASTE = "waste", _("Региональный оператор по обращению с ТКО")
        HOUSING = "housing", _("Управляющая организация")
        AGENT = "agent", _("Платёжный агент")
        OTHER = "other", _("Другое")

    class OverdueVerification(models.TextChoices):
        ACCEPT = "accept", _("принимать с отметкой для биллинга")
        REFUSE = "refuse", _("не принимать до поверки")

    class VatCode(models.IntegerChoices):
        """VAT of a receipt item (54-FZ tag 1199) as YooKassa codes it in ``vat_code``."""

        NO_VAT = 1, _("Без НДС")
        VAT_0 = 2, _("НДС 0%")
        VAT_10 = 3, _("НДС 10%")
        VAT_20 = 4, _("НДС 20%")
        VAT_10_110 = 5, _("НДС по расчётной ставке 10/110")
        VAT_20_120 = 6, _("НДС по расчётной ставке 20/120")
        VAT_5 = 7, _("НДС 5%")
        VAT_7 = 8, _("НДС 7%")
        VAT_5_105 = 9, _("НДС по расчётной ставке 5/105")
        VAT_7_107 = 10, _("НДС по расчётной ставке 7/107")
        VAT_22 = 11, _("НДС 22%")
        VAT_22_122 = 12, _("НДС по расчётной ставке 22/122")

    class AgentType(models.TextChoices):
        """Who the merchant is for this supplier on a receipt (54-FZ tag 1222, ``agent_type``)."""

        PAYMENT_AGENT = "payment_agent", _("Платёжный агент")
        PAYMENT_SUBAGENT = "payment_subagent", _("Платёжный субагент")
        BANKING_PAYMENT_AGENT = "banking_payment_agent", _("Банковский платёжный агент")
        BANKING_PAYMENT_SUBAGENT = "banking_payment_subagent", _("Банковский платёжный субагент")
        ATTORNEY = "attorney", _("Поверенный")
        COMMISSIONER = "commissioner", _("Комиссионер")
        AGENT = "agent", _("Агент")

    code = models.SlugField(
        _("код в биллинге"),
        max_length=32,
        unique=True,
        help_text=_("Этим кодом поставщик обозначается в файлах обмена."),
    )
    name = models.CharField(_("полное наименование"), max_length=160)
    short_name = models.CharField(_("краткое наименование"), max_length=80)
    kind = models.CharField(_("вид"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    inn = models.CharField(_("ИНН"), max_length=12, validators=[inn_validator])
    kpp = models.CharField(_("КПП"), max_length=9, blank=True, validators=[kpp_validator])
    ogrn = models.CharField(_("ОГРН"), max_length=15, blank=True)
    # Payment requisites: the mandatory block of the GOST R 56042-2014 payment QR.
    bank_name = models.CharField(_("банк"), max_length=45)
    bic = models.CharField(_("БИК"), max_length=9, validators=[bic_validator])
    settlement_account = models.CharField(
        _("расчётный счёт"), max_length=20, validators=[bank_account_validator]
    )
    correspondent_account = models.CharField(
        _("корреспондентский счёт"), max_length=20, validators=[bank_account_validator]
    )
    address = models.CharField(_("адрес"), max_length=255, blank=True)
    phone = models.CharField(_("телефон"), max_length=64, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("сайт"), blank=True)
    time_zone = models.CharField(_("часовой пояс"), max_length=64, default="Europe/Moscow")

    # Readings window, evaluated in the supplier's time zone. first > last wraps the month end
    # (25th → 5th); 1..31 is the whole month.
    readings_first_day = models.PositiveSmallIntegerField(
        _("приём показаний с (число)"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )
    readings_last_day = models.PositiveSmallIntegerField(
        _("приём показаний по (число)"),
        default=26,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )
    readings_close_time = models.TimeField(
        _("окончание приёма в последний день"),
        null=True,
        blank=True,
        help_text=_("Пусто — до конца дня."),
    )
    readings_strict = models.BooleanField(
        _("не принимать показания вне периода"),
        default=True,
    )
    readings_jump_factor = models.DecimalField(
        _("порог подтверждения скачка расхода (× среднемесячного)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("10"),
    )
    # A meter past its verification date counts as faulty (Decree 354): billing charges it by
    # average, then by norm. Some suppliers still want the customer's reading for the record,
    # others want none until the meter is verified.
    readings_overdue_verification = models.CharField(
        _("показания прибора с истёкшим сроком поверки"),
        max_length=8,
        choices=OverdueVerification.choices,
        default=OverdueVerification.ACCEPT,
    )
    min_payment = money_field(_("минимальная сумма платежа"), default=Decimal("50.00"))
    # Seed 002: the bank's fee is set by the supplier's contract with the bank, and customers
    # must be told before they pay. Kabinet only shows it; the bank charges it.
    payment_commission = models.CharField(
        _("комиссия за приём платежа"),
        max_length=300,
        blank=True,
        help_text=_(
            "Показывается на странице оплаты, например: «Банк взимает комиссию 1 % от суммы "
            "платежа». Пусто — без комиссии."
        ),
    )
    # Control questions a customer may answer when linking an account.
    link_by_code = models.BooleanField(_("привязка по коду с квитанции"), default=True)
    link_by_bill_total = models.BooleanField(
        _("привязка по сумме квитанции за 6 месяцев"), default=True
    )
    link_by_surname_flat = models.BooleanField(
        _("привязка по фамилии и номеру квартиры"), default=False
    )
    # Set by staff only; imports never touch it.
    approved_for_payment = models.BooleanField(_("разрешена онлайн-оплата"), default=True)
    # Fiscal receipts (54-FZ) of card payments: one supplier may be on VAT and another on the
    # simplified regime, and the merchant of the shop is no agent for its own services.
    receipt_vat_code = models.PositiveSmallIntegerField(
        _("ставка НДС в чеке"), choices=VatCode.choices, default=VatCode.NO_VAT
    )
    receipt_is_merchant = models.BooleanField(
        _("поставщик сам принимает оплату"),
        default=False,
        help_text=_(
            "Отметьте, если магазин в платёжном сервисе открыт на этого поставщика: тогда в "
            "чеке он не указывается как принципал агента."
        ),
    )
    receipt_agent_type = models.CharField(
        _("признак агента в чеке"),
        max_length=32,
        choices=AgentType.choices,
        default=AgentType.PAYMENT_AGENT,
        help_text=_("Кем выступает магазин при приёме оплаты за этого поставщика."),
    )
    # The notification kinds (codes of kabinet.notifications) the supplier pays to send by SMS;
    # e-mail and the portal carry every kind. Set by staff only.
    sms_notification_kinds = models.JSONField(_("уведомления по SMS"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("поставщик")
        verbose_name_plural = _("поставщики")
        ordering = ["short_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(readings_first_day__gte=1)
                & Q(readings_first_day__lte=31)
                & Q(readings_last_day__gte=1)
                & Q(readings_last_day__lte=31),
                name="supplier_readings_days_in_month",
            ),
            models.CheckConstraint(
                condition=Q(min_payment__gte=0), name="supplier_min_payment_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(receipt_vat_code__gte=1) & Q(receipt_vat_code__lte=12),
                name="supplier_receipt_vat_code_known",
            ),
        ]

    def __str__(self) -> str:
        return self.short_name

    @property
    def receipt_phone(self) -> str:
        """The phone a receipt names for this supplier (tag 1171): E.164 digits without «+».

        ``phone`` is printed on bills as typed and may list several numbers («+7 (4752)
        72-03-03, доб. 2»); the first one that is a valid number is taken. Empty when none is.
        """
        for chunk in re.split(r"[,;]|доб", self.phone):
            try:
                number = phonenumbers.parse(chunk.strip(), "RU")
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number):
                return phonenumbers.format_number(
                    number, phonenumbers.PhoneNumberFormat.E164
                ).removeprefix("+")
        return ""

    def clean(self) -> None:
        super().clean()
        # A mistyped account still has 20 digits: only its key against the БИК catches it,
        # before a payment QR sends customers' money nowhere or to someone else.
        problems = requisites_problems(
            bic=self.bic,
            settlement_account=self.settlement_account,
            correspondent_account=self.correspondent_account,
        )
        if problems:
            raise ValidationError(problems)
        # An agent's receipt must name the supplier's phone; a typo would only show up as a
        # receipt the tax service rejects.
        if self.phone and not self.receipt_is_merchant and not self.receipt_phone:
            raise ValidationError(
                {
                    "phone": _(
                        "Укажите телефон в виде +7 4752 72-03-03: он передаётся в чеке "
                        "об оплате (тег 1171)."
                    )
                }
            )


class Branch(models.Model):
    """A supplier's branch; account numbers are unique per supplier and branch."""

    supplier = models.ForeignKey(
        Supplier, verbose_name=_("поставщик"), on_delete=models.PROTECT, related_name="branches"
    )
    code = models.SlugField(_("код в биллинге"), max_length=32)
    name = models.CharField(_("название"), max_length=160)
    address = models.CharField(_("адрес"), max_length=255, blank=True)
    phone = models.CharField(_("телефон"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("филиал")
        verbose_name_plural = _("филиалы")
        ordering = ["supplier", "name"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "code"], name="branch_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Premises(models.Model):
    """A dwelling or other premises: address, areas and registered residents."""

    external_id = models.CharField(
        _("код в биллинге"),
        max_length=64,
        unique=True,
        help_text=_("Идентификатор помещения из файла биллинга."),
    )
    address = models.CharField(_("адрес"), max_length=500)
    region = models.CharField(_("регион"), max_length=120, blank=True)
    city = models.CharField(_("населённый пункт"), max_length=120, blank=True)
    street = models.CharField(_("улица"), max_length=160, blank=True)
    house = models.CharField(_("дом"), max_length=32, blank=True)
    building = models.CharField(_("корпус"), max_length=32, blank=True)
    flat = models.CharField(_("квартира"), max_length=32, blank=True)
    house_guid = models.CharField(_("ГУИД дома (ФИАС)"), max_length=36, blank=True)
    total_area = models.DecimalField(
        _("общая площадь, м²"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    living_area = models.DecimalField(
        _("жилая площадь, м²"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    rooms = models.PositiveSmallIntegerField(_("комнат"), null=True, blank=True)
    residents = models.PositiveSmallIntegerField(_("зарегистрировано"), null=True, blank=True)

    class Meta:
        verbose_name = _("помещение")
        verbose_name_plural = _("помещения")

    def __str__(self) -> str:
        return self.address


class Account(models.Model):
    """A personal account (лицевой счёт) at a supplier. Not a login."""

    class Status(models.TextChoices):
        OPEN = "open", _("Открыт")
        CLOSED = "closed", _("Закрыт")

    supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("поставщик"),
        on_delete=models.PROTECT,
        related_name="accounts",
        db_index=False,  # the unique (supplier, number) index serves lookups by supplier
    )
    branch = models.ForeignKey(
        Branch,
        verbose_name=_("филиал"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accounts",
    )
    number = models.CharField(
        _("номер лицевого счёта"),
        max_length=30,
        help_text=_("Нормализованный: без «л/с», пробелов и ведущих нулей."),
    )
    number_display = models.CharField(_("номер как на квитанции"), max_length=40, blank=True)
    premises = models.ForeignKey(
        Premises,
        verbose_name=_("помещение"),
        on_delete=models.PROTECT,
        related_name="accounts",
        null=True,
        blank=True,
    )
    owner_name = models.CharField(_("владелец (ФИО)"), max_length=255, blank=True)
    els = models.CharField(_("ЕЛС"), max_length=10, blank=True, validators=[els_validator])
    izhku = models.CharField(_("ИЖКУ"), max_length=13, blank=True, validators=[izhku_validator])
    link_code = models.CharField(
        _("код для привязки"),
        max_length=32,
        blank=True,
        help_text=_("Печатается на квитанции; клиент вводит его при добавлении счёта."),
    )
    automatic_readings = models.BooleanField(_("показания снимаются автоматически"), default=False)
    status = models.CharField(
        _("состояние"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    opened_on = models.DateField(_("открыт"), null=True, blank=True)
    closed_on = models.DateField(_("закрыт"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Moved on by every write that changes what the account's pages show (billing.versions);
    # cached markup and ETags are keyed by it.
    data_version = models.PositiveBigIntegerField(default=0, db_default=0, editable=False)

    class Meta:
        verbose_name = _("лицевой счёт")
        verbose_name_plural = _("лицевые счета")
        ordering = ["supplier", "number"]
        constraints = [
            # Two partial indexes instead of one: NULL branches are distinct in a plain unique
            # index, and NULLS NOT DISTINCT exists on PostgreSQL 15 only, not on SQLite.
            models.UniqueConstraint(
                fields=["supplier", "number"],
                condition=Q(branch__isnull=True),
                name="account_number_unique_per_supplier",
            ),
            models.UniqueConstraint(
                fields=["supplier", "branch", "number"],
                condition=Q(branch__isnull=False),
                name="account_number_unique_per_branch",
            ),
        ]
        indexes = [
            models.Index(fields=["number"], name="account_number_idx"),
            models.Index(fields=["els"], name="account_els_idx"),
        ]

    def __str__(self) -> str:
        return self.number_display or self.number


class Service(models.Model):
    """What is charged for: electricity, water, heating, waste, repairs, penalties …"""

    class Kind(models.TextChoices):
        ELECTRICITY = "electricity", _("Электроснабжение")
        COLD_WATER = "cold_water", _("Холодное водоснабжение")
        HOT_WATER = "hot_water", _("Горячее водоснабжение")
        SEWERAGE = "sewerage", _("Водоотведение")
        HEATING = "heating", _("Отопление")
        GAS = "gas", _("Газоснабжение")
        WASTE = "waste", _("Обращение с ТКО")
        CAPITAL_REPAIR = "capital_repair", _("Взнос на капитальный ремонт")
        MAINTENANCE = "maintenance", _("Содержание и ремонт")
        INTERCOM = "intercom", _("Домофон")
        PENALTY = "penalty", _("Пени")
        OTHER = "other", _("Прочее")

    code = models.SlugField(_("код в биллинге"), max_length=32, unique=True)
    name = models.CharField(_("название"), max_length=160)
    kind = models.CharField(_("вид"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    unit = models.CharField(_("единица измерения"), max_length=16, blank=True)
    is_metered = models.BooleanField(_("по прибору учёта"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("порядок"), default=100)

    class Meta:
        verbose_name = _("услуга")
        verbose_name_plural = _("услуги")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Zone(models.TextChoices):
    """Time-of-day zones of a multi-tariff meter (Government Decree 354)."""

    SINGLE = "", _("Однотарифный")
    DAY = "day", _("День")
    NIGHT = "night", _("Ночь")
    PEAK = "peak", _("Пик")
    SEMIPEAK = "semipeak", _("Полупик")


# The T-numbers Russian meters and bills give tariff zones: T1 день, T2 ночь on a two-zone meter;
# T1 пик, T2 ночь, T3 полупик on a three-zone one (docs/exchange.md, «Tariff zones»). Billing's
# zone codes map to them here and nowhere else: charge rows and meter rows are printed in this
# order, so a customer finds the same zone in the same place on both.
ZONE_NUMBERS: dict[str, int] = {Zone.DAY: 1, Zone.PEAK: 1, Zone.NIGHT: 2, Zone.SEMIPEAK: 3}


def zone_number(zone: str) -> int:
    """The zone's T-number; 0 for a single-rate line (printed first, without a label)."""
    return ZONE_NUMBERS.get(zone, 0)


def zone_title(zone: str) -> str:
    """«T1 пик», «T2 ночь»: how a zone is labelled on bills; "" for a single-rate line."""
    number = zone_number(zone)
    if not number:
        return ""
    return f"T{number} {str(Zone(zone).label).lower()}"


class Tariff(models.Model):
    """Price per unit of a service (and zone) for a tariff plan, valid from a date; history kept."""

    supplier = models.ForeignKey(
        Supplier, verbose_name=_("поставщик"), on_delete=models.PROTECT, related_name="tariffs"
    )
    service = models.ForeignKey(
        Service, verbose_name=_("услуга"), on_delete=models.PROTECT, related_name="tariffs"
    )
    code = models.CharField(
        _("код тарифа"), max_length=32, blank=True, help_text=_("Тарифный план в биллинге.")
    )
    name = models.CharField(_("название"), max_length=255)
    zone = models.CharField(_("зона"), max_length=8, choices=Zone.choices, blank=True, default="")
    price = price_field(_("цена за единицу, ₽"))
    valid_from = models.DateField(_("действует с"))
    valid_to = models.DateField(_("действует по"), null=True, blank=True)

    class Meta:
        verbose_name = _("тариф")
        verbose_name_plural = _("тарифы")
        ordering = ["supplier", "service", "code", "zone", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "service", "code", "zone", "valid_from"],
                name="tariff_version_unique",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="tariff_price_not_negative"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="tariff_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.price} с {self.valid_from:%d.%m.%Y}"


class VolumeBasis(models.TextChoices):
    """How a charged volume was determined (the ЕПД footnote)."""

    UNKNOWN = "", _("—")
    METER = "meter", _("по показаниям прибора учёта")
    NORM = "norm", _("по нормативу")
    AVERAGE = "average", _("по среднему")
    BUILDING_METER = "building_meter", _("по общедомовому прибору учёта")
    CAPACITY = "capacity", _("по мощности")


class Charge(models.Model):
    """One line of a bill: a service of one recipient for an account and period (every ЕПД column).

    Signs follow the ЕПД: a positive opening balance is a debt, a negative one an advance;
    benefits are positive amounts that reduce what is due.
    """

    # No database foreign keys on this table, the largest by far (a month of a 100k-account
    # utility is 800k lines): PostgreSQL checks a deferred foreign key per inserted row at commit
    # and locks the referenced row each time. Measured on 800k lines: 15 s for the supplier and
    # service keys and 2.4 s for the account key, of an import that now takes about 15 s. The
    # importer resolves every id inside its transaction; the ORM still cascades and PROTECTs,
    # and accounts are never deleted (they close and keep their history; the admin has no
    # delete for them).
    account = models.ForeignKey(
        Account,
        verbose_name=_("лицевой счёт"),
        on_delete=models.CASCADE,
        related_name="charges",
        db_index=False,  # served by the unique key, which starts with the account
        db_constraint=False,
    )
    period = models.DateField(_("период"))
    supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("получатель"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    service = models.ForeignKey(
        Service,
        verbose_name=_("услуга"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    zone = models.CharField(_("зона"), max_length=8, choices=Zone.choices, blank=True, default="")
    tariff_code = models.CharField(_("код тарифа"), max_length=32, blank=True)
    unit = models.CharField(_("ед. изм."), max_length=16, blank=True)
    norm = quantity_field(_("норматив"), null=True, blank=True)
    volume = quantity_field(_("объём (индивидуальное потребление)"), null=True, blank=True)
    volume_common = quantity_field(_("объём (общедомовые нужды)"), null=True, blank=True)
    volume_basis = models.CharField(
        _("объём определён"),
        max_length=16,
        choices=VolumeBasis.choices,
        blank=True,
        default="",
    )
    tariff = price_field(_("тариф, ₽"), null=True, blank=True)
    opening_balance = money_field(_("долг/аванс на начало, ₽"))
    charged = money_field(_("начислено, ₽"))
    surcharge = money_field(_("повышающий коэффициент, ₽"))
    recalculation = money_field(_("перерасчёт, ₽"))
    recalculation_reason = models.CharField(_("основание перерасчёта"), max_length=255, blank=True)
    benefits = money_field(_("льготы/субсидии, ₽"))
    paid = money_field(_("оплачено, ₽"))
    total = money_field(_("к оплате, ₽"))

    class Meta:
        verbose_name = _("начисление")
        verbose_name_plural = _("начисления")
        ordering = ["account", "-period", "supplier", "service", "zone"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "period", "supplier", "service", "zone"],
                name="charge_line_unique",
            ),
            models.CheckConstraint(condition=first_of_month("period"), name="charge_period_month"),
            models.CheckConstraint(
                condition=Q(volume__isnull=True) | Q(volume__gte=0),
                name="charge_volume_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.period:%m.%Y} {self.service_id}"

    @property
    def zone_title(self) -> str:
        """«T1 пик» as the bill prints it; "" for a single-rate line."""
        return zone_title(self.zone)


class BillAmounts(models.Model):
    """The totals a bill and each of its supplier sections carry."""

    opening_balance = money_field(_("долг/аванс на начало, ₽"))
    charged = money_field(_("начислено, ₽"))
    recalculation = money_field(_("перерасчёт, ₽"))
    benefits = money_field(_("льготы/субсидии, ₽"))
    penalties = money_field(_("пени, ₽"))
    paid = money_field(_("оплачено, ₽"))
    total = money_field(_("итого к оплате, ₽"))

    class Meta:
        abstract = True


class Bill(BillAmounts):
    """The monthly payment document (ЕПД) of an account; totals are the sum of its sections."""

    account = models.ForeignKey(
        Account,
        verbose_name=_("лицевой счёт"),
        on_delete=models.CASCADE,
        related_name="bills",
        db_index=False,
    )
    period = models.DateField(_("период"))
    number = models.CharField(_("номер документа (ИПД)"), max_length=32, blank=True)
    issued_on = models.DateField(_("дата формирования"), null=True, blank=True)
    due_date = models.DateField(_("оплатить до"), null=True, blank=True)
    # When billing's load brought this bill or last changed its amounts: a portal payment that
    # succeeded before it may already be in the bill's «paid» (see payments/pending.py). A load
    # that changes nothing leaves it alone, since such a bill cannot include anything new.
    loaded_at = models.DateTimeField(_("загружена из биллинга"), default=timezone.now)

    class Meta:
        verbose_name = _("квитанция")
        verbose_name_plural = _("квитанции")
        ordering = ["account", "-period"]
        constraints = [
            models.UniqueConstraint(fields=["account", "period"], name="bill_unique_per_period"),
            models.CheckConstraint(condition=first_of_month("period"), name="bill_period_month"),
        ]
        indexes = [models.Index(fields=["period"], name="bill_period_idx")]

    def __str__(self) -> str:
        return f"{self.account} {self.period:%m.%Y}"


class BillSection(BillAmounts):
    """The part of a bill that one recipient (supplier) charges and is paid to."""

    bill = models.ForeignKey(
        Bill,
        verbose_name=_("квитанция"),
        on_delete=models.CASCADE,
        related_name="sections",
        db_index=False,
    )
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("получатель"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.CharField(_("номер документа (ИПД)"), max_length=32, blank=True)
    due_date = models.DateField(_("оплатить до"), null=True, blank=True)
    # An agent bills for recipients that each know the customer under their own number (and
    # ГИС ЖКХ id); the section prints them and its payment QR carries them, so the bank's
    # registry reaches the recipient with a number it knows. Empty: the account's own.
    account_number = models.CharField(
        _("лицевой счёт у получателя"),
        max_length=30,
        blank=True,
        default="",
        db_default="",
        help_text=_("Как его дал биллинг; пусто — номер лицевого счёта квитанции."),
    )
    izhku = models.CharField(
        _("ИЖКУ у получателя"),
        max_length=13,
        blank=True,
        default="",
        db_default="",
        validators=[izhku_validator],
    )

    class Meta:
        verbose_name = _("раздел квитанции")
        verbose_name_plural = _("разделы квитанции")
        ordering = ["bill", "supplier"]
        constraints = [
            models.UniqueConstraint(fields=["bill", "supplier"], name="bill_section_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.bill} / {self.supplier_id}"


class ImportBatch(models.Model):
    """One file given to import_billing: who, when, what it held, and every error found."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Выполняется")
        LOADED = "loaded", _("Загружен")
        REJECTED = "rejected", _("Отклонён (ошибки в данных)")
        FAILED = "failed", _("Сбой")

    kind = models.CharField(_("вид данных"), max_length=32)
    file_name = models.CharField(_("файл"), max_length=500)
    file_sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    file_format = models.CharField(_("формат"), max_length=8, blank=True)
    encoding = models.CharField(_("кодировка"), max_length=16, blank=True)
    started_by = models.CharField(_("кто запустил"), max_length=150, blank=True)
    user = person_field(_("пользователь"))
    started_at = models.DateTimeField(_("начало"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("окончание"), null=True, blank=True)
    status = models.CharField(
        _("состояние"), max_length=8, choices=Status.choices, default=Status.RUNNING
    )
    rows = models.PositiveIntegerField(_("строк"), default=0)
    inserted = models.PositiveIntegerField(_("добавлено"), default=0)
    updated = models.PositiveIntegerField(_("изменено"), default=0)
    unchanged = models.PositiveIntegerField(_("без изменений"), default=0)
    error_count = models.PositiveIntegerField(_("ошибок"), default=0)
    errors = models.JSONField(
        _("ошибки"),
        default=list,
        blank=True,
        help_text=_("Первые ошибки: файл, строка, столбец, сообщение."),
    )
    message = models.TextField(_("итог"), blank=True)

    class Meta:
        verbose_name = _("загрузка из биллинга")
        verbose_name_plural = _("загрузки из биллинга")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name} ({self.get_status_display()})"

    @property
    def duration(self) -> dt.timedelta | None:
        if self.finished_at is None:
            return None
        return self.finished_at - self.started_at


class AccountLink(models.Model):
    """A portal user's link to a personal account; one account may be linked by several users."""

    class Relation(models.TextChoices):
        OWNER = "owner", _("Собственник")
        TENANT = "tenant", _("Наниматель")
        REGISTERED = "registered", _("Зарегистрированный")
        RESIDENT = "resident", _("Проживает")
        OTHER = "other", _("Другое")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("пользователь"),
        on_delete=models.CASCADE,
        related_name="account_links",
        db_index=False,  # served by the unique (user, account) index
    )
    account = models.ForeignKey(
        Account, verbose_name=_("лицевой счёт"), on_delete=models.PROTECT, related_name="links"
    )
    relation = models.CharField(_("отношение к счёту"), max_length=12, choices=Relation.choices)
    alias = models.CharField(_("название"), max_length=60, blank=True)
    group = models.CharField(_("группа"), max_length=60, blank=True)
    note = models.CharField(_("заметка"), max_length=500, blank=True)
    paperless = models.BooleanField(_("квитанции только в электронном виде"), default=False)
    # Set on a link made by accepting an invitation: the holder's link that lent the access.
    # Deleting the holder's link (unlinking, or the holder's user being deleted) takes the
    # access it lent with it; a member cannot lend it further.
    granted_by = models.ForeignKey(
        "self",
        verbose_name=_("доступ предоставил"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="granted_links",
    )
    created_at = models.DateTimeField(_("привязан"), auto_now_add=True)

    class Meta:
        verbose_name = _("привязка лицевого счёта")
        verbose_name_plural = _("привязки лицевых счетов")
        ordering = ["user", "group", "alias", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "account"], name="account_link_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.account_id}"

    @property
    def group_title(self) -> str:
        """The group «Ваши счета» shows the link under: the customer's own, else the address
        of the premises (seed 004: «по умолчанию, стоит адрес недвижимости»)."""
        if self.group:
            return self.group
        premises = self.account.premises
        return premises.address if premises is not None else ""

    @property
    def relation_label(self) -> str:
        """What ``get_relation_display()`` gives, without rebuilding a dict of every choice."""
        try:
            return str(self.Relation(self.relation).label)
        except ValueError:
            return self.relation


class AccountInvitation(models.Model):
    """The holder of an account inviting a family member to see and pay it (shared access).

    Sent to a phone or an e-mail; only a user who has confirmed that phone or e-mail can accept,
    so a forwarded or leaked link opens nothing. The link's token is stored as its SHA-256.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Ожидает ответа")
        ACCEPTED = "accepted", _("Принято")
        REVOKED = "revoked", _("Отозвано")

    link = models.ForeignKey(
        AccountLink,
        verbose_name=_("привязка пригласившего"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    phone = models.CharField(_("телефон"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        _("статус"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("отправлено"), auto_now_add=True)
    expires_at = models.DateTimeField(_("действует до"))
    accepted_link = models.OneToOneField(
        AccountLink,
        verbose_name=_("привязка приглашённого"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accepted_invitation",
    )

    class Meta:
        verbose_name = _("приглашение к лицевому счёту")
        verbose_name_plural = _("приглашения к лицевым счетам")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(phone="") | ~Q(email=""), name="account_invitation_has_address"
            )
        ]

    def __str__(self) -> str:
        return self.phone or self.email

    @property
    def address(self) -> str:
        return self.phone or self.email


class MarketingSubscription(models.Model):
    """A customer's wish to get a supplier's «рекламно-информационные рассылки» by one channel.

    A row per supplier and channel the customer ticked in the profile; no row, no mailing. It is
    only a wish: mail goes out only while the customer's marketing consent (identity.Consent)
    is in force, so withdrawing the consent stops every mailing at once without touching these
    rows, and giving it again brings back the choices made before.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("пользователь"),
        on_delete=models.CASCADE,
        related_name="marketing_subscriptions",
        db_index=False,  # served by the unique (user, supplier, channel) index
    )
    supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("поставщик"),
        on_delete=models.CASCADE,
        related_name="marketing_subscriptions",
    )
    channel = models.CharField(_("канал"), max_length=8, choices=Channel.choices)
    created_at = models.DateTimeField(_("подписан"), auto_now_add=True)

    class Meta:
        verbose_name = _("подписка на рассылку")
        verbose_name_plural = _("подписки на рассылки")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "supplier", "channel"], name="marketing_subscription_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.supplier_id} ({self.channel})"


class StaffMember(models.Model):
    """A utility employee's place in the back office.

    ``supplier`` empty means the member works for every supplier (the agent's or the portal
    operator's own staff); otherwise the member sees only that supplier's customers, appeals and
    requests. The user must also have ``is_staff``: taking either away closes the staff area.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("пользователь"),
        on_delete=models.CASCADE,
        related_name="staff_member",
    )
    # PROTECT, not SET_NULL: a null supplier widens the scope to every supplier, so deleting a
    # supplier must never silently promote its staff.
    supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("поставщик"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff_members",
        help_text=_("Пусто — сотрудник видит всех поставщиков."),
    )
    position = models.CharField(_("должность"), max_length=120, blank=True)
    is_active = models.BooleanField(_("работает в бэк-офисе"), default=True)
    created_at = models.DateTimeField(_("добавлен"), auto_now_add=True)

    class Meta:
        # Part of the staff app (its table and migrations live there); defined here so the
        # services below the staff area can check a staff member's scope.
        app_label = "staff"
        verbose_name = _("сотрудник")
        verbose_name_plural = _("сотрудники")
        ordering = ["user__last_name", "user__first_name", "user__username"]

    def __str__(self) -> str:
        user = self.user
        return user.get_full_name() or user.username
