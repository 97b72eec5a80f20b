"""Write operations on account links: link (with a control question), update, unlink.

Linking answers one message for every failure that would otherwise tell an outsider something
(unknown number, closed account, wrong code, wrong total, wrong surname or flat), so account
numbers cannot be enumerated; attempts are rate-limited per user, per user and account number and
in total (never per account number alone, which would let a stranger lock the owner out), and
refused when the limiter cannot count. The cap in total is one strangers can use up, so past it a
customer is asked for a hard captcha instead of being refused (``captcha_required``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from kabinet.billing import versions
from kabinet.billing.models import (
    Account,
    AccountInvitation,
    AccountLink,
    Bill,
    Branch,
    Supplier,
)
from kabinet.core import ratelimit
from kabinet.core.accounts import normalize_account_number
from kabinet.core.audit import Action, record
from kabinet.core.errors import ServiceError
from kabinet.core.money import RublesError, parse_rubles
from kabinet.core.periods import add_months, period_of
from kabinet.identity.backends import Identifier, parse_identifier
from kabinet.identity.models import User
from kabinet.messaging.services import send_email, send_sms

LINK_WINDOW = 3600
# Tries are counted per customer and per customer and account number, never per account number
# alone: a stranger's wrong answers must not block the owner's right one.
LINK_LIMIT_PER_USER = 10
LINK_LIMIT_PER_USER_ACCOUNT = 5
LINK_LIMIT_GLOBAL = 1000
BILL_TOTAL_MONTHS = 6


class Question:
    """Kinds of control question a supplier may allow (Supplier.link_by_*)."""

    CODE = "code"
    BILL_TOTAL = "bill_total"
    SURNAME_FLAT = "surname_flat"


def allowed_questions(supplier: Supplier) -> list[str]:
    kinds = []
    if supplier.link_by_code:
        kinds.append(Question.CODE)
    if supplier.link_by_bill_total:
        kinds.append(Question.BILL_TOTAL)
    if supplier.link_by_surname_flat:
        kinds.append(Question.SURNAME_FLAT)
    return kinds


class LinkError(ServiceError):
    """Linking or a link's settings refused, with a message for the customer."""


def _invalid() -> LinkError:
    return LinkError("invalid_link_data", _("Неверные данные для привязки лицевого счёта"))


def _throttled() -> LinkError:
    return LinkError("throttled", _("Слишком много попыток. Попробуйте позже."))


def _captcha_required() -> LinkError:
    return LinkError(
        "captcha_required",
        _(
            "Сейчас очень много попыток привязки. Пройдите усиленную проверку «Я не робот» "
            "и отправьте форму ещё раз."
        ),
        field="altcha",
    )


@dataclass(frozen=True)
class Answer:
    """What the customer answered: the fields of the chosen question only are used."""

    question: str
    code: str = ""
    bill_total: str = ""
    surname: str = ""
    flat: str = ""


def parse_amount(text: str) -> Decimal | None:
    """A bill total as the customer types it («1 234,56», «-1234.56 ₽»); None when it is not one."""
    try:
        return parse_rubles(text, minimum=None)
    except RublesError:
        return None


def _fold(text: str) -> str:
    return text.strip().casefold().replace("ё", "е")


_FLAT_PREFIX_RE = re.compile(r"^(?:кв\.?|квартира)\s*", re.IGNORECASE)


def _flat(text: str) -> str:
    return _FLAT_PREFIX_RE.sub("", text.strip()).replace(" ", "").casefold()


def _answer_is_right(account: Account, answer: Answer, today: dt.date) -> bool:
    if answer.question == Question.CODE:
        given = answer.code.strip().replace(" ", "")
        return bool(account.link_code) and constant_time_compare(
            given.upper(), account.link_code.strip().upper()
        )
    if answer.question == Question.BILL_TOTAL:
        amount = parse_amount(answer.bill_total)
        if amount is None:
            return False
        since = add_months(period_of(today), -BILL_TOTAL_MONTHS)
        # An overpayment is printed as «Итого переплата» without a minus: either sign matches.
        return Bill.objects.filter(
            account=account, period__gte=since, total__in=[amount, -amount]
        ).exists()
    if answer.question == Question.SURNAME_FLAT:
        words = account.owner_name.split()
        premises = account.premises
        if not words or premises is None or not premises.flat:
            return False
        surname = answer.surname.split()[0] if answer.surname.split() else ""
        return (
            bool(surname)
            and _fold(words[0]) == _fold(surname)
            and _flat(premises.flat) == _flat(answer.flat)
        )
    return False


