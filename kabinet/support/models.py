"""What customers ask of the utility and what staff answer: the service catalog, service requests,
appeals with their threads, the FAQ and contacts, documents for the social norm, attachments.

Every table carries the supplier (directly or through its parent), so staff of one supplier are
scoped to that supplier's rows. When a customer deletes their account (152-FZ), support's
personal_data module deletes their appeals and documents with the files and strips requests to
the utility's job record; person fields are SET_NULL so nothing else breaks on the way.
"""

from __future__ import annotations

import operator
from decimal import Decimal
from functools import reduce
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kabinet.billing.models import Account, Supplier
from kabinet.core.fields import person_field
from kabinet.core.uploads import get_private_storage, private_file_response

TEXT_MAX_LENGTH = 4000


class CatalogCategory(models.Model):
    """A heading of a supplier's price list («Электромонтажные работы», «Поверка»)."""

    supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("поставщик"),
        on_delete=models.CASCADE,
        related_name="catalog_categories",
    )
    name = models.CharField(_("название"), max_length=160)
    sort_order = models.PositiveSmallIntegerField(_("порядок"), default=100)
    created_at = models.DateTimeField(_("создана"), auto_now_add=True)

    class Meta:
        verbose_name = _("раздел каталога услуг")
        verbose_name_plural = _("разделы каталога услуг")
        ordering = ["supplier", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "name"], name="catalog_category_unique")
        ]

    def __str__(self) -> str:
        return self.name


