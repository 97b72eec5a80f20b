"""People who log in, what they consented to, and the codes and links that prove who they are."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who logs in to the portal (customer or staff). Not a personal account.

    Customers log in with a phone or an e-mail, either of which may be missing; ``username`` is
    generated for them and typed only by staff in the admin. Phone is E.164, e-mail lower-case,
    so uniqueness holds however the person typed them.
    """

    class Gender(models.TextChoices):
        UNKNOWN = "", _("Не указан")
        MALE = "male", _("Мужской")
        FEMALE = "female", _("Женский")

    # Nullable, unlike AbstractUser's: people who register by phone have no e-mail.
    email = models.EmailField(  # type: ignore[assignment]
        _("e-mail"), blank=True, null=True, unique=True
    )
    email_confirmed_at = models.DateTimeField(_("e-mail подтверждён"), null=True, blank=True)
    phone = models.CharField(_("телефон"), max_length=20, blank=True, null=True, unique=True)
    phone_confirmed_at = models.DateTimeField(_("телефон подтверждён"), null=True, blank=True)
    patronymic = models.CharField(_("отчество"), max_length=150, blank=True)
    last_name_latin = models.CharField(_("фамилия латиницей"), max_length=150, blank=True)
    first_name_latin = models.CharField(_("имя латиницей"), max_length=150, blank=True)
    gender = models.CharField(
        _("пол"), max_length=8, choices=Gender.choices, blank=True, default=Gender.UNKNOWN
    )
    birth_date = models.DateField(_("дата рождения"), null=True, blank=True)
    # The language the person chose with the switcher; empty follows the browser. Kept here so
    # the choice follows them to every device they log in on (ProfileLanguageMiddleware).
    language = models.CharField(
        _("язык"), max_length=8, choices=settings.LANGUAGES, blank=True, default=""
    )

    class Meta:
        verbose_name = _("пользователь")
        verbose_name_plural = _("пользователи")

    def __str__(self) -> str:
        return self.get_full_name() or self.email or self.phone or self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A missing phone or e-mail is NULL, never "": two people without an e-mail must not
        # collide on the unique index, and an address differs from itself by case only.
        self.email = self.email.strip().lower() if self.email else None
        self.phone = self.phone or None
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.patronymic) if p)

    @property
    def has_confirmed_email(self) -> bool:
        """Letters (bills, answers, receipts) go only to an address the person confirmed."""
        return bool(self.email) and self.email_confirmed_at is not None

    @property
    def needs_personal_details(self) -> bool:
        """Surname and name are required: asked for at first login if missing (and a phone,
        where the utility requires one)."""
        return not (self.last_name and self.first_name) or self.needs_phone

    @property
    def needs_phone(self) -> bool:
        """Seed 003 (Рис. 7): a utility may require a confirmed mobile phone of every customer;
        one who registered by e-mail gives it at first login (``PHONE_REQUIRED``)."""
        return settings.PHONE_REQUIRED and not self.is_staff and self.phone_confirmed_at is None


class Consent(models.Model):
    """A document the person accepted, with its version (152-FZ: kept apart from each other).

    Consent to personal-data processing is its own document and checkbox, not part of the user
    agreement, and marketing is separate and optional. Withdrawing sets ``withdrawn_at``; a new
    acceptance is a new row, so the history of versions stays.
    """

    class Kind(models.TextChoices):
        PERSONAL_DATA = "personal_data", _("Согласие на обработку персональных данных")
        USER_AGREEMENT = "user_agreement", _("Пользовательское соглашение")
        MARKETING = "marketing", _("Согласие на получение рекламно-информационных рассылок")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("пользователь"),
        on_delete=models.CASCADE,
        related_name="consents",
    )
    kind = models.CharField(_("документ"), max_length=16, choices=Kind.choices)
    version = models.CharField(_("версия"), max_length=32)
    accepted_at = models.DateTimeField(_("принято"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("отозвано"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("IP-адрес"), null=True, blank=True)

    class Meta:
        verbose_name = _("согласие")
        verbose_name_plural = _("согласия")
        ordering = ["user", "kind", "-accepted_at"]
        indexes = [models.Index(fields=["user", "kind"], name="consent_user_kind_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


class ConsentText(models.Model):
    """The text of one version of a consent document, kept for as long as anyone agreed to it.

    A customer must be able to read what exactly they agreed to, also after the utility changed
    the document: a new text is a new version (the version settings name the one offered
    today), and the old rows stay. Plain text; paragraphs are separated by blank lines.
    """

    kind = models.CharField(_("документ"), max_length=16, choices=Consent.Kind.choices)
    version = models.CharField(_("версия"), max_length=32)
    text = models.TextField(_("текст"))
    published_at = models.DateTimeField(_("опубликован"), default=timezone.now)

    class Meta:
        verbose_name = _("текст согласия")
        verbose_name_plural = _("тексты согласий")
        ordering = ["kind", "-published_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="consent_text_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


class Verification(models.Model):
    """A one-time SMS code or e-mail link that proves control of a phone or an address.

    Only a keyed hash of the secret is stored. A code is single use, expires, and dies after a
    number of wrong tries; ``payload`` carries what the act needs once proven (a pending
    registration's password hash and details, so no user exists before the proof).
    """

    class Purpose(models.TextChoices):
        REGISTER = "register", _("Регистрация")
        RECOVER = "recover", _("Восстановление пароля")
        CHANGE_PHONE = "change_phone", _("Смена телефона")
        CONFIRM_EMAIL = "confirm_email", _("Подтверждение e-mail")

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")

    purpose = models.CharField(_("назначение"), max_length=16, choices=Purpose.choices)
    channel = models.CharField(_("канал"), max_length=8, choices=Channel.choices)
    target = models.CharField(_("телефон или e-mail"), max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("пользователь"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    secret_hash = models.CharField(_("хеш кода"), max_length=64, unique=True)
    payload = models.JSONField(_("данные"), default=dict, blank=True)
    created_at = models.DateTimeField(_("создан"), default=timezone.now)
    expires_at = models.DateTimeField(_("действует до"))
    last_sent_at = models.DateTimeField(_("отправлен"), default=timezone.now)
    send_count = models.PositiveSmallIntegerField(_("отправок"), default=1)
    attempts = models.PositiveSmallIntegerField(_("неверных попыток"), default=0)
    used_at = models.DateTimeField(_("использован"), null=True, blank=True)

    class Meta:
        verbose_name = _("подтверждение")
        verbose_name_plural = _("подтверждения")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["target", "purpose"], name="verification_target_idx"),
            models.Index(fields=["expires_at"], name="verification_expires_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} → {self.target}"


class ApiToken(models.Model):
    """A bearer token of the customer API for a mobile app; only its hash is stored.

    Every token expires; each use moves ``expires_at`` on (services/tokens.py).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("пользователь"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    key_hash = models.CharField(_("хеш ключа"), max_length=64, unique=True)
    label = models.CharField(_("устройство"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("создан"), default=timezone.now)
    last_used_at = models.DateTimeField(_("последнее использование"), null=True, blank=True)
    expires_at = models.DateTimeField(_("действует до"))

    class Meta:
        verbose_name = _("токен API")
        verbose_name_plural = _("токены API")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="api_token_expires_after_created",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.label or self.pk}"