def _check_limits(user_id: int, supplier_id: int, number: str, *, hard_captcha: bool) -> None:
    """Count this try; refuse past a customer's own limits, ask for a hard captcha past the cap
    in total (``hard_captcha``: one was solved, and the try goes on)."""
    try:
        # Asked before counting: a customer who is only asked for the captcha has not tried
        # yet, and their own tries stay for the answer they send with it.
        if not hard_captcha and ratelimit.count("link:global") >= LINK_LIMIT_GLOBAL:
            raise _captcha_required()
        own = all(
            [
                ratelimit.hit(
                    f"link:user:{user_id}", limit=LINK_LIMIT_PER_USER, window=LINK_WINDOW
                ),
                ratelimit.hit(
                    f"link:user-account:{user_id}:{supplier_id}:{number}",
                    limit=LINK_LIMIT_PER_USER_ACCOUNT,
                    window=LINK_WINDOW,
                ),
            ]
        )
        # Only tries within the customer's own limits count in total, so one person hammering
        # away does not use the cap up for everyone else.
        in_total = own and ratelimit.hit("link:global", limit=LINK_LIMIT_GLOBAL, window=LINK_WINDOW)
    except ratelimit.LimiterUnavailable:
        # Without a counter the control question could be brute-forced: refuse.
        raise _throttled() from None
    if not own:
        raise _throttled()
    if not in_total and not hard_captcha:
        raise _captcha_required()


def link_account(
    *,
    user: User,
    supplier: Supplier,
    branch: Branch | None,
    number: str,
    relation: str,
    answer: Answer,
    alias: str = "",
    group: str = "",
    paperless: bool = False,
    today: dt.date | None = None,
    hard_captcha: bool = False,
) -> AccountLink:
    """Link the account ``number`` of ``supplier`` (and ``branch``) to ``user``.

    Raises LinkError: the same «invalid» answer for an unknown or closed account and for a
    wrong control answer; «throttled» when the customer's own limits are spent or cannot be
    counted; «captcha_required» past the cap in total unless ``hard_captcha`` (the customer
    solved a hard challenge).
    """
    today = today or timezone.localdate()
    normalized = normalize_account_number(number)
    if relation not in AccountLink.Relation.values:
        raise LinkError("invalid_relation", _("Выберите отношение к счёту."), field="relation")
    if answer.question not in allowed_questions(supplier):
        raise LinkError(
            "question_not_allowed",
            _("Этот поставщик не принимает такой контрольный вопрос."),
            field="question",
        )
    if branch is not None and branch.supplier_id != supplier.pk:
        raise LinkError("invalid_branch", _("Выберите филиал этого поставщика."), field="branch")
    has_branches = supplier.branches.exists()
    if has_branches and branch is None:
        raise LinkError("branch_required", _("Выберите филиал."), field="branch")
    if not normalized:
        raise LinkError("number_required", _("Введите номер лицевого счёта."), field="number")

    _check_limits(user.pk, supplier.pk, normalized, hard_captcha=hard_captcha)

    account = (
        Account.objects.select_related("premises")
        .filter(supplier=supplier, branch=branch, number=normalized)
        .first()
    )
    known = account if account is not None and account.status != Account.Status.CLOSED else None
    # An unknown or closed number goes through the same check (against an empty account, so the
    # same queries run) and leaves the same audit row as a wrong answer: neither the message nor
    # the time taken tells whether the number exists, and staff see every failed attempt.
    right = _answer_is_right(known or Account(pk=0, supplier=supplier), answer, today)
    if known is None or not right:
        record(
            actor=user,
            action=Action.LINK_FAILED,
            obj=known,
            question=answer.question,
            number=normalized,
            supplier=supplier.code,
        )
        raise _invalid()
    account = known
    if AccountLink.objects.filter(user=user, account=account).exists():
        raise LinkError("already_linked", _("Этот лицевой счёт уже привязан к вашему кабинету."))
    try:
        with transaction.atomic():
            link = AccountLink.objects.create(
                user=user,
                account=account,
                relation=relation,
                alias=alias.strip(),
                group=group.strip(),
                paperless=paperless,
            )
            versions.bump(account_ids=[account.pk])
            record(
                actor=user,
                action=Action.ACCOUNT_LINKED,
                obj=account,
                question=answer.question,
                relation=relation,
                paperless=paperless,
            )
    except IntegrityError:
        raise LinkError(
            "already_linked", _("Этот лицевой счёт уже привязан к вашему кабинету.")
        ) from None
    return link


UPDATABLE_FIELDS = ("alias", "group", "note", "paperless", "relation")