class CatalogItem(models.Model):
    """A paid (or «по договорённости») service a customer can order from a supplier."""

    supplier = models.ForeignKey(
        Supplier, verbose_name=_("поставщик"), on_delete=models.CASCADE, related_name="catalog"
    )
    category = models.ForeignKey(
        CatalogCategory,
        verbose_name=_("раздел"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
    )
    code = models.SlugField(_("код"), max_length=64)
    name = models.CharField(_("название"), max_length=255)
    description = models.TextField(_("описание"), blank=True)
    price = models.DecimalField(
        _("цена, ₽"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Пусто — цена по договорённости."),
    )
    unit = models.CharField(_("за что цена"), max_length=32, blank=True, default="услуга")
    is_active = models.BooleanField(_("можно заказать"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("порядок"), default=100)
    created_at = models.DateTimeField(_("создана"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменена"), auto_now=True)

    class Meta:
        verbose_name = _("услуга каталога")
        verbose_name_plural = _("каталог услуг")
        ordering = ["supplier", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "code"], name="catalog_item_code_unique"),
            models.CheckConstraint(
                condition=Q(price__isnull=True) | Q(price__gte=0),
                name="catalog_item_price_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RequestType(models.Model):
    """A kind of service request a supplier accepts (its settings)."""

    supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("поставщик"),
        on_delete=models.CASCADE,
        related_name="request_types",
    )
    name = models.CharField(_("название"), max_length=160)
    description = models.TextField(_("пояснение для клиента"), blank=True)
    requires_meter = models.BooleanField(_("нужен прибор учёта"), default=False)
    is_active = models.BooleanField(_("принимается"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("порядок"), default=100)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)

    class Meta:
        verbose_name = _("тип заявки")
        verbose_name_plural = _("типы заявок")
        ordering = ["supplier", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "name"], name="request_type_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class TimeSlot(models.TextChoices):
    """The period of the day the customer wants the visit in."""

    MORNING = "09-12", _("09:00–12:00")
    MIDDAY = "12-15", _("12:00–15:00")
    AFTERNOON = "15-18", _("15:00–18:00")


class ServiceRequest(models.Model):
    """A job for the utility: from the request types or a catalog order."""

    class Status(models.TextChoices):
        NEW = "new", _("Принята в систему")
        IN_PROGRESS = "in_progress", _("В работе")
        DONE = "done", _("Выполнена")
        CANCELED_BY_CUSTOMER = "canceled_by_customer", _("Отменена клиентом")
        CANCELED_BY_STAFF = "canceled_by_staff", _("Отменена сотрудником")

    OPEN_STATUSES = (Status.NEW, Status.IN_PROGRESS)
    CANCELED_STATUSES = (Status.CANCELED_BY_CUSTOMER, Status.CANCELED_BY_STAFF)

    # NULL until the row exists: the number is derived from the primary key (race-free).
    number = models.CharField(
        _("номер заявки"), max_length=20, unique=True, null=True, blank=True, editable=False
    )
    user = person_field(_("клиент"), related_name="service_requests")
    account = models.ForeignKey(
        Account,
        verbose_name=_("лицевой счёт"),
        on_delete=models.PROTECT,
        related_name="service_requests",
    )
    supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("поставщик"),
        on_delete=models.PROTECT,
        related_name="service_requests",
    )
    request_type = models.ForeignKey(
        RequestType,
        verbose_name=_("тип заявки"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
    )
    catalog_item = models.ForeignKey(
        CatalogItem,
        verbose_name=_("услуга каталога"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
    )
    # What the service cost when ordered: a later price change does not change an order.
    price = models.DecimalField(
        _("цена при заказе, ₽"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    reason = models.TextField(_("причина / комментарий"), blank=True)
    contact_phone = models.CharField(_("контактный телефон"), max_length=20)
    desired_date = models.DateField(_("желаемая дата"))
    desired_slot = models.CharField(
        _("желаемое время"), max_length=8, choices=TimeSlot.choices, default=TimeSlot.MORNING
    )
    status = models.CharField(
        _("статус"), max_length=24, choices=Status.choices, default=Status.NEW, db_index=True
    )
    cancel_reason = models.TextField(_("причина отмены"), blank=True)
    assigned_to = person_field(_("исполнитель"), related_name="assigned_service_requests")
    created_at = models.DateTimeField(_("подана"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("изменена"), auto_now=True)

    class Meta:
        verbose_name = _("заявка")
        verbose_name_plural = _("заявки")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="request_user_created_idx"),
            models.Index(fields=["supplier", "status"], name="request_supplier_status_idx"),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    @property
    def title(self) -> str:
        if self.catalog_item_id is not None and self.catalog_item is not None:
            return self.catalog_item.name
        if self.request_type is not None:
            return self.request_type.name
        return str(_("Заявка"))

    @property
    def can_cancel(self) -> bool:
        """The customer may cancel only while nobody has taken it into work."""
        return self.status == self.Status.NEW

    @property
    def is_canceled(self) -> bool:
        return self.status in self.CANCELED_STATUSES


class ServiceRequestEvent(models.Model):
    """One step of a request's history, shown to the customer: status, who, when, comment."""

    request = models.ForeignKey(
        ServiceRequest,
        verbose_name=_("заявка"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    status = models.CharField(
        _("статус"), max_length=24, choices=ServiceRequest.Status.choices, blank=True
    )
    comment = models.TextField(_("комментарий"), blank=True)
    actor = person_field(_("кто"))
    actor_is_staff = models.BooleanField(_("сотрудник"), default=False)
    at = models.DateTimeField(_("когда"), auto_now_add=True)

    class Meta:
        verbose_name = _("событие заявки")
        verbose_name_plural = _("история заявок")
        ordering = ["request", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.status}"


class Appeal(models.Model):
    """A written question or complaint (обращение) with a registration number and a thread."""

    class Topic(models.TextChoices):
        PAYMENT = "payment", _("Оплата")
        READINGS = "readings", _("Показания счётчика")
        METER_REPLACEMENT = "meter_replacement", _("Замена счётчика")
        ACCOUNT_INFO = "account_info", _("Информация по счёту")
        BILL_DELIVERY = "bill_delivery", _("Доставка счёта")
        PORTAL_HELP = "portal_help", _("Консультация по личному кабинету")
        COMPLAINT = "complaint", _("Жалоба")
        TARIFF_CHANGE = "tariff_change", _("Смена тарифа")
        CONTRACT = "contract", _("Заключение договора")
        OTHER = "other", _("Другой вопрос")

    class Status(models.TextChoices):
        # The same Russian word labels registered residents on the bill: a context keeps the
        # English translations apart.
        NEW = "new", pgettext_lazy("appeal status", "Зарегистрировано")
        IN_PROGRESS = "in_progress", _("В работе")
        ANSWERED = "answered", _("Дан ответ")
        CLOSED = "closed", _("Закрыто")

    number = models.CharField(
        _("регистрационный номер"),
        max_length=20,
        unique=True,
        null=True,
        blank=True,
        editable=False,
    )
    user = person_field(_("клиент"), related_name="appeals")
    account = models.ForeignKey(
        Account,
        verbose_name=_("лицевой счёт"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
    )
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("поставщик"), on_delete=models.PROTECT, related_name="appeals"
    )
    topic = models.CharField(_("тема"), max_length=24, choices=Topic.choices)
    text = models.TextField(_("текст обращения"))
    status = models.CharField(
        _("статус"), max_length=16, choices=Status.choices, default=Status.NEW, db_index=True
    )
    assigned_to = person_field(_("исполнитель"), related_name="assigned_appeals")
    customer_unread = models.BooleanField(
        _("есть непрочитанный ответ"),
        default=False,
        help_text=_("Сотрудник ответил, а клиент ещё не открыл обращение."),
    )
    created_at = models.DateTimeField(_("подано"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("изменено"), auto_now=True)

    class Meta:
        verbose_name = _("обращение")
        verbose_name_plural = _("обращения")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="appeal_user_created_idx"),
            models.Index(fields=["supplier", "status"], name="appeal_supplier_status_idx"),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"


class AppealMessage(models.Model):
    """A message of an appeal's thread after the appeal itself: a staff answer or a reply."""

    appeal = models.ForeignKey(
        Appeal, verbose_name=_("обращение"), on_delete=models.CASCADE, related_name="messages"
    )
    author = person_field(_("автор"))
    is_staff = models.BooleanField(_("от сотрудника"), default=False)
    text = models.TextField(_("текст"))
    created_at = models.DateTimeField(_("написано"), auto_now_add=True)

    class Meta:
        verbose_name = _("сообщение по обращению")
        verbose_name_plural = _("сообщения по обращениям")
        ordering = ["appeal", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.appeal_id}: {self.text[:40]}"


class SocialNormDocument(models.Model):
    """Documents a customer sends for the social consumption norm."""

    class Kind(models.TextChoices):
        RESIDENTS = "residents", _("Справка о составе семьи / зарегистрированных")
        OWNERSHIP = "ownership", _("Документ о праве собственности")
        BENEFIT = "benefit", _("Удостоверение на льготу")
        PENSION = "pension", _("Пенсионное удостоверение")
        OTHER = "other", _("Другой документ")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Получены")
        ACCEPTED = "accepted", _("Приняты")
        REJECTED = "rejected", _("Отклонены")

    user = person_field(_("клиент"), related_name="social_documents")
    account = models.ForeignKey(
        Account,
        verbose_name=_("лицевой счёт"),
        on_delete=models.PROTECT,
        related_name="social_documents",
    )
    supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("поставщик"),
        on_delete=models.PROTECT,
        related_name="social_documents",
    )
    kind = models.CharField(_("вид документа"), max_length=16, choices=Kind.choices)
    comment = models.TextField(_("комментарий клиента"), blank=True)
    status = models.CharField(
        _("статус"), max_length=16, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    reject_reason = models.TextField(_("причина отклонения"), blank=True)
    reviewed_by = person_field(_("проверил"))
    reviewed_at = models.DateTimeField(_("проверено"), null=True, blank=True)
    created_at = models.DateTimeField(_("получено"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("документ для соц. нормы")
        verbose_name_plural = _("документы для соц. нормы")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reject_reason=""),
                name="social_document_reject_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"


_OWNER_FIELDS = ("service_request", "appeal", "appeal_message", "document")


def _owner(model: type[models.Model], verbose_name: Any) -> models.ForeignKey[Any, Any]:
    """One of an attachment's possible owners: it goes with its owner (exactly one is set)."""
    return models.ForeignKey(
        model,
        verbose_name=verbose_name,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )


class Attachment(models.Model):
    """A file a customer or staff member attached to a request, appeal, message or document.

    Exactly one owner is set. Created only through ``kabinet.core.uploads.store_upload`` (via
    ``services.attach_files``): checked by content, stored privately under a generated name.
    """

    service_request = _owner(ServiceRequest, _("заявка"))
    appeal = _owner(Appeal, _("обращение"))
    appeal_message = _owner(AppealMessage, _("сообщение"))
    document = _owner(SocialNormDocument, _("документ"))
    file = models.FileField(
        _("файл"), storage=get_private_storage, max_length=255, upload_to="support"
    )
    original_name = models.CharField(_("имя файла у клиента"), max_length=255)
    content_type = models.CharField(_("тип"), max_length=64)
    size = models.PositiveIntegerField(_("размер, байт"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = person_field(_("загрузил"))
    created_at = models.DateTimeField(_("загружен"), auto_now_add=True)

    OWNER_FIELDS = _OWNER_FIELDS

    class Meta:
        verbose_name = _("вложение")
        verbose_name_plural = _("вложения")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=reduce(
                    operator.or_,
                    (
                        Q(**{f"{name}__isnull": name != owner for name in _OWNER_FIELDS})
                        for owner in _OWNER_FIELDS
                    ),
                ),
                name="attachment_has_one_owner",
            )
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    def file_response(self, *, inline: bool) -> FileResponse:
        """The stored file under the name it was uploaded with; the caller has checked access."""
        return private_file_response(
            self.file,
            content_type=self.content_type,
            download_name=self.original_name,
            inline=inline,
        )


class FaqCategory(models.Model):
    """A group of questions; without a supplier it is shown to everyone."""

    supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("поставщик"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="faq_categories",
        help_text=_("Пусто — для всех поставщиков."),
    )
    name = models.CharField(_("название"), max_length=200)
    sort_order = models.PositiveSmallIntegerField(_("порядок"), default=100)
    created_at = models.DateTimeField(_("создана"), auto_now_add=True)

    class Meta:
        verbose_name = _("раздел вопросов и ответов")
        verbose_name_plural = _("разделы вопросов и ответов")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class FaqQuestion(models.Model):
    category = models.ForeignKey(
        FaqCategory, verbose_name=_("раздел"), on_delete=models.CASCADE, related_name="questions"
    )
    question = models.CharField(_("вопрос"), max_length=500)
    answer = models.TextField(_("ответ"))
    is_published = models.BooleanField(_("опубликован"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("порядок"), default=100)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменён"), auto_now=True)

    class Meta:
        verbose_name = _("вопрос и ответ")
        verbose_name_plural = _("вопросы и ответы")
        ordering = ["category", "sort_order", "pk"]

    def __str__(self) -> str:
        return self.question


class SupportContact(models.Model):
    """A line of the contacts block: a contact-centre phone or an office with its hours."""

    class Kind(models.TextChoices):
        PHONE = "phone", _("Телефон контакт-центра")
        OFFICE = "office", _("Офис обслуживания")

    supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("поставщик"),
        on_delete=models.CASCADE,
        related_name="support_contacts",
    )
    kind = models.CharField(_("вид"), max_length=8, choices=Kind.choices)
    title = models.CharField(_("название"), max_length=160)
    address = models.CharField(_("адрес"), max_length=255, blank=True)
    phone = models.CharField(_("телефон"), max_length=64, blank=True)
    hours = models.CharField(_("часы работы"), max_length=255, blank=True)
    # Seed 004, «Офисы на карте»: the supplier enters where each office is; Kabinet draws the map
    # itself and links to map services, so no third-party script runs on its pages.
    latitude = models.DecimalField(
        _("широта"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))],
        help_text=_("Например 56.83670 — из Яндекс Карт или OpenStreetMap."),
    )
    longitude = models.DecimalField(
        _("долгота"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))],
    )
    sort_order = models.PositiveSmallIntegerField(_("порядок"), default=100)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)

    class Meta:
        verbose_name = _("контакт поддержки")
        verbose_name_plural = _("контакты и офисы")
        ordering = ["supplier", "sort_order", "title"]

    def __str__(self) -> str:
        return self.title
