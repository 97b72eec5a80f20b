"""Customer API for the home page and the profile's settings: the accounts' summary, e-mail or
paper bills, marketing mailings and consents.

The same selectors and services as the pages (metering.summaries, billing.marketing,
billing.services.set_paperless, identity's consents and personal data); every account and
supplier id is checked against the user's own links.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.contrib.auth import logout
from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from kabinet.api.auth import request_token, request_user
from kabinet.api.schemas import DeleteIn, Error, Ok
from kabinet.billing import marketing
from kabinet.billing.selectors import linked_accounts
from kabinet.billing.services import set_paperless
from kabinet.core.http import client_ip
from kabinet.identity.models import Consent
from kabinet.identity.services import consents, personal_data
from kabinet.metering.summaries import PAY, account_summaries

home_router = Router(tags=["home"])
settings_router = Router(tags=["profile"])

ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error, 429: Error}


# --- home summary ---------------------------------------------------------------------------


class ReadingsWindowOut(Schema):
    supplier: str
    is_open: bool = Field(description="Приём показаний открыт сейчас")
    opens_on: dt.date = Field(description="День открытия окна (в зоне поставщика)")
    last_day: dt.date = Field(description="Последний день приёма (в зоне поставщика)")
    text: str = Field(examples=["Передать до 25.12", "откроется 15.12"])
    meters: int = Field(description="Приборов учёта поставщика, показания которых передаёт клиент")
    missing: int = Field(description="Из них без показаний за период окна")


class ActionOut(Schema):
    kind: Literal["pay", "submit_readings"]
    amount: Decimal | None = Field(None, description="Сумма к оплате (для pay)")


class AccountCardOut(Schema):
    account_id: int
    number: str
    alias: str
    address: str
    suppliers: list[str]
    balance: Decimal | None = Field(description="Итого по последней квитанции (долг > 0)")
    pending: Decimal = Field(description="Оплачено в личном кабинете после последней квитанции")
    remaining: Decimal | None = Field(
        description="Баланс за вычетом оплат после квитанции (долг > 0, переплата < 0)"
    )
    due_date: dt.date | None
    days_left: int | None = Field(description="Дней до срока оплаты (< 0 — просрочено)")
    readings: list[ReadingsWindowOut]
    actions: list[ActionOut] = Field(description="Следующие шаги, самый срочный первым")


class HomeOut(Schema):
    accounts: list[AccountCardOut]


@home_router.get(
    "",
    response={200: HomeOut, **ERRORS},
    summary="Главная: лицевые счета с балансом, сроком оплаты, окном показаний и действиями",
)
def home(request: HttpRequest) -> HomeOut:
    cards = []
    for summary in account_summaries(linked_accounts(request_user(request))):
        link, account = summary.link, summary.link.account
        cards.append(
            AccountCardOut(
                account_id=account.pk,
                number=str(account),
                alias=link.alias,
                address=account.premises.address if account.premises else "",
                suppliers=list(summary.suppliers),
                balance=summary.balance.billed,
                pending=summary.balance.pending.total,
                remaining=summary.remaining,
                due_date=summary.due_date,
                days_left=summary.days_left,
                readings=[
                    ReadingsWindowOut(
                        supplier=w.supplier,
                        is_open=w.is_open,
                        opens_on=w.opens_on,
                        last_day=w.last_day,
                        text=w.text,
                        meters=w.meters,
                        missing=w.missing,
                    )
                    for w in summary.windows
                ],
                actions=[
                    ActionOut(kind="pay", amount=summary.to_pay)
                    if kind == PAY
                    else ActionOut(kind="submit_readings", amount=None)
                    for kind in summary.actions
                ],
            )
        )
    return HomeOut(accounts=cards)


# --- e-mail or paper bills ----------------------------------------------------------------


Delivery = Literal["email", "paper"]


class EBillOut(Schema):
    account_id: int
    number: str
    address: str
    supplier: str
    delivery: Delivery = Field(description="email — квитанция по e-mail, paper — бумажная")


class EBillIn(Schema):
    account_id: int
    delivery: Delivery


class EBillsIn(Schema):
    accounts: list[EBillIn] = Field(max_length=1000)


def _e_bills(request: HttpRequest) -> list[EBillOut]:
    return [
        EBillOut(
            account_id=link.account_id,
            number=str(link.account),
            address=link.account.premises.address if link.account.premises else "",
            supplier=link.account.supplier.short_name,
            delivery="email" if link.paperless else "paper",
        )
        for link in linked_accounts(request_user(request))
    ]


@settings_router.get(
    "/e-bills", response={200: list[EBillOut], **ERRORS}, summary="Получение счета по e-mail"
)
def get_e_bills(request: HttpRequest) -> list[EBillOut]:
    return _e_bills(request)


@settings_router.put(
    "/e-bills",
    response={200: list[EBillOut], **ERRORS},
    summary="Квитанция по e-mail или бумажная — по каждому лицевому счёту",
    description="Счета, которых нет в запросе, не меняются. Чужой или несуществующий счёт — "
    "400 unknown_account, ничего не сохраняется.",
)
def put_e_bills(request: HttpRequest, payload: EBillsIn) -> list[EBillOut]:
    choices = {item.account_id: item.delivery == "email" for item in payload.accounts}
    set_paperless(user=request_user(request), choices=choices)
    return _e_bills(request)


# --- marketing mailings ---------------------------------------------------------------------


class MarketingSupplierOut(Schema):
    supplier_id: int
    name: str
    email: bool
    sms: bool


class MarketingOut(Schema):
    consented: bool = Field(description="Согласие на рассылки действует")
    suppliers: list[MarketingSupplierOut]


class MarketingSupplierIn(Schema):
    supplier_id: int
    email: bool = False
    sms: bool = False


class MarketingIn(Schema):
    suppliers: list[MarketingSupplierIn] = Field(max_length=1000)
    give_consent: bool = Field(
        False, description="Дать согласие на рассылки (нужно, если его нет и выбрана рассылка)"
    )


def _marketing(request: HttpRequest) -> MarketingOut:
    user = request_user(request)
    chosen = marketing.subscriptions_of(user)
    return MarketingOut(
        consented=consents.has_active_consent(user, Consent.Kind.MARKETING),
        suppliers=[
            MarketingSupplierOut(
                supplier_id=s.pk,
                name=s.name,
                email=(s.pk, "email") in chosen,
                sms=(s.pk, "sms") in chosen,
            )
            for s in marketing.marketing_suppliers(user)
        ],
    )


@settings_router.get(
    "/marketing",
    response={200: MarketingOut, **ERRORS},
    summary="Рекламно-информационные рассылки по поставщикам",
)
def get_marketing(request: HttpRequest) -> MarketingOut:
    return _marketing(request)


@settings_router.put(
    "/marketing",
    response={200: MarketingOut, **ERRORS},
    summary="Выбрать рассылки: e-mail и SMS по каждому поставщику",
    description="Заменяет выбор целиком. Рассылка без действующего согласия — 400 "
    "consent_required (передайте give_consent); поставщик не из ваших счетов — 400 "
    "unknown_supplier.",
)
def put_marketing(request: HttpRequest, payload: MarketingIn) -> MarketingOut:
    wanted = {
        (item.supplier_id, channel)
        for item in payload.suppliers
        for channel, on in (("email", item.email), ("sms", item.sms))
        if on
    }
    marketing.set_marketing_subscriptions(
        user=request_user(request),
        wanted=wanted,
        give_consent=payload.give_consent,
        ip_address=client_ip(request),
    )
    return _marketing(request)


# --- consents -------------------------------------------------------------------------------


class ConsentOut(Schema):
    id: int
    kind: str = Field(examples=["personal_data", "user_agreement", "marketing"])
    title: str
    version: str
    accepted_at: dt.datetime
    withdrawn_at: dt.datetime | None
    text: str | None = Field(description="Текст той редакции, с которой клиент согласился")


@settings_router.get(
    "/consents",
    response={200: list[ConsentOut], **ERRORS},
    summary="Согласия: документ, редакция и её текст, когда дано и отозвано",
)
def list_consents(request: HttpRequest) -> list[ConsentOut]:
    texts: dict[tuple[str, str], str | None] = {}
    found = []
    for consent in consents.consent_history(request_user(request)):
        key = (consent.kind, consent.version)
        if key not in texts:
            kept = consents.consent_text(*key)
            texts[key] = kept.text if kept else None
        found.append(
            ConsentOut(
                id=consent.pk,
                kind=consent.kind,
                title=consent.get_kind_display(),
                version=consent.version,
                accepted_at=consent.accepted_at,
                withdrawn_at=consent.withdrawn_at,
                text=texts[key],
            )
        )
    return found


@settings_router.post(
    "/consents/marketing/withdraw",
    response={200: Ok, **ERRORS},
    summary="Отозвать согласие на рассылки (действует сразу)",
)
def withdraw_marketing(request: HttpRequest) -> Ok:
    consents.withdraw_consent(user=request_user(request), kind=Consent.Kind.MARKETING)
    return Ok()


@settings_router.post(
    "/consents/marketing",
    response={200: Ok, **ERRORS},
    summary="Дать согласие на рассылки (текущая редакция)",
)
def accept_marketing(request: HttpRequest) -> Ok:
    user = request_user(request)
    if not consents.has_active_consent(user, Consent.Kind.MARKETING):
        consents.accept_consent(
            user=user, kind=Consent.Kind.MARKETING, ip_address=client_ip(request)
        )
    return Ok()


@settings_router.post(
    "/consents/personal_data/withdraw",
    response={200: Ok, **ERRORS},
    summary="Отозвать согласие на обработку персональных данных: учётная запись закрывается",
    description="Нужны пароль и confirm=true. Учётная запись и персональные данные удаляются "
    "так же, как DELETE /profile; все токены перестают действовать.",
)
def withdraw_personal_data(request: HttpRequest, payload: DeleteIn) -> Ok:
    personal_data.withdraw_personal_data_consent(
        user=request_user(request),
        current_password=payload.current_password,
        confirmed=payload.confirm,
    )
    if request_token(request) is None:
        logout(request)
    return Ok()
