"""Customer API: an account's bills and the bill PDF (the pages' selectors and renderer)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Router, Schema

from kabinet.api.auth import request_user
from kabinet.api.errors import period_param
from kabinet.api.schemas import Error, out
from kabinet.billing.models import Bill
from kabinet.billing.selectors import linked_account
from kabinet.core.periods import format_period
from kabinet.documents.bills import bill_filename, render_bill_pdf

router = Router(tags=["bills"])

ERRORS = {400: Error, 401: Error, 404: Error}


class BillSectionOut(Schema):
    supplier: str
    total: Decimal
    due_date: dt.date | None


class BillOut(Schema):
    id: int
    period: str
    number: str
    issued_on: dt.date | None
    due_date: dt.date | None
    opening_balance: Decimal
    charged: Decimal
    recalculation: Decimal
    benefits: Decimal
    penalties: Decimal
    paid: Decimal
    total: Decimal
    sections: list[BillSectionOut]
    pdf_url: str


@router.get(
    "/{account_id}/bills",
    response={200: list[BillOut], **ERRORS},
    summary="Квитанции лицевого счёта (период: с — по, ГГГГ-ММ)",
)
def list_bills(
    request: HttpRequest, account_id: int, period_from: str = "", period_to: str = ""
) -> list[BillOut]:
    link = linked_account(request_user(request), account_id)
    start, end = period_param(period_from, "period_from"), period_param(period_to, "period_to")
    bills = Bill.objects.filter(account_id=link.account_id).prefetch_related("sections__supplier")
    if start:
        bills = bills.filter(period__gte=start)
    if end:
        bills = bills.filter(period__lte=end)
    return [
        out(
            BillOut,
            bill,
            period=format_period(bill.period),
            sections=[
                out(BillSectionOut, s, supplier=s.supplier.short_name) for s in bill.sections.all()
            ],
            pdf_url=f"/api/v1/accounts/{account_id}/bills/{bill.pk}/pdf",
        )
        for bill in bills.order_by("-period")
    ]


@router.get(
    "/{account_id}/bills/{bill_id}/pdf",
    response={200: None, **ERRORS},
    summary="Квитанция в PDF (ЕПД с QR-кодом для оплаты)",
)
def bill_pdf(request: HttpRequest, account_id: int, bill_id: int) -> HttpResponse:
    link = linked_account(request_user(request), account_id)
    bill = Bill.objects.filter(pk=bill_id, account_id=link.account_id).first()
    if bill is None:
        raise Http404
    response = HttpResponse(render_bill_pdf(bill), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{bill_filename(bill)}"'
    return response
