"""Sending bill PDFs by e-mail: on request from the bill history and in the monthly mailing."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kabinet.billing.models import AccountLink, Bill
from kabinet.documents.bills import bill_filename, period_title, render_bill_pdf
from kabinet.documents.models import BillDelivery
from kabinet.messaging.models import OutgoingMessage
from kabinet.messaging.services import send_email

logger = logging.getLogger(__name__)

PDF = "application/pdf"


def email_bill(*, bill: Bill, user: Any, pdf: bytes | None = None) -> OutgoingMessage:
    """Queue an e-mail with the bill's PDF to the user's confirmed address.

    The caller checks that the user may see the bill and has a confirmed e-mail.
    """
    if not user.has_confirmed_email:
        raise ValueError("the user has no confirmed e-mail")
    pdf = render_bill_pdf(bill) if pdf is None else pdf
    account = bill.account
    return send_email(
        to=user.email,
        template="bill",
        context={
            "user": user,
            "account_number": account.number_display or account.number,
            "address": account.premises.address if account.premises else "",
            "period": period_title(bill.period),
            "total": bill.total,
            "due_date": bill.due_date,
        },
        attachments=[(bill_filename(bill), pdf, PDF)],
    )


def paperless_links(period: dt.date) -> list[tuple[AccountLink, Bill]]:
    """Paperless subscribers with a confirmed e-mail and their account's bill for `period`,
    not yet delivered."""
    bills = {
        bill.account_id: bill
        for bill in Bill.objects.filter(
            period=period, account__links__paperless=True
        ).select_related("account__premises")
    }
    links = (
        AccountLink.objects.filter(
            paperless=True,
            account_id__in=bills.keys(),
            user__is_active=True,
            user__email_confirmed_at__isnull=False,
        )
        .exclude(user__email__isnull=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("pk")
    )
    delivered = set(
        BillDelivery.objects.filter(bill__in=bills.values()).values_list("bill_id", "user_id")
    )
    return [
        (link, bills[link.account_id])
        for link in links
        if (bills[link.account_id].pk, link.user_id) not in delivered
    ]


def deliver_bill(*, link: AccountLink, bill: Bill, pdf: bytes) -> bool:
    """Record and queue one delivery in one transaction; False when it was already recorded."""
    try:
        with transaction.atomic():
            delivery = BillDelivery.objects.create(bill=bill, user=link.user)
            message = email_bill(bill=bill, user=link.user, pdf=pdf)
            delivery.message = message
            delivery.save(update_fields=["message"])
    except IntegrityError:
        # Another run recorded it first: it has sent (or is sending) that e-mail.
        return False
    return True


def mail_bills_for_period(period: dt.date) -> int:
    """E-mail every paperless subscriber their bill for `period` once; return how many were sent.

    Each delivery is a BillDelivery row written with its e-mail in one transaction, so the job
    may be re-run or resumed after a crash without sending anything twice.
    """
    sent = 0
    pdfs: dict[int, bytes] = {}
    for link, bill in paperless_links(period):
        pdf = pdfs.get(bill.pk)
        if pdf is None:
            pdf = pdfs[bill.pk] = render_bill_pdf(bill)
        if deliver_bill(link=link, bill=bill, pdf=pdf):
            sent += 1
    if sent:
        logger.info(_("Квитанции за %s отправлены: %s"), period, sent)
    return sent