@transaction.atomic
def update_link(*, link: AccountLink, **changes: Any) -> AccountLink:
    """Change alias, group, note, paperless or relation of the user's own link."""
    changed: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in UPDATABLE_FIELDS or value is None:
            continue
        if isinstance(value, str):
            value = value.strip()
        if name == "relation" and value not in AccountLink.Relation.values:
            raise LinkError("invalid_relation", _("Выберите отношение к счёту."), field="relation")
        if getattr(link, name) != value:
            setattr(link, name, value)
            changed[name] = value
    if changed:
        link.save(update_fields=list(changed))
        versions.bump(account_ids=[link.account_id])
        record(
            actor=link.user,
            action=Action.LINK_UPDATED,
            obj=link.account,
            **{k: v for k, v in changed.items() if k != "note"},
        )
    return link


@transaction.atomic
def unlink_account(*, link: AccountLink) -> None:
    """Remove the user's link; the account and its history stay, other users' links too."""
    user = link.user
    record(actor=user, action=Action.ACCOUNT_UNLINKED, obj=link.account)
    link.delete()
    versions.bump(account_ids=[link.account_id])


# --- Shared access: the holder invites a family member ---------------------------------------
#
# Seed 000 lets a customer add someone else's account by typing that person's login and password;
# here the holder lends access instead. The invitation goes to a phone or an e-mail and only a
# user who has confirmed that very phone or e-mail can accept it, so a forwarded link opens
# nothing. A member cannot lend the access further; the holder sees and revokes it, and it ends
# with the holder's own link.

INVITATION_TTL = dt.timedelta(days=7)
INVITATIONS_PER_DAY = 10
PENDING_INVITATIONS_PER_LINK = 5


class SharingError(ServiceError):
    pass


def _invitation_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _invitee_address(raw: str) -> Identifier:
    identifier = parse_identifier(raw)
    if identifier is None:
        raise SharingError(
            "invalid_address",
            _("Введите номер мобильного телефона или адрес e-mail."),
            field="address",
        )
    return identifier


def invitation_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("accounts:invitation", args=[token])


@transaction.atomic
def invite_to_account(
    *, link: AccountLink, address: str, client_ip: str | None = None
) -> AccountInvitation:
    """Send an invitation to see and pay the account of ``link`` to a phone or an e-mail.

    Raises SharingError: ``not_holder`` for a member (access cannot be lent further),
    ``invalid_address``, ``own_address``, ``already_member``, ``too_many_pending`` (five
    invitations wait for an answer) and ``throttled`` (ten a day per customer); DeliveryRefused
    when the SMS caps are reached.
    """
    if link.granted_by_id is not None:
        raise SharingError(
            "not_holder",
            _("Приглашать других может только тот, кто привязал лицевой счёт сам."),
        )
    identifier = _invitee_address(address)
    user = link.user
    if identifier.value in (user.phone, user.email):
        raise SharingError(
            "own_address", _("Это ваш собственный телефон или e-mail."), field="address"
        )
    member_filter = Q(user__phone=identifier.value) | Q(user__email=identifier.value)
    if AccountLink.objects.filter(member_filter, account_id=link.account_id).exists():
        raise SharingError(
            "already_member",
            _("У этого пользователя уже есть доступ к лицевому счёту."),
            field="address",
        )
    now = timezone.now()
    pending = link.invitations.filter(status=AccountInvitation.Status.PENDING, expires_at__gt=now)
    if pending.count() >= PENDING_INVITATIONS_PER_LINK:
        raise SharingError(
            "too_many_pending",
            _("Ответа ждут уже пять приглашений. Отзовите ненужные или дождитесь ответа."),
        )
    try:
        allowed = ratelimit.hit(f"invite:{user.pk}", limit=INVITATIONS_PER_DAY, window=86400)
    except ratelimit.LimiterUnavailable:
        allowed = False
    if not allowed:
        raise SharingError("throttled", _("Слишком много приглашений. Попробуйте завтра."))
    token = secrets.token_urlsafe(32)
    invitation = AccountInvitation.objects.create(
        link=link,
        phone=identifier.value if identifier.kind == "phone" else "",
        email=identifier.value if identifier.kind == "email" else "",
        token_hash=_invitation_token_hash(token),
        expires_at=now + INVITATION_TTL,
    )
    account = link.account
    context = {
        "inviter": user.get_short_name() or user.get_full_name(),
        "supplier": account.supplier.short_name,
        "account": account.number_display or account.number,
        "link": invitation_url(token),
        "expires_at": invitation.expires_at,
    }
    if identifier.kind == "phone":
        send_sms(
            to=identifier.value, template="account_invitation", context=context, client_ip=client_ip
        )
    else:
        send_email(to=identifier.value, template="account_invitation", context=context)
    record(
        actor=user,
        action=Action.ACCOUNT_INVITATION_SENT,
        obj=account,
        channel=identifier.kind,
    )
    return invitation


