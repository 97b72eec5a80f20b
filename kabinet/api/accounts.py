"""Customer API for accounts: list, link, unlink, edit, overview, charges, details.

The same services and selectors as the pages; every id goes through ``linked_account``, so
someone else's account answers 404 like a missing one.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from kabinet.api.auth import request_user
from kabinet.api.errors import ApiError, period_param
from kabinet.api.schemas import Error, Ok, out
from kabinet.billing import selectors, services
from kabinet.billing.models import AccountInvitation, AccountLink, Branch, Supplier
from kabinet.core.http import client_ip
from kabinet.core.periods import format_period
from kabinet.identity import captcha

router = Router(tags=["accounts"])

ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error, 429: Error}


class LinkOut(Schema):
    account_id: int
    number: str
    supplier: str
    supplier_id: int
    branch: str | None
    address: str
    relation: str
    alias: str
    group: str
    group_title: str = Field(
        "", description="Группа в «Ваших счетах»: своя или, по умолчанию, адрес помещения"
    )
    note: str
    paperless: bool
    balance: Decimal | None = Field(description="Итого по последней квитанции (долг > 0)")
    pending: Decimal = Field(
        default=Decimal("0.00"),
        description="Оплачено в личном кабинете после последней квитанции",
    )
    remaining: Decimal | None = Field(
        default=None, description="Баланс за вычетом оплат после квитанции (долг > 0)"
    )


class AccountLinkIn(Schema):
    supplier_id: int
    branch_id: int | None = None
    number: str
    relation: str
    question: str
    code: str = ""
    bill_total: str = ""
    surname: str = ""
    flat: str = ""
    alias: str = ""
    group: str = ""
    paperless: bool = False
    altcha: str = Field(
        "",
        description="Решённая задача GET /auth/captcha?level=hard; нужна только после ответа "
        "captcha_required (сейчас очень много попыток привязки)",
        max_length=2000,
    )


class LinkPatch(Schema):
    alias: str | None = None
    group: str | None = None
    note: str | None = None
    paperless: bool | None = None
    relation: str | None = None


class OverviewSectionOut(Schema):
    supplier_id: int
    supplier: str
    total: Decimal
    due_date: dt.date | None


class PendingOut(Schema):
    payment_id: int
    paid_at: dt.datetime
    amount: Decimal = Field(description="Оплачено за вычетом возвратов")
    accounted: bool = Field(
        description="Биллинг уже получил платёж (войдёт в следующую квитанцию); "
        "иначе — ожидает учёта"
    )


class OverviewOut(Schema):
    account: LinkOut
    period: str | None
    balance: Decimal | None = Field(description="Итого по последней квитанции (долг > 0)")
    pending: Decimal = Field(description="Оплачено в личном кабинете после последней квитанции")
    pending_payments: list[PendingOut]
    debt: Decimal | None = Field(description="Долг за вычетом оплат после квитанции")
    overpayment: Decimal | None = Field(description="Переплата с учётом оплат после квитанции")
    due_date: dt.date | None
    days_left: int | None
    sections: list[OverviewSectionOut]


class ChargeOut(Schema):
    id: int
    supplier_id: int
    service: str
    service_code: str
    zone: str
    unit: str
    tariff: Decimal | None
    opening_balance: Decimal
    paid: Decimal
    volume: Decimal | None
    charged: Decimal
    recalculation: Decimal
    benefits: Decimal
    penalties: Decimal
    total: Decimal


class Totals(Schema):
    opening_balance: Decimal
    paid: Decimal
    charged: Decimal
    recalculation: Decimal
    benefits: Decimal
    penalties: Decimal
    total: Decimal


class SupplierChargesOut(Schema):
    supplier_id: int
    supplier: str
    lines: list[ChargeOut]
    totals: Totals


class ChargesOut(Schema):
    periods: list[str]
    period: str | None
    suppliers: list[SupplierChargesOut]
    totals: Totals


class ContractOut(Schema):
    supplier_id: int
    service: str
    zone: str
    tariff_code: str
    tariff_name: str | None
    price: Decimal | None


class TariffOut(Schema):
    supplier_id: int
    service: str
    code: str
    zone: str
    name: str
    price: Decimal
    valid_from: dt.date
    valid_to: dt.date | None


class AccountMeterOut(Schema):
    id: int
    serial_number: str
    service: str
    zones: int
    capacity: str
    installed_on: dt.date | None
    removed_on: dt.date | None = None
    verification_due: dt.date | None
    location: str


class RequisitesOut(Schema):
    supplier_id: int
    name: str
    inn: str
    kpp: str
    bank_name: str
    bic: str
    settlement_account: str
    correspondent_account: str


class DetailsOut(Schema):
    account: LinkOut
    owner_name: str
    address: str
    total_area: Decimal | None
    living_area: Decimal | None
    residents: int | None
    period: str | None
    contracts: list[ContractOut]
    tariff_history: list[TariffOut]
    meters: list[AccountMeterOut]
    suppliers: list[RequisitesOut]


def _link_out(link: AccountLink, balance: selectors.Balance | None = None) -> LinkOut:
    account = link.account
    balance = balance or selectors.Balance(None)
    return LinkOut(
        account_id=account.pk,
        number=str(account),
        supplier=account.supplier.short_name,
        supplier_id=account.supplier_id,
        branch=account.branch.name if account.branch else None,
        address=account.premises.address if account.premises else "",
        relation=link.relation,
        alias=link.alias,
        group=link.group,
        group_title=link.group_title,
        note=link.note,
        paperless=link.paperless,
        balance=balance.billed,
        pending=balance.pending.total,
        remaining=balance.remaining,
    )


@router.get("", response={200: list[LinkOut], **ERRORS}, summary="Ваши счета")
def list_accounts(request: HttpRequest) -> list[LinkOut]:
    links = selectors.linked_accounts(request_user(request))
    balances = selectors.balances([link.account_id for link in links])
    return [_link_out(link, balances[link.account_id]) for link in links]


@router.post(
    "/link",
    response={201: LinkOut, **ERRORS},
    summary="Привязать лицевой счёт (с ответом на контрольный вопрос)",
)
def link_account(request: HttpRequest, payload: AccountLinkIn) -> Status[LinkOut]:
    user = request_user(request)
    supplier = Supplier.objects.filter(pk=payload.supplier_id).first()
    if supplier is None:
        raise ApiError("invalid_supplier", _("Выберите поставщика."), field="supplier_id")
    branch = None
    if payload.branch_id is not None:
        branch = Branch.objects.filter(pk=payload.branch_id, supplier=supplier).first()
        if branch is None:
            raise ApiError(
                "invalid_branch", _("Выберите филиал этого поставщика."), field="branch_id"
            )
    link = services.link_account(
        user=user,
        supplier=supplier,
        branch=branch,
        number=payload.number,
        relation=payload.relation,
        answer=services.Answer(
            question=payload.question,
            code=payload.code,
            bill_total=payload.bill_total,
            surname=payload.surname,
            flat=payload.flat,
        ),
        alias=payload.alias[:60],
        group=payload.group[:60],
        paperless=payload.paperless,
        hard_captcha=bool(payload.altcha) and captcha.payload_level(payload.altcha) == captcha.HARD,
    )
    link = selectors.linked_account(user, link.account_id)
    return Status(201, _link_out(link))


@router.delete("/{account_id}", response={200: Ok, **ERRORS}, summary="Отвязать лицевой счёт")
def unlink_account(request: HttpRequest, account_id: int) -> Ok:
    link = selectors.linked_account(request_user(request), account_id)
    services.unlink_account(link=link)
    return Ok()


@router.patch(
    "/{account_id}",
    response={200: LinkOut, **ERRORS},
    summary="Название, группа, заметка, электронные квитанции",
)
def update_account(request: HttpRequest, account_id: int, payload: LinkPatch) -> LinkOut:
    link = selectors.linked_account(request_user(request), account_id)
    limits = {"alias": 60, "group": 60, "note": 500}
    for name, limit in limits.items():
        value = getattr(payload, name)
        if value is not None and len(value.strip()) > limit:
            message = _("Не больше %(limit)d символов.") % {"limit": limit}
            raise ApiError("too_long", message, field=name)
    services.update_link(link=link, **payload.dict(exclude_unset=True))
    return _link_out(link)


@router.get("/{account_id}", response={200: OverviewOut, **ERRORS}, summary="Лицевой счёт")
def account_overview(request: HttpRequest, account_id: int) -> OverviewOut:
    link = selectors.linked_account(request_user(request), account_id)
    data = selectors.account_overview(link)
    return OverviewOut(
        account=_link_out(link, selectors.Balance(data.balance, data.pending)),
        period=format_period(data.bill.period) if data.bill else None,
        balance=data.balance,
        pending=data.pending.total,
        pending_payments=[
            PendingOut(
                payment_id=p.payment_id, paid_at=p.paid_at, amount=p.amount, accounted=p.accounted
            )
            for p in data.pending.payments
        ],
        debt=data.debt,
        overpayment=data.overpayment,
        due_date=data.due_date,
        days_left=data.days_left,
        sections=[
            out(OverviewSectionOut, s, supplier=s.supplier.short_name) for s in data.sections
        ],
    )


def _totals(values: dict[str, Decimal]) -> Totals:
    return Totals(**values)


@router.get("/{account_id}/charges", response={200: ChargesOut, **ERRORS}, summary="Начисления")
def account_charges(request: HttpRequest, account_id: int, period: str = "") -> ChargesOut:
    link = selectors.linked_account(request_user(request), account_id)
    return _charges_out(selectors.account_charges(link, period_param(period, "period")))


@router.get(
    "/{account_id}/charges/history",
    response={200: list[ChargesOut], **ERRORS},
    summary="История начислений за несколько месяцев",
)
def charges_history(
    request: HttpRequest, account_id: int, months: int = 6, until: str = ""
) -> list[ChargesOut]:
    """The charges of the ``months`` (1–12) periods with charges up to ``until`` (default the
    latest), newest first; each month as /charges gives it."""
    if not 1 <= months <= 12:
        raise ApiError("invalid_months", _("От 1 до 12 месяцев."), field="months")
    link = selectors.linked_account(request_user(request), account_id)
    history = selectors.ChargesHistory(link.account_id, period_param(until, "until"), months)
    return [_charges_out(page) for page in history.pages]


def _charges_out(page: selectors.ChargesPage) -> ChargesOut:
    return ChargesOut(
        periods=[format_period(p) for p in page.periods],
        period=format_period(page.period) if page.period else None,
        suppliers=[
            SupplierChargesOut(
                supplier_id=group.supplier.pk,
                supplier=group.supplier.short_name,
                totals=_totals(group.totals),
                lines=[
                    out(
                        ChargeOut,
                        line.charge,
                        service=line.charge.service.name,
                        service_code=line.charge.service.code,
                        unit=line.charge.unit or line.charge.service.unit,
                        charged=line.charged,
                        penalties=line.penalties,
                    )
                    for line in group.lines
                ],
            )
            for group in page.suppliers
        ],
        totals=_totals(page.totals),
    )


@router.get("/{account_id}/details", response={200: DetailsOut, **ERRORS}, summary="Реквизиты ЛС")
def account_details(
    request: HttpRequest, account_id: int, meters_since: dt.date | None = None
) -> DetailsOut:
    """``meters_since``: also the meters removed since that date (seed 003's «Список счётчиков»
    for a period); by default only the meters in place."""
    link = selectors.linked_account(request_user(request), account_id)
    data = selectors.account_details(link, meters_since=meters_since)
    premises = link.account.premises
    return DetailsOut(
        account=_link_out(link),
        owner_name=link.account.owner_name,
        address=premises.address if premises else "",
        total_area=premises.total_area if premises else None,
        living_area=premises.living_area if premises else None,
        residents=premises.residents if premises else None,
        period=format_period(data.period) if data.period else None,
        contracts=[
            ContractOut(
                supplier_id=c.supplier.pk,
                service=c.service.name,
                zone=c.zone,
                tariff_code=c.tariff_code,
                tariff_name=c.tariff.name if c.tariff else None,
                price=c.tariff.price if c.tariff else c.charged_price,
            )
            for c in data.contracts
        ],
        tariff_history=[out(TariffOut, t, service=t.service.name) for t in data.tariff_history],
        meters=[out(AccountMeterOut, m, service=m.service.name) for m in data.meters],
        suppliers=[out(RequisitesOut, s, supplier_id=s.pk) for s in data.suppliers],
    )


# --- Shared access ---------------------------------------------------------------------------


class MemberOut(Schema):
    link_id: int
    name: str
    address: str = Field(description="Телефон или e-mail, на который ушло приглашение")
    relation: str
    since: dt.datetime


class InvitationOut(Schema):
    id: int
    address: str
    status: str
    expires_at: dt.datetime


class AccessOut(Schema):
    is_holder: bool = Field(description="Счёт привязан самим пользователем (может приглашать)")
    holder: str = Field("", description="Кто предоставил доступ (для приглашённого)")
    members: list[MemberOut]
    invitations: list[InvitationOut]


class InvitationIn(Schema):
    address: str = Field(description="Телефон или e-mail приглашаемого", max_length=254)


class AcceptInvitationIn(Schema):
    token: str = Field(max_length=100)
    relation: str = AccountLink.Relation.RESIDENT


def _invitation_out(invitation: AccountInvitation) -> InvitationOut:
    return InvitationOut(
        id=invitation.pk,
        address=invitation.address,
        status=invitation.status,
        expires_at=invitation.expires_at,
    )


@router.get(
    "/{account_id}/access", response={200: AccessOut, **ERRORS}, summary="Совместный доступ"
)
def account_access(request: HttpRequest, account_id: int) -> AccessOut:
    access = selectors.account_access(selectors.linked_account(request_user(request), account_id))
    return AccessOut(
        is_holder=access.is_holder,
        holder=access.holder_name,
        members=[
            MemberOut(
                link_id=member.pk,
                name=str(member.user),
                address=access.address_of(member),
                relation=member.relation,
                since=member.created_at,
            )
            for member in access.members
        ],
        invitations=[_invitation_out(invitation) for invitation in access.invitations],
    )


@router.post(
    "/{account_id}/access/invitations",
    response={201: InvitationOut, **ERRORS},
    summary="Пригласить члена семьи (по телефону или e-mail)",
)
def invite(request: HttpRequest, account_id: int, payload: InvitationIn) -> Status[InvitationOut]:
    link = selectors.linked_account(request_user(request), account_id)
    invitation = services.invite_to_account(
        link=link, address=payload.address, client_ip=client_ip(request)
    )
    return Status(201, _invitation_out(invitation))


@router.delete(
    "/{account_id}/access/invitations/{invitation_id}",
    response={200: Ok, **ERRORS},
    summary="Отозвать приглашение",
)
def revoke_invitation(request: HttpRequest, account_id: int, invitation_id: int) -> Ok:
    link = selectors.linked_account(request_user(request), account_id)
    services.revoke_invitation(invitation=selectors.pending_invitation(link, invitation_id))
    return Ok()


@router.delete(
    "/{account_id}/access/members/{link_id}",
    response={200: Ok, **ERRORS},
    summary="Закрыть доступ члену семьи",
)
def revoke_member(request: HttpRequest, account_id: int, link_id: int) -> Ok:
    link = selectors.linked_account(request_user(request), account_id)
    services.revoke_access(member=selectors.granted_link(link, link_id))
    return Ok()


@router.post(
    "/invitations/accept",
    response={201: LinkOut, **ERRORS},
    summary="Принять приглашение к лицевому счёту",
)
def accept_invitation(request: HttpRequest, payload: AcceptInvitationIn) -> Status[LinkOut]:
    user = request_user(request)
    member = services.accept_invitation(user=user, token=payload.token, relation=payload.relation)
    return Status(201, _link_out(selectors.linked_account(user, member.account_id)))
