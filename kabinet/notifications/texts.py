"""What a notification says and what its button does, written when it is shown.

The row keeps facts (``payload``), not sentences: the same notification reads in the reader's
language in the portal, the API and the e-mail. Links to the pages of apps on notifications' own
level (support) are written as addresses: the layering forbids naming their URLs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.urls import reverse
from django.utils import dateformat
from django.utils.translation import gettext as _

from kabinet.core.money import format_rubles
from kabinet.notifications.models import Kind, Notification


@dataclass(frozen=True)
class Described:
    title: str
    text: str
    action_label: str = ""
    action_url: str = ""


def _date(value: Any) -> str:
    try:
        return dt.date.fromisoformat(str(value)[:10]).strftime("%d.%m.%Y")
    except ValueError:
        return ""


def _period(value: Any) -> str:
    """«Октябрь 2026», as the bill pages name a month."""
    try:
        return dateformat.format(dt.date.fromisoformat(str(value)[:10]), "F Y")
    except ValueError:
        return ""


def _rubles(value: Any) -> str:
    try:
        return format_rubles(Decimal(str(value)), sign=False)
    except (InvalidOperation, ValueError):
        return ""


def describe(notification: Notification) -> Described:
    """The title, the text and the action of ``notification`` in the active language."""
    data = notification.payload or {}
    account_id = notification.account_id
    kind = notification.kind
    pay = (_("Оплатить"), reverse("payments:pay", args=[account_id])) if account_id else ("", "")
    readings = (
        (_("Передать показания"), reverse("readings:submit", args=[account_id]))
        if account_id
        else ("", "")
    )
    if kind == Kind.NEW_BILL:
        text = _("Выставлена квитанция за %(period)s на сумму %(amount)s.") % {
            "period": _period(data.get("period")),
            "amount": _rubles(data.get("total")),
        }
        if data.get("due_date"):
            text += " " + _("Оплатить до %(date)s.") % {"date": _date(data["due_date"])}
        return Described(_("Новая квитанция"), text, *pay)
    if kind == Kind.DEBT:
        text = _("Задолженность %(amount)s. Оплатите до %(date)s, чтобы не начислялись пени.") % {
            "amount": _rubles(data.get("amount")),
            "date": _date(data.get("due_date")),
        }
        return Described(_("Задолженность"), text, *pay)
    if kind == Kind.DEBT_OVERDUE:
        text = _("Срок оплаты истёк %(date)s, задолженность %(amount)s.") % {
            "amount": _rubles(data.get("amount")),
            "date": _date(data.get("due_date")),
        }
        return Described(_("Просроченная задолженность"), text, *pay)
    if kind == Kind.READINGS_OPEN:
        text = _("Открыт приём показаний за %(period)s: передайте их до %(until)s.") % {
            "period": _period(data.get("period")),
            "until": data.get("closes", ""),
        }
        return Described(_("Передайте показания"), text, *readings)
    if kind == Kind.READINGS_CLOSING:
        text = _(
            "Приём показаний за %(period)s заканчивается %(until)s, а показания по части "
            "счётчиков ещё не переданы."
        ) % {"period": _period(data.get("period")), "until": data.get("closes", "")}
        return Described(_("Заканчивается приём показаний"), text, *readings)
    if kind == Kind.VERIFICATION_DUE:
        text = _("Срок поверки счётчика № %(serial)s истекает %(date)s.") % {
            "serial": data.get("serial", ""),
            "date": _date(data.get("due_date")),
        }
        return Described(_("Скоро поверка счётчика"), text, *readings)
    if kind == Kind.VERIFICATION_EXPIRED:
        text = _(
            "Срок поверки счётчика № %(serial)s истёк %(date)s: закажите поверку или замену."
        ) % {"serial": data.get("serial", ""), "date": _date(data.get("due_date"))}
        return Described(
            _("Истёк срок поверки счётчика"), text, _("Заказать услугу"), "/support/catalog/"
        )
    if kind == Kind.PAYMENT_SUCCEEDED:
        text = _("Платёж на сумму %(amount)s прошёл.") % {"amount": _rubles(data.get("amount"))}
        history = reverse("payments:account_history", args=[account_id]) if account_id else ""
        return Described(_("Платёж прошёл"), text, _("Платежи"), history)
    if kind == Kind.PAYMENT_FAILED:
        text = _("Платёж на сумму %(amount)s не прошёл.") % {"amount": _rubles(data.get("amount"))}
        return Described(_("Платёж не прошёл"), text, *pay)
    if kind == Kind.APPEAL_ANSWERED:
        text = _("На обращение № %(number)s дан ответ.") % {"number": data.get("number", "")}
        return Described(
            _("Ответ на обращение"),
            text,
            _("Открыть обращение"),
            f"/support/appeals/{int(data.get('appeal_id') or 0)}/",
        )
    if kind == Kind.REQUEST_STATUS:
        text = _("Заявка № %(number)s: %(status)s.") % {
            "number": data.get("number", ""),
            "status": data.get("status_label", ""),
        }
        return Described(
            _("Статус заявки изменён"),
            text,
            _("Открыть заявку"),
            f"/support/requests/{int(data.get('request_id') or 0)}/",
        )
    if kind == Kind.DOCUMENT_REVIEWED:
        text = (
            _("Ваши документы приняты.")
            if data.get("accepted")
            else _("Ваши документы отклонены: причина указана на странице документов.")
        )
        url = f"/accounts/{account_id}/documents/" if account_id else ""
        return Described(_("Документы рассмотрены"), text, _("Документы") if url else "", url)
    if kind == Kind.ANNOUNCEMENT:
        return Described(str(data.get("title", "")), str(data.get("text", "")))
    return Described(str(notification.get_kind_display()), "")
