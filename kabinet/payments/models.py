"""Money received for an account: through the portal, or by another channel reported by billing."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import Account, Service, Supplier
from kabinet.core.fields import money_field, person_field


class Payment(models.Model):
    """A payment for an account, split between recipient suppliers by PaymentSplit rows."""

    class Channel(models.TextChoices):
        PORTAL_CARD = "portal_card", _("Картой в личном кабинете")
        BANK = "bank", _("Банк")
        ONLINE_BANK = "online_bank", _("Интернет-банк")
        POST = "post", _("Почта России")
        CASHIER = "cashier", _("Касса")
        TERMINAL = "terminal", _("Терминал")
        OTHER = "other", _("Другое")

    class Source(models.TextChoices):
        PORTAL = "portal", _("Личный кабинет")
        BILLING = "billing", _("Загружен из биллинга")

    class Status(models.TextChoices):
        CREATED = "created", _("Создан")
        PENDING = "pending", _("Ожидает оплаты")
        SUCCEEDED = "succeeded", _("Оплачен")
        CANCELED = "canceled", _("Отменён")
        REFUNDED = "refunded", _("Возвращён")

    account = models.ForeignKey(
        Account,
        verbose_name=_("лицевой счёт"),
        on_delete=models.PROTECT,
        related_name="payments",
        db_index=False,  # served by the (account, paid_at) index
    )
    source = models.CharField(_("источник"), max_length=8, choices=Source.choices)
    channel = models.CharField(_("способ"), max_length=16, choices=Channel.choices)
    status = models.CharField(
        _("статус"), max_length=12, choices=Status.choices, default=Status.CREATED
    )
    amount = money_field(_("сумма, ₽"))
    paid_at = models.DateTimeField(_("дата оплаты"), null=True, blank=True)
    agent_name = models.CharField(_("банк / агент"), max_length=160, blank=True)
    external_id = models.CharField(_("код в биллинге"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)

    # Portal card payments only. Billing's importer writes payments with raw SQL naming its own
    # columns, so every column added here has a database default.
    provider = models.CharField(
        _("платёжный сервис"), max_length=16, blank=True, default="", db_default=""
    )
    provider_payment_id = models.CharField(
        _("id платежа в платёжном сервисе"), max_length=64, blank=True, default="", db_default=""
    )
    # Sent as the acquirer's Idempotence-Key: a retried start can never become a second charge.
    idempotency_key = models.UUIDField(_("ключ идемпотентности"), null=True, blank=True)
    confirmation_url = models.CharField(
        _("страница оплаты"), max_length=500, blank=True, default="", db_default=""
    )
    failure_code = models.CharField(
        _("код отказа"), max_length=64, blank=True, default="", db_default=""
    )
    failure_message = models.CharField(
        _("причина отказа"), max_length=255, blank=True, default="", db_default=""
    )
    receipt_email = models.CharField(
        _("e-mail для чека"), max_length=254, blank=True, default="", db_default=""
    )
    receipt_phone = models.CharField(
        _("телефон для чека"), max_length=20, blank=True, default="", db_default=""
    )
    user = person_field(_("кто оплатил"))
    # The bill lines this payment paid, as they were: a later re-import never changes them.
    lines = models.JSONField(_("оплаченные строки квитанции"), null=True, blank=True)
    refunded_amount = money_field(_("возвращено, ₽"), db_default=Decimal("0.00"))
    # The month of the bill the payment paid (none for an advance with no bill yet): billing
    # books the money against it.
    bill_period = models.DateField(_("период квитанции"), null=True, blank=True)
    updated_at = models.DateTimeField(_("изменён"), null=True, blank=True)
    # When a `payments` file from billing named this portal payment by its portal_id (billing's
    # own id of it is then in ``external_id``): billing has it, and the pages say «учтён
    # биллингом» instead of «ожидает учёта» until a bill shows it (billing/pending.py).
    accounted_at = models.DateTimeField(_("учтён биллингом"), null=True, blank=True)

    class Meta:
        verbose_name = _("платёж")
        verbose_name_plural = _("платежи")
        ordering = ["-paid_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="payment_external_unique",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.UniqueConstraint(
                fields=["provider", "provider_payment_id"],
                condition=~Q(provider_payment_id=""),
                name="payment_provider_id_unique",
            ),
            models.UniqueConstraint(fields=["idempotency_key"], name="payment_idempotency_unique"),
        ]
        indexes = [
            models.Index(fields=["account", "-paid_at"], name="payment_account_date_idx"),
            # The poll job and the reconciliation look for portal payments by state and age.
            models.Index(
                fields=["status", "created_at"],
                condition=Q(source="portal"),
                name="payment_portal_status_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} ₽ {self.get_channel_display()}"


class PaymentSplit(models.Model):
    """The part of a payment that goes to one recipient supplier; parts add up to the payment."""

    payment = models.ForeignKey(
        Payment,
        verbose_name=_("платёж"),
        on_delete=models.CASCADE,
        related_name="splits",
        db_index=False,
    )
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("получатель"), on_delete=models.PROTECT, related_name="+"
    )
    service = models.ForeignKey(
        Service,
        verbose_name=_("услуга"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    amount = money_field(_("сумма, ₽"))
    # The recipient's payment document id (ИПД) on the bill paid, as it was when paid. Billing's
    # importer writes splits with raw SQL naming its own columns, hence the database default.
    document_number = models.CharField(
        _("номер документа (ИПД)"), max_length=32, blank=True, default="", db_default=""
    )

    class Meta:
        verbose_name = _("часть платежа")
        verbose_name_plural = _("части платежа")
        constraints = [
            # Billing's payments name only the recipient; a portal payment has a part per
            # recipient and service line of the bill. Billing's upsert keys on the first one.
            models.UniqueConstraint(
                fields=["payment", "supplier"],
                condition=Q(service__isnull=True),
                name="payment_split_unique",
            ),
            models.UniqueConstraint(
                fields=["payment", "supplier", "service"],
                condition=Q(service__isnull=False),
                name="payment_split_service_unique",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_split_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.supplier_id}: {self.amount}"


class PaymentEvent(models.Model):
    """One thing that happened to a portal payment: a start, a notification, a poll, a move.

    Written for every notification and poll whether or not it changed anything, so support can
    see what the acquirer said and when, and a replayed notification is visible as a no-op.
    """

    class Kind(models.TextChoices):
        START = "start", _("Начало оплаты")
        NOTIFICATION = "notification", _("Уведомление")
        POLL = "poll", _("Опрос статуса")
        RECONCILE = "reconcile", _("Сверка")
        REFUND = "refund", _("Возврат")
        ERROR = "error", _("Ошибка")

    payment = models.ForeignKey(
        Payment, verbose_name=_("платёж"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("когда"), auto_now_add=True)
    kind = models.CharField(_("что"), max_length=16, choices=Kind.choices)
    status_before = models.CharField(_("статус до"), max_length=12, blank=True)
    status_after = models.CharField(_("статус после"), max_length=12, blank=True)
    provider_status = models.CharField(_("статус у платёжного сервиса"), max_length=32, blank=True)
    note = models.CharField(_("примечание"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("событие платежа")
        verbose_name_plural = _("события платежей")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.payment_id} {self.kind} {self.status_before}→{self.status_after}"

    @property
    def changed(self) -> bool:
        return self.status_before != self.status_after


class Refund(models.Model):
    """Money of a portal payment returned to the card: billing books it as its own event.

    Written «pending» before the acquirer is asked (so a crash between the two loses nothing
    and a retry sends the same Idempotence-Key), then «succeeded» with ``refunded_at`` or
    «canceled». Exports pick refunds by ``refunded_at``, so a refund of a payment exported
    months ago reaches billing in the next export. Its parts (RefundSplit) say which bill lines
    the money is taken back from and add up to ``amount``.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Отправлен в банк")
        SUCCEEDED = "succeeded", _("Выполнен")
        CANCELED = "canceled", _("Отклонён")

    class Origin(models.TextChoices):
        STAFF = "staff", _("Сотрудник в личном кабинете")
        ACQUIRER = "acquirer", _("В кабинете платёжного сервиса")

    payment = models.ForeignKey(
        Payment, verbose_name=_("платёж"), on_delete=models.PROTECT, related_name="refunds"
    )
    amount = money_field(_("сумма, ₽"))
    status = models.CharField(
        _("статус"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    origin = models.CharField(_("откуда"), max_length=12, choices=Origin.choices)
    provider_refund_id = models.CharField(
        _("id возврата в платёжном сервисе"), max_length=64, blank=True
    )
    idempotency_key = models.CharField(_("ключ идемпотентности"), max_length=80, blank=True)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)
    refunded_at = models.DateTimeField(_("дата возврата"), null=True, blank=True)
    actor = person_field(_("кто вернул"))

    class Meta:
        verbose_name = _("возврат")
        verbose_name_plural = _("возвраты")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            # A refund the bank confirmed has its time: the export selects by it.
            models.CheckConstraint(
                condition=~Q(status="succeeded") | Q(refunded_at__isnull=False),
                name="refund_succeeded_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["refunded_at"],
                condition=Q(status="succeeded"),
                name="refund_succeeded_at_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} −{self.amount} {self.status}"


class RefundSplit(models.Model):
    """The part of a refund taken back from one line (recipient and service) of the payment."""

    refund = models.ForeignKey(
        Refund, verbose_name=_("возврат"), on_delete=models.CASCADE, related_name="splits"
    )
    payment_split = models.ForeignKey(
        PaymentSplit,
        verbose_name=_("часть платежа"),
        on_delete=models.PROTECT,
        related_name="refund_splits",
    )
    amount = money_field(_("сумма, ₽"))

    class Meta:
        verbose_name = _("часть возврата")
        verbose_name_plural = _("части возврата")
        constraints = [
            models.UniqueConstraint(fields=["refund", "payment_split"], name="refund_split_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_split_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.refund_id} ← {self.payment_split_id}: {self.amount}"


class SandboxPayment(models.Model):
    """A payment at the built-in test acquirer (PAYMENT_PROVIDER=sandbox): its side of the story.

    The sandbox keeps this record the way a bank keeps its own; Kabinet's Payment learns the
    status only by reading it here (like GET /v3/payments/{id}), never from a notification body.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Ожидает оплаты")
        SUCCEEDED = "succeeded", _("Оплачен")
        CANCELED = "canceled", _("Отменён")

    token = models.CharField(_("id в тестовом банке"), max_length=64, unique=True)
    idempotency_key = models.CharField(_("ключ идемпотентности"), max_length=64, unique=True)
    amount = money_field(_("сумма, ₽"))
    description = models.CharField(_("назначение"), max_length=255, blank=True)
    return_url = models.CharField(_("адрес возврата"), max_length=500)
    status = models.CharField(
        _("статус"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    failure_code = models.CharField(_("код отказа"), max_length=64, blank=True)
    card_last4 = models.CharField(_("карта"), max_length=4, blank=True)
    awaiting_3ds = models.BooleanField(_("ждёт код 3-D Secure"), default=False)
    refunded_amount = money_field(_("возвращено, ₽"))
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)
    paid_at = models.DateTimeField(_("оплачен"), null=True, blank=True)

    class Meta:
        verbose_name = _("платёж в тестовом банке")
        verbose_name_plural = _("платежи в тестовом банке")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.token} {self.amount} {self.status}"