@transaction.atomic
def revoke_invitation(*, invitation: AccountInvitation) -> None:
    """Withdraw an invitation that was not accepted yet; its link stops working at once."""
    if invitation.status != AccountInvitation.Status.PENDING:
        return
    invitation.status = AccountInvitation.Status.REVOKED
    invitation.save(update_fields=["status"])
    record(
        actor=invitation.link.user,
        action=Action.ACCOUNT_INVITATION_REVOKED,
        obj=invitation.link.account,
    )


def _invalid_invitation() -> SharingError:
    return SharingError(
        "invitation_invalid",
        _(
            "Приглашение недействительно: его отозвали, уже приняли или истёк срок его "
            "действия. Попросите прислать новое."
        ),
    )


def invitation_for(*, user: User, token: str, lock: bool = False) -> AccountInvitation:
    """The pending invitation behind ``token`` if ``user`` is the one it was sent to.

    Raises SharingError ``invitation_invalid`` (unknown, used, revoked or expired) or
    ``wrong_recipient`` (sent to a phone or e-mail this user has not confirmed).
    """
    invitations = AccountInvitation.objects.select_related(
        "link__user", "link__account__supplier", "link__account__premises"
    )
    if lock:
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.filter(token_hash=_invitation_token_hash(token)).first()
    if (
        invitation is None
        or invitation.status != AccountInvitation.Status.PENDING
        or invitation.expires_at <= timezone.now()
    ):
        raise _invalid_invitation()
    by_phone = bool(invitation.phone) and (
        invitation.phone == user.phone and user.phone_confirmed_at is not None
    )
    by_email = bool(invitation.email) and (
        invitation.email == user.email and user.has_confirmed_email
    )
    if not (by_phone or by_email):
        raise SharingError(
            "wrong_recipient",
            _(
                "Приглашение отправлено на другой телефон или e-mail. Войдите в кабинет с "
                "тем телефоном или e-mail, на который оно пришло, или подтвердите его в профиле."
            ),
        )
    return invitation


@transaction.atomic
def accept_invitation(*, user: User, token: str, relation: str) -> AccountLink:
    """Link the invited account to ``user`` as a member of the holder's link.

    Raises SharingError as ``invitation_for`` does, ``invalid_relation``, ``already_linked``
    and ``account_closed``.
    """
    if relation not in AccountLink.Relation.values:
        raise SharingError("invalid_relation", _("Выберите отношение к счёту."), field="relation")
    invitation = invitation_for(user=user, token=token, lock=True)
    holder_link = invitation.link
    account = holder_link.account
    if account.status == Account.Status.CLOSED:
        raise SharingError("account_closed", _("Лицевой счёт закрыт."))
    if AccountLink.objects.filter(user=user, account=account).exists():
        raise SharingError("already_linked", _("Этот лицевой счёт уже привязан к вашему кабинету."))
    member = AccountLink.objects.create(
        user=user, account=account, relation=relation, granted_by=holder_link
    )
    invitation.status = AccountInvitation.Status.ACCEPTED
    invitation.accepted_link = member
    invitation.save(update_fields=["status", "accepted_link"])
    versions.bump(account_ids=[account.pk])
    record(actor=user, action=Action.ACCOUNT_INVITATION_ACCEPTED, obj=account)
    return member


@transaction.atomic
def revoke_access(*, member: AccountLink) -> None:
    """The holder takes back the access they lent: the member's link goes."""
    holder_link = member.granted_by
    if holder_link is None:
        raise SharingError("not_member", _("Этот доступ нельзя отозвать."))
    record(actor=holder_link.user, action=Action.ACCOUNT_ACCESS_REVOKED, obj=member.account)
    member.delete()
    versions.bump(account_ids=[member.account_id])


@transaction.atomic
def set_paperless(*, user: User, choices: dict[int, bool]) -> int:
    """«Получение счета по e-mail»: e-mail (True) or paper (False) per linked account, from the
    profile's table. Only the user's own links; an account id they have not linked is refused
    whole, nothing saved. Each changed link is saved and audited by ``update_link``; returns
    how many changed."""
    links = {
        link.account_id: link
        for link in AccountLink.objects.filter(user=user, account_id__in=list(choices))
        .select_related("account")
        .select_for_update(of=("self",))
    }
    if set(choices) - set(links):
        raise LinkError("unknown_account", _("Лицевой счёт не найден."), field="account_id")
    changed = 0
    for account_id, paperless in choices.items():
        link = links[account_id]
        if link.paperless != paperless:
            link.user = user
            update_link(link=link, paperless=paperless)
            changed += 1
    return changed
